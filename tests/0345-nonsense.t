#!/bin/sh
# The server's nonsense, the user's mistakes: refused with a message,
# never taken for success.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
printf '{"customId":"a","prompt":"one"}\n{"customId":"b","prompt":"two"}\n' |
	bw-jsonl -m gpt-4o-mini >"$T/in.jsonl"
bw-upload <"$T/in.jsonl" | bw-create | bw-poll -i 0.01 >"$T/batch" 2>/dev/null
id=$(jget "$T/batch" id)
ok '[ "$(jget "$T/batch" status)" = completed ]' "a completed batch to work on"

# a completed Batch object that names its files wrongly
for v in 7 '["file-abc"]' '{"id":"file-abc"}' true; do
	for p in bw-download bw-poll; do
		fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"output_file_id","value":'"$v"'}]}'
		run $p $R "$id"
		exit_is 76 "$p: output_file_id $v: exit 76"
		out_empty "$p: output_file_id $v: nothing written"
		err_like "batch $id with an output_file_id that is not a string" \
		    "$p: output_file_id $v: the field named"
	done
done
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"error_file_id","value":7}]}'
run bw-download $R "$id"
exit_is 76 "error_file_id 7: exit 76"
err_like "with an error_file_id that is not a string" "error_file_id 7: the field named"
sed 's/"output_file_id":"[^"]*"/"output_file_id":7/' "$T/batch" >"$T/bad"
fake_log_clear
run bw-download $R <"$T/bad"
exit_is 0 "a record whose output_file_id is 7: the batch asked of the server"
ok '[ "$(wc -l <"$T/out")" -eq 2 ]' "a record whose output_file_id is 7: the server's files, whole"
for p in bw-download bw-poll; do
	fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","set":{"output_file_id":null,"error_file_id":null,"request_counts":{"total":200,"completed":200,"failed":0}}}]}'
	run $p $R "$id"
	exit_is 76 "$p: completed, 200 requests, no files: exit 76"
	out_empty "$p: completed, 200 requests, no files: nothing written"
	err_like "batch $id completed with 200 requests but neither an output_file_id nor an error_file_id" \
	    "$p: completed, no files: said"
done

# a status that is not a string: not polled for ever
for v in 7 '{"s":"completed"}' null; do
	fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"status","value":'"$v"',"times":-1}]}'
	run timeout 10 bw-poll -i 0.01 $R "$id"
	exit_is 76 "bw-poll: status $v: exit 76"
	err_like "batch $id with a status that is not a string" "bw-poll: status $v: said"
done
# a status string the API does not document: polled on (a new status
# may come), said once
fake_ctl '{"faults":[{"method":"GET","path":"^/v1/batches/","kind":"bad_id","field":"status","value":"done","times":-1}]}'
run bw-poll -i 0.01 -t 0.5 $R "$id"
exit_is 75 "bw-poll: status \"done\": still running, -t ends it: exit 75"
ok '[ "$(grep -c "status \"done\" is not one the API documents: taken for a batch still running" "$T/err")" -eq 1 ]' \
    "bw-poll: status \"done\": said once"
fake_ctl '{"faults":[]}'

# a closed stdout is no place to write the result
bw-poll -i 0.01 $R "$id" >&- 2>"$T/err"
rc=$?
exit_is 74 "bw-poll >&-: exit 74"
err_like "^bw-poll: stdout: closed" "bw-poll >&-: said"
bw-jsonl -m gpt-4o-mini <"$T/in.jsonl" >&- 2>"$T/err"
rc=$?
exit_is 74 "bw-jsonl >&-: exit 74"
err_like "^bw-jsonl: stdout: closed" "bw-jsonl >&-: said"
run bw-jsonl -m gpt-4o-mini <&- 2>&-
exit_is 65 "bw-jsonl <&-: stdin read as empty (no requests), stdout still its own"
ok 'cmp -s "$T/out" /dev/null' "bw-jsonl <&-: nothing on stdout"

done_testing
