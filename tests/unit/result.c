/* result.c: unit tests for bw_result_write. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static const char chat_body[] =
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":"
    "{\"role\":\"assistant\",\"content\":\"Paris\",\"refusal\":null},"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
    "\"completion_tokens\":1,\"total_tokens\":13,"
    "\"prompt_tokens_details\":{\"cached_tokens\":0}}}";

static const char responses_body[] =
    "{\"id\":\"resp_1\",\"object\":\"response\",\"output\":["
    "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":"
    "\"summary_text\",\"text\":\"thinking\"}],\"content\":[{\"type\":"
    "\"output_text\",\"text\":\"SECRET\"}]},"
    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":["
    "{\"type\":\"output_text\",\"text\":\"Hel\",\"annotations\":[]},"
    "{\"type\":\"refusal\",\"refusal\":\"no\"},"
    "{\"type\":\"output_text\",\"text\":\"lo\"}]},"
    "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"{}\"},"
    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":["
    "{\"type\":\"output_text\",\"text\":\", w\xc3\xb6rld\\n\"}]}],"
    "\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12,"
    "\"output_tokens_details\":{\"reasoning_tokens\":3}}}";

static const char completions_body[] =
    "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":["
    "{\"text\":\" Paris\",\"index\":0,\"logprobs\":null,"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":4,"
    "\"completion_tokens\":2,\"total_tokens\":6}}";

static char line[8192];

/* A batch output line for custom_id "r" with status code and body. */
static const char *
ok_line(int code, const char *body)
{
	snprintf(line, sizeof line, "{\"id\":\"batch_req_1\",\"custom_id\":"
	    "\"r\",\"response\":{\"status_code\":%d,\"request_id\":\"req_1\","
	    "\"body\":%s},\"error\":null}", code, body);
	return line;
}

static const char *
error_line(const char *error)
{
	snprintf(line, sizeof line, "{\"id\":\"batch_req_2\",\"custom_id\":"
	    "\"r\",\"response\":null,\"error\":%s}", error);
	return line;
}

static struct bw_arena arena;

static struct bw_v
parse(const char *s)
{
	const char *why = NULL;
	size_t col = 0;
	struct bw_v v = bw_read(&arena, s, strlen(s), 1000, &why, &col);

	if (!v.kind)
		fail_msg("test input refused at column %zu: %s: %s", col, why, s);
	return v;
}

static void
result_is(const char *s, int raw, const char *want)
{
	struct bw_out o;
	const char *why = NULL;
	char *got;

	bw_out_open(&o, -1, "x", 0);
	if (bw_result_write(&o, parse(s), raw, NULL, &why) != 0)
		fail_msg("rejected: %s", why);
	got = malloc(o.n + 1);
	assert_non_null(got);
	memcpy(got, o.buf, o.n);
	got[o.n] = 0;
	bw_out_discard(&o);
	assert_string_equal(got, want);
	free(got);
}

