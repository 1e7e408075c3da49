#!/bin/sh
# bw-run: the queue budget (--max-enqueued-tokens) in the shards and in
# flight, the server's token limit met and the batches created again,
# --dry-run, --status, --once and the lock, the bound on polling
# requests, --cancel.
. tests/lib.sh
fake_start
stats() { curl -sf "$FAKE/__stats"; }
token() { jq -r .token "$1/settings.json"; }
# the run's batches on the server: "shard/attempt/try status" a line
batches() {
	stats | jq -r --arg t "$(token "$1")" '.batches[]
		| select(.metadata.bw_run == $t)
		| "\(.metadata.bw_shard)/\(.metadata.bw_attempt)/\(.metadata.bw_try) \(.status)"'
}
i=0
while [ $i -lt 12 ]; do
	printf '{"customId":"q%02d","prompt":"question number %d, please answer it"}\n' $i $i
	i=$((i + 1))
done >"$T/q.jsonl"
jq -r .customId "$T/q.jsonl" >"$T/q.ids"

# --- --dry-run: the shards, nothing sent, nothing written
before=$(stats | jq -c .requests)
run bw-run --dry-run -m gpt-4o-mini --max-requests 3 examples/requests.jsonl
exit_is 0 "--dry-run: exit 0"
out_is '{"shard":1,"requests":3,"bytes":620,"tokens":195}
{"shard":2,"requests":1,"bytes":226,"tokens":51}' "--dry-run: a line a shard"
err_like '^bw-run: 4 requests in 2 shards, 846 bytes, about 246 tokens: nothing sent \(--dry-run\)$' \
	"--dry-run: the summary on stderr"
run bw-run -d "$T/dry" --dry-run -m gpt-4o-mini --max-enqueued-tokens 150 examples/requests.jsonl
exit_is 0 "--dry-run with -d and a budget: exit 0"
out_is '{"shard":1,"requests":2,"bytes":433,"tokens":97}
{"shard":2,"requests":2,"bytes":413,"tokens":149}' "--dry-run with a budget: shards within it"
ok '[ ! -e "$T/dry" ] && [ "$(stats | jq -c .requests)" = "$before" ]' "--dry-run: no DIR made, nothing sent"
run bw-run --dry-run examples/requests.jsonl
exit_is 2 "--dry-run without -m: exit 2"

# --- the estimate: ceil(body bytes / 3) + the output tokens asked
fake_ctl '{"pace":0}'
run bw-run -d "$T/est" -m gpt-4o-mini -i 0.01 -q examples/requests.jsonl
exit_is 0 "a run for the estimate: exit 0"
ok '[ "$(jq -s "map((.body | tojson | length) / 3 | ceil) | add" "$T/est/s0001/a1.jsonl")" -eq 186 ] && [ "$(jq .tokens "$T/est/shards.jsonl")" -eq 246 ]' \
	"the estimate: 186 for the bodies and 60 of maxOutputTokens"

# --- a single request over the budget: 65, nothing kept
run bw-run -d "$T/big" -m gpt-4o-mini --max-enqueued-tokens 30 "$T/q.jsonl"
exit_is 65 "a request over the budget: exit 65"
err_like 'q\.jsonl: line 1: an estimated 34 tokens, past the queue budget of 30' \
	"a request over the budget: the line and its estimate named"
ok '[ ! -e "$T/big/settings.json" ] && [ ! -e "$T/big/s0001" ]' "a request over the budget: nothing kept"

# --- shards within the budget, and in flight never more than it
fake_ctl '{"pace":0.3}'
bw-run -d "$T/b1" -m gpt-4o-mini -i 0.05 -q --max-requests 2 \
	--max-enqueued-tokens 150 "$T/q.jsonl" 2>"$T/b1.err" &
pid=$!
: >"$T/samples"
while kill -0 $pid 2>/dev/null; do
	if [ -s "$T/b1/shards.jsonl" ] && [ -s "$T/b1/settings.json" ]; then
		stats | jq --slurpfile sh "$T/b1/shards.jsonl" --arg t "$(token "$T/b1")" '
			[.batches[] | select(.metadata.bw_run == $t and
				(.status | IN("validating", "in_progress", "finalizing")))
			 | .metadata.bw_shard | tonumber | $sh[. - 1].tokens] | add // 0' \
			>>"$T/samples" 2>/dev/null
	fi
	sleep 0.1
done
wait $pid
rc=$?
exit_is 0 "a budget of 150 for shards of 68: exit 0"
ok '[ "$(jq -c "[.requests, .tokens]" "$T/b1/shards.jsonl" | sort -u)" = "[2,68]" ]' \
	"a budget of 150: shards.jsonl, 6 shards of 68 tokens"
