#!/bin/sh
# bw-ls: the batches and batch files on the server, through every page.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
lists() {	# GET /v1/batches (or $1) requests since the last clear
	curl -sf "$FAKE/__stats" | jq ".requests[\"GET /v1/${1:-batches}\"]"
}
clear() {
	curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
}
meta() {	# metadata.n of each line of stdout, in order
	jq -r .metadata.n "$T/out" | tr '\n' ' '
}

printf '{"customId":"a","prompt":"q"}\n{"customId":"b","prompt":"r"}\n' |
	bw-jsonl -m gpt-4o-mini >"$T/in.jsonl"
bw-upload <"$T/in.jsonl" >"$T/file"
F=$(jget "$T/file" id)
# 230 batches, more than two pages of 100, cheaply: straight to the API
python3 - "$FAKE" "$F" <<'EOF'
import json, sys, urllib.request
base, fid = sys.argv[1], sys.argv[2]
for i in range(230):
    body = json.dumps({"input_file_id": fid, "completion_window": "24h",
                       "endpoint": "/v1/chat/completions",
                       "metadata": {"n": str(i), "grp": "ab"[i % 2]}})
    urllib.request.urlopen(urllib.request.Request(
        base + "/v1/batches", body.encode(),
        {"Content-Type": "application/json",
         "Authorization": "Bearer sk-test-0123456789-secret"})).read()
EOF
curl -sf "$FAKE/__stats" | jq -r '.batches | reverse | .[].id' >"$T/all"
B0=$(sed -n 230p "$T/all") B228=$(sed -n 2p "$T/all") B229=$(sed -n 1p "$T/all")
# the oldest and the newest completed, the one before the newest cancelled
bw-poll -i 0.01 $R "$B0" "$B229" >/dev/null 2>&1
bw-cancel $R "$B228" | bw-poll -i 0.01 $R >/dev/null 2>&1

clear
run bw-ls $R
exit_is 0 "every batch: exit 0"
ok '[ "$(jq -r .id "$T/out")" = "$(cat "$T/all")" ]' "every batch once, newest first, through three pages"
ok '[ "$(lists)" -eq 3 ]' "230 batches: three list requests"
ok '[ "$(jq -c "select(.id == \"$B229\")" "$T/out")" = "$(curl -sf -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/batches/$B229" | jq -c .)" ]' \
	"a Batch object as the API sent it"
err_empty "every batch: nothing on stderr"

clear
run bw-ls -n 150 $R
ok '[ "$(jq -r .id "$T/out")" = "$(head -150 "$T/all")" ]' "-n 150: the newest 150"
ok '[ "$(lists)" -eq 2 ]' "-n 150: two list requests, not three"
clear
run bw-ls --max 1 $R
ok '[ "$(jget "$T/out" id)" = "$B229" ]' "--max 1: the newest batch"
ok '[ "$(lists)" -eq 1 ]' "--max 1: one list request"
run bw-ls -n 0 $R
exit_is 2 "-n 0: usage error"
err_like '^bw-ls: -n: not a whole number from 1: "0"$' "-n 0: said"

# -s
run bw-ls -s completed $R
exit_is 0 "-s completed: exit 0"
ok '[ "$(jq -r .id "$T/out" | tr "\n" " ")" = "$B229 $B0 " ]' "-s completed: the two completed, newest first"
run bw-ls -s cancelled -s completed $R
ok '[ "$(meta)" = "229 228 0 " ]' "-s twice: either status"
run bw-ls -s ended $R
ok '[ "$(meta)" = "229 228 0 " ]' "-s ended: completed, failed, expired or cancelled"
run bw-ls -s active $R
ok '[ "$(wc -l <"$T/out")" -eq 227 ] && ! grep -q "\"status\":\"c" "$T/out"' "-s active: the 227 others"
run bw-ls -s validating -n 2 $R
ok '[ "$(meta)" = "227 226 " ]' "-s with -n: the newest two that match"
run bw-ls -s failed $R
exit_is 1 "-s failed: none: exit 1, as grep"
out_empty "-s failed: nothing written"
err_empty "-s failed: nothing said"
run bw-ls -s done $R
exit_is 2 "-s done: usage error"
err_like '^bw-ls: -s: not a batch status: "done" \(validating, ' "-s done: the status named"

# -M
run bw-ls -M grp=a $R
ok '[ "$(wc -l <"$T/out")" -eq 115 ] && [ "$(jq -r .metadata.grp "$T/out" | sort -u)" = a ]' "-M grp=a: the 115 of group a"
run bw-ls -M n=7 --metadata grp=b $R
ok '[ "$(meta)" = "7 " ]' "-M twice: both must match"
run bw-ls -M n=7 -M grp=a $R
exit_is 1 "-M that no batch has: exit 1"
run bw-ls -M grp=b -s completed $R
ok '[ "$(meta)" = "229 " ]' "-M and -s: both"
run bw-ls -M grp $R
exit_is 2 "-M without =: usage error"
run bw-ls -M "$(printf '%065d' 0)=x" $R
exit_is 2 "-M with a key no batch can have (65 characters): usage error"
err_like '^bw-ls: -M: keys are at most 64 characters and values at most 512$' \
	"-M past the API's limits: said as bw-create says it"

