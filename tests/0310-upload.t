#!/bin/sh
# bw-upload: checked whole before a byte is sent, then POST /v1/files.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"

bw-jsonl -m gpt-4o-mini examples/requests.jsonl >"$T/in.jsonl"
run bw-upload $R "$T/in.jsonl"
exit_is 0 "a file: exit 0"
ok 'python3 -c "import json,sys; f=json.load(open(sys.argv[1])); sys.exit(not (f[\"object\"]==\"file\" and f[\"purpose\"]==\"batch\" and f[\"id\"].startswith(\"file-\") and f[\"endpoint\"]==\"/v1/chat/completions\" and f[\"request_count\"]==4 and f[\"bytes\"]==$(wc -c <"$T/in.jsonl")))" "$T/out"' \
	"the File object, with endpoint and request_count added"
ok '[ "$(wc -l <"$T/out")" -eq 1 ]' "one line"
fake_log >"$T/log"
ok 'grep -q "\"purpose\"" "$T/log" || grep -q "\"path\": \"/v1/files\"" "$T/log"' "POST /v1/files reached the server"

run sh -c 'cat "$1" | bw-upload' sh "$T/in.jsonl"
exit_is 0 "a pipe: exit 0"
ok '[ "$(jget "$T/out" filename)" = batch.jsonl ]' "a pipe is uploaded as batch.jsonl"
run bw-upload <"$T/in.jsonl"
exit_is 0 "stdin from a regular file: exit 0"

cp "$T/in.jsonl" "$T/second.jsonl"
run bw-upload "$T/in.jsonl" "$T/second.jsonl"
ok '[ "$(wc -l <"$T/out")" -eq 2 ]' "two operands: two uploads, two records"

# nothing is sent for bad input
fake_log_clear
check_bad() {	# input-file message-regex description
	run bw-upload $R "$1"
	exit_is 65 "$3: exit 65"
	out_empty "$3: nothing on stdout"
	err_like "$2" "$3: message"
}
head -c 300 "$T/in.jsonl" >"$T/cut.jsonl"
check_bad "$T/cut.jsonl" "line 2: no newline at the end: the input looks cut short; nothing was sent" "a truncated input"
: >"$T/empty.jsonl"
check_bad "$T/empty.jsonl" "no requests in the input" "empty input"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' '' >"$T/blank.jsonl"
check_bad "$T/blank.jsonl" "line 2: an empty line" "an empty line"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' >"$T/dup.jsonl"
check_bad "$T/dup.jsonl" 'line 2: duplicate custom_id "a" \(first on line 1\)' "a duplicate custom_id"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' '{"custom_id":"b","method":"POST","url":"/v1/responses","body":{"model":"m"}}' >"$T/urls.jsonl"
check_bad "$T/urls.jsonl" 'line 2: url "/v1/responses", but line 1 has /v1/chat/completions: one endpoint per batch' "two urls"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' '{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"model":"n"}}' >"$T/models.jsonl"
check_bad "$T/models.jsonl" 'line 2: body.model "n", but line 1 has m: one model per batch' "two models"
printf '%s\n' '{"custom_id":"a","method":"GET","url":"/v1/chat/completions","body":{"model":"m"}}' >"$T/get.jsonl"
check_bad "$T/get.jsonl" 'line 1: method: not "POST"' "a GET"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions"}' >"$T/nobody.jsonl"
check_bad "$T/nobody.jsonl" 'line 1: body: missing, not an object' "no body"
printf '%s\n' '{"custom_id":7,"method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' >"$T/numid.jsonl"
check_bad "$T/numid.jsonl" 'line 1: custom_id: a number, not a non-empty string' "a numeric custom_id"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}' >"$T/nomodel.jsonl"
check_bad "$T/nomodel.jsonl" 'line 1: body.model: missing, not a non-empty string' "no model"
printf '%s\n' '{"custom_id":"","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}' >"$T/emptyid.jsonl"
check_bad "$T/emptyid.jsonl" 'line 1: custom_id: empty, not a non-empty string' "an empty custom_id (bw-jsonl refuses it too)"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"},"x":1}' >"$T/extra.jsonl"
check_bad "$T/extra.jsonl" 'line 1: unknown field "x" in a batch line \(custom_id, method, url, body\)' "a field a batch line does not have"
printf '%s\n' '{"custom_id":"a","method":"POST\u0000","url":"/v1/chat/completions","body":{"model":"m"}}' >"$T/nul.jsonl"
check_bad "$T/nul.jsonl" 'line 1: method: not "POST"' "a method with a NUL inside"
printf '%s\n' 'not json' >"$T/junk.jsonl"
check_bad "$T/junk.jsonl" 'line 1: invalid JSON at column 1: unexpected character' "not JSON"
run bw-upload --max-requests 3 "$T/in.jsonl"
exit_is 65 "more lines than --max-requests: exit 65"
err_like "line 4: past the limit of 3 requests in a batch \(--max-requests\)" "--max-requests: the line named"
run bw-upload --max-file 500 "$T/in.jsonl"
exit_is 65 "a file over --max-file: exit 65"
err_like "line [0-9]: past the limit of 500 bytes in a batch file \(--max-file\)" "--max-file: the line named"
ok '[ "$(fake_log | grep -c "/v1/files")" -eq 0 ]' "bad input: not a byte sent to the server"

