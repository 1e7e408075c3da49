#!/bin/sh
# bw-webhook: Standard Webhooks signatures, replays, CGI.
. tests/lib.sh

# The secrets, ids and bodies of the two published test vectors (their
# own timestamps and signatures are checked in tests/unit/webhook.c:
# the program takes the time from the clock only), signed again now.
V1_SECRET='whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c='
V1_ID=wh_685c059ae39c8190af8c71ed1022a24d
printf '%s' '{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}' >"$T/v1"
V2_SECRET='whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
V2_ID=msg_p5jXN8AQM9LWM0D4loKWxJek
printf '%s' '{"test": 2432232314}' >"$T/v2"

hook() {	# secret id timestamp signature [options] <body
	s=$1 i=$2 t=$3 g=$4
	shift 4
	OPENAI_WEBHOOK_SECRET=$s run bw-webhook --id "$i" --timestamp "$t" --signature "$g" "$@"
}
sign() {	# key-hex id timestamp bodyfile -> v1,base64
	{ printf '%s.%s.' "$2" "$3"; cat "$4"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | base64 | sed 's/^/v1,/'
}
hexkey() {	# whsec_ secret -> hex key
	printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n'
}
fresh() {	# NOW, and V1_TS, V1_SIG, V2_TS, V2_SIG for a delivery sent now
	NOW=$(date +%s)
	V1_TS=$NOW V2_TS=$NOW
	V1_SIG=$(sign "$(hexkey "$V1_SECRET")" $V1_ID $V1_TS "$T/v1")
	V2_SIG=$(sign "$(hexkey "$V2_SECRET")" $V2_ID $V2_TS "$T/v2")
}
v2_at() {	# timestamp -> V2's signature for it
	sign "$(hexkey "$V2_SECRET")" $V2_ID "$1" "$T/v2"
}
fresh

hook "$V1_SECRET" $V1_ID $V1_TS "$V1_SIG" <"$T/v1"
exit_is 0 "the first published vector's delivery verifies"
out_is '{"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_123"}}' \
	"the event on one line, unchanged otherwise (not a batch.* event: passed through)"
err_empty "nothing on stderr"
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" <"$T/v2"
exit_is 0 "the second published vector's delivery verifies"
out_is '{"test":2432232314}' "the second vector's body, the number kept exactly"

refused() {	# description regex
	exit_is 1 "$1: exit 1"
	out_empty "$1: nothing on stdout"
	err_like "^bw-webhook: $2$" "$1: said"
}
printf '%s' '{"test": 2432232315}' >"$T/tampered"
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" <"$T/tampered"
refused "a tampered body" "no signature matches"
hook "$V2_SECRET" $V2_ID $V2_TS "$(printf '%s' "$V2_SIG" | sed 's/^v1,A/v1,B/; t; s/^v1,./v1,A/')" <"$T/v2"
refused "a tampered signature" "no signature matches"
hook 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx' $V2_ID $V2_TS "$V2_SIG" <"$T/v2"
refused "another secret" "no signature matches"
hook "$V2_SECRET" msg_p5jXN8AQM9LWM0D4loKWxJel $V2_TS "$V2_SIG" <"$T/v2"
refused "another id" "no signature matches"
# the clock moves on while a test runs, so these keep away from the
# edges of the tolerance (tests/unit/webhook.c checks the edges)
t=$(($(date +%s) - 301))
hook "$V2_SECRET" $V2_ID $t "$(v2_at $t)" <"$T/v2"
refused "301 s old" "webhook-timestamp is too old"
t=$(($(date +%s) + 330))
hook "$V2_SECRET" $V2_ID $t "$(v2_at $t)" <"$T/v2"
refused "330 s in the future" "webhook-timestamp is in the future"
t=$(($(date +%s) - 270))
hook "$V2_SECRET" $V2_ID $t "$(v2_at $t)" <"$T/v2"
exit_is 0 "270 s old: within the tolerance"
t=$(($(date +%s) + 270))
hook "$V2_SECRET" $V2_ID $t "$(v2_at $t)" <"$T/v2"
exit_is 0 "270 s in the future: within the tolerance"
t=$(($(date +%s) - 970))
hook "$V2_SECRET" $V2_ID $t "$(v2_at $t)" --tolerance 1000 <"$T/v2"
exit_is 0 "--tolerance 1000: 970 s old passes"
hook "$V2_SECRET" "" $V2_TS "$V2_SIG" <"$T/v2"
refused "no webhook-id" "no webhook-id header"
hook "$V2_SECRET" $V2_ID "" "$V2_SIG" <"$T/v2"
refused "no webhook-timestamp" "no webhook-timestamp header"
hook "$V2_SECRET" $V2_ID $V2_TS "" <"$T/v2"
refused "no webhook-signature" "no webhook-signature header"
hook "$V2_SECRET" $V2_ID 16142653x0 "$V2_SIG" <"$T/v2"
refused "a timestamp that is not a number" "webhook-timestamp is not a number of seconds"
hook "$V2_SECRET" $V2_ID $V2_TS "v2,${V2_SIG#v1,}" <"$T/v2"
refused "only another version" "webhook-signature has no v1 signature"
hook "$V2_SECRET" $V2_ID 1614265330 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' <"$T/v2"
refused "the published vector itself, years old" "webhook-timestamp is too old"
run env OPENAI_WEBHOOK_SECRET=$V2_SECRET BW_NOW=1614265330 bw-webhook --id $V2_ID \
	--timestamp 1614265330 --signature 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' <"$T/v2"
refused "BW_NOW in the environment does not move the clock" "webhook-timestamp is too old"

hook "$V2_SECRET" $V2_ID $V2_TS "v1,b2xkIHNlY3JldA== v1,bad $V2_SIG" <"$T/v2"
exit_is 0 "rotation: any of several v1 entries may match"

# a raw secret, and a 1 MB body
printf 'a raw secret, not base64' >"$T/raw"
key=$(od -An -tx1 <"$T/raw" | tr -d ' \n')
awk 'BEGIN { printf "{\"object\":\"event\",\"type\":\"batch.completed\",\"data\":{\"id\":\"batch_1\"},\"pad\":\""; for (i = 0; i < 1048576; i++) printf "x"; printf "\"}" }' >"$T/big"
fresh
sig=$(sign "$key" wh_big $NOW "$T/big")
hook "a raw secret, not base64" wh_big $NOW "$sig" <"$T/big"
exit_is 0 "a raw secret, used as bytes; a 1 MB body"
ok '[ "$(wc -c <"$T/out")" -gt 1048576 ]' "a 1 MB body: the whole event"
printf '%s\n' "a raw secret, not base64" >"$T/secret"
run bw-webhook --secret-file "$T/secret" --id wh_big --timestamp $NOW --signature "$sig" <"$T/big"
exit_is 0 "--secret-file"
hook "a raw secret, not base64" wh_big $NOW "$sig" --max-body 1000 <"$T/big"
exit_is 65 "a body past --max-body: exit 65"
out_empty "a body past --max-body: nothing printed"
printf 'not json' >"$T/notjson"
sig=$(sign "$key" wh_nj $NOW "$T/notjson")
hook "a raw secret, not base64" wh_nj $NOW "$sig" <"$T/notjson"
exit_is 65 "a signed body that is not JSON: exit 65"
err_like "the body is signed, but not a JSON object" "a signed body that is not JSON: said"
hook "whsec_!!!notbase64" a 1 v1,x <"$T/v2"
exit_is 2 "a whsec_ secret that is not base64: usage error"
run env -u OPENAI_WEBHOOK_SECRET bw-webhook --id a --timestamp 1 --signature v1,x <"$T/v2"
exit_is 77 "no secret: exit 77"
ok '! grep -rq "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\|RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24\|a raw secret" "$T/out" "$T/err"' \
	"the secret is in no output or message"

# replays
fresh
mkdir "$T/seen"
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" --replay-dir "$T/seen" <"$T/v2"
exit_is 0 "--replay-dir: the first delivery"
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" --replay-dir "$T/seen" <"$T/v2"
refused "--replay-dir: the same id again" "webhook-id \"$V2_ID\": already received"
hook "$V2_SECRET" $V2_ID $V2_TS 'v1,AAAA' --replay-dir "$T/seen" <"$T/tampered"
refused "--replay-dir: a forgery is refused for its signature" "no signature matches"
touch -d '2 hours ago' "$T/seen/"*
: >"$T/seen/0000000000000000000000000000000000000000000000000000000000000000"
touch -d '2 hours ago' "$T/seen/0000000000000000000000000000000000000000000000000000000000000000"
hook "$V1_SECRET" $V1_ID $V1_TS "$V1_SIG" --replay-dir "$T/seen" <"$T/v1"
exit_is 0 "another id"
ok '[ "$(ls "$T/seen" | wc -l)" -eq 1 ]' "entries older than the window pruned"

# the same delivery eight times at once: exactly one taken
fresh
mkdir "$T/race"
i=0
while [ $i -lt 8 ]; do
	(OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --id $V2_ID --timestamp $V2_TS \
		--signature "$V2_SIG" --replay-dir "$T/race" <"$T/v2" >"$T/race.out.$i" 2>/dev/null
	 echo $? >"$T/race.rc.$i") &
	i=$((i + 1))
done
wait
ok '[ "$(cat "$T"/race.rc.* | grep -c "^0$")" -eq 1 ] && [ "$(cat "$T"/race.rc.* | grep -c "^1$")" -eq 7 ]' \
	"eight at once: exactly one accepted"
ok '[ "$(cat "$T"/race.out.* | wc -l)" -eq 1 ]' "eight at once: one event printed"

# CGI
cgi() {	# method body-file [env ...]
	m=$1 f=$2
	shift 2
	env REQUEST_METHOD=$m CONTENT_LENGTH=$(wc -c <"$f") HTTP_WEBHOOK_ID=$V2_ID \
		HTTP_WEBHOOK_TIMESTAMP=$V2_TS HTTP_WEBHOOK_SIGNATURE="$V2_SIG" \
		OPENAI_WEBHOOK_SECRET=$V2_SECRET "$@" bw-webhook <"$f" >"$T/out" 2>"$T/err"
	rc=$?
}
fresh
cgi POST "$T/v2"
exit_is 0 "CGI: a good delivery"
ok 'head -1 "$T/out" | grep -q "^Status: 200 OK" && grep -q "^Content-Type: application/json" "$T/out" && tail -1 "$T/out" | grep -qx "{\"test\":2432232314}"' \
	"CGI: 200, JSON, the event"
cgi POST "$T/tampered"
exit_is 1 "CGI: a bad signature: exit 1"
ok 'head -1 "$T/out" | grep -q "^Status: 400 Bad Request" && tail -1 "$T/out" | grep -qx "no signature matches"' "CGI: 400 and why"
cgi GET "$T/v2"
ok 'head -1 "$T/out" | grep -q "^Status: 405 Method Not Allowed" && grep -q "^Allow: POST" "$T/out"' "CGI: 405 for a GET"
{ cat "$T/v2"; printf 'trailing bytes past CONTENT_LENGTH'; } >"$T/longer"
env REQUEST_METHOD=POST CONTENT_LENGTH=$(wc -c <"$T/v2") HTTP_WEBHOOK_ID=$V2_ID HTTP_WEBHOOK_TIMESTAMP=$V2_TS \
	HTTP_WEBHOOK_SIGNATURE="$V2_SIG" OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook <"$T/longer" >"$T/out"
ok 'head -1 "$T/out" | grep -q "^Status: 200"' "CGI: exactly CONTENT_LENGTH bytes read"
cgi POST "$T/v2" CONTENT_LENGTH=100
ok 'head -1 "$T/out" | grep -q "^Status: 400"' "CGI: a body shorter than CONTENT_LENGTH: 400"
cgi POST "$T/v2" OPENAI_WEBHOOK_SECRET=
ok 'head -1 "$T/out" | grep -q "^Status: 500"' "CGI: no secret: 500"
mkdir "$T/cgiseen"
cgi POST "$T/v2"
env REQUEST_METHOD=POST CONTENT_LENGTH=$(wc -c <"$T/v2") HTTP_WEBHOOK_ID=$V2_ID HTTP_WEBHOOK_TIMESTAMP=$V2_TS \
	HTTP_WEBHOOK_SIGNATURE="$V2_SIG" OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --replay-dir "$T/cgiseen" <"$T/v2" >/dev/null
env REQUEST_METHOD=POST CONTENT_LENGTH=$(wc -c <"$T/v2") HTTP_WEBHOOK_ID=$V2_ID HTTP_WEBHOOK_TIMESTAMP=$V2_TS \
	HTTP_WEBHOOK_SIGNATURE="$V2_SIG" OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --replay-dir "$T/cgiseen" <"$T/v2" >"$T/out" 2>/dev/null
ok 'head -1 "$T/out" | grep -q "^Status: 200" && tail -1 "$T/out" | grep -qx "already received"' \
	"CGI: a repeated delivery gets 200 (so OpenAI stops), and nothing is done twice"
# the replay directory missing: bw-webhook's own 500 and why (the web
# server's own page says nothing), and exit 74
env REQUEST_METHOD=POST CONTENT_LENGTH=$(wc -c <"$T/v2") HTTP_WEBHOOK_ID=$V2_ID HTTP_WEBHOOK_TIMESTAMP=$V2_TS \
	HTTP_WEBHOOK_SIGNATURE="$V2_SIG" OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --replay-dir "$T/gone" <"$T/v2" >"$T/out" 2>"$T/err"
rc=$?
exit_is 74 "CGI: the replay directory missing: exit 74"
ok '[ "$(cat "$T/out")" = "$(printf "Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n--replay-dir: $T/gone: No such file or directory")" ]' \
	"CGI: the replay directory missing: 500 and why"
err_like "^bw-webhook: --replay-dir: $T/gone: No such file or directory\$" "CGI: the replay directory missing: said"
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" --replay-dir "$T/gone" <"$T/v2"
exit_is 74 "the replay directory missing: exit 74"
out_empty "the replay directory missing: nothing on stdout"

# --exec, and the pipeline it starts
fresh
hook "$V2_SECRET" $V2_ID $V2_TS "$V2_SIG" --exec "cat >'$T/execd'" <"$T/v2"
i=0
while [ ! -s "$T/execd" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
ok '[ "$(cat "$T/execd")" = "{\"test\":2432232314}" ]' "--exec: the command gets the event on stdin"

fake_start
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload | bw-create | bw-poll -i 0.01 >"$T/batch" 2>/dev/null
bid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$T/batch")
printf '{"id":"evt_1","object":"event","created_at":1700000000,"type":"batch.completed","data":{"id":"%s"}}' "$bid" >"$T/event"
fresh
sig=$(sign "$(hexkey "$V2_SECRET")" wh_evt $NOW "$T/event")
OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --id wh_evt --timestamp $NOW \
	--signature "$sig" <"$T/event" | bw-download | bw-parse >"$T/results"
ok '[ "$(grep -c "\"status\":\"succeeded\"" "$T/results")" -eq 4 ]' "bw-webhook | bw-download | bw-parse: the batch behind the event"
# OpenAI's example event has no "object": still the batch of its data.id
printf '{"id":"evt_2","created_at":1700000000,"type":"batch.completed","data":{"id":"%s"}}' "$bid" >"$T/event2"
fresh
sig=$(sign "$(hexkey "$V2_SECRET")" wh_evt2 $NOW "$T/event2")
OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --id wh_evt2 --timestamp $NOW \
	--signature "$sig" <"$T/event2" | bw-download | bw-parse >"$T/results"
ok '[ "$(grep -c "\"status\":\"succeeded\"" "$T/results")" -eq 4 ]' "an event without \"object\": the batch behind its data.id"
# an event of another type passes through bw-webhook; bw-download refuses it
printf '{"id":"evt_3","created_at":1700000000,"type":"response.completed","data":{"id":"resp_1"}}' >"$T/event3"
fresh
sig=$(sign "$(hexkey "$V2_SECRET")" wh_evt3 $NOW "$T/event3")
OPENAI_WEBHOOK_SECRET=$V2_SECRET bw-webhook --id wh_evt3 --timestamp $NOW \
	--signature "$sig" <"$T/event3" >"$T/event3.out"
ok 'cmp -s "$T/event3" "$T/event3.out" || [ "$(cat "$T/event3.out")" = "$(cat "$T/event3")" ]' "a response.completed event: written as it came"
fake_log_clear
run bw-download <"$T/event3.out"
exit_is 65 "bw-download of a response.completed event: exit 65"
out_empty "bw-download of a response.completed event: nothing written"
err_like '^bw-download: line 1: a webhook event of type "response\.completed", not a batch\.\* one: it names no batch$' "bw-download of a response.completed event: said, naming the record"
ok '[ -z "$(fake_log | grep resp_1)" ]' "bw-download of a response.completed event: nothing asked"

run bw-webhook --help
exit_is 0 "--help: exit 0"
run bw-webhook --version
out_is "bw-webhook 0.1.0" "--version"
run bw-webhook extra-operand
exit_is 2 "an operand: usage error"
run bw-webhook --tolerance soon
exit_is 2 "a bad --tolerance: usage error"

done_testing
