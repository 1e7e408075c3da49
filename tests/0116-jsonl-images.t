#!/bin/sh
# bw-jsonl -e images: bodies equal to what the AI SDK's generateImage()
# sent for tests/sdk/images-requests.jsonl (tests/sdk/README), byte for
# byte, for gpt-image-1, dall-e-3 and dall-e-2; the requests refused,
# with their messages; -d.  -e image-edits and -e moderations: the
# bodies Batchwork writes by hand (written out here from its rules),
# and their checks.
. tests/lib.sh

G=/v1/images/generations
for m in gpt-image-1 dall-e-3 dall-e-2; do
	fx=tests/sdk/$m.images.jsonl
	# the requests of the fixture's ids, in its order, and the lines
	# its bodies make (method and url after the custom id)
	sdk_requests "$fx" tests/sdk/images-requests.jsonl >"$T/in"
	sed 's|^\({"custom_id":"[^"]*",\)|\1"method":"POST","url":"'$G'",|' \
		"$fx" >"$T/want"
	n=$(wc -l <"$fx")
	ok '[ "$(wc -l <"$T/in")" -eq '$n' ] && [ '$n' -ge 30 ]' \
		"$m: every body's request ($n) is in images-requests.jsonl"
	run bw-jsonl -m "$m" -e images "$T/in"
	exit_is 0 "$m: exits 0"
	out_file_is "$T/want" "$m: the lines equal the SDK's bodies byte for byte"
	ok '[ "$(grep -c warning: "$T/err")" -eq 3 ]' \
		"$m: three warnings, one for each field dropped"
	err_like '^bw-jsonl: warning: aspectRatio: not supported by OpenAI'"'"'s image models \(give size\); dropped$' \
		"$m: aspectRatio is dropped, said once"
	err_like '^bw-jsonl: warning: seed: not supported by OpenAI'"'"'s image models; dropped$' \
		"$m: seed is dropped, said once"
	err_like '^bw-jsonl: warning: providerOptions\.openai\.responseFormat: not used by the images endpoint; dropped$' \
		"$m: an unknown option is dropped, said once"

	# the requests the SDK refuses, one at a time
	sdk_refused "$m" images tests/sdk/images-requests.jsonl \
	    '(prompt|n|providerOptions\.openai(\.[a-zA-Z]+)?): '
	ok '[ $n -eq 17 ] && [ $n -eq "$(wc -l <tests/sdk/'$m'.images.refused)" ]' \
		"$m: the $n requests the SDK refuses exit 65 naming line and field"
done

# what bw-jsonl refuses on purpose (or the SDK does), each with its message
refused() {	# MODEL ID MESSAGE
	grep -E "^\{\"customId\":\"$2\"[,}]" tests/sdk/images-requests.jsonl >"$T/r"
	printf '{"customId":"fine","prompt":"x"}\n' | cat - "$T/r" >"$T/r2"
	run bw-jsonl -m "$1" -e images "$T/r2"
	exit_is 65 "$1 $2: exits 65"
	out_empty "$1 $2: nothing written"
	err_like "^bw-jsonl: $T/r2: line 2: $3\$" "$1 $2: says why"
}
many='more than %s makes in one request \(%d\); the AI SDK would split it over several, a batch line is one'
refused gpt-image-1 n-11 "n: 11, $(printf "$many" gpt-image-1 10)"
refused dall-e-2 n-11 "n: 11, $(printf "$many" dall-e-2 10)"
refused dall-e-3 n-2 "n: 2, $(printf "$many" dall-e-3 1)"
refused gpt-image-1 prompt-empty 'prompt: empty'
refused gpt-image-1 no-prompt 'prompt: missing \(what the image is to show\)'
refused gpt-image-1 prompt-object 'prompt: an object, not a string'
refused gpt-image-1 n-fraction 'n: must be an integer of at least 1'
refused gpt-image-1 n-string 'n: must be an integer of at least 1'
refused gpt-image-1 size-number 'size: a number, not a string'
refused gpt-image-1 unknown-field 'unknown field "quality" \(an image request has customId, prompt, n, size, aspectRatio, seed and providerOptions\)'
refused gpt-image-1 options-string 'providerOptions: a string, not an object'
refused gpt-image-1 quality-bad 'providerOptions\.openai\.quality: not one of standard, hd, low, medium, high, xhigh, max, auto'
refused gpt-image-1 compression-101 'providerOptions\.openai\.outputCompression: must be an integer from 0 to 100'
refused gpt-image-1 safety-129 'providerOptions\.openai\.safetyIdentifier: longer than 128 characters'