# retries: the same bytes again
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"status","code":503,"times":2},{"path":"^/v1/files$","kind":"reset","times":1}]}'
fake_log_clear
run sh -c 'cat "$1" | bw-upload --retry-wait 0.01' sh "$T/in.jsonl"
exit_is 0 "503, 503, a reset, then success: exit 0"
ok '[ "$(grep -c "; retry [0-9] of 8 in" "$T/err")" -eq 3 ]' "one stderr line per retry"
err_like "^bw-upload: POST /v1/files: 503: .* \(request req_[0-9a-f]+\); retry 1 of 8 in 0.0s$" "a retry line names method, path, status, message and request id"
ok 'fake_log | python3 -c "import json,sys; l=[e[\"bytes\"] for e in json.load(sys.stdin)]; sys.exit(not (len(l)==4 and len(set(l))==1))"' \
	"each of the four attempts sent the same bytes (spooled pipe)"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"status","code":429,"retry_after":"0","times":-1}]}'
run bw-upload --retries 2 --retry-wait 0.01 "$T/in.jsonl"
exit_is 75 "429 past the retries: exit 75"
err_like "^bw-upload: POST /v1/files: 429: .*\(request req_[0-9a-f]+\)$" "429 past the retries: said"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"status","code":500,"should_retry":"false"}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 75 "x-should-retry: false: no retry, exit 75"
ok '! grep -q retry "$T/err"' "x-should-retry: false: no retry line"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"status","code":400}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 65 "a 400: exit 65, no retry"
fake_ctl '{"faults":[]}'

# credentials
run env OPENAI_API_KEY=sk-bad bw-upload $R "$T/in.jsonl"
exit_is 77 "401: exit 77"
run env OPENAI_API_KEY=sk-forbidden bw-upload $R "$T/in.jsonl"
exit_is 77 "403: exit 77"
run env -u OPENAI_API_KEY bw-upload "$T/in.jsonl"
exit_is 77 "no key: exit 77"
err_like "^bw-upload: no API key: set OPENAI_API_KEY or give --api-key-file$" "no key: said"
printf 'sk-from-a-file\n' >"$T/key"
run env -u OPENAI_API_KEY bw-upload --api-key-file /dev/null "$T/in.jsonl"
exit_is 77 "--api-key-file of an empty file: exit 77"
err_like '^bw-upload: --api-key-file: /dev/null: no key in it$' "--api-key-file of an empty file: said so, not 'give --api-key-file'"
run env -u OPENAI_API_KEY bw-upload --api-key-file "$T" "$T/in.jsonl"
exit_is 2 "--api-key-file of a directory: usage error"
err_like "^bw-upload: --api-key-file: $T: Is a directory$" "--api-key-file of a directory: said"
run bw-upload -H 'Authorization: Bearer sk-other' "$T/in.jsonl"
exit_is 2 "-H Authorization: refused"
err_like '^bw-upload: -H: the key never goes on the command line' "-H Authorization: said why"
# no core file while the key is in memory
fake_ctl '{"faults":[{"path":"^/v1/batches/","kind":"slow","seconds":3}]}'
bw-poll --once --retries 0 batch_nonesuch >/dev/null 2>&1 &
pid=$!
sleep 0.5
ok 'grep -q "^Max core file size *0 *0" /proc/$pid/limits' "no core file while a key is in memory"
kill $pid 2>/dev/null; wait $pid 2>/dev/null
run env -u OPENAI_API_KEY bw-upload --api-key-file "$T/key" "$T/in.jsonl"
exit_is 0 "--api-key-file: exit 0"
ok 'fake_log | python3 -c "import json,sys; e=json.load(sys.stdin)[-1]; sys.exit(not e[\"auth\"])"' "--api-key-file: the key was sent"

