#!/bin/sh
# bw-rm: DELETE /v1/files/{id}, by file and by batch.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
gone() {	# the server answers GET /v1/files/ID with 404
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x" \
		"$OPENAI_BASE_URL/files/$1")" = 404 ]
}
there() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x" \
		"$OPENAI_BASE_URL/files/$1")" = 200 ]
}
deletes() {	# DELETE requests the server has received
	curl -sf "$FAKE/__stats" | jq '.requests["DELETE /v1/files/{id}"]'
}
upload() {	# a File object to $1
	bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload $R >"$1"
}

# a file id, a File object
upload "$T/f1"
f1=$(jget "$T/f1" id)
run bw-rm $R "$f1"
exit_is 0 "a file id: exit 0"
out_is "{\"id\":\"$f1\",\"object\":\"file\",\"deleted\":true}" "a file id: the deletion object"
err_empty "a file id: nothing on stderr"
ok 'gone "$f1"' "a file id: the file is gone"
upload "$T/f2"
f2=$(jget "$T/f2" id)
run bw-rm $R <"$T/f2"
exit_is 0 "a File object (bw-upload's line): exit 0"
out_is "{\"id\":\"$f2\",\"object\":\"file\",\"deleted\":true}" "a File object: the deletion object"
ok 'gone "$f2"' "a File object: the file is gone"

# gone already: said, nothing written, not an error
run bw-rm $R "$f1"
exit_is 0 "a file gone already: exit 0"
out_empty "a file gone already: nothing on stdout"
err_like "^bw-rm: $f1: not on the server \(deleted already\?\): nothing deleted$" "a file gone already: said"

# a batch: refused while it runs, its three files once it has ended
fake_ctl '{"scenario":"some_fail"}'
awk 'BEGIN { for (i = 0; i < 4; i++) printf "{\"customId\":\"c%d%s\",\"prompt\":\"q\"}\n", i, i % 2 ? "-fail" : "" }' |
	bw-jsonl -m gpt-4o-mini | bw-upload $R | bw-create $R >"$T/b"
b=$(jget "$T/b" id)
in=$(jget "$T/b" input_file_id)
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-rm $R <"$T/b"
exit_is 75 "a running batch: exit 75"
out_empty "a running batch: nothing on stdout"
err_like "^bw-rm: $b is (validating|in_progress): its files are not deleted, its results are not safe yet; run again when it has ended \(bw-poll\)$" \
	"a running batch: said"
ok '[ "$(deletes)" -eq 0 ] && there "$in"' "a running batch: nothing deleted"
run bw-rm $R "$b" "$f2"
exit_is 75 "a running batch and a file: exit 75"
ok '[ "$(deletes)" -eq 1 ] && there "$in"' "a running batch and a file: the file is tried, the batch's kept"
bw-poll -i 0.01 $R <"$T/b" >"$T/ended" 2>/dev/null
out=$(jget "$T/ended" output_file_id)
errf=$(jget "$T/ended" error_file_id)
ok '[ "$(jget "$T/ended" status)" = completed ] && there "$out" && there "$errf"' "the batch ended with an output and an error file"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-rm -n $R "$b"
exit_is 0 "--dry-run: exit 0"
printf '%s\n' "$in" "$out" "$errf" >"$T/want"
out_file_is "$T/want" "--dry-run: the three ids, input, output, error"
ok '[ "$(deletes)" -eq 0 ] && there "$in" && there "$out" && there "$errf"' "--dry-run: nothing deleted, nothing sent to delete"
run bw-rm -n --output --error $R <"$T/ended"
printf '%s\n' "$out" "$errf" >"$T/want"
out_file_is "$T/want" "--output --error: the output and error files only"
ok '[ "$(curl -sf "$FAKE/__stats" | jq ".requests[\"GET /v1/batches/{id}\"]")" -eq 1 ] && [ "$(deletes)" -eq 0 ]' \
	"--dry-run: the batch id looked up (GET), the ended Batch object not; no DELETE"
run bw-rm $R <"$T/ended"
exit_is 0 "an ended batch: exit 0"
printf '{"id":"%s","object":"file","deleted":true}\n' "$in" "$out" "$errf" >"$T/want"
out_file_is "$T/want" "an ended batch: three deletion objects"
ok 'gone "$in" && gone "$out" && gone "$errf"' "an ended batch: its three files are gone"
ok '[ "$(deletes)" -eq 3 ]' "an ended batch: three DELETEs"
run bw-rm $R "$b"
exit_is 0 "the batch again, by id: exit 0"
ok '[ "$(grep -c "not on the server" "$T/err")" -eq 3 ]' "the batch again: three files said gone"
fake_ctl '{"scenario":"ok"}'