max=$(sort -n "$T/samples" | tail -1)
ok '[ "${max:-0}" -le 150 ]' "a budget of 150: never more in flight on the server ($max at most, $(wc -l <"$T/samples") looks)"
ok '[ "${max:-0}" -eq 136 ]' "a budget of 150: two shards in flight at a time (136)"
ok 'jq -r .customId "$T/b1/results.jsonl" | cmp -s - "$T/q.ids"' "a budget of 150: every result in order"

# --- the server's token limit lower than what the run puts in flight
# (fake tokens: 25 a request, 50 a shard of two; a limit of 60)
fake_ctl '{"pace":0.2,"token_limit":60}'
run bw-run -d "$T/tl" -m gpt-4o-mini -i 0.05 --max-requests 2 "$T/q.jsonl"
exit_is 0 "the server's token limit met: exit 0"
ok 'jq -r .customId "$T/out" | cmp -s - "$T/q.ids"' "the server's token limit met: every request once, in order"
ok '[ "$(jq -r "[.status, .attempts] | @tsv" "$T/out" | sort -u)" = "$(printf "succeeded\t1")" ]' \
	"the server's token limit met: all succeeded, costing no attempt"
batches "$T/tl" >"$T/tl.b"
ok 'grep -q "^[2-6]/1/1 failed$" "$T/tl.b" && grep -q "^[2-6]/1/2 " "$T/tl.b"' \
	"the server's token limit met: batches failed and created again with bw_try 2"
ok '[ "$(grep -c " completed$" "$T/tl.b")" -eq 6 ] && [ "$(grep " completed$" "$T/tl.b" | cut -d/ -f1 | sort -u | wc -l)" -eq 6 ] && [ "$(grep -c " failed$" "$T/tl.b")" -eq "$(ls "$T"/tl/s*/a1.limited-*.json | wc -l)" ]' \
	"the server's token limit met: one completed batch a shard; each failed try kept as limited-T.json"
ok '[ "$(stats | jq --arg t "$(token "$T/tl")" "[.batches[] | select(.metadata.bw_run == \$t and .status == \"failed\") | .error_code] | unique | join(\",\")" -r)" = token_limit_exceeded ]' \
	"the server's token limit met: the failures were token_limit_exceeded"
err_like "met the queue's token limit: it will be created again" "the server's token limit met: said"
ok '[ "$(batches "$T/tl" | sort | uniq -d | wc -l)" -eq 0 ] && [ "$(batches "$T/tl" | cut -d" " -f1 | sort | uniq -d | wc -l)" -eq 0 ]' \
	"the server's token limit met: one batch a shard, attempt and try"
fake_ctl '{"token_limit":null}'

# --- --status, --once, the lock
fake_ctl '{"pace":1000}'
run bw-run -d "$T/o" --status
exit_is 2 "--status with no run: exit 2"
err_like "$T/o: no run here" "--status with no run: said"
run bw-run -d "$T/o" --once -m gpt-4o-mini --max-requests 4 --max-enqueued-tokens 140 "$T/q.jsonl"
exit_is 75 "--once, the first step: exit 75"
out_empty "--once, the first step: nothing on stdout"
before=$(stats | jq -c .requests)
run env -u OPENAI_API_KEY bw-run -d "$T/o" --status
exit_is 0 "--status while running: exit 0"
b1=$(jq -r .id "$T/o/s0001/a1.batch.json")
out_is "{\"dir\":\"$T/o\",\"state\":\"running\",\"shards\":{\"total\":3,\"queued\":2,\"running\":1,\"ending\":0,\"done\":0},\"requests\":{\"total\":12,\"pending\":12},\"batches\":[{\"shard\":1,\"attempt\":1,\"id\":\"$b1\",\"status\":\"validating\",\"requests\":4,\"tokens\":136}],\"usage\":{\"input_tokens\":0,\"output_tokens\":0,\"total_tokens\":0},\"tokens\":{\"in_flight\":136,\"budget\":140},\"exec\":null,\"notify\":null}" \
	"--status while running: the one line"
