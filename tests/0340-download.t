#!/bin/sh
# bw-download: the output file's lines, then the error file's, whole.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
ids() {	# the custom_ids of stdout, in order
	python3 -c "import json,sys; print(' '.join(json.loads(l)['custom_id'] for l in open(sys.argv[1])))" "$T/out"
}
awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"customId\":\"r%03d%s\",\"prompt\":\"question %d\"}\n", i, i % 7 == 3 ? "-fail" : "", i }' |
	bw-jsonl -m gpt-4o-mini >"$T/in.jsonl"
finished() {	# scenario -> the finished Batch object in $T/batch
	fake_ctl "{\"scenario\":\"$1\"}"
	bw-upload <"$T/in.jsonl" | bw-create | bw-poll -i 0.01 >"$T/batch" 2>/dev/null
}

finished ok
run bw-download $R <"$T/batch"
exit_is 0 "completed: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 300 ]' "completed: 300 lines"
ok '[ "$(python3 -c "import json,sys; print(sum(json.loads(l)[\"response\"][\"status_code\"]==200 for l in open(sys.argv[1])))" "$T/out")" -eq 300 ]' \
	"completed: the output file's lines, unchanged"
cp "$T/out" "$T/full"
fake_log_clear
run bw-download $R "$(jget "$T/batch" id)"
out_file_is "$T/full" "a batch id: the same lines"
ok 'fake_log | grep -q "\"path\": *\"/v1/batches/batch_"' "a batch id: the batch fetched first"
printf '{"id":"evt_1","object":"event","type":"batch.completed","created_at":1,"data":{"id":"%s"}}\n' "$(jget "$T/batch" id)" >"$T/event"
run bw-download $R <"$T/event"
out_file_is "$T/full" "a webhook event: the batch behind data.id"

finished some_fail
run bw-download $R <"$T/batch"
exit_is 0 "some failed: exit 0"
ok 'ids | tr " " "\n" | grep -n -- -fail | head -1 | grep -q "^258:"' "some failed: the 257 output lines, then the 43 error lines"
ok '[ "$(wc -l <"$T/out")" -eq 300 ]' "some failed: every request once"

finished all_fail
ok '[ "$(jget "$T/batch" output_file_id)" = None ]' "all failed: no output file"
run bw-download $R <"$T/batch"
exit_is 0 "all failed: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 300 ]' "all failed: the error file's 300 lines"

finished expired
run bw-download $R <"$T/batch"
exit_is 0 "expired: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 300 ]' "expired: partial output and the expired lines, 300 in all"
err_like "^bw-download: batch_[A-Za-z0-9]+ expired: its output is partial: 150 of 300 requests completed$" "expired: said"

finished failed
run bw-download $R <"$T/batch"
exit_is 1 "failed: exit 1"
out_empty "failed: nothing written"
err_like "failed: token_limit_exceeded: " "failed: the reason"

fake_ctl '{"scenario":"ok"}'
bw-upload <"$T/in.jsonl" | bw-create >"$T/new"
run bw-download $R <"$T/new"
exit_is 75 "a batch still running: exit 75"
err_like "is in_progress: nothing to download yet; run again when it has ended" "a batch still running: said"

# cut transfers resume, every line once
finished ok
bw-download <"$T/batch" >"$T/full"
fake_log_clear
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000,"times":2}]}'
run bw-download $R <"$T/batch"
exit_is 0 "cut twice mid-file: exit 0"
out_file_is "$T/full" "cut twice mid-file: every line exactly once"
ok 'fake_log | grep -q "\"range\": *\"bytes=10000-\""' "cut mid-file: resumed with Range"
ok '[ "$(grep -c "retry" "$T/err")" -eq 2 ]' "cut mid-file: one line per retry"
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":7777},{"path":"/content$","kind":"no_range","times":5}]}'
run bw-download $R <"$T/batch"
out_file_is "$T/full" "cut, and the server ignores Range: what was written is skipped, every line once"

