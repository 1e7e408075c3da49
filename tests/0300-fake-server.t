#!/bin/sh
# The fake OpenAI server the network tests use, exercised with curl and
# jq: that it is faithful to the API where the tests rely on it.  TAP.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/fake-openai-selftest.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
npass=0
nfail=0
KEY=sk-selftest-secret-4242

check() { # check DESC CMD...
	desc=$1
	shift
	if "$@"; then
		npass=$((npass + 1))
		echo "ok $((npass + nfail)) - $desc"
	else
		nfail=$((nfail + 1))
		echo "not ok $((npass + nfail)) - $desc"
		if [ -s "$T/body" ]; then
			echo "# last status $code, body: $(head -c 600 "$T/body")"
		fi
	fi
}
eq() { [ "$1" = "$2" ] || { echo "# got [$1] want [$2]"; return 1; }; }
jtrue() { jq -e "$1" "$T/body" >/dev/null; } # jtrue FILTER: true on last body
jv() { jq -r "$1" "$T/body"; }                # jv FILTER: value from last body
hdr() { # hdr NAME: a header of the last response
	tr -d '\r' <"$T/hdr" | awk -v n="$1" 'BEGIN{n=tolower(n)}
	{ i=index($0,":"); if (i && tolower(substr($0,1,i-1))==n) { v=substr($0,i+1); sub(/^ */,"",v); print v } }' | tail -1
}

# call METHOD PATH [CURL ARGS]: sets $code, $T/body, $T/hdr, $crc
call() {
	m=$1
	p=$2
	shift 2
	code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" \
		--max-time 20 "$@" "$BASE$p")
	crc=$?
}
api() { # api METHOD PATH [CURL ARGS], with the good key
	m=$1
	p=$2
	shift 2
	call "$m" "$p" -H "Authorization: Bearer $KEY" "$@"
}
ctl() { # ctl JSON: POST /__control
	curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
		-d "$1" "$BASE/__control"
}
upload() { # upload FILE [curl args]: sets $fid
	f=$1
	shift
	api POST /v1/files -F purpose=batch -F "file=@$f;type=application/jsonl" "$@"
	fid=$(jv .id)
}
create() { # create FILE_ID [ENDPOINT]: sets $bid
	api POST /v1/batches -H 'Content-Type: application/json' \
		-d "{\"input_file_id\":\"$1\",\"endpoint\":\"${2:-/v1/chat/completions}\",\"completion_window\":\"24h\"}"
	bid=$(jv .id)
}
poll() { # poll BATCH_ID: GET until terminal (at most 10 times); sets $npolls
	npolls=0
	while [ $npolls -lt 10 ]; do
		api GET "/v1/batches/$1"
		npolls=$((npolls + 1))
		case $(jv .status) in
		completed | failed | expired | cancelled) return 0 ;;
		esac
	done
	return 1
}
download() { # download FILE_ID OUT [curl args]
	i=$1
	o=$2
	shift 2
	api GET "/v1/files/$i/content" "$@"
	cp "$T/body" "$o"
}
jsonl() { # jsonl URL ID... : a batch input file on stdout
	u=$1
	shift
	for c in "$@"; do
		printf '{"custom_id":"%s","method":"POST","url":"%s","body":{"model":"gpt-4o-mini","messages":[]}}\n' "$c" "$u"
	done
}

# ---------------------------------------------------------------- start
"$HERE/fake-openai.py" --port-file "$T/port" 2>"$T/server.err" &
pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "server wrote its port file" test -s "$T/port"
PORT=$(cat "$T/port")
BASE=http://127.0.0.1:$PORT
check "port file holds a port number and a newline" \
	eq "$(od -An -c "$T/port" | tr -d ' ' | tail -c 3)" '\n'

C=/v1/chat/completions
jsonl $C a b c d >"$T/ok.jsonl"

# ---------------------------------------------------------------- auth
call GET /v1/batches
check "no Authorization: 401" eq "$code" 401
check "401 envelope with invalid_api_key" jtrue '.error.code == "invalid_api_key" and .error.type == "invalid_request_error" and (.error | has("param"))'
check "401 has x-request-id" sh -c "echo '$(hdr x-request-id)' | grep -Eq '^req_[0-9a-f]+$'"
call GET /v1/batches -H 'Authorization: Bearer '
check "empty key: 401" eq "$code" 401
call GET /v1/batches -H 'Authorization: Bearer sk-bad'
check "sk-bad: 401" eq "$code" 401
check "sk-bad not echoed" sh -c "! grep -q sk-bad '$T/body' '$T/hdr'"
call GET /v1/batches -H 'Authorization: Bearer sk-forbidden'
check "sk-forbidden: 403" eq "$code" 403
check "403 content-type json" eq "$(hdr content-type)" application/json

