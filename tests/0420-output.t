#!/bin/sh
# Every program: a full disk on stdout is exit 74 and a message, never
# silence; a closed pipe (the reader gone: head -1) is a quiet death by
# SIGPIPE, as a Unix filter's.
. tests/lib.sh
fake_start
cat >"$T/closed.py" <<'E'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)            # nobody will ever read: every write is EPIPE
stdin = open(sys.argv[1], 'rb')
p = subprocess.run(sys.argv[3:], stdin=stdin, stdout=w, stderr=open(sys.argv[2], 'wb'))
print(p.returncode)
E
bw-jsonl -m gpt-4o-mini examples/requests.jsonl >"$T/in.jsonl"
bw-upload "$T/in.jsonl" >"$T/file"
bw-create <"$T/file" >"$T/created"
bw-poll -i 0.01 <"$T/created" >"$T/done" 2>/dev/null
bw-download <"$T/done" >"$T/lines"
printf '%s' '{"test": 2432232314}' >"$T/event"
bw-upload "$T/in.jsonl" | bw-create >"$T/tocancel"

check() {	# name stdin-file command...
	name=$1 input=$2
	shift 2
	"$@" <"$input" >/dev/full 2>"$T/err"
	rc=$?
	exit_is 74 "$name: a full disk: exit 74"
	err_like "(stdout|write error).*No space left on device" "$name: a full disk: said"
	got=$(python3 "$T/closed.py" "$input" "$T/$name.err" "$@")
	ok '[ "$got" = -13 ]' "$name: a closed pipe: dies of SIGPIPE (got $got)"
	ok '! grep -Eq "pipe|write error|stdout" "$T/$name.err"' "$name: a closed pipe: nothing said of it"
}
check bw-jsonl examples/requests.jsonl bw-jsonl -m gpt-4o-mini
check bw-parse "$T/lines" bw-parse
check bw-upload "$T/in.jsonl" bw-upload
check bw-create "$T/file" bw-create
check bw-poll "$T/done" bw-poll -i 0.01
check bw-download "$T/done" bw-download
check bw-cancel "$T/tocancel" bw-cancel
now=$(date +%s)
sig=$({ printf 'wh_1.%s.' $now; cat "$T/event"; } |
	openssl dgst -sha256 -hmac 'a raw secret' -binary | base64 | sed 's/^/v1,/')
check bw-webhook "$T/event" env OPENAI_WEBHOOK_SECRET='a raw secret' \
	bw-webhook --id wh_1 --timestamp $now --signature "$sig"
fake_ctl '{"pace":0}'	# bw-run watches by listing
bw-run -d "$T/w" -m gpt-4o-mini -i 0.01 examples/requests.jsonl >/dev/null 2>&1
: >"$T/nothing"
check bw-run "$T/nothing" bw-run -d "$T/w"
# | head -1: the first line, then quiet, and 141 (SIGPIPE) for pipefail
awk '{ for (i = 0; i < 20000; i++) { l = $0; sub(/"custom_id":"/, "&" i "-", l); print l } }' "$T/lines" >"$T/big"
awk '{ for (i = 0; i < 10000; i++) { l = $0; sub(/"customId":"/, "&" i "-", l); print l } }' examples/requests.jsonl >"$T/bigreq"
head1() {	# name input command...
	name=$1 input=$2
	shift 2
	sh -c '{ "$@" <"$0" 2>"$T/h.err"; echo $? >"$T/h.rc"; } | head -1' "$input" "$@" >"$T/h.out"
	ok '[ "$(cat "$T/h.rc")" = 141 ]' "$name | head -1: status 141, SIGPIPE (got $(cat "$T/h.rc"))"
	ok '[ ! -s "$T/h.err" ]' "$name | head -1: nothing on stderr"
	"$@" <"$input" 2>/dev/null | sed -n 1p >"$T/h.want"
	ok '[ -s "$T/h.out" ] && cmp -s "$T/h.want" "$T/h.out"' "$name | head -1: the first line"
}
export T
head1 bw-parse "$T/big" bw-parse
head1 bw-jsonl "$T/bigreq" bw-jsonl -m gpt-4o-mini
for v in --help --version; do
	bw-jsonl $v >/dev/full 2>/dev/null
	rc=$?
	exit_is 74 "bw-jsonl $v to a full disk: exit 74"
done

done_testing