# an unknown image model is the SDK's fallback: 1 image a request, b64_json
printf '%s\n' '{"prompt":"x"}' >"$T/r"
run bw-jsonl -m openai/my-image-model -e /v1/images/generations "$T/r"
exit_is 0 "an unknown model, the URL form: exits 0"
out_is '{"custom_id":"request-0","method":"POST","url":"/v1/images/generations","body":{"model":"my-image-model","prompt":"x","n":1,"response_format":"b64_json"}}' \
	"an unknown model: n 1 and response_format b64_json"
printf '%s\n' '{"prompt":"x","n":2}' >"$T/r"
run bw-jsonl -m my-image-model -e images "$T/r"
exit_is 65 "an unknown model, n 2: exits 65"
err_like "^bw-jsonl: $T/r: line 1: n: 2, $(printf "$many" my-image-model 1)\$" \
	"an unknown model, n 2: one image a request"

# defaults (-d) for images: merged under each request, checked first
printf '%s\n' '{"prompt":"a"}' '{"prompt":"b","size":"1024x1536"}' >"$T/r"
run bw-jsonl -m gpt-image-1 -e images -d '{"size":"1024x1024","n":2,"providerOptions":{"openai":{"quality":"low"}}}' "$T/r"
exit_is 0 "-d with images: exits 0"
out_is '{"custom_id":"request-0","method":"POST","url":"/v1/images/generations","body":{"model":"gpt-image-1","prompt":"a","n":2,"size":"1024x1024","quality":"low"}}
{"custom_id":"request-1","method":"POST","url":"/v1/images/generations","body":{"model":"gpt-image-1","prompt":"b","n":2,"size":"1024x1536","quality":"low"}}' \
	"-d with images: the defaults under each request"
run bw-jsonl -m gpt-image-1 -e images -d '{"maxOutputTokens":5}' "$T/r"
exit_is 2 "-d with a text field for images: a usage error"
err_like '^bw-jsonl: -d: unknown field "maxOutputTokens" \(an image request has ' \
	"-d with a text field for images: names it"
run bw-jsonl -m gpt-image-1 -e images -d '{"n":0}' "$T/r"
exit_is 2 "-d with a bad n: a usage error"
err_like '^bw-jsonl: -d: n: must be an integer of at least 1$' "-d with a bad n: says so"

# raw batch lines pass through with the batch's model
printf '%s\n' '{"custom_id":"raw","body":{"prompt":"raw","quality":"hd"}}' >"$T/r"
run bw-jsonl -m dall-e-3 -e images "$T/r"
exit_is 0 "a raw images line: exits 0"
out_is '{"custom_id":"raw","method":"POST","url":"/v1/images/generations","body":{"model":"dall-e-3","prompt":"raw","quality":"hd"}}' \
	"a raw images line: kept, the model added"

