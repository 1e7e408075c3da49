#!/bin/sh
# bw-jsonl: requests in, batch input lines out, all or nothing.
. tests/lib.sh

# --- mapping, one example per endpoint ---
printf '%s\n' '{"customId":"fr","system":"Answer in one word.","prompt":"Capital of France?","maxOutputTokens":5,"temperature":0,"seed":4294967295}' >"$T/one.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/one.jsonl"
exit_is 0 "chat: exit 0"
out_is '{"custom_id":"fr","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","max_tokens":5,"temperature":0,"seed":4294967295,"messages":[{"role":"system","content":"Answer in one word."},{"role":"user","content":"Capital of France?"}]}}' \
	"chat: the SDK's body, seed 4294967295 kept exactly"
err_empty "chat: no warnings"

run bw-jsonl -m openai/gpt-4o-mini -e responses <"$T/one.jsonl"
out_is '{"custom_id":"fr","method":"POST","url":"/v1/responses","body":{"model":"gpt-4o-mini","input":[{"role":"system","content":"Answer in one word."},{"role":"user","content":[{"type":"input_text","text":"Capital of France?"}]}],"temperature":0,"max_output_tokens":5}}' \
	"responses: the SDK's body; the openai/ prefix dropped"
err_like "^bw-jsonl: warning: seed: not supported by the responses endpoint; dropped$" "responses: seed dropped with a warning"

run bw-jsonl -m gpt-4o-mini -e completions <"$T/one.jsonl"
out_is '{"custom_id":"fr","method":"POST","url":"/v1/completions","body":{"model":"gpt-4o-mini","max_tokens":5,"temperature":0,"seed":4294967295,"prompt":"Answer in one word.\n\nuser:\nCapital of France?\n\nassistant:\n","stop":["\nuser:"]}}' \
	"completions: the SDK's prompt text and stop sequence"

printf '%s\n' '{"customId":"a","system":"S","prompt":"P","maxOutputTokens":9,"temperature":0.5,"topP":0.9,"topK":3}' \
	'{"customId":"b","prompt":"Q","temperature":1,"providerOptions":{"openai":{"reasoningEffort":"low"}}}' >"$T/reason.jsonl"
