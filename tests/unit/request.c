/* request.c: unit tests for the request mapping (bw_map_request). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bw.h"

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
		"o", "chatgpt-4o-latest", "o3x", NULL };
	struct bw_mapper m;

	(void)state;
	for (const char *const *p = yes; *p; p++) {
		bw_mapper_init(&m, *p, BW_CHAT, NULL);
		if (!m.reasoning)
			fail_msg("%s: not a reasoning model", *p);
		bw_mapper_free(&m);
	}
	for (const char *const *p = no; *p; p++) {
		bw_mapper_init(&m, *p, BW_CHAT, NULL);
		if (m.reasoning)
			fail_msg("%s: a reasoning model", *p);
		bw_mapper_free(&m);
	}
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
	assert_int_equal(bw_endpoint_parse("embeddings"), BW_EMBEDDINGS);
	assert_int_equal(bw_endpoint_parse("/v1/embeddings"), BW_EMBEDDINGS);
	assert_int_equal(bw_endpoint_parse("embedding"), -1);
	assert_string_equal(bw_endpoint_name(BW_EMBEDDINGS), "embeddings");
	assert_string_equal(bw_endpoint_url(BW_EMBEDDINGS), "/v1/embeddings");
	assert_int_equal(bw_endpoint_parse("images"), BW_IMAGES);
	assert_int_equal(bw_endpoint_parse("/v1/images/generations"), BW_IMAGES);
	assert_int_equal(bw_endpoint_parse("image-edits"), BW_IMAGE_EDITS);
	assert_int_equal(bw_endpoint_parse("/v1/images/edits"), BW_IMAGE_EDITS);
	assert_int_equal(bw_endpoint_parse("moderations"), BW_MODERATIONS);
	assert_int_equal(bw_endpoint_parse("/v1/moderations"), BW_MODERATIONS);
	assert_int_equal(bw_endpoint_parse("image"), -1);
	assert_int_equal(bw_endpoint_parse("/v1/images"), -1);
	assert_string_equal(bw_endpoint_name(BW_IMAGE_EDITS), "image-edits");
	assert_string_equal(bw_endpoint_url(BW_IMAGES), "/v1/images/generations");
	assert_string_equal(bw_endpoint_url(BW_MODERATIONS), "/v1/moderations");
	assert_int_equal(bw_endpoint_parse("/v1/chat"), -1);
	assert_int_equal(bw_endpoint_parse("chat "), -1);
	assert_string_equal(bw_endpoint_name(BW_CHAT), "chat");
	assert_string_equal(bw_endpoint_name(BW_RESPONSES), "responses");
	assert_string_equal(bw_endpoint_name(BW_COMPLETIONS), "completions");
	assert_string_equal(bw_endpoint_url(BW_CHAT), "/v1/chat/completions");
	assert_string_equal(bw_endpoint_url(BW_RESPONSES), "/v1/responses");
	assert_string_equal(bw_endpoint_url(BW_COMPLETIONS), "/v1/completions");
}

/* --- tests/sdk: the AI SDK's bodies for tests/sdk/requests.jsonl ---
 *
 * Each MODEL.ENDPOINT.jsonl line ({"custom_id":ID,"body":BODY}, BODY the
 * SDK's bytes) must be what bw_map_request makes of the request with
 * that id, byte for byte, and each id in MODEL.ENDPOINT.refused must be
 * refused.  Paths are from the top of the tree, where prove runs.
 */

struct text {
	char *buf;
	char **line;		/* NUL-terminated, without the newline */
	size_t *len, n;
};

