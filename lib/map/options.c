/*
 * options.c: request settings and provider options: sampling numbers,
 * reasoning effort, and the options each endpoint forwards.
 */
#include <ctype.h>
#include <math.h>

#include "map.h"

static const char *const levels[] = { "minimal", "low", "medium", "high",
	"xhigh", "max", NULL };

/* The effort the SDK sends for the top-level reasoning option (or the
   provider option, which wins), borrowed; invalid for none.  With
   nomax, "max" is not offered (chat). */
val
effort(struct ctx *c, val req, val po, int nomax)
{
	val pe = bw_get(po, "reasoningEffort"), r = field(req, "reasoning");
	const char *const *list = c->m->efforts;
	const char *want, *cand[8];
	int n = 0, at = -1;

	if (present(pe) && kind(pe) != BW_NULL)
		return pe;
	if (!present(r) || bw_is(r, "provider-default"))
		return bw_of(BW_NONE);
	for (int i = 0; levels[i]; i++)
		if (bw_is(r, levels[i]))
			at = i;
	want = at < 0 ? "none" : levels[at];	/* checked in request.c */
	cand[n++] = want;
	for (int i = (at < 0 ? 0 : at) - 1; i >= 0; i--)
		cand[n++] = levels[i];
	for (int i = at + 1; levels[i]; i++)
		cand[n++] = levels[i];
	for (int i = 0; i < n; i++) {
		int ok = !list;
		for (const char *const *e = list; e && *e; e++)
			ok |= !strcmp(*e, cand[i]);
		if (ok && nomax && list && !strcmp(cand[i], "max"))
			ok = 0;
		if (!ok)
			continue;
		if (strcmp(cand[i], want))
			warn_once(c, "reasoning: %s is not supported by %s; "
			    "sent as %s", want, c->m->model, cand[i]);
		return bw_str(c->a, cand[i], strlen(cand[i]));
	}
	warn_once(c, "reasoning: %s is not supported by %s; dropped", want,
	    c->m->model);
	return bw_of(BW_NONE);
}

int
isint(val v)
{
	double d;

	if (!isnum(v))
		return 0;
	d = v.u.num;
	return d == floor(d);
}

/* A sampling setting: absent → invalid; null is sent as null (as the
   SDK does); else it must be a number. */
val
number_field(struct ctx *c, val req, const char *key)
{
	val v = bw_get(req, key);

	if (!present(v) || kind(v) == BW_NULL)
		return v;
	if (!isnum(v))
		return fail(c, "%s: %s, not a number", key, bw_kindname(v));
	return v;
}

enum { T_BOOL = 1, T_NUM, T_STR, T_ENUM, T_ANY, T_OBJ, T_ARR, T_BOOLNUM };

struct popt {
	const char *name;
	int type;
	int nullable;		/* null is allowed (and, for some, sent) */
	const char *const *values;
};

static const char *const efforts_chat[] = { "none", "minimal", "low",
	"medium", "high", "xhigh", "max", NULL };
static const char *const tiers[] = { "auto", "flex", "priority", "fast",
	"ultrafast", "default", NULL };
static const char *const verbosities[] = { "low", "medium", "high", NULL };
static const char *const retentions[] = { "in_memory", "24h", NULL };
static const char *const sysmodes[] = { "system", "developer", "remove", NULL };
static const char *const truncations[] = { "auto", "disabled", NULL };
const char *const includes[] = { "reasoning.encrypted_content",
	"file_search_call.results", "web_search_call.results",
	"message.output_text.logprobs", NULL };

static const char *const rmodes[] = { "standard", "pro", NULL };
static const char *const rcontexts[] = { "auto", "current_turn", "all_turns",
	NULL };
static const char *const effort_updates[] = { "none", "low", "medium",
	"high", "xhigh", "max", NULL };

static const struct popt chat_opts[] = {
	{ "logitBias", T_OBJ, 0, NULL },
	{ "logprobs", T_BOOLNUM, 0, NULL },
	{ "parallelToolCalls", T_BOOL, 0, NULL },
	{ "user", T_STR, 0, NULL },
	{ "reasoningEffort", T_ENUM, 0, efforts_chat },
	{ "maxCompletionTokens", T_NUM, 0, NULL },
	{ "store", T_BOOL, 0, NULL },
	{ "metadata", T_OBJ, 0, NULL },
	{ "prediction", T_OBJ, 0, NULL },
	{ "serviceTier", T_ENUM, 0, tiers },
	{ "strictJsonSchema", T_BOOL, 0, NULL },
	{ "textVerbosity", T_ENUM, 0, verbosities },
	{ "promptCacheKey", T_STR, 0, NULL },
	{ "promptCacheOptions", T_OBJ, 0, NULL },
	{ "promptCacheRetention", T_ENUM, 0, retentions },
	{ "safetyIdentifier", T_STR, 0, NULL },
	{ "systemMessageMode", T_ENUM, 0, sysmodes },
	{ "forceReasoning", T_BOOL, 0, NULL },
	{ "reasoningSummary", T_ANY, 1, NULL },
	{ NULL, 0, 0, NULL }
};

