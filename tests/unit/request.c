/* request.c: unit tests for the request mapping (bw_map_request). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bw.h"

/* Requests from tests/sdk/requests.jsonl and the bodies the AI SDK
   sent for them (tests/sdk/MODEL.ENDPOINT.jsonl), numbers written as
   JavaScript writes them. */
static const struct sdk {
	const char *model;
	int endpoint;
	const char *req, *body;
} sdk[] = {
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"basic-multiturn\",\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"What is 2+2?\"},{\"role\":\"assista"
	    "nt\",\"content\":\"4\"},{\"role\":\"user\",\"content\":\"A"
	    "nd 3+3?\"}]}",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\""
	    ",\"content\":\"What is 2+2?\"},{\"role\":\"assistant\","
	    "\"content\":\"4\"},{\"role\":\"user\",\"content\":\"And 3+"
	    "3?\"}]}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"content-image_detail_low\",\"messages\":[{"
	    "\"role\":\"user\",\"content\":[{\"type\":\"image\","
	    "\"image\":\"https://example.com/a.png\",\"providerOptions\""
	    ":{\"openai\":{\"imageDetail\":\"low\"}}}]}]}",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\""
	    ",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url"
	    "\":\"https://example.com/a.png\",\"detail\":\"low\"}}]}]}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"toolmsgs-tool_result_json\",\"messages\":["
	    "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
	    "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"Let me check.\"},{\"type\":\"tool-call\","
	    "\"toolCallId\":\"call_1\",\"toolName\":\"get_weather\","
	    "\"input\":{\"city\":\"Paris\"}}]},{\"role\":\"tool\","
	    "\"content\":[{\"type\":\"tool-result\",\"toolCallId\":\"ca"
	    "ll_1\",\"toolName\":\"get_weather\",\"output\":{\"type\":\""
	    "json\",\"value\":{\"temp\":21,\"unit\":\"c\","
	    "\"ok\":true,\"n\":null,\"f\":1e-7,\"l\":[1,2.5]}}}]}]}",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\""
	    ",\"content\":\"Weather in Paris?\"},{\"role\":\"assistant\""
	    ",\"content\":\"Let me check.\",\"tool_calls\":[{\"id\":\"c"
	    "all_1\",\"type\":\"function\",\"function\":{\"name\":\"get"
	    "_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}"
	    "}]},{\"role\":\"tool\",\"tool_call_id\":\"call_1\","
	    "\"content\":\"{\\\"temp\\\":21,\\\"unit\\\":\\\"c\\\","
	    "\\\"ok\\\":true,\\\"n\\\":null,\\\"f\\\":1e-7,"
	    "\\\"l\\\":[1,2.5]}\"}]}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"tools-choice_named\",\"prompt\":\"Weather?"
	    "\",\"tools\":{\"get_weather\":{\"description\":\"Get the w"
	    "eather for a city\",\"inputSchema\":{\"type\":\"object\","
	    "\"properties\":{\"city\":{\"type\":\"string\","
	    "\"description\":\"City name\"},\"unit\":{\"type\":\"string"
	    "\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"],"
	    "\"additionalProperties\":false}},\"get_time\":{\"descripti"
	    "on\":\"Get the time\",\"inputSchema\":{\"type\":\"object\""
	    ",\"properties\":{\"tz\":{\"type\":\"string\"}},"
	    "\"required\":[\"tz\"]}}},\"toolChoice\":{\"type\":\"tool\""
	    ",\"toolName\":\"get_time\"}}",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\""
	    ",\"content\":\"Weather?\"}],\"tools\":[{\"type\":\"functio"
	    "n\",\"function\":{\"name\":\"get_weather\",\"description\""
	    ":\"Get the weather for a city\",\"parameters\":{\"type\":\""
	    "object\",\"properties\":{\"city\":{\"type\":\"string\","
	    "\"description\":\"City name\"},\"unit\":{\"type\":\"string"
	    "\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"],"
	    "\"additionalProperties\":false}}},{\"type\":\"function\","
	    "\"function\":{\"name\":\"get_time\",\"description\":\"Get "
	    "the time\",\"parameters\":{\"type\":\"object\","
	    "\"properties\":{\"tz\":{\"type\":\"string\"}},"
	    "\"required\":[\"tz\"]}}}],\"tool_choice\":{\"type\":\"func"
	    "tion\",\"function\":{\"name\":\"get_time\"}}}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"sampling-all_together\",\"system\":\"S\","
	    "\"prompt\":\"Hi\",\"maxOutputTokens\":256,\"temperature\":"
	    "0.7,\"topP\":0.95,\"topK\":10,\"presencePenalty\":0.1,"
	    "\"frequencyPenalty\":0.2,\"stopSequences\":[\"STOP\"],"
	    "\"seed\":7}",
	    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,"
	    "\"temperature\":0.7,\"top_p\":0.95,\"frequency_penalty\":0"
	    ".2,\"presence_penalty\":0.1,\"stop\":[\"STOP\"],"
	    "\"seed\":7,\"messages\":[{\"role\":\"system\","
	    "\"content\":\"S\"},{\"role\":\"user\",\"content\":\"Hi\"}]}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"content-file_pdf_base64_nofilename\","
	    "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\""
	    "text\",\"text\":\"Summarize\"},{\"type\":\"file\","
	    "\"data\":\"JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp"
	    "0cmFpbGVyCjw8Pj4KJSVFT0YK\",\"mediaType\":\"application/pd"
	    "f\"}]}]}",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\""
	    ",\"content\":[{\"type\":\"text\",\"text\":\"Summarize\"},"
	    "{\"type\":\"file\",\"file\":{\"filename\":\"part-1.pdf\","
	    "\"file_data\":\"data:application/pdf;base64,JVBERi0xLjQKJc"
	    "fsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK"
	    "\"}}]}]}" },
	{ "gpt-5.5", BW_CHAT,
	    "{\"customId\":\"basic-system_prompt\",\"system\":\"You are"
	    " terse.\",\"prompt\":\"Hello\"}",
	    "{\"model\":\"gpt-5.5\",\"messages\":[{\"role\":\"developer"
	    "\",\"content\":\"You are terse.\"},{\"role\":\"user\","
	    "\"content\":\"Hello\"}]}" },
	{ "gpt-5.5", BW_CHAT,
	    "{\"customId\":\"sampling-all_together\",\"system\":\"S\","
	    "\"prompt\":\"Hi\",\"maxOutputTokens\":256,\"temperature\":"
	    "0.7,\"topP\":0.95,\"topK\":10,\"presencePenalty\":0.1,"
	    "\"frequencyPenalty\":0.2,\"stopSequences\":[\"STOP\"],"
	    "\"seed\":7}",
	    "{\"model\":\"gpt-5.5\",\"stop\":[\"STOP\"],\"seed\":7,"
	    "\"max_completion_tokens\":256,\"messages\":[{\"role\":\"de"
	    "veloper\",\"content\":\"S\"},{\"role\":\"user\","
	    "\"content\":\"Hi\"}]}" },
	{ "o4-mini", BW_CHAT,
	    "{\"customId\":\"sampling-all_together\",\"system\":\"S\","
	    "\"prompt\":\"Hi\",\"maxOutputTokens\":256,\"temperature\":"
	    "0.7,\"topP\":0.95,\"topK\":10,\"presencePenalty\":0.1,"
	    "\"frequencyPenalty\":0.2,\"stopSequences\":[\"STOP\"],"
	    "\"seed\":7}",
	    "{\"model\":\"o4-mini\",\"stop\":[\"STOP\"],\"seed\":7,"
	    "\"max_completion_tokens\":256,\"messages\":[{\"role\":\"de"
	    "veloper\",\"content\":\"S\"},{\"role\":\"user\","
	    "\"content\":\"Hi\"}]}" },
	{ "gpt-5.5", BW_CHAT,
	    "{\"customId\":\"sampling-reasoning_low\",\"prompt\":\"Hi\""
	    ",\"reasoning\":\"low\"}",
	    "{\"model\":\"gpt-5.5\",\"reasoning_effort\":\"low\","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}" },
	{ "gpt-4o-mini", BW_RESPONSES,
	    "{\"customId\":\"basic-system_prompt\",\"system\":\"You are"
	    " terse.\",\"prompt\":\"Hello\"}",
	    "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"system\""
	    ",\"content\":\"You are terse.\"},{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Hello\"}]}]}" },
	{ "gpt-5.5", BW_RESPONSES,
	    "{\"customId\":\"sampling-reasoning_low\",\"prompt\":\"Hi\""
	    ",\"reasoning\":\"low\"}",
	    "{\"model\":\"gpt-5.5\",\"input\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}]}],"
	    "\"reasoning\":{\"effort\":\"low\",\"summary\":\"detailed\"}}" },
	{ "gpt-5.5", BW_RESPONSES,
	    "{\"customId\":\"tools-choice_named\",\"prompt\":\"Weather?"
	    "\",\"tools\":{\"get_weather\":{\"description\":\"Get the w"
	    "eather for a city\",\"inputSchema\":{\"type\":\"object\","
	    "\"properties\":{\"city\":{\"type\":\"string\","
	    "\"description\":\"City name\"},\"unit\":{\"type\":\"string"
	    "\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"],"
	    "\"additionalProperties\":false}},\"get_time\":{\"descripti"
	    "on\":\"Get the time\",\"inputSchema\":{\"type\":\"object\""
	    ",\"properties\":{\"tz\":{\"type\":\"string\"}},"
	    "\"required\":[\"tz\"]}}},\"toolChoice\":{\"type\":\"tool\""
	    ",\"toolName\":\"get_time\"}}",
	    "{\"model\":\"gpt-5.5\",\"input\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\""
	    "}]}],\"tools\":[{\"type\":\"function\",\"name\":\"get_weat"
	    "her\",\"description\":\"Get the weather for a city\","
	    "\"parameters\":{\"type\":\"object\",\"properties\":{\"city"
	    "\":{\"type\":\"string\",\"description\":\"City name\"},"
	    "\"unit\":{\"type\":\"string\",\"enum\":[\"c\","
	    "\"f\"]}},\"required\":[\"city\"],\"additionalProperties\":"
	    "false},\"strict\":false},{\"type\":\"function\","
	    "\"name\":\"get_time\",\"description\":\"Get the time\","
	    "\"parameters\":{\"type\":\"object\",\"properties\":{\"tz\""
	    ":{\"type\":\"string\"}},\"required\":[\"tz\"]},"
	    "\"strict\":false}],\"tool_choice\":{\"type\":\"function\","
	    "\"name\":\"get_time\"}}" },
	{ "o4-mini", BW_RESPONSES,
	    "{\"customId\":\"toolmsgs-tool_result_json\",\"messages\":["
	    "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
	    "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"Let me check.\"},{\"type\":\"tool-call\","
	    "\"toolCallId\":\"call_1\",\"toolName\":\"get_weather\","
	    "\"input\":{\"city\":\"Paris\"}}]},{\"role\":\"tool\","
	    "\"content\":[{\"type\":\"tool-result\",\"toolCallId\":\"ca"
	    "ll_1\",\"toolName\":\"get_weather\",\"output\":{\"type\":\""
	    "json\",\"value\":{\"temp\":21,\"unit\":\"c\","
	    "\"ok\":true,\"n\":null,\"f\":1e-7,\"l\":[1,2.5]}}}]}]}",
	    "{\"model\":\"o4-mini\",\"input\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Weather i"
	    "n Paris?\"}]},{\"role\":\"assistant\",\"content\":\"Let me"
	    " check.\"},{\"type\":\"function_call\",\"call_id\":\"call_"
	    "1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\""
	    ":\\\"Paris\\\"}\"},{\"type\":\"function_call_output\","
	    "\"call_id\":\"call_1\",\"output\":\"{\\\"temp\\\":21,"
	    "\\\"unit\\\":\\\"c\\\",\\\"ok\\\":true,\\\"n\\\":null,"
	    "\\\"f\\\":1e-7,\\\"l\\\":[1,2.5]}\"}]}" },
	{ "o4-mini", BW_RESPONSES,
	    "{\"customId\":\"popts-reasoningEffort_low\",\"prompt\":\"H"
	    "i\",\"providerOptions\":{\"openai\":{\"reasoningEffort\":\""
	    "low\"}}}",
	    "{\"model\":\"o4-mini\",\"input\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}]}],"
	    "\"reasoning\":{\"effort\":\"low\",\"summary\":\"detailed\"}}" },
	{ "gpt-5.5", BW_RESPONSES,
	    "{\"customId\":\"sampling-all_together\",\"system\":\"S\","
	    "\"prompt\":\"Hi\",\"maxOutputTokens\":256,\"temperature\":"
	    "0.7,\"topP\":0.95,\"topK\":10,\"presencePenalty\":0.1,"
	    "\"frequencyPenalty\":0.2,\"stopSequences\":[\"STOP\"],"
	    "\"seed\":7}",
	    "{\"model\":\"gpt-5.5\",\"input\":[{\"role\":\"developer\","
	    "\"content\":\"S\"},{\"role\":\"user\",\"content\":[{\"type"
	    "\":\"input_text\",\"text\":\"Hi\"}]}],\"max_output_tokens\""
	    ":256}" },
	{ "gpt-4o-mini", BW_COMPLETIONS,
	    "{\"customId\":\"basic-multiturn\",\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"What is 2+2?\"},{\"role\":\"assista"
	    "nt\",\"content\":\"4\"},{\"role\":\"user\",\"content\":\"A"
	    "nd 3+3?\"}]}",
	    "{\"model\":\"gpt-4o-mini\",\"prompt\":\"user:\\nWhat is 2+"
	    "2?\\n\\nassistant:\\n4\\n\\nuser:\\nAnd 3+3?\\n\\nassistan"
	    "t:\\n\",\"stop\":[\"\\nuser:\"]}" },
	{ "gpt-4o-mini", BW_COMPLETIONS,
	    "{\"customId\":\"sampling-all_together\",\"system\":\"S\","
	    "\"prompt\":\"Hi\",\"maxOutputTokens\":256,\"temperature\":"
	    "0.7,\"topP\":0.95,\"topK\":10,\"presencePenalty\":0.1,"
	    "\"frequencyPenalty\":0.2,\"stopSequences\":[\"STOP\"],"
	    "\"seed\":7}",
	    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,"
	    "\"temperature\":0.7,\"top_p\":0.95,\"frequency_penalty\":0"
	    ".2,\"presence_penalty\":0.1,\"seed\":7,\"prompt\":\"S\\n\\"
	    "nuser:\\nHi\\n\\nassistant:\\n\",\"stop\":[\"\\nuser:\","
	    "\"STOP\"]}" },
	{ "gpt-4o-mini", BW_COMPLETIONS,
	    "{\"customId\":\"sampling-stopSequences\",\"prompt\":\"Hi\""
	    ",\"stopSequences\":[\"\\n\\n\",\"END\"]}",
	    "{\"model\":\"gpt-4o-mini\",\"prompt\":\"user:\\nHi\\n\\nas"
	    "sistant:\\n\",\"stop\":[\"\\nuser:\",\"\\n\\n\","
	    "\"END\"]}" },
	{ "gpt-4o-mini", BW_CHAT,
	    "{\"customId\":\"sampling-numbers_formatting\","
	    "\"prompt\":\"Hi\",\"temperature\":1,\"topP\":0.30000000000"
	    "000004,\"presencePenalty\":1e-7,\"frequencyPenalty\":100}",
	    "{\"model\":\"gpt-4o-mini\",\"temperature\":1,"
	    "\"top_p\":0.30000000000000004,\"frequency_penalty\":100,"
	    "\"presence_penalty\":1e-7,\"messages\":[{\"role\":\"user\""
	    ",\"content\":\"Hi\"}]}" },
};

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

