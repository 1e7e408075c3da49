#!/bin/sh
# bw-run killed (SIGKILL) anywhere, then run again: nothing uploaded
# twice, at most one batch a shard, attempt and try, every request's
# result once in input order.  The network points are reached by holding
# the request on the server (a "slow" fault: the server goes on with it
# after the kill; "silent": it never does); the local ones (settling,
# joining) by kills at random moments.  Then SIGINT and SIGTERM.
. tests/lib.sh
fake_start
stats() { curl -sf "$FAKE/__stats"; }
token() { jq -r .token "$1/settings.json"; }
# the run's uploads, "NAME COUNT" a line
uploads() {
	stats | jq -r --arg t "$(token "$1")" '.files | to_entries[]
		| select(.key | startswith("bw-\($t)-")) | "\(.key) \(.value)"'
}
# the run's batches, "shard/attempt/try" a line
tries() {
	stats | jq -r --arg t "$(token "$1")" '.batches[]
		| select(.metadata.bw_run == $t)
		| "\(.metadata.bw_shard)/\(.metadata.bw_attempt)/\(.metadata.bw_try)"'
}
invariants() {	# DIR DESC
	idir=$1
	ok '[ -z "$(uploads "$idir" | awk "\$2 != 1")" ]' "$2: no file uploaded twice"
	ok '[ -z "$(tries "$idir" | sort | uniq -d)" ]' "$2: at most one batch a shard, attempt and try"
}

# 40 requests, 4 of them failing once (500), in 8 shards of 5
i=0
while [ $i -lt 40 ]; do
	case $i in 3|12|26|38) id=k$i-retry500 ;; *) id=k$i ;; esac
	printf '{"customId":"%s","prompt":"question %d"}\n' $id $i
	i=$((i + 1))
done >"$T/k.jsonl"
jq -r .customId "$T/k.jsonl" >"$T/k.ids"

