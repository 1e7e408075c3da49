#!/bin/sh
# bw-run reads a batch's output and error files as they are downloaded,
# and keeps them as they came (aK.output.jsonl, written past the page
# cache where it can): results come in any order, beyond what it holds
# in memory; a transfer cut short resumes, and one that starts over is
# not counted twice; a file that is not result lines stops the run with
# nothing settled, and the next run downloads it again and nothing else.
. tests/lib.sh
fake_start
fake_ctl '{"pace":0}'
stats() { curl -sf "$FAKE/__stats"; }
# how many times a route was asked for
asked() { stats | jq --arg r "$1" '.requests[$r]'; }
# "customId status attempts" a line
res() { jq -r '"\(.customId) \(.status) \(.attempts)"' "$@"; }

# --- 12,000 results of some 2 KB each (more than bw-run keeps in
# memory), served in reverse order
pad=$(printf '%01000d' 0)
awk -v pad="$pad" 'BEGIN { for (i = 1; i <= 12000; i++)
	printf "{\"customId\":\"r%05d-%s\",\"prompt\":\"q\"}\n", i, pad }' >"$T/big.jsonl"
fake_ctl '{"faults":[{"path":"/content$","kind":"changed","times":1}]}'
run bw-run -d "$T/w1" -m gpt-4o-mini -i 0.01 --max-requests 50000 "$T/big.jsonl"
exit_is 0 "12,000 results in reverse order: exit 0"
ok '[ "$(curl -sf "$FAKE/__control" | jq -c .faults)" = "[]" ]' \
	"12,000 results in reverse order: the output was served reversed"
ok '[ "$(wc -c <"$T/w1/s0001/a1.results.jsonl")" -gt 16777216 ]' \
	"12,000 results in reverse order: more than 16 MiB of results"
jq -r .customId "$T/big.jsonl" >"$T/want"
jq -r .customId "$T/out" >"$T/got"
ok 'cmp -s "$T/want" "$T/got"' "12,000 results in reverse order: every request once, in input order"
ok '[ "$(jq -r "select(.status != \"succeeded\" or .attempts != 1 or .text != \"ok \" + .customId) | .customId" "$T/out" | wc -l)" -eq 0 ]' \
	"12,000 results in reverse order: each its own answer"
bw-download <"$T/w1/s0001/a1.done.json" >"$T/raw" 2>/dev/null
ok '[ "$(wc -c <"$T/raw")" -gt 20000000 ] && tac "$T/raw" | cmp -s - "$T/w1/s0001/a1.output.jsonl"' \
	"12,000 results in reverse order: aK.output.jsonl holds the file byte for byte, as served"

# --- the same, cut after 3 MB and the resume answered with the whole
# file: the kept copy starts over too
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":3000000},{"path":"/content$","kind":"no_range","times":5}]}'
run bw-run -d "$T/w5" -m gpt-4o-mini -q -i 0.01 --max-requests 50000 "$T/big.jsonl"
exit_is 0 "12,000 results, a download that starts over after 3 MB: exit 0"
ok '[ "$(jq -r .customId "$T/w5/results.jsonl" | cmp -s - "$T/want" && jq -c "[.status, .attempts]" "$T/w5/results.jsonl" | sort -u)" = "[\"succeeded\",1]" ]' \
	"12,000 results, a download that starts over after 3 MB: every request once, in input order"
bw-download <"$T/w5/s0001/a1.done.json" >"$T/raw" 2>/dev/null
ok 'cmp -s "$T/raw" "$T/w5/s0001/a1.output.jsonl"' \
	"12,000 results, a download that starts over after 3 MB: aK.output.jsonl holds the file once"

# --- a download cut short, resumed: every result once
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":700,"times":2}]}'
run bw-run -d "$T/w2" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 0 "a download cut twice: exit 0"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "fr succeeded 1
jp succeeded 1
haiku succeeded 1
sum succeeded 1" "a download cut twice: every result once, in input order"

# --- cut, and the resume answered with the whole file: what the first
# part gave is dropped, not counted twice
fake_ctl '{"faults":[{"path":"/content$","kind":"cut","bytes":900},{"path":"/content$","kind":"no_range","times":5}]}'
run bw-run -d "$T/w3" -m gpt-4o-mini -i 0.01 --max-requests 2 examples/requests.jsonl
exit_is 0 "a download that starts over: exit 0"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "fr succeeded 1
jp succeeded 1
haiku succeeded 1
sum succeeded 1" "a download that starts over: every result once, in input order"
ok '[ "$(jq -c . "$T/w3/s0001/a1.settled.json")" = "{\"succeeded\":2,\"errored\":0,\"expired\":0,\"canceled\":0,\"retry\":0}" ]' \
	"a download that starts over: the shard counts its two"
bw-download <"$T/w3/s0001/a1.done.json" >"$T/raw" 2>/dev/null
ok 'cmp -s "$T/raw" "$T/w3/s0001/a1.output.jsonl"' \
	"a download that starts over: aK.output.jsonl holds the file once"

# --- an output file that is not result lines: 76, named, nothing
# settled; the next run downloads it again and sends nothing else
stats_before=$(asked "GET /v1/files/{id}/content")
fake_ctl '{"faults":[{"path":"/content$","kind":"corrupt","at":1,"times":1}]}'
run bw-run -d "$T/w4" -m gpt-4o-mini -q -i 0.01 examples/requests.jsonl
exit_is 76 "an output file that is not JSON lines: exit 76"
b=$(jq -r .id "$T/w4/s0001/a1.batch.json")
f=$(jq -r .output_file_id "$T/w4/s0001/a1.done.json")
err_like "^bw-run: batch $b's file $f: line 1: invalid JSON at column 2" \
	"an output file that is not JSON lines: the batch, the file and the line named"
ok '[ -z "$(cd "$T/w4/s0001" && ls | grep -v "^a1\.\(jsonl\|ids\|upload\.json\|file\.json\|create\.json\|batch\.json\|done\.json\)$")" ] && [ ! -e "$T/w4/results.jsonl" ]' \
	"an output file that is not JSON lines: nothing settled, nothing left over"
before=$(stats | jq -c '.requests | del(.["GET /v1/files/{id}/content"], .["GET /v1/files/{id}"])')
run bw-run -d "$T/w4" -i 0.01
exit_is 0 "run again: exit 0"
res "$T/out" >"$T/got"; cp "$T/got" "$T/out"
out_is "fr succeeded 1
jp succeeded 1
haiku succeeded 1
sum succeeded 1" "run again: the results"
ok '[ "$(asked "GET /v1/files/{id}/content")" -eq $((stats_before + 2)) ]' \
	"run again: the output downloaded again"
ok '[ "$(stats | jq -c ".requests | del(.[\"GET /v1/files/{id}/content\"], .[\"GET /v1/files/{id}\"])")" = "$before" ]' \
	"run again: nothing else sent"

done_testing