# ---------------------------------------------------------------- upload
upload "$T/ok.jsonl"
check "plain upload: 200" eq "$code" 200
check "file id shape" sh -c "echo '$fid' | grep -Eq '^file-[A-Za-z0-9]{24}$'"
check "File object fields" jtrue ".object == \"file\" and .bytes == $(wc -c <"$T/ok.jsonl") and .purpose == \"batch\" and .status == \"processed\" and .filename == \"ok.jsonl\" and (.created_at|type) == \"number\" and .expires_at == null and has(\"status_details\")"
check "x-request-id on success" sh -c "echo '$(hdr x-request-id)' | grep -Eq '^req_[0-9a-f]+$'"
okfid=$fid
upload "$T/ok.jsonl" -H 'Transfer-Encoding: chunked'
check "chunked upload: 200" eq "$code" 200
check "chunked upload: same byte count" jtrue ".bytes == $(wc -c <"$T/ok.jsonl")"
curl -s "$BASE/__log" >"$T/body"
check "log marks the chunked upload" jtrue '[.[] | select(.path == "/v1/files")] | (.[-1].chunked == true and .[-2].chunked == false and .[-2].bytes > 0)'
api GET "/v1/files/$okfid"
check "GET file: 200 and same id" jtrue ".id == \"$okfid\""
api GET /v1/files/file-nosuchfile
check "GET unknown file: 404 envelope" sh -c "[ $code = 404 ] && jq -e '.error.message' '$T/body' >/dev/null"

{ jsonl $C a; echo '{"custom_id":'; } >"$T/bad1.jsonl"
upload "$T/bad1.jsonl"
check "bad JSON on line 2: 400 invalid_file naming the line" \
	sh -c "[ $code = 400 ] && jq -e '.error.code == \"invalid_file\" and (.error.message | test(\"line 2\"))' '$T/body' >/dev/null"
jsonl $C a a >"$T/dup.jsonl"
upload "$T/dup.jsonl"
check "duplicate custom_id: 400" eq "$code" 400
{ jsonl $C a; jsonl /v1/responses b; } >"$T/mixed.jsonl"
upload "$T/mixed.jsonl"
check "two urls: 400" eq "$code" 400
printf '{"custom_id":"a","method":"POST","url":"%s","body":"x"}\n' $C >"$T/nobody.jsonl"
upload "$T/nobody.jsonl"
check "body not an object: 400 naming line 1" sh -c "[ $code = 400 ] && grep -q 'line 1' '$T/body'"
: >"$T/empty.jsonl"
upload "$T/empty.jsonl"
check "empty file: 400" eq "$code" 400
printf '\377\n' >"$T/latin.jsonl"
upload "$T/latin.jsonl"
check "not UTF-8: 400" eq "$code" 400
api POST /v1/files -F purpose=fine-tune -F "file=@$T/ok.jsonl"
check "purpose fine-tune: 400" eq "$code" 400

# ---------------------------------------------------------------- create
cr() { api POST /v1/batches -H 'Content-Type: application/json' -d "$1"; }
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"1h\"}"
check "completion_window 1h: 400" eq "$code" 400
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"/v1/responses\",\"completion_window\":\"24h\"}"
check "endpoint not the file's url: 400" eq "$code" 400
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"/v1/moderations\",\"completion_window\":\"24h\"}"
check "unsupported endpoint: 400" eq "$code" 400
cr "{\"input_file_id\":\"file-nope\",\"endpoint\":\"$C\",\"completion_window\":\"24h\"}"
check "unknown input file: 404" eq "$code" 404
md=$(jq -nc '[range(17) | {key: "k\(.)", value: "v"}] | from_entries')
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":$md}"
check "17 metadata pairs: 400" eq "$code" 400
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":{\"n\":1}}"
check "non-string metadata value: 400" eq "$code" 400
long=$(printf '%065d' 0)
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":{\"$long\":\"v\"}}"
check "65-char metadata key: 400" eq "$code" 400
long=$(printf '%0513d' 0)
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":{\"k\":\"$long\"}}"
check "513-char metadata value: 400" eq "$code" 400
md=$(jq -nc '[range(16) | {key: "k\(.)", value: "v"}] | from_entries')
cr "{\"input_file_id\":\"$okfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":$md}"
check "16 metadata pairs: 200" eq "$code" 200
check "metadata kept" jtrue '.metadata | length == 16'

create "$okfid"
check "create: 200" eq "$code" 200
check "batch id shape" sh -c "echo '$bid' | grep -Eq '^batch_[A-Za-z0-9]{24}$'"
check "new batch: validating, zero counts, null files" jtrue '.object == "batch" and .status == "validating" and .request_counts == {"total":0,"completed":0,"failed":0} and .output_file_id == null and .error_file_id == null and .errors == null and .completion_window == "24h"'
check "new batch: expires_at = created_at + 86400, other times null" jtrue '.expires_at == .created_at + 86400 and .in_progress_at == null and .finalizing_at == null and .completed_at == null and .failed_at == null and .expired_at == null and .cancelling_at == null and .cancelled_at == null'
check "new batch: all keys" jtrue 'has("id","object","endpoint","errors","input_file_id","completion_window","status","output_file_id","error_file_id","created_at","in_progress_at","expires_at","finalizing_at","completed_at","failed_at","expired_at","cancelling_at","cancelled_at","request_counts","metadata")'

