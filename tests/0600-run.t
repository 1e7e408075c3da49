#!/bin/sh
# bw-run: a whole run, its layout, a rerun, shards in input order, the
# settings checked before anything is kept and kept for the reruns, the
# options.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
stats() { curl -sf "$FAKE/__stats"; }
# the server's counts of requests and uploads, without the batches' states
counts() { stats | jq -cS '{requests, files}'; }
# what DIR holds, one name a line
holds() { (cd "$1" && ls -A); }

# --- a whole run
run bw-run -d "$T/w1" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 0 "a whole run: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "fr jp haiku sum " ]' \
	"a whole run: the results on stdout in input order"
ok '[ "$(jq -r "[.status, .attempts] | @tsv" "$T/out" | sort -u)" = "$(printf "succeeded\t1")" ]' \
	"a whole run: every request succeeded in one attempt"
ok '[ "$(jq -r "keys_unsorted | last" "$T/out" | sort -u)" = attempts ]' \
	'a whole run: "attempts" is the last member'
ok 'cmp -s "$T/out" "$T/w1/results.jsonl"' "a whole run: stdout is DIR/results.jsonl"
ok '[ "$(holds "$T/w1" | tr "\n" " ")" = "lock results.jsonl s0001 settings.json shards.jsonl " ]' \
	"a whole run: the run directory's files"
ok '[ "$(holds "$T/w1/s0001" | tr "\n" " ")" = "a1.batch.json a1.create.json a1.done.json a1.file.json a1.ids a1.jsonl a1.output.jsonl a1.results.jsonl a1.settled.json a1.upload.json " ]' \
	"a whole run: every stage's file of the attempt"
ok '(for f in jsonl ids upload.json file.json create.json batch.json done.json output.jsonl results.jsonl settled.json; do [ -s "$T/w1/s0001/a1.$f" ] || exit 1; done)' \
	"a whole run: none of them empty"
ok '[ "$(jq -c . "$T/w1/s0001/a1.settled.json")" = "{\"succeeded\":4,\"errored\":0,\"expired\":0,\"canceled\":0,\"retry\":0}" ]' \
	"a whole run: settled.json counts the four"
ok '[ "$(jq -c "[.shard, .requests, .first]" "$T/w1/shards.jsonl")" = "[1,4,0]" ]' \
	"a whole run: one shard of four from the first"
ok 'jq -e ".model == \"gpt-4o-mini\" and .endpoint == \"chat\" and .attempts == 3 and .maxRequests == 50000" "$T/w1/settings.json" >/dev/null' \
	"a whole run: settings.json is JSON with the settings"
tok=$(jq -r .token "$T/w1/settings.json")
ok 'stats | jq -e --arg t "$tok" "(.files | keys) == [\"bw-\(\$t)-s0001-a1.jsonl\"] and (.batches | length) == 1 and .batches[0].metadata == {bw_run: \$t, bw_shard: \"1\", bw_attempt: \"1\", bw_try: \"1\"}" >/dev/null' \
	"a whole run: one upload named bw-TOKEN-s0001-a1.jsonl, one batch with the run's metadata"

# --- installed outside PATH: one program, no sibling looked for
mkdir "$T/opt"
cp "$TOP/bin/bw-run" "$T/opt/"
run env PATH=/usr/bin:/bin "$T/opt/bw-run" -d "$T/wp" -m gpt-4o-mini -q -i 0.01 examples/requests.jsonl
exit_is 0 "installed outside PATH: exit 0"
ok '[ "$(jq -r .customId "$T/wp/results.jsonl" | tr "\n" " ")" = "fr jp haiku sum " ]' \
	"installed outside PATH: the results"

# --- on a terminal: the live progress line, redrawn in place
if command -v script >/dev/null 2>&1; then
	fake_ctl '{"pace":0.3}'
	script -qec "bw-run -d '$T/wt' -m gpt-4o-mini -q -i 0.1 --max-requests 2 examples/requests.jsonl" \
		/dev/null >"$T/tty" 2>&1
	ok 'grep -q "$(printf "\r\033\\[K")bw-run: shards: 0 queued, 2 running, 0 ending, 0 done; requests: 0 of 4 settled; [0-9]* tokens in flight" "$T/tty"' \
		"on a terminal: the progress line, drawn over itself"
	ok '[ -s "$T/wt/results.jsonl" ] && [ "$(tail -c 2 "$T/tty" | od -An -c | tr -d " ")" = "\\r\\n" ]' \
		"on a terminal: no line left drawn at the end"
	fake_ctl '{"pace":0}'
else
	ok true "# SKIP no script(1) for a terminal"
	ok true "# SKIP no script(1) for a terminal"
fi

