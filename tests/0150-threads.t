#!/bin/sh
# bw-jsonl, bw-parse and bw-upload's check work on several threads
# (BW_THREADS): the output, the warnings and the first error must be
# those of going line by line, whatever the number of threads.  The
# inputs are larger than one chunk (4,096 lines or 256 KiB).
. tests/lib.sh

N=20000
# Requests: every 1,000th is blank, every 7th has its own id.  The
# expected output is built by awk, independently of bw.
awk -v n=$N 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i % 1000 == 999) { print "   "; continue }
		if (i % 7 == 0) printf "{\"customId\":\"c%d\",\"prompt\":\"p%d\",\"temperature\":0.5}\n", i, i
		else printf "{\"prompt\":\"p%d\",\"temperature\":0.5}\n", i
	}
}' >"$T/req.jsonl"
awk -v n=$N 'BEGIN {
	k = 0
	for (i = 0; i < n; i++) {
		if (i % 1000 == 999) continue
		id = i % 7 == 0 ? "c" i : "request-" k
		printf "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o-mini\",\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"p%d\"}]}}\n", id, i
		k++
	}
}' >"$T/want.jsonl"

for t in 1 2 3 8; do
	BW_THREADS=$t run bw-jsonl -m gpt-4o-mini "$T/req.jsonl"
	exit_is 0 "bw-jsonl, $t threads: exit 0"
	out_file_is "$T/want.jsonl" "bw-jsonl, $t threads: every line, in order, ids by position"
done

# Two inputs: request-<index> goes on counting in the second.
head -n 5000 "$T/req.jsonl" >"$T/a.jsonl"
tail -n +5001 "$T/req.jsonl" >"$T/b.jsonl"
BW_THREADS=3 run bw-jsonl -m gpt-4o-mini "$T/a.jsonl" "$T/b.jsonl"
out_file_is "$T/want.jsonl" "bw-jsonl, two files, 3 threads: the same lines"

# The first bad line wins, though a later chunk's worker may meet its
# own bad line first; nothing reaches stdout.
bad() {	# bad FILE LINE TEXT: FILE with line LINE replaced by TEXT
	awk -v l="$2" -v t="$3" 'NR == l { print t; next } { print }' "$1"
}
bad "$T/req.jsonl" 18000 '{"prompt":' >"$T/late.jsonl"
bad "$T/late.jsonl" 9001 '{"prompt":"x","bogus":1}' >"$T/two.jsonl"
for t in 1 2 8; do
	BW_THREADS=$t run bw-jsonl -m gpt-4o-mini "$T/two.jsonl"
	exit_is 65 "two bad lines, $t threads: exit 65"
	err_like "^bw-jsonl: $T/two.jsonl: line 9001: unknown field \"bogus\"$" \
		"two bad lines, $t threads: the first is named"
	out_empty "two bad lines, $t threads: nothing on stdout"
done
BW_THREADS=2 run bw-jsonl -m gpt-4o-mini <"$T/late.jsonl"
err_like "^bw-jsonl: line 18000: invalid JSON at column 11: unexpected end of line$" \
	"a bad line in the last chunk: named"

# A line over the cap after a bad line: the bad line is told.
awk 'NR == 15000 { printf "{\"prompt\":\""; for (i = 0; i < 3000; i++) printf "x"; print "\"}"; next } { print }' \
	"$T/req.jsonl" >"$T/long.jsonl"
bad "$T/long.jsonl" 12000 '[1]' >"$T/longbad.jsonl"
BW_THREADS=2 run bw-jsonl -m gpt-4o-mini --max-line 1000 "$T/longbad.jsonl"
exit_is 65 "bad line before a long one: exit 65"
err_like "line 12000: an array, not a request object$" "bad line before a long one: the bad line is named"
BW_THREADS=2 run bw-jsonl -m gpt-4o-mini --max-line 1000 "$T/long.jsonl"
err_like "line 15000: longer than the limit of 1000 bytes$" "a long line in a later chunk: named"
out_empty "a long line: nothing on stdout"