static void
text_read(struct text *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t size = 0, cap = 0, i, start;

	memset(t, 0, sizeof *t);
	if (!f)
		fail_msg("%s: cannot open (run from the top of the tree)", path);
	for (;;) {
		if (cap - size < 65536) {
			cap = cap * 2 + 65536;
			t->buf = realloc(t->buf, cap + 1);
			assert_non_null(t->buf);
		}
		size_t got = fread(t->buf + size, 1, cap - size, f);
		if (got == 0)
			break;
		size += got;
	}
	assert_false(ferror(f));
	fclose(f);
	t->buf[size] = 0;
	for (i = 0; i < size; i++)
		t->n += t->buf[i] == '\n';
	t->n += size > 0 && t->buf[size - 1] != '\n';
	t->line = calloc(t->n + 1, sizeof *t->line);
	t->len = calloc(t->n + 1, sizeof *t->len);
	assert_true(t->line && t->len);
	t->n = 0;
	for (i = start = 0; i <= size; i++) {
		if (i < size && t->buf[i] != '\n')
			continue;
		if (i > start || i < size) {
			t->buf[i] = 0;
			t->line[t->n] = t->buf + start;
			t->len[t->n++] = i - start;
		}
		start = i + 1;
	}
}

static void
text_free(struct text *t)
{
	free(t->buf);
	free(t->line);
	free(t->len);
}

/* the bytes of the JSON string at s, quotes included; 0 if none */
static size_t
jstr(const char *s)
{
	size_t i = 1;

	if (*s != '"')
		return 0;
	for (; s[i] && s[i] != '"'; i++)
		if (s[i] == '\\' && s[i + 1])
			i++;
	return s[i] == '"' ? i + 1 : 0;
}

/* the line of requests.jsonl whose customId is written as the JSON
   string id (n bytes), or -1 */
static long
request_of(const struct text *req, const char *id, size_t n)
{
	static const char pre[] = "{\"customId\":";

	for (size_t i = 0; i < req->n; i++) {
		const char *l = req->line[i];
		if (!strncmp(l, pre, sizeof pre - 1) &&
		    jstr(l + sizeof pre - 1) == n &&
		    !memcmp(l + sizeof pre - 1, id, n))
			return (long)i;
	}
	return -1;
}

/* appends to the report, within its size */
static void
report(char *r, size_t size, const char *fmt, ...)
{
	size_t n = strlen(r);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(r + n, size - n, fmt, ap);
	va_end(ap);
}

/* at most 150 bytes of s (n bytes) around offset at */
static void
report_near(char *r, size_t size, const char *who, const char *s, size_t n,
    size_t at)
{
	size_t from = at > 60 ? at - 60 : 0;
	int len = (int)(n - from < 150 ? n - from : 150);

	report(r, size, "\n#   %s %s%.*s", who, from ? "..." : "", len, s + from);
}

static char sdkreport[16384];