# --input: the input file of a batch whose record is stale (validating):
# fetched, and ended by then
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload $R | bw-create $R >"$T/b2"
bw-poll -i 0.01 $R <"$T/b2" >/dev/null 2>&1
in2=$(jget "$T/b2" input_file_id)
run bw-rm --input $R <"$T/b2"
exit_is 0 "--input: exit 0"
out_is "{\"id\":\"$in2\",\"object\":\"file\",\"deleted\":true}" "--input: the input file only"
out2=$(curl -sf -H "Authorization: Bearer x" "$OPENAI_BASE_URL/batches/$(jget "$T/b2" id)" | jq -r .output_file_id)
printf '{"id":"evt_1","object":"event","type":"batch.completed","created_at":1,"data":{"id":"%s"}}\n' "$(jget "$T/b2" id)" >"$T/event"
run bw-rm --output $R <"$T/event"
exit_is 0 "a batch.completed webhook event, --output: exit 0"
out_is "{\"id\":\"$out2\",\"object\":\"file\",\"deleted\":true}" "a webhook event: its batch's output file deleted"
ok 'gone "$out2"' "a webhook event: the output file is gone"

# bad input: nothing sent
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-rm $R 'file-../../x'
exit_is 65 "an invalid file id: exit 65"
err_like '^bw-rm: argument 1: not a valid file id: "file-../../x"$' "an invalid file id: said"
printf '%s\n' '{"object":"file","id":"a b"}' >"$T/badobj"
run bw-rm $R <"$T/badobj"
exit_is 65 "a File object with an invalid id: exit 65"
printf '%s\n' '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}' >"$T/line"
run bw-rm $R <"$T/line"
exit_is 65 "a line of batch input: exit 65"
ok '[ "$(curl -sf "$FAKE/__stats" | jq "[.requests[]] | add")" -eq 0 ]' "bad input: nothing sent"
run bw-rm $R </dev/null
exit_is 65 "no input: exit 65"

# the server's word
upload "$T/f3"
f3=$(jget "$T/f3" id)
fake_ctl '{"faults":[{"method":"DELETE","path":"^/v1/files/","kind":"garbage","body":"{\"id\":"}]}'
run bw-rm $R "$f3"
exit_is 76 "a reply that is not JSON: exit 76"
err_like "^bw-rm: DELETE /v1/files/$f3: the reply is not a JSON object" "a reply that is not JSON: said"
fake_ctl '{"faults":[{"method":"DELETE","path":"^/v1/files/","kind":"bad_id","value":"file-other"}]}'
run bw-rm $R "$f3"
exit_is 76 "the deletion of another file: exit 76"
err_like "^bw-rm: DELETE /v1/files/$f3: the reply is not the deletion of $f3 \(\"id\" \"file-other\", \"deleted\" true\)" \
	"the deletion of another file: said"
out_empty "the server's nonsense: nothing on stdout"
upload "$T/f4"
fake_ctl '{"faults":[{"method":"DELETE","path":"^/v1/files/","kind":"bad_id","field":"deleted","value":false}]}'
run bw-rm $R "$(jget "$T/f4" id)"
exit_is 76 "\"deleted\": false: exit 76"
err_like "\"deleted\" false\)" "\"deleted\": false: said"
fake_ctl '{"faults":[{"method":"DELETE","path":"^/v1/files/","kind":"status","code":503,"times":-1}]}'
run bw-rm --retries 1 $R "$f3"
exit_is 75 "503 after the retries: exit 75"
fake_ctl '{"faults":[]}'
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload $R | bw-create $R >"$T/b3"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","set":{"status":"completed","output_file_id":"file-../x"}}]}'
run bw-rm $R "$(jget "$T/b3" id)"
exit_is 76 "an invalid file id in the server's batch: exit 76"
err_like "the server sent output_file_id \"file-../x\", not a valid file id" "an invalid file id in the server's batch: said"
ok 'there "$(jget "$T/b3" input_file_id)"' "an invalid file id in the server's batch: nothing of it deleted"
run env OPENAI_API_KEY=sk-bad bw-rm $R "$f3"
exit_is 77 "a bad key: exit 77"

run bw-rm --help
exit_is 0 "--help: exit 0"
run bw-rm --version
out_is "bw-rm 0.1.0" "--version"
run bw-rm --bogus
exit_is 2 "an unknown option: exit 2"

done_testing