# A duplicate id across chunks.
bad "$T/req.jsonl" 19000 '{"customId":"c7","prompt":"again"}' >"$T/dup.jsonl"
BW_THREADS=2 run bw-jsonl -m gpt-4o-mini "$T/dup.jsonl"
err_like "line 19000: duplicate customId \"c7\" \(first on line 8\)$" "a duplicate across chunks: both lines named"

# Warnings: once, in the order of the lines that gave them, and the
# ones before the first bad line only.
awk 'NR == 3 { print "{\"prompt\":\"x\",\"topK\":1}"; next }
	NR == 17000 { print "{\"prompt\":\"x\",\"seed\":1}"; next }
	NR == 17500 { print "{\"prompt\":\"x\",\"frequencyPenalty\":1}"; next }
	NR % 5000 == 0 { print "{\"prompt\":\"x\",\"topK\":2}"; next } { print }' \
	"$T/req.jsonl" >"$T/warn.jsonl"
BW_THREADS=4 run bw-jsonl -m gpt-4o-mini -e responses "$T/warn.jsonl"
exit_is 0 "warnings, 4 threads: exit 0"
printf '%s\n' "bw-jsonl: warning: topK: not supported by the responses endpoint; dropped" \
	"bw-jsonl: warning: seed: not supported by the responses endpoint; dropped" \
	"bw-jsonl: warning: frequencyPenalty: not supported by the responses endpoint; dropped" >"$T/want.err"
ok 'cmp -s "$T/want.err" "$T/err"' "warnings, 4 threads: each once, in line order"
bad "$T/warn.jsonl" 16000 'null' >"$T/warnbad.jsonl"
BW_THREADS=4 run bw-jsonl -m gpt-4o-mini -e responses "$T/warnbad.jsonl"
printf '%s\n' "bw-jsonl: warning: topK: not supported by the responses endpoint; dropped" \
	"bw-jsonl: $T/warnbad.jsonl: line 16000: null, not a request object" >"$T/want.err"
ok 'cmp -s "$T/want.err" "$T/err"' "warnings after the first bad line are not given"

# bw-parse: the same order and the same first error.
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"id\":\"b%d\",\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"t%d\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":1,\"total_tokens\":%d}}},\"error\":null}\n", i, i, i, i, i + 1 }' >"$T/res.jsonl"
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"customId\":\"r%d\",\"status\":\"succeeded\",\"text\":\"t%d\",\"finishReason\":\"stop\",\"usage\":{\"inputTokens\":%d,\"outputTokens\":1,\"totalTokens\":%d}}\n", i, i, i, i + 1 }' >"$T/want.res"
for t in 1 2 8; do
	BW_THREADS=$t run bw-parse "$T/res.jsonl"
	out_file_is "$T/want.res" "bw-parse, $t threads: every result, in order"
done
bad "$T/res.jsonl" 19999 '{"custom_id":1}' >"$T/res2.jsonl"
bad "$T/res2.jsonl" 4500 '{"error":null}' >"$T/resbad.jsonl"
BW_THREADS=2 run bw-parse "$T/resbad.jsonl"
exit_is 65 "bw-parse, two bad lines: exit 65"
err_like "^bw-parse: $T/resbad.jsonl: line 4500: no custom_id$" "bw-parse: the first bad line is named"
out_empty "bw-parse, bad lines: nothing on stdout"

# Long lines: more than the 16 MiB a run keeps out at once, in order.
awk 'BEGIN { x = "0123456789abcdef"; while (length(x) < 4000000) x = x x
	for (i = 0; i < 7; i++) printf "{\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"%d%s\"},\"finish_reason\":\"length\"}]}},\"error\":null}\n", i, i, x
	}' >"$T/long.res"
