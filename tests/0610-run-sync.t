#!/bin/sh
# bw-run puts each record on disk before it counts: written as NAME.tmp,
# fsync(2)'d, renamed, its directory fsync'd.  Seen through strace(1):
# the calls in order, then a full disk (write fails ENOSPC) and a sync
# that fails (fsync EIO), injected: exit 74 naming the file, the record
# not there, no temporary file left, and a rerun goes on.
. tests/lib.sh
if ! command -v strace >/dev/null 2>&1 ||
	! strace -qq -o /dev/null true 2>/dev/null; then
	echo "1..0 # SKIP no working strace"
	exit 0
fi
fake_start
fake_ctl '{"pace":0}'
stats() { curl -sf "$FAKE/__stats" | jq -c '{requests, files}'; }

# --- the order of the calls
run strace -f -qq -y -o "$T/trace" -e trace=fsync,rename \
	bw-run -d "$T/w" -m gpt-4o-mini -q -i 0.01 examples/requests.jsonl
exit_is 0 "a whole run under strace: exit 0"
# "fsync PATH" and "rename FROM TO" a line, the run's own (not prepare/'s
# scratch files, made durable before they leave it)
sed -n -e 's/^[0-9]*  *fsync([0-9]*<\(.*\)>) *= 0$/fsync \1/p' \
	-e 's/^[0-9]*  *rename("\(.*\)", "\(.*\)") *= 0$/rename \1 \2/p' "$T/trace" |
	grep -v "^rename $T/w/prepare/[^ ]* $T/w/prepare/" >"$T/calls"
ok '[ "$(grep -c "^rename " "$T/calls")" -eq 13 ]' "the thirteen renames of a one-shard run seen ($(grep -c "^rename " "$T/calls"))"
# each rename: the fsync of what is renamed just before, the fsync of
# the directory it goes to just after
awk '
	$1 == "rename" {
		dir = $3; sub(/\/[^\/]*$/, "", dir)
		if (prev != "fsync " $2) { print "not synced first: " $2; bad = 1 }
		want = "fsync " dir; renamed = $3; next_is = 1; prev = $0; next
	}
	next_is { if ($0 != want) { print "directory not synced after: " renamed; bad = 1 }; next_is = 0 }
	{ prev = $0 }
	END { if (next_is) { print "directory not synced after: " renamed; bad = 1 }; exit bad }
' "$T/calls" >"$T/bad"
ok '[ ! -s "$T/bad" ]' "each record: its data synced before the rename, its directory after"
sed 's/^/# /' "$T/bad"
ok '[ "$(grep -c "^rename .*\.tmp " "$T/calls")" -eq "$(grep -c "^rename " "$T/calls" | awk "{ print \$1 - 2 }")" ]' \
	"every record but the shard's input and its ids made as NAME.tmp"
ok 'grep -qx "fsync $T" "$T/calls"' "the run directory itself synced in its parent"
for f in settings.json shards.jsonl results.jsonl s0001/a1.jsonl s0001/a1.ids s0001/a1.upload.json s0001/a1.file.json \
	s0001/a1.create.json s0001/a1.batch.json s0001/a1.done.json s0001/a1.output.jsonl \
	s0001/a1.results.jsonl s0001/a1.settled.json; do
	grep -q "^rename [^ ]* $T/w/$f$" "$T/calls" || echo "$f" >>"$T/unkept"
done
ok '[ ! -e "$T/unkept" ]' "every file of the layout kept that way ($(cat "$T/unkept" 2>/dev/null | tr "\n" " "))"

# --- a full disk under results.jsonl: 74, named, nothing left
before=$(stats)
run strace -f -qq -o "$T/t2" -P "$T/w2/results.jsonl.tmp" -e trace=write \
	-e inject=write:error=ENOSPC \
	bw-run -d "$T/w2" -m gpt-4o-mini -q -i 0.01 examples/requests.jsonl
exit_is 74 "a full disk under results.jsonl: exit 74"
err_like "^bw-run: $T/w2/results\.jsonl\.tmp: write error: No space left on device\$" \
	"a full disk under results.jsonl: the file named"
ok '[ ! -e "$T/w2/results.jsonl" ] && [ ! -e "$T/w2/results.jsonl.tmp" ]' \
	"a full disk under results.jsonl: no results, no temporary file left"
ok '[ -s "$T/w2/s0001/a1.settled.json" ]' "a full disk under results.jsonl: what came before kept"
sent=$(stats)
run bw-run -d "$T/w2" -i 0.01
exit_is 0 "the disk back: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "fr jp haiku sum " ]' "the disk back: the results"
ok '[ "$(stats)" = "$sent" ]' "the disk back: nothing sent again"

# --- a sync that fails, an attempt's results': 74, named, not there
# (the Nth fsync, N counted in the first run's trace: the same steps)
n=$(grep -n "fsync .*/s0001/a1\.results\.jsonl\.tmp$" "$T/calls" | cut -d: -f1)
k=$(sed -n "1,${n}p" "$T/calls" | grep -c '^fsync ')
run strace -f -qq -o "$T/t3" -e trace=fsync -e inject=fsync:error=EIO:when=$k \
	bw-run -d "$T/w3" -m gpt-4o-mini -q -i 0.01 examples/requests.jsonl
exit_is 74 "a failing fsync of an attempt's results: exit 74"
err_like "^bw-run: $T/w3/s0001/a1\.results\.jsonl: cannot be kept: Input/output error\$" \
	"a failing fsync of an attempt's results: said"
ok 'grep -q "fsync.*EIO.*INJECTED" "$T/t3"' "a failing fsync of an attempt's results: the injection was theirs"
ok '[ ! -e "$T/w3/s0001/a1.results.jsonl" ] && [ ! -e "$T/w3/s0001/a1.results.jsonl.tmp" ] && [ ! -e "$T/w3/s0001/a1.settled.json" ]' \
	"a failing fsync of an attempt's results: not there, nor what follows, no temporary file"
run bw-run -d "$T/w3" -i 0.01
exit_is 0 "run again: exit 0"
ok '[ "$(jq -r .customId "$T/out" | tr "\n" " ")" = "fr jp haiku sum " ]' "run again: the results"

done_testing