# ---------------------------------------------------------------- poll: ok
api GET "/v1/batches/$bid"
check "GET 1: in_progress, total 4" jtrue '.status == "in_progress" and .in_progress_at != null and .request_counts.total == 4'
api GET "/v1/batches/$bid"
check "GET 2: finalizing, counts filled" jtrue '.status == "finalizing" and .finalizing_at != null and .request_counts == {"total":4,"completed":4,"failed":0}'
api GET "/v1/batches/$bid"
check "GET 3: completed with output file only" jtrue '.status == "completed" and .completed_at != null and .output_file_id != null and .error_file_id == null'
outid=$(jv .output_file_id)
api GET "/v1/batches/$bid"
check "terminal batch stays put" jtrue '.status == "completed"'
api GET "/v1/files/$outid"
check "output File object purpose batch_output" jtrue '.purpose == "batch_output"'
download "$outid" "$T/out.jsonl"
check "download: 200 octet-stream" sh -c "[ $code = 200 ] && [ '$(hdr content-type)' = application/octet-stream ]"
check "output: 4 lines in input order" eq "$(jq -r .custom_id "$T/out.jsonl" | tr '\n' ' ')" "a b c d "
check "output line shape" sh -c "[ \$(jq -c 'select((.id|test(\"^batch_req_[0-9a-f]+\$\")) and .error == null and .response.status_code == 200 and (.response.request_id|test(\"^req_[0-9a-f]+\$\")) and .response.body.object == \"chat.completion\" and .response.body.choices[0].message.content == \"ok \" + .custom_id and .response.body.usage.prompt_tokens == 10 and .response.body.usage.completion_tokens == 2 and .response.body.usage.total_tokens == 12)' '$T/out.jsonl' | wc -l) = 4 ]"
total=$(wc -c <"$T/out.jsonl")
download "$outid" "$T/tail" -H 'Range: bytes=10-'
check "Range bytes=10-: 206" eq "$code" 206
check "Content-Range" eq "$(hdr content-range)" "bytes 10-$((total - 1))/$total"
check "206 body is the tail" sh -c "tail -c +11 '$T/out.jsonl' | cmp -s - '$T/tail'"
api GET "/v1/files/$outid/content" -H "Range: bytes=$total-"
check "Range past the end: 416" eq "$code" 416
# keep-alive: two requests on one connection
curl -sv -o /dev/null -o /dev/null -H "Authorization: Bearer $KEY" \
	"$BASE/v1/files/$outid" "$BASE/v1/files/$outid" 2>"$T/v"
check "keep-alive connection reused" grep -q 'Re-using existing connection' "$T/v"

# ---------------------------------------------------------------- scenarios
jsonl $C a b-fail c >"$T/sf.jsonl"
ctl '{"scenario":"some_fail"}'
upload "$T/sf.jsonl"
create "$fid"
poll "$bid"
check "some_fail: completed after 3 GETs" sh -c "[ $npolls = 3 ] && jq -e '.status == \"completed\" and .request_counts == {\"total\":3,\"completed\":2,\"failed\":1} and .output_file_id != null and .error_file_id != null' '$T/body' >/dev/null"
errid=$(jv .error_file_id)
outid=$(jv .output_file_id)
download "$errid" "$T/err.jsonl"
check "some_fail: error line shape" jtrue '.custom_id == "b-fail" and .error == null and .response.status_code == 400 and .response.body.error == {"message":"Invalid request for b-fail.","type":"invalid_request_error","param":null,"code":"invalid_value"}'
download "$outid" "$T/out.jsonl"
check "some_fail: output a and c" eq "$(jq -r .custom_id "$T/out.jsonl" | tr '\n' ' ')" "a c "

ctl '{"scenario":"all_fail"}'
create "$fid"
poll "$bid"
check "all_fail: completed, output_file_id null" jtrue '.status == "completed" and .output_file_id == null and .error_file_id != null and .request_counts.failed == 3'
download "$(jv .error_file_id)" "$T/err.jsonl"
check "all_fail: 3 error lines" eq "$(wc -l <"$T/err.jsonl" | tr -d ' ')" 3

ctl '{"scenario":"expired"}'
create "$fid"
poll "$bid"
check "expired: status expired, expired_at" jtrue '.status == "expired" and .expired_at != null and .request_counts == {"total":3,"completed":1,"failed":2}'
errid=$(jv .error_file_id)
download "$(jv .output_file_id)" "$T/out.jsonl"
check "expired: first half in output" eq "$(jq -r .custom_id "$T/out.jsonl" | tr '\n' ' ')" "a "
download "$errid" "$T/err.jsonl"
check "expired: batch_expired lines" sh -c "[ \$(jq -c 'select(.response == null and .error.code == \"batch_expired\" and (.error.message|test(\"completion window\")))' '$T/err.jsonl' | wc -l) = 2 ]"

