#!/bin/sh
# bw-run: requests a retry may fix go again in the next attempt of their
# shard (expired, 5xx, 429, no line); the others are final; a batch that
# fails is its requests' error, not created again.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
stats() { curl -sf "$FAKE/__stats"; }
# the run's batches on the server: "shard/attempt/try status" a line
batches() {
	stats | jq -r --arg t "$(jq -r .token "$1/settings.json")" '.batches[]
		| select(.metadata.bw_run == $t)
		| "\(.metadata.bw_shard)/\(.metadata.bw_attempt)/\(.metadata.bw_try) \(.status)"'
}
# "customId status attempts" a line
res() { jq -r '"\(.customId) \(.status) \(.attempts)"' "$@"; }

# --- an expired batch: its expired half again in attempt 2
fake_ctl '{"expire_next":1}'
run bw-run -d "$T/w1" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 0 "an expired batch, its rest retried: exit 0"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "fr succeeded 1
jp succeeded 1
haiku succeeded 2
sum succeeded 2" "an expired batch: all succeeded, the expired two in attempt 2, in input order"
ok '[ "$(batches "$T/w1" | tr "\n" ,)" = "1/1/1 expired,1/2/1 completed," ]' \
	"an expired batch: two batches, attempt 1 expired, attempt 2 completed"
ok 'sed -n 3,4p "$T/w1/s0001/a1.jsonl" | cmp -s - "$T/w1/s0001/a2.jsonl"' \
	"an expired batch: a2.jsonl holds the original lines of the two"
ok '[ "$(jq -c . "$T/w1/s0001/a1.settled.json")" = "$(printf %s "{\"succeeded\":2,\"errored\":0,\"expired\":0,\"canceled\":0,\"retry\":2,\"next\":{\"requests\":2,\"bytes\":$(wc -c <"$T/w1/s0001/a2.jsonl"),\"tokens\":$(jq .next.tokens "$T/w1/s0001/a1.settled.json")}}")" ]' \
	"an expired batch: a1.settled.json counts two to retry, in a2 of their bytes"
ok 'jq -e ".next.tokens > 0 and .next.tokens < 246" "$T/w1/s0001/a1.settled.json" >/dev/null' \
	"an expired batch: attempt 2's estimate is a share of the shard's"
ok '[ "$(stats | jq --arg t "$(jq -r .token "$T/w1/settings.json")" "[.files | keys[] | select(startswith(\"bw-\(\$t)\"))] | join(\" \")" -r)" = "bw-$(jq -r .token "$T/w1/settings.json")-s0001-a1.jsonl bw-$(jq -r .token "$T/w1/settings.json")-s0001-a2.jsonl" ]' \
	"an expired batch: attempt 2 uploaded as bw-TOKEN-s0001-a2.jsonl"

# --- retry500 and retry429: once more, then done
printf '%s\n' '{"customId":"a-retry500","prompt":"x"}' '{"customId":"b","prompt":"y"}' \
	'{"customId":"c-retry429","prompt":"z"}' >"$T/retry.jsonl"
run bw-run -d "$T/w2" -m gpt-4o-mini -i 0.01 "$T/retry.jsonl"
exit_is 0 "a 500 and a 429, retried: exit 0"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "a-retry500 succeeded 2
b succeeded 1
c-retry429 succeeded 2" "a 500 and a 429: succeeded in attempt 2"
ok '[ "$(batches "$T/w2" | tr "\n" ,)" = "1/1/1 completed,1/2/1 completed," ]' \
	"a 500 and a 429: attempt 2's batch"
ok '[ "$(jq -r .custom_id "$T/w2/s0001/a2.jsonl" | tr "\n" " ")" = "a-retry500 c-retry429 " ]' \
	"a 500 and a 429: only those two in attempt 2"

# --- --attempts 1: the expired stay expired
fake_ctl '{"expire_next":1}'
run bw-run -d "$T/w3" -m gpt-4o-mini -i 0.01 --attempts 1 examples/requests.jsonl
exit_is 1 "--attempts 1 and an expired batch: exit 1"
err_like "^bw-run: $T/w3: 2 of 4 requests failed \(0 errored, 2 expired, 0 canceled\): see $T/w3/results.jsonl\$" \
	"--attempts 1 and an expired batch: the summary"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "fr succeeded 1