# the server's word is checked
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"redirect","location":"http://127.0.0.1:9/steal"}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 76 "a redirect: not followed, exit 76"
err_like "302: a redirect \(not followed\)" "a redirect: said"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"bad_id","value":"../../etc/passwd"}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 76 "an invalid file id from the server: exit 76"
out_empty "an invalid file id: nothing on stdout"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"bad_id","value":"file-abc\u0000def"}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 76 "a file id with a NUL in it: exit 76"
err_like 'the server sent an invalid file id "file-abc\\u0000def"' "a file id with a NUL in it: said, whole"
fake_ctl '{"faults":[{"path":"^/v1/files$","kind":"garbage"}]}'
run bw-upload $R "$T/in.jsonl"
exit_is 76 "a reply that is not JSON: exit 76"

# the key never shows
run bw-upload -v -H 'X-Trace: 1' $R "$T/in.jsonl"
err_like "^bw-upload: POST /v1/files 200 [0-9.]+s req_[0-9a-f]+$" "-v: one line per request"
ok 'fake_log | python3 -c "import json,sys; e=json.load(sys.stdin)[-1]; sys.exit(e[\"headers\"].get(\"x-trace\")!=\"1\")"' "-H: the header is sent"
ok '! grep -rq "sk-test-0123456789-secret" "$T/out" "$T/err"' "the key is not in stdout or stderr"

# --reuse: a file of the same name, hash of the content and size is the one
h=$(sha256sum <"$T/in.jsonl" | cut -c1-16)
cp "$T/in.jsonl" "$T/run-4242.jsonl"
run bw-upload --reuse $R "$T/run-4242.jsonl"
exit_is 0 "--reuse, first: uploaded"
cp "$T/out" "$T/first"
fake_log_clear
run bw-upload --reuse $R "$T/run-4242.jsonl"
exit_is 0 "--reuse, again: exit 0"
out_file_is "$T/first" "--reuse, again: the same record"
err_like "run-4242.jsonl: on the server already as file-[A-Za-z0-9]+ \\(run-4242-$h\\.jsonl\\): not uploading it again" "--reuse, again: said"
ok '! fake_log | grep -q "\"method\": *\"POST\""' "--reuse, again: nothing uploaded"
cp "$T/in.jsonl" "$T/run-4243.jsonl"
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/files$","kind":"after"}]}'
run bw-upload --reuse $R "$T/run-4243.jsonl"
exit_is 0 "--reuse, the reply lost after the upload: exit 0"
ok '[ "$(curl -sf -H "Authorization: Bearer x" "$OPENAI_BASE_URL/files?purpose=batch" | grep -o "run-4243-$h.jsonl" | wc -l)" -eq 1 ]' \
	"--reuse, the reply lost: one file on the server"

# --reuse: another content of the same size and name is uploaded; the
# same content from stdin twice is uploaded once
mkdir "$T/a" "$T/b"
cp "$T/in.jsonl" "$T/a/same.jsonl"
sed 's/France/Frankr/' "$T/in.jsonl" >"$T/b/same.jsonl"
ok '[ "$(wc -c <"$T/a/same.jsonl")" -eq "$(wc -c <"$T/b/same.jsonl")" ] && ! cmp -s "$T/a/same.jsonl" "$T/b/same.jsonl"' \
	"two contents of one name and size"
run bw-upload --reuse $R "$T/a/same.jsonl"
exit_is 0 "--reuse, a first content: exit 0"
ok '[ "$(jget "$T/out" filename)" = "same-$h.jsonl" ]' "--reuse: the name is the user's and the hash"
ida=$(jget "$T/out" id)
fake_log_clear
run bw-upload --reuse $R "$T/b/same.jsonl"
exit_is 0 "--reuse, another content of the same name and size: exit 0"
ok '[ "$(jget "$T/out" id)" != "$ida" ] && fake_log | grep -q "\"method\": *\"POST\""' \
	"--reuse, another content of the same name and size: uploaded, not reused"
