#!/bin/sh
# Images, image edits and moderations end to end: bw-jsonl through
# bw-upload, bw-create, bw-poll, bw-download and bw-parse, and bw-run
# -e images, -e image-edits and -e moderations, against the fake
# server's replies (images as base64, dall-e-3's revised prompt,
# gpt-image's output_format and usage; moderations' results).
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
# the fake server's white pixels, in PNG, WebP and JPEG
PNG=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==
WEBP=UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAfQ//73v/+BiOh/AAA=
JPEG=/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/wAALCAABAAEBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APQK/9k=
printf '%s\n' '{"customId":"a","prompt":"a red fox"}' \
	'{"customId":"b","prompt":"two cats","n":2,"providerOptions":{"openai":{"outputFormat":"webp"}}}' \
	>"$T/in"

# --- the pipeline, gpt-image-1
bw-jsonl -m gpt-image-1 -e images "$T/in" >"$T/lines"
run bw-upload "$T/lines"
exit_is 0 "bw-upload: exit 0"
cp "$T/out" "$T/file"
ok '[ "$(jq -c "[.endpoint, .request_count]" "$T/file")" = "[\"/v1/images/generations\",2]" ]' \
	"bw-upload: the File object names /v1/images/generations and 2 requests"
run bw-create <"$T/file"
exit_is 0 "bw-create: exit 0"
ok '[ "$(jq -r .endpoint "$T/out")" = /v1/images/generations ]' \
	"bw-create: a batch for /v1/images/generations"
cp "$T/out" "$T/batch"
run sh -c 'bw-poll -i 0.01 <"$1" | bw-download' sh "$T/batch"
exit_is 0 "bw-poll | bw-download: exit 0"
cp "$T/out" "$T/dl"
ok '[ "$(jq -c "[.custom_id, (.response.body.data | length), .response.body.output_format, .response.body.usage.output_tokens]" "$T/dl" | tr "\n" " ")" = "[\"a\",1,\"png\",272] [\"b\",2,\"webp\",544] " ]' \
	"the replies: the images asked for, the format, usage"
run bw-parse "$T/dl"
exit_is 0 "bw-parse: exit 0"
out_is '{"customId":"a","status":"succeeded","images":[{"data":"'$PNG'","mediaType":"image/png"}],"usage":{"inputTokens":50,"outputTokens":272,"totalTokens":322}}
{"customId":"b","status":"succeeded","images":[{"data":"'$WEBP'","mediaType":"image/webp"},{"data":"'$WEBP'","mediaType":"image/webp"}],"usage":{"inputTokens":50,"outputTokens":544,"totalTokens":594}}' \
	"bw-parse: the images and their media types, the usage"

# --- bw-create -e with a file id
fid=$(jq -r .id "$T/file")
run bw-create -f -e images "$fid"
exit_is 0 "bw-create -e images FILE-ID: exit 0"
ok '[ "$(jq -r .endpoint "$T/out")" = /v1/images/generations ]' \
	"bw-create -e images FILE-ID: a batch for /v1/images/generations"
run bw-create -f -e moderations "$fid"
exit_is 65 "bw-create -e moderations on an images file: exit 65"
err_like 'does not match the url /v1/images/generations' \
	"bw-create -e moderations on an images file: the server's reason"

# --- bw-run -e images, dall-e-3 (b64_json asked, the prompt revised)
printf '%s\n' '{"customId":"d","prompt":"a lighthouse","size":"1024x1792"}' >"$T/in3"
run bw-run -d "$T/w" -m dall-e-3 -e images -i 0.01 "$T/in3"
exit_is 0 "bw-run -e images: exit 0"
out_is '{"customId":"d","status":"succeeded","images":[{"data":"'$PNG'","mediaType":"image/png"}],"attempts":1}' \
	"bw-run -e images: the result line"
ok '[ "$(jq -r .endpoint "$T/w/settings.json")" = images ]' \
	"bw-run -e images: settings.json keeps the endpoint"
ok '[ "$(jq -c ".body" "$T/w/s0001/a1.jsonl")" = "{\"model\":\"dall-e-3\",\"prompt\":\"a lighthouse\",\"n\":1,\"size\":\"1024x1792\",\"response_format\":\"b64_json\"}" ] &&
    [ "$(jq -r ".response.body.data[0].revised_prompt" "$T/w/s0001/a1.output.jsonl")" = "A detailed picture of a lighthouse" ]' \
	"bw-run -e images: the SDK's body sent, dall-e-3's revised prompt downloaded"
