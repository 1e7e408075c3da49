/* result.c: one batch output or error line → one normalized result. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static BW_PRINTF(2, 3) int
bad(const char **why, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*why = bw_why("%s", buf);
	return -1;
}

static int
isobj(struct bw_v v)
{
	return v.kind == BW_OBJ;
}

static int
isnum(struct bw_v v)
{
	return v.kind == BW_NUM;
}

static int
isarr(struct bw_v v)
{
	return v.kind == BW_ARR;
}

static void
field(struct bw_out *o, const char *name, struct bw_v v)
{
	bw_out_char(o, '"');
	bw_out_str(o, name);
	bw_out_str(o, "\":");
	bw_out_v(o, v);
}

/* A tool call's input as generateText gives it: the arguments parsed
   as JSON, {} when blank, the string itself when it is not JSON. */
static void
tool_input(struct bw_out *o, struct bw_v args)
{
	struct bw_arena a = { 0 };
	const char *e;
	struct bw_v v;
	uint32_t i = 0;

	if (args.kind != BW_STR) {
		bw_out_v(o, args);
		return;
	}
	while (i < args.n && (args.u.s[i] == ' ' || args.u.s[i] == '\t' ||
	    args.u.s[i] == '\n' || args.u.s[i] == '\r'))
		i++;
	if (i == args.n) {
		bw_out_str(o, "{}");
		return;
	}
	if ((v = bw_read(&a, args.u.s, args.n, INT_MAX, &e, NULL)).kind)
		bw_out_v(o, v);
	else
		bw_out_jstr(o, args.u.s, args.n);
	bw_arena_free(&a);
}

static void
tool_call(struct bw_out *o, int first, struct bw_v id, struct bw_v name,
    struct bw_v args)
{
	bw_out_str(o, first ? ",\"toolCalls\":[" : ",");
	bw_out_char(o, '{');
	field(o, "toolCallId", id);
	bw_out_char(o, ',');
	field(o, "toolName", name);
	bw_out_str(o, ",\"input\":");
	tool_input(o, args);
	bw_out_char(o, '}');
}

/* finishReason of a chat or completions choice, as the AI SDK maps it. */
static const char *
finish_choice(struct bw_v r, int refused)
{
	if (bw_is(r, "stop"))
		return refused ? "content-filter" : "stop";
	if (bw_is(r, "length"))
		return "length";
	if (bw_is(r, "content_filter"))
		return "content-filter";
	if (bw_is(r, "tool_calls") || bw_is(r, "function_call"))
		return "tool-calls";
	return "other";
}

/* finishReason of a Responses API body, from incomplete_details.reason. */
static const char *
finish_response(struct bw_v r, int calls, int refused)
{
	if (!r.kind || r.kind == BW_NULL)
		return calls ? "tool-calls" : refused ? "content-filter" : "stop";
	if (bw_is(r, "max_output_tokens"))
		return "length";
	if (bw_is(r, "content_filter"))
		return "content-filter";
	return calls ? "tool-calls" : "other";
}

static void
finish(struct bw_out *o, const char *reason)
{
	bw_out_str(o, ",\"finishReason\":\"");
	bw_out_str(o, reason);
	bw_out_char(o, '"');
}

/* What generateText's result.output is for the reply's text s, as the
   request's output w reads it (Output.object, array, choice or json):
   "output", or "outputError" where reading it throws (no text to read,
   text that is not JSON, a value that does not fit).  bw checks the
   value against the schema sent; a refusal is said to be one. */
