# tests/lib.sh: TAP helpers for the shell tests.  Source it from a test
# run at the top of the tree (prove does that).
#
#   run CMD ...          runs CMD, keeping $rc, $T/out and $T/err
#   exit_is N DESC       the exit status of the last run was N
#   out_is TEXT DESC     its stdout was exactly TEXT (plus a newline)
#   out_file_is F DESC   its stdout was exactly the file F
#   out_empty DESC       it wrote nothing to stdout
#   err_like RE DESC     its stderr matched the extended regex RE
#   err_empty DESC       it wrote nothing to stderr
#   ok COND DESC         COND (a shell command) succeeded
#   jget FILE KEY [N]    the field KEY of the JSON object on line N (from
#                        0) of FILE: a string as it is, null as None
#   done_testing         prints the plan
set -u
TOP=$(pwd)
PATH=$TOP/bin:$PATH
export PATH LC_ALL=C
unset OPENAI_API_KEY OPENAI_BASE_URL OPENAI_ORG_ID OPENAI_PROJECT_ID \
	OPENAI_WEBHOOK_SECRET
T=$(mktemp -d "${TMPDIR:-/tmp}/bw-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

# python3 as PATH finds it, resolved once (make check does it for every
# test; BW_PYTHON): a wrapper like pyenv's shim costs a second a call.
[ -n "${BW_PYTHON-}" ] ||
	BW_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -n "$BW_PYTHON" ] && [ -x "$BW_PYTHON" ]; then
	mkdir "$T/py"
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$BW_PYTHON" >"$T/py/python3"
	chmod +x "$T/py/python3"
	PATH=$T/py:$PATH
fi
export BW_PYTHON

# make check-valgrind: each C program through valgrind, which makes it
# exit 99 on a memory error or a definite leak
if [ -n "${BW_VALGRIND-}" ]; then
	mkdir "$T/vg"
	for p in "$TOP"/bin/bw-*; do
		case $p in *.c|*.o|*.sh|*/bw-run) continue ;; esac
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite %s "$@"\n' \
			"$p" >"$T/vg/${p##*/}"
		chmod +x "$T/vg/${p##*/}"
	done
	PATH=$T/vg:$PATH
fi
ntest=0
nfail=0

ok() {
	ntest=$((ntest + 1))
	if eval "$1"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
	fi
}

jget() {
	sed -n "$((${3:-0} + 1))p" "$1" | jq -rs --arg k "$2" '
		if length == 1 and (.[0] | type == "object" and has($k))
		then .[0][$k] | if . == null then "None" else . end
		else error("no \($k)") end'
}

run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# sdk_requests FIXTURE REQUESTS: the requests of REQUESTS whose ids
# have a body in FIXTURE (tests/sdk/MODEL.ENDPOINT.jsonl), in order (ids
# matched as the JSON strings they are written as, not decoded)
sdk_requests() {
	awk -v want="$1" '
	BEGIN {
		while ((getline l <want) > 0)
			if (match(l, /^\{"custom_id":"([^"\\]|\\.)*"/))
				ids[substr(l, 14, RLENGTH - 13)] = 1
	}
	match($0, /^\{"customId":"([^"\\]|\\.)*"/) &&
	    (substr($0, 13, RLENGTH - 12) in ids)' "$2"
}

# sdk_refused MODEL ENDPOINT REQUESTS FIELD: each request of REQUESTS
# whose id is in tests/sdk/MODEL.ENDPOINT.refused, alone, must make
# bw-jsonl exit 65 with nothing on stdout, naming line 1 and a field
# that FIELD (an ERE) matches; n counts those that do
sdk_refused() {
	n=0
	while read -r id; do
		grep -E "^\{\"customId\":\"$id\"[,}]" "$3" >"$T/r"
		run bw-jsonl -m "$1" -e "$2" "$T/r"
		if [ $rc -eq 65 ] && [ ! -s "$T/out" ] &&
		    grep -Eq "^bw-jsonl: $T/r: line 1: ($4)" "$T/err"; then
			n=$((n + 1))
		else
			echo "# $id: exit $rc: $(cat "$T/err")"
		fi
	done <"tests/sdk/$1.$2.refused"
}

exit_is() {
	ntest=$((ntest + 1))
	if [ "$rc" -eq "$1" ]; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		echo "# exit status $rc, expected $1; stderr:"
		sed 's/^/#   /' "$T/err"
	fi
}

out_file_is() {
	ntest=$((ntest + 1))
	if cmp -s "$1" "$T/out"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		diff "$1" "$T/out" | head -20 | sed 's/^/# /'
	fi
}

out_is() {
	printf '%s\n' "$1" >"$T/want"
	out_file_is "$T/want" "$2"
}

out_empty() {
	ok '[ ! -s "$T/out" ]' "$1"
}

err_empty() {
	ok '[ ! -s "$T/err" ]' "$1"
}

err_like() {
	ntest=$((ntest + 1))
	if grep -Eq -- "$1" "$T/err"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		echo "# stderr did not match /$1/:"
		sed 's/^/#   /' "$T/err"
	fi
}

done_testing() {
	echo "1..$ntest"
	[ "$nfail" -eq 0 ]
}

# The fake OpenAI server, for the network stages:
#   fake_start [ARGS]    starts it on a free loopback port and points
#                        OPENAI_BASE_URL and OPENAI_API_KEY at it
#   fake_ctl JSON        POST /__control (scenario, steps, faults)
#   fake_log             the requests it has seen, as JSON
#   fake_log_clear       forgets them
#   fake_wait WHAT JQ    waits until the jq filter JQ holds of the
#                        server's control (WHAT=control) or log (log):
#                        an event, where a sleep would guess a time
fake_start() {
	rm -f "$T/port"
	python3 "$TOP/tests/fake-openai.py" --port-file "$T/port" "$@" \
		2>"$T/fake.err" &
	FAKE_PID=$!
	trap 'kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; rm -rf "$T"' EXIT
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 $FAKE_PID 2>/dev/null; then
			echo "Bail out! the fake server did not start"
			cat "$T/fake.err" >&2
			exit 1
		fi
		sleep 0.05
	done
	FAKE=http://127.0.0.1:$(cat "$T/port")
	OPENAI_BASE_URL=$FAKE/v1
	OPENAI_API_KEY=sk-test-0123456789-secret
	export OPENAI_BASE_URL OPENAI_API_KEY
}

fake_ctl() {
	curl -sf -X POST -H 'Content-Type: application/json' -d "$1" \
		"$FAKE/__control" >/dev/null || echo "# fake_ctl failed: $1"
}

fake_log() {
	curl -sf "$FAKE/__log"
}

fake_log_clear() {
	curl -sf -X POST "$FAKE/__log/clear" >/dev/null
}

fake_wait() {
	i=0
	until curl -sf "$FAKE/__$1" | jq -e "$2" >/dev/null; do
		i=$((i + 1))
		if [ $i -ge 1200 ]; then
			echo "# fake_wait $1 '$2': not after 60 s"
			return 1
		fi
		sleep 0.05
	done
}
