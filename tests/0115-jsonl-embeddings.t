#!/bin/sh
# bw-jsonl -e embeddings: bodies equal to what the AI SDK's embed() sent
# for tests/sdk/embeddings-requests.jsonl (tests/sdk/README), byte for
# byte; the requests refused, with their messages; the 50,000 a batch.
. tests/lib.sh

for m in text-embedding-3-small text-embedding-3-large; do
	fx=tests/sdk/$m.embeddings.jsonl
	# the requests of the fixture's ids, in its order, and the lines
	# its bodies make (method and url after the custom id)
	sdk_requests "$fx" tests/sdk/embeddings-requests.jsonl >"$T/in"
	sed 's|^\({"custom_id":"[^"]*",\)|\1"method":"POST","url":"/v1/embeddings",|' \
		"$fx" >"$T/want"
	ok '[ "$(wc -l <"$T/in")" -eq 15 ] && [ "$(wc -l <"$fx")" -eq 15 ]' \
		"$m: every body's request is in embeddings-requests.jsonl"
	run bw-jsonl -m "$m" -e embeddings "$T/in"
	exit_is 0 "$m: exits 0"
	out_file_is "$T/want" "$m: the lines equal the SDK's bodies byte for byte"
	ok '[ "$(grep -c warning: "$T/err")" -eq 1 ]' \
		"$m: one warning, for the option dropped"
	err_like '^bw-jsonl: warning: providerOptions\.openai\.encodingFormat: not used by the embeddings endpoint; dropped$' \
		"$m: it names the option"

	# the requests the SDK refuses, one at a time
	sdk_refused "$m" embeddings tests/sdk/embeddings-requests.jsonl \
	    'providerOptions\.openai'
	ok '[ $n -eq 5 ] && [ $n -eq "$(wc -l <tests/sdk/'$m'.embeddings.refused)" ]' \
		"$m: the $n requests the SDK refuses exit 65 naming line and field"
done

# what bw-jsonl refuses on purpose, each with its message
refused() {	# ID MESSAGE
	grep -F "{\"customId\":\"$1\"" tests/sdk/embeddings-requests.jsonl >"$T/r"
	printf '{"customId":"fine","value":"x"}\n' | cat - "$T/r" >"$T/r2"
	run bw-jsonl -m text-embedding-3-small -e embeddings "$T/r2"
	exit_is 65 "$1: exits 65"
	out_empty "$1: nothing written"
	err_like "^bw-jsonl: $T/r2: line 2: $2\$" "$1: says why"
}
refused no-value 'value: missing \(the text to embed\)'
refused value-null 'value: null, not a string'
refused value-number 'value: a number, not a string'
refused value-array 'value: an array, not a string'
refused value-empty 'value: empty'
refused dims-fraction 'providerOptions\.openai\.dimensions: must be an integer of at least 1'
refused dims-zero 'providerOptions\.openai\.dimensions: must be an integer of at least 1'
refused dims-negative 'providerOptions\.openai\.dimensions: must be an integer of at least 1'
refused top-dimensions 'unknown field "dimensions" \(an embedding request has customId, value and providerOptions\)'
refused unknown-field 'unknown field "prompt" \(an embedding request has customId, value and providerOptions\)'
refused options-string 'providerOptions: a string, not an object'
refused dims-string 'providerOptions\.openai\.dimensions: a string, not a number'
refused dims-null 'providerOptions\.openai\.dimensions: null'
refused user-number 'providerOptions\.openai\.user: a number, not a string'
refused openai-array 'providerOptions\.openai: an array, not an object'

printf '{"customId":"","value":"x"}\n' >"$T/r"
run bw-jsonl -m text-embedding-3-small -e embeddings "$T/r"
exit_is 65 "an empty customId: exits 65"
err_like "^bw-jsonl: $T/r: line 1: customId: empty, not a non-empty string\$" \
	"an empty customId: says so"

# no defaults for embeddings (Batchwork takes none)
printf '{"value":"x"}\n' >"$T/r"
run bw-jsonl -m text-embedding-3-small -e embeddings -d '{}' "$T/r"
exit_is 2 "-d with embeddings: a usage error"
out_empty "-d with embeddings: nothing written"
err_like '^bw-jsonl: -d: the embeddings endpoint takes no defaults$' \
	"-d with embeddings: says so"

# the URL form, and raw batch lines pass through with the batch's model
printf '%s\n' '{"custom_id":"raw","body":{"input":"raw text","dimensions":8}}' \
	'{"customId":"sdk","value":"text"}' >"$T/r"
run bw-jsonl -m openai/text-embedding-3-small -e /v1/embeddings "$T/r"
exit_is 0 "raw lines and requests: exits 0"
out_is '{"custom_id":"raw","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"raw text","dimensions":8}}
{"custom_id":"sdk","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":["text"],"encoding_format":"float"}}' \
	"raw lines and requests: the raw body kept, the model added"
printf '%s\n' '{"custom_id":"raw","url":"/v1/chat/completions","body":{"input":"x"}}' >"$T/r"
run bw-jsonl -m text-embedding-3-small -e embeddings "$T/r"
exit_is 65 "a raw line for another endpoint: exits 65"
err_like '^bw-jsonl: .*: line 1: url: "/v1/chat/completions", but the endpoint is /v1/embeddings \(-e\)$' \
	"a raw line for another endpoint: says so"

# 50,000 inputs a batch: one input a request, so 50,001 requests are
# past the limit, and --split makes a shard of 50,000 and one of 1
awk 'BEGIN { for (i = 1; i <= 50001; i++) printf "{\"value\":\"v%d\"}\n", i }' >"$T/big"
run bw-jsonl -m text-embedding-3-small -e embeddings "$T/big"
exit_is 65 "50,001 inputs: exits 65"
out_empty "50,001 inputs: nothing written"
err_like "^bw-jsonl: $T/big: line 50001: past the limit of 50000 requests in a batch \(use --split, or --max-requests to change it\)\$" \
	"50,001 inputs: names the line and the limit"
run bw-jsonl -m text-embedding-3-small -e embeddings --split "$T/sh" "$T/big"
exit_is 0 "--split: exits 0"
out_is "$T/sh-0001.jsonl
$T/sh-0002.jsonl" "--split: two shards"
ok '[ "$(wc -l <"$T/sh-0001.jsonl")" -eq 50000 ] && [ "$(wc -l <"$T/sh-0002.jsonl")" -eq 1 ]' \
	"--split: 50,000 inputs, then 1"
ok 'grep -qx "{\"custom_id\":\"request-50000\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"text-embedding-3-small\",\"input\":\[\"v50001\"\],\"encoding_format\":\"float\"}}" "$T/sh-0002.jsonl"' \
	"--split: the last one in the second"

done_testing