ok '[ "$(stats | jq -c .requests)" = "$before" ]' "--status: nothing sent (and no key needed)"
run flock -o "$T/o/lock" bw-run -d "$T/o" --once
exit_is 75 "--once while another bw-run holds the lock: exit 75"
err_empty "--once while another bw-run holds the lock: silent"
run flock -o "$T/o/lock" bw-run -d "$T/o" -i 0.01
exit_is 75 "a second bw-run: exit 75"
err_like "^bw-run: another bw-run is working in $T/o\$" "a second bw-run: said"
ok '[ "$(stats | jq -c .requests)" = "$before" ]' "a second bw-run: nothing sent"
fake_ctl '{"pace":0}'
n=0 codes=
while [ $n -lt 10 ]; do
	run bw-run -d "$T/o" --once -q
	codes="$codes$rc "
	n=$((n + 1))
	[ $rc -eq 75 ] || break
done
ok 'echo "$codes" | grep -Eq "^(75 )+0 $"' "--once again and again: 75 until finished, then 0 ($codes)"
ok 'jq -r .customId "$T/o/results.jsonl" | cmp -s - "$T/q.ids"' "--once: the results in order"
run env -u OPENAI_API_KEY bw-run -d "$T/o" --status
ok '[ "$(jq -c "[.state, .shards, .requests, .tokens]" "$T/out")" = "[\"finished\",{\"total\":3,\"queued\":0,\"running\":0,\"ending\":0,\"done\":3},{\"total\":12,\"succeeded\":12,\"errored\":0,\"expired\":0,\"canceled\":0,\"pending\":0},{\"in_flight\":0,\"budget\":140}]" ]' \
	"--status when finished"
ok '[ "$(jq ".batches | length" "$T/out")" -eq 3 ] && [ "$(jq ".usage.total_tokens" "$T/out")" -eq 144 ]' \
	"--status when finished: the three batches, their usage"
run bw-run -d "$T/o" --once
exit_is 0 "--once on a finished run: exit 0"
ok 'jq -r .customId "$T/out" | cmp -s - "$T/q.ids"' "--once on a finished run: the results"

# --- the bound on polling: ceil(M/100)+1 requests a look, M in flight
fake_ctl '{"pace":100000}'
i=0
while [ $i -lt 105 ]; do printf '{"customId":"m%03d","prompt":"p"}\n' $i; i=$((i + 1)); done >"$T/m.jsonl"
run bw-run -d "$T/m" --once -m gpt-4o-mini --max-requests 1 "$T/m.jsonl"
exit_is 75 "105 shards of one, --once: exit 75"
ok '[ "$(batches "$T/m" | wc -l)" -eq 105 ]' "105 shards of one: 105 batches created in the first step"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-run -d "$T/m" --once
exit_is 75 "105 batches in flight, one step: exit 75"
ok '[ "$(stats | jq "[.requests[\"GET /v1/batches\"], .requests[\"GET /v1/batches/{id}\"]] | add")" -le 3 ]' \
	"105 batches in flight, one look: at most ceil(105/100)+1 = 3 requests ($(stats | jq -c '[.requests["GET /v1/batches"], .requests["GET /v1/batches/{id}"]]'))"
ok '[ "$(stats | jq "[.requests[]] | add")" = "$(stats | jq "[.requests[\"GET /v1/batches\"], .requests[\"GET /v1/batches/{id}\"]] | add")" ]' \
	"105 batches in flight, one look: nothing but looks"
run env -u OPENAI_API_KEY bw-run -d "$T/m" --status
ok '[ "$(jq -c .shards "$T/out")" = "{\"total\":105,\"queued\":0,\"running\":105,\"ending\":0,\"done\":0}" ]' \
	"105 batches in flight: --status says so"

# --- --cancel: every live batch cancelled, nothing more created
fake_ctl '{"pace":100000}'
run bw-run -d "$T/c" --once -m gpt-4o-mini --max-requests 2 --max-enqueued-tokens 140 "$T/q.jsonl"
exit_is 75 "before --cancel: two batches in flight, four shards queued"
ok '[ "$(batches "$T/c" | tr "\n" ,)" = "1/1/1 validating,2/1/1 validating," ]' "before --cancel: two batches"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-run -d "$T/c" --cancel --once
exit_is 75 "--cancel --once: exit 75 (the cancelled batches not ended yet)"
ok '[ -e "$T/c/cancel" ]' "--cancel: DIR/cancel recorded"
ok '[ "$(stats | jq ".requests[\"POST /v1/batches/{id}/cancel\"], .requests[\"POST /v1/batches\"], .requests[\"POST /v1/files\"]" | tr "\n" " ")" = "2 0 0 " ]' \
	"--cancel: the two live batches cancelled, nothing uploaded or created"
