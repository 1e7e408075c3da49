/*
 * request.c: one request: its fields checked, defaults merged, a raw batch
 * line passed through, and the endpoint's mapping chosen; and the
 * small helpers every file of the mapper shares.
 */
#include "map.h"

val
fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->failed) {
		va_start(ap, fmt);
		n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		c->why = bw_alloc(c->a, n + 1);
		va_start(ap, fmt);
		vsnprintf(c->why, n + 1, fmt, ap);
		va_end(ap);
		c->failed = 1;
	}
	return bw_of(BW_NONE);
}

void
warn_once(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char buf[512], *msg = buf;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if ((size_t)n >= sizeof buf) {	/* a long one, whole */
		msg = bw_alloc(c->a, n + 1);
		va_start(ap, fmt);
		vsnprintf(msg, n + 1, fmt, ap);
		va_end(ap);
	}
	if (c->m->warn)
		c->m->warn(c->m->warn_arg, msg);
	else
		bw_mapper_warn(c->m, msg);
}

int
oneof(val v, const char *const *list)
{
	for (; *list; list++)
		if (bw_is(v, *list))
			return 1;
	return 0;
}

void
set(struct ctx *c, val *obj, const char *key, val v)
{
	*obj = bw_set(c->a, *obj, key, v);
}

void
put(struct ctx *c, val *obj, const char *key, val v)
{
	if (present(v))
		*obj = bw_set(c->a, *obj, key, v);
}

val
concat(struct ctx *c, val a, val b)
{
	for (uint32_t i = 0; i < b.n; i++)
		a = bw_push(c->a, a, b.u.m[i].v);
	return a;
}

val
obj_present(struct ctx *c, const struct kv *kv, size_t n)
{
	val o = bw_of(BW_OBJ);

	for (size_t i = 0; i < n; i++)
		put(c, &o, kv[i].k, kv[i].v);
	return o;
}

val
obj_of(struct ctx *c, const struct kv *kv, size_t n)
{
	val o = bw_of(BW_OBJ);

	for (size_t i = 0; i < n; i++)
		o = bw_set(c->a, o, kv[i].k, kv[i].v);
	return o;
}

void
bw_mapper_warn(struct bw_mapper *m, const char *msg)
{
	if (!m->warned_set)
		m->warned_set = bw_strset_new();
	if (!bw_strset_add(m->warned_set, msg, strlen(msg), 1))
		bw_warn("warning: %s", msg);
}

static const char *const request_keys[] = {
	"customId", "prompt", "messages", "system", "instructions",
	"allowSystemInMessages", "maxOutputTokens", "temperature", "topP",
	"topK", "presencePenalty", "frequencyPenalty", "stopSequences", "seed",
	"tools", "toolChoice", "providerOptions", "reasoning", "output", NULL
};

/* A raw batch line: method, url and body.model may be left out (they
   are the batch's); what is there must be what the batch is. */
static val
map_raw(struct ctx *c, val req, val *custom_id)
{
	val body = bw_get(req, "body"), url = bw_get(req, "url");
	val model = bw_get(body, "model"), line = req;
	const char *want = bw_endpoint_url(c->m->endpoint), *why;

	if (!present(bw_get(req, "method")))
		line = bw_set(c->a, line, "method", bw_lit("POST"));
	if (!present(url))
		line = bw_set(c->a, line, "url", bw_lit(want));
	if (isobj(body) && !present(model)) {
		val b = OBJ(c, { "model", bw_lit(c->m->model) });
		MEMBERS(body, k, v)
			b = bw_setn(c->a, b, k.u.s, k.n, v);
		line = bw_set(c->a, line, "body", b);
	}
	if ((why = bw_line_check(line)))
		return fail(c, "%s", why);
	if (present(url) && !bw_is(url, want))
		return fail(c, "url: %s, but the endpoint is %s (-e)",
		    quoted(url, 60), want);
	if (present(model) && !bw_is(model, c->m->model))
		return fail(c, "body.model: %s, but the batch is for %s (-m): "
		    "one model per batch", quoted(model, 60), c->m->model);
	*custom_id = bw_get(line, "custom_id");
	return bw_get(line, "body");
}

/* The request's own fields (not the messages, tools or provider
   options): known, and of the kinds the SDK takes. */