/* the bodies of one MODEL.ENDPOINT.jsonl; returns how many differ */
static int
sdk_bodies(const struct text *req, const char *model, int endpoint)
{
	static const char pre[] = "{\"custom_id\":", mid[] = ",\"body\":";
	char path[256];
	struct text fx;
	struct bw_mapper m;
	int bad = 0;

	snprintf(path, sizeof path, "tests/sdk/%s.%s.jsonl", model,
	    bw_endpoint_name(endpoint));
	text_read(&fx, path);
	bw_mapper_init(&m, model, endpoint, NULL);
	for (size_t i = 0; i < fx.n; i++) {
		const char *l = fx.line[i], *id = l + sizeof pre - 1, *body, *why = NULL;
		size_t idn = strncmp(l, pre, sizeof pre - 1) ? 0 : jstr(id), bn, col;
		struct bw_v r, want, cid, v;
		long k;
		char *got;

		if (!idn || strncmp(id + idn, mid, sizeof mid - 1) ||
		    l[fx.len[i] - 1] != '}')
			fail_msg("%s:%zu: not {\"custom_id\":ID,\"body\":BODY}", path,
			    i + 1);
		body = id + idn + sizeof mid - 1;
		bn = (size_t)(l + fx.len[i] - 1 - body);
		if ((k = request_of(req, id, idn)) < 0)
			fail_msg("%s:%zu: %.*s is not in requests.jsonl", path, i + 1,
			    (int)idn, id);
		want = bw_read(&m.arena, id, idn, 1, &why, &col);
		r = bw_read(&m.arena, req->line[k], req->len[k], INT_MAX, &why, &col);
		if (!want.kind || !r.kind)
			fail_msg("%s:%zu: %s at column %zu", want.kind ? "requests.jsonl" :
			    path, want.kind ? (size_t)k + 1 : i + 1, why, col);
		v = bw_map_request(&m, r, &cid, &why);
		if (v.kind == BW_NONE) {
			if (++bad <= 3)
				report(sdkreport, sizeof sdkreport, "\n# %s %s %.*s: "
				    "refused: %s", model, bw_endpoint_name(endpoint),
				    (int)idn, id, why);
		} else if (!bw_eq(cid, want.u.s, want.n)) {
			if (++bad <= 3)
				report(sdkreport, sizeof sdkreport, "\n# %s %s %.*s: "
				    "another custom id", model,
				    bw_endpoint_name(endpoint), (int)idn, id);
		} else {
			got = dump(v);
			size_t gn = strlen(got), at = 0;
			while (at < gn && at < bn && got[at] == body[at])
				at++;
			if ((at < gn || at < bn) && ++bad <= 3) {
				report(sdkreport, sizeof sdkreport, "\n# %s %s %.*s, "
				    "from byte %zu:", model, bw_endpoint_name(endpoint),
				    (int)idn, id, at + 1);
				report_near(sdkreport, sizeof sdkreport, "sdk", body, bn,
				    at);
				report_near(sdkreport, sizeof sdkreport, "bw ", got, gn,
				    at);
			}
			free(got);
		}
		bw_arena_reset(&m.arena);
	}
	if (bad)
		report(sdkreport, sizeof sdkreport, "\n# %s %s: %d of %zu bodies "
		    "differ", model, bw_endpoint_name(endpoint), bad, fx.n);
	bw_mapper_free(&m);
	text_free(&fx);
	return bad;
}

/* the requests of one MODEL.ENDPOINT.refused; returns how many were
   not refused */
static int
sdk_refused(const struct text *req, const char *model, int endpoint)
{
	char path[256], id[512];
	struct text ids;
	struct bw_mapper m;
	int bad = 0;

	snprintf(path, sizeof path, "tests/sdk/%s.%s.refused", model,
	    bw_endpoint_name(endpoint));
	text_read(&ids, path);
	bw_mapper_init(&m, model, endpoint, NULL);
	for (size_t i = 0; i < ids.n; i++) {
		const char *why = NULL;
		struct bw_v r, cid, v;
		size_t col;
		long k;

		snprintf(id, sizeof id, "\"%s\"", ids.line[i]);
		if ((k = request_of(req, id, strlen(id))) < 0)
			fail_msg("%s:%zu: %s is not in requests.jsonl", path, i + 1,
			    id);
		r = bw_read(&m.arena, req->line[k], req->len[k], INT_MAX, &why,
		    &col);
		v = r.kind ? bw_map_request(&m, r, &cid, &why) : r;
		if (v.kind != BW_NONE && ++bad <= 3)
			report(sdkreport, sizeof sdkreport, "\n# %s %s %s: not "
			    "refused", model, bw_endpoint_name(endpoint), id);
		bw_arena_reset(&m.arena);
	}
	if (bad)
		report(sdkreport, sizeof sdkreport, "\n# %s %s: %d of %zu requests "
		    "the SDK refuses were not refused", model,
		    bw_endpoint_name(endpoint), bad, ids.n);
	bw_mapper_free(&m);
	text_free(&ids);
	return bad;
}