run env -u OPENAI_API_KEY bw-run -d "$T/c" --status
ok '[ "$(jq -r .state "$T/out")" = cancelling ]' "--status after --cancel: cancelling"
fake_ctl '{"pace":0.05}'
run bw-run -d "$T/c" -i 0.05
exit_is 1 "after --cancel, the run ends: exit 1"
err_like "$T/c: 10 of 12 requests failed \(0 errored, 0 expired, 10 canceled\)" "after --cancel: the summary"
ok '[ "$(jq -r "[.customId, .status, .error.code] | @tsv" "$T/out" | tr "\t\n" " ,")" = "q00 succeeded ,q01 canceled batch_cancelled,q02 succeeded ,q03 canceled batch_cancelled,q04 canceled run_cancelled,q05 canceled run_cancelled,q06 canceled run_cancelled,q07 canceled run_cancelled,q08 canceled run_cancelled,q09 canceled run_cancelled,q10 canceled run_cancelled,q11 canceled run_cancelled," ]' \
	"after --cancel: the cancelled batches' requests as bw-parse says, the others run_cancelled"
ok '[ "$(batches "$T/c" | tr "\n" ,)" = "1/1/1 cancelled,2/1/1 cancelled," ]' "after --cancel: no batch created"
fake_ctl '{"pace":100000}'
run bw-run -d "$T/c2" --once -m gpt-4o-mini --max-requests 6 "$T/q.jsonl"
run bw-run -d "$T/c2" --cancel -i 0.05 -t 1
exit_is 75 "--cancel waits for the cancellations (-t 1): exit 75"
err_like "cancelling" "--cancel: says what it cancels"

# killed_inside PATH DIR: a run in DIR killed (SIGKILL) while the server
# holds its POST to PATH, which the server then goes on with
killed_inside() {
	fake_ctl "{\"pace\":100000,\"faults\":[{\"method\":\"POST\",\"path\":\"^$1\$\",\"kind\":\"slow\",\"seconds\":0.5}]}"
	curl -sf -X POST "$FAKE/__log/clear" >/dev/null
	setsid bw-run -d "$2" -m gpt-4o-mini -q -i 0.05 examples/requests.jsonl >/dev/null 2>&1 &
	pid=$!
	fake_wait control '.faults == []'
	kill -KILL -$pid
	wait $pid 2>/dev/null
	fake_wait log 'any(.[]; .fault == "slow")'
}

# --- --cancel after a run was killed inside its create: the batch the
# server made is found and cancelled; none is made
killed_inside /v1/batches "$T/c3"
ok '[ -e "$T/c3/s0001/a1.create.json" ] && [ ! -e "$T/c3/s0001/a1.batch.json" ]' \
	"killed inside the create: the decision kept, no batch known"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-run -d "$T/c3" --cancel --once
exit_is 75 "--cancel after a cut create: exit 75 (cancelling)"
err_like "s0001/a1: batch_[A-Za-z0-9]* found" "--cancel after a cut create: the batch found"
ok '[ "$(stats | jq -c "[.requests[\"POST /v1/batches\"], .requests[\"POST /v1/batches/{id}/cancel\"]]")" = "[0,1]" ]' \
	"--cancel after a cut create: none created, the one found cancelled"
ok '[ "$(batches "$T/c3" | tr "\n" ,)" = "1/1/1 cancelling," ]' "--cancel after a cut create: one batch, cancelling"

# --- --cancel after a run was killed inside its upload: the file the
# server kept is found by its name and deleted; nothing is created
killed_inside /v1/files "$T/c4"
name=bw-$(jq -r .token "$T/c4/settings.json")-s0001-a1.jsonl
on_server() { curl -sf -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/files?purpose=batch" |
	jq --arg n "$name" '[.data[] | select(.filename == $n)] | length'; }
ok '[ -e "$T/c4/s0001/a1.upload.json" ] && [ ! -e "$T/c4/s0001/a1.file.json" ] && [ "$(on_server)" = 1 ]' \
	"killed inside the upload: the decision kept, no File object, the file on the server"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
run bw-run -d "$T/c4" --cancel --once
exit_is 1 "--cancel after a cut upload: exit 1 (every request canceled, the run finished)"
err_like "s0001/a1: file-[A-Za-z0-9]*, uploaded by a run cut short, deleted" "--cancel after a cut upload: said"
ok '[ "$(on_server)" = 0 ]' "--cancel after a cut upload: the file gone from the server"
ok '[ "$(stats | jq -c "[.requests[\"POST /v1/files\"], .requests[\"POST /v1/batches\"], .requests[\"DELETE /v1/files/{id}\"]]")" = "[0,0,1]" ]' \
	"--cancel after a cut upload: nothing uploaded or created, one file deleted"

done_testing