ctl '{"scenario":"failed"}'
create "$fid"
poll "$bid"
check "failed: after 1 GET, errors, no files" sh -c "[ $npolls = 1 ] && jq -e '.status == \"failed\" and .failed_at != null and .output_file_id == null and .error_file_id == null and .errors.object == \"list\" and .errors.data[0].code == \"token_limit_exceeded\" and .errors.data[0].line == null' '$T/body' >/dev/null"
curl -s "$BASE/__control" >"$T/body"
check "GET /__control shows the scenario" jtrue '.scenario == "failed" and .steps == 1 and .faults == []'
curl -s -X POST "$BASE/__control/reset" >/dev/null
curl -s "$BASE/__control" >"$T/body"
check "reset: scenario ok" jtrue '.scenario == "ok"'
call POST /__control -d '{"scenario":"nope"}'
check "unknown scenario refused" eq "$code" 400

# other endpoints
jsonl /v1/responses r1 r2 >"$T/resp.jsonl"
upload "$T/resp.jsonl"
create "$fid" /v1/responses
poll "$bid"
download "$(jv .output_file_id)" "$T/out.jsonl"
check "responses body" sh -c "[ \$(jq -c 'select(.response.body.object == \"response\" and .response.body.output[0].type == \"reasoning\" and .response.body.output[1].type == \"message\" and .response.body.output[1].content[0] .type == \"output_text\" and .response.body.output[1].content[0].text == \"ok \" + .custom_id and .response.body.usage.input_tokens == 10 and .response.body.usage.output_tokens == 2 and .response.body.usage.total_tokens == 12)' '$T/out.jsonl' | wc -l) = 2 ]"
jsonl /v1/completions k1 >"$T/cmpl.jsonl"
upload "$T/cmpl.jsonl"
create "$fid" /v1/completions
poll "$bid"
download "$(jv .output_file_id)" "$T/out.jsonl"
check "completions body" jtrue '.response.body.object == "text_completion" and .response.body.choices[0].text == "ok k1"'

# steps
ctl '{"steps":2}'
create "$okfid"
api GET "/v1/batches/$bid"
check "steps 2: first GET still validating" jtrue '.status == "validating"'
api GET "/v1/batches/$bid"
check "steps 2: second GET in_progress" jtrue '.status == "in_progress"'
ctl '{"steps":1}'

# ---------------------------------------------------------------- cancel
create "$okfid"
api GET "/v1/batches/$bid"
api POST "/v1/batches/$bid/cancel"
check "cancel: cancelling" jtrue '.status == "cancelling" and .cancelling_at != null'
api GET "/v1/batches/$bid"
check "next GET: cancelled with partial output" jtrue '.status == "cancelled" and .cancelled_at != null and .request_counts == {"total":4,"completed":2,"failed":2} and .output_file_id != null and .error_file_id != null'
download "$(jv .error_file_id)" "$T/err.jsonl"
check "cancelled lines" sh -c "[ \"\$(jq -c 'select(.response == null and .error == {\"code\":\"batch_cancelled\",\"message\":\"This request was not executed because the batch was cancelled.\"}) | .custom_id' '$T/err.jsonl' | tr '\n' ' ')\" = '\"c\" \"d\" ' ]"
api POST "/v1/batches/$bid/cancel"
check "cancel a terminal batch: 409 envelope" sh -c "[ $code = 409 ] && jq -e .error.message '$T/body' >/dev/null"
api POST /v1/batches/batch_nosuch/cancel
check "cancel unknown: 404" eq "$code" 404

# ---------------------------------------------------------------- list
create "$okfid"
newest=$bid
api GET '/v1/batches?limit=2'
check "list limit 2: newest first, has_more" jtrue ".object == \"list\" and (.data|length) == 2 and .data[0].id == \"$newest\" and .first_id == \"$newest\" and .last_id == .data[1].id and .has_more == true"
last=$(jv .last_id)
second=$(jv '.data[1].id')
api GET "/v1/batches?limit=100&after=$last"
check "list after: continues past last_id" jtrue "(.data|map(.id)|index(\"$second\")) == null and (.data|length) > 0 and .has_more == false"
api GET /v1/batches
check "list default limit 20" jtrue '(.data|length) <= 20'
api GET '/v1/batches?limit=0'
check "limit 0: 400" eq "$code" 400
api GET "/v1/batches/$newest"
check "listing did not advance the batch" jtrue '.status == "in_progress"'

# ---------------------------------------------------------------- faults
ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"status","code":429,"retry_after":"2","retry_after_ms":"1500","should_retry":"true"}]}'
create "$okfid"
check "status fault: 429" eq "$code" 429
check "status fault: headers" sh -c "[ '$(hdr retry-after)' = 2 ] && [ '$(hdr retry-after-ms)' = 1500 ] && [ '$(hdr x-should-retry)' = true ] && [ -n '$(hdr x-request-id)' ]"
check "status fault: envelope" jtrue '.error | has("message","type","param","code")'
create "$okfid"
check "status fault used up after 1" eq "$code" 200
ctl '{"faults":[{"path":"^/v1/batches$","kind":"status","code":503,"times":2}]}'
api GET /v1/batches
c1=$code
api GET /v1/batches
c2=$code
api GET /v1/batches
check "times 2: 503 503 200" eq "$c1 $c2 $code" "503 503 200"

ctl '{"faults":[{"path":"^/v1/batches$","kind":"reset"}]}'
api GET /v1/batches
check "reset: no response" sh -c "[ $crc -ne 0 ] && [ $code = 000 ]"

