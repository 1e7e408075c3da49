#!/bin/sh
# bw-run puts each record on disk before it counts: the file's data
# (sync FILE is fsync(2)), then the rename (sync DIR).  A sync that
# fails stops the run, and the record is not there.
. tests/lib.sh
fake_start

# a sync that logs what it is asked to do, then does it, or fails
mkdir "$T/shim"
cat >"$T/shim/sync" <<E
#!/bin/sh
printf '%s\n' "\$*" >>"$T/sync.log"
[ ! -e "$T/fail" ] || { echo "sync: error syncing '\$2': Input/output error" >&2; exit 1; }
exec /bin/sync "\$@"
E
chmod +x "$T/shim/sync"

PATH=$T/shim:$PATH run bw-run -d "$T/w" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 0 "a whole run: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "a whole run: the four results"
w=$T/w
want() {
	printf -- '-- %s\n' "$w/requests.jsonl.tmp" "$w" "$w/settings.tmp" "$w" "$w/.."
	for f in "batch-$(sed -n "s/^run_token='\(.*\)'$/\1/p" "$w/settings").jsonl" \
		file.json batch.json done.json output.jsonl results.jsonl; do
		printf -- '-- %s %s\n-- %s\n' "$w/$f.tmp" "$w/$f.status" "$w"
	done
}
want >"$T/want"
ok 'cmp -s "$T/want" "$T/sync.log"' \
	"each record and its status synced before the rename, its directory after"
ok '[ "$(cat "$w/done.json.status")" = 0 ]' "each stage's status kept"

: >"$T/fail"
rm "$w/output.jsonl" "$w/results.jsonl"
PATH=$T/shim:$PATH run bw-run -d "$w" -q
exit_is 74 "a record that cannot be put on disk: exit 74"
err_like "^bw-run: $w/output.jsonl: cannot be kept: error syncing '$w/output.jsonl.tmp': Input/output error\$" \
	"a record that cannot be put on disk: said"
ok '[ ! -e "$w/output.jsonl" ] && [ ! -e "$w/results.jsonl" ]' \
	"a record that cannot be put on disk: not there, nor what follows"
rm "$T/fail"
PATH=$T/shim:$PATH run bw-run -d "$w"
exit_is 0 "run again: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "run again: the four results"

done_testing