static void
test_sdk_bodies(void **state)
{
	static const char *const models[] = { "gpt-4o-mini", "gpt-5.5",
		"o4-mini", NULL };
	static const int endpoints[] = { BW_CHAT, BW_RESPONSES, BW_COMPLETIONS };
	struct text req;
	int bad = 0;

	(void)state;
	*sdkreport = 0;
	text_read(&req, "tests/sdk/requests.jsonl");
	capture();
	for (const char *const *m = models; *m; m++)
		for (size_t e = 0; e < sizeof endpoints / sizeof *endpoints; e++) {
			bad += sdk_bodies(&req, *m, endpoints[e]);
			bad += sdk_refused(&req, *m, endpoints[e]);
		}
	free(captured());
	text_free(&req);
	if (bad) {
		printf("%s\n", sdkreport + 1);	/* TAP comments */
		fflush(stdout);
		fail_msg("%d requests do not map as the AI SDK's (tests/sdk)", bad);
	}
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
	    "custom_id: a number, not a non-empty string");
	refused(&m, "{\"body\":{}}",
	    "custom_id: missing, not a non-empty string");
	/* what bw-upload refuses, bw-jsonl refuses (bw_line_check) */
	refused(&m, "{\"custom_id\":\"\",\"body\":{}}",
	    "custom_id: empty, not a non-empty string");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{\"model\":\"\"}}",
	    "body.model: empty, not a non-empty string");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{\"model\":\"gpt-4o-mini\\u0000\"}}",
	    "body.model: \"gpt-4o-mini\\u0000\", but the batch is for "
	    "gpt-4o-mini (-m): one model per batch");
	refused(&m, "{\"custom_id\":\"a\"}", "body: missing, not an object");
	refused(&m, "{\"custom_id\":\"a\",\"body\":[]}",
	    "body: an array, not an object");
	refused(&m, "{\"custom_id\":\"a\",\"body\":{},\"method\":\"GET\"}",
	    "method: not \"POST\"");
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
	init_dies("gpt-4o-mini", "{\"maxTokens\":7}", "request: -d: unknown "
	    "field \"maxTokens\"\n");
	init_dies("gpt-4o-mini", "{\"seed\":1.5}", "request: -d: seed: must "
	    "be an integer\n");
}

/* a string is compared with its length: a NUL inside never passes */
static void
test_exact_strings(void **state)
{
	struct bw_mapper m;

	(void)state;
	bw_mapper_init(&m, "gpt-5.5", BW_CHAT, NULL);
	refused(&m, "{\"prompt\":\"a\",\"providerOptions\":{\"openai\":"
	    "{\"serviceTier\":\"flex\\u0000zzz\"}}}",
	    "providerOptions.openai.serviceTier: not one of auto, flex, "
	    "priority, fast, ultrafast, default");
	refused(&m, "{\"messages\":[{\"role\":\"user\\u0000evil\","
	    "\"content\":\"a\"}]}",
	    "messages[0].role: must be system, user, assistant or tool");
	refused(&m, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
	    "\"text\\u0000\",\"text\":\"a\"}]}]}",
	    "messages[0].content[0].type: \"text\\u0000\" parts are not "
	    "supported in user messages");
	refused(&m, "{\"prompt\":\"a\",\"reasoning\":\"low\\u0000\"}",
	    "reasoning: not one of provider-default, none, minimal, low, "
	    "medium, high, xhigh, max");
	refused(&m, "{\"prompt\":\"a\",\"tools\":{\"t\":{\"inputSchema\":{},"
	    "\"type\":\"function\\u0000\"}}}",
	    "tools.t.type: only function tools are supported");
	bw_mapper_free(&m);
}

/* a media type is kept whole, however long */
static void
test_media_type_whole(void **state)
{
	struct bw_mapper m;
	char req[2048], body[2048], mt[700];
	size_t o = 0;

	(void)state;
	o += sprintf(mt + o, "image/x");
	for (int i = 0; i < 200; i++)
		o += sprintf(mt + o, "\xc3\xa9");	/* é: 2 bytes */
	snprintf(req, sizeof req, "{\"messages\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"image\",\"image\":\"AAAA\","
	    "\"mediaType\":\"%s\"}]}]}", mt);
	snprintf(body, sizeof body, "{\"model\":\"gpt-4o-mini\",\"messages\":"
	    "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
	    "\"image_url\":{\"url\":\"data:%s;base64,AAAA\"}}]}]}", mt);
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	maps_to(&m, req, NULL, body);
	bw_mapper_free(&m);
}

