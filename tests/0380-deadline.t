#!/bin/sh
# Time and signals: every request ends (--request-timeout, bw-poll -t),
# SIGINT/SIGTERM are honoured during a request and a retry wait, and
# what no wait cures is not retried (https at plain http, no quota).
. tests/lib.sh
fake_start
mkbatch() {
	printf '%s\n' '{"customId":"a","prompt":"x"}' |
		bw-jsonl -m gpt-4o-mini | bw-upload | bw-create >"$T/b"
	jget "$T/b" id
}
ms() { echo $(($(date +%s%N) / 1000000)); }
gets() { fake_log | jq '[.[] | select(.method == "GET")] | length'; }
id=$(mkbatch)

run bw-poll --once --request-timeout 0 "$id"
exit_is 2 "--request-timeout 0: a usage error"

# a body trickled at 2 bytes a second: each attempt ends after 1 s
fake_log_clear
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"trickle","times":-1}]}'
t0=$(ms)
run bw-poll --once --request-timeout 1 --retries 1 --retry-wait 0.01 "$id"
t1=$(ms)
exit_is 75 "a trickling server: 75 after the retries"
ok '[ $((t1 - t0)) -lt 5000 ]' "a trickling server: over in seconds ($((t1 - t0)) ms)"
err_like "GET /v1/batches/$id: .*timed out.*; retry 1 of 1" "the timed-out attempt is retried"
err_like "bw-poll: GET /v1/batches/$id: .*timed out.*--request-timeout" "the last one names the option"
ok '[ "$(gets)" -eq 2 ]' "two attempts reached the server"
fake_ctl '{"faults":[]}'

# SIGTERM while a request hangs on a silent server
fake_log_clear
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"silent","times":-1}]}'
bw-poll --once "$id" >"$T/out" 2>"$T/err" &
pid=$!
fake_wait log 'any(.[]; .method == "GET")'
sleep 0.2
t0=$(ms)
kill -TERM $pid
wait $pid 2>/dev/null
rc=$?
t1=$(ms)
ok '[ $rc -eq 143 ]' "SIGTERM during a request: dies of it (rc $rc)"
ok '[ $((t1 - t0)) -lt 1500 ]' "SIGTERM during a request: gone within 1.5 s ($((t1 - t0)) ms)"

# bw-poll -t bounds the requests in flight too
t0=$(ms)
run bw-poll -t 2 "$id"
t1=$(ms)
exit_is 75 "-t 2 against a silent server: 75"
ok '[ $((t1 - t0)) -lt 4000 ]' "-t 2 against a silent server: over in about 2 s ($((t1 - t0)) ms)"
fake_ctl '{"faults":[]}'

# SIGTERM during a retry wait: no further request
fake_log_clear
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"status","code":500,"times":-1}]}'
bw-poll --once --retry-wait 5 "$id" >"$T/out" 2>"$T/err" &
pid=$!
fake_wait log 'any(.[]; .method == "GET")'
sleep 0.3
kill -TERM $pid
wait $pid 2>/dev/null
rc=$?
sleep 0.3
ok '[ $rc -eq 143 ]' "SIGTERM during a retry wait: dies of it (rc $rc)"
ok '[ "$(gets)" -eq 1 ]' "SIGTERM during a retry wait: no request after it"
fake_ctl '{"faults":[]}'

# https:// at a plain http server: no retry, 76, a hint
fake_log_clear
run env OPENAI_BASE_URL="https://${FAKE#http://}/v1" bw-poll --once --retry-wait 0.01 "$id"
exit_is 76 "https at plain http: 76"
err_like "plain http" "https at plain http: the hint"
ok '! grep -q "retry 1 of" "$T/err"' "https at plain http: not retried"

# 429 insufficient_quota: not retried, 77, naming the quota
fake_log_clear
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"status","code":429,"error_code":"insufficient_quota","error_type":"insufficient_quota","message":"You exceeded your current quota.","times":-1}]}'
run bw-poll --once --retry-wait 0.01 "$id"
exit_is 77 "429 insufficient_quota: 77"
err_like "429: You exceeded your current quota\..*quota or credit is spent" "insufficient_quota: said"
ok '[ "$(gets)" -eq 1 ]' "insufficient_quota: not retried"
fake_ctl '{"faults":[]}'
run bw-poll --once --retry-wait 0.01 "$id"
ok '[ $rc -eq 0 ] || [ $rc -eq 75 ]' "an ordinary poll after it"

done_testing
