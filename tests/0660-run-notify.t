#!/bin/sh
# bw-run --notify: when the run finishes, a Standard Webhooks event
# (batch.completed, .failed, ...: the run's name and request counts)
# POSTed to the URL, signed with the secret in --notify-secret-file, and
# sent again at the run's next step until a 2xx (the same message id);
# bw-webhook verifies it.  The URL is checked before anything is kept:
# https and a public address only, unless told otherwise; a name that
# resolves to a private address is refused when it is connected to.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s\n' "$SECRET" >"$T/secret"
rm -f "$T/rport"
python3 "$TOP/tests/notify-receiver.py" --port-file "$T/rport" --dir "$T/got" \
	--secret-file "$T/secret" --bw-webhook "$TOP/bin/bw-webhook" --fail 1 \
	2>"$T/recv.err" &
RECV=$!
trap 'kill $RECV $FAKE_PID 2>/dev/null; wait $RECV $FAKE_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/rport" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$T/rport")/hook?token=t0k3n"
mkdir -p "$T/got"
allow="--notify-allow-http --notify-allow-private"

# --- the first delivery answered 500: the run is finished, the
# notification still to be made (75); then sent again, and delivered
run bw-run -d "$T/w1" -m gpt-4o-mini -i 0.01 --notify "$URL" \
	--notify-secret-file "$T/secret" $allow examples/requests.jsonl
exit_is 75 "a notification answered 500: exit 75 (still to be made)"
ok '[ "$(wc -l <"$T/out")" = 4 ]' "a notification answered 500: the results printed all the same"
err_like "^bw-run: $T/w1: --notify: 127\\.0\\.0\\.1:[0-9]+: answered HTTP 500 \\(try 1\\): it is tried again" \
	"a notification answered 500: said, naming the host, not the URL's token"
ok '[ "$(jq -c "[.tries, .done]" "$T/w1/notify.json")" = "[1,false]" ]' "notify.json: one try, not done"
run bw-run -d "$T/w1" -i 0.01 -q
exit_is 0 "the next step: exit 0"
ok '[ "$(ls "$T/got" | grep -c "\.body$")" = 2 ]' "the next step: sent again"
ok '[ "$(cat "$T/got/2.status")" = 200 ] && [ "$(head -n 1 "$T/got/2.verify")" = 0 ]' \
	"the next step: delivered, and bw-webhook verifies it"
ok '[ "$(head -n 1 "$T/got/1.verify")" = 0 ]' "the first delivery verified too"
id1=$(grep -i "^webhook-id:" "$T/got/1.headers" | tr -d '\r')
id2=$(grep -i "^webhook-id:" "$T/got/2.headers" | tr -d '\r')
ok '[ -n "$id1" ] && [ "$id1" = "$id2" ] && cmp -s "$T/got/1.body" "$T/got/2.body"' \
	"the same message id and body both times ($id1)"
ok 'head -n 1 "$T/got/2.headers" | grep -q "^POST /hook?token=t0k3n HTTP/1.1$"' "POSTed to the URL, its query kept"
token=$(jq -r .token "$T/w1/settings.json")
ok '[ "$(jq -c "[.object, .type, .data.id, .data.object, .data.name, .data.request_counts, .data.results]" "$T/got/2.body")" = "[\"event\",\"batch.completed\",\"run_$token\",\"bw.run\",\"w1\",{\"total\":4,\"completed\":4,\"failed\":0},{\"succeeded\":4,\"errored\":0,\"expired\":0,\"canceled\":0}]" ]' \
	"the event: batch.completed, the run's name and counts"
ok '[ "$(jq -r .data.dir "$T/got/2.body")" = "$(cd "$T/w1" && pwd -P)" ]' "the event: the run's directory, absolute"
ok '[ "$(bw-run -d "$T/w1" --status | jq -c .notify)" = "{\"done\":true,\"tries\":2,\"error\":null}" ]' \
	"--status: the notification's two tries"
ok '! grep -rq "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" "$T/w1" "$T/out" "$T/err"' "the secret nowhere in the run directory or the output"
ok '[ "$(jq -r .notify.secretFile "$T/w1/settings.json")" = "$(cd "$T" && pwd -P)/secret" ]' \
	"settings.json keeps the secret's file by its full name"
run bw-run -d "$T/w1" -i 0.01 -q
exit_is 0 "a finished, notified run again: exit 0"
ok '[ "$(ls "$T/got" | grep -c "\.body$")" = 2 ]' "a finished, notified run again: nothing sent"

run bw-run -d "$T/w1" -q --notify "http://127.0.0.1:1/other?token=0th3r" \
	--notify-secret-file "$T/secret" $allow
exit_is 2 "another --notify for the run: exit 2"
err_like "holds a run with another --notify: leave --notify out" "another --notify for the run: said"
ok '! grep -q "t0k3n\|0th3r" "$T/err"' "another --notify for the run: neither URL (nor its token) shown"