# -e image-edits: Batchwork's body, key order as it writes it
E=/v1/images/edits
cat >"$T/r" <<'EOF'
{"customId":"e1","prompt":"add a hat","images":[{"fileId":"file-abc"}]}
{"customId":"e2","prompt":"the two, together","images":[{"fileId":"file-abc"},{"imageUrl":"https://example.com/b.png"}],"mask":{"imageUrl":"data:image/png;base64,iVBORw0KGgo="},"n":2,"size":"1024x1024","providerOptions":{"openai":{"quality":"high","input_fidelity":"high","background":"transparent"}}}
{"customId":"e3","prompt":"nulls","images":[{"imageUrl":"https://example.com/c.png"}],"mask":null,"n":null,"size":null,"providerOptions":{"openai":null}}
EOF
run bw-jsonl -m gpt-image-1 -e image-edits "$T/r"
exit_is 0 "image-edits: exits 0"
out_is '{"custom_id":"e1","method":"POST","url":"'$E'","body":{"images":[{"file_id":"file-abc"}],"model":"gpt-image-1","prompt":"add a hat"}}
{"custom_id":"e2","method":"POST","url":"'$E'","body":{"images":[{"file_id":"file-abc"},{"image_url":"https://example.com/b.png"}],"model":"gpt-image-1","prompt":"the two, together","mask":{"image_url":"data:image/png;base64,iVBORw0KGgo="},"n":2,"size":"1024x1024","quality":"high","input_fidelity":"high","background":"transparent"}}
{"custom_id":"e3","method":"POST","url":"'$E'","body":{"images":[{"image_url":"https://example.com/c.png"}],"model":"gpt-image-1","prompt":"nulls"}}' \
	"image-edits: images, model, prompt, mask, n, size, then the options as given"
err_empty "image-edits: no warning"
run bw-jsonl -m gpt-image-1 -e /v1/images/edits -d '{"size":"1536x1024","providerOptions":{"openai":{"quality":"low"}}}' "$T/r"
exit_is 0 "image-edits with -d: exits 0"
ok 'sed -n 1p "$T/out" | grep -qxF "{\"custom_id\":\"e1\",\"method\":\"POST\",\"url\":\"$E\",\"body\":{\"images\":[{\"file_id\":\"file-abc\"}],\"model\":\"gpt-image-1\",\"prompt\":\"add a hat\",\"size\":\"1536x1024\",\"quality\":\"low\"}}"' \
	"image-edits with -d: the defaults under the request"

edit_refused() {	# REQUEST MESSAGE
	printf '%s\n' '{"prompt":"fine","images":[{"fileId":"file-abc"}]}' "$1" >"$T/r"
	run bw-jsonl -m gpt-image-1 -e image-edits "$T/r"
	exit_is 65 "image-edits $1: exits 65"
	out_empty "image-edits $1: nothing written"
	err_like "^bw-jsonl: $T/r: line 2: $2\$" "image-edits $1: says why"
}
edit_refused '{"prompt":"x"}' 'images: missing \(the images to edit\)'
edit_refused '{"prompt":"x","images":[]}' 'images: empty'
edit_refused '{"prompt":"x","images":"file-abc"}' 'images: a string, not an array'
edit_refused '{"prompt":"x","images":[{"fileId":"file-abc"},"file-def"]}' 'images\[1\]: not \{"fileId": id\} or \{"imageUrl": url\}'
edit_refused '{"prompt":"x","images":[{"fileId":"file-abc","imageUrl":"https://x"}]}' 'images\[0\]: not \{"fileId": id\} or \{"imageUrl": url\}'
edit_refused '{"prompt":"x","images":[{"file_id":"file-abc"}]}' 'images\[0\]: not \{"fileId": id\} or \{"imageUrl": url\}'
edit_refused '{"prompt":"x","images":[{"imageUrl":""}]}' 'images\[0\]\.imageUrl: empty, not a non-empty string'
edit_refused '{"prompt":"x","images":[{"fileId":7}]}' 'images\[0\]\.fileId: a number, not a non-empty string'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"mask":"file-m"}' 'mask: not \{"fileId": id\} or \{"imageUrl": url\}'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"mask":{"fileId":""}}' 'mask\.fileId: empty, not a non-empty string'
edit_refused '{"images":[{"fileId":"f"}]}' 'prompt: missing \(what the image is to show\)'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"n":11}' 'n: 11, more than the 10 images an edit makes'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"n":1.5}' 'n: must be an integer of at least 1'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"seed":1}' 'unknown field "seed" \(an image edit has customId, prompt, images, mask, n, size and providerOptions\)'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"providerOptions":{"openai":{"model":"dall-e-2"}}}' 'providerOptions\.openai\.model: the body'"'"'s own member, not an option'
edit_refused '{"prompt":"x","images":[{"fileId":"f"}],"providerOptions":{"openai":{"n":3}}}' 'providerOptions\.openai\.n: the body'"'"'s own member, not an option'