cp "$T/out" "$T/run1"
run bw-run -d "$T/w" -i 0.01
exit_is 0 "bw-run again in the run: exit 0"
out_file_is "$T/run1" "bw-run again in the run: the same result (the endpoint read back)"

# --- bw-run -e image-edits
printf '%s\n' '{"customId":"e","prompt":"add a hat","images":[{"fileId":"file-abc"}],"providerOptions":{"openai":{"output_format":"jpeg"}}}' >"$T/ine"
run bw-run -d "$T/we" -m gpt-image-1 -e image-edits -i 0.01 "$T/ine"
exit_is 0 "bw-run -e image-edits: exit 0"
out_is '{"customId":"e","status":"succeeded","images":[{"data":"'$JPEG'","mediaType":"image/jpeg"}],"usage":{"inputTokens":50,"outputTokens":272,"totalTokens":322},"attempts":1}' \
	"bw-run -e image-edits: the result line"
ok '[ "$(jq -r "[.url, (.body | keys_unsorted | join(\",\"))] | @tsv" "$T/we/s0001/a1.jsonl")" = "$(printf "/v1/images/edits\timages,model,prompt,output_format")" ]' \
	"bw-run -e image-edits: Batchwork's body to /v1/images/edits"

# --- bw-run -e moderations
printf '%s\n' '{"customId":"m1","value":"hello there"}' \
	'{"customId":"m2","value":"I will attack","imageUrls":["https://example.com/a.png"]}' >"$T/inm"
run bw-run -d "$T/wm" -m omni-moderation-latest -e moderations -i 0.01 "$T/inm"
exit_is 0 "bw-run -e moderations: exit 0"
cats=harassment,harassment/threatening,hate,hate/threatening,illicit,illicit/violent,self-harm,self-harm/intent,self-harm/instructions,sexual,sexual/minors,violence,violence/graphic
mod() {	# FLAGGED: the moderation of a result, violence true when flagged
	c= s=
	for k in $(echo $cats | tr , ' '); do
		v=false x=0.0001
		[ $k = violence ] && [ $1 = true ] && v=true x=0.91
		c="$c${c:+,}\"$k\":$v" s="$s${s:+,}\"$k\":$x"
	done
	printf '"moderation":{"flagged":%s,"categories":{%s},"categoryScores":{%s}}' $1 "$c" "$s"
}
out_is '{"customId":"m1","status":"succeeded",'"$(mod false)"',"attempts":1}
{"customId":"m2","status":"succeeded",'"$(mod true)"',"attempts":1}' \
	"bw-run -e moderations: the result lines, flagged or not"
ok '[ "$(jq -c .body.input "$T/wm/s0001/a1.jsonl" | tr "\n" " ")" = "\"hello there\" [{\"type\":\"text\",\"text\":\"I will attack\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}] " ]' \
	"bw-run -e moderations: the inputs sent"
run bw-run -d "$T/wm2" -m omni-moderation-latest -e moderations -D '{"value":"x"}' "$T/inm"
exit_is 2 "bw-run -e moderations -D: exit 2"
err_like '^bw-run: -D: the moderations endpoint takes no defaults$' "bw-run -e moderations -D: said"
ok '[ ! -e "$T/wm2" ]' "bw-run -e moderations -D: nothing kept"
run bw-run -d "$T/wi2" -m gpt-image-1 -e images -D '{"size":"1024x1024"}' "$T/in"
exit_is 0 "bw-run -e images -D: exit 0"
ok '[ "$(jq -r .body.size "$T/wi2/s0001/a1.jsonl" | sort -u)" = 1024x1024 ]' \
	"bw-run -e images -D: the defaults in every body"

# --- images as URLs (dall-e's default, asked for here in a raw line):
# the fake server gives them, bw-parse does not read them
printf '%s\n' '{"custom_id":"u","body":{"prompt":"x","response_format":"url"}}' >"$T/inu"
run bw-run -d "$T/wu" -m dall-e-2 -e images -i 0.01 "$T/inu"
exit_is 76 "bw-run, images as URLs: exit 76"
err_like "'s file file-[A-Za-z0-9]+: line 1: response\.body[^ ]* is " \
	"bw-run, images as URLs: said, naming the line (bw-parse's reason)"
run sh -c 'bw-download <"$1" | jq -r ".response.body.data[0].url"' sh "$T/wu/s0001/a1.done.json"
ok 'grep -Eqx "https://images\\.invalid/u/[0-9a-f]+\\.png" "$T/out"' \
	"bw-run, images as URLs: the reply holds a URL (the batch's output, downloaded)"

done_testing