static void
output(struct bw_out *o, const struct bw_output *w, const char *s, size_t n,
    size_t textn, const char *finish, int refused)
{
	struct bw_arena a = { 0 };
	struct bw_v v = bw_of(BW_NONE);
	const char *why;
	char err[1100] = "";	/* a bw_why's 1024 bytes and the words */
	size_t col, en;

	if (!w || !w->kind)
		return;
	if (refused)
		snprintf(err, sizeof err, "no output: the model refused (see "
		    "refusal)");
	else if (!strcmp(finish, "tool-calls"))
		snprintf(err, sizeof err, "no output: the reply is tool calls");
	else if (strcmp(finish, "stop") && !textn)
		snprintf(err, sizeof err, "no output: the reply has no text "
		    "(finishReason %s)", finish);
	else if (!(v = bw_read(&a, s, n, INT_MAX, &why, &col)).kind)
		snprintf(err, sizeof err, "the reply is not JSON: %s at column "
		    "%zu (finishReason %s)", strcmp(why, "unexpected end of "
		    "line") ? why : "unexpected end of text", col, finish);
	else if (w->kind != BW_OUTPUT_JSON &&
	    bw_schema_check(w->schema, w->schema, v, &why) < 0)
		snprintf(err, sizeof err, "the reply does not match the "
		    "schema: %s", why);
	else if ((v = w->kind == BW_OUTPUT_ARRAY ? bw_get(v, "elements") :
	    w->kind == BW_OUTPUT_CHOICE ? bw_get(v, "result") : v).kind ==
	    BW_NULL)	/* the SDK's result.output throws on null */
		snprintf(err, sizeof err, "no output: the reply is null");
	if (*err) {	/* a why cut short ends with a whole character */
		en = strlen(err);
		for (size_t k = en, back = 0; k > 0 && back < 4; back++)
			if (((unsigned char)err[--k] & 0xc0) != 0x80) {
				unsigned char c = err[k];
				if (c >= 0x80 && en - k < (c >= 0xf0 ? 4u :
				    c >= 0xe0 ? 3u : 2u))
					en = k;
				break;
			}
		bw_out_str(o, ",\"outputError\":");
		bw_out_jstr(o, err, en);
	} else {
		bw_out_str(o, ",\"output\":");
		bw_out_v(o, v);
	}
	bw_arena_free(&a);
}

/* text, finishReason, toolCalls and refusal of a chat or completions
   choice: the text is the content (or an audio reply's transcript)
   followed by the refusal, as generateText joins them. */
static void
choice(struct bw_out *o, struct bw_v c, const struct bw_output *w)
{
	struct bw_v msg = bw_get(c, "message"), s, ref, calls;
	const char *fr;
	int refused;

	if (!isobj(msg)) {	/* completions */
		s = bw_get(c, "text");
		if (s.kind != BW_STR)
			s = bw_lit("");
		bw_out_str(o, ",\"text\":");
		bw_out_jstr(o, s.u.s, s.n);
		finish(o, fr = finish_choice(bw_get(c, "finish_reason"), 0));
		output(o, w, s.u.s, s.n, s.n, fr, 0);
		return;
	}
	s = bw_get(msg, "content");
	if (s.kind != BW_STR || !s.n)
		s = bw_get(bw_get(msg, "audio"), "transcript");
	ref = bw_get(msg, "refusal");
	refused = ref.kind == BW_STR && ref.n;
	bw_out_str(o, ",\"text\":");
	if (refused && s.kind == BW_STR && s.n) {
		struct bw_out t;
		bw_out_open(&t, -1, "text", 0);
		bw_out_write(&t, s.u.s, s.n);
		bw_out_write(&t, ref.u.s, ref.n);
		bw_out_jstr(o, t.buf, t.n);
		bw_out_discard(&t);
	} else if (refused) {
		bw_out_jstr(o, ref.u.s, ref.n);
	} else if (s.kind == BW_STR) {
		bw_out_jstr(o, s.u.s, s.n);
	} else {
		bw_out_str(o, "\"\"");
	}
	finish(o, fr = finish_choice(bw_get(c, "finish_reason"), refused));
	calls = bw_get(msg, "tool_calls");
	for (uint32_t i = 0; isarr(calls) && i < calls.n; i++) {
		struct bw_v tc = bw_idx(calls, i), fn = bw_get(tc, "function");
		tool_call(o, i == 0, bw_get(tc, "id"), bw_get(fn, "name"),
		    bw_get(fn, "arguments"));
	}
	if (isarr(calls) && calls.n)
		bw_out_char(o, ']');
	if (refused) {
		bw_out_str(o, ",\"refusal\":");
		bw_out_jstr(o, ref.u.s, ref.n);
	}
	if (s.kind != BW_STR)
		s = bw_lit("");
	output(o, w, s.u.s, s.n, s.n, fr, refused);
}

