#!/bin/sh
# The HTTP client the network stages share: TLS, headers from the
# environment, the progress line on a terminal.
. tests/lib.sh
R="--retry-wait 0.01"

# a private CA and a server certificate for 127.0.0.1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bw-test-ca \
	-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	-keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	-CAcreateserial -days 2 -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null
fake_start --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
OPENAI_BASE_URL=https://127.0.0.1:$(cat "$T/port")/v1
bw-jsonl -m gpt-4o-mini examples/requests.jsonl >"$T/in.jsonl"

run bw-upload $R "$T/in.jsonl"
exit_is 76 "TLS with an unknown CA: refused, exit 76"
err_like "POST /v1/files: .*(certificate|SSL)" "an unknown CA: said"
out_empty "an unknown CA: nothing printed"
run bw-upload --cacert "$T/ca.pem" $R "$T/in.jsonl"
exit_is 0 "--cacert: the private CA is trusted"
run env CURL_CA_BUNDLE="$T/ca.pem" bw-upload $R "$T/in.jsonl"
exit_is 0 "CURL_CA_BUNDLE: the private CA is trusted"

# organization and project
FAKE=https://127.0.0.1:$(cat "$T/port")
export CURL_CA_BUNDLE="$T/ca.pem"
run env OPENAI_ORG_ID=org-abc OPENAI_PROJECT_ID=proj_xyz bw-upload $R "$T/in.jsonl"
curl -sf --cacert "$T/ca.pem" "$FAKE/__log" >"$T/log"
ok 'python3 -c "import json,sys; h=json.load(open(sys.argv[1]))[-1][\"headers\"]; sys.exit(not (h.get(\"openai-organization\")==\"org-abc\" and h.get(\"openai-project\")==\"proj_xyz\" and h.get(\"authorization\")==\"<redacted>\"))" "$T/log"' \
	"OPENAI_ORG_ID and OPENAI_PROJECT_ID sent as OpenAI-Organization and OpenAI-Project"

# a base URL with a trailing slash, and one that is not http
run env OPENAI_BASE_URL="$OPENAI_BASE_URL/" bw-upload $R "$T/in.jsonl"
exit_is 0 "a base URL ending in / works"
run env OPENAI_BASE_URL=ftp://example.com/v1 bw-upload $R "$T/in.jsonl"
exit_is 2 "a base URL that is not http(s): usage error"
run env OPENAI_BASE_URL=http://127.0.0.1:9/v1 bw-upload --retries 1 $R "$T/in.jsonl"
exit_is 75 "nothing listening: exit 75 after the retries"
err_like "POST /v1/files: .*; retry 1 of 1" "nothing listening: the retry said"

run env OPENAI_BASE_URL="${FAKE%/}" bw-poll --once $R batch_abc
exit_is 65 "a base URL without /v1: 404, exit 65"
err_like "^bw-poll: GET /batches/batch_abc: 404.*\(OPENAI_BASE_URL has no /v1: the API's URLs begin with it\)$" \
	"a base URL without /v1: the likely cause said"

# what a server says reaches the terminal tamed (issue 12)
run env OPENAI_API_KEY=sk-echo-0123456789abcdef bw-poll --once $R batch_abc
exit_is 77 "a 401 that quotes the key: exit 77"
ok '! grep -q 0123456789abcdef "$T/err"' "a 401 that quotes the key: the key is not printed"
err_like 'Incorrect API key provided: \[API key\]\.' "a 401 that quotes the key: [API key] in its place"
curl -sf --cacert "$T/ca.pem" -X POST -H 'Content-Type: application/json' \
	-d '{"faults":[{"kind":"status","code":400,"message":"bad \u001b[31mred\u001b[0m \u0007","request_id":"req_\u001b]0;x\u0007"}]}' \
	"$FAKE/__control" >/dev/null
run bw-poll --once $R batch_abc
exit_is 65 "escapes in a message and a request id: exit 65"
ok '! grep -q "$(printf "\033")" "$T/err" && ! grep -q "$(printf "\007")" "$T/err"' \
	"escapes in a message and a request id: no control byte reaches stderr"
err_like 'bad \\u001b\[31mred\\u001b\[0m \\u0007 \(request req_\\u001b\]0;x\\u0007\)' \
	"escapes in a message and a request id: written as \\u00XX"

# the live progress line on a terminal
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"custom_id\":\"u%d\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"x\":\"%0900d\"}}\n", i, i }' >"$T/big.jsonl"
script -qec "bw-upload $R '$T/big.jsonl' >'$T/uploaded'" /dev/null >"$T/screen" 2>&1
ok 'grep -q "bw-upload: big.jsonl: [0-9.]* of [0-9.]* MB sent ([0-9]*%)" "$T/screen"' \
	"bw-upload on a terminal: the bytes sent, on one line drawn over"
ok 'grep -q "\"request_count\": *3000" "$T/uploaded"' "bw-upload on a terminal: the File object on stdout"
run bw-upload $R "$T/big.jsonl"
ok '! grep -q "MB sent" "$T/err"' "bw-upload not on a terminal: no progress line"
bw-upload $R "$T/in.jsonl" | bw-create $R >"$T/batch"
curl -sf --cacert "$T/ca.pem" -X POST -d '{"steps":3}' "$FAKE/__control" >/dev/null
script -qec "bw-poll -i 0.05 $R <'$T/batch' >'$T/polled'" /dev/null >"$T/screen" 2>&1
ok 'grep -q "$(printf "\r\033")\[Kbatch_[A-Za-z0-9]*: in_progress, 0/4 done, 0 failed, [0-9]*s" "$T/screen"' \
	"on a terminal: one live progress line, redrawn in place"
ok '! grep -q "^bw-poll: " "$T/screen"' "on a terminal: no plain lines"
ok 'grep -q "\"status\": *\"completed\"" "$T/polled"' "on a terminal: the Batch object on stdout"

done_testing
