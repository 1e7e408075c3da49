#!/bin/sh
# Embeddings end to end: bw-jsonl -e embeddings through bw-upload,
# bw-create, bw-poll and bw-download, and bw-run -e embeddings, against
# the fake server's embeddings replies (a vector a input, of the model's
# or the body's dimensions, and usage); 50,000 inputs a batch.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
printf '%s\n' '{"customId":"a","value":"hello"}' \
	'{"customId":"b","value":"world","providerOptions":{"openai":{"dimensions":4}}}' \
	'{"customId":"c","value":"and more","providerOptions":{"openai":{"dimensions":256,"user":"u1"}}}' \
	>"$T/in"

# --- the pipeline
bw-jsonl -m text-embedding-3-small -e embeddings "$T/in" >"$T/lines"
run bw-upload "$T/lines"
exit_is 0 "bw-upload: exit 0"
cp "$T/out" "$T/file"
ok '[ "$(jq -c "[.endpoint, .request_count]" "$T/file")" = "[\"/v1/embeddings\",3]" ]' \
	"bw-upload: the File object names /v1/embeddings and 3 requests"
run bw-create <"$T/file"
exit_is 0 "bw-create: exit 0"
ok '[ "$(jq -r .endpoint "$T/out")" = /v1/embeddings ]' \
	"bw-create: a batch for /v1/embeddings"
cp "$T/out" "$T/batch"
run sh -c 'bw-poll -i 0.01 <"$1" | bw-download' sh "$T/batch"
exit_is 0 "bw-poll | bw-download: exit 0"
cp "$T/out" "$T/dl"
ok '[ "$(jq -r .custom_id "$T/dl" | tr "\n" " ")" = "a b c " ]' \
	"bw-download: a line a request"
ok '[ "$(jq -c "[.response.status_code, .response.body.object, .response.body.model, (.response.body.data | length), .response.body.data[0].object, .response.body.data[0].index, (.response.body.data[0].embedding | length)]" "$T/dl" | tr "\n" " ")" = "[200,\"list\",\"text-embedding-3-small\",1,\"embedding\",0,1536] [200,\"list\",\"text-embedding-3-small\",1,\"embedding\",0,4] [200,\"list\",\"text-embedding-3-small\",1,\"embedding\",0,256] " ]' \
	"the replies: an embedding of the model's dimensions, or of those asked"
ok 'jq -se "length == 3 and all(.[]; [.response.body.data[0].embedding[] | . * .] | add | . > 0.999999 and . < 1.000001)" "$T/dl" >/dev/null' \
	"the replies: unit vectors"
ok '[ "$(jq -c ".response.body.usage | [.prompt_tokens == .total_tokens, .prompt_tokens > 0]" "$T/dl" | sort -u)" = "[true,true]" ]' \
	"the replies: usage with prompt_tokens"

# --- bw-create -e with a file id
fid=$(jq -r .id "$T/file")
run bw-create -f -e embeddings "$fid"
exit_is 0 "bw-create -e embeddings FILE-ID: exit 0"
ok '[ "$(jq -r .endpoint "$T/out")" = /v1/embeddings ]' \
	"bw-create -e embeddings FILE-ID: a batch for /v1/embeddings"
run bw-create -f -e chat "$fid"
exit_is 65 "bw-create -e chat on an embeddings file: exit 65"
err_like 'does not match the url /v1/embeddings' \
	"bw-create -e chat on an embeddings file: the server's reason"
run bw-create -f -e embeddings <"$T/file"
exit_is 0 "bw-create -e embeddings on its File object: exit 0"
run bw-create -e audio "$fid"
exit_is 2 "bw-create -e audio: exit 2"
err_like '^bw-create: -e: not chat, responses, completions, embeddings, images, image-edits or moderations: "audio"$' \
	"bw-create -e audio: said"

# --- the server's limit of 50,000 inputs a batch, across its requests
python3 -c '
import json
for cid, n in (("x", 25000), ("y", 25001)):
    print(json.dumps({"custom_id": cid, "method": "POST", "url": "/v1/embeddings",
                      "body": {"model": "text-embedding-3-small", "input": ["a"] * n}},
                     separators=(",", ":")))' >"$T/raw"
run bw-upload "$T/raw"
exit_is 65 "50,001 inputs in 2 requests: bw-upload exits 65"
err_like 'line 2: more than 50000 embedding inputs in one batch' \
	"50,001 inputs in 2 requests: the server says so"

# --- bw-run
run bw-run -d "$T/w" -m text-embedding-3-small -e embeddings -i 0.01 "$T/in"
exit_is 0 "bw-run -e embeddings: exit 0"
ok '[ "$(jq -r "[.customId, .status] | @tsv" "$T/out" | tr "\n" " ")" = "$(printf "a\tsucceeded b\tsucceeded c\tsucceeded ")" ]' \
	"bw-run -e embeddings: every request succeeded, in input order"
ok '[ "$(jq -r .endpoint "$T/w/settings.json")" = embeddings ]' \
	"bw-run -e embeddings: settings.json keeps the endpoint"
ok 'jq -e "select(.url == \"/v1/embeddings\" and .body.encoding_format == \"float\")" "$T/w/s0001/a1.jsonl" >/dev/null &&
    [ "$(jq -r ".response.body.data[0].embedding | length" "$T/w/s0001/a1.output.jsonl" | tr "\n" " ")" = "1536 4 256 " ]' \
	"bw-run -e embeddings: embeddings lines sent, vectors downloaded"
ok '[ "$(jq -r .endpoint "$T/w/s0001/a1.batch.json")" = /v1/embeddings ]' \
	"bw-run -e embeddings: its batch for /v1/embeddings"
cp "$T/out" "$T/run1"
run bw-run -d "$T/w" -i 0.01
exit_is 0 "bw-run again in the run: exit 0"
out_file_is "$T/run1" "bw-run again in the run: the same results (the endpoint read back)"
run bw-run -d "$T/w2" -m text-embedding-3-small -e embeddings -D '{"value":"x"}' "$T/in"
exit_is 2 "bw-run -e embeddings -D: exit 2"
err_like '^bw-run: -D: the embeddings endpoint takes no defaults$' "bw-run -e embeddings -D: said"
ok '[ ! -e "$T/w2" ]' "bw-run -e embeddings -D: nothing kept"

# --- bw-run shards at 50,000 inputs
awk 'BEGIN { for (i = 1; i <= 50001; i++) printf "{\"value\":\"v%d\"}\n", i }' >"$T/big"
run bw-run -d "$T/w3" --dry-run -m text-embedding-3-small -e embeddings "$T/big"
exit_is 0 "bw-run --dry-run, 50,001 inputs: exit 0"
ok '[ "$(jq -c "[.shard, .requests]" "$T/out" | tr "\n" " ")" = "[1,50000] [2,1] " ]' \
	"bw-run --dry-run, 50,001 inputs: a shard of 50,000 and one of 1"

done_testing