# the first step of the run: everything kept before the first request
fake_ctl '{"pace":0.2}'
killed=0
kill_at() {	# DESC FAULT: runs bw-run with the fault, kills it inside
	fake_ctl "{\"faults\":[$2]}"
	fake_log_clear
	if [ -e "$T/k/settings.json" ]; then
		setsid bw-run -d "$T/k" -q -i 0.05 >/dev/null 2>&1 &
	else
		setsid bw-run -d "$T/k" -m gpt-4o-mini -q -i 0.05 --max-requests 5 \
			"$T/k.jsonl" >/dev/null 2>&1 &
	fi
	pid=$!
	i=0
	until curl -sf "$FAKE/__control" | jq -e '.faults == []' >/dev/null ||
		! kill -0 $pid 2>/dev/null || [ $i -ge 400 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	if kill -KILL -$pid 2>/dev/null; then
		killed=$((killed + 1))
		ok true "killed during $1"
	else
		ok false "killed during $1: the run ended before"
	fi
	wait $pid 2>/dev/null
	case $2 in *slow*)	# the server has done it, after the kill
		fake_wait log 'any(.[]; .fault == "slow")' ;;
	esac
	fake_ctl '{"faults":[]}'
	invariants "$T/k" "killed during $1"
}
files='"method":"POST","path":"^/v1/files$"'
create='"method":"POST","path":"^/v1/batches$"'
list='"method":"GET","path":"^/v1/batches$"'
content='"method":"GET","path":"/content$"'
kill_at "the first upload (the server keeps it)" "{$files,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "an upload (the server never has it)" "{$files,\"kind\":\"silent\",\"seconds\":1}"
kill_at "the first create (the server makes it)" "{$create,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "a create (the server never has it)" "{$create,\"kind\":\"silent\",\"seconds\":1}"
kill_at "the third upload after a resume" "{$files,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":2}"
kill_at "the second create after a resume" "{$create,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":1}"
kill_at "the last upload" "{$files,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":1}"
kill_at "the last create" "{$create,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":0}"
kill_at "the first look (list)" "{$list,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "a look (list), not answered" "{$list,\"kind\":\"silent\",\"seconds\":1}"
kill_at "a download" "{$content,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "a download, not answered" "{$content,\"kind\":\"silent\",\"seconds\":1}"
kill_at "the third download" "{$content,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":2}"
kill_at "the upload of an attempt 2" "{$files,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "the create of an attempt 2" "{$create,\"kind\":\"slow\",\"seconds\":0.3}"
kill_at "a later look" "{$list,\"kind\":\"slow\",\"seconds\":0.3,\"skip\":1}"
kill_at "a later download" "{$content,\"kind\":\"slow\",\"seconds\":0.3}"
run bw-run -d "$T/k" -q -i 0.05
exit_is 0 "killed $killed times, resumed: exit 0"
ok 'jq -r .customId "$T/k/results.jsonl" | cmp -s - "$T/k.ids"' \
	"killed $killed times, resumed: every request once, in input order"
ok '[ "$(jq -r .status "$T/k/results.jsonl" | sort -u)" = succeeded ] && [ "$(jq -r "select(.customId | test(\"retry500\")) | .attempts" "$T/k/results.jsonl" | sort -u)" = 2 ]' \
	"killed $killed times, resumed: all succeeded, the 500s in attempt 2"
ok '[ "$(uploads "$T/k" | wc -l)" -eq "$(ls "$T"/k/s*/a*.file.json | wc -l)" ] && [ "$(ls "$T"/k/s*/a*.file.json | wc -l)" -ge 10 ]' \
	"killed $killed times, resumed: one upload an attempt (8 shards, the 500s' attempts 2)"
ok '[ "$(tries "$T/k" | wc -l)" -eq "$(ls "$T"/k/s*/a*.done.json | wc -l)" ]' \
	"killed $killed times, resumed: one batch an attempt"
invariants "$T/k" "killed $killed times, resumed"

# kills at random moments of a run of 300 requests in 10 shards: the
# settling and the joining too
i=0
while [ $i -lt 300 ]; do
	printf '{"customId":"r%03d","prompt":"question %d %s"}\n' $i $i \
		"$(printf '%0200d' 0)"
	i=$((i + 1))
done >"$T/r.jsonl"
jq -r .customId "$T/r.jsonl" >"$T/r.ids"
fake_ctl '{"pace":0,"expire_next":2}'
n=0
for d in 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5; do
	if [ -e "$T/r/results.jsonl" ]; then break; fi
	d=$(awk -v d=$d 'BEGIN { srand(); printf "%.3f", d * (0.5 + rand()) }')
	if [ -e "$T/r/settings.json" ]; then
		setsid bw-run -d "$T/r" -q -i 0.02 >/dev/null 2>&1 &
	else
		setsid bw-run -d "$T/r" -m gpt-4o-mini -q -i 0.02 --max-requests 30 \
			"$T/r.jsonl" >/dev/null 2>&1 &
	fi
	pid=$!
	sleep "$d"
	kill -KILL -$pid 2>/dev/null && n=$((n + 1))
	wait $pid 2>/dev/null
done
ok '[ $n -ge 6 ]' "killed at $n random moments"
invariants "$T/r" "killed at random moments"
run bw-run -d "$T/r" -q -i 0.02
exit_is 0 "killed at random moments, resumed: exit 0"
ok 'jq -r .customId "$T/r/results.jsonl" | cmp -s - "$T/r.ids"' \
	"killed at random moments, resumed: every request once, in input order"
ok '[ "$(jq -r .status "$T/r/results.jsonl" | sort -u)" = succeeded ]' \
	"killed at random moments, resumed: all succeeded (the expired in attempt 2)"
invariants "$T/r" "killed at random moments, resumed"

# SIGINT and SIGTERM: stop within a second, say how to go on, die of it
fake_ctl '{"pace":100000}'
for sig in INT TERM; do
	fake_log_clear
	bw-run -d "$T/s$sig" -m gpt-4o-mini -q -i 5 examples/requests.jsonl 2>"$T/err" &
	pid=$!
	fake_wait log 'any(.[]; .method == "GET" and (.path | test("^/v1/batches")))' || :
	sleep 0.1
	t0=$(date +%s.%N)
	kill -$sig $pid
	wait $pid
	rc=$?
	t1=$(date +%s.%N)
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	ok '[ $rc -eq $want ]' "SIG$sig while waiting: dies of it ($rc)"
	ok 'awk -v a=$t0 -v b=$t1 "BEGIN { exit !(b - a < 1) }"' "SIG$sig while waiting: within a second"
	err_like "interrupted: run bw-run -d $T/s$sig again to go on" "SIG$sig: says how to go on"
	ok 'flock -n "$T/s$sig/lock" true' "SIG$sig: the lock is free"
done
fake_ctl '{"pace":0}'
run bw-run -d "$T/sINT" -q -i 0.02
exit_is 0 "after SIGINT, resumed: exit 0"
ok '[ "$(jq -r .customId "$T/sINT/results.jsonl" | tr "\n" " ")" = "fr jp haiku sum " ]' "after SIGINT, resumed: the results"
ok '[ "$(tries "$T/sINT" | wc -l)" -eq 1 ]' "after SIGINT, resumed: one batch"

done_testing