/* v is rejected with why, and nothing is written */
static void
rejected_v(struct bw_v v, const char *want)
{
	struct bw_out o;
	const char *why = NULL;

	bw_out_open(&o, -1, "x", 0);
	bw_out_str(&o, "before\n");
	assert_int_equal(bw_result_write(&o, v, 1, NULL, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_int_equal(o.n, 7);
	assert_memory_equal(o.buf, "before\n", 7);
	bw_out_discard(&o);
}

static void
rejected(const char *s, const char *want)
{
	rejected_v(parse(s), want);
}

static void
test_chat(void **state)
{
	(void)state;
	result_is(ok_line(200, chat_body), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"Paris\","
	    "\"finishReason\":\"stop\",\"usage\":{\"inputTokens\":12,"
	    "\"outputTokens\":1,\"totalTokens\":13,\"cachedInputTokens\":0}}\n");
	/* the first choice only; escapes written back */
	result_is(ok_line(200, "{\"choices\":[{\"message\":{\"content\":"
	    "\"a \\\"b\\\"\\n\\u00e9\\u0001\"}},{\"message\":"
	    "{\"content\":\"x\"}}]}"),
	    0, "{\"customId\":\"r\",\"status\":\"succeeded\","
	    "\"text\":\"a \\\"b\\\"\\n\xc3\xa9\\u0001\","
	    "\"finishReason\":\"other\"}\n");
	/* tool calls only: no text; the input parsed, {} when blank, the
	   string when it is no JSON */
	result_is(ok_line(200, "{\"choices\":[{\"message\":{\"role\":"
	    "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\","
	    "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
	    "\"{\\\"a\\\": [1, {}]}\"}},{\"id\":\"d\",\"function\":{\"name\":"
	    "\"g\",\"arguments\":\" \\n\"}},{\"id\":\"e\",\"function\":"
	    "{\"name\":\"h\",\"arguments\":\"{\\\"a\\\"\"}}]},\"finish_reason\":"
	    "\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":"
	    "2,\"total_tokens\":3}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"tool-calls\",\"toolCalls\":[{\"toolCallId\":"
	    "\"c\",\"toolName\":\"f\",\"input\":{\"a\":[1,{}]}},{\"toolCallId\":"
	    "\"d\",\"toolName\":\"g\",\"input\":{}},{\"toolCallId\":\"e\","
	    "\"toolName\":\"h\",\"input\":\"{\\\"a\\\"\"}],"
	    "\"usage\":{\"inputTokens\":1,\"outputTokens\":2,"
	    "\"totalTokens\":3}}\n");
	/* a refusal: after the content in text, content-filter, and alone
	   in refusal; an audio reply's transcript when there is no content */
	result_is(ok_line(200, "{\"choices\":[{\"message\":{\"content\":"
	    "\"a\",\"refusal\":\"No.\"},\"finish_reason\":\"stop\"}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"aNo.\","
	    "\"finishReason\":\"content-filter\",\"refusal\":\"No.\"}\n");
	result_is(ok_line(200, "{\"choices\":[{\"message\":{\"content\":"
	    "\"\",\"audio\":{\"transcript\":\"hi\"},\"refusal\":\"\"},"
	    "\"finish_reason\":\"length\"}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"hi\","
	    "\"finishReason\":\"length\"}\n");
}

static void
test_responses(void **state)
{
	(void)state;
	result_is(ok_line(200, responses_body), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\","
	    "\"text\":\"Helnolo, w\xc3\xb6rld\\n\",\"finishReason\":\"tool-calls\","
	    "\"toolCalls\":[{\"toolCallId\":\"call_1\",\"toolName\":\"f\","
	    "\"input\":{}}],\"refusal\":\"no\",\"usage\":{\"inputTokens\":5,"
	    "\"outputTokens\":7,\"totalTokens\":12,\"reasoningTokens\":3}}\n");
	result_is(ok_line(200, "{\"output\":[]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"stop\"}\n");
	/* the reasoning used up the budget: length, no text */
	result_is(ok_line(200, "{\"status\":\"incomplete\",\"incomplete_details\":"
	    "{\"reason\":\"max_output_tokens\"},\"output\":[{\"type\":"
	    "\"reasoning\",\"summary\":[]}],\"usage\":{\"input_tokens\":1,"
	    "\"output_tokens\":9,\"input_tokens_details\":{\"cached_tokens\":0},"
	    "\"output_tokens_details\":{\"reasoning_tokens\":9}}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"length\",\"usage\":{\"inputTokens\":1,"
	    "\"outputTokens\":9,\"totalTokens\":10,\"reasoningTokens\":9,"
	    "\"cachedInputTokens\":0}}\n");
	result_is(ok_line(200, "{\"incomplete_details\":{\"reason\":"
	    "\"content_filter\"},\"output\":[]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"content-filter\"}\n");
	result_is(ok_line(200, "{\"incomplete_details\":{\"reason\":"
	    "\"new\"},\"output\":[]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"other\"}\n");
	result_is(ok_line(200, "{\"output\":[{\"type\":\"reasoning\","
	    "\"summary\":[]},{\"type\":\"message\",\"content\":[{\"type\":"
	    "\"refusal\",\"refusal\":\"I can't\"}]}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"I can't\","
	    "\"finishReason\":\"content-filter\",\"refusal\":\"I can't\"}\n");
}

static void
test_completions(void **state)
{
	(void)state;
	result_is(ok_line(200, completions_body), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\" Paris\","
	    "\"finishReason\":\"stop\",\"usage\":{\"inputTokens\":4,\"outputTokens\":2,"
	    "\"totalTokens\":6}}\n");
}

static void
test_embeddings(void **state)
{
	(void)state;
	result_is(ok_line(200, "{\"object\":\"list\",\"data\":[{\"object\":"
	    "\"embedding\",\"index\":0,\"embedding\":[0.5,-8.606712e-05,1]}],"
	    "\"model\":\"m\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}"),
	    0, "{\"customId\":\"r\",\"status\":\"succeeded\",\"embedding\":"
	    "[0.5,-0.00008606712,1],\"usage\":{\"tokens\":8}}\n");
	result_is(ok_line(200, "{\"object\":\"list\",\"data\":[{\"embedding\":"
	    "[]}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"embedding\":[]}\n");
}

static void
test_images_moderations(void **state)
{
	(void)state;
	/* the media type is the bytes', as generateImage sniffs them, not
	   the body's output_format; image/png when the bytes say nothing */
	result_is(ok_line(200, "{\"created\":1,\"data\":[{\"b64_json\":"
	    "\"UklGRiQAAABXRUJQVlA4\",\"revised_prompt\":\"p\"},{\"b64_json\":"
	    "\"AAAA\"},{\"b64_json\":\"/9j/\"},{\"b64_json\":\"_9j_\"},"
	    "{\"b64_json\":\"iVBORw==\"},{\"b64_json\":\"R0lGODlh\"},"
	    "{\"b64_json\":\"R0lGODdh\"},{\"b64_json\":\"Qk0AAAAAAAAAAA==\"},"
	    "{\"b64_json\":\"SUkqAA==\"},{\"b64_json\":\"TU0AKg==\"},"
	    "{\"b64_json\":\"AAAAHGZ0eXBhdmlm\"},{\"b64_json\":"
	    "\"AAAAGGZ0eXBoZWlj\"},{\"b64_json\":\"UklGRiQAAABXRUJR\"},"
	    "{\"b64_json\":\"iVBO\"},{\"b64_json\":\"!VBORw==\"},"
	    "{\"b64_json\":\"\"}],\"output_format\":\"webp\",\"usage\":"
	    "{\"input_tokens\":10,\"output_tokens\":20,\"total_tokens\":30}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"images\":["
	    "{\"data\":\"UklGRiQAAABXRUJQVlA4\",\"mediaType\":\"image/webp\"},"
	    "{\"data\":\"AAAA\",\"mediaType\":\"image/png\"},"
	    "{\"data\":\"/9j/\",\"mediaType\":\"image/jpeg\"},"
	    "{\"data\":\"_9j_\",\"mediaType\":\"image/jpeg\"},"
	    "{\"data\":\"iVBORw==\",\"mediaType\":\"image/png\"},"
	    "{\"data\":\"R0lGODlh\",\"mediaType\":\"image/gif\"},"
	    "{\"data\":\"R0lGODdh\",\"mediaType\":\"image/gif\"},"
	    "{\"data\":\"Qk0AAAAAAAAAAA==\",\"mediaType\":\"image/bmp\"},"
	    "{\"data\":\"SUkqAA==\",\"mediaType\":\"image/tiff\"},"
	    "{\"data\":\"TU0AKg==\",\"mediaType\":\"image/tiff\"},"
	    "{\"data\":\"AAAAHGZ0eXBhdmlm\",\"mediaType\":\"image/avif\"},"
	    "{\"data\":\"AAAAGGZ0eXBoZWlj\",\"mediaType\":\"image/heic\"},"
	    "{\"data\":\"UklGRiQAAABXRUJR\",\"mediaType\":\"image/png\"},"
	    "{\"data\":\"iVBO\",\"mediaType\":\"image/png\"},"
	    "{\"data\":\"!VBORw==\",\"mediaType\":\"image/png\"},"
	    "{\"data\":\"\",\"mediaType\":\"image/png\"}],"
	    "\"usage\":{\"inputTokens\":10,\"outputTokens\":20,"
	    "\"totalTokens\":30}}\n");
	result_is(ok_line(200, "{\"data\":[{\"b64_json\":\"/9j/\"}],"
	    "\"output_format\":\"png\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"images\":[{\"data\":"
	    "\"/9j/\",\"mediaType\":\"image/jpeg\"}]}\n");
	result_is(ok_line(200, "{\"data\":[{\"b64_json\":\"AAAA\"}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"images\":[{\"data\":"
	    "\"AAAA\",\"mediaType\":\"image/png\"}]}\n");
	/* flagged by a true category even when the flag says no; only
	   boolean categories, only numeric scores */
	result_is(ok_line(200, "{\"id\":\"modr-1\",\"results\":[{\"flagged\":"
	    "false,\"categories\":{\"hate\":false,\"violence\":true,\"x\":null},"
	    "\"category_scores\":{\"hate\":0.001,\"violence\":0.9,\"x\":\"1\"}}]}"),
	    0, "{\"customId\":\"r\",\"status\":\"succeeded\",\"moderation\":{"
	    "\"flagged\":true,\"categories\":{\"hate\":false,\"violence\":true},"
	    "\"categoryScores\":{\"hate\":0.001,\"violence\":0.9}}}\n");
	result_is(ok_line(200, "{\"results\":[{\"flagged\":true}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"moderation\":{"
	    "\"flagged\":true,\"categories\":{},\"categoryScores\":{}}}\n");
}

static void
test_unknown(void **state)
{
	(void)state;
	rejected(ok_line(200, "{}"), "response.body is a reply of a kind "
	    "bw-parse does not read: no choices, output, embedding, results "
	    "or images");
	rejected(ok_line(200, "{\"choices\":[]}"), "response.body is a reply "
	    "of a kind bw-parse does not read: no choices, output, embedding, "
	    "results or images");
	rejected(ok_line(201, "{\"object\":\"model.list\",\"data\":[]}"),
	    "response.body is a reply of a kind bw-parse does not read: "
	    "object \"model.list\"");
	/* an object that is not a plain name is not quoted */
	rejected(ok_line(200, "{\"object\":\"sk-Secret\"}"), "response.body "
	    "is a reply of a kind bw-parse does not read: no choices, output, "
	    "embedding, results or images");
	/* images given as URLs, or without b64_json, or none, are refused
	   as what they are (the AI SDK's generateImage throws on them) */
	rejected(ok_line(200, "{\"data\":[{\"url\":\"https://x\"}]}"),
	    "response.body.data[0] is an image given as a URL: bw-parse reads "
	    "only b64_json images");
	rejected(ok_line(200, "{\"data\":[{\"b64_json\":\"AAAA\"},{\"url\":"
	    "\"https://x\",\"b64_json\":null}]}"),
	    "response.body.data[1].b64_json is null, not a string");
	rejected(ok_line(200, "{\"data\":[{\"b64_json\":\"AAAA\"},{}]}"),
	    "response.body.data[1].b64_json is missing, not a string");
	rejected(ok_line(200, "{\"created\":1,\"data\":[]}"),
	    "response.body.data is empty: an images reply without images");
	/* a list with an object is no images reply */
	rejected(ok_line(200, "{\"object\":\"list\",\"data\":[]}"),
	    "response.body is a reply of a kind bw-parse does not read: "
	    "object \"list\"");
	rejected("{\"custom_id\":\"r\",\"response\":{\"status_code\":200}}",
	    "response.body is missing, not a reply");
	rejected(ok_line(200, "\"ok\""), "response.body is a string, not a reply");
}

static void
test_status_codes(void **state)
{
	(void)state;
	result_is(ok_line(201, completions_body), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\" Paris\","
	    "\"finishReason\":\"stop\",\"usage\":{\"inputTokens\":4,\"outputTokens\":2,"
	    "\"totalTokens\":6}}\n");
	result_is(ok_line(299, "{\"output\":[]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"stop\"}\n");
	result_is(ok_line(300, "{}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 300\",\"type\":null,\"code\":null}}\n");
	result_is(ok_line(199, "{}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 199\",\"type\":null,\"code\":null}}\n");
}

static void
usage_is(const char *usage, const char *want)
{
	char body[512], out[512];

	snprintf(body, sizeof body, "{\"choices\":[{\"message\":{\"content\":"
	    "\"t\"}}],\"usage\":%s}", usage);
	snprintf(out, sizeof out, "{\"customId\":\"r\",\"status\":\"succeeded\","
	    "\"text\":\"t\",\"finishReason\":\"other\"%s}\n", want);
	result_is(ok_line(200, body), 0, out);
}

static void
test_usage(void **state)
{
	(void)state;
	usage_is("{\"prompt_tokens\":3,\"completion_tokens\":4}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":4,"
	    "\"totalTokens\":7}");
	usage_is("{\"input_tokens\":3,\"output_tokens\":4}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":4,"
	    "\"totalTokens\":7}");
	usage_is("{\"prompt_tokens\":0,\"completion_tokens\":0,"
	    "\"total_tokens\":0}",
	    ",\"usage\":{\"inputTokens\":0,\"outputTokens\":0,"
	    "\"totalTokens\":0}");
	usage_is("{\"prompt_tokens\":3,\"completion_tokens\":4,"
	    "\"total_tokens\":9}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":4,"
	    "\"totalTokens\":9}");
	/* the total is the sum of what there is, as Batchwork sums */
	usage_is("{\"prompt_tokens\":3}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":null,"
	    "\"totalTokens\":3}");
	usage_is("{\"output_tokens\":4}",
	    ",\"usage\":{\"inputTokens\":null,\"outputTokens\":4,"
	    "\"totalTokens\":4}");
	usage_is("{\"completion_tokens\":4,\"total_tokens\":9}",
	    ",\"usage\":{\"inputTokens\":null,\"outputTokens\":4,"
	    "\"totalTokens\":9}");
	usage_is("{\"prompt_tokens\":\"3\",\"completion_tokens\":4}",
	    ",\"usage\":{\"inputTokens\":null,\"outputTokens\":4,"
	    "\"totalTokens\":4}");
	/* the details when reported, 0 included */
	usage_is("{\"prompt_tokens\":3,\"completion_tokens\":4,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":2},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":0}}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":4,"
	    "\"totalTokens\":7,\"reasoningTokens\":0,\"cachedInputTokens\":2}");
	usage_is("{\"input_tokens\":3,\"output_tokens\":4,"
	    "\"output_tokens_details\":{\"reasoning_tokens\":1},"
	    "\"input_tokens_details\":{\"cached_tokens\":\"2\"}}",
	    ",\"usage\":{\"inputTokens\":3,\"outputTokens\":4,"
	    "\"totalTokens\":7,\"reasoningTokens\":1}");
	usage_is("{}", "");	/* no usage, as in Batchwork */
	usage_is("{\"x\":1}", "");
	usage_is("null", "");
	usage_is("[]", "");
	result_is(ok_line(200, "{\"choices\":[{\"text\":\"t\"}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"t\","
	    "\"finishReason\":\"other\"}\n");
	/* output_text, which OpenAI's SDKs add, when output has no text */
	result_is(ok_line(200, "{\"output_text\":\"hi\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"hi\","
	    "\"finishReason\":\"stop\"}\n");
	result_is(ok_line(200, "{\"output_text\":\"hi\",\"output\":[{\"type\":"
	    "\"message\",\"content\":[{\"type\":\"output_text\",\"text\":"
	    "\"from output\"}]}]}"), 0,
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":"
	    "\"from output\",\"finishReason\":\"stop\"}\n");
}

static void
test_http_errors(void **state)
{
	(void)state;
	result_is(ok_line(400, "{\"error\":{\"message\":\"Invalid model\","
	    "\"type\":\"invalid_request_error\",\"param\":\"model\","
	    "\"code\":\"model_not_found\"}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"Invalid model\",\"type\":\"invalid_request_error\","
	    "\"code\":\"model_not_found\"}}\n");
	result_is(ok_line(400, "{\"error\":{\"message\":\"m\",\"type\":\"t\","
	    "\"code\":null}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"m\",\"type\":\"t\",\"code\":null}}\n");
	result_is(ok_line(429,
	    "{\"error\":{\"type\":\"rate_limit_exceeded\"}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 429\",\"type\":\"rate_limit_exceeded\","
	    "\"code\":null}}\n");
	result_is(ok_line(500, "{}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 500\",\"type\":null,\"code\":null}}\n");
	result_is(ok_line(500, "\"Internal Server Error\""), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 500\",\"type\":null,\"code\":null}}\n");
	/* a body's batch_expired does not make a refusal expired */
	result_is(ok_line(400, "{\"error\":{\"code\":\"batch_expired\"}}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 400\",\"type\":null,\"code\":\"batch_expired\"}}\n");
}

static void
test_line_errors(void **state)
{
	(void)state;
	result_is(error_line("{\"code\":\"batch_expired\",\"message\":\"This "
	    "request could not be executed before the completion window "
	    "expired.\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"expired\",\"error\":{\"message\":"
	    "\"This request could not be executed before the completion "
	    "window expired.\",\"type\":null,\"code\":\"batch_expired\"}}\n");
	result_is(error_line("{\"code\":\"batch_cancelled\",\"message\":"
	    "\"c\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"canceled\",\"error\":{\"message\":"
	    "\"c\",\"type\":null,\"code\":\"batch_cancelled\"}}\n");
	result_is(error_line("{\"code\":\"batch_canceled\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"canceled\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":\"batch_canceled\"}}\n");
	result_is(error_line("{\"code\":\"server_error\",\"message\":\"x\","
	    "\"type\":\"server\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"x\",\"type\":\"server\",\"code\":\"server_error\"}}\n");
	result_is(error_line("{}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":null}}\n");
	result_is(error_line("{\"code\":\"BATCH_EXPIRED\"}"), 0,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":\"BATCH_EXPIRED\"}}\n");
	/* the line's error wins over a response */
	result_is("{\"custom_id\":\"r\",\"response\":{\"status_code\":200,"
	    "\"body\":{\"choices\":[{\"text\":\"t\"}]}},\"error\":{\"code\":"
	    "\"batch_expired\"}}", 0,
	    "{\"customId\":\"r\",\"status\":\"expired\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":\"batch_expired\"}}\n");
}

static void
test_raw(void **state)
{
	char want[4096];

	(void)state;
	snprintf(want, sizeof want, "{\"customId\":\"r\",\"status\":"
	    "\"succeeded\",\"text\":\"Paris\",\"finishReason\":\"stop\","
	    "\"usage\":{\"inputTokens\":12,\"outputTokens\":1,\"totalTokens\":13,"
	    "\"cachedInputTokens\":0},\"response\":%s}\n",
	    chat_body);
	result_is(ok_line(200, chat_body), 1, want);
	snprintf(want, sizeof want, "{\"customId\":\"r\",\"status\":"
	    "\"succeeded\",\"text\":\"Helnolo, w\xc3\xb6rld\\n\","
	    "\"finishReason\":\"tool-calls\",\"toolCalls\":[{\"toolCallId\":"
	    "\"call_1\",\"toolName\":\"f\",\"input\":{}}],\"refusal\":\"no\","
	    "\"usage\":{\"inputTokens\":5,\"outputTokens\":7,\"totalTokens\":12,"
	    "\"reasoningTokens\":3},\"response\":%s}\n", responses_body);
	result_is(ok_line(200, responses_body), 1, want);
	result_is(ok_line(500, "{\"error\":{\"message\":\"m\"}}"), 1,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"m\",\"type\":null,\"code\":null},\"response\":{\"error\":"
	    "{\"message\":\"m\"}}}\n");
	result_is(error_line("{\"code\":\"batch_expired\"}"), 1,
	    "{\"customId\":\"r\",\"status\":\"expired\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":\"batch_expired\"},"
	    "\"response\":null}\n");
	result_is("{\"custom_id\":\"r\",\"response\":{\"status_code\":400}}", 1,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "\"HTTP status 400\",\"type\":null,\"code\":null},"
	    "\"response\":null}\n");
}

static void
test_ids(void **state)
{
	(void)state;
	result_is("{\"custom_id\":\"\",\"error\":{}}", 0,
	    "{\"customId\":\"\",\"status\":\"errored\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":null}}\n");
	result_is("{\"custom_id\":\"007 \\\"q\\\" \xc3\xa9\",\"error\":{}}", 0,
	    "{\"customId\":\"007 \\\"q\\\" \xc3\xa9\",\"status\":\"errored\","
	    "\"error\":{\"message\":null,\"type\":null,\"code\":null}}\n");
}

static void
test_rejected(void **state)
{
	(void)state;
	rejected("[1]", "not a batch result: an array, not an object");
	rejected("\"x\"", "not a batch result: a string, not an object");
	rejected("null", "not a batch result: null, not an object");
	rejected("1", "not a batch result: a number, not an object");
	rejected("true", "not a batch result: a boolean, not an object");
	rejected_v(bw_of(BW_NONE), "not a batch result: missing, not an object");
	rejected("{}", "no custom_id");
	rejected("{\"response\":{\"status_code\":200,\"body\":{}}}",
	    "no custom_id");
	rejected("{\"custom_id\":1,\"error\":{}}",
	    "custom_id is a number, not a string");
	rejected("{\"custom_id\":null,\"error\":{}}",
	    "custom_id is null, not a string");
	rejected("{\"custom_id\":[\"a\"],\"error\":{}}",
	    "custom_id is an array, not a string");
	rejected("{\"custom_id\":\"a\",\"error\":\"boom\"}",
	    "error is a string, not an object or null");
	rejected("{\"custom_id\":\"a\",\"error\":[]}",
	    "error is an array, not an object or null");
	rejected("{\"custom_id\":\"a\",\"error\":false,\"response\":"
	    "{\"status_code\":200}}", "error is a boolean, not an object or null");
	rejected("{\"custom_id\":\"a\"}", "neither a response nor an error");
	rejected("{\"custom_id\":\"a\",\"response\":null,\"error\":null}",
	    "neither a response nor an error");
	rejected("{\"custom_id\":\"a\",\"response\":\"ok\"}",
	    "neither a response nor an error");
	rejected("{\"custom_id\":\"a\",\"response\":[]}",
	    "neither a response nor an error");
	rejected("{\"custom_id\":\"a\",\"response\":{}}",
	    "response.status_code is missing, not a number");
	rejected("{\"custom_id\":\"a\",\"response\":{\"status_code\":\"200\"}}",
	    "response.status_code is a string, not a number");
	rejected("{\"custom_id\":\"a\",\"response\":{\"status_code\":null}}",
	    "response.status_code is null, not a number");
}

static void
test_appends(void **state)
{
	struct bw_out o;
	const char *why;
	char *got;

	(void)state;
	bw_out_open(&o, -1, "x", 0);
	assert_int_equal(bw_result_write(&o, parse(error_line("{}")), 0, NULL, &why),
	    0);
	assert_int_equal(bw_result_write(&o, parse("{}"), 0, NULL, &why), -1);
	assert_int_equal(bw_result_write(&o, parse(ok_line(200, "{}")), 0, NULL, &why),
	    -1);
	assert_int_equal(bw_result_write(&o, parse(ok_line(200, "{\"output\":"
	    "[]}")), 0, NULL, &why), 0);
	got = malloc(o.n + 1);
	assert_non_null(got);
	memcpy(got, o.buf, o.n);
	got[o.n] = 0;
	bw_out_discard(&o);
	assert_string_equal(got,
	    "{\"customId\":\"r\",\"status\":\"errored\",\"error\":{\"message\":"
	    "null,\"type\":null,\"code\":null}}\n"
	    "{\"customId\":\"r\",\"status\":\"succeeded\",\"text\":\"\","
	    "\"finishReason\":\"stop\"}\n");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_completions),
		cmocka_unit_test(test_embeddings),
		cmocka_unit_test(test_images_moderations),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_status_codes),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests_name("result", tests, NULL, NULL);
}