# a file is whole, or it is a failure: never half of it with exit 0
python3 -c "import sys; sys.stdout.writelines(reversed(open(sys.argv[1]).readlines()))" "$T/full" >"$T/reversed"
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000},{"path":"/content$","kind":"status","code":416,"times":-1}]}'
run bw-download $R <"$T/batch"
exit_is 76 "cut, then 416 on the resume: exit 76"
out_empty "cut, then 416: nothing written"
err_like "416" "cut, then 416: said"
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000},{"path":"/content$","kind":"short","bytes":5000}]}'
run bw-download $R <"$T/batch"
exit_is 0 "cut, then a 200 shorter than what arrived: exit 0"
out_file_is "$T/full" "cut, then a short 200: started again, every line once"
fake_ctl '{"faults":[{"path":"/content$","kind":"short","bytes":5000,"times":-1}]}'
run bw-download --retries 2 $R <"$T/batch"
exit_is 76 "a short 200 every time: exit 76"
out_empty "a short 200 every time: nothing written"
err_like ": a 200 for a file of 5000 bytes, not [0-9]+ \\(request [^)]*\\)$" "a short 200 every time: said"
fake_log_clear
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000},{"path":"/content$","kind":"changed","times":-1}]}'
run bw-download $R <"$T/batch"
exit_is 0 "cut, then the body changed: exit 0"
out_file_is "$T/reversed" "cut, then the body changed: the new body whole, never two spliced"
ok 'fake_log | jq -e "any(.[]; .range == \"bytes=10000-\" and (.if_range // \"\" | test(\"^\\\"[0-9a-f]+\\\"\$\")))" >/dev/null' "the resume sends If-Range with the ETag"
fake_ctl '{"faults":[{"path":"/content$","kind":"lie_length","bytes":100,"times":-1}]}'
run bw-download $R <"$T/batch"
exit_is 76 "a Content-Length shorter than the body: exit 76"
out_empty "a Content-Length shorter than the body: nothing written"
fake_ctl '{"faults":[{"path":"/content$","kind":"empty","code":204}]}'
run bw-download $R <"$T/batch"
exit_is 76 "204 for a file with bytes: exit 76"
out_empty "204: nothing written"
fake_ctl '{"faults":[{"path":"/content$","kind":"empty","code":200,"times":-1}]}'
run bw-download --retries 1 $R <"$T/batch"
exit_is 76 "an empty 200 for a file with bytes: exit 76"
out_empty "an empty 200: nothing written"
html='"kind":"garbage","body":"<!DOCTYPE html><html><body>Service Unavailable</body></html>\n"'
fake_ctl "{\"faults\":[{\"path\":\"/content\$\",$html,\"times\":-1}]}"
run bw-download --retries 1 $R <"$T/batch"
exit_is 76 "HTML for a file: exit 76"
out_empty "HTML for a file: nothing written"
err_like "a 200 for a file of 61 bytes" "HTML for a file: its length is not the file's"
fake_ctl "{\"faults\":[{\"method\":\"GET\",\"path\":\"^/v1/files/[^/]+\$\",\"kind\":\"bad_id\",\"field\":\"bytes\",\"value\":null,\"times\":-1},{\"path\":\"/content\$\",$html}]}"
run bw-download $R <"$T/batch"
exit_is 76 "HTML for a file of unknown length: exit 76"
out_empty "HTML for a file of unknown length: nothing written"
err_like '/content: the content is not JSON lines: "<!DOCTYPE html>' "HTML for a file of unknown length: said"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/files/[^/]+$","kind":"bad_id","field":"bytes","value":0},{"path":"/content$","kind":"empty","code":200}]}'
run bw-download $R <"$T/batch"
exit_is 76 "an empty output file, 300 requests completed: exit 76"
out_empty "an empty output file: nothing written"
err_like "/content: the file is empty, though the batch says it holds 300 lines \\(request [^)]*\\)$" "an empty output file: said"
fake_ctl '{"faults":[]}'

fake_ctl '{"faults":[{"path":"/content$","kind":"status","code":500,"times":-1}]}'
run bw-download --retries 2 $R <"$T/batch"
exit_is 75 "the file cannot be had: exit 75"
out_empty "the file cannot be had: nothing written"
fake_ctl '{"faults":[]}'