# --- -t bounds the notification too (a receiver that never answers)
t0=$(date +%s)
run bw-run -d "$T/w5" -m gpt-4o-mini -i 0.01 -q -t 3 --notify "http://127.0.0.1:$(cat "$T/rport")/silent" \
	--notify-secret-file "$T/secret" $allow examples/requests.jsonl
t1=$(date +%s)
exit_is 75 "a receiver that never answers, -t 3: exit 75"
err_like "--notify: 127\\.0\\.0\\.1:[0-9]+: no answer within" "a receiver that never answers, -t 3: said"
ok '[ $((t1 - t0)) -lt 20 ]' "a receiver that never answers, -t 3: over well before the 30 s of a delivery ($((t1 - t0)) s)"

# --- a run whose requests all failed: batch.failed
fake_ctl '{"scenario":"all_fail"}'
run bw-run -d "$T/w2" -m gpt-4o-mini -i 0.01 -q --notify "$URL" \
	--notify-secret-file "$T/secret" $allow examples/requests.jsonl
exit_is 1 "every request failed: exit 1 (notified)"
ok '[ "$(jq -r .type "$T/got/4.body")" = batch.failed ] && [ "$(jq -c .data.request_counts "$T/got/4.body")" = "{\"total\":4,\"completed\":0,\"failed\":4}" ]' \
	"every request failed: batch.failed, its counts"
fake_ctl '{"scenario":"ok"}'

# --- refused before anything is kept
run bw-run -d "$T/w3" -m gpt-4o-mini --notify "$URL" --notify-secret-file "$T/secret" \
	examples/requests.jsonl
exit_is 2 "http without --notify-allow-http: exit 2"
err_like "^bw-run: --notify: .*http" "http without --notify-allow-http: said"
ok '[ ! -e "$T/w3" ]' "http without --notify-allow-http: nothing kept"
run bw-run -d "$T/w3" -m gpt-4o-mini --notify "https://127.0.0.1:1/x" \
	--notify-secret-file "$T/secret" examples/requests.jsonl
exit_is 2 "a loopback address: exit 2"
err_like "127\\.0\\.0\\.1 is a loopback address" "a loopback address: said"
run bw-run -d "$T/w3" -m gpt-4o-mini --notify "https://169.254.169.254/x" \
	--notify-secret-file "$T/secret" examples/requests.jsonl
exit_is 2 "a link-local address: exit 2"
run bw-run -d "$T/w3" -m gpt-4o-mini --notify "https://example.com/x" examples/requests.jsonl
exit_is 2 "--notify without a secret file: exit 2"
err_like "needs --notify-secret-file" "--notify without a secret file: said"
run bw-run -d "$T/w3" -m gpt-4o-mini --notify "https://example.com/x" \
	--notify-secret-file "$T/nosuch" examples/requests.jsonl
exit_is 2 "a secret file that is not there: exit 2"
ok '[ ! -e "$T/w3" ]' "nothing kept by any of them"

# --- a name that resolves to loopback: refused when connected to
run bw-run -d "$T/w4" -m gpt-4o-mini -i 0.01 -q --notify "http://localhost:$(cat "$T/rport")/x" \
	--notify-secret-file "$T/secret" --notify-allow-http examples/requests.jsonl
exit_is 75 "localhost, without --notify-allow-private: exit 75"
err_like "--notify: localhost:[0-9]+: refused: (127\\.0\\.0\\.1|::1) is a loopback address" \
	"localhost: refused at connect time, said"
ok '[ "$(ls "$T/got" | grep -c "\.body$")" = 4 ]' "localhost: nothing reached the receiver"
run bw-run -d "$T/w4" -i 0.01 -q --notify "http://localhost:1/other" \
	--notify-secret-file "$T/secret" --notify-allow-http
exit_is 2 "another --notify for the run: exit 2"

# --- a cancelled run: batch.cancelled
fake_ctl '{"pace":100000}'
bw-run -d "$T/w6" -m gpt-4o-mini --once -q --notify "$URL" \
	--notify-secret-file "$T/secret" $allow examples/requests.jsonl 2>/dev/null
bw-run -d "$T/w6" --cancel --once -q 2>/dev/null
fake_ctl '{"pace":0.05}'
run bw-run -d "$T/w6" -i 0.05 -q
exit_is 1 "a cancelled run: exit 1 (requests canceled)"
last=$(ls "$T/got" | grep -c "\.body$")
ok '[ "$(jq -c "[.type, .data.results]" "$T/got/$last.body")" = "[\"batch.cancelled\",{\"succeeded\":2,\"errored\":0,\"expired\":0,\"canceled\":2}]" ]' \
	"a cancelled run: batch.cancelled (the fake server's cancel lets half finish)"

done_testing