/* http(s) URLs as new URL().toString() writes them, or refused */
static void
test_urls(void **state)
{
	static const char *const same[][2] = {
		{ "HTTPS://Example.COM/x", "https://example.com/x" },
		{ "https://User:Pass@Example.COM/x",
		  "https://User:Pass@example.com/x" },
		{ "https://user@example.com", "https://user@example.com/" },
		{ "https://example.com", "https://example.com/" },
		{ "https://example.com:443", "https://example.com/" },
		{ "https://example.com:0443/x", "https://example.com/x" },
		{ "http://example.com:80/a", "http://example.com/a" },
		{ "http://example.com:443/a", "http://example.com:443/a" },
		{ "https://example.com:08080/a", "https://example.com:8080/a" },
		{ "https://127.0.0.1:8080/x", "https://127.0.0.1:8080/x" },
		{ "https://example.com./x", "https://example.com./x" },
		{ "https://a-b_c.example/x", "https://a-b_c.example/x" },
		{ "https://example.com?q", "https://example.com/?q" },
		{ "http://example.com/a b?c d#e f",
		  "http://example.com/a%20b?c%20d#e%20f" },
		{ "https://example.com/%zz/\xc3\xa9",
		  "https://example.com/%zz/%C3%A9" },
		{ "https://example.com/{x}?'y'#`z`",
		  "https://example.com/%7Bx%7D?%27y%27#%60z%60" },
		{ "https://example.com/a..b/.c/", "https://example.com/a..b/.c/" },
		{ "https://us%20er@example.com/", "https://us%20er@example.com/" },
		{ "https://axn--b.example/", "https://axn--b.example/" },
	};
	static const char *const refused_urls[][2] = {
		{ "https://example.com/a/../b", "a \".\" or \"..\" path segment" },
		{ "https://example.com/a/./b", "a \".\" or \"..\" path segment" },
		{ "https://example.com/a/%2E%2e/b",
		  "a \".\" or \"..\" path segment" },
		{ "https://example.com/..", "a \".\" or \"..\" path segment" },
		{ "https://example.com\\\\x", "a backslash or a control character" },
		{ "https://example.com/a\\tb", "a backslash or a control character" },
		{ "https://exa mple.com/", "whose host is not a plain name" },
		{ "https://ex%41mple.com/", "whose host is not a plain name" },
		{ "https://\xc3\xa9.com/", "whose host is not a plain name" },
		{ "https:///x", "whose host is not a plain name" },
		{ "https://127.1/x", "whose host is not a plain name" },
		{ "https://0x7f.0.0.1/x", "whose host is not a plain name" },
		{ "https://1.2.3.04/x", "whose host is not a plain name" },
		{ "https://1.2.3.4./x", "whose host is not a plain name" },
		{ "https://example.com:x/", "whose port is not a number" },
		{ "https://example.com:65536/", "whose port is not a number" },
		{ "https://a@b@example.com/", "user name or password is not plain" },
		{ "https://user:@example.com/", "user name or password is not plain" },
		{ "https://xn--a.com/x", "whose host is not a plain name" },
		{ "https://a.XN--zz.com/x", "whose host is not a plain name" },
		{ "https:example.com/x", "not http://, https:// or data:" },
		{ "ftp://example.com/x.png", "not http://, https:// or data:" },
		{ "https://example.com/x ", "ends in a blank" },
	};
	struct bw_mapper m;
	char req[1024], body[1024], want[1024];

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		snprintf(req, sizeof req, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"image\",\"image\":\"%s\"}]}]}",
		    same[i][0]);
		snprintf(body, sizeof body, "{\"model\":\"gpt-4o-mini\","
		    "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
		    "\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}",
		    same[i][1]);
		maps_to(&m, req, NULL, body);
	}
	for (size_t i = 0; i < sizeof refused_urls / sizeof *refused_urls; i++) {
		const char *why = NULL;
		struct bw_v cid, v;
		snprintf(req, sizeof req, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"image\",\"image\":\"%s\"}]}]}",
		    refused_urls[i][0]);
		v = bw_map_request(&m, parse(req), &cid, &why);
		snprintf(want, sizeof want, "messages[0].content[0]: a URL");
		if (v.kind != BW_NONE || strncmp(why, want, strlen(want)) ||
		    !strstr(why, refused_urls[i][1]))
			fail_msg("%s: %s", refused_urls[i][0],
			    v.kind ? "mapped" : why);
		bw_arena_reset(&m.arena);
	}
	bw_mapper_free(&m);
}

