#!/bin/sh
# bw-run: every stage kept in a work directory; killed anywhere, resumed,
# never uploading or creating twice.
. tests/lib.sh
fake_start
api() {	# api [CURL ARGS] PATH: the fake server's answer
	curl -sf -H 'Authorization: Bearer x' "$@"
}
count() {	# what the server holds: files named like the run's, batches
	files=$(api "$OPENAI_BASE_URL/files?purpose=batch") &&
	api "$OPENAI_BASE_URL/batches?limit=100" | jq -r --argjson files "$files" '
		[$files.data[] | select(.filename | startswith("batch-")) | .id] as $ids
		| "\($ids | length) \([.data[] | select(.input_file_id as $i | any($ids[]; . == $i))] | length)"'
}
reset_server() {
	api "$OPENAI_BASE_URL/files?purpose=batch" | jq -r '.data[].id' |
	while read -r id; do
		api -X DELETE "$OPENAI_BASE_URL/files/$id" >/dev/null
	done
}
nresults() { jq -Rn '[inputs | fromjson | select(.status == "succeeded")] | length' "$1"; }

run bw-run -d "$T/w1" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 0 "a whole run: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 4 ] && [ "$(nresults "$T/out")" -eq 4 ]' "a whole run: the four results on stdout"
ok 'for f in settings requests.jsonl file.json batch.json done.json output.jsonl results.jsonl; do [ -s "$T/w1/$f" ] || exit 1; done; ls "$T/w1"/batch-*.jsonl "$T/w1"/raw/file-*.jsonl >/dev/null' \
	"every stage's output kept for an audit"
ok '[ "$(count)" = "1 1" ]' "one upload, one batch"
run bw-run -d "$T/w1"
exit_is 0 "run again when done: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "run again when done: the results again"
ok '[ "$(count)" = "1 1" ]' "run again when done: nothing sent again"
# a stage's status file broken (a full disk at the wrong moment): said,
# the stage run again, nothing sent twice
: >"$T/w1/done.json.status"
run bw-run -d "$T/w1" -i 0.01
exit_is 0 "an empty done.json.status: exit 0"
err_like 'done\.json\.status: not a finished stage' "an empty done.json.status: said"
ok '[ "$(nresults "$T/out")" -eq 4 ] && [ "$(cat "$T/w1/done.json.status")" = 0 ]' "an empty done.json.status: the poll done again, the results"
echo '0; garbage' >"$T/w1/file.json.status"
echo 1 >"$T/w1/batch.json.status"
rm "$T/w1/done.json.status"
run bw-run -d "$T/w1" -i 0.01
exit_is 0 "garbage, a wrong and a missing status: exit 0"
ok '[ "$(nresults "$T/out")" -eq 4 ] && [ "$(count)" = "1 1" ]' "garbage, a wrong and a missing status: the stages again, one upload, one batch"
# a full disk: 74 naming the file, no temporary file left
rm "$T/w1/results.jsonl"
ln -s /dev/full "$T/w1/results.jsonl.tmp"
run bw-run -d "$T/w1" -q
exit_is 74 "a full disk under a stage: exit 74"
ok '[ ! -e "$T/w1/results.jsonl.tmp" ] && [ ! -L "$T/w1/results.jsonl.tmp" ] && [ ! -e "$T/w1/results.jsonl" ]' "a full disk under a stage: no temporary file left"
mkdir "$T/wf"
ln -s /dev/full "$T/wf/requests.jsonl.tmp"
run bw-run -d "$T/wf" -m gpt-4o-mini examples/requests.jsonl
exit_is 74 "a full disk for the requests: exit 74"
err_like 'requests\.jsonl\.tmp: No space left on device' "a full disk for the requests: the file named"
ok '[ ! -L "$T/wf/requests.jsonl.tmp" ] && [ ! -e "$T/wf/settings" ]' "a full disk for the requests: no temporary file left, nothing saved"
run bw-run -d "$T/w1" -q
exit_is 0 "the disk back: exit 0"
# settings: quoted so that reading them runs nothing; -e checked first
run bw-run -d "$T/wq" -m gpt-4o-mini -e "chat'; touch $T/X; '" examples/requests.jsonl
exit_is 2 "an unknown endpoint: usage error"
ok '[ ! -e "$T/wq/settings" ] && [ ! -e "$T/X" ]' "an unknown endpoint: nothing saved, nothing run"
m="gpt-4o-mini'; touch $T/X; '\\'\"\$(touch $T/X)"
run bw-run -d "$T/wq" -m "$m" -D '{"user":"a'\''b; `touch '"$T"'/X`"}' examples/requests.jsonl
run bw-run -d "$T/wq"
ok '[ ! -e "$T/X" ] && (. "$T/wq/settings" && [ "$run_model" = "$m" ] && [ "$run_endpoint" = chat ])' "quotes in the settings: kept as they were, nothing run"
run bw-run -d "$T/w1" -m gpt-5.5
exit_is 2 "resuming with another model: usage error"
run bw-run -d "$T/w2" examples/requests.jsonl
exit_is 2 "a first run without -m: usage error"
run bw-run -m gpt-4o-mini examples/requests.jsonl
exit_is 2 "no -d: usage error"

