#!/bin/sh
# bw-poll: every batch at once, each printed when it ends.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
mkbatch() {	# scenario -> a batch id
	fake_ctl "{\"scenario\":\"$1\"}"
	printf '%s\n' '{"customId":"a","prompt":"x"}' '{"customId":"b-fail","prompt":"y"}' |
		bw-jsonl -m gpt-4o-mini | bw-upload | bw-create >"$T/b"
	jget "$T/b" id
}

ok_id=$(mkbatch ok)
run bw-poll -i 0.01 $R "$ok_id"
exit_is 0 "a batch that completes: exit 0"
ok '[ "$(jget "$T/out" status)" = completed ] && [ "$(jget "$T/out" id)" = "$ok_id" ]' "the completed Batch object"
ok '[ "$(wc -l <"$T/out")" -eq 1 ]' "printed once"
err_like "^bw-poll: $ok_id: in_progress, 0/2 done, 0 failed \([0-9]+s\)$" "stderr not a terminal: a plain line per change"

# validating: the counts are not known yet (total 0), so none are said
fake_ctl '{"steps":2}'
val_id=$(mkbatch ok)
run bw-poll -i 0.01 $R "$val_id"
fake_ctl '{"steps":1}'
exit_is 0 "a batch seen validating first: exit 0"
err_like "^bw-poll: $val_id: validating, counts not known yet \([0-9]+s\)$" "validating: no 0/0 done, the counts not known yet"
ok '! grep -q "0/0 done" "$T/err"' "validating: never 0/0 done"

exp_id=$(mkbatch expired)
fail_id=$(mkbatch failed)
ok2_id=$(mkbatch ok)
printf '%s\n' "$exp_id" "{\"id\":\"$fail_id\",\"object\":\"batch\"}" "$ok2_id" "$ok2_id" >"$T/ids"
run bw-poll -i 0.01 $R <"$T/ids"
exit_is 1 "one expired, one failed, one completed: exit 1"
ok '[ "$(wc -l <"$T/out")" -eq 3 ]' "each batch printed once (a repeated id too)"
ok 'grep -q "\"status\": *\"expired\"" "$T/out" && grep -q "\"status\": *\"failed\"" "$T/out" && grep -q "\"status\": *\"completed\"" "$T/out"' \
	"the terminal objects of all three"
err_like "^bw-poll: $fail_id failed: token_limit_exceeded: Enqueued token limit reached" "failed: the reason from errors"
err_like "^bw-poll: $exp_id expired: 1 of 2 requests completed, 1 failed$" "expired: said, with the counts"

run2_id=$(mkbatch ok)
run bw-poll --once $R "$run2_id"
exit_is 75 "--once on a running batch: exit 75"
ok '[ "$(jget "$T/out" status)" = in_progress ]' "--once: the object printed all the same"
run bw-poll --once $R "$run2_id"
run bw-poll --once $R "$run2_id"
exit_is 0 "--once on a completed batch: exit 0"
ok '[ "$(jget "$T/out" status)" = completed ]' "--once: the completed object"
run bw-poll --once $R "$fail_id"
exit_is 1 "--once on a failed batch: exit 1"

fake_ctl '{"scenario":"ok","steps":1000}'
slow_id=$(mkbatch ok)
run bw-poll -i 0.05 -t 0.3 $R "$slow_id"
exit_is 75 "-t: exit 75 when time is up"
err_like "^bw-poll: timed out after 0.3s: 1 of 1 batches not finished$" "-t: said"
out_empty "-t: nothing printed for an unfinished batch"

fake_log_clear
bw-poll -i 0.05 $R "$slow_id" >"$T/out" 2>"$T/err" &
pid=$!
fake_wait log 'any(.[]; .method == "GET")'	# polling
kill -INT $pid
wait $pid 2>/dev/null
rc=$?
ok '[ $rc -eq 130 ]' "SIGINT: stops at once, dying of the signal (130)"
out_empty "SIGINT: nothing half written"
fake_log_clear
bw-poll -i 0.05 $R "$slow_id" >"$T/out" 2>"$T/err" &
pid=$!
fake_wait log 'any(.[]; .method == "GET")'	# polling
kill -TERM $pid
wait $pid 2>/dev/null
rc=$?
ok '[ $rc -eq 143 ]' "SIGTERM: 143"
fake_ctl '{"steps":1}'

# faults
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"status","code":500,"times":2}]}'
id=$(mkbatch ok)
run bw-poll -i 0.01 $R "$id"
exit_is 0 "5xx while polling: retried, exit 0"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","value":"batch_other"}]}'
run bw-poll -i 0.01 $R "$id"
exit_is 76 "the server answers with another batch: exit 76"
err_like "the server sent batch batch_other, not $id" "another batch: said"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"status","value":"completed\u0000"}]}'
run bw-poll --once $R "$id"
exit_is 75 "a status of \"completed\" and a NUL: not taken for completed (--once: 75)"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","value":"'"$id"'\u0000"}]}'
run bw-poll -i 0.01 $R "$id"
exit_is 76 "the batch's id and a NUL: exit 76"
printf '%s\0x\n' "$id" >"$T/nul"
run bw-poll -i 0.01 $R <"$T/nul"
exit_is 65 "a bare id with a NUL in it: exit 65, no request"
err_like "^bw-poll: line 1: not a valid batch id: \"$id\\\\u0000x\"$" "a bare id with a NUL in it: said, whole"
fake_ctl '{"faults":[]}'
run bw-poll -i 0.01 $R 'batch_../x'
exit_is 65 "an invalid id: exit 65, no request"
printf '%s\n' '{"object":"batch","id":"../../x"}' >"$T/evil"
run bw-poll -i 0.01 $R <"$T/evil"
exit_is 65 "an invalid id in an object (the user's record): exit 65"
run bw-poll -i 0.01 $R batch_nosuchbatch123
exit_is 65 "an unknown batch: exit 65"
run bw-poll -i 0.01 $R </dev/null
exit_is 65 "no batches: exit 65"
run bw-poll -i soon $R x
exit_is 2 "a bad -i: usage error"

# a batch that fails validation: each error names its input line and
# the customId on it (read from the input file); without the file, the
# line alone
fake_ctl '{"scenario":"invalid"}'
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload | bw-create >"$T/inv.json" 2>/dev/null
run bw-poll -i 0.01 $R <"$T/inv.json"
exit_is 1 "a batch that failed validation: exit 1"
b=$(jq -r .id "$T/inv.json")
err_like "^bw-poll: $b failed: line 2 \(customId \"jp\"\): invalid_value: Line 2: the request's body is not valid\.\$" \
	"a batch that failed validation: the line and its customId named"
err_like "^bw-poll: $b failed: invalid_request_file: The input file is not valid\.\$" \
	"a batch that failed validation: an error of no line, as it is"
curl -sf -X DELETE -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/files/$(jq -r .input_file_id "$T/inv.json")" >/dev/null
run bw-poll -i 0.01 $R <"$T/inv.json"
exit_is 1 "its input file deleted: exit 1 all the same"
err_like "^bw-poll: $b failed: line 2: invalid_value: Line 2: " "its input file deleted: the line alone"
fake_ctl '{"scenario":"ok"}'

run bw-poll --help
exit_is 0 "--help: exit 0"
run bw-poll --version
out_is "bw-poll 0.1.0" "--version"

done_testing