awk 'BEGIN { x = "0123456789abcdef"; while (length(x) < 4000000) x = x x
	for (i = 0; i < 7; i++) printf "{\"customId\":\"r%d\",\"status\":\"succeeded\",\"text\":\"%d%s\",\"finishReason\":\"length\"}\n", i, i, x
	}' >"$T/long.want"
BW_THREADS=3 run bw-parse "$T/long.res"
exit_is 0 "bw-parse, seven lines of 4 MiB, 3 threads: exit 0"
out_file_is "$T/long.want" "bw-parse, seven lines of 4 MiB: in order"

# bw-upload's check: the first bad line wins, before anything is sent
# (no server runs here: a check that passed would fail to connect).
export OPENAI_API_KEY=sk-test OPENAI_BASE_URL=http://127.0.0.1:9/v1
BW_THREADS=1 bw-jsonl -m gpt-4o-mini "$T/req.jsonl" >"$T/up.jsonl"
bad "$T/up.jsonl" 19500 'x' >"$T/up1.jsonl"
bad "$T/up1.jsonl" 8000 "$(sed -n 8p "$T/up.jsonl")" >"$T/updup.jsonl"
for t in 1 2 8; do
	BW_THREADS=$t run bw-upload --retries 0 "$T/updup.jsonl"
	exit_is 65 "bw-upload, $t threads, two bad lines: exit 65"
	err_like "^bw-upload: $T/updup.jsonl: line 8000: duplicate custom_id \"c7\" \(first on line 8\)$" \
		"bw-upload, $t threads: the first bad line is named"
done
bad "$T/up.jsonl" 15000 '{"custom_id":"z","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4o-mini"}}' >"$T/upurl.jsonl"
BW_THREADS=2 run bw-upload --retries 0 "$T/upurl.jsonl"
err_like "line 15000: url \"/v1/embeddings\", but line 1 has /v1/chat/completions: one endpoint per batch$" \
	"bw-upload: a second endpoint in a later chunk"
BW_THREADS=2 run bw-upload --retries 0 --max-requests 12000 "$T/up1.jsonl"
err_like "line 12001: past the limit of 12000 requests in a batch \(--max-requests\)$" \
	"bw-upload: --max-requests in a later chunk"
head -c -30 "$T/up.jsonl" >"$T/upcut.jsonl"
BW_THREADS=2 run sh -c 'bw-upload --retries 0 <"$1"' sh "$T/upcut.jsonl"
err_like "^bw-upload: line $(wc -l <"$T/up.jsonl" | tr -d ' '): no newline at the end: the input looks cut short; nothing was sent$" \
	"bw-upload: a cut input, named at its last line"
BW_THREADS=2 run bw-upload --retries 0 "$T/up.jsonl"
exit_is 75 "bw-upload: a good file passes the check and then fails to connect (75)"

# A read error is told in its turn too, and names the input.
mkdir "$T/dir"
for p in "bw-parse" "bw-jsonl -m gpt-4o-mini"; do
	BW_THREADS=2 run $p "$T/dir"
	exit_is 74 "$p on a directory: exit 74"
	err_like "^${p%% *}: $T/dir: read error: Is a directory$" "$p on a directory: a read error, named"
done
BW_THREADS=2 run bw-parse "$T/res.jsonl" "$T/dir"
exit_is 74 "bw-parse, a good file then a directory: exit 74"
out_empty "bw-parse, a good file then a directory: nothing on stdout"

# BW_THREADS itself.
for v in 0 65 x; do
	BW_THREADS=$v run bw-parse "$T/res.jsonl"
	exit_is 2 "BW_THREADS=$v: exit 2"
	err_like "^bw-parse: BW_THREADS: not a number from 1 to 64: \"$v\"$" "BW_THREADS=$v: named"
done
BW_THREADS= run bw-parse "$T/res.jsonl"
out_file_is "$T/want.res" "BW_THREADS empty: the default"

done_testing