sed 's/France/Spainx/' "$T/in.jsonl" >"$T/c.jsonl"
run sh -c 'cat "$1" | bw-upload --reuse $2' sh "$T/c.jsonl" "$R"
exit_is 0 "--reuse from a pipe, first: exit 0"
idc=$(jget "$T/out" id)
fake_log_clear
run sh -c 'cat "$1" | bw-upload --reuse $2' sh "$T/c.jsonl" "$R"
exit_is 0 "--reuse from a pipe, again: exit 0"
ok '[ "$(jget "$T/out" id)" = "$idc" ] && ! fake_log | grep -q "\"method\": *\"POST\""' \
	"--reuse from a pipe, the same content again: not uploaded again"
err_like "stdin: on the server already as file-[A-Za-z0-9]+ \(batch-[0-9a-f]{16}\.jsonl\)" "--reuse from a pipe, again: said"
run sh -c 'cat "$1" | bw-upload --reuse $2' sh "$T/b/same.jsonl" "$R"
ok '[ "$(jget "$T/out" id)" != "$idc" ]' "--reuse from a pipe, another content of the same size: uploaded"

# --expires-after: expires_after[anchor]=created_at and [seconds] in the
# form; the bounds (1 hour .. 30 days) checked before anything is sent
for e in 3600:3600 2h:7200 90m:5400 30d:2592000 2592000s:2592000; do
	run bw-upload --expires-after "${e%%:*}" $R "$T/in.jsonl"
	exit_is 0 "--expires-after ${e%%:*}: exit 0"
	ok '[ $(($(jget "$T/out" expires_at) - $(jget "$T/out" created_at))) -eq ${e#*:} ]' \
		"--expires-after ${e%%:*}: the server's File expires ${e#*:} s after its creation"
done
run bw-upload $R "$T/in.jsonl"
ok '[ "$(jget "$T/out" expires_at)" = None ]' "without --expires-after: none sent (the server's default)"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
for e in 3599 59m 2592001 31d 0 -3600 1.5h 1w '' 18446744073709551617; do
	run bw-upload --expires-after "$e" $R "$T/in.jsonl"
	exit_is 2 "--expires-after '$e': usage error"
	err_like "^bw-upload: --expires-after: \".*\" is not from 3600 to 2592000 seconds \(1h to 30d\)$" \
		"--expires-after '$e': the option and the bounds named"
done
ok '[ "$(curl -sf "$FAKE/__stats" | jq "[.requests[]] | add")" -eq 0 ]' "--expires-after out of bounds: nothing sent"
# the fake server checks the form as the API does
form() {	# curl -F arguments...: the error's code and the HTTP status
	st=$(curl -s -o "$T/form" -w '%{http_code}' -H "Authorization: Bearer x" \
		-F purpose=batch -F "file=@$T/in.jsonl" "$@" "$OPENAI_BASE_URL/files")
	echo "$(jq -r .error.code "$T/form") $st"
}
ok '[ "$(form -F "expires_after[anchor]=created_at" -F "expires_after[seconds]=60")" = "integer_below_min_value 400" ]' \
	"the fake server: seconds under an hour refused, 400"
ok '[ "$(form -F "expires_after[anchor]=created_at" -F "expires_after[seconds]=2592001")" = "integer_above_max_value 400" ]' \
	"the fake server: seconds over 30 days refused, 400"
ok '[ "$(form -F "expires_after[anchor]=last_active_at" -F "expires_after[seconds]=3600")" = "invalid_value 400" ]' \
	"the fake server: another anchor refused, 400"
ok '[ "$(form -F "expires_after[seconds]=3600")" = "missing_required_parameter 400" ]' \
	"the fake server: seconds without an anchor refused, 400"

# usage
run bw-upload --help
exit_is 0 "--help: exit 0"
ok 'grep -q -- "--api-key-file" "$T/out"' "--help lists --api-key-file"
run bw-upload --version
out_is "bw-upload 0.1.0" "--version"
run bw-upload --retries lots "$T/in.jsonl"
exit_is 2 "a bad --retries: usage error"

done_testing