static char *
dump(struct bw_v v)
{
	struct bw_out o;
	char *s;

	bw_out_open(&o, -1, "x", 0);
	o.jsorder = 1;	/* as bw-jsonl writes */
	bw_out_v(&o, v);
	s = malloc(o.n + 1);
	assert_non_null(s);
	memcpy(s, o.buf, o.n);
	s[o.n] = 0;
	bw_out_discard(&o);
	return s;
}

static char msg[16384];

/* req maps to body, with custom id id (NULL: none); everything is
   freed before an assertion can fail */
static void
maps_to(struct bw_mapper *m, const char *req, const char *id,
    const char *body)
{
	const char *why = NULL;
	struct bw_v cid, v = bw_map_request(m, parse(req), &cid, &why);
	char *got;

	*msg = 0;
	if (v.kind == BW_NONE) {
		snprintf(msg, sizeof msg, "refused: %s: %s", why, req);
	} else {
		got = dump(v);
		if (strcmp(got, body))
			snprintf(msg, sizeof msg, "\"%s\" != \"%s\"", got, body);
		free(got);
	}
	if (!*msg && id && (cid.kind != BW_STR || strcmp(cid.u.s, id)))
		snprintf(msg, sizeof msg, "custom id is not \"%s\"", id);
	if (!*msg && !id && cid.kind != BW_NONE)
		snprintf(msg, sizeof msg, "a custom id where there is none");
	bw_arena_reset(&m->arena);
	if (*msg)
		fail_msg("%s", msg);
}

