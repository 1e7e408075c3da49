#!/bin/sh
# bw-cancel: cancelling, then cancelled with partial output.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"

awk 'BEGIN { for (i = 0; i < 10; i++) printf "{\"customId\":\"c%d\",\"prompt\":\"q\"}\n", i }' |
	bw-jsonl -m gpt-4o-mini | bw-upload | bw-create >"$T/batch"
id=$(jget "$T/batch" id)
run bw-cancel $R <"$T/batch"
exit_is 0 "a Batch object: exit 0"
ok '[ "$(jget "$T/out" status)" = cancelling ] && [ "$(jget "$T/out" id)" = "$id" ]' "the Batch object, cancelling"
run bw-poll -i 0.01 $R "$id"
exit_is 1 "then bw-poll: cancelled, exit 1"
ok '[ "$(jget "$T/out" status)" = cancelled ]' "cancelled"
bw-download $R <"$T/out" >"$T/lines" 2>"$T/err"
ok '[ "$(wc -l <"$T/lines")" -eq 10 ]' "bw-download: the partial output and the cancelled lines, every request once"
bw-parse "$T/lines" >"$T/results"
ok '[ "$(grep -c "\"status\":\"canceled\"" "$T/results")" -eq 5 ] && [ "$(grep -c "\"status\":\"succeeded\"" "$T/results")" -eq 5 ]' \
	"bw-parse: five succeeded, five canceled"
awk 'BEGIN { for (i = 0; i < 3; i++) printf "{\"customId\":\"d%d\",\"prompt\":\"q\"}\n", i }' |
	bw-jsonl -m gpt-4o-mini | bw-upload | bw-create >"$T/batch2"
id2=$(jget "$T/batch2" id)
run bw-cancel $R "$id" "$id2"
exit_is 1 "a batch that has ended, then one running: exit 1 (the legitimate no)"
err_like "^bw-cancel: $id: already cancelled: not cancelled$" "the ended one: said"
ok '[ "$(head -1 "$T/out" | jget /dev/stdin status)" = cancelled ] && [ "$(sed -n 2p "$T/out" | jget /dev/stdin status)" = cancelling ]' \
	"both Batch objects written, the rest of the input done"
run bw-cancel $R 'batch_../../x'
exit_is 65 "an invalid id: exit 65"
run bw-cancel $R </dev/null
exit_is 65 "no input: exit 65"
run bw-cancel --help
exit_is 0 "--help: exit 0"
run bw-cancel --version
out_is "bw-cancel 0.1.0" "--version"

done_testing