# --- run again when done
before=$(counts)
cp "$T/w1/results.jsonl" "$T/res1"
run bw-run -d "$T/w1" -i 0.01
exit_is 0 "run again when done: exit 0"
out_file_is "$T/res1" "run again when done: the results again"
ok '[ "$(counts)" = "$before" ]' "run again when done: nothing sent"
run bw-run -d "$T/w1" -i 0.01 -q examples/requests.jsonl
exit_is 0 "run again naming the same file: exit 0"
out_empty "run again naming the same file, -q: nothing on stdout"
ok '[ "$(counts)" = "$before" ]' "run again naming the same file: nothing sent"
printf '{"customId":"other","prompt":"x"}\n' >"$T/other.jsonl"
run bw-run -d "$T/w1" -i 0.01 "$T/other.jsonl"
exit_is 2 "run again naming another file: exit 2"
err_like "holds a run of other requests than $T/other.jsonl.*remove $T/w1 to start over" \
	"run again naming another file: said, with how to start over"
ok 'cmp -s "$T/res1" "$T/w1/results.jsonl" && [ "$(counts)" = "$before" ]' \
	"run again naming another file: the run untouched, nothing sent"

# --- many shards: results in input order, ids made for requests without
i=0
: >"$T/many.jsonl"
while [ $i -lt 23 ]; do
	if [ $((i % 3)) = 1 ]; then
		printf '{"prompt":"p%d"}\n' $i
	else
		printf '{"customId":"c%02d","prompt":"p%d"}\n' $((23 - i)) $i
	fi >>"$T/many.jsonl"
	i=$((i + 1))
done
jq -r 'input_line_number as $n | .customId // "request-\($n - 1)"' "$T/many.jsonl" >"$T/many.ids"
run bw-run -d "$T/w2" -m gpt-4o-mini -i 0.01 --max-requests 5 "$T/many.jsonl"
exit_is 0 "23 requests in shards of 5: exit 0"
ok 'jq -r .customId "$T/out" | cmp -s - "$T/many.ids"' \
	"23 requests in shards of 5: results in input order, request-N for those without an id"
ok '[ "$(jq -r .text "$T/out" | sed "s/^ok //" | cmp - "$T/many.ids" && echo same)" = same ]' \
	"23 requests in shards of 5: each result is its request's"
ok '[ "$(jq -c "[.shard, .requests, .first]" "$T/w2/shards.jsonl" | tr -d "\n")" = "[1,5,0][2,5,5][3,5,10][4,5,15][5,3,20]" ]' \
	"23 requests in shards of 5: shards.jsonl"
tok=$(jq -r .token "$T/w2/settings.json")
ok '[ "$(stats | jq --arg t "$tok" "[.files | to_entries[] | select(.key | startswith(\"bw-\(\$t)-\")) | .value] | length, add")" = "$(printf "5\n5")" ]' \
	"23 requests in shards of 5: five uploads, each once"

# --- stdin
printf '{"prompt":"y"}\n{"customId":"z","prompt":"q"}\n' |
	run bw-run -d "$T/w3" -m gpt-4o-mini -i 0.01
exit_is 0 "requests from stdin: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "request-0 z " ]' \
	"requests from stdin: the results"
echo '{"prompt":"never read"}' | run bw-run -d "$T/w3" -i 0.01
exit_is 0 "a rerun reads no stdin: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "request-0 z " ]' \
	"a rerun reads no stdin: the run's results"

# --- a bad line anywhere: nothing kept
printf '{"customId":"a","prompt":"x"}\n{"prompt":"y"}\nnot json\n' >"$T/bad.jsonl"
before=$(counts)
run bw-run -d "$T/w4" -m gpt-4o-mini --max-requests 1 "$T/bad.jsonl"
exit_is 65 "a bad third line: exit 65"
err_like "bad\.jsonl: line 3: invalid JSON" "a bad third line: named"
ok '[ ! -e "$T/w4/settings.json" ] && [ ! -e "$T/w4/shards.jsonl" ] && [ ! -e "$T/w4/s0001" ]' \
	"a bad third line: no settings, no shards"
ok '[ "$(holds "$T/w4")" = lock ]' "a bad third line: nothing in DIR but its lock"
ok '[ "$(counts)" = "$before" ]' "a bad third line: nothing sent"
run bw-run -d "$T/w4" -m gpt-4o-mini -i 0.01 -q examples/requests.jsonl
exit_is 0 "a bad line, then a good file: exit 0"
ok '[ "$(jq -r .customId "$T/w4/results.jsonl" | tr "\n" " ")" = "fr jp haiku sum " ]' \
	"a bad line, then a good file: its results"

