#!/bin/sh
# The whole pipeline, each endpoint and scenario, and through faults:
# every request's result present exactly once.
. tests/lib.sh
fake_start
export BW_TEST_RETRY="--retry-wait 0.01"
R=$BW_TEST_RETRY
awk 'BEGIN { for (i = 0; i < 40; i++) printf "{\"customId\":\"q%02d%s\",\"system\":\"Be brief.\",\"prompt\":\"question %d\",\"maxOutputTokens\":20}\n", i, i % 9 == 4 ? "-fail" : "", i }' >"$T/requests.jsonl"
pipeline() {	# endpoint -> results in $T/results, status in $T/rc
	{ bw-jsonl -m gpt-4o-mini -e "$1" "$T/requests.jsonl" | bw-upload $R |
		bw-create $R | bw-poll -i 0.01 $R | bw-download $R |
		bw-parse >"$T/results"; } 2>>"$T/err"
}
summary() {	# status counts, and whether every customId is there exactly once
	jq -Rrn --rawfile req "$T/requests.jsonl" '
		[inputs | fromjson] as $res
		| ($req | split("\n") | map(select(. != "") | fromjson | .customId) | sort) as $want
		| [($res | group_by(.status) | map("\(.[0].status)=\(length)") | join(" ")),
		   (if ($res | map(.customId) | sort) == $want then "once" else "NOT-ONCE" end),
		   (if all($res[] | select(.status == "succeeded"); .text == "ok " + .customId)
		    then "texts" else "BAD-TEXT" end)]
		| join(" ")' "$T/results"
}

for e in chat responses completions; do
	for s in ok some_fail all_fail expired; do
		fake_ctl "{\"scenario\":\"$s\"}"
		: >"$T/err"
		pipeline $e
		case $s in
		ok) want="succeeded=40 once texts" ;;
		some_fail) want="errored=4 succeeded=36 once texts" ;;
		all_fail) want="errored=40 once texts" ;;
		expired) want="expired=20 succeeded=20 once texts" ;;
		esac
		got=$(summary)
		ok '[ "$got" = "$want" ]' "$e, $s: $want"
		[ "$got" = "$want" ] || echo "# got: $got"
	done
done

fake_ctl '{"scenario":"failed"}'
bw-jsonl -m gpt-4o-mini "$T/requests.jsonl" | bw-upload | bw-create >"$T/new"
run bw-poll -i 0.01 <"$T/new"
exit_is 1 "failed validation: bw-poll exits 1"
cp "$T/out" "$T/batch"
run bw-download $R <"$T/batch"
exit_is 1 "failed validation: bw-download exits 1, nothing written"
fake_ctl '{"scenario":"ok"}'

# through each fault
fault() {	# description fault-json
	fake_ctl "{\"faults\":[$2]}"
	: >"$T/err"
	pipeline chat
	ok '[ "$(summary)" = "succeeded=40 once texts" ]' "$1: every result once"
	fake_ctl '{"faults":[]}'
}
fault "429 with retry-after on upload" '{"path":"^/v1/files$","kind":"status","code":429,"retry_after":"0","times":2}'
fault "500s on create" '{"method":"POST","path":"^/v1/batches$","kind":"status","code":500,"times":2}'
fault "create accepted, connection dropped" '{"method":"POST","path":"^/v1/batches$","kind":"after"}'
fault "a reset while polling" '{"method":"GET","path":"^/v1/batches/","kind":"reset","times":2}'
fault "503 while polling" '{"method":"GET","path":"^/v1/batches/","kind":"status","code":503,"times":3}'
fault "a cut-off download" '{"path":"/content$","kind":"cut","bytes":5000,"times":3}'
fault "a cut-off download, Range ignored" '{"path":"/content$","kind":"cut","bytes":3333},{"path":"/content$","kind":"no_range","times":4}'
fault "a slow reply" '{"method":"GET","path":"^/v1/batches/","kind":"slow","seconds":0.3}'
ok '! grep -rq "sk-test-0123456789-secret" "$T"' "the key appears in no output or message"

done_testing