static void
refused_v(struct bw_mapper *m, struct bw_v req, const char *want)
{
	const char *why = NULL;
	struct bw_v cid = { .kind = BW_TRUE }, v = bw_map_request(m, req, &cid, &why);

	if (v.kind != BW_NONE) {
		char *got = dump(v);
		snprintf(msg, sizeof msg, "mapped to %s", got);
		free(got);
		fail_msg("%s", msg);
	}
	assert_int_equal(cid.kind, BW_NONE);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void
refused(struct bw_mapper *m, const char *req, const char *want)
{
	refused_v(m, parse(req), want);
}

static int
tmpfd(void)
{
	char path[] = "/tmp/bw-unit-request.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static char *
slurp(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_int_equal(pread(fd, s, n, 0), n);
	s[n] = 0;
	close(fd);
	return s;
}

/* stderr goes to a temporary file until captured() */
static int saved2 = -1, capfd = -1;

static void
capture(void)
{
	fflush(stderr);
	capfd = tmpfd();
	saved2 = dup(2);
	dup2(capfd, 2);
}

static char *
captured(void)
{
	int fd = capfd;

	fflush(stderr);
	dup2(saved2, 2);
	close(saved2);
	capfd = saved2 = -1;
	return slurp(fd);
}

/* a failed test leaves stderr captured */
static int
uncapture(void **state)
{
	(void)state;
	if (capfd >= 0)
		free(captured());
	return 0;
}

static void
test_reasoning_models(void **state)
{
	static const char *const yes[] = { "o1", "o3", "o3-mini", "o4-mini",
		"o4-mini-2025-04-16", "gpt-5", "gpt-5-mini", "gpt-5.5",
		"gpt-5.1-chat-latest", "gpt-5-nano", "gpt-6", NULL };
	static const char *const no[] = { "gpt-5-chat-latest", "gpt-4o",
		"gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-3.5-turbo", "omni",
		"o", "", "chatgpt-4o-latest", "o3x", NULL };

	(void)state;
	for (const char *const *p = yes; *p; p++)
		if (!bw_model_is_reasoning(*p))
			fail_msg("%s: not a reasoning model", *p);
	for (const char *const *p = no; *p; p++)
		if (bw_model_is_reasoning(*p))
			fail_msg("%s: a reasoning model", *p);
}

static void
test_endpoints(void **state)
{
	(void)state;
	assert_int_equal(bw_endpoint_parse("chat"), BW_CHAT);
	assert_int_equal(bw_endpoint_parse("responses"), BW_RESPONSES);
	assert_int_equal(bw_endpoint_parse("completions"), BW_COMPLETIONS);
	assert_int_equal(bw_endpoint_parse("/v1/chat/completions"), BW_CHAT);
	assert_int_equal(bw_endpoint_parse("/v1/responses"), BW_RESPONSES);
	assert_int_equal(bw_endpoint_parse("/v1/completions"), BW_COMPLETIONS);
	assert_int_equal(bw_endpoint_parse(""), -1);
	assert_int_equal(bw_endpoint_parse("Chat"), -1);
	assert_int_equal(bw_endpoint_parse("embeddings"), -1);
	assert_int_equal(bw_endpoint_parse("/v1/embeddings"), -1);
	assert_int_equal(bw_endpoint_parse("/v1/chat"), -1);
	assert_int_equal(bw_endpoint_parse("chat "), -1);
	assert_string_equal(bw_endpoint_name(BW_CHAT), "chat");
	assert_string_equal(bw_endpoint_name(BW_RESPONSES), "responses");
	assert_string_equal(bw_endpoint_name(BW_COMPLETIONS), "completions");
	assert_string_equal(bw_endpoint_url(BW_CHAT), "/v1/chat/completions");
	assert_string_equal(bw_endpoint_url(BW_RESPONSES), "/v1/responses");
	assert_string_equal(bw_endpoint_url(BW_COMPLETIONS), "/v1/completions");
}

static void
test_sdk_bodies(void **state)
{
	(void)state;
	capture();
	for (size_t i = 0; i < sizeof sdk / sizeof *sdk; i++) {
		struct bw_mapper m;
		struct bw_v id = bw_get(parse(sdk[i].req), "customId");
		bw_mapper_init(&m, sdk[i].model, sdk[i].endpoint, NULL);
		maps_to(&m, sdk[i].req, id.kind ? id.u.s : NULL, sdk[i].body);
		bw_mapper_free(&m);
	}
	free(captured());
}

static void
test_examples(void **state)
{
	static const char fr[] = "{\"customId\":\"fr\",\"system\":\"Answer in "
	    "one word.\",\"prompt\":\"Capital of France?\",\"maxOutputTokens\":5,"
	    "\"temperature\":0,\"seed\":4294967295}";
	struct bw_mapper m;
	char *err;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	maps_to(&m, fr, "fr", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,"
	    "\"temperature\":0,\"seed\":4294967295,\"messages\":[{\"role\":"
	    "\"system\",\"content\":\"Answer in one word.\"},{\"role\":\"user\","
	    "\"content\":\"Capital of France?\"}]}");
	bw_mapper_free(&m);

	capture();
	bw_mapper_init(&m, "openai/gpt-4o-mini", BW_RESPONSES, NULL);
	assert_string_equal(m.model, "gpt-4o-mini");
	maps_to(&m, fr, "fr", "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":"
	    "\"system\",\"content\":\"Answer in one word.\"},{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"Capital of "
	    "France?\"}]}],\"temperature\":0,\"max_output_tokens\":5}");
	bw_mapper_free(&m);
	err = captured();
	assert_string_equal(err, "request: warning: seed: not supported by the "
	    "responses endpoint; dropped\n");
	free(err);

	bw_mapper_init(&m, "gpt-4o-mini", BW_COMPLETIONS, NULL);
	maps_to(&m, fr, "fr", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,"
	    "\"temperature\":0,\"seed\":4294967295,\"prompt\":\"Answer in one "
	    "word.\\n\\nuser:\\nCapital of France?\\n\\nassistant:\\n\","
	    "\"stop\":[\"\\nuser:\"]}");
	bw_mapper_free(&m);
}

static void
test_warn_once(void **state)
{
	struct bw_mapper m;
	char *err;

	(void)state;
	capture();
	bw_mapper_init(&m, "gpt-5.5", BW_CHAT, NULL);
	maps_to(&m, "{\"prompt\":\"a\",\"temperature\":0.5}", NULL,
	    "{\"model\":\"gpt-5.5\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"a\"}]}");
	maps_to(&m, "{\"prompt\":\"b\",\"temperature\":1,\"topK\":3}", NULL,
	    "{\"model\":\"gpt-5.5\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"b\"}]}");
	maps_to(&m, "{\"prompt\":\"c\",\"temperature\":1,\"topK\":3}", NULL,
	    "{\"model\":\"gpt-5.5\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"c\"}]}");
	bw_mapper_free(&m);
	err = captured();
	assert_string_equal(err,
	    "request: warning: temperature: not supported for reasoning "
	    "models; dropped\n"
	    "request: warning: topK: not supported by OpenAI; dropped\n");
	free(err);
}

/* The SDK orders logit_bias as a JavaScript object: keys that are
   array indexes first, ascending, then the others as given. */
static void
test_logit_bias_order(void **state)
{
	struct bw_mapper m;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	maps_to(&m, "{\"prompt\":\"Hi\",\"providerOptions\":{\"openai\":"
	    "{\"logitBias\":{\"3\":3,\"9\":1,\"100\":2}}}}", NULL,
	    "{\"model\":\"gpt-4o-mini\",\"logit_bias\":{\"3\":3,\"9\":1,"
	    "\"100\":2},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
	maps_to(&m, "{\"customId\":\"popts-logitBias_odd_keys\",\"prompt\":"
	    "\"Hi\",\"providerOptions\":{\"openai\":{\"logitBias\":{\" 7\":1,"
	    "\"1e2\":2,\"0x10\":3,\"\":4,\"1.5\":5,\"-3\":6}}}}",
	    "popts-logitBias_odd_keys",
	    "{\"model\":\"gpt-4o-mini\",\"logit_bias\":{\"0\":4,\"7\":1,"
	    "\"16\":3,\"100\":2,\"1.5\":5,\"-3\":6},\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"Hi\"}]}");
	bw_mapper_free(&m);
}

/* Keys that JavaScript's Number() reads as NaN are not numbers. */
static void
test_logit_bias_keys(void **state)
{
	static const char *const keys[] = { "abc", "nan", "-nan", "-inf",
		"-0x10", "1_000", NULL };
	struct bw_mapper m;
	char req[256], want[256], bad[1024] = "";
	const char *why;
	struct bw_v cid, v;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	for (const char *const *k = keys; *k; k++) {
		snprintf(req, sizeof req, "{\"prompt\":\"Hi\","
		    "\"providerOptions\":{\"openai\":{\"logitBias\":"
		    "{\"%s\":1}}}}", *k);
		snprintf(want, sizeof want, "providerOptions.openai.logitBias: "
		    "key \"%s\" is not a number", *k);
		why = NULL;
		v = bw_map_request(&m, parse(req), &cid, &why);
		if (v.kind != BW_NONE || strcmp(why, want))
			snprintf(bad + strlen(bad), sizeof bad - strlen(bad),
			    " %s", *k);
		bw_arena_reset(&m.arena);
	}
	bw_mapper_free(&m);
	if (*bad)
		fail_msg("keys not refused as not numbers:%s", bad);
}

static void
test_custom_id(void **state)
{
	struct bw_mapper m;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	maps_to(&m, "{\"customId\":\"007\",\"prompt\":\"a\"}", "007",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"a\"}]}");
	maps_to(&m, "{\"prompt\":\"a\"}", NULL,
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"a\"}]}");
	maps_to(&m, "{\"prompt\":\"a\",\"customId\":\"\xc3\xa9 \\\"q\\\"\"}",
	    "\xc3\xa9 \"q\"", "{\"model\":\"gpt-4o-mini\",\"messages\":"
	    "[{\"role\":\"user\",\"content\":\"a\"}]}");
	refused(&m, "{\"customId\":\"x\",\"prompt\":5}",
	    "prompt: a number, not a string or an array of messages");
	refused(&m, "{\"customId\":\"\",\"prompt\":\"a\"}",
	    "customId: empty, not a non-empty string");
	refused(&m, "{\"customId\":7,\"prompt\":\"a\"}",
	    "customId: a number, not a non-empty string");
	bw_mapper_free(&m);
}

static void
test_raw_lines(void **state)
{
	struct bw_mapper m;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	maps_to(&m, "{\"custom_id\":\"r1\",\"body\":{\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"hi\"}],\"temperature\":0.2}}", "r1",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hi\"}],\"temperature\":0.2}");
	maps_to(&m, "{\"custom_id\":\"r2\",\"method\":\"POST\",\"url\":"
	    "\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o-mini\","
	    "\"messages\":[]}}", "r2",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
	maps_to(&m, "{\"body\":{\"temperature\":1e21,\"model\":\"gpt-4o-mini\","
	    "\"x\":{\"b\":1,\"a\":2}},\"custom_id\":\"r3\"}", "r3",
	    "{\"temperature\":1e+21,\"model\":\"gpt-4o-mini\",\"x\":{\"b\":1,"
	    "\"a\":2}}");
	refused(&m, "{\"custom_id\":5,\"body\":{}}",
	    "custom_id: a number, not a string");
	refused(&m, "{\"body\":{}}", "custom_id: missing, not a string");
	refused(&m, "{\"custom_id\":\"a\"}", "body: missing, not an object");
	refused(&m, "{\"custom_id\":\"a\",\"body\":[]}",
	    "body: an array, not an object");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{},\"method\":\"GET\"}",
	    "method: not POST");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{},\"url\":\"/v1/responses\"}",
	    "url: \"/v1/responses\", but the endpoint is /v1/chat/completions "
	    "(-e)");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{\"model\":\"gpt-4o\"}}",
	    "body.model: \"gpt-4o\", but the batch is for gpt-4o-mini (-m): "
	    "one model per batch");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{},\"extra\":1}",
	    "unknown field \"extra\" in a batch line (custom_id, method, url, "
	    "body)");
	bw_mapper_free(&m);

	bw_mapper_init(&m, "gpt-4o-mini", BW_RESPONSES, NULL);
	maps_to(&m, "{\"custom_id\":\"r\",\"url\":\"/v1/responses\",\"body\":"
	    "{\"input\":\"hi\"}}", "r",
	    "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}");
	bw_mapper_free(&m);
}

static void
test_defaults(void **state)
{
	struct bw_mapper m;
	char *err;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT,
	    "{\"temperature\":0,\"maxOutputTokens\":7}");
	maps_to(&m, "{\"prompt\":\"a\"}", NULL,
	    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"temperature\":0,"
	    "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
	maps_to(&m, "{\"customId\":\"b\",\"prompt\":\"b\",\"temperature\":1}",
	    "b", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,"
	    "\"temperature\":1,\"messages\":[{\"role\":\"user\","
	    "\"content\":\"b\"}]}");
	capture();
	maps_to(&m, "{\"custom_id\":\"r\",\"body\":{\"messages\":[]}}", "r",
	    "{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
	err = captured();
	assert_string_equal(err, "request: warning: -d: defaults do not apply "
	    "to raw batch lines (custom_id, body)\n");
	free(err);
	bw_mapper_free(&m);

	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, "{\"maxTokens\":7}");
	refused(&m, "{\"prompt\":\"a\"}", "unknown field \"maxTokens\"");
	bw_mapper_free(&m);
}

static void
test_bad_requests(void **state)
{
	static const char *const chat[][2] = {
		{ "{}", "no prompt and no messages" },
		{ "{\"prompt\":\"a\",\"messages\":[{\"role\":\"user\","
		  "\"content\":\"b\"}]}",
		  "prompt and messages: give one, not both" },
		{ "{\"prompt\":\"a\",\"maxTokens\":5}",
		  "unknown field \"maxTokens\"" },
		{ "{\"prompt\":\"a\",\"temperature\":\"0.5\"}",
		  "temperature: a string, not a number" },
		{ "{\"prompt\":\"a\",\"maxOutputTokens\":0}",
		  "maxOutputTokens: must be an integer of at least 1" },
		{ "{\"prompt\":\"a\",\"maxOutputTokens\":1.5}",
		  "maxOutputTokens: must be an integer of at least 1" },
		{ "{\"prompt\":\"a\",\"seed\":1.5}", "seed: must be an integer" },
		{ "{\"prompt\":\"a\",\"reasoning\":\"extreme\"}",
		  "reasoning: not one of provider-default, none, minimal, low, "
		  "medium, high, xhigh, max" },
		{ "{\"prompt\":\"a\",\"stopSequences\":[\"x\",1]}",
		  "stopSequences: not an array of strings" },
		{ "{\"messages\":[]}", "messages: empty" },
		{ "{\"prompt\":[]}", "prompt: empty" },
		{ "{\"messages\":\"hi\"}", "messages: a string, not an array" },
		{ "{\"messages\":[5]}", "messages[0]: a number, not a message" },
		{ "{\"messages\":[{\"role\":\"developer\",\"content\":\"x\"}]}",
		  "messages[0].role: must be system, user, assistant or tool" },
		{ "{\"messages\":[{\"role\":\"system\",\"content\":\"x\"},"
		  "{\"role\":\"user\",\"content\":\"y\"}]}",
		  "messages[0]: a system message; use system or instructions (or "
		  "set allowSystemInMessages)" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"x\","
		  "\"name\":\"a\"}]}", "messages[0]: unknown field \"name\"" },
		{ "{\"system\":\"a\",\"instructions\":\"b\",\"prompt\":\"x\"}",
		  "system and instructions: give one, not both" },
		{ "{\"system\":5,\"prompt\":\"x\"}",
		  "system: not a string or a system message" },
		{ "{\"prompt\":\"x\",\"allowSystemInMessages\":\"yes\"}",
		  "allowSystemInMessages: a string, not a boolean" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
		  "{\"role\":\"assistant\",\"content\":[{\"type\":"
		  "\"tool-call\",\"toolCallId\":\"c1\",\"toolName\":\"f\","
		  "\"input\":{}}]},{\"role\":\"user\",\"content\":\"y\"}]}",
		  "tool call \"c1\" has no tool result" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		  "\"text\",\"text\":\"x\",\"extra\":1}]}]}",
		  "messages[0].content[0]: unknown field \"extra\"" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		  "\"tool-call\",\"toolCallId\":\"c\",\"toolName\":\"f\","
		  "\"input\":{}}]}]}",
		  "messages[0].content[0].type: \"tool-call\" parts are not "
		  "supported in user messages" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		  "\"text\",\"text\":5}]}]}",
		  "messages[0].content[0].text: a number, not a string" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
		  "messages[0].content: a number, not a string or an array" },
		{ "{\"prompt\":\"x\",\"toolChoice\":{\"type\":\"tool\","
		  "\"toolName\":\"t\"}}",
		  "toolChoice: names tool \"t\", but there are no tools" },
		{ "{\"prompt\":\"x\",\"toolChoice\":\"sometimes\"}",
		  "toolChoice: not auto, none, required or {\"type\":\"tool\","
		  "\"toolName\":...}" },
		{ "{\"prompt\":\"x\",\"tools\":[]}",
		  "tools: an array, not an object keyed by tool name" },
		{ "{\"prompt\":\"x\",\"tools\":{\"t\":{\"inputSchema\":5}}}",
		  "tools.t.inputSchema: a number, not a JSON Schema object" },
		{ "{\"prompt\":\"x\",\"providerOptions\":\"x\"}",
		  "providerOptions: a string, not an object" },
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":5}}",
		  "providerOptions.openai: a number, not an object" },
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":"
		  "{\"serviceTier\":\"cheap\"}}}",
		  "providerOptions.openai.serviceTier: not one of auto, flex, "
		  "priority, fast, ultrafast, default" },
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":"
		  "{\"store\":\"yes\"}}}",
		  "providerOptions.openai.store: a string, not a boolean" },
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":"
		  "{\"user\":null}}}", "providerOptions.openai.user: null" },
		/* refused after the body was begun */
		{ "{\"prompt\":\"x\",\"tools\":{\"t\":{\"inputSchema\":{\"type\":"
		  "\"object\"}}},\"toolChoice\":{\"type\":\"tool\","
		  "\"toolName\":\"nope\"}}",
		  "toolChoice: names tool \"nope\", which is not in tools" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		  "\"file\",\"data\":\"aGVsbG8=\",\"mediaType\":"
		  "\"text/plain\"}]}]}",
		  "messages[0].content[0]: files of type \"text/plain\" "
		  "cannot be sent to the chat endpoint" },
	};
	static const char *const responses[][2] = {
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":"
		  "{\"logprobs\":21}}}",
		  "providerOptions.openai.logprobs: a number from 1 to 20, or "
		  "a boolean" },
		{ "{\"prompt\":\"x\",\"providerOptions\":{\"openai\":"
		  "{\"include\":[\"bogus\"]}}}",
		  "providerOptions.openai.include[0]: not one of "
		  "reasoning.encrypted_content, file_search_call.results, "
		  "web_search_call.results, message.output_text.logprobs" },
	};
	static const char *const completions[][2] = {
		{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		  "\"image\",\"image\":\"https://example.com/a.png\"}]}]}",
		  "messages[0].content[0]: image and file parts cannot be sent to the "
		  "completions endpoint" },
		{ "{\"allowSystemInMessages\":true,\"messages\":[{\"role\":"
		  "\"user\",\"content\":\"x\"},{\"role\":\"system\","
		  "\"content\":\"s\"}]}",
		  "messages[1]: system messages cannot be sent to the completions "
		  "endpoint (but as the first one)" },
		{ "{\"system\":[\"a\",\"b\"],\"prompt\":\"x\"}",
		  "system: only one system message can be sent to the completions "
		  "endpoint" },
	};
	struct bw_mapper m;

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	refused(&m, "5", "a number, not a request object");
	refused(&m, "[]", "an array, not a request object");
	for (size_t i = 0; i < sizeof chat / sizeof *chat; i++)
		refused(&m, chat[i][0], chat[i][1]);
	bw_mapper_free(&m);
	bw_mapper_init(&m, "gpt-4o-mini", BW_RESPONSES, NULL);
	for (size_t i = 0; i < sizeof responses / sizeof *responses; i++)
		refused(&m, responses[i][0], responses[i][1]);
	bw_mapper_free(&m);
	bw_mapper_init(&m, "gpt-4o-mini", BW_COMPLETIONS, NULL);
	for (size_t i = 0; i < sizeof completions / sizeof *completions; i++)
		refused(&m, completions[i][0], completions[i][1]);
	bw_mapper_free(&m);
}