/* strings the SDK reads as URLs after new URL() drops blanks and
   controls, and data: URLs splitDataUrl reads otherwise than bw could */
static void
test_not_quite_urls(void **state)
{
	static const char *const cases[][2] = {
		{ "\" https://example.com/x.png\"",
		  "a URL with a blank or control byte before or inside its scheme" },
		{ "\"\\thttps://example.com/x.png\"",
		  "a URL with a blank or control byte before or inside its scheme" },
		{ "\"ht\\ttps://example.com/x.png\"",
		  "a URL with a blank or control byte before or inside its scheme" },
		{ "\"\\u0001https://example.com/x.png\"",
		  "a URL with a blank or control byte before or inside its scheme" },
		{ "\" data:image/png;base64,AAAA\"",
		  "a URL with a blank or control byte before or inside its scheme" },
		{ "\"data:image/png:x;base64,AAAA\"",
		  "a data: URL that is not data:TYPE;base64,DATA" },
		{ "\"data:image/png;base64,AAAA,BBBB\"",
		  "a data: URL that is not data:TYPE;base64,DATA" },
		{ "\"data:;base64,AAAA\"", "a data: URL without a media type" },
		{ "\"AAAA#x\"", "data that is not base64 (at byte 5)" },
		{ "{\"type\":\"data\",\"data\":\"https://example.com/a.png\"}",
		  "data that is not base64 (at byte 6)" },
		{ "{\"type\":\"data\",\"data\":\"data:image/png;base64,AAAA\"}",
		  "a data: URL given as {\"type\":\"data\"}: give the base64 alone" },
	};
	struct bw_mapper m;
	char req[512], want[256];

	(void)state;
	bw_mapper_init(&m, "gpt-4o-mini", BW_CHAT, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(req, sizeof req, "{\"messages\":[{\"role\":\"user\","
		    "\"content\":[{\"type\":\"image\",\"image\":%s,"
		    "\"mediaType\":\"image/png\"}]}]}", cases[i][0]);
		const char *why = NULL;
		struct bw_v cid, v = bw_map_request(&m, parse(req), &cid, &why);
		snprintf(want, sizeof want, "messages[0].content[0]: %s",
		    cases[i][1]);
		if (v.kind != BW_NONE || strncmp(why, want, strlen(want)))
			fail_msg("%s: %s", cases[i][0], v.kind ? "mapped" : why);
		bw_arena_reset(&m.arena);
	}
	/* {"type":"data"} is base64, never a URL */
	maps_to(&m, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
	    "\"image\",\"image\":{\"type\":\"data\",\"data\":\"iVBORw0KGgo=\"}}]}]}",
	    NULL, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}");
	bw_mapper_free(&m);
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
		cmocka_unit_test_teardown(test_exact_strings, uncapture),
		cmocka_unit_test_teardown(test_media_type_whole, uncapture),
		cmocka_unit_test_teardown(test_urls, uncapture),
		cmocka_unit_test_teardown(test_not_quite_urls, uncapture),
		cmocka_unit_test_teardown(test_defaults, uncapture),
		cmocka_unit_test_teardown(test_bad_requests, uncapture),
	};

	bw_init(argv);
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