# ages
run bw-ls --since 1h $R
ok '[ "$(wc -l <"$T/out")" -eq 230 ]' "--since 1h: all of them"
run bw-ls --before 1h $R
exit_is 1 "--before 1h: none: exit 1"
run bw-ls --since 2d -n 1 $R
ok '[ "$(jget "$T/out" id)" = "$B229" ]' "--since 2d -n 1: the newest"
run bw-ls --since 5x $R
exit_is 2 "--since 5x: usage error"
err_like '^bw-ls: --since: "5x" is not a time' "--since 5x: said"
# a page of a new batch and one two hours old, with more after it:
# --since 1h stops at the old one
now=$(date +%s)
page=$(printf '{"object":"list","data":[{"id":"batch_new","object":"batch","status":"in_progress","created_at":%d},{"id":"batch_old","object":"batch","status":"completed","created_at":%d}],"first_id":"batch_new","last_id":"batch_old","has_more":true}' "$now" $((now - 7200)))
fake_ctl "{\"faults\":[{\"kind\":\"garbage\",\"path\":\"^/v1/batches\$\",\"body\":$(printf '%s' "$page" | jq -R .),\"times\":-1}]}"
clear
run bw-ls --since 1h $R
exit_is 0 "--since: exit 0"
out_is '{"id":"batch_new","object":"batch","status":"in_progress","created_at":'"$now"'}' "--since 1h: the new batch only"
ok '[ "$(lists)" -eq 1 ]' "--since 1h: no page asked past the first older batch"
run bw-ls --before 1h -s completed $R
exit_is 76 "the same page again as the next: 76"
err_like '^bw-ls: GET /v1/batches\?limit=100&after=batch_old: the list repeats batch_new: it does not advance$' "a list that does not advance: said, no endless loop"
fake_ctl '{"faults":[{"kind":"garbage","path":"^/v1/batches$","body":"{\"object\":\"list\",\"data\":[],\"has_more\":true}"}]}'
run bw-ls $R
exit_is 76 "an empty page with more after it: 76"
err_like 'the server says there is more, but sent an empty page' "an empty page: said"
fake_ctl '{"faults":[{"kind":"garbage","path":"^/v1/batches$","body":"{\"object\":\"list\",\"data\":{}}"}]}'
run bw-ls $R
exit_is 76 "data not an array: 76"
err_like '^bw-ls: GET /v1/batches: the reply is not a list$' "not a list: said"
fake_ctl '{"faults":[{"kind":"bad_id","path":"^/v1/batches$","skip":1}]}'
run bw-ls $R
exit_is 76 "a batch id on the second page that fails the check: 76"
err_like '^bw-ls: /v1/batches: the server sent a batch with an invalid id "\.\./etc/passwd"$' "the bad id: said"
ok '[ "$(wc -l <"$T/out")" -eq 100 ]' "the first page written before it"
fake_ctl '{"faults":[]}'

# composition
run sh -c "bw-ls -s completed -n 1 $R | bw-download $R | bw-parse"
exit_is 0 "bw-ls -s completed -n 1 | bw-download | bw-parse: exit 0"
ok '[ "$(jq -r .customId "$T/out" | sort | tr "\n" " ")" = "a b " ]' "the newest completed batch's results"
run sh -c "bw-ls -M n=228 $R | bw-poll --once $R"
ok '[ "$(jget "$T/out" status)" = cancelled ]' "bw-ls | bw-poll: the batch looked at"

# usage
run bw-ls $R extra
exit_is 2 "an operand: usage error"
err_like '^usage: bw-ls ' "an operand: the usage"
run bw-ls --files -s completed $R
exit_is 2 "--files -s: usage error"
err_like '^bw-ls: --files: -s and -M are for batches' "--files -s: said"
run bw-ls --files -M grp=a $R
exit_is 2 "--files -M: usage error"

# --files
printf '{"customId":"c","prompt":"s"}\n' | bw-jsonl -m gpt-4o-mini >"$T/in2.jsonl"
bw-upload <"$T/in2.jsonl" >"$T/file2"
F2=$(jget "$T/file2" id)
api() { curl -sf -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE/v1/$1" | jq -c .; }
{ api "files/$F2"; api "files/$F"; } >"$T/files"
clear
run bw-ls --files $R
exit_is 0 "--files: exit 0"
out_file_is "$T/files" "--files: the batch input files (no output files), newest first, as the API sent them"
ok '[ "$(lists files)" -eq 1 ]' "--files: one list request"
ok 'fake_log | jq -e "[.[] | select(.path == \"/v1/files\")][-1].query == \"purpose=batch&limit=100&order=desc\"" >/dev/null' \
	"--files: GET /v1/files?purpose=batch&limit=100&order=desc"
run bw-ls --files -n 1 $R
out_is "$(api "files/$F2")" "--files -n 1: the newest"
run bw-ls --files --before 1h $R
exit_is 1 "--files --before 1h: none: exit 1"
run sh -c "bw-ls --files -n 1 $R | bw-download $R"
out_file_is "$T/in2.jsonl" "bw-ls --files -n 1 | bw-download: the file's lines"
fake_ctl '{"faults":[{"kind":"bad_id","path":"^/v1/files$"}]}'
run bw-ls --files $R
exit_is 76 "--files: a file id that fails the check: 76"
err_like '^bw-ls: /v1/files: the server sent a file with an invalid id "\.\./etc/passwd"$' "--files: the bad id said"

run bw-ls --help
exit_is 0 "--help: exit 0"
run bw-ls --version
out_is "bw-ls 0.1.0" "--version"

done_testing
