#!/bin/sh
# A spool of runs and one cron line: bw-run --spool SPOOL --once gives
# every run a step under its own lock, with one look for all of them
# (at most ceil(active/100)+1 list or GET requests a tick); a busy run
# is skipped quietly, a broken one reported and never in the others'
# way; --exec runs once per run after it finished (again after a
# failure, its tries counted); two ticks at once never do the same work
# twice; --wake (behind bw-webhook --exec) steps only the run of the
# batch an event names, reading the batch again first.
. tests/lib.sh
fake_start
stats() { curl -sf "$FAKE/__stats"; }
clear_stats() { curl -sf -X POST "$FAKE/__stats/clear" >/dev/null; }
S=$T/spool
mkdir "$S"

# --- 50 runs of 2 requests, each made and submitted with --once; each
# run's --exec copies its results and notes its run; r07 and r31 fail
# their first time
cat >"$T/exec.sh" <<'E'
#!/bin/sh
log=$BW_RUN_DIR/../../exec.log
if [ -e "$BW_RUN_DIR/../../fail-$BW_RUN_NAME" ]; then
	rm "$BW_RUN_DIR/../../fail-$BW_RUN_NAME"
	echo "$BW_RUN_NAME try=$BW_RUN_TRY failed" >>"$log"
	exit 3
fi
cat >"$BW_RUN_DIR/../../$BW_RUN_NAME.results"
echo "$BW_RUN_NAME try=$BW_RUN_TRY $BW_RUN_OUTCOME $BW_RUN_REQUESTS $BW_RUN_SUCCEEDED $(pwd)" >>"$log"
E
chmod +x "$T/exec.sh"
touch "$T/fail-r07" "$T/fail-r31"
fake_ctl '{"pace":0.3}'
i=1
made=0
while [ $i -le 50 ]; do
	n=$(printf 'r%02d' $i)
	printf '{"customId":"%s-a","prompt":"x"}\n{"customId":"%s-b","prompt":"y"}\n' $n $n >"$T/$n.jsonl"
	bw-run -d "$S/$n" -m gpt-4o-mini --once --exec "$T/exec.sh" "$T/$n.jsonl" 2>>"$T/made.err"
	[ $? = 75 ] && made=$((made + 1))
	i=$((i + 1))
done
ok '[ $made = 50 ]' "50 runs made with --once: each submitted, exit 75 ($made)"
ok '[ "$(stats | jq "[.batches[] | select(.metadata.bw_run != null)] | length")" = 50 ]' \
	"50 runs made: 50 batches on the server"

# a run being made (its lock held, no settings yet) and a directory
# that is not a run
mkdir "$S/half" "$S/junk"
: >"$S/half/lock"
flock -o "$S/half/lock" sleep 30 &
HOLD=$!
echo '{' >"$T/broken.json"

# --- ticks, two at a time, until every run is done; each tick's
# requests to the batches counted alone
ticks=0
worst=0
over=0
while [ $ticks -lt 60 ]; do
	clear_stats
	bw-run --spool "$S" --once -i 0.01 >"$T/tick1" 2>"$T/tick1.err" &
	p1=$!
	bw-run --spool "$S" --once -i 0.01 >"$T/tick2" 2>"$T/tick2.err" &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	cat "$T/tick1" "$T/tick2" >>"$T/ticks.jsonl"
	cat "$T/tick1.err" "$T/tick2.err" >>"$T/ticks.err"
	ticks=$((ticks + 1))
	looks=$(stats | jq '.requests["GET /v1/batches"] + .requests["GET /v1/batches/{id}"]')
	[ "$looks" -gt "$worst" ] && worst=$looks
	# two ticks: each at most ceil(50/100)+1 = 2
	[ "$looks" -gt 4 ] && over=$((over + 1))
	# done: every run finished and told
	[ "$(grep -c " completed " "$T/exec.log" 2>/dev/null)" = 50 ] && break
	sleep 0.2