jp succeeded 1
haiku expired 1
sum expired 1" "--attempts 1: the expired stay expired"
ok '[ "$(batches "$T/w3" | tr "\n" ,)" = "1/1/1 expired," ] && [ ! -e "$T/w3/s0001/a2.jsonl" ]' \
	"--attempts 1: no attempt 2"
run bw-run -d "$T/w3" -i 0.01 -q
exit_is 1 "--attempts 1, run again: still exit 1, nothing retried"
ok '[ "$(batches "$T/w3" | wc -l)" -eq 1 ]' "--attempts 1, run again: no batch more"

# --- expired over and over: three attempts, then expired
fake_ctl '{"expire_next":3}'
printf '%s\n' '{"customId":"x1","prompt":"a"}' '{"customId":"x2","prompt":"b"}' \
	'{"customId":"x3","prompt":"c"}' '{"customId":"x4","prompt":"d"}' >"$T/x.jsonl"
run bw-run -d "$T/w4" -m gpt-4o-mini -i 0.01 "$T/x.jsonl"
exit_is 1 "expired three times: exit 1"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "x1 succeeded 1
x2 succeeded 1
x3 succeeded 2
x4 expired 3" "expired three times: the last one expired after 3 attempts"
ok '[ "$(batches "$T/w4" | tr "\n" ,)" = "1/1/1 expired,1/2/1 expired,1/3/1 expired," ]' \
	"expired three times: three batches, then no more (the default --attempts 3)"

# --- some_fail: failures a retry cannot fix are final
fake_ctl '{"scenario":"some_fail"}'
printf '%s\n' '{"customId":"good1","prompt":"a"}' '{"customId":"will-fail","prompt":"b"}' \
	'{"customId":"good2","prompt":"c"}' >"$T/sf.jsonl"
run bw-run -d "$T/w5" -m gpt-4o-mini -i 0.01 "$T/sf.jsonl"
exit_is 1 "a request failing with a 400: exit 1"
err_like "^bw-run: $T/w5: 1 of 3 requests failed \(1 errored, 0 expired, 0 canceled\)" \
	"a request failing with a 400: the summary"
res "$T/out" >"$T/got"
ok '[ "$(cat "$T/got")" = "$(printf "good1 succeeded 1\nwill-fail errored 1\ngood2 succeeded 1")" ]' \
	"a request failing with a 400: errored, in one attempt"
ok '[ "$(jq -c "select(.customId == \"will-fail\") | .error | [.code, .message]" "$T/out")" = "[\"invalid_value\",\"Invalid request for will-fail.\"]" ]' \
	"a request failing with a 400: its error kept"
ok '[ "$(batches "$T/w5" | tr "\n" ,)" = "1/1/1 completed," ]' \
	"a request failing with a 400: not retried"

# --- a batch that fails validation: its requests errored, not created again
fake_ctl '{"scenario":"invalid"}'
run bw-run -d "$T/w6" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 1 "a batch that fails validation: exit 1"
err_like "4 of 4 requests failed \(4 errored, 0 expired, 0 canceled\)" \
	"a batch that fails validation: the summary"
b=$(jq -r .id "$T/w6/s0001/a1.done.json")
res "$T/out" >"$T/got"
ok '[ "$(cat "$T/got")" = "$(printf "fr errored 1\njp errored 1\nhaiku errored 1\nsum errored 1")" ]' \
	"a batch that fails validation: every request errored in attempt 1"
ok '[ "$(jq -c "[.customId, .error]" "$T/out" | sed -n 1,2p | tr "\n" " ")" = "[\"fr\",{\"message\":\"batch $b failed: The input file is not valid.\",\"type\":null,\"code\":\"invalid_request_file\"}] [\"jp\",{\"message\":\"batch $b failed: Line 2: the request'"'"'s body is not valid.\",\"type\":null,\"code\":\"invalid_value\"}] " ]' \
	"a batch that fails validation: the batch's error, the one naming the line for line 2"
ok '[ "$(batches "$T/w6" | tr "\n" ,)" = "1/1/1 failed," ] && [ ! -e "$T/w6/s0001/a2.jsonl" ]' \
	"a batch that fails validation: not created again, no attempt 2"
ok '[ ! -e "$T/w6/s0001/a1.output.jsonl" ] && [ "$(jq -c . "$T/w6/s0001/a1.settled.json")" = "{\"succeeded\":0,\"errored\":4,\"expired\":0,\"canceled\":0,\"retry\":0}" ]' \
	"a batch that fails validation: nothing downloaded, settled as 4 errored"
fake_ctl '{"scenario":"ok"}'

done_testing