/* text, finishReason, toolCalls and refusal of a Responses API body:
   the text of every output_text and refusal part of the message items,
   in order, as generateText joins them. */
static void
response(struct bw_out *o, struct bw_v body, const struct bw_output *w)
{
	struct bw_v items = bw_get(body, "output");
	struct bw_out t, r;
	const char *fr;
	int calls = 0, refused = 0, n = 0;
	long fa = -1;		/* the message of phase final_answer */

	bw_out_open(&t, -1, "text", 0);
	for (uint32_t i = 0; isarr(items) && i < items.n; i++) {
		struct bw_v item = bw_idx(items, i);
		struct bw_v type = bw_get(item, "type");
		struct bw_v content = bw_get(item, "content");
		if (bw_is(type, "function_call"))
			calls++;
		if (!bw_is(type, "message") || !isarr(content))
			continue;
		if (bw_is(bw_get(item, "phase"), "final_answer"))
			fa = i;
		for (uint32_t k = 0; k < content.n; k++) {
			struct bw_v part = bw_idx(content, k);
			struct bw_v ptype = bw_get(part, "type");
			struct bw_v s = bw_get(part, "text");
			if (bw_is(ptype, "refusal") &&
			    (s = bw_get(part, "refusal")).kind == BW_STR)
				refused++;
			else if (!bw_is(ptype, "output_text"))
				continue;
			if (s.kind == BW_STR)
				bw_out_write(&t, s.u.s, s.n);
		}
	}
	if (!t.n && bw_get(body, "output_text").kind == BW_STR) {
		/* what OpenAI's SDKs add to a response: the same text */
		struct bw_v s = bw_get(body, "output_text");
		bw_out_write(&t, s.u.s, s.n);
	}
	bw_out_str(o, ",\"text\":");
	bw_out_jstr(o, t.buf, t.n);
	finish(o, fr = finish_response(bw_get(bw_get(body,
	    "incomplete_details"), "reason"), calls, refused));
	for (uint32_t i = 0; calls && i < items.n; i++) {
		struct bw_v item = bw_idx(items, i);
		if (bw_is(bw_get(item, "type"), "function_call"))
			tool_call(o, n++ == 0, bw_get(item, "call_id"),
			    bw_get(item, "name"), bw_get(item, "arguments"));
	}
	if (n)
		bw_out_char(o, ']');
	if (refused) {	/* the refusal parts alone */
		bw_out_open(&r, -1, "refusal", 0);
		for (uint32_t i = 0; i < items.n; i++) {
			struct bw_v content = bw_get(bw_idx(items, i), "content");
			for (uint32_t k = 0; isarr(content) && bw_is(bw_get(
			    bw_idx(items, i), "type"), "message") &&
			    k < content.n; k++) {
				struct bw_v part = bw_idx(content, k);
				struct bw_v s = bw_get(part, "refusal");
				if (bw_is(bw_get(part, "type"), "refusal") &&
				    s.kind == BW_STR)
					bw_out_write(&r, s.u.s, s.n);
			}
		}
		bw_out_str(o, ",\"refusal\":");
		bw_out_jstr(o, r.buf, r.n);
		bw_out_discard(&r);
	}
	if (fa >= 0 && w && w->kind) {	/* the SDK reads only that one */
		struct bw_v content = bw_get(bw_idx(items, fa), "content");
		bw_out_open(&r, -1, "final answer", 0);
		for (uint32_t k = 0; k < content.n; k++) {
			struct bw_v part = bw_idx(content, k);
			struct bw_v s = bw_get(part, bw_is(bw_get(part, "type"),
			    "output_text") ? "text" : "refusal");
			if (s.kind == BW_STR)
				bw_out_write(&r, s.u.s, s.n);
		}
		output(o, w, r.buf, r.n, t.n, fr, refused);
		bw_out_discard(&r);
	} else {
		output(o, w, t.buf, t.n, t.n, fr, refused);
	}
	bw_out_discard(&t);
}

