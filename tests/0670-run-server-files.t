#!/bin/sh
# bw-run and the run's files on the server: --expires-after on each
# upload, --output-expires-after on each batch, and --delete-files: once
# the results are joined, every input, output and error file of the
# run deleted, once.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
stats() { curl -sf "$FAKE/__stats"; }
file_status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/files/$1"; }

# 4 requests, one of which fails once (an error file, and a second attempt)
printf '%s\n' '{"customId":"a","prompt":"x"}' '{"customId":"b-retry500","prompt":"y"}' \
	'{"customId":"c","prompt":"z"}' '{"customId":"d","prompt":"w"}' >"$T/in.jsonl"
fake_log_clear
run bw-run -d "$T/w" -m gpt-4o-mini -i 0.01 -q --expires-after 2h \
	--output-expires-after 1d --delete-files "$T/in.jsonl"
exit_is 0 "a run with expiries and --delete-files: exit 0"
ok '[ "$(jq -r .status "$T/w/results.jsonl" | sort -u)" = succeeded ] && [ "$(jq -r .attempts "$T/w/results.jsonl" | tr "\n" " ")" = "1 2 1 1 " ]' \
	"the results: all succeeded, one in its second attempt"
ok '[ "$(jq -c "[.expiresAfter, .outputExpiresAfter, .deleteFiles]" "$T/w/settings.json")" = "[7200,86400,true]" ]' \
	"settings.json keeps the three"
ok '[ "$(jq ".expires_at - .created_at" "$T/w/s0001/a1.file.json")" = 7200 ] && [ "$(jq ".expires_at - .created_at" "$T/w/s0001/a2.file.json")" = 7200 ]' \
	"--expires-after: each upload expires 2 hours after it was made"
ok '[ "$(fake_log | jq -c "[.[] | select(.method == \"POST\" and .path == \"/v1/batches\") | .json.output_expires_after]")" = "[{\"anchor\":\"created_at\",\"seconds\":86400},{\"anchor\":\"created_at\",\"seconds\":86400}]" ]' \
	"--output-expires-after: each batch asked for it"
ids=$(for f in "$T"/w/s0001/a*.file.json; do jq -r .id "$f"; done
	for f in "$T"/w/s0001/a*.done.json; do jq -r '.output_file_id // empty, .error_file_id // empty' "$f"; done)
ok '[ "$(echo "$ids" | wc -l)" = 5 ]' "the run's files: 2 inputs, 2 outputs, 1 error file"
gone=0
for id in $ids; do [ "$(file_status "$id")" = 404 ] && gone=$((gone + 1)); done
ok '[ $gone = 5 ]' "--delete-files: every one of them deleted ($gone of 5)"
ok '[ "$(jq -c . "$T/w/deleted.json")" = "{\"deleted\":5}" ]' "deleted.json counts them"
ok '[ "$(stats | jq ".requests[\"DELETE /v1/files/{id}\"]")" = 5 ]' "one DELETE each"
run bw-run -d "$T/w" -i 0.01 -q
exit_is 0 "the run again: exit 0"
ok '[ "$(stats | jq ".requests[\"DELETE /v1/files/{id}\"]")" = 5 ]' "the run again: nothing deleted again"

# --- the expiries' bounds, before anything is kept
run bw-run -d "$T/w2" -m gpt-4o-mini --expires-after 59m "$T/in.jsonl"
exit_is 2 "--expires-after 59m: exit 2"
err_like "^bw-run: --expires-after: \"59m\" is not from 3600 to 2592000 seconds" "--expires-after 59m: said"
run bw-run -d "$T/w2" -m gpt-4o-mini --output-expires-after 31d "$T/in.jsonl"
exit_is 2 "--output-expires-after 31d: exit 2"
ok '[ ! -e "$T/w2" ]' "nothing kept"
run bw-run -d "$T/w" --expires-after 3h
exit_is 2 "another --expires-after for the run: exit 2"
err_like "holds a run with --expires-after 7200, not 10800" "another --expires-after for the run: said"

done_testing