static const struct popt responses_opts[] = {
	{ "conversation", T_STR, 1, NULL },
	{ "include", T_ARR, 1, includes },
	{ "instructions", T_STR, 1, NULL },
	{ "logprobs", T_BOOLNUM, 0, NULL },
	{ "maxToolCalls", T_NUM, 1, NULL },
	{ "metadata", T_ANY, 1, NULL },
	{ "parallelToolCalls", T_BOOL, 1, NULL },
	{ "previousResponseId", T_STR, 1, NULL },
	{ "promptCacheKey", T_STR, 1, NULL },
	{ "promptCacheOptions", T_OBJ, 0, NULL },
	{ "promptCacheRetention", T_ENUM, 1, retentions },
	{ "reasoningEffort", T_STR, 1, NULL },
	{ "reasoningSummary", T_STR, 1, NULL },
	{ "safetyIdentifier", T_STR, 1, NULL },
	{ "serviceTier", T_ENUM, 1, tiers },
	{ "store", T_BOOL, 1, NULL },
	{ "strictJsonSchema", T_BOOL, 1, NULL },
	{ "textVerbosity", T_ENUM, 1, verbosities },
	{ "truncation", T_ENUM, 1, truncations },
	{ "user", T_STR, 1, NULL },
	{ "systemMessageMode", T_ENUM, 0, sysmodes },
	{ "forceReasoning", T_BOOL, 0, NULL },
	{ "contextManagement", T_ARR, 1, NULL },
	{ "reasoningMode", T_ENUM, 0, rmodes },
	{ "reasoningContext", T_ENUM, 0, rcontexts },
	{ "reasoningEffortUpdate", T_ENUM, 0, effort_updates },
	{ "textFormat", T_OBJ, 0, NULL },
	{ "compactionTrigger", T_BOOL, 0, NULL },
	{ "allowedTools", T_OBJ, 0, NULL },
	{ "includeWebSearchSources", T_BOOL, 0, NULL },
	{ NULL, 0, 0, NULL }
};

static const struct popt completion_opts[] = {
	{ "echo", T_BOOL, 0, NULL },
	{ "logitBias", T_OBJ, 0, NULL },
	{ "suffix", T_STR, 0, NULL },
	{ "user", T_STR, 0, NULL },
	{ "logprobs", T_BOOLNUM, 0, NULL },
	{ NULL, 0, 0, NULL }
};

static const struct popt embedding_opts[] = {
	{ "dimensions", T_NUM, 0, NULL },
	{ "user", T_STR, 0, NULL },
	{ NULL, 0, 0, NULL }
};

/* @ai-sdk/openai's openaiImageModelGenerationOptions (the ranges of
   the integers are checked in images.c) */
static const char *const qualities[] = { "standard", "hd", "low", "medium",
	"high", "xhigh", "max", "auto", NULL };
static const char *const styles[] = { "vivid", "natural", NULL };
static const char *const backgrounds[] = { "transparent", "opaque", "auto",
	NULL };
static const char *const moderations[] = { "auto", "low", NULL };
static const char *const formats[] = { "png", "jpeg", "webp", "gif", NULL };
static const char *const complexities[] = { "low", "medium", "high", NULL };

static const struct popt image_opts[] = {
	{ "quality", T_ENUM, 0, qualities },
	{ "style", T_ENUM, 0, styles },
	{ "background", T_ENUM, 0, backgrounds },
	{ "moderation", T_ENUM, 0, moderations },
	{ "outputFormat", T_ENUM, 0, formats },
	{ "outputCompression", T_NUM, 0, NULL },
	{ "complexity", T_ENUM, 0, complexities },
	{ "frameCount", T_NUM, 0, NULL },
	{ "frameDurationMs", T_NUM, 0, NULL },
	{ "user", T_STR, 0, NULL },
	{ "safetyIdentifier", T_STR, 0, NULL },
	{ NULL, 0, 0, NULL }
};

/* providerOptions.openai (an empty object when absent or null), or
   BW_NONE when it or providerOptions is not an object. */