done
ok '[ "$r1" = 75 ] && [ "$r2" = 75 ]' "the last ticks: exit 75 (a run being made may have work) ($r1 $r2)"
ok '[ $over = 0 ]' "two ticks at once: never more than 2 looks each ($worst at most, $ticks rounds)"
ok '[ "$(cat "$S"/r*/results.jsonl | wc -l)" = 100 ]' "every run finished: 100 results"
ok '[ "$(grep -c " completed 2 2 " "$T/exec.log")" = 50 ]' "--exec ran once for each of the 50 runs, after it finished"
ok '[ -z "$(grep -v failed "$T/exec.log" | cut -d" " -f1 | sort | uniq -d)" ]' \
	"--exec: no run told twice"
ok '[ "$(grep failed "$T/exec.log" | sort | tr "\n" ,)" = "r07 try=1 failed,r31 try=1 failed," ]' \
	"--exec: the two that failed once, in their first try"
ok 'grep -qx "r07 try=2 completed 2 2 $S/r07" "$T/exec.log" && grep -qx "r31 try=2 completed 2 2 $S/r31" "$T/exec.log"' \
	"--exec: run again after its failure, in the run's directory, as try 2"
ok 'cmp -s "$T/r12.results" "$S/r12/results.jsonl"' "--exec: the results on its stdin"
ok '[ "$(bw-run -d "$S/r07" --status | jq -c .exec)" = "{\"done\":true,\"tries\":2,\"error\":null}" ]' \
	"--status: the command's two tries"
ok 'grep -q "r07: --exec: exited 3 (try 1): it is tried again" "$T/ticks.err"' "--exec's failure said on stderr"
# the server's own counts: no file uploaded twice, one batch a run
ok '[ -z "$(stats | jq -r ".files | to_entries[] | select(.value != 1) | .key")" ]' "no file uploaded twice"
ok '[ "$(stats | jq "[.batches[] | select(.metadata.bw_run != null)] | length")" = 50 ]' \
	"no batch created twice"
# one more tick, alone
bw-run --spool "$S" --once >"$T/last" 2>"$T/last.err"
last=$(cat "$T/last")
ok '[ "$(printf %s "$last" | jq -c "[.checked, (.done | length), .finished, .running]")" = "[50,50,[],[]]" ]' \
	"the last tick's summary: 50 checked, 50 done"
ok '[ "$(printf %s "$last" | jq -c ".busy, .failed")" = "$(printf "%s\n%s" "[\"half\"]" "[{\"run\":\"junk\",\"reason\":\"$S/junk: not a run (no settings.json)\"}]")" ]' \
	"the last tick's summary: a run being made busy, a directory that is no run reported"
ok '[ ! -e "$S/junk/lock" ]' "a directory that is no run: not touched"
ok '[ "$(jq -r ".finished[]" "$T/ticks.jsonl" | sort | uniq | wc -l)" = 50 ] && [ "$(jq -s "[.[].finished[]] | length" "$T/ticks.jsonl")" = 50 ]' \
	"each run said finished in exactly one tick's summary"
ok '[ ! -s "$T/last.err" ]' "a tick with nothing to do but a busy run and a reported one: quiet but for the report"
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null
rmdir "$S/junk"
rm -rf "$S/half"

# --- a busy run: skipped quietly
flock -o "$S/r01/lock" sleep 30 &
HOLD=$!
sleep 0.3
run bw-run --spool "$S" --once
exit_is 75 "a busy run: exit 75 (work may remain)"
err_empty "a busy run: nothing on stderr (cron mails no one)"
ok '[ "$(jq -c .busy "$T/out")" = "[\"r01\"]" ]' "a busy run: named busy"
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null