static int
is_embeddings(struct bw_v body)
{
	return bw_is(bw_get(body, "object"), "list") &&
	    isarr(bw_get(bw_idx(bw_get(body, "data"), 0), "embedding"));
}

/* An embeddings list's first vector, as the AI SDK's embed reads it. */
static void
embedding(struct bw_out *o, struct bw_v body)
{
	struct bw_v v = bw_get(bw_idx(bw_get(body, "data"), 0), "embedding");
	struct bw_v n = bw_get(bw_get(body, "usage"), "prompt_tokens");

	bw_out_str(o, ",\"embedding\":");
	bw_out_v(o, v);
	if (isnum(n)) {
		bw_out_str(o, ",\"usage\":{\"tokens\":");
		bw_out_v(o, n);
		bw_out_char(o, '}');
	}
}

/* usage from prompt/completion (chat, completions) or input/output
   (responses) token counts. */
static void
usage(struct bw_out *o, struct bw_v body)
{
	struct bw_v u = bw_get(body, "usage"), in, out, total, indet, outdet;
	struct bw_v reasoning, cached;

	if (!isobj(u))
		return;
	in = bw_get(u, "input_tokens");
	out = bw_get(u, "output_tokens");
	total = bw_get(u, "total_tokens");
	indet = bw_get(u, "input_tokens_details");
	outdet = bw_get(u, "output_tokens_details");
	if (!isnum(in) && !isnum(out)) {
		in = bw_get(u, "prompt_tokens");
		out = bw_get(u, "completion_tokens");
		indet = bw_get(u, "prompt_tokens_details");
		outdet = bw_get(u, "completion_tokens_details");
	}
	reasoning = bw_get(outdet, "reasoning_tokens");
	cached = bw_get(indet, "cached_tokens");
	if (!isnum(in) && !isnum(out) && !isnum(total))
		return;		/* usage:{} is no usage, as in Batchwork */
	bw_out_str(o, ",\"usage\":{");
	field(o, "inputTokens", isnum(in) ? in : bw_of(BW_NULL));
	bw_out_char(o, ',');
	field(o, "outputTokens", isnum(out) ? out : bw_of(BW_NULL));
	bw_out_str(o, ",\"totalTokens\":");
	if (isnum(total))
		bw_out_v(o, total);
	else	/* the sum of what there is, as Batchwork sums */
		bw_out_number(o, (isnum(in) ? in.u.num : 0) +
		    (isnum(out) ? out.u.num : 0));
	if (isnum(reasoning))
		bw_out_char(o, ','), field(o, "reasoningTokens", reasoning);
	if (isnum(cached))
		bw_out_char(o, ','), field(o, "cachedInputTokens", cached);
	bw_out_char(o, '}');
}

/* The media type of an image as the AI SDK's generateImage tells it:
   the signature of its first bytes (the SDK's image table: gif, png,
   jpeg, webp, bmp, tiff, avif, heic; b is the base64, or base64url,
   of the image), image/png when none matches (the SDK's skipping of
   an ID3 tag, which no image begins with, left out).  Batchwork
   believes the body's output_format instead, which the bytes say
   anyway. */