# -e moderations: Batchwork's body: the bare value, or the parts
M=/v1/moderations
cat >"$T/r" <<'EOF'
{"customId":"m1","value":"is this fine?"}
{"customId":"m2","value":"and this picture?","imageUrls":["https://example.com/a.png","data:image/png;base64,iVBORw0KGgo="]}
{"customId":"m3","imageUrls":["https://example.com/b.png"],"providerOptions":{"openai":{"extra":true}}}
{"customId":"m4","value":"no images","imageUrls":[]}
EOF
run bw-jsonl -m omni-moderation-latest -e moderations "$T/r"
exit_is 0 "moderations: exits 0"
out_is '{"custom_id":"m1","method":"POST","url":"'$M'","body":{"input":"is this fine?","model":"omni-moderation-latest"}}
{"custom_id":"m2","method":"POST","url":"'$M'","body":{"input":[{"type":"text","text":"and this picture?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}],"model":"omni-moderation-latest"}}
{"custom_id":"m3","method":"POST","url":"'$M'","body":{"input":[{"type":"image_url","image_url":{"url":"https://example.com/b.png"}}],"model":"omni-moderation-latest","extra":true}}
{"custom_id":"m4","method":"POST","url":"'$M'","body":{"input":"no images","model":"omni-moderation-latest"}}' \
	"moderations: input (the value alone, or text and image parts), model, the options"
err_empty "moderations: no warning"

mod_refused() {	# REQUEST MESSAGE
	printf '%s\n' '{"value":"fine"}' "$1" >"$T/r"
	run bw-jsonl -m omni-moderation-latest -e moderations "$T/r"
	exit_is 65 "moderations $1: exits 65"
	out_empty "moderations $1: nothing written"
	err_like "^bw-jsonl: $T/r: line 2: $2\$" "moderations $1: says why"
}
mod_refused '{"customId":"x"}' 'neither value nor imageUrls: nothing to moderate'
mod_refused '{"value":null,"imageUrls":[]}' 'neither value nor imageUrls: nothing to moderate'
mod_refused '{"value":""}' 'value: empty'
mod_refused '{"value":["a"]}' 'value: an array, not a string'
mod_refused '{"imageUrls":"https://x"}' 'imageUrls: a string, not an array'
mod_refused '{"imageUrls":["https://x",3]}' 'imageUrls\[1\]: a number, not a non-empty string'
mod_refused '{"value":"x","prompt":"y"}' 'unknown field "prompt" \(a moderation request has customId, value, imageUrls and providerOptions\)'
mod_refused '{"value":"x","providerOptions":{"openai":{"input":"other"}}}' 'providerOptions\.openai\.input: the body'"'"'s own member, not an option'
mod_refused '{"value":"x","providerOptions":{"openai":"y"}}' 'providerOptions\.openai: a string, not an object'

# no defaults for moderations (Batchwork takes none)
printf '{"value":"x"}\n' >"$T/r"
run bw-jsonl -m omni-moderation-latest -e moderations -d '{}' "$T/r"
exit_is 2 "-d with moderations: a usage error"
out_empty "-d with moderations: nothing written"
err_like '^bw-jsonl: -d: the moderations endpoint takes no defaults$' \
	"-d with moderations: says so"

done_testing