run bw-jsonl -m gpt-5.5 "$T/reason.jsonl"
exit_is 0 "reasoning model: exit 0"
cat >"$T/want" <<'E'
{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-5.5","max_completion_tokens":9,"messages":[{"role":"developer","content":"S"},{"role":"user","content":"P"}]}}
{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-5.5","reasoning_effort":"low","messages":[{"role":"user","content":"Q"}]}}
E
out_file_is "$T/want" "reasoning model: developer role, max_completion_tokens, sampling dropped"
ok '[ "$(grep -c "warning: temperature: not supported for reasoning models; dropped" "$T/err")" -eq 1 ]' \
	"reasoning model: one temperature warning for two requests"
err_like "warning: topP: not supported for reasoning models; dropped" "reasoning model: topP warning"
err_like "warning: topK: not supported by OpenAI; dropped" "topK warning"

printf '%s\n' '{"prompt":"x","tools":{"weather":{"description":"Weather","inputSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},"toolChoice":{"type":"tool","toolName":"weather"}}' >"$T/tools.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/tools.jsonl"
out_is '{"custom_id":"request-0","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":{"type":"function","function":{"name":"weather"}}}}' \
	"chat: tools and a named toolChoice"
run bw-jsonl -m gpt-4o-mini -e responses "$T/tools.jsonl"
out_is '{"custom_id":"request-0","method":"POST","url":"/v1/responses","body":{"model":"gpt-4o-mini","input":[{"role":"user","content":[{"type":"input_text","text":"x"}]}],"tools":[{"type":"function","name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":false}],"tool_choice":{"type":"function","name":"weather"}}}' \
	"responses: flat tools, strict false"

# --- custom ids ---
printf '%s\n\n%s\n  \n%s\n' '{"prompt":"a"}' '{"customId":"007","prompt":"b"}' '{"prompt":"c"}' >"$T/ids.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/ids.jsonl"
ok '[ "$(cut -d, -f1 "$T/out" | tr "\n" " ")" = "{\"custom_id\":\"request-0\" {\"custom_id\":\"007\" {\"custom_id\":\"request-2\" " ]' \
	"ids: request-<index> by request position, blank lines skipped, \"007\" stays a string"

printf '%s\n' '{"customId":"x","prompt":"a"}' '{"prompt":"b"}' '{"customId":"x","prompt":"c"}' >"$T/dup.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/dup.jsonl"
exit_is 65 "duplicate customId: exit 65"
out_empty "duplicate customId: nothing on stdout"
err_like "^bw-jsonl: $T/dup.jsonl: line 3: duplicate customId \"x\" \(first on line 1\)$" "duplicate customId: the id and both lines named"

printf '%s\n' '{"prompt":"a"}' '{"customId":"request-0","prompt":"b"}' >"$T/clash.jsonl"
run bw-jsonl -m gpt-4o-mini <"$T/clash.jsonl"
exit_is 65 "a customId clashing with a generated one: exit 65"
err_like "^bw-jsonl: line 2: duplicate customId \"request-0\" \(first on line 1\)$" "a clash with a generated id: named"

# --- defaults ---
printf '%s\n' '{"prompt":"a"}' '{"prompt":"b","temperature":1}' >"$T/def.jsonl"
run bw-jsonl -m gpt-4o-mini -d '{"temperature":0,"maxOutputTokens":7}' "$T/def.jsonl"
cat >"$T/want" <<'E'
{"custom_id":"request-0","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","max_tokens":7,"temperature":0,"messages":[{"role":"user","content":"a"}]}}
{"custom_id":"request-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","max_tokens":7,"temperature":1,"messages":[{"role":"user","content":"b"}]}}
E
out_file_is "$T/want" "-d: merged under each request, the request's keys win"
run bw-jsonl -m gpt-4o-mini -d '{"temperature":' "$T/def.jsonl"
exit_is 2 "-d with bad JSON: usage error"
err_like "^bw-jsonl: -d: invalid JSON at column 16: unexpected end of line$" "-d with bad JSON: said"
run bw-jsonl -m gpt-4o-mini -d '{"temprature":0}' "$T/def.jsonl"
exit_is 2 "-d with a misspelt field: usage error, not a refused line"
err_like '^bw-jsonl: -d: unknown field "temprature"$' "-d with a misspelt field: -d named"
out_empty "-d with a misspelt field: nothing on stdout"
run bw-jsonl -m gpt-4o-mini -d '{"temperature":"hot"}' "$T/def.jsonl"
exit_is 2 "-d with a field of the wrong kind: usage error"
err_like '^bw-jsonl: -d: temperature: a string, not a number$' "-d with a field of the wrong kind: -d named"
run bw-jsonl -m gpt-4o-mini -d '[1]' "$T/def.jsonl"
exit_is 2 "-d not an object: usage error"

# --- raw batch lines ---
printf '%s\n' '{"custom_id":"r1","body":{"messages":[{"role":"user","content":"hi"}],"temperature":0.2}}' \
	'{"custom_id":"r2","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}' >"$T/raw.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/raw.jsonl"