ctl "{\"faults\":[{\"path\":\"^/v1/files/$okfid/content\$\",\"kind\":\"cut\"}]}"
api GET "/v1/files/$okfid/content"
check "cut: curl sees a short body" sh -c "[ $crc = 18 ] && [ $code = 200 ] && [ \$(wc -c <'$T/body') = $(($(wc -c <"$T/ok.jsonl") / 2)) ] && [ '$(hdr content-length)' = $(wc -c <"$T/ok.jsonl") ]"
ctl "{\"faults\":[{\"path\":\"/content\$\",\"kind\":\"cut\",\"bytes\":5}]}"
api GET "/v1/files/$okfid/content" -H 'Range: bytes=3-'
check "cut with Range: 206 and 5 bytes" sh -c "[ $code = 206 ] && [ \$(wc -c <'$T/body') = 5 ]"

api GET '/v1/batches?limit=100'
before=$(jv "[.data[] | select(.input_file_id == \"$okfid\")] | length")
ctl '{"faults":[{"method":"POST","path":"^/v1/batches$","kind":"after"}]}'
create "$okfid"
check "after: no response" sh -c "[ $crc -ne 0 ] && [ $code = 000 ]"
api GET '/v1/batches?limit=100'
check "after: the batch was created anyway" eq "$(jv "[.data[] | select(.input_file_id == \"$okfid\")] | length")" "$((before + 1))"

ctl '{"faults":[{"path":"^/v1/batches","kind":"redirect"}]}'
api GET /v1/batches
check "redirect: 302 with Location" sh -c "[ $code = 302 ] && [ '$(hdr location)' = http://127.0.0.1:1/elsewhere ]"

ctl '{"faults":[{"path":"^/v1/batches$","kind":"slow","seconds":1}]}'
start=$(date +%s%N)
api GET /v1/batches
end=$(date +%s%N)
check "slow: at least 1 s, then 200" sh -c "[ $code = 200 ] && [ $(((end - start) / 1000000)) -ge 1000 ]"

ctl "{\"faults\":[{\"path\":\"^/v1/batches/$newest\$\",\"kind\":\"bad_id\",\"field\":\"output_file_id\"}]}"
api GET "/v1/batches/$newest"
check "bad_id field output_file_id" jtrue ".output_file_id == \"../etc/passwd\" and .id == \"$newest\""
ctl '{"faults":[{"path":"^/v1/batches$","method":"POST","kind":"bad_id","value":"batch id"}]}'
create "$okfid"
check "bad_id default field id" jtrue '.id == "batch id"'
api GET "/v1/batches/$newest"
check "bad_id left the stored batch alone" jtrue ".id == \"$newest\" and .output_file_id != \"../etc/passwd\""

ctl '{"faults":[{"path":"/content$","kind":"no_range"}]}'
api GET "/v1/files/$okfid/content" -H 'Range: bytes=10-'
check "no_range: 200 with the whole file" sh -c "[ $code = 200 ] && cmp -s '$T/body' '$T/ok.jsonl'"

ctl '{"faults":[{"path":"/content$","kind":"corrupt","at":3,"byte":"#"}]}'
api GET "/v1/files/$okfid/content"
{ head -c 3 "$T/ok.jsonl"; printf '#'; tail -c +5 "$T/ok.jsonl"; } >"$T/corrupt.jsonl"
check "corrupt: byte 3 made #, the length kept" sh -c "[ $code = 200 ] && cmp -s '$T/body' '$T/corrupt.jsonl'"

ctl '{"faults":[{"path":"^/v1/batches$","kind":"garbage"}]}'
api GET /v1/batches
check "garbage: 200 with a broken body" sh -c "[ $code = 200 ] && [ \"\$(cat '$T/body')\" = '{\"id\":' ]"

ctl '{"faults":[{"path":"^/v1/batches$","method":"POST","kind":"status","code":500}]}'
api GET /v1/batches
check "fault method filter: GET unaffected" eq "$code" 200
curl -s "$BASE/__control" >"$T/body"
check "unused fault still listed" jtrue '.faults | length == 1'
curl -s -X POST "$BASE/__control/reset" >/dev/null
curl -s "$BASE/__control" >"$T/body"
check "reset clears faults" jtrue '.faults == [] and .scenario == "ok"'
api GET "/v1/batches/$newest"
check "reset forgets no batch" eq "$code" 200

# ---------------------------------------------------------------- pace
# (without pace, GETs step and the list advances nothing: tested above)
curl -s -X POST "$BASE/__control/reset" >/dev/null
ctl '{"pace":0}'
create "$okfid"
check "pace 0: create answers validating" jtrue '.status == "validating"'
api GET '/v1/batches?limit=1'
check "pace 0: completed at the first list" jtrue ".data[0].id == \"$bid\" and .data[0].status == \"completed\" and .data[0].completed_at != null and .data[0].output_file_id != null and .data[0].request_counts == {\"total\":4,\"completed\":4,\"failed\":0}"
create "$okfid"
api GET "/v1/batches/$bid"
check "pace 0: completed at the first GET" jtrue '.status == "completed" and .output_file_id != null'
create "$okfid"
api POST "/v1/batches/$bid/cancel"
check "pace 0: a cancel looks first, finds it completed: 409" eq "$code" 409
# a pace of 3 s: the steps counted stay right on a loaded machine, where
# the requests around the sleep may take a second or two themselves
ctl '{"pace":3}'
create "$okfid"
p1=$bid
api GET "/v1/batches/$p1"
c1=$(jv .status)
api GET "/v1/batches/$p1"
check "pace 3: still validating at once, whatever the GETs" eq "$c1 $(jv .status)" "validating validating"
create "$okfid"
p2=$bid
api POST "/v1/batches/$p2/cancel"
check "pace 3: cancel at once: cancelling" jtrue '.status == "cancelling"'
sleep 3.3
api GET '/v1/batches?limit=2'
check "pace 3: after 3.3 s the list has advanced both a step" jtrue ".data[0].id == \"$p2\" and .data[0].status == \"cancelled\" and .data[0].request_counts == {\"total\":4,\"completed\":2,\"failed\":2} and .data[1].id == \"$p1\" and .data[1].status == \"in_progress\" and .data[1].request_counts.total == 4"
api GET "/v1/batches/$p1"
check "pace 3: one step only in 3.3 s" jtrue '.status == "in_progress"'
ctl '{"pace":0.2}'
create "$okfid"
p3=$bid
sleep 1.1
api GET "/v1/batches/$p3"
check "pace 0.2: 1.1 s later, all steps at one GET" jtrue '.status == "completed" and .finalizing_at != null and .output_file_id != null'
call POST /__control -d '{"pace":-1}'
check "pace -1 refused" eq "$code" 400
call POST /__control -d '{"pace":"1"}'
check "pace \"1\" refused" eq "$code" 400
ctl '{"pace":null}'
create "$okfid"
api GET '/v1/batches?limit=1'
check "pace null: the list advances nothing again" jtrue '.data[0].status == "validating"'
api GET "/v1/batches/$bid"
check "pace null: one step per GET again" jtrue '.status == "in_progress"'
curl -s "$BASE/__control" >"$T/body"
check "GET /__control shows pace null" jtrue '.pace == null and has("token_limit") and .expire_next == 0'

# ---------------------------------------------------------------- token_limit
jsonlm() { # jsonlm MODEL ID... : chat requests for MODEL on stdout
	mo=$1
	shift
	for c in "$@"; do
		printf '{"custom_id":"%s","method":"POST","url":"%s","body":{"model":"%s","messages":[]}}\n' "$c" $C "$mo"
	done
}
# each body {"model":"tok-model","messages":[]} is 35 bytes: 9 tokens
jsonlm tok-model a b c d >"$T/tok.jsonl"
upload "$T/tok.jsonl"
tokfid=$fid
ctl '{"token_limit":50}'
create "$tokfid"
ta=$bid
create "$tokfid"
tb=$bid
api GET "/v1/batches/$ta"
check "token_limit: the first batch (36 of 50) in_progress" jtrue '.status == "in_progress"'
api GET "/v1/batches/$tb"
check "token_limit: the second (36 + 36 > 50) failed" jtrue '.status == "failed" and .failed_at != null and .in_progress_at == null and .request_counts == {"total":0,"completed":0,"failed":0} and .output_file_id == null and .error_file_id == null'
check "token_limit: the error" jtrue '.errors == {"object":"list","data":[{"code":"token_limit_exceeded","message":"Enqueued token limit reached for tok-model in organization org-fake. Limit: 50 enqueued tokens. Please try again once some in_progress batches have been completed.","param":null,"line":null}]}'
curl -s "$BASE/__stats" >"$T/body"
check "stats: tokens of both, error code, in-flight tokens" jtrue "(.batches | map(select(.id == \"$ta\" or .id == \"$tb\")) | map([.tokens, .error_code, .status])) == [[36, null, \"in_progress\"], [36, \"token_limit_exceeded\", \"failed\"]] and .in_flight_tokens[\"tok-model\"] == 36"
jsonlm other-mod a b c d >"$T/other.jsonl"
upload "$T/other.jsonl"
create "$fid"
api GET "/v1/batches/$bid"
check "token_limit is per model: 36 of other-mod go" jtrue '.status == "in_progress"'
poll "$bid"
poll "$ta"
check "token_limit: the first completes" jtrue '.status == "completed"'
curl -s "$BASE/__stats" >"$T/body"
check "stats: nothing in flight for tok-model" jtrue '.in_flight_tokens["tok-model"] == 0'
create "$tokfid"
tc=$bid
api GET "/v1/batches/$tc"
check "token_limit: after it, a batch of the same file goes" jtrue '.status == "in_progress"'
ctl '{"token_limit":72}'
create "$tokfid"
api GET "/v1/batches/$bid"
check "token_limit: 36 + 36 = 72 of 72 is not over" jtrue '.status == "in_progress"'
curl -s "$BASE/__stats" >"$T/body"
check "stats: 72 in flight" jtrue '.in_flight_tokens["tok-model"] == 72'
poll "$bid"
poll "$tc"
ctl '{"token_limit":null}'
# UTF-8 bytes, not \u escapes: {"model":"tok-model","messages":[{"role":
# "user","content":"héllo ☃"}]} is 73 bytes (80 escaped): 19 tokens
for c in u1 u2; do
	printf '{"custom_id":"%s","method":"POST","url":"%s","body":{"model":"tok-model","messages":[{"role":"user","content":"h\303\251llo \342\230\203"}]}}\n' $c $C
done >"$T/utf8.jsonl"
upload "$T/utf8.jsonl"
create "$fid"
curl -s "$BASE/__stats" >"$T/body"
check "tokens count UTF-8 bytes: 2 x 19" jtrue ".batches[-1].id == \"$bid\" and .batches[-1].tokens == 38"
call POST /__control -d '{"token_limit":0}'
check "token_limit 0 refused" eq "$code" 400

# ---------------------------------------------------------------- retry
curl -s -X POST "$BASE/__control/reset" >/dev/null
jsonl $C x-retry500 y-retry429 z >"$T/retry.jsonl"
upload "$T/retry.jsonl"
retryfid=$fid
create "$retryfid"
poll "$bid"
check "retry: first run, two fail" jtrue '.status == "completed" and .request_counts == {"total":3,"completed":1,"failed":2}'
download "$(jv .error_file_id)" "$T/err.jsonl"
check "retry500: a 500 server_error line" sh -c "jq -se 'map(select(.custom_id == \"x-retry500\")) | length == 1 and (.[0] | .error == null and .response.status_code == 500 and (.response.request_id | test(\"^req_\")) and .response.body == {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}})' '$T/err.jsonl' >/dev/null"
check "retry429: a 429 rate_limit_exceeded line" sh -c "jq -se 'map(select(.custom_id == \"y-retry429\")) | length == 1 and (.[0] | .error == null and .response.status_code == 429 and .response.body == {\"error\":{\"message\":\"Rate limit reached for requests.\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}})' '$T/err.jsonl' >/dev/null"
create "$retryfid"
poll "$bid"
check "retry: the second run succeeds" jtrue '.status == "completed" and .request_counts == {"total":3,"completed":3,"failed":0} and .error_file_id == null'
download "$(jv .output_file_id)" "$T/out.jsonl"
check "retry: all three in the output" eq "$(jq -r .custom_id "$T/out.jsonl" | tr '\n' ' ')" "x-retry500 y-retry429 z "
jsonl $C q-retry429 >"$T/retry2.jsonl"
upload "$T/retry2.jsonl"
ctl '{"scenario":"all_fail"}'
create "$fid"
poll "$bid"
download "$(jv .error_file_id)" "$T/err.jsonl"
check "retry in all_fail: first a 429" jtrue '.response.status_code == 429'
create "$fid"
poll "$bid"
download "$(jv .error_file_id)" "$T/err.jsonl"
check "retry in all_fail: then as all_fail says (400)" jtrue '.response.status_code == 400'
ctl '{"scenario":"expired"}'
jsonl $C a e-retry500 >"$T/retry3.jsonl"
upload "$T/retry3.jsonl"
create "$fid"
poll "$bid"
check "retry: expired before it ran" jtrue '.status == "expired" and .request_counts == {"total":2,"completed":1,"failed":1}'
ctl '{"scenario":"ok"}'
create "$fid"
poll "$bid"
check "retry: an expired request had not run: its first run fails" jtrue '.request_counts == {"total":2,"completed":1,"failed":1}'
curl -s -X POST "$BASE/__control/reset" >/dev/null
create "$retryfid"
poll "$bid"
check "retry: reset forgets the runs" jtrue '.request_counts == {"total":3,"completed":1,"failed":2}'

# ---------------------------------------------------------------- expire_next
ctl '{"scenario":"failed","expire_next":2}'
curl -s "$BASE/__control" >"$T/body"
check "expire_next shown" jtrue '.expire_next == 2'
create "$okfid"
e1=$bid
create "$okfid"
e2=$bid
create "$okfid"
e3=$bid
curl -s "$BASE/__control" >"$T/body"
check "expire_next counted down to 0" jtrue '.expire_next == 0'
poll "$e1"
check "expire_next: first batch expired, half done" jtrue '.status == "expired" and .expired_at != null and .request_counts == {"total":4,"completed":2,"failed":2}'
download "$(jv .error_file_id)" "$T/err.jsonl"
check "expire_next: c and d batch_expired" eq "$(jq -r 'select(.error.code == "batch_expired") | .custom_id' "$T/err.jsonl" | tr '\n' ' ')" "c d "
poll "$e2"
check "expire_next: second batch expired" jtrue '.status == "expired"'
poll "$e3"
check "expire_next: the third has the scenario in force (failed)" jtrue '.status == "failed"'
ctl '{"scenario":"ok","expire_next":1}'
jsonl $C solo >"$T/solo.jsonl"
upload "$T/solo.jsonl"
create "$fid"
poll "$bid"
check "expired batch of one: its one request expired" jtrue '.status == "expired" and .request_counts == {"total":1,"completed":0,"failed":1} and .output_file_id == null and .error_file_id != null'
download "$(jv .error_file_id)" "$T/err.jsonl"
check "expired batch of one: a batch_expired line" jtrue '.custom_id == "solo" and .response == null and .error.code == "batch_expired"'
call POST /__control -d '{"expire_next":-1}'
check "expire_next -1 refused" eq "$code" 400

# ---------------------------------------------------------------- stats
curl -s -X POST "$BASE/__stats/clear" >"$T/body"
check "POST /__stats/clear" jtrue '. == {"cleared":true}'
curl -s "$BASE/__stats" >"$T/body"
check "stats cleared: every route at 0, no files" jtrue '.requests == {"POST /v1/files":0,"GET /v1/files":0,"GET /v1/files/{id}":0,"GET /v1/files/{id}/content":0,"DELETE /v1/files/{id}":0,"POST /v1/batches":0,"GET /v1/batches":0,"GET /v1/batches/{id}":0,"POST /v1/batches/{id}/cancel":0} and .files == {}'
check "stats: batches kept, oldest first" jtrue "(.batches | length) > 20 and .batches[-1].id == \"$bid\" and all(.batches[]; keys == [\"error_code\",\"id\",\"input_file_id\",\"metadata\",\"requests\",\"status\",\"tokens\"])"
call GET /v1/batches
upload "$T/ok.jsonl"
sfid=$fid
upload "$T/ok.jsonl"
upload "$T/dup.jsonl"
api GET "/v1/files/$sfid"
api GET /v1/files
api GET "/v1/files/$sfid/content"
cr "{\"input_file_id\":\"$sfid\",\"endpoint\":\"$C\",\"completion_window\":\"24h\",\"metadata\":{\"k\":\"v\"}}"
sbid=$(jv .id)
api GET "/v1/batches/$sbid"
api GET "/v1/batches/$sbid"
api POST "/v1/batches/$sbid/cancel"
api GET /v1/batches/batch_nosuch
ctl '{"faults":[{"path":"^/v1/batches$","kind":"status","code":500}]}'
api GET /v1/batches
check "stats sequence: the fault answered" eq "$code" 500
api DELETE "/v1/files/$sfid"
api GET /v1/models
curl -s "$BASE/__log" >/dev/null
curl -s "$BASE/__stats" >"$T/body"
check "stats: exact request counts" jtrue '.requests == {"POST /v1/files":3,"GET /v1/files":1,"GET /v1/files/{id}":1,"GET /v1/files/{id}/content":1,"DELETE /v1/files/{id}":1,"POST /v1/batches":1,"GET /v1/batches":2,"GET /v1/batches/{id}":3,"POST /v1/batches/{id}/cancel":1,"GET /v1/models":1}'
check "stats: files by name, uploads only" jtrue '.files == {"ok.jsonl":2}'
check "stats: the batch" jtrue ".batches[-1] == {\"id\":\"$sbid\",\"input_file_id\":\"$sfid\",\"metadata\":{\"k\":\"v\"},\"status\":\"cancelling\",\"tokens\":40,\"error_code\":null,\"requests\":4}"
check "stats: a cancelling batch is in flight" jtrue '.in_flight_tokens["gpt-4o-mini"] >= 40 and .in_flight_tokens["tok-model"] == 0'
curl -s -X POST "$BASE/__control/reset" >/dev/null
curl -s "$BASE/__stats" >"$T/body"
check "reset zeroes the counts, keeps the batches" jtrue ".requests[\"POST /v1/files\"] == 0 and .requests[\"GET /v1/models\"] == null and .files == {} and .batches[-1].id == \"$sbid\""

# ---------------------------------------------------------------- log
curl -s "$BASE/__log" >"$T/body"
check "log: entries have all fields" jtrue 'length > 50 and all(.[]; has("method","path","query","status","range","bytes","chunked","auth","headers"))'
check "log: authorization redacted" jtrue '[.[] | select(.auth) | .headers.authorization] | all(. == "<redacted>")'
check "log: no key anywhere" sh -c "! grep -q '$KEY' '$T/body'"
check "log: the Range header recorded" jtrue 'any(.[]; .range == "bytes=10-" and .status == 206)'
check "log: query recorded" jtrue 'any(.[]; .query == "limit=2")'
check "log: a request without auth" jtrue 'any(.[]; .auth == false and .status == 401)'
curl -s -X POST "$BASE/__log/clear" >/dev/null
curl -s "$BASE/__log" >"$T/body"
check "log cleared" jtrue '. == []'
check "control endpoints not logged" jtrue 'length == 0'

# ---------------------------------------------------------------- stop
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGTERM stops the server within 5 s" sh -c "! kill -0 $pid 2>/dev/null"
wait "$pid"
rc=$?
pid=
check "exit status 0" eq "$rc" 0
check "server quiet on stderr" sh -c "! [ -s '$T/server.err' ] || { cat '$T/server.err'; false; }"

echo "1..$((npass + nfail))"
[ "$nfail" -eq 0 ]
