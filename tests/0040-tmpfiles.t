#!/bin/sh
# Temporary files: made in $TMPDIR by one function; when they cannot be,
# the program says where and why, and exits 74.
. tests/lib.sh

no=$T/no-such-dir
said() {	# what description
	exit_is 74 "$2: exit 74"
	err_like "^$1: $no/bw-$3\\.XXXXXX: cannot create a temporary file: No such file or directory\$" \
		"$2: names the path and errno"
}

# bw-upload spools a pipe before sending a byte
printf '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n' >"$T/in"
TMPDIR=$no OPENAI_API_KEY=sk-x OPENAI_BASE_URL=http://127.0.0.1:9/v1 \
	run sh -c 'cat "$1" | bw-upload' sh "$T/in"
said bw-upload "bw-upload of a pipe" upload
out_empty "bw-upload: nothing on stdout"

# bw-parse spools what it writes past its buffer until the input's end
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"custom_id\":\"request-%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"the answer to request %d\"}}]}},\"error\":null}\n", i, i }' >"$T/out.jsonl"
TMPDIR=$no run bw-parse "$T/out.jsonl"
said bw-parse "bw-parse of 10000 results" spool
out_empty "bw-parse: nothing on stdout"
TMPDIR=$T run bw-parse "$T/out.jsonl"
exit_is 0 "with a TMPDIR that exists: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 10000 ]' "every result written"
ok '[ -z "$(ls "$T" | grep "^bw-")" ]' "no temporary file left in TMPDIR"

# bw-webhook --exec hands the event over in one
secret='a raw secret'
now=$(date +%s)
printf '{"object":"event"}' >"$T/event"
sig=$({ printf 'wh_1.%s.' "$now"; cat "$T/event"; } |
	openssl dgst -sha256 -hmac "$secret" -binary | base64 | sed 's/^/v1,/')
OPENAI_WEBHOOK_SECRET=$secret TMPDIR=$no run bw-webhook --id wh_1 \
	--timestamp "$now" --signature "$sig" --exec "cat >'$T/execd'" <"$T/event"
said bw-webhook "bw-webhook --exec" webhook

done_testing