# --keep-dir
mkdir "$T/raw"
run bw-download -k "$T/raw" $R <"$T/batch"
exit_is 0 "-k: exit 0"
err_empty "-k: nothing said"
ok 'cmp -s "$T/raw/$(jget "$T/batch" output_file_id).jsonl" "$T/full"' "-k: the raw output file kept"
ok '[ -z "$(find "$T/raw" -name "*.part")" ]' "-k: no partial file left"
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000},{"path":"/content$","kind":"changed","times":-1}]}'
run bw-download --keep-dir "$T/raw" $R <"$T/batch"
ok 'cmp -s "$T/raw/$(jget "$T/batch" output_file_id).jsonl" "$T/reversed"' "--keep-dir, cut, then the body changed: the new body kept whole"
fake_ctl '{"faults":[]}'
run bw-download -k "$T/nodir" $R <"$T/batch"
exit_is 2 "-k with no such directory: usage error"
err_like "^bw-download: -k: $T/nodir: No such file" "-k with no such directory: said"
# -o, its old name, read by users as the output file: kept one release,
# with a warning, and refused where it surely means a file
rm -f "$T/raw"/*
run bw-download -o "$T/raw" $R <"$T/batch"
exit_is 0 "-o DIR: still works"
ok 'cmp -s "$T/raw/$(jget "$T/batch" output_file_id).jsonl" "$T/full"' "-o DIR: the file kept"
err_like "^bw-download: -o is deprecated: use -k/--keep-dir; it names a directory, not the output file$" "-o DIR: a deprecation warning"
ok '[ "$(wc -l <"$T/err")" -eq 1 ]' "-o DIR: one line said"
fake_log_clear
run bw-download -o "$T/out.jsonl" $R <"$T/batch"
exit_is 2 "-o out.jsonl: usage error"
out_empty "-o out.jsonl: nothing written"
err_like "^bw-download: -o $T/out.jsonl: -o is a directory to keep each file in, not the output file: the result lines go to standard output" "-o out.jsonl: the mistake explained"
ok '[ ! -e "$T/out.jsonl" ] && [ -z "$(fake_log | grep /v1/)" ]' "-o out.jsonl: nothing made, nothing asked"
: >"$T/results"
run bw-download --save "$T/results" $R <"$T/batch"
exit_is 2 "--save naming a regular file: usage error"
err_like "not the output file" "--save naming a regular file: the mistake explained"
ok '[ ! -s "$T/results" ]' "--save naming a regular file: left alone"

# the server's word
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"output_file_id","value":"file-../../etc"}]}'
run bw-download $R "$(jget "$T/batch" id)"
exit_is 76 "an invalid file id from the server: exit 76"
out_empty "an invalid file id: nothing written"
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"output_file_id","value":"file-abc\u0000"}]}'
run bw-download $R "$(jget "$T/batch" id)"
exit_is 76 "a file id with a NUL in it: exit 76"
err_like '^bw-download: the server sent an invalid file id "file-abc\\u0000"$' "a file id with a NUL in it: said, whole"
fake_ctl '{"faults":[]}'

# a file: its id, or its File object (a line of bw-ls --files or bw-upload)
bw-upload <"$T/in.jsonl" >"$T/file"
fid=$(jget "$T/file" id)
run bw-download $R "$fid"
exit_is 0 "a file id: exit 0"
out_file_is "$T/in.jsonl" "a file id: the file's bytes"
err_empty "a file id: nothing said"
run bw-download $R <"$T/file"
out_file_is "$T/in.jsonl" "a File object: the file's bytes"
curl -sf -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/files/$fid" | jq -c . >"$T/fileobj"
run bw-download $R <"$T/fileobj"
out_file_is "$T/in.jsonl" "a File object as the API sends it: the file's bytes"
run bw-download $R "$fid" "$(jget "$T/batch" id)"
cat "$T/in.jsonl" "$T/full" >"$T/both"
out_file_is "$T/both" "a file id, then a batch id: each in turn"
run bw-download $R "$fid" "$fid"
out_file_is "$T/in.jsonl" "a file named twice: written once"
err_like "^bw-download: $fid: named again; its lines are written once$" "a file named twice: said"
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":10000}]}'
rm -f "$T/raw"/*
fake_log_clear
run bw-download -k "$T/raw" $R "$fid"
out_file_is "$T/in.jsonl" "a file id, the transfer cut: resumed, whole"
ok 'cmp -s "$T/raw/$fid.jsonl" "$T/in.jsonl"' "a file id with -k: kept as DIR/FILE_ID.jsonl"
ok '[ "$(fake_log | jq "[.[] | select(.range != null)] | length")" -eq 1 ]' "a file id, cut: resumed with a Range"
fake_ctl '{"faults":[{"path":"^/v1/files/[^/]+$","kind":"bad_id","field":"bytes","value":40000}]}'
run bw-download --retries 1 $R "$fid"
exit_is 76 "a file of another size than its File object says: exit 76"
out_empty "a file of another size: nothing written"
fake_ctl '{"faults":[]}'
run bw-download $R 'file-../../x'
exit_is 65 "an invalid file id: exit 65, as an invalid batch id"
err_like '^bw-download: argument 1: not a valid file id: "file-\.\./\.\./x"$' "an invalid file id: said"
printf '{"object":"file","id":"file-a/b"}\n' | run bw-download $R
exit_is 65 "a File object with an invalid id: exit 65"
err_like '^bw-download: line 1: not a valid file id: "file-a/b"$' "a File object with an invalid id: said of its line"
printf '{"object":"file","bytes":3}\n' | run bw-download $R
exit_is 65 "a File object without an id: exit 65"
err_like '^bw-download: line 1: a File object without an id$' "a File object without an id: said"
run bw-download $R file-nosuchfile
exit_is 65 "an unknown file: exit 65, as an unknown batch"
err_like 'No such File object: file-nosuchfile' "an unknown file: the API's message"
out_empty "an unknown file: nothing written"

# output failures
run sh -c 'bw-download "$@" >/dev/full' sh $R "$(jget "$T/batch" id)"
exit_is 74 "a full disk: exit 74"
(bw-download $R "$(jget "$T/batch" id)" 2>"$T/err"; echo $? >"$T/rc") | head -c 10 >/dev/null
ok '[ "$(cat "$T/rc")" -eq 141 ] && [ ! -s "$T/err" ]' "a closed pipe: a quiet death by SIGPIPE (141)"

run bw-download --help
exit_is 0 "--help: exit 0"
run bw-download --version
out_is "bw-download 0.1.0" "--version"

done_testing
