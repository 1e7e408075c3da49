#!/bin/sh
# Structured output end to end: bw-jsonl's output field, bw-parse --input
# reading each request's output back from the batch input, and bw-run
# doing it by itself, against the fake server (which answers a request
# for structured output with a value of its schema).
. tests/lib.sh

cat >"$T/req" <<'E'
{"customId":"o","prompt":"Ada, 36","output":{"type":"object","schema":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}}}
{"customId":"a","prompt":"Tags","output":{"type":"array","element":{"type":"string"}}}
{"customId":"c","prompt":"Good?","output":{"type":"choice","options":["yes","no"]}}
{"customId":"j","prompt":"Any JSON","output":{"type":"json"}}
{"customId":"t","prompt":"Plain text"}
E
bw-jsonl -m gpt-4o-mini "$T/req" >"$T/in"
bw-jsonl -m gpt-4o-mini -e responses "$T/req" >"$T/in-r"

# chat replies, one of each, as they come back (in any order)
reply() {	# custom_id content finish_reason [refusal]
	printf '{"custom_id":"%s","response":{"status_code":200,"body":{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":%s},"finish_reason":"%s"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}},"error":null}\n' \
		"$1" "$2" "${4:-null}" "$3"
}
{
	reply t '"plain"' stop
	reply j '"[1, 2.50, {\"k\": null}]"' stop
	reply c '"{\"result\":\"no\"}"' stop
	reply a '"{\"elements\":[\"x\",\"y\"]}"' stop
	reply o '"{\"name\":\"Ada\",\"age\":36}"' stop
} >"$T/good"
run bw-parse --input "$T/in" "$T/good"
exit_is 0 "bw-parse --input: exit 0"
cat >"$T/want" <<'E'
{"customId":"t","status":"succeeded","text":"plain","finishReason":"stop","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
{"customId":"j","status":"succeeded","text":"[1, 2.50, {\"k\": null}]","finishReason":"stop","output":[1,2.5,{"k":null}],"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
{"customId":"c","status":"succeeded","text":"{\"result\":\"no\"}","finishReason":"stop","output":"no","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
{"customId":"a","status":"succeeded","text":"{\"elements\":[\"x\",\"y\"]}","finishReason":"stop","output":["x","y"],"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
{"customId":"o","status":"succeeded","text":"{\"name\":\"Ada\",\"age\":36}","finishReason":"stop","output":{"name":"Ada","age":36},"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
E
out_file_is "$T/want" "bw-parse --input: the object, the array's elements, the choice, any JSON; plain text has no output"
run bw-parse "$T/good"
ok '! grep -q "\"output\"" "$T/out" && [ "$(wc -l <"$T/out")" -eq 5 ]' \
	"bw-parse without --input: no output (it cannot know what was asked)"

# what does not give an output says why, and stays a success
{
	reply o '"{\"name\":\"Ada\",\"age\":"' length
	reply o2 '"{\"name\":\"Ada\",\"age\":36.5}"' stop
	reply a '"{\"items\":[]}"' stop
	reply c '"{\"result\":\"maybe\"}"' stop
	reply j '"Sure: {}"' stop
	reply t2 null stop "\"I can't help with that.\""
	reply o3 '""' content_filter
} >"$T/bad"
printf '%s\n' '{"customId":"o2","prompt":"x","output":{"type":"object","schema":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}}}' \
	'{"customId":"o3","prompt":"x","output":{"type":"object","schema":{"type":"object"}}}' \
	'{"customId":"t2","prompt":"x","output":{"type":"json"}}' |
	bw-jsonl -m gpt-4o-mini >>"$T/in"
run bw-parse -i "$T/in" "$T/bad"
exit_is 0 "outputs that cannot be read: exit 0"
jq -r '[.customId, .status, .finishReason, (.output // "-"), .outputError] | @tsv' "$T/out" >"$T/got"
cat >"$T/want" <<'E'
o	succeeded	length	-	the reply is not JSON: unexpected end of text at column 21 (finishReason length)
o2	succeeded	stop	-	the reply does not match the schema: /age: 36.5, not an integer
a	succeeded	stop	-	the reply does not match the schema: the value: missing required property "elements"
c	succeeded	stop	-	the reply does not match the schema: /result: "maybe", not one of the enum's 2 values
j	succeeded	stop	-	the reply is not JSON: unexpected character at column 1 (finishReason stop)
t2	succeeded	content-filter	-	no output: the model refused (see refusal)
o3	succeeded	content-filter	-	no output: the reply has no text (finishReason content-filter)
E
ok 'diff "$T/want" "$T/got" >&2' \
	"a cut reply, a misfit, a wrong wrapper, a choice not offered, prose, a refusal, no text: outputError says which, no output"

# tool calls only: no output
printf '%s\n' '{"custom_id":"o","response":{"status_code":200,"body":{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}},"error":null}' >"$T/calls"
run bw-parse -i "$T/in" "$T/calls"
out_is '{"customId":"o","status":"succeeded","text":"","finishReason":"tool-calls","toolCalls":[{"toolCallId":"call_1","toolName":"f","input":{}}],"outputError":"no output: the reply is tool calls"}' \
	"tool calls only: no output"

# errors keep their shape; a result for no request of the input is refused
printf '%s\n' '{"custom_id":"c","response":null,"error":{"code":"batch_expired","message":"Expired."}}' >"$T/exp"
run bw-parse -i "$T/in" "$T/exp"
out_is '{"customId":"c","status":"expired","error":{"message":"Expired.","type":null,"code":"batch_expired"}}' \
	"an expired request: as without --input"
{ cat "$T/good"; reply zz '"x"' stop; } >"$T/stray"
run bw-parse -i "$T/in" "$T/stray"
exit_is 65 "a result for no request of the input: exit 65"
out_empty "a result for no request of the input: nothing written"
err_like '^bw-parse: .*stray: line 6: custom_id "zz" is not in the batch input$' \
	"a result for no request of the input: named, line and id"

# the input file itself
run sh -c 'bw-parse --input - <"$1"' sh "$T/in"
exit_is 2 "--input - with the results on standard input too: exit 2"
err_like '^bw-parse: --input -: the results are read from standard input too$' \
	"--input - with the results on standard input too: said"
run sh -c 'bw-parse --input - "$1" <"$2"' sh "$T/good" "$T/in"
exit_is 0 "--input - with the results in a file: exit 0"
ok '[ "$(jq -r .output.name "$T/out" | grep -c Ada)" -eq 1 ]' \
	"--input - with the results in a file: the input read from standard input"
run bw-parse -i "$T/nothere" "$T/good"
exit_is 2 "--input that cannot be opened: exit 2"
err_like 'nothere' "--input that cannot be opened: named"
out_empty "--input that cannot be opened: nothing written"
{ head -2 "$T/in"; echo '{"prompt":"not a batch line"}'; } >"$T/notbatch"
run bw-parse -i "$T/notbatch" "$T/good"
exit_is 65 "--input of requests, not batch lines: exit 65"
err_like '^bw-parse: .*notbatch: line 3: custom_id: missing, not a string \(not a batch input line\)$' \
	"--input of requests: the line named"
{ cat "$T/in"; head -1 "$T/in"; } >"$T/twice"
run bw-parse -i "$T/twice" "$T/good"
exit_is 65 "--input with a custom_id twice: exit 65"
err_like 'twice: line 9: custom_id "o": given twice$' "--input with a custom_id twice: named"
: >"$T/empty"
run bw-parse -i "$T/empty" "$T/good"
exit_is 65 "an empty --input: exit 65"
err_like 'empty: no batch input lines$' "an empty --input: said"

# the Responses API: text.format, and a reply cut by its budget
resp() {	# custom_id text status
	printf '{"custom_id":"%s","response":{"status_code":200,"body":{"object":"response","status":"%s","incomplete_details":%s,"output":[{"type":"message","content":[{"type":"output_text","text":%s}]}]}},"error":null}\n' \
		"$1" "$3" "$([ "$3" = incomplete ] && echo '{"reason":"max_output_tokens"}' || echo null)" "$2"
}
{ resp o '"{\"name\":\"Ada\",\"age\":36}"' completed; resp a '"{\"elements\":[\"x\""' incomplete; resp c '"{\"result\":\"yes\"}"' completed; } >"$T/r"
run bw-parse -i "$T/in-r" "$T/r"
exit_is 0 "responses: exit 0"
ok '[ "$(jq -c "[.customId, .finishReason, .output, .outputError]" "$T/out" | tr "\n" " ")" = "[\"o\",\"stop\",{\"name\":\"Ada\",\"age\":36},null] [\"a\",\"length\",null,\"the reply is not JSON: unexpected end of text at column 17 (finishReason length)\"] [\"c\",\"stop\",\"yes\",null] " ]' \
	"responses: the output read from text.format; a reply cut by max_output_tokens says so"

# --- against the fake server: the pipeline, and bw-run by itself
fake_start --pace 0	# (the fake server's --pace: bw-run's list looks advance it)
{ cat "$T/req"; printf '%s\n' '{"customId":"misfit","prompt":"x","output":{"type":"object","schema":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"],"additionalProperties":false}}}' \
	'{"customId":"notjson","prompt":"x","output":{"type":"json"}}'; } >"$T/req2"
bw-jsonl -m gpt-4o-mini "$T/req2" >"$T/in2"
run sh -c 'bw-upload "$1" | bw-create | bw-poll -i 0.01 | bw-download | bw-parse --input "$1"' sh "$T/in2"
exit_is 0 "the pipeline with bw-parse --input: exit 0"
cat >"$T/want" <<'E'
["o",{"name":"x","age":1},null]
["a",["x"],null]
["c","yes",null]
["j",{"id":"j"},null]
["t",null,null]
["misfit",null,"the reply does not match the schema: the value: an array, not an object"]
["notjson",null,"the reply is not JSON: unexpected character at column 1 (finishReason stop)"]
E
ok '[ "$(jq -c "[.customId, .output, .outputError]" "$T/out" | sort)" = "$(sort "$T/want")" ]' \
	"the pipeline: each request's output, or why there is none"

run bw-run --dry-run -m gpt-4o-mini --max-requests 4 "$T/req2"
ok '[ "$(jq -c "[.shard, .requests, .outputs]" "$T/out" | tr "\n" " ")" = "[1,4,4] [2,3,2] " ]' \
	"--dry-run: how many requests of each shard ask for structured output"
run bw-run -d "$T/w" -m gpt-4o-mini -i 0.01 -t 60 "$T/req2"
exit_is 0 "bw-run: exit 0"
ok '[ "$(jq -c "[.customId, .output, .outputError]" "$T/out")" = "$(cat "$T/want")" ]' \
	"bw-run: the outputs by itself, in input order"
ok '[ "$(jq -c "[.customId, .output, .outputError]" "$T/w/results.jsonl")" = "$(cat "$T/want")" ]' \
	"bw-run: results.jsonl holds them"
run bw-run -d "$T/w2" -m gpt-4o-mini -e responses -i 0.01 "$T/req2"
exit_is 0 "bw-run -e responses: exit 0"
ok '[ "$(jq -c "[.customId, .output, .outputError]" "$T/out")" = "$(cat "$T/want")" ]' \
	"bw-run -e responses: the same outputs"
printf '%s\n' '{"customId":"retry500-c","prompt":"x","output":{"type":"choice","options":["yes","no"]}}' '{"customId":"p","prompt":"x"}' >"$T/req3"
run bw-run -d "$T/w4" -m gpt-4o-mini -i 0.01 --retry-wait 0 "$T/req3"
exit_is 0 "bw-run, a request tried again: exit 0"
ok '[ "$(jq -c "[.customId, .status, .output, .attempts]" "$T/out" | tr "\n" " ")" = "[\"retry500-c\",\"succeeded\",\"yes\",2] [\"p\",\"succeeded\",null,1] " ]' \
	"bw-run: the output of a request that succeeded on its second attempt"
run bw-run -d "$T/w3" -m gpt-4o-mini -i 0.01 "$T/in2"
exit_is 0 "bw-run on batch input lines: exit 0"
ok '[ "$(jq -c "[.customId, .output, .outputError]" "$T/out")" = "$(cat "$T/want")" ]' \
	"bw-run on batch input lines: the outputs read from their bodies"

# a custom_id JSON escapes (a quote, a backslash): its result is kept,
# not taken for one the batch did not hold
printf '%s\n' '{"customId":"q\"1\\","prompt":"x","output":{"type":"choice","options":["yes","no"]}}' '{"customId":"p","prompt":"x"}' >"$T/req5"
run bw-run -d "$T/w5" -m gpt-4o-mini -i 0.01 --retry-wait 0 "$T/req5"
exit_is 0 "bw-run, a custom_id with a quote and a backslash: exit 0"
ok '[ "$(jq -c "[.customId, .status, .output, .attempts]" "$T/out" | tr "\n" " ")" = "[\"q\\\"1\\\\\",\"succeeded\",\"yes\",1] [\"p\",\"succeeded\",null,1] " ]' \
	"bw-run: the output of a request whose custom_id has a quote and a backslash, first time"

# an object whose schema (zod-made, with its $schema) looks like the
# choice's or the array's wrapper but is not one: the object itself
printf '%s\n' '{"customId":"r","prompt":"x","output":{"type":"object","schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"result":{"type":"string"}},"required":["result"],"additionalProperties":false}}}' \
	'{"customId":"e","prompt":"x","output":{"type":"object","schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"elements":{"type":"array","items":{"type":"string"},"description":"the tags"}},"required":["elements"],"additionalProperties":false}}}' |
	bw-jsonl -m gpt-4o-mini >"$T/in6"
{ reply r '"{\"result\":\"Ada\"}"' stop; reply e '"{\"elements\":[\"x\"]}"' stop; } >"$T/r6"
run bw-parse -i "$T/in6" "$T/r6"
exit_is 0 "objects shaped like a wrapper: exit 0"
ok '[ "$(jq -c "[.customId, .output]" "$T/out" | tr "\n" " ")" = "[\"r\",{\"result\":\"Ada\"}] [\"e\",{\"elements\":[\"x\"]}] " ]' \
	"objects shaped like a wrapper (no enum, a description): the object, as result.output has it"

# a misfit deep in a schema of long non-ASCII names: outputError keeps
# its reason, and whole characters (the output stays UTF-8)
python3 - "$T" <<'P'
import json, sys
K = ["ab" + "\u00e9" * 40 + str(i) for i in range(8)]
s, v = {"type": "integer"}, "x"
for k in reversed(K):
    s = {"type": "object", "properties": {k: s}, "required": [k],
         "additionalProperties": False}
    v = {k: v}
open(sys.argv[1] + "/req7", "w").write(json.dumps({"customId": "d",
    "prompt": "x", "output": {"type": "object", "schema": s}}) + "\n")
open(sys.argv[1] + "/r7", "w").write(json.dumps({"custom_id": "d",
    "response": {"status_code": 200, "body": {"object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant",
    "content": json.dumps(v)}, "finish_reason": "stop"}]}},
    "error": None}) + "\n")
P
bw-jsonl -m gpt-4o-mini "$T/req7" >"$T/in7"
run bw-parse -i "$T/in7" "$T/r7"
exit_is 0 "a misfit deep in long non-ASCII names: exit 0"
ok 'python3 -c "import sys; open(sys.argv[1], \"rb\").read().decode()" "$T/out"' \
	"a misfit deep in long non-ASCII names: the output is UTF-8"
ok 'jq -r .outputError "$T/out" | grep -q "^the reply does not match the schema: /ab.*\.\.\./\.\.\./ab.*: a string, not an integer$"' \
	"a misfit deep in long non-ASCII names: outputError keeps the reason"

done_testing
