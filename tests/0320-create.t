#!/bin/sh
# bw-create: one batch per file, never two.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
count_batches() {	# the batches the server has for a file id
	curl -sf -H "Authorization: Bearer x" "$OPENAI_BASE_URL/batches?limit=100" |
		python3 -c "import json,sys; print(sum(b['input_file_id']==sys.argv[1] for b in json.load(sys.stdin)['data']))" "$1"
}

bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file"
fid=$(jget "$T/file" id)
run bw-create -M project=q3 -M owner=me $R <"$T/file"
exit_is 0 "a File object: exit 0"
ok '[ "$(jget "$T/out" object)" = batch ] && [ "$(jget "$T/out" input_file_id)" = "$fid" ] && [ "$(jget "$T/out" endpoint)" = /v1/chat/completions ] && [ "$(jget "$T/out" completion_window)" = 24h ]' \
	"the Batch object for the file, endpoint from the record, window 24h"
ok 'fake_log | python3 -c "import json,sys; e=[x for x in json.load(sys.stdin) if x[\"path\"]==\"/v1/batches\" and x[\"method\"]==\"POST\"][-1]; sys.exit(e[\"json\"][\"metadata\"]!={\"project\":\"q3\",\"owner\":\"me\"})"' \
	"-M: the metadata sent"

run bw-create $R "$fid"
exit_is 0 "the same file again: exit 0"
err_like "^bw-create: $fid: batch batch_[A-Za-z0-9]+ \(validating\) exists for it already: not creating another \(--force to\)$" \
	"the same file again: the existing batch, with a note"
ok '[ "$(count_batches "$fid")" -eq 1 ]' "the same file again: still one batch"
run bw-create --force -e chat $R "$fid"
exit_is 0 "--force: exit 0"
ok '[ "$(count_batches "$fid")" -eq 2 ]' "--force: a second batch"

# the create went through, the reply was lost
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file2"
fid2=$(jget "$T/file2" id)
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"after"}]}'
run bw-create $R <"$T/file2"
exit_is 0 "create accepted, connection dropped: exit 0"
ok '[ "$(count_batches "$fid2")" -eq 1 ]' "create accepted, connection dropped: exactly one batch"
ok '[ "$(jget "$T/out" input_file_id)" = "$fid2" ]' "create accepted, connection dropped: that batch printed"
err_like "the request's fate was unknown, but batch batch_[A-Za-z0-9]+ was created for $fid2: not sending it again" \
	"create accepted, connection dropped: said"

# the same, and the list shows the new batch only 2 s later: looked for
# again after each wait, not sent again while 16 times --retry-wait
# (4 s) has not passed
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file2b"
fid2b=$(jget "$T/file2b" id)
fake_ctl '{"list_lag":2,"faults":[{"method":"POST","path":"^/v1/batches$","kind":"after"}]}'
fake_log_clear
run bw-create --retry-wait 0.25 <"$T/file2b"
fake_ctl '{"list_lag":0}'
exit_is 0 "created, connection dropped, the list 2 s late: exit 0"
ok '[ "$(count_batches "$fid2b")" -eq 1 ]' "created, connection dropped, the list 2 s late: exactly one batch"
ok '[ "$(fake_log | jq "[.[] | select(.method == \"POST\" and .path == \"/v1/batches\")] | length")" -eq 1 ]' \
	"created, connection dropped, the list 2 s late: sent once"
ok '[ "$(jget "$T/out" input_file_id)" = "$fid2b" ]' "created, connection dropped, the list 2 s late: that batch printed"

bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file3"
fid3=$(jget "$T/file3" id)
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"status","code":502,"times":2}]}'
run bw-create $R <"$T/file3"
exit_is 0 "502 twice (not created): exit 0"
ok '[ "$(count_batches "$fid3")" -eq 1 ]' "502 twice: one batch"
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file4"
fid4=$(jget "$T/file4" id)
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"status","code":429,"retry_after_ms":"10"}]}'
run bw-create $R <"$T/file4"
exit_is 0 "429 with retry-after-ms: exit 0"
err_like "429: .*; retry 1 of 8 in 0.0s" "429: retried after the time asked"

# input
run bw-create $R file-doesnotexist123
exit_is 2 "a file id without -e: usage error"
err_like "argument 1: file-doesnotexist123: no endpoint; give -e" "a file id without -e: said"
run bw-create -e chat $R file-doesnotexist123
exit_is 65 "an unknown file: exit 65"
err_like "POST /v1/batches: 404: " "an unknown file: the server's word"
run bw-create -e chat $R '../etc'
exit_is 65 "an invalid file id: exit 65"
err_like "argument 1: not a valid file id" "an invalid file id: said"
printf '%s\n' '{"id":"file-1","endpoint":"/v1/responses"}' >"$T/rec"
run bw-create -e chat $R <"$T/rec"
exit_is 65 "a record for another endpoint than -e: exit 65"
run bw-create -M novalue $R "$fid"
exit_is 2 "-M without =: usage error"
run bw-create $(i=0; while [ $i -lt 17 ]; do printf -- '-M k%d=v ' $i; i=$((i + 1)); done) $R "$fid"
exit_is 2 "17 metadata pairs: usage error"
err_like "at most 16 pairs" "17 metadata pairs: said"
run bw-create -M "$(printf '%065d' 0)=v" $R "$fid"
exit_is 2 "a 65-character key: usage error"
e_acute=$(printf '\303\251')
run bw-create -M "$(printf '%064d' 0)=$(printf '%0512d' 0 | sed "s/0/$e_acute/g")" -M k=v -M k=w --force -e chat $R "$fid"
exit_is 0 "a 64-character key, a value of 512 two-byte characters: exit 0"
ok 'fake_log | python3 -c "import json,sys; e=[x for x in json.load(sys.stdin) if x[\"path\"]==\"/v1/batches\" and x[\"method\"]==\"POST\"][-1]; m=e[\"json\"][\"metadata\"]; sys.exit(list(m)!=[\"0\"*64,\"k\"] or m[\"0\"*64]!=\"\u00e9\"*512 or m[\"k\"]!=\"w\")"' \
	"-M: the metadata sent, a key given twice in its first place with its last value"