# killed at each network stage, then resumed
killed_at() {	# description fault-json next-output previous-output
	reset_server
	rm -rf "$T/w"
	fake_ctl "{\"faults\":[$2]}"
	setsid bw-run -d "$T/w" -m gpt-4o-mini -i 0.01 examples/requests.jsonl >/dev/null 2>&1 &
	pid=$!
	fake_wait control '.faults == []'	# into the slow request
	kill -KILL -$pid
	wait $pid 2>/dev/null
	next=$3 prev=$4
	ok 'ls "$T/w"/$prev >/dev/null 2>&1' "killed during $1: $prev there"
	ok '[ ! -e "$T/w/$next" ]' "killed during $1: $next not there yet"
	fake_wait log 'any(.[]; .fault == "slow")'	# the slow reply finished on the server's side
	fake_ctl '{"faults":[]}'
	fake_log_clear
	run bw-run -d "$T/w" -i 0.01
	exit_is 0 "killed during $1, resumed: exit 0"
	ok '[ "$(nresults "$T/out")" -eq 4 ]' "killed during $1, resumed: every result"
	ok '[ "$(count)" = "1 1" ]' "killed during $1, resumed: one upload, one batch"
}
killed_at "the upload" '{"method":"POST","path":"^/v1/files$","kind":"slow","seconds":2}' file.json 'batch-*.jsonl'
killed_at "the create" '{"method":"POST","path":"^/v1/batches$","kind":"slow","seconds":2}' batch.json file.json
killed_at "the polling" '{"method":"GET","path":"^/v1/batches/","kind":"slow","seconds":2}' done.json batch.json
killed_at "the download" '{"method":"GET","path":"/content$","kind":"slow","seconds":2}' output.jsonl done.json
rm "$T/w/results.jsonl"
run bw-run -d "$T/w" -q
exit_is 0 "cut before the parse: exit 0"
ok '[ "$(nresults "$T/w/results.jsonl")" -eq 4 ] && [ ! -s "$T/out" ]' "cut before the parse: results made again; -q prints nothing"

# ^C, and a batch that does not complete
reset_server
fake_ctl '{"steps":1000}'
fake_log_clear
setsid bw-run -d "$T/w3" -m gpt-4o-mini -i 0.05 examples/requests.jsonl >/dev/null 2>&1 &
pid=$!
fake_wait log 'any(.[]; .method == "GET" and (.path | test("^/v1/batches/batch_")))'	# polling
kill -INT -$pid	# as a terminal's ^C does: to the whole group
wait $pid
rc=$?
ok '[ $rc -ne 0 ] && [ -s "$T/w3/batch.json" ] && [ ! -e "$T/w3/done.json" ]' "^C while polling: stops, the batch kept"
fake_ctl '{"steps":1}'
run bw-run -d "$T/w3" -i 0.01
exit_is 0 "^C while polling, resumed: exit 0"
ok '[ "$(count)" = "1 1" ]' "^C, resumed: one upload, one batch"

# the script alone killed (SIGTERM to its pid, not to its group): the
# bw-poll it started stops with it, and the lock is free
reset_server
fake_ctl '{"steps":1000}'
setsid bw-run -d "$T/w5" -m gpt-4o-mini -i 0.05 examples/requests.jsonl >/dev/null 2>&1 &
pid=$!
i=0
while ! pgrep -s $pid -x bw-poll >/dev/null && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
ok 'pgrep -s $pid -x bw-poll >/dev/null' "bw-run killed alone: its bw-poll running first"
kill -TERM $pid
wait $pid
rc=$?
ok '[ $rc -eq 143 ]' "bw-run killed alone: dies of SIGTERM (rc $rc)"
i=0
while pgrep -s $pid >/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
ok '! pgrep -s $pid >/dev/null' "bw-run killed alone: no bw-poll left behind"
ok 'flock -n "$T/w5/lock" true' "bw-run killed alone: the lock is free"
ok '[ -s "$T/w5/batch.json" ] && [ ! -e "$T/w5/done.json" ] && [ ! -e "$T/w5/done.json.tmp" ]' "bw-run killed alone: the batch kept, no partial poll output"
pkill -KILL -s $pid 2>/dev/null	# before the fix: the orphan, ended
fake_ctl '{"steps":1}'

fake_ctl '{"scenario":"expired"}'
run bw-run -d "$T/w4" -m gpt-4o-mini -i 0.01 examples/requests.jsonl
exit_is 1 "an expired batch: exit 1"
ok '[ "$(grep -c "\"status\":\"expired\"" "$T/out")" -eq 2 ] && [ "$(nresults "$T/out")" -eq 2 ]' "an expired batch: the partial results and the expired ones"
fake_ctl '{"scenario":"ok"}'

run bw-run --help
exit_is 0 "--help: exit 0"
ok 'grep -q "^usage: bw-run -d dir" "$T/out"' "--help: the usage"
run bw-run --version
out_is "bw-run 0.1.0" "--version"

done_testing