static val
openai_options(struct ctx *c, val req)
{
	val po = bw_get(req, "providerOptions"), o;

	if (!present(po) || kind(po) == BW_NULL)
		return bw_of(BW_OBJ);
	if (!isobj(po))
		return fail(c, "providerOptions: %s, not an object", bw_kindname(po));
	o = bw_get(po, "openai");
	if (!present(o) || kind(o) == BW_NULL)
		return bw_of(BW_OBJ);
	if (!isobj(o))
		return fail(c, "providerOptions.openai: %s, not an object",
		    bw_kindname(o));
	return o;
}

/* providerOptions.openai of the endpoints whose bodies Batchwork
   writes by hand (image edits, moderations): spread into the body as
   it is, so a key of the body's own (own, NULL-terminated) is refused
   rather than let it replace that member. */
val
spread_options(struct ctx *c, val req, const char *const *own)
{
	val o = openai_options(c, req);

	MEMBERS(o, k, v) {
		if (oneof(k, own))
			return fail(c, "providerOptions.openai.%s: the body's own "
			    "member, not an option", label(k));
	}
	return o;
}

/* Validates providerOptions.openai against the endpoint's table and
   returns it (borrowed; an empty object when absent). */
val
provider_options(struct ctx *c, val req)
{
	const struct popt *table = c->m->endpoint == BW_CHAT ? chat_opts :
	    c->m->endpoint == BW_RESPONSES ? responses_opts :
	    c->m->endpoint == BW_EMBEDDINGS ? embedding_opts :
	    c->m->endpoint == BW_IMAGES ? image_opts : completion_opts;
	val o = openai_options(c, req);
	const char *ep = bw_endpoint_name(c->m->endpoint);

	MEMBERS(o, k, v) {
		const struct popt *p = table;
		while (p->name && !bw_is(k, p->name))
			p++;
		const char *key = p->name ? p->name : label(k);
		if (!p->name) {
			warn_once(c, "providerOptions.openai.%s: not used by the "
			    "%s endpoint; dropped", key, ep);
		} else if (kind(v) == BW_NULL) {
			if (!p->nullable)
				fail(c, "providerOptions.openai.%s: null", key);
		} else {
			int ok = 1;
			switch (p->type) {
			case T_BOOL: ok = isbool(v); break;
			case T_NUM: ok = isnum(v); break;
			case T_STR: ok = isstr(v); break;
			case T_ENUM: ok = oneof(v, p->values); break;
			case T_OBJ: ok = isobj(v); break;
			case T_ARR: ok = isarr(v); break;
			case T_BOOLNUM: ok = isbool(v) || isnum(v); break;
			}
			if (!ok && p->type == T_ENUM) {
				char list[256] = "";
				for (const char *const *q = p->values; *q; q++)
					snprintf(list + strlen(list),
					    sizeof list - strlen(list), "%s%s",
					    q == p->values ? "" : ", ", *q);
				fail(c, "providerOptions.openai.%s: not one of %s",
				    key, list);
			} else if (!ok) {
				static const char *const want[] = { "", "a boolean",
				    "a number", "a string", "", "", "an object",
				    "an array", "a boolean or a number" };
				fail(c, "providerOptions.openai.%s: %s, not %s", key,
				    bw_kindname(v), want[p->type]);
			}
		}
	}
	return c->failed ? bw_of(BW_NONE) : o;
}

/* Number(s) as JavaScript reads a string: blanks around, "" is 0,
   0x/0o/0b integers, [+-]Infinity, decimal literals; else NaN (-1). */