static const char *
image_type(struct bw_v b)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const struct {
		const char *type;
		int n;
		short sig[12];	/* -1: any byte */
	} sigs[] = {
		{ "image/gif", 6, { 'G', 'I', 'F', '8', '7', 'a' } },
		{ "image/gif", 6, { 'G', 'I', 'F', '8', '9', 'a' } },
		{ "image/png", 4, { 0x89, 'P', 'N', 'G' } },
		{ "image/jpeg", 2, { 0xff, 0xd8 } },
		{ "image/webp", 12, { 'R', 'I', 'F', 'F', -1, -1, -1, -1,
		    'W', 'E', 'B', 'P' } },
		{ "image/bmp", 10, { 'B', 'M', -1, -1, -1, -1, 0, 0, 0, 0 } },
		{ "image/tiff", 4, { 'I', 'I', 42, 0 } },
		{ "image/tiff", 4, { 'M', 'M', 0, 42 } },
		{ "image/avif", 12, { 0, 0, 0, -1, 'f', 't', 'y', 'p',
		    'a', 'v', 'i', 'f' } },
		{ "image/heic", 12, { 0, 0, 0, -1, 'f', 't', 'y', 'p',
		    'h', 'e', 'i', 'c' } },
	};
	unsigned char by[18];
	unsigned acc = 0;
	int bits = 0, n = 0;

	for (uint32_t i = 0; i < b.n && n < (int)sizeof by; i++) {
		char c = b.u.s[i] == '-' ? '+' : b.u.s[i] == '_' ? '/' :
		    b.u.s[i];
		const char *p = c ? strchr(b64, c) : NULL;
		if (!p)
			break;
		acc = acc << 6 | (unsigned)(p - b64);
		if ((bits += 6) >= 8)
			by[n++] = acc >> (bits -= 8) & 0xff;
	}
	for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
		int i = 0;
		while (i < sigs[k].n && i < n &&
		    (sigs[k].sig[i] < 0 || sigs[k].sig[i] == by[i]))
			i++;
		if (i == sigs[k].n)
			return sigs[k].type;
	}
	return "image/png";
}

/* An images reply's images, as the AI SDK's generateImage reads them:
   [{data,mediaType}] from data[].b64_json, the media type from the
   bytes. */
static void
images(struct bw_out *o, struct bw_v body)
{
	struct bw_v data = bw_get(body, "data");

	bw_out_str(o, ",\"images\":[");
	for (uint32_t i = 0; i < data.n; i++) {
		struct bw_v b = bw_get(bw_idx(data, i), "b64_json");
		bw_out_str(o, i ? ",{" : "{");
		field(o, "data", b);
		bw_out_str(o, ",\"mediaType\":\"");
		bw_out_str(o, image_type(b));
		bw_out_str(o, "\"}");
	}
	bw_out_char(o, ']');
}

/* The index of an images reply's first item without b64_json, -1 when
   every one has it. */
static long
not_b64(struct bw_v data)
{
	for (uint32_t i = 0; i < data.n; i++)
		if (bw_get(bw_idx(data, i), "b64_json").kind != BW_STR)
			return i;
	return -1;
}

/* An images reply has no object, and every image as b64_json. */
static int
is_images(struct bw_v body)
{
	struct bw_v data = bw_get(body, "data");

	return isarr(data) && data.n && !bw_get(body, "object").kind &&
	    not_b64(data) < 0;
}

/* why an images reply that is_images turned down is refused, as the
   AI SDK's generateImage throws on it: no image, or one that is not
   b64_json (an image given as a URL, which expires within hours, is
   never dropped in silence); 0 when body is no images reply. */
static int
images_unread(const char **why, struct bw_v body)
{
	struct bw_v data = bw_get(body, "data"), item, b;
	long i;

	if (!isarr(data) || bw_get(body, "object").kind)
		return 0;
	if (!data.n)
		return bad(why, "response.body.data is empty: an images reply "
		    "without images");
	if ((i = not_b64(data)) < 0)
		return 0;
	item = bw_idx(data, (uint32_t)i);
	b = bw_get(item, "b64_json");
	if (!b.kind && bw_get(item, "url").kind == BW_STR)
		return bad(why, "response.body.data[%ld] is an image given as "
		    "a URL: bw-parse reads only b64_json images", i);
	return bad(why, "response.body.data[%ld].b64_json is %s, not a "
	    "string", i, bw_kindname(b));
}

static int
is_moderations(struct bw_v body)
{
	struct bw_v res = bw_get(body, "results");

	return isarr(res) && res.n && isobj(bw_idx(res, 0));
}

/* A moderations reply's first result, as Batchwork reads it:
   {flagged,categories,categoryScores}, flagged if the provider says so
   or any category is true, only the boolean categories and the
   numeric scores. */