static void
check_fields(struct ctx *c, val req)
{
	static const char *const reasonings[] = { "provider-default", "none",
		"minimal", "low", "medium", "high", "xhigh", "max", NULL };
	static const char *const numbers[] = { "temperature", "topP", "topK",
		"presencePenalty", "frequencyPenalty", NULL };
	val id = bw_get(req, "customId"), maxt = field(req, "maxOutputTokens");
	val seed = field(req, "seed"), r = field(req, "reasoning");
	val ss = field(req, "stopSequences");

	MEMBERS(req, k, v) {
		if (!oneof(k, request_keys)) {
			fail(c, "unknown field %s", quoted(k, 60));
			return;
		}
	}
	if (present(id) && (!isstr(id) || !id.n))
		fail(c, "customId: %s, not a non-empty string",
		    isstr(id) ? "empty" : bw_kindname(id));
	else if (present(maxt) && (!isint(maxt) || maxt.u.num < 1))
		fail(c, "maxOutputTokens: must be an integer of at least 1");
	else if (present(seed) && !isint(seed))
		fail(c, "seed: must be an integer");
	for (const char *const *n = numbers; *n && !c->failed; n++)
		number_field(c, req, *n);
	if (present(r) && !oneof(r, reasonings))
		fail(c, "reasoning: not one of provider-default, none, minimal, "
		    "low, medium, high, xhigh, max");
	int ok = !present(ss) || isarr(ss);
	for (int i = 0; ok && i < len(ss); i++)
		ok = isstr(bw_idx(ss, i));
	if (!ok)
		fail(c, "stopSequences: not an array of strings");
}

void
check_defaults(struct bw_mapper *m)
{
	struct ctx c = { .m = m, .a = &m->arena };

	if (m->endpoint == BW_IMAGES || m->endpoint == BW_IMAGE_EDITS)
		check_image_defaults(&c, m->defaults);
	else
		check_fields(&c, m->defaults);
	if (!c.failed && m->endpoint < BW_EMBEDDINGS)
		map_output(&c, m->defaults, bw_of(BW_NONE), 0);
	if (!c.failed && m->endpoint == BW_COMPLETIONS &&
	    present(field(m->defaults, "output")))
		fail(&c, "output: structured output is not supported by the "
		    "completions endpoint (use chat or responses)");
	if (!c.failed && m->endpoint == BW_RESPONSES &&
	    present(field(m->defaults, "output")) &&
	    present(bw_get(bw_get(bw_get(m->defaults, "providerOptions"),
	    "openai"), "textFormat")))
		fail(&c, "output: cannot be given with "
		    "providerOptions.openai.textFormat (give one)");
	if (c.failed)
		bw_die(BW_EX_USAGE, "-d: %s", c.why);
	bw_arena_reset(&m->arena);
}

val
bw_map_request(struct bw_mapper *m, val req, val *custom_id,
    const char **why)
{
	struct ctx c = { .m = m, .a = &m->arena };
	val body = bw_of(BW_NONE), id = bw_of(BW_NONE);

	*custom_id = bw_of(BW_NONE);
	if (!isobj(req)) {
		fail(&c, "%s, not a request object", bw_kindname(req));
		goto out;
	}
	if (present(bw_get(req, "custom_id")) || present(bw_get(req, "body"))) {
		if (present(m->defaults))
			warn_once(&c, "-d: defaults do not apply to raw batch "
			    "lines (custom_id, body)");
		body = map_raw(&c, req, custom_id);
		goto out;
	}
	if (present(m->defaults)) {	/* none for embeddings, moderations */
		val merged = m->defaults;
		MEMBERS(req, k, v)
			merged = bw_setn(c.a, merged, k.u.s, k.n, v);
		req = merged;
	}
	if (m->endpoint >= BW_EMBEDDINGS) {
		body = m->endpoint == BW_EMBEDDINGS ? map_embeddings(&c, req) :
		    m->endpoint == BW_IMAGES ? map_images(&c, req) :
		    m->endpoint == BW_IMAGE_EDITS ? map_image_edits(&c, req) :
		    map_moderations(&c, req);
		if (!c.failed)
			*custom_id = bw_get(req, "customId");
		goto out;
	}
	check_fields(&c, req);
	id = bw_get(req, "customId");
	if (c.failed)
		goto out;
	val po = provider_options(&c, req);
	if (c.failed)
		goto out;
	val force = bw_get(po, "forceReasoning");
	val mode = bw_get(po, "systemMessageMode");
	c.reasoning = isbool(force) ? kind(force) == BW_TRUE : m->reasoning;
	c.sysrole = bw_is(mode, "remove") ? NULL :
	    bw_is(mode, "system") ? "system" : bw_is(mode, "developer") ?
	    "developer" : c.reasoning || m->reasoning ? "developer" : "system";
	if (m->endpoint == BW_COMPLETIONS)
		c.sysrole = "system";
	val msgs = standardize(&c, req);
	if (c.failed)
		goto out;
	switch (m->endpoint) {
	case BW_CHAT: body = map_chat(&c, req, msgs, po); break;
	case BW_RESPONSES: body = map_responses(&c, req, msgs, po); break;
	default: body = map_completions(&c, req, msgs, po); break;
	}
	if (!c.failed && present(id))
		*custom_id = id;
out:
	if (c.failed) {	/* the reason outlives the request's arena */
		size_t n = strlen(c.why) + 1;
		if (n > m->whycap) {
			free(m->why);
			if (!(m->why = malloc(n)))
				bw_die(BW_EX_IOERR, "out of memory");
			m->whycap = n;
		}
		memcpy(m->why, c.why, n);
		*custom_id = bw_of(BW_NONE);
		*why = m->why;
		return bw_of(BW_NONE);
	}
	return body;
}