static int
js_number(val v, double *d)
{
	const char *ws = " \t\n\r\v\f", *p, *end, *s = v.u.s;
	size_t n = v.n;
	char buf[512];

	while (n > 0 && *s && strchr(ws, *s))
		s++, n--;
	while (n > 0 && s[n - 1] && strchr(ws, s[n - 1]))
		n--;
	if (memchr(s, 0, n))
		return -1;
	if (n == 0) {
		*d = 0;
		return 0;
	}
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	p = buf;
	if (p[0] == '0' && strchr("xXoObB", p[1]) && p[1]) {
		int base = strchr("xX", p[1]) ? 16 : strchr("oO", p[1]) ? 8 : 2;
		double v = 0;
		if (!p[2])
			return -1;
		for (p += 2; *p; p++) {
			int dig = isdigit((unsigned char)*p) ? *p - '0' :
			    isalpha((unsigned char)*p) ? tolower(*p) - 'a' + 10 : 99;
			if (dig >= base)
				return -1;
			v = v * base + dig;
		}
		*d = v;
		return 0;
	}
	p = buf + (buf[0] == '+' || buf[0] == '-');
	if (!strcmp(p, "Infinity")) {
		*d = buf[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	/* digits [. digits] [e [+-] digits], or . digits [e ...] */
	end = p;
	int digits = 0;
	while (isdigit((unsigned char)*end))
		end++, digits++;
	if (*end == '.') {
		end++;
		while (isdigit((unsigned char)*end))
			end++, digits++;
	}
	if (!digits)
		return -1;
	if (*end == 'e' || *end == 'E') {
		end++;
		if (*end == '+' || *end == '-')
			end++;
		if (!isdigit((unsigned char)*end))
			return -1;
		while (isdigit((unsigned char)*end))
			end++;
	}
	if (*end)
		return -1;
	*d = strtod(buf, NULL);
	return 0;
}

/* logitBias: keys as Number() reads them (chat), values numbers. */
val
logit_bias(struct ctx *c, val lb, int coerce)
{
	val out = bw_of(BW_OBJ);

	MEMBERS(lb, k, v) {
		if (!isnum(v))
			fail(c, "providerOptions.openai.logitBias: values must "
			    "be numbers");
		if (coerce) {
			double d;
			val nk;
			if (js_number(k, &d) < 0) {
				fail(c, "providerOptions.openai.logitBias: key %s "
				    "is not a number", quoted(k, 40));
				d = 0;
			}
			if (isinf(d)) {
				nk = bw_lit(d < 0 ? "-Infinity" : "Infinity");
			} else {
				struct bw_out o;
				bw_out_open(&o, -1, "key", 0);
				bw_out_number(&o, d);
				nk = bw_str(c->a, o.buf, o.n);
				bw_out_discard(&o);
			}
			k = nk;
		}
		out = bw_setn(c->a, out, k.u.s, k.n, v);
	}
	return out;
}

/* Counts UTF-16 code units, as zod's string max() does. */
size_t
u16len(val s)
{
	size_t n = 0;

	for (uint32_t i = 0; i < s.n; i++)
		if (((unsigned char)s.u.s[i] & 0xc0) != 0x80)
			n += ((unsigned char)s.u.s[i] >= 0xf0) ? 2 : 1;
	return n;
}

/* providerOptions.openai.serviceTier, dropped (with a warning) where
   the model has no such tier. */
val
service_tier(struct ctx *c, val po)
{
	val tier = bw_get(po, "serviceTier");

	if (bw_is(tier, "flex") && !c->m->flex)
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "flex processing is only available for o3, o4-mini and "
		    "gpt-5 models");
	if ((bw_is(tier, "priority") || bw_is(tier, "fast")) && !c->m->priority)
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "priority processing is not available for this model");
	return tier;
}

/* providerOptions.openai.promptCacheOptions as the endpoint takes it:
   mode and ttl on chat; also prewarm and comparisonResponseId, and a
   ttl of 12h, on responses. */
val
prompt_cache_options(struct ctx *c, val po)
{
	static const char *const modes[] = { "implicit", "explicit", NULL };
	static const char *const chat_ttls[] = { "30m", NULL };
	static const char *const ttls[] = { "30m", "12h", NULL };
	val pco = bw_get(po, "promptCacheOptions");
	val mode = bw_get(pco, "mode"), ttl = bw_get(pco, "ttl");
	val pw = bw_get(pco, "prewarm"), cr = bw_get(pco, "comparisonResponseId");
	int chat = c->m->endpoint == BW_CHAT;

	if (!present(pco))
		return pco;
	if (chat && ((present(mode) && !oneof(mode, modes)) ||
	    (present(ttl) && !oneof(ttl, chat_ttls))))
		return fail(c, "providerOptions.openai.promptCacheOptions: "
		    "mode must be implicit or explicit, ttl 30m");
	if (!chat && ((present(mode) && !oneof(mode, modes)) ||
	    (present(ttl) && !oneof(ttl, ttls)) ||
	    (present(pw) && !isbool(pw)) || (present(cr) && !isstr(cr))))
		return fail(c, "providerOptions.openai.promptCacheOptions: "
		    "mode implicit or explicit, ttl 30m or 12h, prewarm "
		    "a boolean, comparisonResponseId a string");
	if (chat)
		return PRESENT(c, { "mode", mode }, { "ttl", ttl });
	return PRESENT(c, { "mode", mode }, { "ttl", ttl },
	    { "prewarm", pw }, { "comparison_response_id", cr });
}
