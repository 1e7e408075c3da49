# tests/webserver.sh: bw-webhook behind a real web server from Debian
# (tests/0510-webhook-lighttpd.t, tests/0520-webhook-nginx.t), set up
# as man/bw-webhook.1 says: its displays are read from the page, and
# only their paths, key and --exec command changed.  Source it after
# tests/lib.sh.
#
#   need PROGRAM ...      bails out unless each is installed (make deps)
#   man_setup RE          the literal display after the line matching RE
#                         in man/bw-webhook.1, its paths made $T's
#   free_port             prints a free TCP port on 127.0.0.1
#   started NAME PID URL  waits until the server PID answers at URL
#   stop PID ...          stops those servers (all stop at exit)
#   deliveries URL        the cases, through the server at URL
#
# The CGI program is the man page's, $T/openai-webhook: bw-webhook with
# --secret-file, --replay-dir, and an --exec that appends
# "$OPENAI_API_KEY event" to $T/ran, the key being the one the server
# gives (WEBHOOK_API_KEY, the page's "...").

need() {
	for p in "$@"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$p" >/dev/null && continue
		echo "Bail out! $p is not installed (make deps installs it)"
		exit 1
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVERS=
trap 'stop $SERVERS; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

stop() {
	for p in "$@"; do
		kill "$p" 2>/dev/null
	done
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
}

started() {	# name pid url
	SERVERS="$SERVERS $2"
	i=0
	until curl -s -m 2 -o /dev/null "$3"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "Bail out! $1 did not start"
			cat "$T/$1".* >&2 2>/dev/null
			exit 1
		fi
		sleep 0.05
	done
}

man_setup() {	# regex
	awk -v re="$1" '
		s == 2 && /^\.Ed/ { exit }
		s == 2 { print }
		s == 1 && /^\.Bd -literal/ { s = 2 }
		s == 0 && $0 ~ re { s = 1 }' "$TOP/man/bw-webhook.1" |
	sed -e 's/\\e/\\/g' \
		-e "s|exec bw-webhook |exec '$TOP/bin/bw-webhook' |" \
		-e "s|/usr/local/lib/bw/openai-webhook|$T/openai-webhook|" \
		-e "s|/etc/bw/webhook-secret|'$T/webhook-secret'|" \
		-e "s|/var/lib/bw/webhooks|'$T/webhooks'|" \
		-e "s|--exec '.*'\$|--exec 'printf \"%s \" \"\$OPENAI_API_KEY\" >>\"$T/ran\"; cat >>\"$T/ran\"'|" \
		-e "s|\"\\.\\.\\.\"|\"$WEBHOOK_API_KEY\"|" \
		-e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
		-e "s|unix:/run/fcgiwrap.socket|unix:$T/fcgiwrap.socket|"
}

WEBHOOK_API_KEY=sk-test-webserver
printf '%s\n' 'a raw secret, for the web server' >"$T/webhook-secret"
mkdir "$T/webhooks"
man_setup '^mode 755:$' >"$T/openai-webhook"
chmod 755 "$T/openai-webhook"
: >"$T/ran"
ok 'grep -q "^exec .$TOP/bin/bw-webhook. --secret-file .$T/webhook-secret" "$T/openai-webhook" && grep -q "replay-dir .$T/webhooks" "$T/openai-webhook" && grep -q "$T/ran" "$T/openai-webhook"' \
	"the man page's CGI program, its paths changed"

# post URL id body-file [signature [header]]: a delivery signed now
# (or with the signature given, if not empty), with a header more; the
# answer's status and type in $status and $type, its body in $T/body
post() {
	now=$(date +%s)
	key=$(printf '%s' 'a raw secret, for the web server' | od -An -tx1 | tr -d ' \n')
	sig=${4:-$({ printf '%s.%s.' "$2" "$now"; cat "$3"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
		base64 | sed 's/^/v1,/')}
	curl -s -m 20 -o "$T/body" -w '%{http_code} %{content_type}\n' \
		-H "webhook-id: $2" -H "webhook-timestamp: $now" \
		-H "webhook-signature: $sig" -H 'Content-Type: application/json' \
		${5:+-H "$5"} --data-binary @"$3" "$1" >"$T/answer"
	read -r status type <"$T/answer"
}

# ran_lines N: waits (up to 10 s) until $T/ran has N lines
ran_lines() {
	i=0
	while [ "$(wc -l <"$T/ran")" -lt "$1" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

deliveries() {	# url
	url=$1
	printf '%s' '{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}' >"$T/event1"
	printf '%s' '{"id":"evt_2","object":"event","created_at":1750861211,"type":"batch.failed","data":{"id":"batch_2"}}' >"$T/event2"

	post "$url" wh_1 "$T/event1"
	ok '[ "$status" = 200 ] && [ "$type" = application/json ] && [ "$(cat "$T/body")" = "$(cat "$T/event1")" ]' \
		"a valid delivery: 200, the event as JSON"
	ran_lines 1
	ok '[ "$(cat "$T/ran")" = "$WEBHOOK_API_KEY $(cat "$T/event1")" ]' \
		"a valid delivery: --exec ran, with the event and the server's OPENAI_API_KEY"

	post "$url" wh_1 "$T/event1"
	ok '[ "$status" = 200 ] && [ "$(cat "$T/body")" = "already received" ]' \
		"the same delivery again: 200, already received"
	# a new delivery, then: had the repeat run --exec, its line would
	# be there by the time the new one's is
	post "$url" wh_2 "$T/event2"
	ok '[ "$status" = 200 ]' "another delivery: 200"
	ran_lines 2
	sleep 0.2
	ok '[ "$(grep -c evt_1 "$T/ran")" -eq 1 ] && [ "$(grep -c evt_2 "$T/ran")" -eq 1 ] && [ "$(wc -l <"$T/ran")" -eq 2 ]' \
		"the same delivery again: --exec did not run twice"

	# the body in chunks, with no Content-Length: the server still
	# gives the program the whole body
	printf '%s' '{"id":"evt_3","object":"event","created_at":1750861212,"type":"batch.expired","data":{"id":"batch_3"}}' >"$T/event3"
	post "$url" wh_3 "$T/event3" "" "Transfer-Encoding: chunked"
	ok '[ "$status" = 200 ] && [ "$(cat "$T/body")" = "$(cat "$T/event3")" ]' \
		"a delivery in chunks: 200, the event"
	ran_lines 3
	ok '[ "$(grep -c evt_3 "$T/ran")" -eq 1 ]' "a delivery in chunks: --exec ran"

	post "$url" wh_4 "$T/event1" 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
	ok '[ "$status" = 400 ] && [ "$type" = text/plain ] && [ "$(cat "$T/body")" = "no signature matches" ]' \
		"a bad signature: 400, no signature matches"

	curl -s -m 20 -o "$T/body" -D "$T/headers" -w '%{http_code}\n' "$url" >"$T/answer"
	ok '[ "$(cat "$T/answer")" = 405 ] && grep -qi "^Allow: POST" "$T/headers" && [ "$(cat "$T/body")" = "only POST is accepted" ]' \
		"a GET: 405, Allow: POST"

	rm -r "$T/webhooks"
	post "$url" wh_5 "$T/event2"
	ok '[ "$status" = 500 ] && [ "$type" = text/plain ] && [ "$(cat "$T/body")" = "--replay-dir: $T/webhooks: No such file or directory" ]' \
		"the replay directory missing: bw-webhook's own 500 and why, not the server's page"
	sleep 0.2
	ok '[ "$(wc -l <"$T/ran")" -eq 3 ]' "the replay directory missing: --exec did not run"
	if [ "$nfail" -gt 0 ]; then
		echo "# the last answer: $status $type"
		sed 's/^/#   /' "$T/body"
	fi
}
