#!/bin/sh
# Notifications (lib/notify.c) end to end: tests/unit/notify's driver
# sends with bw_notify_send to tests/notify-receiver.py, which has
# bw-webhook verify every delivery.
. tests/lib.sh
N=$TOP/tests/unit/notify
if [ ! -x "$N" ] || [ ! -x "$TOP/bin/bw-webhook" ]; then
	echo "Bail out! build first: make bin/bw-webhook tests/unit/notify"
	exit 1
fi
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s\n' "$SECRET" >"$T/secret"
NOTIFY_SECRET=$SECRET
export NOTIFY_SECRET
ID=msg_2Yb3vRk0a1
BODY='{"type":"batch.completed","data":{"id":"batch_1","name":"run","request_counts":{"total":3,"completed":3,"failed":0}}}'
printf '%s' "$BODY" >"$T/body"

PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$T"' EXIT
receiver() {	# DIR [ARGS]: starts one, sets R to its URL
	d=$1
	shift
	rm -f "$T/rport"
	python3 "$TOP/tests/notify-receiver.py" --port-file "$T/rport" \
		--dir "$T/$d" --secret-file "$T/secret" \
		--bw-webhook "$TOP/bin/bw-webhook" "$@" 2>"$T/$d.err" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/rport" ]; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 $! 2>/dev/null; then
			echo "Bail out! the receiver did not start"
			cat "$T/$d.err" >&2
			exit 1
		fi
		sleep 0.05
	done
	PORT=$(cat "$T/rport")
}
count() {	# deliveries DIR received
	ls "$T/$1" | grep -c '\.body$'
}
send() {
	run "$N" send "$@" <"$T/body"
}

receiver d --fail 1
U=http://127.0.0.1:$PORT
NOW=$(date +%s)

send --http --private "$U/hook" $ID "$NOW.7"
exit_is 1 "answered 500: -1"
err_like "^notify: 127\.0\.0\.1:$PORT: answered HTTP 500$" "the reason names the host and the status"
ok '[ "$(cat "$T/d/1.verify")" = 0 ]' "what was sent verifies with bw-webhook all the same"

send --http --private "$U/hook?token=tok_secret" $ID "$NOW.7"
exit_is 0 "answered 200: 0"
out_empty "nothing on stdout"
err_empty "nothing on stderr"
ok '[ "$(cat "$T/d/2.verify")" = 0 ]' "bw-webhook verifies the delivery"
ok 'cmp -s "$T/body" "$T/d/2.body"' "the body, byte for byte"
ok 'grep -qx "POST /hook?token=tok_secret HTTP/1.1" "$T/d/2.headers"' "a POST to the URL's path and query"
ok 'grep -qix "content-type: application/json" "$T/d/2.headers"' "Content-Type: application/json"
ok 'grep -qix "webhook-id: $ID" "$T/d/2.headers"' "webhook-id: the message id"
ok 'grep -qix "webhook-timestamp: $NOW" "$T/d/2.headers"' "webhook-timestamp: whole seconds"
ok 'grep -qiE "^webhook-signature: v1,[A-Za-z0-9+/]{43}=$" "$T/d/2.headers"' "webhook-signature: v1,base64"
ok '! grep -rqF "${SECRET#whsec_}" "$T/d" "$T/err"' "the secret is nowhere"

NOTIFY_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx send --http --private "$U/" $ID "$NOW"
exit_is 0 "signed with another secret: delivered (the receiver answers 200)"
ok '[ "$(sed -n 1p "$T/d/3.verify")" = 1 ] && grep -q "no signature matches" "$T/d/3.verify"' \
	"and bw-webhook refuses it: the verification is real"

http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 \
	send --http --private "$U/" $ID "$NOW"
exit_is 0 "a proxy in the environment is not used"
ok '[ "$(cat "$T/d/4.verify")" = 0 ]' "delivered directly, and verified"

n=$(count d)
send --private "$U/" $ID "$NOW"
exit_is 1 "http:// without BW_NOTIFY_HTTP: -1"
err_like "^notify: not an https URL$" "said"
send --http "$U/" $ID "$NOW"
exit_is 1 "a loopback address without BW_NOTIFY_PRIVATE: -1"
err_like "^notify: the URL's host 127\.0\.0\.1 is a loopback address$" "said, from the URL alone"
send --http "http://2130706433:$PORT/" $ID "$NOW"
exit_is 1 "127.0.0.1 spelled as a number: -1"
err_like "^notify: the URL's host 2130706433 is an IPv4 address spelled oddly \(write a\.b\.c\.d\)$" "said"
send --http "http://localhost:$PORT/" $ID "$NOW"
exit_is 1 "a name that resolves to a loopback address: -1"
err_like "^notify: localhost:$PORT: refused: (127\.0\.0\.1|::1) is a loopback address$" \
	"refused at connect time, naming the address"
ok '[ "$(count d)" -eq "$n" ]' "none of them reached the receiver"
send --http --private "http://localhost:$PORT/" $ID "$NOW"
exit_is 0 "the same name with BW_NOTIFY_PRIVATE: delivered"
ok '[ "$(count d)" -eq $((n + 1)) ]' "once"

n=$(count d)
send --http --private "$U/redirect" $ID "$NOW"
exit_is 1 "a redirect: -1"
err_like "^notify: 127\.0\.0\.1:$PORT: answered HTTP 302, a redirect \(not followed\)$" "said"
ok '[ "$(count d)" -eq $((n + 1)) ]' "not followed: one request"

start=$(date +%s)
send --http --private --timeout 1 "$U/silent" $ID "$NOW"
exit_is 1 "a receiver that never answers: -1"
err_like "^notify: 127\.0\.0\.1:$PORT: no answer within 1 s$" "said"
ok '[ $(($(date +%s) - start)) -le 5 ]' "cut at the deadline"

start=$(date +%s)
"$N" send --http --private --timeout 60 "$U/silent" $ID "$NOW" <"$T/body" 2>"$T/err" &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
exit_is 1 "SIGINT while waiting: -1"
err_like "^notify: 127\.0\.0\.1:$PORT: interrupted$" "said"
ok '[ $(($(date +%s) - start)) -le 5 ]' "at once, not after the 60 s deadline"

# https, with a private CA
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bw-test-ca \
	-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	-keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	-CAcreateserial -days 2 -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null
receiver s --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
send --private --cacert "$T/ca.pem" "https://127.0.0.1:$PORT/" $ID "$NOW"
exit_is 0 "https (the default): delivered"
ok '[ "$(cat "$T/s/1.verify")" = 0 ]' "and verified"
send --private "https://127.0.0.1:$PORT/" $ID "$NOW"
exit_is 1 "a certificate no CA vouches for: -1"
err_like "^notify: 127\.0\.0\.1:$PORT: .*(certificate|SSL)" "a TLS error, naming the host"
ok '[ "$(count s)" -eq 1 ]' "nothing delivered"

done_testing