/* bw_mapper_init in a child: it exits 2 with the message want */
static void
init_dies(const char *model, const char *defaults, const char *want)
{
	int err = tmpfd(), status;
	pid_t pid;
	char *got;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct bw_mapper m;
		dup2(err, 2);
		bw_mapper_init(&m, model, BW_CHAT, defaults);
		exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	got = slurp(err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_string_equal(got, want);
	free(got);
}

static void
test_mapper_init(void **state)
{
	(void)state;
	init_dies("a b", NULL, "request: -m: not an OpenAI model name: "
	    "\"a b\"\n");
	init_dies("openai/", NULL, "request: -m: not an OpenAI model name: "
	    "\"\"\n");
	init_dies("anthropic/claude", NULL, "request: -m: not an OpenAI model "
	    "name: \"anthropic/claude\"\n");
	init_dies("gpt-4o-mini", "{\"temperature\":", "request: -d: invalid "
	    "JSON at column 16: unexpected end of line\n");
	init_dies("gpt-4o-mini", "[1]", "request: -d: an array, not an "
	    "object\n");
	init_dies("gpt-4o-mini", "{\"customId\":\"x\"}", "request: -d: "
	    "customId cannot be a default\n");
}

int
main(void)
{
	char *argv[] = { "request", NULL };
	const struct CMUnitTest tests[] = {
		/* first: under valgrind a child inherits any leak so far */
		cmocka_unit_test_teardown(test_mapper_init, uncapture),
		cmocka_unit_test_teardown(test_reasoning_models, uncapture),
		cmocka_unit_test_teardown(test_endpoints, uncapture),
		cmocka_unit_test_teardown(test_sdk_bodies, uncapture),
		cmocka_unit_test_teardown(test_examples, uncapture),
		cmocka_unit_test_teardown(test_warn_once, uncapture),
		cmocka_unit_test_teardown(test_logit_bias_order, uncapture),
		cmocka_unit_test_teardown(test_logit_bias_keys, uncapture),
		cmocka_unit_test_teardown(test_custom_id, uncapture),
		cmocka_unit_test_teardown(test_raw_lines, uncapture),
		cmocka_unit_test_teardown(test_defaults, uncapture),
		cmocka_unit_test_teardown(test_bad_requests, uncapture),
	};

	bw_init(argv);
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