# --- broken runs: reported, the others go on
printf '{"customId":"n1","prompt":"x"}\n' >"$T/n.jsonl"
bw-run -d "$S/s1" -m gpt-4o-mini --once "$T/n.jsonl" 2>/dev/null
bw-run -d "$S/s2" -m gpt-4o-mini --once "$T/n.jsonl" 2>/dev/null
bw-run -d "$S/s3" -m gpt-4o-mini --once "$T/n.jsonl" 2>/dev/null
cp "$T/broken.json" "$S/s1/settings.json"
# s2's batch is one the API does not know
jq -c '.id = "batch_gone0000000000000000"' "$S/s2/s0001/a1.batch.json" >"$T/b.json"
mv "$T/b.json" "$S/s2/s0001/a1.batch.json"
sleep 0.7
run bw-run --spool "$S" --once
exit_is 1 "broken runs: exit 1"
ok '[ "$(jq -c .finished "$T/out")" = "[\"s3\"]" ]' "broken runs: the healthy one finished"
ok '[ "$(jq -r ".failed[] | .run" "$T/out" | tr "\n" " ")" = "s1 s2 " ]' "broken runs: both reported"
ok 'jq -r ".failed[0].reason" "$T/out" | grep -q "^$S/s1/settings.json: not the JSON object bw-run wrote: the run directory is damaged"' \
	"broken runs: a damaged directory's reason"
ok 'jq -r ".failed[1].reason" "$T/out" | grep -q "GET /v1/batches/batch_gone0000000000000000: .*404"' \
	"broken runs: the batch the API no longer knows, named"
err_like "s1/settings\\.json" "broken runs: said on stderr too"
rm -rf "$S/s1" "$S/s2" "$S/s3"