static void
moderation(struct bw_out *o, struct bw_v body)
{
	struct bw_v r = bw_idx(bw_get(body, "results"), 0), cat, sc, f;
	int flagged, n = 0;

	cat = bw_get(r, "categories");
	sc = bw_get(r, "category_scores");
	f = bw_get(r, "flagged");
	flagged = f.kind == BW_TRUE;
	bw_out_str(o, ",\"moderation\":{\"flagged\":");
	if (isobj(cat))
		BW_EACH(cat, i, m)
			flagged |= m->v.kind == BW_TRUE;
	bw_out_str(o, flagged ? "true" : "false");
	bw_out_str(o, ",\"categories\":{");
	if (isobj(cat))
		BW_EACH(cat, i, m)
			if (m->v.kind == BW_TRUE || m->v.kind == BW_FALSE) {
				if (n++)
					bw_out_char(o, ',');
				bw_out_jstr(o, m->k, m->kn);
				bw_out_str(o, m->v.kind == BW_TRUE ? ":true" :
				    ":false");
			}
	bw_out_str(o, "},\"categoryScores\":{");
	n = 0;
	if (isobj(sc))
		BW_EACH(sc, i, m)
			if (isnum(m->v)) {
				if (n++)
					bw_out_char(o, ',');
				bw_out_jstr(o, m->k, m->kn);
				bw_out_char(o, ':');
				bw_out_v(o, m->v);
			}
	bw_out_str(o, "}}");
}

/* The kind of a 2xx body: 'c' chat or completions, 'r' Responses API,
   'e' embeddings, 'm' moderations, 'i' images, 0 one bw-parse does not
   read. */
static int
kind(struct bw_v body)
{
	struct bw_v choices = bw_get(body, "choices");

	if (isarr(choices) && choices.n > 0)
		return 'c';
	if (isarr(bw_get(body, "output")) ||
	    bw_get(body, "output_text").kind == BW_STR)
		return 'r';
	if (is_embeddings(body))
		return 'e';
	if (is_moderations(body))
		return 'm';
	if (is_images(body))
		return 'i';
	return 0;
}

/* What a 2xx body of kind k holds. */
static void
succeeded(struct bw_out *o, struct bw_v body, int k,
    const struct bw_output *w)
{
	switch (k) {
	case 'c': choice(o, bw_idx(bw_get(body, "choices"), 0), w); break;
	case 'r': response(o, body, w); break;
	case 'e': embedding(o, body); return;
	case 'm': moderation(o, body); return;
	case 'i': images(o, body); break;
	}
	usage(o, body);
}

/* why a 2xx body is refused: what it is, and its object when that is a
   plain name (never anything else of the body's). */
static int
unknown(const char **why, struct bw_v body)
{
	struct bw_v obj = bw_get(body, "object");
	int plain = obj.kind == BW_STR && obj.n > 0 && obj.n <= 40;

	if (!isobj(body))
		return bad(why, "response.body is %s, not a reply",
		    bw_kindname(body));
	if (images_unread(why, body))
		return -1;
	for (uint32_t i = 0; plain && i < obj.n; i++)
		plain = strchr("abcdefghijklmnopqrstuvwxyz0123456789._-",
		    obj.u.s[i]) && obj.u.s[i];
	if (plain)
		return bad(why, "response.body is a reply of a kind bw-parse "
		    "does not read: object \"%.*s\"", (int)obj.n, obj.u.s);
	return bad(why, "response.body is a reply of a kind bw-parse does "
	    "not read: no choices, output, embedding, results or images");
}

/* {message,type,code} from an error object, null where absent. */
static void
error(struct bw_out *o, struct bw_v e, const char *fallback)
{
	static const char *keys[] = { "message", "type", "code" };

	bw_out_str(o, ",\"error\":{");
	for (int i = 0; i < 3; i++) {
		struct bw_v v = bw_get(e, keys[i]);
		if (i)
			bw_out_char(o, ',');
		if (!v.kind && i == 0 && fallback) {
			bw_out_str(o, "\"message\":");
			bw_out_jstr(o, fallback, strlen(fallback));
		} else {
			field(o, keys[i], v);
		}
	}
	bw_out_char(o, '}');
}