cat >"$T/want" <<'E'
{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":0.2}}
{"custom_id":"r2","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}
E
out_file_is "$T/want" "raw lines pass through, the model added where missing"
printf '%s\n' '{"custom_id":"r1","body":{"model":"gpt-4o","messages":[]}}' >"$T/raw2.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/raw2.jsonl"
exit_is 65 "a raw line for another model: exit 65"
err_like 'line 1: body.model: "gpt-4o", but the batch is for gpt-4o-mini \(-m\): one model per batch' "a raw line for another model: said"
printf '%s\n' '{"custom_id":"r1","url":"/v1/responses","body":{}}' >"$T/raw3.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/raw3.jsonl"
exit_is 65 "a raw line for another endpoint: exit 65"
err_like 'line 1: url: "/v1/responses", but the endpoint is /v1/chat/completions \(-e\)' "a raw line for another endpoint: said"

# --- limits and shards ---
awk 'BEGIN { for (i = 0; i < 5; i++) printf "{\"customId\":\"c%d\",\"prompt\":\"p%d\"}\n", i, i }' >"$T/five.jsonl"
run bw-jsonl -m gpt-4o-mini --max-requests 4 "$T/five.jsonl"
exit_is 65 "more requests than --max-requests: exit 65"
out_empty "more requests than the limit: nothing written"
err_like "line 5: past the limit of 4 requests in a batch \(use --split, or --max-requests to change it\)$" "the request limit: line named"
run bw-jsonl -m gpt-4o-mini --max-file 300 "$T/five.jsonl"
exit_is 65 "a file over --max-file: exit 65"
err_like "line 3: past the limit of 300 bytes in a batch file" "the file limit: line named"
run bw-jsonl -m gpt-4o-mini --max-body 60 "$T/five.jsonl"
exit_is 65 "a body over --max-body: exit 65"
err_like "line 1: past the limit of 60 bytes in a request body \(--max-body to change it\)$" "the body limit: line named, no --split advice"

mkdir "$T/sh"
run bw-jsonl -m gpt-4o-mini --split "$T/sh/part" --max-requests 2 "$T/five.jsonl"
exit_is 0 "--split: exit 0"
out_is "$T/sh/part-0001.jsonl
$T/sh/part-0002.jsonl
$T/sh/part-0003.jsonl" "--split: the shards' names printed"
bw-jsonl -m gpt-4o-mini "$T/five.jsonl" >"$T/all"
ok 'cat "$T/sh/part-0001.jsonl" "$T/sh/part-0002.jsonl" "$T/sh/part-0003.jsonl" | cmp -s - "$T/all"' \
	"--split: the shards hold every line once, in order"
ok '[ "$(wc -l <"$T/sh/part-0003.jsonl")" -eq 1 ]' "--split: at most --max-requests lines a shard"
for f in part-0009.jsonl part-00009.jsonl part-0003.jsonl.bak part-03.jsonl part-x.jsonl partX-0009.jsonl; do
	: >"$T/sh/$f"
done
run bw-jsonl -m gpt-4o-mini --split "$T/sh/part" --max-requests 3 "$T/five.jsonl"
exit_is 0 "--split again, fewer shards: exit 0"
ok '[ "$(cd "$T/sh" && echo part*)" = "part-00009.jsonl part-0001.jsonl part-0002.jsonl part-0003.jsonl.bak part-03.jsonl part-x.jsonl partX-0009.jsonl" ]' \
	"--split again, fewer shards: the earlier run's part-0003 and part-0009 removed, nothing else"
ok 'cat "$T/sh/part-0001.jsonl" "$T/sh/part-0002.jsonl" | cmp -s - "$T/all"' "--split again, fewer shards: every line once"
run bw-jsonl -m gpt-4o-mini --split "$T/sh/part" --max-requests 1 --max-body 60 "$T/five.jsonl"
ok '[ $rc -eq 65 ] && [ -s "$T/sh/part-0002.jsonl" ]' "--split that fails removes no earlier shard"
run bw-jsonl -m gpt-4o-mini -s "$T/sh/b" --max-file 300 "$T/five.jsonl"
ok '[ "$(wc -l <"$T/out")" -eq 3 ] && [ "$(wc -c <"$T/sh/b-0001.jsonl")" -eq 278 ]' "--split: two 139-byte lines a shard within --max-file 300"
mkdir "$T/sh2"
run bw-jsonl -m gpt-4o-mini -s "$T/sh2/c" --max-requests 2 --max-body 60 "$T/five.jsonl"
exit_is 65 "--split with a body over the limit: exit 65"
ok '[ -z "$(ls "$T/sh2")" ]' "--split that fails leaves no shard behind"

# --- bad input: exit 65, line named, nothing written ---
check_bad() {	# json message-regex description
	printf '%s\n%s\n' '{"prompt":"fine"}' "$1" >"$T/bad.jsonl"
	run bw-jsonl -m gpt-4o-mini <"$T/bad.jsonl"
	exit_is 65 "$3: exit 65"
	out_empty "$3: nothing on stdout"
	err_like "^bw-jsonl: line 2: $2\$" "$3: message"
}
check_bad '{"prompt":"a"' 'invalid JSON at column 14: unexpected end of line' "truncated JSON"
check_bad '{"prompt":"a","temperature":"hot"}' 'temperature: a string, not a number' "a string temperature"
check_bad '{"prompt":"a","maxOutputTokens":0}' 'maxOutputTokens: must be an integer of at least 1' "maxOutputTokens 0"
check_bad '{"prompt":"a","seed":1.5}' 'seed: must be an integer' "a fractional seed"
check_bad '{"prompt":"a","maxTokens":5}' 'unknown field "maxTokens"' "an unknown field"
check_bad '{"system":"s"}' 'no prompt and no messages' "no prompt"
check_bad '{"prompt":"a","messages":[]}' 'prompt and messages: give one, not both' "prompt and messages"
check_bad '{"messages":{}}' 'messages: an object, not an array' "messages not an array"
check_bad '{"messages":[{"role":"bot","content":"x"}]}' 'messages\[0\].role: must be system, user, assistant or tool' "an unknown role"
check_bad '{"messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}]}' 'messages\[0\]: a system message; use system or instructions \(or set allowSystemInMessages\)' "a system message inside messages"
check_bad '{"customId":7,"prompt":"a"}' 'customId: a number, not a non-empty string' "a numeric customId"
check_bad '{"customId":"","prompt":"a"}' 'customId: empty, not a non-empty string' "an empty customId"
check_bad '{"prompt":"a","toolChoice":"sometimes"}' 'toolChoice: not auto, none, required or \{"type":"tool","toolName":...\}' "a bad toolChoice"
check_bad '{"prompt":"a","tools":{"t":{"description":"d"}}}' 'tools.t.inputSchema: missing, not a JSON Schema object' "a tool without a schema"
check_bad '{"prompt":"a","providerOptions":{"openai":{"reasoningEffort":"extreme"}}}' 'providerOptions.openai.reasoningEffort: not one of none, minimal, low, medium, high, xhigh, max' "a bad reasoningEffort"
check_bad '{"messages":[{"role":"assistant","content":[{"type":"tool-call","toolCallId":"c1","toolName":"t","input":{}}]}]}' 'tool call "c1" has no tool result' "a tool call without a result"
long=$(awk 'BEGIN { for (i = 0; i < 900; i++) printf "t" }')
check_bad "{\"prompt\":\"a\",\"tools\":{\"$long\":{\"inputSchema\":{},\"type\":\"x\"}}}" "tools\\.$long\\.type: only function tools are supported" "a reason longer than 768 bytes, whole"
check_bad '[1]' 'an array, not a request object' "not an object"
check_bad '{"custom_id":"","body":{"messages":[]}}' 'custom_id: empty, not a non-empty string' "a raw line with an empty custom_id (as bw-upload refuses it)"
check_bad '{"prompt":"a","providerOptions":{"openai":{"serviceTier":"flex\u0000zzz"}}}' 'providerOptions.openai.serviceTier: not one of .*' "a value with a NUL inside is not the value before it"
check_bad '{"messages":[{"role":"user\u0000evil","content":"x"}]}' 'messages\[0\].role: must be system, user, assistant or tool' "a role with a NUL inside"
check_bad '{"prompt":[{"role":"user","content":[{"type":"image","image":"https://example.com/a/../b.png"}]}]}' 'prompt\[0\].content\[0\]: a URL with a "\." or "\.\." path segment: .*|messages\[0\].content\[0\]: a URL with a "\." or "\.\." path segment: .*' "a URL that new URL() would rewrite"
check_bad "$(printf '"\377"')" 'invalid JSON at column 2: invalid UTF-8' "invalid UTF-8"
printf '\357\273\277{"prompt":"a"}\n' >"$T/bom.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/bom.jsonl"
exit_is 65 "a UTF-8 byte order mark: exit 65"
err_like 'line 1: invalid JSON at column 1: a byte order mark \(U\+FEFF\): save the file as UTF-8 without one$' "a UTF-8 byte order mark: named"
printf '\357\273\277{"custom_id":"a","response":{"status_code":200,"body":{}}}\n' >"$T/bom2.jsonl"
run bw-parse "$T/bom2.jsonl"
exit_is 65 "bw-parse, a byte order mark: exit 65"
err_like 'line 1: invalid JSON at column 1: a byte order mark' "bw-parse, a byte order mark: named"
check_bad "$(printf '{"prompt":"a\001b"}')" 'invalid JSON at column 13: control character in a string' "a control byte"
check_bad "$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "["; for (i = 0; i < 300; i++) printf "]" }')" \
	'invalid JSON at column 257: nested deeper than 256 levels' "nesting past 256"
# structured output: refused naming the field (the SDK's own bodies are
# held to the captured ones in 0110)
check_bad '{"prompt":"a","output":"object"}' 'output: a string, not an object' "output not an object"
check_bad '{"prompt":"a","output":{"type":"enum"}}' 'output.type: "enum", not object, array, choice or json' "an unknown output type"
check_bad '{"prompt":"a","output":{}}' 'output.type: missing, not object, array, choice or json' "an output without a type"
check_bad '{"prompt":"a","output":{"type":"object"}}' 'output.schema: missing, not a JSON Schema object' "an object output without a schema"
check_bad '{"prompt":"a","output":{"type":"array","element":true}}' 'output.element: a boolean, not a JSON Schema object' "an array output whose element is not a schema"
check_bad '{"prompt":"a","output":{"type":"object","schema":{},"element":{}}}' 'output.element: not a field of object output' "a field of another output type"
check_bad '{"prompt":"a","output":{"type":"object","schema":{},"name":"a b"}}' 'output.name: not 1 to 64 letters, digits, _ or -' "an output name OpenAI refuses"
check_bad '{"prompt":"a","output":{"type":"object","schema":{},"description":7}}' 'output.description: a number, not a string' "a description not a string"
check_bad '{"prompt":"a","output":{"type":"choice","options":[]}}' 'output.options: empty' "a choice of nothing"
check_bad '{"prompt":"a","output":{"type":"choice","options":["a",1]}}' 'output.options: not an array of strings' "a choice of a number"
check_bad '{"prompt":"a","output":{"type":"array","element":{},"minItems":-1}}' 'output.minItems: must be an integer of at least 0' "minItems below 0"
check_bad '{"prompt":"a","output":{"type":"array","element":{},"minItems":3,"maxItems":2}}' 'output.minItems: more than maxItems' "minItems past maxItems"
check_bad '{"prompt":"a","output":{"type":"object","schema":{"type":"object","propertyNames":{"type":"number"}}}}' 'output: JSON Schema propertyNames that does not use a string schema is not supported' "propertyNames the SDK throws on"
printf '%s\n' '{"prompt":"a","output":{"type":"json"}}' >"$T/o.jsonl"
run bw-jsonl -m gpt-4o-mini -e completions <"$T/o.jsonl"
exit_is 65 "structured output to completions: exit 65"
err_like '^bw-jsonl: line 1: output: structured output is not supported by the completions endpoint \(use chat or responses\)$' \
	"structured output to completions: refused (the SDK drops it silently)"
printf '%s\n' '{"prompt":"a","output":{"type":"json"},"providerOptions":{"openai":{"textFormat":{"type":"text"}}}}' >"$T/o.jsonl"
run bw-jsonl -m gpt-4o-mini -e responses <"$T/o.jsonl"
exit_is 65 "output and textFormat: exit 65"
err_like '^bw-jsonl: line 1: output: cannot be given with providerOptions.openai.textFormat \(give one\)$' \
	"output and textFormat: refused (the SDK sends textFormat and reads output)"
printf '%s\n' '{"prompt":"a"}' '{"prompt":"b","output":{"type":"json"}}' >"$T/o.jsonl"
run bw-jsonl -m gpt-4o-mini -d '{"output":{"type":"choice","options":["y","n"]}}' "$T/o.jsonl"
cat >"$T/want" <<'E'
{"custom_id":"request-0","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","response_format":{"type":"json_schema","json_schema":{"schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"result":{"type":"string","enum":["y","n"]}},"required":["result"],"additionalProperties":false},"strict":true,"name":"response"}},"messages":[{"role":"user","content":"a"}]}}
{"custom_id":"request-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"b"}]}}
E
out_file_is "$T/want" "output in -d: every request's, unless its own replaces it"
run bw-jsonl -m gpt-4o-mini -e responses -d '{"output":{"type":"json"},"providerOptions":{"openai":{"textFormat":{"type":"text"}}}}' "$T/o.jsonl"
exit_is 2 "-d with output and textFormat (responses): a usage error"
err_like '^bw-jsonl: -d: output: cannot be given with providerOptions.openai.textFormat \(give one\)$' \
	"-d with output and textFormat: named"
out_empty "-d with output and textFormat: nothing written"
run bw-jsonl -m gpt-4o-mini -d '{"output":{"type":"list"}}' "$T/o.jsonl"
exit_is 2 "-d with a bad output: a usage error"
err_like '^bw-jsonl: -d: output.type: "list", not object, array, choice or json$' "-d with a bad output: named"
run bw-jsonl -m gpt-3.5-turbo-instruct -e completions -d '{"output":{"type":"json"}}' "$T/o.jsonl"
exit_is 2 "-d with output for completions: a usage error, before any line"
err_like '^bw-jsonl: -d: output: structured output is not supported by the completions endpoint \(use chat or responses\)$' \
	"-d with output for completions: named"
printf '%s\n' '{"prompt":"a","output":{"type":"json","name":"n"}}' '{"prompt":"b","output":{"type":"json","name":"n"}}' >"$T/o.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/o.jsonl"
ok '[ "$(grep -c "^bw-jsonl: warning: output.name: not sent for json output; dropped$" "$T/err")" -eq 1 ]' \
	"json output's name: dropped with one warning"
printf '{"prompt":"fine"}\n{"prompt":"a\000b"}\n' >"$T/nul.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/nul.jsonl"
exit_is 65 "a NUL byte: exit 65"
err_like "line 2: invalid JSON at column 13: control character in a string" "a NUL byte: the line named"
awk 'BEGIN { s = ""; for (i = 0; i < 2000; i++) s = s "x"; print "{\"prompt\":\"ok\"}"; print "{\"prompt\":\"" s "\"}" }' >"$T/long.jsonl"
run bw-jsonl -m gpt-4o-mini --max-line 1K "$T/long.jsonl"
exit_is 65 "a line past --max-line: exit 65"
err_like "line 2: longer than the limit of 1024 bytes" "a line past the cap: named"
out_empty "a line past the cap: nothing written"
printf '{"prompt":"a"}\n{"prompt":"b"}' >"$T/nonl.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/nonl.jsonl"
ok '[ $rc -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 2 ]' "a whole last line without a newline is read"
printf '{"prompt":"a"}\n{"prompt":"b' >"$T/cut.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/cut.jsonl"
exit_is 65 "a last line cut short: exit 65"
out_empty "a last line cut short: nothing written"

: >"$T/empty"
run bw-jsonl -m gpt-4o-mini "$T/empty"
exit_is 65 "empty input: exit 65"
err_like "^bw-jsonl: no requests in the input$" "empty input: said"

# warnings for options the endpoint does not use
printf '%s\n' '{"prompt":"a","providerOptions":{"openai":{"previousResponseId":"resp_1"},"anthropic":{"x":1}}}' >"$T/po.jsonl"
run bw-jsonl -m gpt-4o-mini "$T/po.jsonl"
exit_is 0 "an option another endpoint uses: exit 0"
err_like "^bw-jsonl: warning: providerOptions.openai.previousResponseId: not used by the chat endpoint; dropped$" \
	"an option another endpoint uses: dropped with a warning"

# --- output failures ---
run sh -c 'bw-jsonl -m gpt-4o-mini "$1" >/dev/full' sh "$T/five.jsonl"
exit_is 74 "a full disk: exit 74"
err_like "^bw-jsonl: stdout: write error: No space left on device$" "a full disk: said"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"prompt\":\"request number %d\"}\n", i }' >"$T/many.jsonl"
(bw-jsonl -m gpt-4o-mini "$T/many.jsonl" 2>"$T/err"; echo $? >"$T/rc") | head -c 10 >/dev/null
ok '[ "$(cat "$T/rc")" -eq 141 ] && [ ! -s "$T/err" ]' "a closed pipe: a quiet death by SIGPIPE (141)"

# --- usage ---
run bw-jsonl <"$T/five.jsonl"
exit_is 2 "no -m: usage error"
err_like "^usage: bw-jsonl -m model" "no -m: the usage"
run bw-jsonl -m gpt-4o-mini -e audio <"$T/five.jsonl"
exit_is 2 "an unknown endpoint: usage error"
err_like '^bw-jsonl: -e: not chat, responses, completions, embeddings, images, image-edits or moderations: "audio"$' "an unknown endpoint: said"
run bw-jsonl -m anthropic/claude <"$T/five.jsonl"
exit_is 2 "another provider's model: usage error"
run bw-jsonl --help
exit_is 0 "--help: exit 0"
ok 'grep -q -- "--split PREFIX" "$T/out"' "--help lists --split"
run bw-jsonl --version
out_is "bw-jsonl 0.1.0" "--version"

done_testing
