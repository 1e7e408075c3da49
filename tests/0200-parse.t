#!/bin/sh
# bw-parse: normalized results from batch output and error lines.
. tests/lib.sh

cat >"$T/output.jsonl" <<'E'
{"id":"batch_req_1","custom_id":"fr","response":{"status_code":200,"request_id":"req_1","body":{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}},"error":null}
{"id":"batch_req_2","custom_id":"007","response":{"status_code":200,"request_id":"req_2","body":{"object":"response","output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"thinking"}]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hel","annotations":[]},{"type":"refusal","refusal":"no"},{"type":"output_text","text":"lo \"you\"\n"}]},{"type":"message","content":[{"type":"output_text","text":"!"}]}],"usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}},"error":null}
{"id":"batch_req_3","custom_id":"c","response":{"status_code":200,"request_id":"req_3","body":{"object":"text_completion","choices":[{"index":0,"text":" blue","finish_reason":"stop"}],"usage":{"prompt_tokens":4294967295,"completion_tokens":3}}},"error":null}
{"id":"batch_req_4","custom_id":"tools","response":{"status_code":200,"request_id":"req_4","body":{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}},"error":null}
E
cat >"$T/errors.jsonl" <<'E'
{"id":"batch_req_5","custom_id":"bad","response":{"status_code":400,"request_id":"req_5","body":{"error":{"message":"Invalid 'max_tokens': too large.","type":"invalid_request_error","param":"max_tokens","code":"integer_above_max_value"}}},"error":null}
{"id":"batch_req_6","custom_id":"late","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}
{"id":"batch_req_7","custom_id":"stopped","response":null,"error":{"code":"batch_cancelled","message":"This request was cancelled."}}
{"id":"batch_req_8","custom_id":"boom","response":{"status_code":500,"request_id":"req_8","body":"upstream broke"},"error":null}
{"id":"batch_req_9","custom_id":"other","response":null,"error":{"code":"server_error","message":"Something went wrong."}}
E
cat >"$T/want-output" <<'E'
{"customId":"fr","status":"succeeded","text":"Paris","finishReason":"stop","usage":{"inputTokens":12,"outputTokens":1,"totalTokens":13}}
{"customId":"007","status":"succeeded","text":"Helnolo \"you\"\n!","finishReason":"content-filter","refusal":"no","usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7}}
{"customId":"c","status":"succeeded","text":" blue","finishReason":"stop","usage":{"inputTokens":4294967295,"outputTokens":3,"totalTokens":4294967298}}
{"customId":"tools","status":"succeeded","text":"","finishReason":"tool-calls","toolCalls":[{"toolCallId":"call_1","toolName":"f","input":{}}],"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}
E
cat >"$T/want-errors" <<'E'
{"customId":"bad","status":"errored","error":{"message":"Invalid 'max_tokens': too large.","type":"invalid_request_error","code":"integer_above_max_value"}}
{"customId":"late","status":"expired","error":{"message":"This request could not be executed before the completion window expired.","type":null,"code":"batch_expired"}}
{"customId":"stopped","status":"canceled","error":{"message":"This request was cancelled.","type":null,"code":"batch_cancelled"}}
{"customId":"boom","status":"errored","error":{"message":"HTTP status 500","type":null,"code":null}}
{"customId":"other","status":"errored","error":{"message":"Something went wrong.","type":null,"code":"server_error"}}
E

run bw-parse <"$T/output.jsonl"
exit_is 0 "succeeded lines: exit 0"
out_file_is "$T/want-output" "chat, responses and completions text, finishReason, toolCalls, refusal and usage"
err_empty "nothing on stderr"

run bw-parse "$T/errors.jsonl"
exit_is 0 "error lines: exit 0"
out_file_is "$T/want-errors" "errored, expired, canceled told apart"

cat "$T/want-errors" "$T/want-output" >"$T/want-both"
run bw-parse "$T/errors.jsonl" "$T/output.jsonl"
out_file_is "$T/want-both" "two files, error file first: in the order given"

run bw-parse --raw "$T/output.jsonl"
exit_is 0 "--raw: exit 0"
ok 'head -1 "$T/out" | grep -qF "\"response\":{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\""' \
	"--raw adds the provider body as response"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "--raw: one line per result"

run bw-parse -r "$T/errors.jsonl"
ok 'sed -n 4p "$T/out" | grep -qF ",\"response\":\"upstream broke\"}"' \
	"--raw keeps a non-object body"
ok 'sed -n 2p "$T/out" | grep -qF ",\"response\":null}"' \
	"--raw gives null when the request never ran"

printf '\n%s\n  \n' "$(head -1 "$T/output.jsonl")" >"$T/blank.jsonl"
run bw-parse "$T/blank.jsonl"
out_is "$(head -1 "$T/want-output")" "blank lines are skipped"

head -1 "$T/output.jsonl" | tr -d '\n' >"$T/nonl.jsonl"
run bw-parse "$T/nonl.jsonl"
out_is "$(head -1 "$T/want-output")" "a last line without a newline is read"

# bad input: exit 65, the line named, nothing on stdout, content never quoted
printf '%s\n{"custom_id":"secret-ish", oops}\n' "$(head -1 "$T/output.jsonl")" >"$T/bad.jsonl"
run bw-parse "$T/bad.jsonl"
exit_is 65 "malformed JSON: exit 65"
out_empty "malformed JSON: nothing on stdout, not even the good line"
err_like "^bw-parse: $T/bad.jsonl: line 2: invalid JSON at column 2[0-9]: " "malformed JSON: file and line named"
ok '! grep -q secret-ish "$T/err"' "malformed JSON: the line is not quoted"

check_bad() {	# input-file message-regex description
	run bw-parse <"$1"
	exit_is 65 "$3: exit 65"
	out_empty "$3: nothing on stdout"
	err_like "$2" "$3: message"
}
printf '{"response":null,"error":{"code":"x"}}\n' >"$T/b1"
check_bad "$T/b1" '^bw-parse: line 1: no custom_id$' "missing custom_id"
printf '{"custom_id":7,"response":null,"error":{"code":"x"}}\n' >"$T/b2"
check_bad "$T/b2" '^bw-parse: line 1: custom_id is a number, not a string$' "numeric custom_id"
printf '{"custom_id":"a","response":null,"error":null}\n' >"$T/b3"
check_bad "$T/b3" '^bw-parse: line 1: neither a response nor an error$' "neither response nor error"
printf '{"custom_id":"a","response":{"body":{}},"error":null}\n' >"$T/b4"
check_bad "$T/b4" 'response.status_code is missing, not a number' "no status code"
printf '[1,2]\n' >"$T/b5"
check_bad "$T/b5" 'line 1: not a batch result: an array, not an object' "not an object"
printf '{"custom_id":"\377"}\n' >"$T/b6"
check_bad "$T/b6" 'line 1: invalid JSON at column 15: invalid UTF-8' "invalid UTF-8"
printf '{"custom_id":"a\000b"}\n' >"$T/b7"
check_bad "$T/b7" 'line 1: invalid JSON at column 16: control character in a string' "NUL byte"
printf '{"a":1}\n{"custom_id":"a","response":nan}\n' >"$T/b8"
check_bad "$T/b8" 'line 1: no custom_id' "the first bad line is the one named"
awk 'BEGIN { for (i = 0; i < 300; i++) printf "["; for (i = 0; i < 300; i++) printf "]"; print "" }' >"$T/b9"
check_bad "$T/b9" 'line 1: invalid JSON at column 257: nested deeper than 256 levels' "nesting past 256"
printf '{"custom_id":"a","response":{"status_code":200,"body":{}},"error":null} x\n' >"$T/b10"
check_bad "$T/b10" 'more than one JSON value' "trailing garbage"
: >"$T/empty"
check_bad "$T/empty" '^bw-parse: no results in the input$' "empty input"
printf '\n\n' >"$T/blanks"
check_bad "$T/blanks" '^bw-parse: no results in the input$' "only blank lines"

# a 2xx body of a kind bw-parse does not read is refused, never an empty success
printf '%s\n{"custom_id":"m","response":{"status_code":200,"body":{"object":"model.list","data":[]}},"error":null}\n' \
	"$(head -1 "$T/output.jsonl")" >"$T/b11"
check_bad "$T/b11" '^bw-parse: line 2: response.body is a reply of a kind bw-parse does not read: object "model.list"$' "an unknown kind"
printf '{"custom_id":"u","response":{"status_code":200,"body":{"data":[{"url":"https://img.invalid/1.png"}]}},"error":null}\n' >"$T/b12"
check_bad "$T/b12" '^bw-parse: line 1: response.body.data\[0\] is an image given as a URL: bw-parse reads only b64_json images$' "images only as URLs"
printf '{"custom_id":"u","response":{"status_code":200,"body":"ok"},"error":null}\n' >"$T/b13"
check_bad "$T/b13" '^bw-parse: line 1: response.body is a string, not a reply$' "a body that is no object"

# embeddings, images and moderations
cat >"$T/other.jsonl" <<'E2'
{"custom_id":"e","response":{"status_code":200,"body":{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0079,-0.0038,1e-05]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}},"error":null}
{"custom_id":"i","response":{"status_code":200,"body":{"created":1,"data":[{"b64_json":"/9j/4AAQSkZJRg=="}],"output_format":"jpeg","usage":{"input_tokens":10,"output_tokens":272,"total_tokens":282}}},"error":null}
{"custom_id":"d","response":{"status_code":200,"body":{"created":1,"data":[{"b64_json":"AAAA","revised_prompt":"p"}]}},"error":null}
{"custom_id":"m","response":{"status_code":200,"body":{"id":"modr-1","model":"omni-moderation-latest","results":[{"flagged":true,"categories":{"harassment":false,"violence":true},"category_scores":{"harassment":0.0012,"violence":0.93},"category_applied_input_types":{"violence":["text"]}}]}},"error":null}
E2
cat >"$T/want-other" <<'E2'
{"customId":"e","status":"succeeded","embedding":[0.0079,-0.0038,0.00001],"usage":{"tokens":8}}
{"customId":"i","status":"succeeded","images":[{"data":"/9j/4AAQSkZJRg==","mediaType":"image/jpeg"}],"usage":{"inputTokens":10,"outputTokens":272,"totalTokens":282}}
{"customId":"d","status":"succeeded","images":[{"data":"AAAA","mediaType":"image/png"}]}
{"customId":"m","status":"succeeded","moderation":{"flagged":true,"categories":{"harassment":false,"violence":true},"categoryScores":{"harassment":0.0012,"violence":0.93}}}
E2
run bw-parse "$T/other.jsonl"
exit_is 0 "embeddings, images, moderations: exit 0"
out_file_is "$T/want-other" "embedding, images and moderation as Batchwork reads them"

# the line cap
head -1 "$T/output.jsonl" >"$T/cap.jsonl"
awk 'BEGIN { s = ""; for (i = 0; i < 500; i++) s = s "x"; print "{\"custom_id\":\"" s "\",\"error\":{\"code\":\"e\"}}" }' >>"$T/cap.jsonl"
run bw-parse --max-line 400 "$T/cap.jsonl"
exit_is 65 "a line over --max-line: exit 65"
err_like "line 2: longer than the limit of 400 bytes" "a line over the cap: line named"
out_empty "a line over the cap: nothing on stdout"
run bw-parse --max-line 1K "$T/cap.jsonl"
exit_is 0 "--max-line takes a K suffix"
run bw-parse --max-line lots "$T/cap.jsonl"
exit_is 2 "--max-line with a bad size: usage error"

# a 64 MiB line with no newline fails at the default 20 MiB cap
run sh -c 'head -c 67108864 /dev/zero | tr "\0" x | bw-parse'
exit_is 65 "a 64 MiB line: exit 65"
err_like "^bw-parse: line 1: longer than the limit of 20971520 bytes$" "a 64 MiB line: refused at the cap"

# output failures
run sh -c 'bw-parse "$1" >/dev/full' sh "$T/output.jsonl"
exit_is 74 "a full disk: exit 74"
err_like "^bw-parse: stdout: write error: No space left on device$" "a full disk: said"
awk '{ l[NR] = $0 } END { for (i = 0; i < 2000; i++) for (k = 1; k <= NR; k++) print l[k] }' \
	"$T/output.jsonl" >"$T/many.jsonl"
(bw-parse "$T/many.jsonl" 2>"$T/err"; echo $? >"$T/rc") | head -c 10 >/dev/null
ok '[ "$(cat "$T/rc")" -eq 141 ] && [ ! -s "$T/err" ]' "a closed pipe: a quiet death by SIGPIPE (141)"

# usage
run bw-parse --help
exit_is 0 "--help: exit 0"
ok 'head -1 "$T/out" | grep -q "^usage: bw-parse "' "--help: usage line on stdout"
ok 'grep -q -- "--raw" "$T/out"' "--help lists --raw"
run bw-parse --version
out_is "bw-parse 0.1.0" "--version"
run bw-parse --bogus
exit_is 2 "an unknown option: exit 2"
err_like "^usage: bw-parse " "an unknown option: usage on stderr"
run bw-parse "$T/no-such-file"
exit_is 2 "a missing file: exit 2"
err_like "^bw-parse: $T/no-such-file: No such file or directory$" "a missing file: named"

done_testing