run bw-create -M "$(printf 'k=caf\351')" $R "$fid"
exit_is 2 "-M in Latin-1, not UTF-8: usage error"
err_like "^bw-create: -M: not UTF-8$" "-M not UTF-8: said"
run bw-create $R </dev/null
exit_is 65 "no input: exit 65"

# --output-expires-after: output_expires_after {anchor, seconds} in the
# body; the bounds (1 hour .. 30 days) checked before anything is sent
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file7"
fake_log_clear
run bw-create --output-expires-after 2d $R <"$T/file7"
exit_is 0 "--output-expires-after 2d: exit 0"
ok '[ "$(fake_log | jq -c "[.[] | select(.method == \"POST\" and .path == \"/v1/batches\") | .json.output_expires_after]")" = "[{\"anchor\":\"created_at\",\"seconds\":172800}]" ]' \
	"--output-expires-after 2d: sent as {anchor: created_at, seconds: 172800}"
ok '! grep -q output_expires_after "$T/out"' "the Batch object carries no output_expires_after (as the API's)"
bw-poll -i 0.01 $R <"$T/out" >"$T/ended7" 2>/dev/null
curl -sf -H "Authorization: Bearer x" "$OPENAI_BASE_URL/files/$(jget "$T/ended7" output_file_id)" >"$T/outfile7"
ok '[ $(($(jget "$T/outfile7" expires_at) - $(jget "$T/outfile7" created_at))) -eq 172800 ]' \
	"--output-expires-after 2d: the output file expires 2 days after it was made"
run bw-create --output-expires-after 3600 --force $R <"$T/file7"
exit_is 0 "--output-expires-after 3600: exit 0"
ok '[ "$(fake_log | jq -c "[.[] | select(.method == \"POST\" and .path == \"/v1/batches\") | .json.output_expires_after.seconds] | last")" = 3600 ]' \
	"--output-expires-after 3600: 3600 s sent"
run bw-create --force $R <"$T/file7"
ok '[ "$(fake_log | jq -c "[.[] | select(.method == \"POST\" and .path == \"/v1/batches\") | .json | has(\"output_expires_after\")] | last")" = false ]' \
	"without --output-expires-after: none sent"
curl -sf -X POST "$FAKE/__stats/clear" >/dev/null
for e in 3599 59m 2592001 31d 0 2h30m; do
	run bw-create --output-expires-after "$e" $R <"$T/file7"
	exit_is 2 "--output-expires-after '$e': usage error"
	err_like "^bw-create: --output-expires-after: \".*\" is not from 3600 to 2592000 seconds \(1h to 30d\)$" \
		"--output-expires-after '$e': the option and the bounds named"
done
ok '[ "$(curl -sf "$FAKE/__stats" | jq "[.requests[]] | add")" -eq 0 ]' "--output-expires-after out of bounds: nothing sent"
# the fake server checks it as the API does
oea() {	# an output_expires_after: the error's code and the HTTP status
	st=$(curl -s -o "$T/oea" -w '%{http_code}' -H "Authorization: Bearer x" \
		-H 'Content-Type: application/json' -d "{\"input_file_id\":\"$(jget "$T/file7" id)\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"output_expires_after\":$1}" \
		"$OPENAI_BASE_URL/batches")
	echo "$(jq -r .error.code "$T/oea") $st"
}
ok '[ "$(oea "{\"anchor\":\"created_at\",\"seconds\":3599}")" = "integer_below_min_value 400" ]' \
	"the fake server: under an hour refused, 400"
ok '[ "$(oea "{\"anchor\":\"created_at\",\"seconds\":2592001}")" = "integer_above_max_value 400" ]' \
	"the fake server: over 30 days refused, 400"
ok '[ "$(oea "{\"anchor\":\"now\",\"seconds\":3600}")" = "invalid_value 400" ]' \
	"the fake server: another anchor refused, 400"
ok '[ "$(oea "{\"anchor\":\"created_at\",\"seconds\":\"3600\"}")" = "invalid_type 400" ]' \
	"the fake server: seconds as a string refused in JSON, 400"
ok '[ "$(oea "{\"anchor\":\"created_at\"}")" = "missing_required_parameter 400" ]' \
	"the fake server: no seconds refused, 400"

# the server's word
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file5"
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"bad_id","value":"batch_../../x"}]}'
run bw-create $R <"$T/file5"
exit_is 76 "an invalid batch id from the server: exit 76"
out_empty "an invalid batch id: nothing printed"
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload >"$T/file6"
fake_ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"bad_id","value":"batch_ab\u0000cd"}]}'
run bw-create $R <"$T/file6"
exit_is 76 "a batch id with a NUL in it: exit 76"
err_like '^bw-create: /v1/batches: the server sent a batch with an invalid id "batch_ab\\u0000cd"$' \
	"a batch id with a NUL in it: said, whole"

run bw-create --help
exit_is 0 "--help: exit 0"
run bw-create --version
out_is "bw-create 0.1.0" "--version"
ok '! grep -q "sk-test-0123456789-secret" "$T/out" "$T/err"' "the key is not shown"

done_testing