# --- settings checked before anything is kept
nothing_kept() {	# DESC
	ok '[ ! -e "$T/w5" ] || [ "$(holds "$T/w5")" = "" ] || [ "$(holds "$T/w5")" = lock ]' "$1: nothing kept"
}
run bw-run -d "$T/w5" -m gpt-4o-mini -e chatt examples/requests.jsonl
exit_is 2 "-e chatt: exit 2"
err_like '^bw-run: -e: unknown endpoint "chatt"' "-e chatt: said"
nothing_kept "-e chatt"
run bw-run -d "$T/w5" -m gpt-4o-mini -D '[1]' examples/requests.jsonl
exit_is 2 "-D not an object: exit 2"
err_like '^bw-run: -D: not a JSON object' "-D not an object: said"
nothing_kept "-D not an object"
run bw-run -d "$T/w5" -m gpt-4o-mini -D '{x' examples/requests.jsonl
exit_is 2 "-D not JSON: exit 2"
err_like '^bw-run: -D: invalid JSON' "-D not JSON: said"
nothing_kept "-D not JSON"
run bw-run -d "$T/w5" -m gpt-4o-mini -i 5m examples/requests.jsonl
exit_is 2 "-i 5m: exit 2"
err_like '^bw-run: -i: "5m" is not a number of seconds' "-i 5m: said"
nothing_kept "-i 5m"
run env -u OPENAI_API_KEY bw-run -d "$T/w5" -m gpt-4o-mini examples/requests.jsonl
exit_is 77 "no API key: exit 77"
err_like 'no API key' "no API key: said"
nothing_kept "no API key"
run bw-run -d "$T/w5" examples/requests.jsonl
exit_is 2 "a first run without -m: exit 2"
err_like '^bw-run: -m: the first run in .* needs a model' "a first run without -m: said"
nothing_kept "a first run without -m"
run bw-run -m gpt-4o-mini examples/requests.jsonl
exit_is 2 "no -d: exit 2"
err_like '^usage: bw-run -d dir' "no -d: the usage"
# long options, and -D kept as it was
run bw-run --dir "$T/w5" --model gpt-4o-mini --endpoint responses \
	--defaults '{"temperature":0}' --interval 0.01 --timeout 60 --quiet \
	--attempts 2 --max-requests 3 --max-file 100000 --max-enqueued-tokens 100000 \
	examples/requests.jsonl
exit_is 0 "the long options: exit 0"
out_empty "--quiet: nothing on stdout"
ok 'jq -e ".model == \"gpt-4o-mini\" and .endpoint == \"responses\" and .defaults == {temperature: 0} and .attempts == 2 and .maxRequests == 3 and .maxFile == 100000 and .maxEnqueuedTokens == 100000" "$T/w5/settings.json" >/dev/null' \
	"the long options: kept in settings.json"
ok 'jq -e "select(.body.temperature != 0 or .url != \"/v1/responses\")" "$T/w5/s0001/a1.jsonl" >/dev/null; [ $? = 4 ] && [ -s "$T/w5/s0002/a1.jsonl" ]' \
	"the long options: the requests made with them (responses, -D, shards of 3)"

# a setting given again with another value: named, nothing changed
cp "$T/w5/settings.json" "$T/settings5"
again() {	# FLAG VALUE SAVED SAVED-RE VALUE-RE
	run bw-run -d "$T/w5" -q "$1" "$2"
	exit_is 2 "$1 $2 on a run with $3: exit 2"
	err_like "holds a run with $1 [\"{]*$4[\"}]*, not [\"{]*$5[\"}]*: leave $1 out .* remove $T/w5 to start over" \
		"$1 $2 on a run with $3: named, the two values, how to start over"
	ok 'cmp -s "$T/w5/settings.json" "$T/settings5"' "$1 $2: the settings unchanged"
}
again -m gpt-4o gpt-4o-mini gpt-4o-mini gpt-4o
again -e chat responses responses chat
again -D '{"temperature":1}' '{"temperature":0}' 'temperature\\?"?:0' 'temperature\\?"?:1'
again --attempts 3 2 2 3
again --max-requests 4 3 3 4
again --max-file 99999 100000 100000 99999
again --max-enqueued-tokens 99999 100000 100000 99999
run bw-run -d "$T/w5" -m gpt-4o-mini -e responses -D '{"temperature":0}' --attempts 2 \
	--max-requests 3 --max-file 100000 --max-enqueued-tokens 100000 -i 0.01
exit_is 0 "the run's own settings given again: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "fr jp haiku sum " ]' \
	"the run's own settings given again: the results"
run bw-run -d "$T/w5" -i 0.01 examples/requests.jsonl examples/requests.jsonl
exit_is 2 "two files on a rerun: exit 2"

# --- options
run bw-run --help
exit_is 0 "--help: exit 0"
ok 'grep -q "^usage: bw-run -d dir" "$T/out" && grep -q -- "--max-enqueued-tokens" "$T/out"' "--help: the usage and the options"
run bw-run --version
exit_is 0 "--version: exit 0"
out_is "bw-run 0.1.0" "--version: the version"
run bw-run --bogus -d "$T/w6"
exit_is 2 "an unknown option: exit 2"
err_like "^bw-run: unrecognized option '--bogus'" "an unknown option: named, by bw-run"
ok '[ ! -e "$T/w6" ]' "an unknown option: nothing made"
run bw-run -d "$T/w6" --dry-run --status
exit_is 2 "--dry-run with --status: exit 2"
run bw-run -d "$T/w1" --status examples/requests.jsonl
exit_is 2 "--status with a file: exit 2"

done_testing