static const char *
status_of_error(struct bw_v code)
{
	if (bw_is(code, "batch_expired"))
		return "expired";
	if (bw_is(code, "batch_cancelled") || bw_is(code, "batch_canceled"))
		return "canceled";
	return "errored";
}

int
bw_result_write(struct bw_out *o, struct bw_v line, int raw,
    const struct bw_outputs *outs, const char **why)
{
	struct bw_v id, err, resp, body, sc;
	struct bw_output w = { 0 };

	if (!isobj(line))
		return bad(why, "not a batch result: %s, not an object",
		    bw_kindname(line));
	id = bw_get(line, "custom_id");
	err = bw_get(line, "error");
	resp = bw_get(line, "response");
	body = bw_get(resp, "body");
	sc = bw_get(resp, "status_code");

	if (!id.kind)
		return bad(why, "no custom_id");
	if (id.kind != BW_STR)
		return bad(why, "custom_id is %s, not a string", bw_kindname(id));
	if (outs && bw_outputs_find(outs, id, &w) < 0)
		return bad(why, "custom_id %s is not in the batch input",
		    bw_quote(id.u.s, id.n, 60));
	if (isobj(err)) {
		bw_out_str(o, "{\"customId\":");
		bw_out_v(o, id);
		bw_out_str(o, ",\"status\":\"");
		bw_out_str(o, status_of_error(bw_get(err, "code")));
		bw_out_char(o, '"');
		error(o, err, NULL);
	} else if (err.kind && err.kind != BW_NULL) {
		return bad(why, "error is %s, not an object or null",
		    bw_kindname(err));
	} else if (!isobj(resp)) {
		return bad(why, "neither a response nor an error");
	} else if (!isnum(sc)) {
		return bad(why, "response.status_code is %s, not a number",
		    bw_kindname(sc));
	} else {
		double code = sc.u.num;
		int k = 0;
		if (code >= 200 && code < 300 && !(k = kind(body)))
			return unknown(why, body);
		bw_out_str(o, "{\"customId\":");
		bw_out_v(o, id);
		if (code >= 200 && code < 300) {
			bw_out_str(o, ",\"status\":\"succeeded\"");
			succeeded(o, body, k, &w);
		} else {
			char fb[64];
			snprintf(fb, sizeof fb, "HTTP status %.0f", code);
			bw_out_str(o, ",\"status\":\"errored\"");
			error(o, bw_get(body, "error"), fb);
		}
	}
	if (raw) {
		bw_out_char(o, ',');
		field(o, "response", body);
	}
	bw_out_str(o, "}\n");
	return 0;
}

struct parsing {
	struct bw_out *o;
	int raw;
	const struct bw_outputs *outs;
	unsigned long count;
};

static int
work(void *state, struct bw_job *j, const char **why)
{
	const struct parsing *ps = state;
	struct bw_v v;
	const char *e;
	size_t col;

	if (j->blank)
		return 1;
	if (!(v = bw_read(j->arena, j->s, j->n, INT_MAX, &e, &col)).kind)
		return *why = bw_why("invalid JSON at column %zu: %s", col, e),
		    -1;
	return bw_result_write(j->out, v, ps->raw, ps->outs, why);
}

static void
take(void *arg, struct bw_job *j, const char *name)
{
	struct parsing *ps = arg;

	(void)name;
	bw_out_write(ps->o, j->outp, j->outn);
	ps->count++;
}

unsigned long
bw_parse_file(struct bw_out *o, const char *path, size_t max, int raw,
    const struct bw_outputs *outs)
{
	struct parsing ps = { o, raw, outs, 0 };
	struct bw_par_ops ops = { NULL, work, take, NULL, NULL, &ps, 0 };
	struct bw_par *p = bw_par_new(&ops, bw_par_threads());
	struct bw_lines l;

	bw_lines_open(&l, path, max);
	bw_par_lines(p, &l);
	bw_lines_close(&l);
	bw_par_free(p);
	return ps.count;
}