# --- --wake behind bw-webhook --exec: only the run of the named batch
fake_ctl '{"pace":0.2}'
printf '{"customId":"w1","prompt":"x"}\n' >"$T/w.jsonl"
bw-run -d "$S/wx" -m gpt-4o-mini --once "$T/w.jsonl" 2>/dev/null
bw-run -d "$S/wy" -m gpt-4o-mini --once "$T/w.jsonl" 2>/dev/null
bx=$(jq -r .id "$S/wx/s0001/a1.batch.json")
by=$(jq -r .id "$S/wy/s0001/a1.batch.json")
sleep 1
clear_stats
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s' "$SECRET" >"$T/whsecret"
ts=$(date +%s)
body="{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"batch.completed\",\"created_at\":$ts,\"data\":{\"id\":\"$bx\"}}"
key=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
sig=$(printf '%s' "wh_1.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64)
printf '%s' "$body" | bw-webhook --secret-file "$T/whsecret" --id wh_1 --timestamp "$ts" \
	--signature "v1,$sig" --exec "bw-run --spool '$S' --once --wake >'$T/woke' 2>'$T/woke.err'" >/dev/null
i=0
while [ ! -s "$T/woke" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
ok '[ "$(jq -c .finished "$T/woke")" = "[\"wx\"]" ]' "--wake: the run of the event's batch took its step and finished"
ok '[ -s "$S/wx/results.jsonl" ] && [ ! -e "$S/wy/results.jsonl" ]' "--wake: the other run untouched"
ok '[ "$(stats | jq -c "[.requests[\"GET /v1/batches\"], .requests[\"GET /v1/batches/{id}\"]]")" = "[0,1]" ]' \
	"--wake: no listing, the batch read again by its id (the event only a hint)"
# an event for a batch no run holds: nothing done
run bw-run --spool "$S" --once --wake batch_notours00000000000000
ok '[ "$(jq -c .finished "$T/out")" = "[]" ] && [ ! -e "$S/wy/results.jsonl" ]' "--wake: a batch of no run: nothing done"

# --- the server down for a moment (503s) when a run's batch is read by
# its id: the run is not broken, it waits for the next tick
printf '{"customId":"z1","prompt":"x"}\n' >"$T/z.jsonl"
fake_ctl '{"pace":30}'
bw-run -d "$S/wz" -m gpt-4o-mini --once "$T/z.jsonl" 2>/dev/null
bz=$(jq -r .id "$S/wz/s0001/a1.batch.json")
fake_ctl "{\"faults\":[{\"path\":\"^/v1/batches/$bz\$\",\"kind\":\"status\",\"code\":503,\"times\":100}]}"
run bw-run --spool "$S" --once --wake --retries 1 --retry-wait 0.05 "$bz"
exit_is 75 "a 503 for a woken run's batch: exit 75"
ok '[ "$(jq -c "[(.running | index(\"wz\") != null), .failed]" "$T/out")" = "[true,[]]" ]' "a 503 for a woken run's batch: running, not broken"
fake_ctl '{"faults":[],"pace":0}'
rm -rf "$S/wz"

# --- ^C while --exec's command runs (and ignores SIGTERM): over within
# a second or two, the command and what it started stopped too
mkdir "$T/slow"
bw-run -d "$T/slow/s1" -m gpt-4o-mini --once -q \
	--exec 'trap "" TERM INT; touch "$BW_RUN_DIR/started"; sleep 37; touch "$BW_RUN_DIR/after"' "$T/w.jsonl" 2>/dev/null
bw-run --spool "$T/slow" --once >/dev/null 2>"$T/slow.err" &
p=$!
i=0
while [ ! -e "$T/slow/s1/started" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s)
kill -INT $p
wait $p
rc=$?
t1=$(date +%s)
ok '[ $rc = 130 ] && [ $((t1 - t0)) -le 4 ]' "^C during --exec: the tick died of it at once (exit $rc, $((t1 - t0)) s)"
sleep 0.5
ok '! pgrep -f "sleep 37" >/dev/null' "^C during --exec: the command's own children stopped"
ok '[ "$(jq -c "[.done, .tries]" "$T/slow/s1/exec.json")" = "[false,1]" ]' "^C during --exec: not counted as done"
rm -rf "$T/slow"

# --- an --exec command that says much on stderr: passed on as it comes,
# the tick does not wait on a full pipe
fake_ctl '{"pace":0}'
mkdir "$T/loud"
bw-run -d "$T/loud/l1" -m gpt-4o-mini --once -q \
	--exec 'head -c 300000 /dev/zero | tr "\0" x >&2' "$T/w.jsonl" 2>/dev/null
run timeout 60 bw-run --spool "$T/loud" --once
exit_is 0 "a command that writes 300 KB on stderr: exit 0"
ok '[ "$(tr -d "\n" <"$T/err" | tr -cd x | wc -c)" = 300000 ]' "a command that writes 300 KB on stderr: all of it passed on"

# --- the command gets no descriptor of bw-run's (connections, locks,
# the tick's pipes): 0, 1 and 2 only.  ls replaces the shell (exec: no
# fd of the shell's own), and its only other fd is the directory it reads
mkdir "$T/fds"
bw-run -d "$T/fds/f1" -m gpt-4o-mini --once -q \
	--exec 'exec ls -l /proc/self/fd' "$T/w.jsonl" 2>/dev/null
run bw-run --spool "$T/fds" --once
exit_is 0 "a command in a tick: exit 0"
fds=$(grep -- ' -> ' "$T/err" | sed 's/.* \([0-9]*\) -> \(.*\)/\1:\2/' | grep -v '^[0-2]:' | grep -v ':/proc/[0-9]*/fd$' | tr "\n" " ")
ok '[ "$(grep -c -- " -> " "$T/err")" -ge 4 ] && [ -z "$fds" ]' "a command in a tick: descriptors 0, 1, 2 only ($fds)"

# --- usage
run bw-run --spool "$S"
exit_is 2 "--spool without --once: exit 2"
err_like "--spool: one step of every run needs --once" "--spool without --once: said"
run bw-run --spool "$S" --once --exec true
exit_is 2 "--spool with a run's setting: exit 2"
run bw-run --spool "$T/nowhere" --once
exit_is 2 "--spool: a spool that is not there: exit 2"
run bw-run -d "$S/x" --wake
exit_is 2 "--wake without --spool: exit 2"

done_testing
