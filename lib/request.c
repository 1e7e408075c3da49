/*
 * request.c: AI SDK generateText requests → batch request bodies.
 *
 * The bodies are the ones the Vercel AI SDK (ai 7, @ai-sdk/openai 4)
 * sends for the same call: its prompt standardization, its message
 * conversion per endpoint, its reasoning-model rules and the provider
 * options it forwards.  Where the SDK would download a file, silently
 * drop a part or accept a value the API refuses, we stop with an error
 * instead (man/bw.7 lists these).
 *
 * Every val a helper hands out here is borrowed from the per-request
 * context (c->keep), freed when the request is done; so an error can
 * return from anywhere.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

/* --- values ---
 *
 * The mapping was written on libjq's jv; it now runs on struct bw_v,
 * libbw's own values, which spare libjq's allocation, reference counts
 * and second UTF-8 check of every string.  These helpers keep jv's
 * rules: a value is never changed once made, so handing one around
 * shares it safely.  Appending to an array or an object writes in
 * place only when nobody else can see the slot written (the block's
 * fill equals the value's length, as for the newest copy); replacing
 * or deleting a member copies, and so does appending to a string
 * (whose NUL an older view needs): strings are built in a struct sb
 * instead.  Everything lives in the mapper's arena for one request;
 * copying and freeing cost nothing.
 */

typedef struct bw_v val;

static BW_TLS struct bw_arena *arena;	/* the request's */

/* A growable block of a container's items. */
struct blkhdr {
	uint32_t cap, fill;
};

static struct blkhdr *
hdr(const void *items)
{
	return (struct blkhdr *)items - 1;
}

static void *
newblk(uint32_t cap, size_t size)
{
	struct blkhdr *h = bw_alloc(arena, sizeof *h + (size_t)cap * size);

	h->cap = cap;
	h->fill = 0;
	return h + 1;
}

#define v_copy(x) (x)
#define v_free(x) ((void)(x))

static val
v_invalid(void)
{
	val v = { 0 };

	return v;
}

static val
v_of(int kind)
{
	val v = { 0 };

	v.kind = kind;
	return v;
}

#define v_null() v_of(BW_NULL)
#define v_true() v_of(BW_TRUE)
#define v_false() v_of(BW_FALSE)
#define v_array() v_of(BW_ARR)
#define v_object() v_of(BW_OBJ)
#define v_is_valid(x) ((x).kind != BW_NONE)
#define v_get_kind(x) ((x).kind)
#define v_number_value(x) ((x).u.num)
#define v_string_length_bytes(x) ((x).n)
#define v_object_length(x) ((x).n)

static const char *
v_string_value(val x)
{
	return x.kind == BW_STR ? x.u.s : "";
}

static int
v_array_length(val x)
{
	return x.kind == BW_ARR ? (int)x.n : 0;
}

static val
v_number(double d)
{
	val v = v_of(BW_NUM);

	v.u.num = d;
	return v;
}

/* s, which outlives the request (a literal, the model name) */
static val
v_lit(const char *s)
{
	val v = v_of(BW_STR);

	v.n = strlen(s);
	v.u.s = s;
	return v;
}

static size_t
checked(size_t n)
{
	if (n >= UINT32_MAX)
		bw_die(BW_EX_DATAERR, "a string of 4 GiB or more");
	return n;
}

/* a string of its own */
static val
v_string_sized(const char *s, size_t n)
{
	val v = v_of(BW_STR);
	char *p = bw_alloc(arena, checked(n) + 1);

	memcpy(p, s, n);
	p[n] = 0;
	v.n = n;
	v.u.s = p;
	return v;
}

static val
v_string(const char *s)
{
	return v_string_sized(s, strlen(s));
}

/* a new string, a then s: never in place, as an older view of a must
   keep its NUL */
static val
v_string_append_buf(val a, const char *s, size_t n)
{
	size_t len = checked(a.n + n);
	char *p = bw_alloc(arena, len + 1);

	memcpy(p, a.u.s, a.n);
	memcpy(p + a.n, s, n);
	p[len] = 0;
	a.kind = BW_STR;
	a.n = len;
	a.u.s = p;
	a.flags = 0;
	return a;
}

/* A string being built, bit by bit, in the arena; a value only once
   done (sb_val). */
struct sb {
	char *p;
	size_t n, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = checked(2 * (b->n + n) + 16);
		char *q = bw_alloc(arena, cap);
		if (b->n)
			memcpy(q, b->p, b->n);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static val
sb_val(struct sb *b)
{
	val v = v_of(BW_STR);

	v.n = b->n;
	v.u.s = b->n ? b->p : "";
	return v;
}

static val
v_string_concat(val a, val b)
{
	return b.kind == BW_STR ? v_string_append_buf(a, b.u.s, b.n) : a;
}

static val
v_string_fmt(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = bw_alloc(arena, checked(n) + 1);
	va_start(ap, fmt);
	vsnprintf(p, n + 1, fmt, ap);
	va_end(ap);
	val v = v_of(BW_STR);
	v.n = n;
	v.u.s = p;
	return v;
}

/* a member slot at the end of a (array or object), written in place
   when a is the newest view of its block, else in a copy */
static struct bw_m *
grow_slot(val *a)
{
	struct bw_m *m = a->u.m;

	if (!a->flags || !m || hdr(m)->fill != a->n || hdr(m)->cap == a->n) {
		struct bw_m *q = newblk(a->n < 4 ? 8 : 2 * a->n, sizeof *q);
		if (a->n)
			memcpy(q, m, a->n * sizeof *q);
		a->u.m = m = q;
		a->flags = 1;
	}
	hdr(m)->fill = a->n + 1;
	return &m[a->n++];
}

static val
v_array_append(val a, val x)
{
	struct bw_m *m = grow_slot(&a);

	m->k = NULL;
	m->kn = 0;
	m->v = x;
	return a;
}

static val
v_array_concat(val a, val b)
{
	for (uint32_t i = 0; i < b.n; i++)
		a = v_array_append(a, b.u.m[i].v);
	return a;
}

static val
v_array_get(val a, int i)
{
	if (a.kind != BW_ARR || i < 0 || (uint32_t)i >= a.n)
		return v_invalid();
	return a.u.m[i].v;
}

static int
find(val o, const char *k, size_t kn)
{
	if (o.kind != BW_OBJ)
		return -1;
	for (uint32_t i = 0; i < o.n; i++)
		if (o.u.m[i].kn == kn && !memcmp(o.u.m[i].k, k, kn))
			return i;
	return -1;
}

static val
v_object_set(val o, val k, val x)
{
	int i = find(o, k.u.s, k.n);

	if (i >= 0) {	/* a copy with the member replaced */
		struct bw_m *q = newblk(o.n, sizeof *q);
		memcpy(q, o.u.m, o.n * sizeof *q);
		hdr(q)->fill = o.n;
		q[i].v = x;
		o.u.m = q;
		o.flags = 1;
		return o;
	}
	struct bw_m *m = grow_slot(&o);
	m->k = k.u.s;
	m->kn = k.n;
	m->v = x;
	return o;
}

static val
v_object_delete(val o, val k)
{
	int i = find(o, k.u.s, k.n);

	if (i < 0)
		return o;
	struct bw_m *q = newblk(o.n, sizeof *q);
	memcpy(q, o.u.m, i * sizeof *q);
	memcpy(q + i, o.u.m + i + 1, (o.n - i - 1) * sizeof *q);
	o.n--;
	hdr(q)->fill = o.n;
	o.u.m = q;
	o.flags = 1;
	return o;
}

static val
v_object_get(val o, val k)
{
	int i = find(o, k.u.s, k.n);

	return i < 0 ? v_invalid() : o.u.m[i].v;
}

/* obj[key]; invalid when obj is no object or has no such key */
static val
v_get(val o, const char *key)
{
	int i = find(o, key, strlen(key));

	return i < 0 ? v_invalid() : o.u.m[i].v;
}

static int
v_has(val o, const char *key)
{
	return find(o, key, strlen(key)) >= 0;
}

static val
v_key(const struct bw_m *m)
{
	val k = v_of(BW_STR);

	k.n = m->kn;
	k.u.s = m->k;
	return k;
}

#define v_object_foreach(o, k, x) \
	for (uint32_t k##_i = 0, k##_j = 1; k##_j; k##_j = 0) \
		for (val k, x; k##_i < (o).n && (k = v_key(&(o).u.m[k##_i]), \
		    x = (o).u.m[k##_i].v, 1); k##_i++)
#define v_array_foreach(a, i, x) \
	for (int i = 0, i##_j = 1; i##_j; i##_j = 0) \
		for (val x; (uint32_t)i < (a).n && (x = (a).u.m[i].v, 1); i++)

static int
v_equal(val a, val b)
{
	if (a.kind != b.kind)
		return 0;
	switch (a.kind) {
	case BW_NUM:
		return a.u.num == b.u.num;
	case BW_STR:
		return a.n == b.n && !memcmp(a.u.s, b.u.s, a.n);
	case BW_ARR:
		if (a.n != b.n)
			return 0;
		for (uint32_t i = 0; i < a.n; i++)
			if (!v_equal(a.u.m[i].v, b.u.m[i].v))
				return 0;
		return 1;
	case BW_OBJ:
		if (a.n != b.n)
			return 0;
		for (uint32_t i = 0; i < a.n; i++) {
			int j = find(b, a.u.m[i].k, a.u.m[i].kn);
			if (j < 0 || !v_equal(a.u.m[i].v, b.u.m[j].v))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* JV_OBJECT(k1, v1, k2, v2, ...): up to 8 pairs */
static val
v_object_of(int n, ...)
{
	val o = v_object();
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		val k = va_arg(ap, val);
		val x = va_arg(ap, val);
		o = v_object_set(o, k, x);
	}
	va_end(ap);
	return o;
}

#define V_NARGS(...) V_NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, \
	8, 7, 6, 5, 4, 3, 2, 1, 0)
#define V_NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, \
	a14, a15, a16, n, ...) n
#define V_OBJECT(...) v_object_of(V_NARGS(__VA_ARGS__) / 2, __VA_ARGS__)
#define V_ARRAY(x) v_array_append(v_array(), (x))

static const char *
v_kind(val v)
{
	return v.kind == BW_NONE ? "nothing" : bw_vkind(&v);
}

/* JSON text in the request's arena, parsed; invalid when it is not
   JSON (*why and *col say why). */
static val
v_parse(const char *s, size_t n, const char **why, size_t *col)
{
	const struct bw_v *v = bw_read(arena, s, n, INT_MAX, why, col);

	return v ? *v : v_invalid();
}


struct ctx {
	struct bw_mapper *m;
	char why[512];
	int failed;
	int reasoning;		/* after forceReasoning */
	const char *sysrole;	/* "system", "developer" or NULL (remove) */
};

/* --- small helpers --- */

/* What was once the list of jv to free at the end; values now live in
   the request's arena. */
static val
keep(struct ctx *c, val v)
{
	(void)c;
	return v;
}

static val
fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof c->why, fmt, ap);
		va_end(ap);
		c->failed = 1;
	}
	return v_invalid();
}

/* obj[key], borrowed; v_invalid() when absent or obj is no object */
static val
get(struct ctx *c, val obj, const char *key)
{
	return keep(c, v_get(obj, key));
}

static int kind(val v);

/* A request field, with null read as absent. */
static val
field(struct ctx *c, val req, const char *key)
{
	val v = get(c, req, key);

	return kind(v) == BW_NULL ? v_invalid() : v;
}

static val
idx(struct ctx *c, val arr, int i)
{
	return keep(c, v_array_get(v_copy(arr), i));
}

static int
len(val arr)
{
	return v_array_length(v_copy(arr));
}

static int
kind(val v)
{
	return v_get_kind(v);
}

static int
isstr(val v)
{
	return kind(v) == BW_STR;
}

static int
isnum(val v)
{
	return kind(v) == BW_NUM;
}

static int
isbool(val v)
{
	return kind(v) == BW_TRUE || kind(v) == BW_FALSE;
}

static int
isobj(val v)
{
	return kind(v) == BW_OBJ;
}

static int
isarr(val v)
{
	return kind(v) == BW_ARR;
}

static int
present(val v)
{
	return v_is_valid(v);
}

static const char *
str(val v)
{
	return isstr(v) ? v_string_value(v) : "";
}

static int
streq(val v, const char *s)
{
	return isstr(v) && !strcmp(v_string_value(v), s);
}

static int
oneof(val v, const char *const *list)
{
	for (; *list; list++)
		if (streq(v, *list))
			return 1;
	return 0;
}

/* Sets key in *obj to a copy of v when v is present. */
static void
put(val *obj, const char *key, val v)
{
	if (present(v))
		*obj = v_object_set(*obj, v_lit(key), v_copy(v));
}

/* Sets key in *obj, consuming v. */
static void
set(val *obj, const char *key, val v)
{
	*obj = v_object_set(*obj, v_lit(key), v);
}

/* JSON.stringify of v (borrowed), as an owned val string. */
static val
dump(val v)
{
	struct bw_out o;
	val s;

	bw_out_open(&o, -1, "json", 0);
	o.jsorder = 1;
	bw_out_v(&o, &v);
	s = v_string_sized(o.buf, o.n);
	bw_out_discard(&o);
	return s;
}

static void
warn_once(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->m->warn)
		c->m->warn(c->m->warn_arg, msg);
	else
		bw_mapper_warn(c->m, msg);
}

void
bw_mapper_warn(struct bw_mapper *m, const char *msg)
{
	if (!m->warned_set)
		m->warned_set = bw_strset_new();
	if (!bw_strset_add(m->warned_set, msg, strlen(msg), 1))
		bw_warn("warning: %s", msg);
}

/* --- models and endpoints --- */

int
bw_endpoint_parse(const char *s)
{
	if (!strcmp(s, "chat") || !strcmp(s, "/v1/chat/completions"))
		return BW_CHAT;
	if (!strcmp(s, "responses") || !strcmp(s, "/v1/responses"))
		return BW_RESPONSES;
	if (!strcmp(s, "completions") || !strcmp(s, "/v1/completions"))
		return BW_COMPLETIONS;
	return -1;
}

const char *
bw_endpoint_name(int e)
{
	return e == BW_CHAT ? "chat" : e == BW_RESPONSES ? "responses" :
	    "completions";
}

const char *
bw_endpoint_url(int e)
{
	return e == BW_CHAT ? "/v1/chat/completions" :
	    e == BW_RESPONSES ? "/v1/responses" : "/v1/completions";
}

static int
digits(const char **p, int *v)
{
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return 0;
	*v = 0;
	while (*s >= '0' && *s <= '9' && *v < 100000)
		*v = *v * 10 + (*s++ - '0');
	*p = s;
	return 1;
}

/* A gpt-5 variant with known reasoning efforts: none, or
   (mini|nano|sol|luna|terra)(-YYYY-MM-DD)?, or YYYY-MM-DD. */
static int
date(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return 0;
	return !s[10];
}

static int
standard_gpt5(const char *v)
{
	static const char *const names[] = { "mini", "nano", "sol", "luna",
		"terra", NULL };

	if (!v)
		return 1;
	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);
		if (!strncmp(v, *n, l) && (!v[l] || (v[l] == '-' && date(v + l + 1))))
			return 1;
	}
	return date(v);
}

/* The SDK's model catalog, by name: ^o(\d+)(-|$) and
   ^gpt-(\d+)(\.(\d+))?(-(.+))?$ */
static void
classify(struct bw_mapper *m, const char *id)
{
	const char *p = id;
	int major = 0, minor = -1, o = -1;
	const char *variant = NULL;
	int gpt = 0;

	if (p[0] == 'o' && p[1] >= '0' && p[1] <= '9') {
		p++;
		digits(&p, &o);
		if (*p != '-' && *p != 0)
			o = -1;
	}
	p = id;
	if (!strncmp(p, "gpt-", 4)) {
		p += 4;
		if (digits(&p, &major)) {
			gpt = 1;
			if (*p == '.') {
				p++;
				if (!digits(&p, &minor))
					gpt = 0;
			}
			if (gpt && *p == '-' && p[1])
				variant = p + 1;
			else if (gpt && *p)
				gpt = 0;
		}
	}
	int chatmodel = gpt && minor < 0 && variant &&
	    !strncmp(variant, "chat", 4);
	int nano = gpt && variant && !strncmp(variant, "nano", 4);
	m->reasoning = o >= 0 || (gpt && major >= 5 && !chatmodel);
	m->effort_none_sampling = gpt && major < 6 &&
	    (major > 5 || (major == 5 && minor >= 1));
	m->flex = o >= 3 || (gpt && major >= 5 && !chatmodel);
	m->priority = !strncmp(id, "gpt-4", 5) ||
	    (gpt && major >= 5 && !nano && !chatmodel) || o >= 3;
	m->gpt6 = gpt && major >= 6;
	m->tools_need_no_effort = gpt && major == 5 && minor >= 6;
	m->efforts = NULL;
	if (m->gpt6) {
		static const char *const e[] = { "low", "medium", "high",
			"xhigh", "max", NULL };
		m->efforts = e;
	} else if (gpt && major == 5 && standard_gpt5(variant)) {
		static const char *const e0[] = { "minimal", "low", "medium",
			"high", NULL };
		static const char *const e1[] = { "none", "low", "medium",
			"high", NULL };
		static const char *const e2[] = { "none", "low", "medium",
			"high", "xhigh", NULL };
		static const char *const e6[] = { "none", "low", "medium",
			"high", "xhigh", "max", NULL };
		m->efforts = minor <= 0 ? e0 : minor == 1 ? e1 : minor < 6 ?
		    e2 : e6;
	}
	m->search_preview = !strncmp(id, "gpt-4o-search-preview", 21) ||
	    !strncmp(id, "gpt-4o-mini-search-preview", 26);
}

int
bw_model_is_reasoning(const char *model)
{
	struct bw_mapper m = { 0 };

	classify(&m, model);
	return m.reasoning;
}

void
bw_mapper_init(struct bw_mapper *m, const char *model, int endpoint,
    const char *defaults)
{
	memset(m, 0, sizeof *m);
	if (!strncmp(model, "openai/", 7))
		model += 7;
	if (!*model || strchr(model, '/') || strpbrk(model, " \t\n\r\""))
		bw_die(BW_EX_USAGE, "-m: not an OpenAI model name: %s",
		    bw_quote(model, strlen(model), 60));
	m->model = model;
	m->endpoint = endpoint;
	m->defaults_text = defaults;
	classify(m, model);
	m->defaults = v_invalid();
	if (defaults) {
		const char *why;
		size_t col;
		arena = &m->dflarena;
		m->defaults = v_parse(defaults, strlen(defaults), &why, &col);
		if (!v_is_valid(m->defaults))
			bw_die(BW_EX_USAGE, "-d: invalid JSON at column %zu: %s",
			    col, why);
		if (v_get_kind(m->defaults) != BW_OBJ)
			bw_die(BW_EX_USAGE, "-d: %s, not an object",
			    v_kind(m->defaults));
		if (v_has(m->defaults, "customId"))
			bw_die(BW_EX_USAGE, "-d: customId cannot be a default");
	}
}

void
bw_mapper_free(struct bw_mapper *m)
{
	bw_arena_free(&m->arena);
	bw_arena_free(&m->dflarena);
	bw_strset_free(m->warned_set);
	m->warned_set = NULL;
}

/* --- request fields --- */

static const char *const request_keys[] = {
	"customId", "prompt", "messages", "system", "instructions",
	"allowSystemInMessages", "maxOutputTokens", "temperature", "topP",
	"topK", "presencePenalty", "frequencyPenalty", "stopSequences", "seed",
	"tools", "toolChoice", "providerOptions", "reasoning", NULL
};

static const char *const levels[] = { "minimal", "low", "medium", "high",
	"xhigh", "max", NULL };

/* The effort the SDK sends for the top-level reasoning option (or the
   provider option, which wins), borrowed; invalid for none.  With
   nomax, "max" is not offered (chat). */
static val
effort(struct ctx *c, val req, val po, int nomax)
{
	val pe = get(c, po, "reasoningEffort"), r = field(c, req, "reasoning");
	const char *const *list = c->m->efforts;
	const char *want, *cand[8];
	int n = 0, at = -1;

	if (present(pe) && kind(pe) != BW_NULL)
		return pe;
	if (!present(r) || streq(r, "provider-default"))
		return v_invalid();
	want = str(r);
	for (int i = 0; levels[i]; i++)
		if (!strcmp(levels[i], want))
			at = i;
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
		return keep(c, v_string(cand[i]));
	}
	warn_once(c, "reasoning: %s is not supported by %s; dropped", want,
	    c->m->model);
	return v_invalid();
}

static int
isint(val v)
{
	double d;

	if (!isnum(v))
		return 0;
	d = v_number_value(v);
	return d == floor(d);
}

/* A sampling setting: absent → invalid; null is sent as null (as the
   SDK does); else it must be a number. */
static val
number_field(struct ctx *c, val req, const char *key)
{
	val v = get(c, req, key);

	if (!present(v) || kind(v) == BW_NULL)
		return v;
	if (!isnum(v))
		return fail(c, "%s: %s, not a number", key, v_kind(v));
	return v;
}

/* --- file data: URLs, data: URLs, base64, provider references --- */

struct file {
	val url;			/* a URL other than data:, or invalid */
	val data;		/* base64, or invalid */
	val fileid;		/* an OpenAI file id, or invalid */
	char mt[128];		/* media type ("image" when only the top level is known) */
	val detail;
};

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+' || ch == '-') return 62;
	if (ch == '/' || ch == '_') return 63;
	return -1;
}

/* The image type the first bytes of base64 data show, or NULL
   (the signatures the SDK's detectMediaType knows). */
static const char *
sniff(const char *b64)
{
	unsigned char b[16];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	for (const char *p = b64; *p && n < sizeof b; p++) {
		int v = b64val((unsigned char)*p);
		if (v < 0)
			break;
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b[n++] = acc >> bits & 0xff;
		}
	}
	if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
		return "image/gif";
	if (n >= 4 && !memcmp(b, "\x89PNG", 4))
		return "image/png";
	if (n >= 2 && b[0] == 0xff && b[1] == 0xd8)
		return "image/jpeg";
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 10 && b[0] == 'B' && b[1] == 'M' && !b[6] && !b[7] && !b[8] && !b[9])
		return "image/bmp";
	if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4)))
		return "image/tiff";
	if (n >= 12 && !b[0] && !b[1] && !b[2] && !memcmp(b + 4, "ftypavif", 8))
		return "image/avif";
	if (n >= 12 && !b[0] && !b[1] && !b[2] && !memcmp(b + 4, "ftypheic", 8))
		return "image/heic";
	return NULL;
}

static int
has_scheme(const char *s)
{
	const char *p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

/* A URL as WHATWG URL.toString() writes the common cases: scheme and
   host lower-cased, default port dropped, "/" for an empty path,
   spaces, controls, quotes and non-ASCII bytes percent-encoded. */
static val
normalize_url(const char *u)
{
	struct sb out = { 0 };
	const char *p = u, *hostend;
	char buf[16];
	int special, lower = 1;

	while (*p && *p != ':')
		p++;
	for (const char *q = u; q < p; q++) {
		char ch = *q >= 'A' && *q <= 'Z' ? *q + 32 : *q;
		sb_add(&out, &ch, 1);
	}
	sb_str(&out, ":");
	special = !strcmp(out.p, "http:") || !strcmp(out.p, "https:");
	int https = !strcmp(out.p, "https:");
	p++;
	if (special && p[0] == '/' && p[1] == '/') {
		sb_str(&out, "//");
		p += 2;
		hostend = p + strcspn(p, "/?#");
		const char *colon = NULL;
		for (const char *q = p; q < hostend; q++) {
			if (*q == '@')
				lower = 1;
			if (*q == ':')
				colon = q;
		}
		const char *hend = colon ? colon : hostend;
		for (const char *q = p; q < hend; q++) {
			char ch = lower && *q >= 'A' && *q <= 'Z' ? *q + 32 : *q;
			sb_add(&out, &ch, 1);
		}
		if (colon) {
			const char *port = colon + 1;
			size_t n = hostend - port;
			if (!((https && n == 3 && !strncmp(port, "443", 3)) ||
			    (!https && n == 2 && !strncmp(port, "80", 2)) || n == 0))
				sb_add(&out, colon, hostend - colon);
		}
		p = hostend;
		if (*p != '/')
			sb_str(&out, "/");
	}
	int part = 0;		/* 0 path, 1 query, 2 fragment */
	for (; *p; p++) {
		unsigned char ch = *p;
		int enc;
		if (ch == '?' && part == 0)
			part = 1;
		else if (ch == '#' && part < 2)
			part = 2;
		enc = ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' ||
		    ch == '>' || (part != 1 && ch == '`') ||
		    (part == 0 && (ch == '{' || ch == '}')) ||
		    (part == 1 && special && ch == '\'');
		if (enc) {
			snprintf(buf, sizeof buf, "%%%02X", ch);
			sb_str(&out, buf);
		} else {
			sb_add(&out, (const char *)&ch, 1);
		}
	}
	return sb_val(&out);
}

/* Reads an image or file part's data into f. */
static int
file_data(struct ctx *c, val data, const char *mt, const char *where,
    struct file *f)
{
	f->url = f->data = f->fileid = v_invalid();
	snprintf(f->mt, sizeof f->mt, "%s", mt);
	if (isobj(data)) {
		val type = get(c, data, "type");
		val ref = get(c, get(c, data, "reference"), "openai");
		if (streq(type, "reference") && isstr(ref)) {
			f->fileid = ref;
			return 0;
		}
		if (streq(type, "url") && isstr(get(c, data, "url"))) {
			f->url = get(c, data, "url");	/* taken as it is */
			return 0;
		} else if (streq(type, "data") && isstr(get(c, data, "data")))
			data = get(c, data, "data");
		else {
			fail(c, "%s: data is an object but not {\"type\":\"url\","
			    "\"url\":...}, {\"type\":\"data\",\"data\":...} or "
			    "{\"type\":\"reference\",\"reference\":{\"openai\":...}}",
			    where);
			return -1;
		}
	}
	if (!isstr(data)) {
		fail(c, "%s: %s, not a string", where, v_kind(data));
		return -1;
	}
	const char *s = v_string_value(data);
	if (!strncmp(s, "data:", 5)) {
		const char *comma = strchr(s, ',');
		const char *semi = strstr(s, ";base64,");
		if (!comma || !semi || semi + 7 != comma) {
			fail(c, "%s: a data: URL that is not base64", where);
			return -1;
		}
		if (semi > s + 5)
			snprintf(f->mt, sizeof f->mt, "%.*s", (int)(semi - s - 5), s + 5);
		f->data = keep(c, v_string(comma + 1));
	} else if (has_scheme(s)) {
		f->url = keep(c, normalize_url(s));
		return 0;
	} else {
		f->data = data;
	}
	const char *img = sniff(v_string_value(f->data));
	if (img)
		snprintf(f->mt, sizeof f->mt, "%s", img);
	return 0;
}

/* An image or file part (after standardize: type "file"): its data,
   media type and image detail. */
static int
file_part(struct ctx *c, val p, const char *where, struct file *f)
{
	val mt = get(c, p, "mediaType");

	if (!isstr(mt)) {
		fail(c, "%s.mediaType: %s, not a string", where, v_kind(mt));
		return -1;
	}
	if (file_data(c, get(c, p, "data"), str(mt), where, f) < 0)
		return -1;
	f->detail = get(c, get(c, get(c, p, "providerOptions"), "openai"),
	    "imageDetail");
	return 0;
}

static val
data_url(struct ctx *c, struct file *f)
{
	return keep(c, v_string_fmt("data:%s;base64,%s", f->mt,
	    v_string_value(f->data)));
}

/* --- prompt standardization (ai/prompt) --- */

/* The messages of a request as the SDK's language-model prompt: an
   array of {role, content} where system content is a string and the
   others are arrays of parts; empty text parts removed. */
static const char *const roles[] = { "system", "user", "assistant", "tool", NULL };

static val
system_message(struct ctx *c, val v, const char *where, int index)
{
	if (isstr(v))
		return V_OBJECT(v_lit("role"), v_lit("system"),
		    v_lit("content"), v_copy(v), v_lit("index"),
		    v_number(index));
	if (isobj(v) && streq(get(c, v, "role"), "system") &&
	    isstr(get(c, v, "content")))
		return V_OBJECT(v_lit("role"), v_lit("system"),
		    v_lit("content"), v_copy(get(c, v, "content")),
		    v_lit("index"), v_number(index));
	return fail(c, "%s: not a string or a system message", where);
}

static const char *const part_keys[] = { "type", "text", "image", "data",
	"mediaType", "filename", "toolCallId", "toolName", "input", "output",
	"providerOptions", "providerExecuted", NULL };

static val
parts(struct ctx *c, val content, const char *role, int mi)
{
	val out = v_array();

	if (isstr(content))
		return v_array_append(out, V_OBJECT(v_lit("type"),
		    v_lit("text"), v_lit("text"), v_copy(content)));
	if (!isarr(content)) {
		v_free(out);
		return fail(c, "messages[%d].content: %s, not a string or an array",
		    mi, v_kind(content));
	}
	for (int i = 0; i < len(content); i++) {
		val p = idx(c, content, i), t = get(c, p, "type");
		if (!isobj(p) || !isstr(t)) {
			v_free(out);
			return fail(c, "messages[%d].content[%d]: not a part "
			    "with a type", mi, i);
		}
		v_object_foreach(p, k, v) {
			int known = 0;
			for (const char *const *q = part_keys; *q; q++)
				known |= !strcmp(*q, v_string_value(k));
			if (!known) {
				fail(c, "messages[%d].content[%d]: unknown field %s",
				    mi, i, bw_quote(v_string_value(k),
				    v_string_length_bytes(v_copy(k)), 60));
			}
			v_free(k);
			v_free(v);
		}
		if (c->failed) {
			v_free(out);
			return v_invalid();
		}
		const char *type = v_string_value(t);
		int ok = !strcmp(role, "user") ?
		    !strcmp(type, "text") || !strcmp(type, "image") ||
		    !strcmp(type, "file") :
		    !strcmp(role, "assistant") ?
		    !strcmp(type, "text") || !strcmp(type, "tool-call") ||
		    !strcmp(type, "reasoning") || !strcmp(type, "file") :
		    !strcmp(type, "tool-result");
		if (!ok) {
			v_free(out);
			return fail(c, "messages[%d].content[%d].type: %s parts "
			    "are not supported in %s messages", mi, i,
			    bw_quote(type, strlen(type), 40), role);
		}
		if (!strcmp(type, "text") || !strcmp(type, "reasoning")) {
			val text = get(c, p, "text");
			if (!isstr(text)) {
				v_free(out);
				return fail(c, "messages[%d].content[%d].text: %s, "
				    "not a string", mi, i, v_kind(text));
			}
			if (!strcmp(type, "text") && !*v_string_value(text))
				continue;
		}
		if (!strcmp(type, "image")) {
			val mt = get(c, p, "mediaType");
			p = V_OBJECT(v_lit("type"), v_lit("file"),
			    v_lit("data"), v_copy(get(c, p, "image")),
			    v_lit("mediaType"),
			    isstr(mt) ? v_copy(mt) : v_lit("image"));
			val po = get(c, idx(c, content, i), "providerOptions");
			if (present(po))
				p = v_object_set(p, v_lit("providerOptions"),
				    v_copy(po));
			out = v_array_append(out, p);
			continue;
		}
		out = v_array_append(out, v_copy(p));
	}
	return out;
}

static val
standardize(struct ctx *c, val req)
{
	val sys = field(c, req, "instructions");
	val prompt = field(c, req, "prompt"), msgs = field(c, req, "messages");
	val allow = field(c, req, "allowSystemInMessages");
	val out = keep(c, v_array());
	const char *sysname = "instructions";

	if (present(sys) && present(field(c, req, "system")))
		return fail(c, "system and instructions: give one, not both");
	if (!present(sys)) {
		sys = field(c, req, "system");
		sysname = "system";
	}
	if (present(allow) && !isbool(allow))
		return fail(c, "allowSystemInMessages: %s, not a boolean",
		    v_kind(allow));
	if (present(prompt) && present(msgs))
		return fail(c, "prompt and messages: give one, not both");
	if (!present(prompt) && !present(msgs))
		return fail(c, "no prompt and no messages");
	if (present(sys) && kind(sys) != BW_NULL) {
		if (isarr(sys)) {
			for (int i = 0; i < len(sys); i++) {
				char where[64];
				snprintf(where, sizeof where, "%s[%d]", sysname, i);
				val m = system_message(c, idx(c, sys, i), where, -1);
				if (c->failed)
					return v_invalid();
				out = v_array_append(v_copy(out), m);
				keep(c, out);
			}
		} else {
			val m = system_message(c, sys, sysname, -1);
			if (c->failed)
				return v_invalid();
			out = keep(c, v_array_append(v_copy(out), m));
		}
	}
	if (present(prompt)) {
		if (isstr(prompt)) {
			msgs = keep(c, V_ARRAY(V_OBJECT(v_lit("role"),
			    v_lit("user"), v_lit("content"),
			    v_copy(prompt))));
		} else if (isarr(prompt)) {
			msgs = prompt;
		} else {
			return fail(c, "prompt: %s, not a string or an array "
			    "of messages", v_kind(prompt));
		}
	} else if (!isarr(msgs)) {
		return fail(c, "messages: %s, not an array", v_kind(msgs));
	}
	if (len(msgs) == 0)
		return fail(c, "%s: empty", present(prompt) ? "prompt" : "messages");
	for (int i = 0; i < len(msgs); i++) {
		val m = idx(c, msgs, i), role = get(c, m, "role");
		if (!isobj(m))
			return fail(c, "messages[%d]: %s, not a message", i,
			    v_kind(m));
		if (!oneof(role, roles))
			return fail(c, "messages[%d].role: must be system, user, "
			    "assistant or tool", i);
		v_object_foreach(m, k, v) {
			const char *ks = v_string_value(k);
			if (strcmp(ks, "role") && strcmp(ks, "content") &&
			    strcmp(ks, "providerOptions"))
				fail(c, "messages[%d]: unknown field %s", i,
				    bw_quote(ks, strlen(ks), 60));
			v_free(k);
			v_free(v);
		}
		if (c->failed)
			return v_invalid();
		if (streq(role, "system")) {
			if (kind(allow) != BW_TRUE)
				return fail(c, "messages[%d]: a system message; "
				    "use system or instructions (or set "
				    "allowSystemInMessages)", i);
			if (!isstr(get(c, m, "content")))
				return fail(c, "messages[%d].content: not a string", i);
			val sm = system_message(c, m, "", i);
			val po = get(c, m, "providerOptions");
			if (present(po))
				sm = v_object_set(sm, v_lit("providerOptions"),
				    v_copy(po));
			out = keep(c, v_array_append(v_copy(out), sm));
			continue;
		}
		val ps = parts(c, get(c, m, "content"), str(role), i);
		if (c->failed)
			return v_invalid();
		val nm = V_OBJECT(v_lit("role"), v_copy(role),
		    v_lit("content"), ps, v_lit("index"), v_number(i));
		val po = get(c, m, "providerOptions");
		if (present(po))
			nm = v_object_set(nm, v_lit("providerOptions"),
			    v_copy(po));
		out = keep(c, v_array_append(v_copy(out), nm));
	}
	/* every tool call needs its result before the next user turn */
	val pending = keep(c, v_array());
	for (int i = 0; i <= len(out); i++) {
		val m = i < len(out) ? idx(c, out, i) : v_invalid();
		val role = get(c, m, "role");
		if (i == len(out) || streq(role, "user") || streq(role, "system")) {
			if (len(pending) > 0)
				return fail(c, "tool call %s has no tool result",
				    bw_quote(str(idx(c, pending, 0)),
				    strlen(str(idx(c, pending, 0))), 80));
			continue;
		}
		val ps = get(c, m, "content");
		for (int k = 0; k < len(ps); k++) {
			val p = idx(c, ps, k), t = get(c, p, "type");
			val id = get(c, p, "toolCallId");
			if (!streq(t, "tool-call") && !streq(t, "tool-result"))
				continue;
			if (!isstr(id))
				return fail(c, "messages[%d].content[%d].toolCallId: "
				    "%s, not a string", (int)v_number_value(
				    get(c, m, "index")), k, v_kind(id));
			if (streq(t, "tool-call")) {
				pending = keep(c, v_array_append(v_copy(pending),
				    v_copy(id)));
				continue;
			}
			val rest = keep(c, v_array());
			for (int q = 0; q < len(pending); q++)
				if (!v_equal(v_copy(idx(c, pending, q)), v_copy(id)))
					rest = keep(c, v_array_append(v_copy(rest),
					    v_copy(idx(c, pending, q))));
			pending = rest;
		}
	}
	return out;
}

/* --- tools --- */

static int
lookaround(const char *p)
{
	int esc = 0, class = 0;

	for (; *p; p++) {
		if (esc) {
			esc = 0;
			continue;
		}
		if (*p == '\\')
			esc = 1;
		else if (*p == '[')
			class = 1;
		else if (*p == ']')
			class = 0;
		else if (!class && p[0] == '(' && p[1] == '?' &&
		    (p[2] == '=' || p[2] == '!' ||
		    (p[2] == '<' && (p[3] == '=' || p[3] == '!'))))
			return 1;
	}
	return 0;
}

static val normalize_schema(struct ctx *c, val s, int root, int *pn, int *la);

static val
normalize_def(struct ctx *c, val d, int *pn, int *la)
{
	return isobj(d) ? normalize_schema(c, d, 0, pn, la) : v_copy(d);
}

static val
normalize_record(struct ctx *c, val rec, int *pn, int *la)
{
	val out = v_object();

	if (!isobj(rec))
		return v_free(out), v_copy(rec);
	v_object_foreach(rec, k, v) {
		out = v_object_set(out, k, normalize_def(c, v, pn, la));
		v_free(v);
	}
	return out;
}

/* normalizeOpenAIJsonSchema: drops propertyNames and lookaround
   patterns, turns a lone allOf [$ref] into $ref. s is borrowed. */
static val
normalize_schema(struct ctx *c, val s, int root, int *pn, int *la)
{
	static const char *const one[] = { "additionalProperties",
		"additionalItems", "contains", "not", "if", "then", "else", NULL };
	static const char *const lists[] = { "allOf", "anyOf", "oneOf", NULL };
	static const char *const recs[] = { "properties", "patternProperties",
		"definitions", "$defs", NULL };
	val out = v_object();

	v_object_foreach(s, k, v) {
		const char *key = v_string_value(k);
		val nv = v_invalid();
		if (!strcmp(key, "propertyNames") && kind(v) != BW_NULL) {
			val t = v_get(v, "type");
			if (kind(v) != BW_OBJ ||
			    (present(t) && kind(t) != BW_NULL &&
			    !streq(t, "string")))
				fail(c, "tools: JSON Schema propertyNames that does "
				    "not use a string schema is not supported");
			v_free(t);
			*pn = 1;
			v_free(k);
			v_free(v);
			continue;
		}
		if (!strcmp(key, "pattern") && isstr(v) &&
		    lookaround(v_string_value(v))) {
			*la = 1;
			v_free(k);
			v_free(v);
			continue;
		}
		for (const char *const *q = one; *q && !present(nv); q++)
			if (!strcmp(key, *q) && kind(v) != BW_NULL)
				nv = normalize_def(c, v, pn, la);
		for (const char *const *q = recs; *q && !present(nv); q++)
			if (!strcmp(key, *q) && kind(v) != BW_NULL)
				nv = normalize_record(c, v, pn, la);
		for (const char *const *q = lists; *q && !present(nv); q++)
			if (!strcmp(key, *q) && isarr(v)) {
				nv = v_array();
				v_array_foreach(v, i, x) {
					nv = v_array_append(nv, normalize_def(c, x, pn, la));
					v_free(x);
				}
			}
		if (!present(nv) && !strcmp(key, "items") && kind(v) != BW_NULL) {
			if (isarr(v)) {
				nv = v_array();
				v_array_foreach(v, i, x) {
					nv = v_array_append(nv, normalize_def(c, x, pn, la));
					v_free(x);
				}
			} else {
				nv = normalize_def(c, v, pn, la);
			}
		}
		if (!present(nv) && !strcmp(key, "dependencies") && isobj(v)) {
			nv = v_object();
			v_object_foreach(v, dk, dv) {
				nv = v_object_set(nv, dk, isarr(dv) ? v_copy(dv) :
				    normalize_def(c, dv, pn, la));
				v_free(dv);
			}
		}
		out = v_object_set(out, k, present(nv) ? nv : v_copy(v));
		v_free(v);
	}
	/* allOf: [{"$ref": R}] alone */
	val all = v_get(out, "allOf");
	if (isarr(all) && len(all) == 1) {
		val a = v_array_get(v_copy(all), 0);
		val ref = v_get(a, "$ref");
		if (isobj(a) && v_object_length(v_copy(a)) == 1 && isstr(ref)) {
			val rest = v_object_delete(v_copy(out), v_lit("allOf"));
			val target = v_invalid();
			const char *r = v_string_value(ref);
			if (root && (!strncmp(r, "#/definitions/", 14) ||
			    !strncmp(r, "#/$defs/", 8))) {
				int defs = r[2] == 'd';
				struct sb nb = { 0 };
				for (const char *p = r + (defs ? 14 : 8); *p; p++) {
					if (p[0] == '~' && p[1] == '1')
						sb_str(&nb, "/"), p++;
					else if (p[0] == '~' && p[1] == '0')
						sb_str(&nb, "~"), p++;
					else
						sb_add(&nb, p, 1);
				}
				val name = sb_val(&nb);
				val d = v_get(out, defs ? "definitions" : "$defs");
				target = v_get_kind(d) == BW_OBJ ?
				    v_object_get(d, name) : (v_free(d), v_free(name),
				    v_invalid());
				if (!isobj(target)) {
					v_free(target);
					target = v_invalid();
				}
			}
			if (!root) {
				v_free(out);
				out = v_object_set(rest, v_lit("$ref"), v_copy(ref));
			} else if (present(target)) {
				v_free(out);
				out = target;
				v_object_foreach(rest, rk, rv)
					out = v_object_set(out, rk, rv);
				v_free(rest);
			} else {
				v_free(rest);
			}
		}
		v_free(ref);
		v_free(a);
	}
	v_free(all);
	return out;
}

/* Object.entries order: integer-like keys first, ascending. */
static int
arrayindex(const char *s, double *v)
{
	char *end;

	if (!*s || (s[0] == '0' && s[1]) || *s < '0' || *s > '9')
		return 0;
	*v = strtod(s, &end);
	return !*end && *v < 4294967295.0;
}

static val
tool_names(struct ctx *c, val tools)
{
	val ints = v_array(), others = v_array();
	double v, w;

	v_object_foreach(tools, k, x) {
		v_free(x);
		if (!arrayindex(v_string_value(k), &v)) {
			others = v_array_append(others, k);
			continue;
		}
		int n = len(ints), at = n;
		for (int i = 0; i < n; i++) {
			val e = v_array_get(v_copy(ints), i);
			arrayindex(v_string_value(e), &w);
			v_free(e);
			if (v < w) {
				at = i;
				break;
			}
		}
		val nints = v_array();
		for (int i = 0; i < n; i++) {
			if (i == at)
				nints = v_array_append(nints, v_copy(k));
			nints = v_array_append(nints, v_array_get(v_copy(ints), i));
		}
		if (at == n)
			nints = v_array_append(nints, v_copy(k));
		v_free(ints);
		v_free(k);
		ints = nints;
	}
	return keep(c, v_array_concat(ints, others));
}

/* tools and tool_choice for chat (flat = 0) or responses (flat = 1);
   sets *tools and *choice (owned) or leaves them invalid. */
static void
map_tools(struct ctx *c, val req, int flat, val *tools, val *choice)
{
	val t = get(c, req, "tools"), tc = get(c, req, "toolChoice");
	val names;
	int pn = 0, la = 0;

	*tools = *choice = v_invalid();
	if (present(tc) && kind(tc) != BW_NULL) {
		val name = get(c, tc, "toolName");
		if (!(streq(tc, "auto") || streq(tc, "none") ||
		    streq(tc, "required") ||
		    (isobj(tc) && streq(get(c, tc, "type"), "tool") &&
		    isstr(name)))) {
			fail(c, "toolChoice: not auto, none, required or "
			    "{\"type\":\"tool\",\"toolName\":...}");
			return;
		}
		if (isobj(tc) && !isobj(t)) {
			fail(c, "toolChoice: names tool %s, but there are no tools",
			    bw_quote(str(name), strlen(str(name)), 60));
			return;
		}
		if (isobj(tc) && !v_has(t, str(name))) {
			fail(c, "toolChoice: names tool %s, which is not in tools",
			    bw_quote(str(name), strlen(str(name)), 60));
			return;
		}
	}
	if (!present(t) || kind(t) == BW_NULL)
		return;
	if (!isobj(t)) {
		fail(c, "tools: %s, not an object keyed by tool name", v_kind(t));
		return;
	}
	names = tool_names(c, t);
	if (len(names) == 0)
		return;
	*tools = v_array();
	for (int i = 0; i < len(names); i++) {
		val name = idx(c, names, i), def = get(c, t, str(name));
		val desc = get(c, def, "description"), schema = get(c, def, "inputSchema");
		val strict = get(c, def, "strict"), type = get(c, def, "type");
		const char *n = str(name);
		if (!isobj(def)) {
			fail(c, "tools.%s: not an object", n);
			return;
		}
		v_object_foreach(def, k, v) {
			const char *ks = v_string_value(k);
			if (strcmp(ks, "description") && strcmp(ks, "inputSchema") &&
			    strcmp(ks, "strict") && strcmp(ks, "type") &&
			    strcmp(ks, "providerOptions"))
				fail(c, "tools.%s: unknown field %s", n,
				    bw_quote(ks, strlen(ks), 60));
			v_free(k);
			v_free(v);
		}
		if (present(type) && !streq(type, "function"))
			fail(c, "tools.%s.type: only function tools are supported", n);
		if (present(desc) && !isstr(desc))
			fail(c, "tools.%s.description: %s, not a string", n,
			    v_kind(desc));
		if (!isobj(schema))
			fail(c, "tools.%s.inputSchema: %s, not a JSON Schema object",
			    n, present(schema) ? v_kind(schema) : "missing");
		if (present(strict) && !isbool(strict))
			fail(c, "tools.%s.strict: %s, not a boolean", n,
			    v_kind(strict));
		if (c->failed)
			return;
		val params = keep(c, normalize_schema(c, schema, 1, &pn, &la));
		if (c->failed)
			return;
		val fn = v_object();
		if (flat)
			set(&fn, "type", v_lit("function"));
		put(&fn, "name", name);
		put(&fn, "description", desc);
		put(&fn, "parameters", params);
		if (flat)
			set(&fn, "strict", present(strict) ? v_copy(strict) :
			    v_false());
		else
			put(&fn, "strict", strict);
		*tools = v_array_append(*tools, flat ? fn :
		    V_OBJECT(v_lit("type"), v_lit("function"),
		    v_lit("function"), fn));
	}
	if (pn)
		warn_once(c, "tools: JSON Schema propertyNames is not supported "
		    "by OpenAI; removed from the schema");
	if (la)
		warn_once(c, "tools: JSON Schema patterns with regex lookaround "
		    "are not supported by OpenAI; removed from the schema");
	val allowed = get(c, get(c, get(c, req, "providerOptions"), "openai"),
	    "allowedTools");
	if (flat && isobj(allowed)) {
		static const char *const amodes[] = { "auto", "required", NULL };
		val tn = get(c, allowed, "toolNames"), mode = get(c, allowed, "mode");
		int ok = isarr(tn) && len(tn) > 0 &&
		    (!present(mode) || oneof(mode, amodes));
		for (int i = 0; ok && i < len(tn); i++)
			ok = isstr(idx(c, tn, i));
		if (!ok) {
			fail(c, "providerOptions.openai.allowedTools: not "
			    "{\"toolNames\":[names...],\"mode\":\"auto\" or "
			    "\"required\"}");
			return;
		}
		val list = v_array();
		for (int i = 0; i < len(tn); i++) {
			if (!v_has(t, str(idx(c, tn, i))))
				warn_once(c, "providerOptions.openai.allowedTools: "
				    "%s is not in tools; sent anyway",
				    bw_quote(str(idx(c, tn, i)),
				    strlen(str(idx(c, tn, i))), 60));
			list = v_array_append(list, V_OBJECT(v_lit("type"),
			    v_lit("function"), v_lit("name"),
			    v_copy(idx(c, tn, i))));
		}
		*choice = V_OBJECT(v_lit("type"), v_lit("allowed_tools"),
		    v_lit("mode"), present(mode) ? v_copy(mode) :
		    v_lit("auto"), v_lit("tools"), list);
	} else if (!present(tc) || kind(tc) == BW_NULL || isstr(tc))
		*choice = present(tc) && isstr(tc) ? v_copy(tc) : v_lit("auto");
	else if (flat)
		*choice = V_OBJECT(v_lit("type"), v_lit("function"),
		    v_lit("name"), v_copy(get(c, tc, "toolName")));
	else
		*choice = V_OBJECT(v_lit("type"), v_lit("function"),
		    v_lit("function"), V_OBJECT(v_lit("name"),
		    v_copy(get(c, tc, "toolName"))));
}

/* --- provider options --- */

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
static const char *const includes[] = { "reasoning.encrypted_content",
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
	{ NULL }
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
	{ NULL }
};

static const struct popt completion_opts[] = {
	{ "echo", T_BOOL, 0, NULL },
	{ "logitBias", T_OBJ, 0, NULL },
	{ "suffix", T_STR, 0, NULL },
	{ "user", T_STR, 0, NULL },
	{ "logprobs", T_BOOLNUM, 0, NULL },
	{ NULL }
};

/* Validates providerOptions.openai against the endpoint's table and
   returns it (borrowed; an empty object when absent). */
static val
provider_options(struct ctx *c, val req)
{
	const struct popt *table = c->m->endpoint == BW_CHAT ? chat_opts :
	    c->m->endpoint == BW_RESPONSES ? responses_opts : completion_opts;
	val po = get(c, req, "providerOptions"), o;
	const char *ep = bw_endpoint_name(c->m->endpoint);

	if (!present(po) || kind(po) == BW_NULL)
		return keep(c, v_object());
	if (!isobj(po))
		return fail(c, "providerOptions: %s, not an object", v_kind(po));
	o = get(c, po, "openai");
	if (!present(o) || kind(o) == BW_NULL)
		return keep(c, v_object());
	if (!isobj(o))
		return fail(c, "providerOptions.openai: %s, not an object",
		    v_kind(o));
	v_object_foreach(o, k, v) {
		const char *key = v_string_value(k);
		const struct popt *p = table;
		while (p->name && strcmp(p->name, key))
			p++;
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
				    v_kind(v), want[p->type]);
			}
		}
		v_free(k);
		v_free(v);
	}
	return c->failed ? v_invalid() : o;
}

/* Number(s) as JavaScript reads a string: blanks around, "" is 0,
   0x/0o/0b integers, [+-]Infinity, decimal literals; else NaN (-1). */
static int
js_number(const char *s, double *d)
{
	const char *ws = " \t\n\r\v\f", *p, *end;
	size_t n;
	char buf[512];

	s += strspn(s, ws);
	n = strlen(s);
	while (n > 0 && strchr(ws, s[n - 1]))
		n--;
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
static val
logit_bias(struct ctx *c, val lb, int coerce)
{
	val out = v_object();

	v_object_foreach(lb, k, v) {
		if (!isnum(v))
			fail(c, "providerOptions.openai.logitBias: values must "
			    "be numbers");
		if (coerce) {
			double d;
			val nk;
			if (js_number(v_string_value(k), &d) < 0) {
				fail(c, "providerOptions.openai.logitBias: key %s "
				    "is not a number", bw_quote(v_string_value(k),
				    strlen(v_string_value(k)), 40));
				d = 0;
			}
			if (isinf(d)) {
				nk = v_string(d < 0 ? "-Infinity" : "Infinity");
			} else {
				struct bw_out o;
				bw_out_open(&o, -1, "key", 0);
				bw_out_number(&o, d);
				nk = v_string_sized(o.buf, o.n);
				bw_out_discard(&o);
			}
			v_free(k);
			k = nk;
		}
		out = v_object_set(out, k, v);
	}
	return keep(c, out);
}

/* Counts UTF-16 code units, as zod's string max() does. */
static size_t
u16len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n += ((unsigned char)*s >= 0xf0) ? 2 : 1;
	return n;
}

/* --- chat --- */

static val
chat_user(struct ctx *c, val m)
{
	val ps = get(c, m, "content");
	val out;

	if (len(ps) == 1 && streq(get(c, idx(c, ps, 0), "type"), "text"))
		return V_OBJECT(v_lit("role"), v_lit("user"),
		    v_lit("content"), v_copy(get(c, idx(c, ps, 0), "text")));
	out = v_array();
	for (int i = 0; i < len(ps); i++) {
		val p = idx(c, ps, i);
		char where[64];
		struct file f;
		int mi = (int)v_number_value(get(c, m, "index"));
		if (streq(get(c, p, "type"), "text")) {
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("text"), v_lit("text"),
			    v_copy(get(c, p, "text"))));
			continue;
		}
		snprintf(where, sizeof where, "messages[%d].content[%d]", mi, i);
		if (file_part(c, p, where, &f) < 0) {
			v_free(out);
			return v_invalid();
		}
		val detail = f.detail;
		if (!strncmp(f.mt, "image", 5) && (f.mt[5] == 0 || f.mt[5] == '/') &&
		    present(f.fileid)) {
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("file"), v_lit("file"), V_OBJECT(
			    v_lit("file_id"), v_copy(f.fileid))));
		} else if (!strncmp(f.mt, "image", 5) && (f.mt[5] == 0 || f.mt[5] == '/')) {
			val url;
			if (present(f.data) && !f.mt[5]) {
				v_free(out);
				return fail(c, "%s: an image whose type is not "
				    "known (give mediaType, a data: URL or a URL)",
				    where);
			}
			if (present(f.url) && strncmp(str(f.url), "http:", 5) &&
			    strncmp(str(f.url), "https:", 6)) {
				v_free(out);
				return fail(c, "%s: only http(s) and data: image URLs "
				    "can be sent", where);
			}
			url = present(f.url) ? f.url : data_url(c, &f);
			val iu = V_OBJECT(v_lit("url"), v_copy(url));
			put(&iu, "detail", detail);
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("image_url"), v_lit("image_url"), iu));
		} else if (!strncmp(f.mt, "audio/", 6)) {
			const char *fmt = !strcmp(f.mt, "audio/wav") ? "wav" :
			    !strcmp(f.mt, "audio/mp3") || !strcmp(f.mt, "audio/mpeg") ?
			    "mp3" : NULL;
			if (!fmt || !present(f.data)) {
				v_free(out);
				return fail(c, "%s: only wav and mp3 audio, as data, "
				    "can be sent", where);
			}
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("input_audio"), v_lit("input_audio"),
			    V_OBJECT(v_lit("data"), v_copy(f.data),
			    v_lit("format"), v_string(fmt))));
		} else if (!strcmp(f.mt, "application/pdf")) {
			val file;
			if (present(f.url)) {
				v_free(out);
				return fail(c, "%s: a PDF URL (the SDK downloads it; "
				    "give the data or an OpenAI file id)", where);
			}
			if (present(f.fileid)) {
				file = V_OBJECT(v_lit("file_id"), v_copy(f.fileid));
			} else {
				val fn = get(c, p, "filename");
				file = V_OBJECT(v_lit("filename"), isstr(fn) ?
				    v_copy(fn) : v_string_fmt("part-%d.pdf", i),
				    v_lit("file_data"), v_copy(data_url(c, &f)));
			}
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("file"), v_lit("file"), file));
		} else {
			v_free(out);
			return fail(c, "%s: files of type %s cannot be sent to "
			    "the chat endpoint", where, bw_quote(f.mt,
			    strlen(f.mt), 60));
		}
	}
	return V_OBJECT(v_lit("role"), v_lit("user"),
	    v_lit("content"), out);
}

/* chat: a tool call's input as arguments: a JSON object, else "{}" */
static val
chat_arguments(struct ctx *c, val input)
{
	if (isstr(input)) {
		const char *why;
		size_t col;
		val v = v_parse(str(input), v_string_length_bytes(
		    v_copy(input)), &why, &col);
		int obj = isobj(v);
		v_free(v);
		return obj ? v_copy(input) : v_lit("{}");
	}
	(void)c;
	return isobj(input) ? dump(input) : v_lit("{}");
}

/* The text a tool result sends (chat), owned. */
static val
tool_output_text(struct ctx *c, val out, const char *where)
{
	val type = get(c, out, "type"), value = get(c, out, "value");

	if (streq(type, "text") && isstr(value))
		return v_copy(value);
	if (streq(type, "json") && present(value))
		return dump(value);
	if ((streq(type, "error-text") && isstr(value)) ||
	    (streq(type, "error-json") && present(value))) {
		val e = V_OBJECT(v_lit("error"), v_copy(value));
		val s = dump(e);
		v_free(e);
		return s;
	}
	if (streq(type, "execution-denied")) {
		val r = get(c, out, "reason");
		return isstr(r) ? v_copy(r) : v_lit("Tool call execution denied.");
	}
	if (streq(type, "content") && isarr(value)) {
		for (int i = 0; i < len(value); i++) {
			val item = idx(c, value, i);
			if (!streq(get(c, item, "type"), "text") ||
			    !isstr(get(c, item, "text")))
				return fail(c, "%s.output.value[%d]: only text "
				    "content is supported", where, i);
		}
		return dump(value);
	}
	return fail(c, "%s.output: not a tool result output (text, json, "
	    "error-text, error-json, execution-denied or content)", where);
}

static val
chat_messages(struct ctx *c, val msgs)
{
	val out = v_array();

	for (int i = 0; i < len(msgs); i++) {
		val m = idx(c, msgs, i), role = get(c, m, "role");
		int mi = (int)v_number_value(get(c, m, "index"));
		if (streq(role, "system")) {
			if (!c->sysrole) {
				warn_once(c, "system messages are removed for "
				    "this model (systemMessageMode remove)");
				continue;
			}
			val sm = V_OBJECT(v_lit("role"), v_lit(c->sysrole));
			put(&sm, "name", get(c, get(c, get(c, m, "providerOptions"),
			    "openai"), "name"));
			set(&sm, "content", v_copy(get(c, m, "content")));
			out = v_array_append(out, sm);
		} else if (streq(role, "user")) {
			val u = chat_user(c, m);
			if (c->failed)
				return v_free(u), v_free(out), v_invalid();
			val name = get(c, get(c, get(c, m, "providerOptions"),
			    "openai"), "name");
			put(&u, "name", name);
			out = v_array_append(out, u);
		} else if (streq(role, "assistant")) {
			val ps = get(c, m, "content");
			val text = v_lit(""), calls = v_array();
			for (int k = 0; k < len(ps); k++) {
				val p = idx(c, ps, k), t = get(c, p, "type");
				if (streq(t, "text"))
					text = v_string_concat(text,
					    v_copy(get(c, p, "text")));
				else if (streq(t, "reasoning") || streq(t, "file"))
					warn_once(c, "messages: assistant %s parts are "
					    "not sent to the chat endpoint; skipped",
					    str(t));
				else if (streq(t, "tool-call")) {
					val name = get(c, p, "toolName");
					if (!isstr(name)) {
						v_free(text);
						v_free(calls);
						v_free(out);
						return fail(c, "messages[%d].content[%d]"
						    ".toolName: not a string", mi, k);
					}
					calls = v_array_append(calls, V_OBJECT(
					    v_lit("id"), v_copy(get(c, p, "toolCallId")),
					    v_lit("type"), v_lit("function"),
					    v_lit("function"), V_OBJECT(
					    v_lit("name"), v_copy(name),
					    v_lit("arguments"), chat_arguments(c,
					    get(c, p, "input")))));
				}
			}
			val a = V_OBJECT(v_lit("role"), v_lit("assistant"));
			if (len(calls) > 0) {
				int empty = !*v_string_value(text);
				set(&a, "content", empty ? (v_free(text), v_null()) : text);
				set(&a, "tool_calls", calls);
			} else {
				set(&a, "content", text);
				v_free(calls);
			}
			out = v_array_append(out, a);
		} else {
			val ps = get(c, m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = idx(c, ps, k);
				char where[64];
				snprintf(where, sizeof where, "messages[%d].content[%d]",
				    mi, k);
				val s = tool_output_text(c, get(c, p, "output"), where);
				if (c->failed)
					return v_free(out), v_invalid();
				out = v_array_append(out, V_OBJECT(
				    v_lit("role"), v_lit("tool"),
				    v_lit("tool_call_id"),
				    v_copy(get(c, p, "toolCallId")),
				    v_lit("content"), s));
			}
		}
	}
	return out;
}

/* Drops a setting the model or endpoint does not take, with a
   warning; a null stays, as the SDK only looks at values. */
static void
drop(struct ctx *c, val *v, const char *field, const char *why)
{
	if (present(*v) && kind(*v) != BW_NULL) {
		warn_once(c, "%s: %s; dropped", field, why);
		*v = v_invalid();
	}
}


static val
map_chat(struct ctx *c, val req, val msgs, val po)
{
	val body;
	val maxt = get(c, req, "maxOutputTokens");
	val temp = number_field(c, req, "temperature");
	val topp = number_field(c, req, "topP");
	val fp = number_field(c, req, "frequencyPenalty");
	val pp = number_field(c, req, "presencePenalty");
	val stop = get(c, req, "stopSequences"), seed = get(c, req, "seed");
	val lb = get(c, po, "logitBias"), lp = get(c, po, "logprobs");
	val lpv = v_invalid(), toplp = v_invalid();
	val eff;
	val mct = get(c, po, "maxCompletionTokens");
	val tier = get(c, po, "serviceTier");
	val retention = get(c, po, "promptCacheRetention");
	val pco = get(c, po, "promptCacheOptions");
	val meta = get(c, po, "metadata");
	val tools, choice, messages;
	const char *why = "not supported for reasoning models";

	if (c->m->tools_need_no_effort && isobj(field(c, req, "tools")) &&
	    v_object_length(v_copy(field(c, req, "tools"))) > 0 &&
	    !present(field(c, po, "reasoningEffort"))) {
		val r = field(c, req, "reasoning");
		if (present(r) && !streq(r, "none") &&
		    !streq(r, "provider-default"))
			warn_once(c, "reasoning: %s does not take function tools "
			    "with reasoning on the chat endpoint; reasoning "
			    "effort set to none", c->m->model);
		eff = keep(c, v_lit("none"));
	} else {
		eff = effort(c, req, po, 1);
	}
	if (present(lb))
		lb = logit_bias(c, lb, 1);
	if (kind(lp) == BW_TRUE || isnum(lp)) {
		lpv = keep(c, v_true());
		toplp = isnum(lp) ? lp : keep(c, v_number(0));
	}
	if (present(meta)) {
		v_object_foreach(meta, k, v) {
			if (!isstr(v) || u16len(v_string_value(k)) > 64 ||
			    u16len(str(v)) > 512)
				fail(c, "providerOptions.openai.metadata: keys must "
				    "be at most 64 characters, values strings of "
				    "at most 512");
			v_free(k);
			v_free(v);
		}
	}
	if (present(pco)) {
		val mode = get(c, pco, "mode"), ttl = get(c, pco, "ttl");
		static const char *const modes[] = { "implicit", "explicit", NULL };
		static const char *const ttls[] = { "30m", NULL };
		if ((present(mode) && !oneof(mode, modes)) ||
		    (present(ttl) && !oneof(ttl, ttls)))
			return fail(c, "providerOptions.openai.promptCacheOptions: "
			    "mode must be implicit or explicit, ttl 30m");
		val o = v_object();
		put(&o, "mode", mode);
		put(&o, "ttl", ttl);
		pco = keep(c, o);
	}
	if (present(get(c, po, "reasoningSummary")) &&
	    kind(get(c, po, "reasoningSummary")) != BW_NULL)
		warn_once(c, "providerOptions.openai.reasoningSummary: only "
		    "supported by the responses endpoint; dropped");
	if (present(get(c, req, "topK")))
		warn_once(c, "topK: not supported by OpenAI; dropped");
	if (c->m->gpt6)
		drop(c, &retention, "providerOptions.openai.promptCacheRetention",
		    "not supported for GPT-6 and later models");
	if (c->reasoning) {
		if (!streq(eff, "none") || !c->m->effort_none_sampling) {
			drop(c, &temp, "temperature", why);
			drop(c, &topp, "topP", why);
			drop(c, &lpv, "providerOptions.openai.logprobs", why);
		}
		drop(c, &fp, "frequencyPenalty", why);
		drop(c, &pp, "presencePenalty", why);
		drop(c, &lb, "providerOptions.openai.logitBias", why);
		if (present(toplp) && !present(lpv))
			toplp = v_invalid();
		else
			drop(c, &toplp, "providerOptions.openai.logprobs (top_logprobs)",
			    why);
		if (present(maxt) && !present(mct))
			mct = maxt;
		maxt = v_invalid();
	} else if (c->m->search_preview) {
		drop(c, &temp, "temperature", "not supported for the search "
		    "preview models");
	}
	if ((streq(tier, "flex") && !c->m->flex))
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "flex processing is only available for o3, o4-mini and "
		    "gpt-5 models");
	if ((streq(tier, "priority") || streq(tier, "fast")) && !c->m->priority)
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "priority processing is not available for this model");
	if (c->failed)
		return v_invalid();
	messages = keep(c, chat_messages(c, msgs));
	if (c->failed)
		return v_invalid();
	map_tools(c, req, 0, &tools, &choice);
	if (c->failed)
		return v_free(tools), v_free(choice), v_invalid();

	body = V_OBJECT(v_lit("model"), v_lit(c->m->model));
	put(&body, "logit_bias", lb);
	put(&body, "logprobs", lpv);
	put(&body, "top_logprobs", toplp);
	put(&body, "user", get(c, po, "user"));
	put(&body, "parallel_tool_calls", get(c, po, "parallelToolCalls"));
	put(&body, "max_tokens", maxt);
	put(&body, "temperature", temp);
	put(&body, "top_p", topp);
	put(&body, "frequency_penalty", fp);
	put(&body, "presence_penalty", pp);
	put(&body, "stop", stop);
	put(&body, "seed", seed);
	put(&body, "verbosity", get(c, po, "textVerbosity"));
	put(&body, "max_completion_tokens", mct);
	put(&body, "store", get(c, po, "store"));
	put(&body, "metadata", meta);
	put(&body, "prediction", get(c, po, "prediction"));
	put(&body, "reasoning_effort", eff);
	put(&body, "service_tier", tier);
	put(&body, "prompt_cache_key", get(c, po, "promptCacheKey"));
	put(&body, "prompt_cache_options", pco);
	put(&body, "prompt_cache_retention", retention);
	put(&body, "safety_identifier", get(c, po, "safetyIdentifier"));
	put(&body, "messages", messages);
	if (present(tools)) {
		set(&body, "tools", tools);
		set(&body, "tool_choice", choice);
	}
	return body;
}

/* --- responses --- */

static val
responses_user(struct ctx *c, val m)
{
	val ps = get(c, m, "content"), out = v_array();
	int mi = (int)v_number_value(get(c, m, "index"));

	for (int i = 0; i < len(ps); i++) {
		val p = idx(c, ps, i);
		char where[64];
		struct file f;
		if (streq(get(c, p, "type"), "text")) {
			out = v_array_append(out, V_OBJECT(v_lit("type"),
			    v_lit("input_text"), v_lit("text"),
			    v_copy(get(c, p, "text"))));
			continue;
		}
		snprintf(where, sizeof where, "messages[%d].content[%d]", mi, i);
		if (file_part(c, p, where, &f) < 0) {
			v_free(out);
			return v_invalid();
		}
		if (present(f.data) && !strncmp(str(f.data), "file-", 5) &&
		    !sniff(str(f.data)))
			f.fileid = f.data, f.data = v_invalid();
		val detail = f.detail, item;
		if (!strncmp(f.mt, "image", 5) && (f.mt[5] == 0 || f.mt[5] == '/')) {
			item = V_OBJECT(v_lit("type"), v_lit("input_image"));
			if (present(f.url))
				put(&item, "image_url", f.url);
			else if (present(f.fileid))
				put(&item, "file_id", f.fileid);
			else if (f.mt[5])
				put(&item, "image_url", data_url(c, &f));
			else {
				v_free(item);
				v_free(out);
				return fail(c, "%s: an image whose type is not "
				    "known (give mediaType, a data: URL or a URL)",
				    where);
			}
			put(&item, "detail", detail);
		} else if (present(f.url)) {
			item = V_OBJECT(v_lit("type"), v_lit("input_file"),
			    v_lit("file_url"), v_copy(f.url));
		} else if (!strcmp(f.mt, "application/pdf")) {
			item = V_OBJECT(v_lit("type"), v_lit("input_file"));
			if (present(f.fileid)) {
				put(&item, "file_id", f.fileid);
			} else {
				val fn = get(c, p, "filename");
				set(&item, "filename", isstr(fn) ? v_copy(fn) :
				    v_string_fmt("part-%d.pdf", i));
				put(&item, "file_data", data_url(c, &f));
			}
		} else {
			v_free(out);
			return fail(c, "%s: files of type %s cannot be sent to "
			    "the responses endpoint", where, bw_quote(f.mt,
			    strlen(f.mt), 60));
		}
		out = v_array_append(out, item);
	}
	return V_OBJECT(v_lit("role"), v_lit("user"),
	    v_lit("content"), out);
}

/* responses: a tool call's input as arguments */
static val
responses_arguments(val input)
{
	if (isstr(input)) {
		const char *why;
		size_t col;
		val v = v_parse(v_string_value(input),
		    v_string_length_bytes(v_copy(input)), &why, &col);
		int ok = v_is_valid(v);
		v_free(v);
		return ok ? v_copy(input) : dump(input);
	}
	if (!v_is_valid(input))
		return v_lit("{}");
	return dump(input);
}

static val
responses_input(struct ctx *c, val msgs)
{
	val out = v_array();

	for (int i = 0; i < len(msgs); i++) {
		val m = idx(c, msgs, i), role = get(c, m, "role");
		int mi = (int)v_number_value(get(c, m, "index"));
		if (streq(role, "system")) {
			if (!c->sysrole) {
				warn_once(c, "system messages are removed for "
				    "this model (systemMessageMode remove)");
				continue;
			}
			out = v_array_append(out, V_OBJECT(v_lit("role"),
			    v_lit(c->sysrole), v_lit("content"),
			    v_copy(get(c, m, "content"))));
		} else if (streq(role, "user")) {
			val u = responses_user(c, m);
			if (c->failed)
				return v_free(u), v_free(out), v_invalid();
			out = v_array_append(out, u);
		} else if (streq(role, "assistant")) {
			val ps = get(c, m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = idx(c, ps, k), t = get(c, p, "type");
				val ppo = get(c, get(c, p, "providerOptions"), "openai");
				if (v_has(ppo, "itemId") ||
				    v_has(ppo, "reasoningEncryptedContent")) {
					v_free(out);
					return fail(c, "messages[%d].content[%d]."
					    "providerOptions.openai: references to "
					    "stored items (itemId) are not supported",
					    mi, k);
				}
				if (streq(t, "text")) {
					out = v_array_append(out, V_OBJECT(
					    v_lit("role"), v_lit("assistant"),
					    v_lit("content"),
					    v_copy(get(c, p, "text"))));
				} else if (streq(t, "tool-call")) {
					val name = get(c, p, "toolName");
					if (!isstr(name)) {
						v_free(out);
						return fail(c, "messages[%d].content[%d]"
						    ".toolName: not a string", mi, k);
					}
					out = v_array_append(out, V_OBJECT(
					    v_lit("type"), v_lit("function_call"),
					    v_lit("call_id"),
					    v_copy(get(c, p, "toolCallId")),
					    v_lit("name"), v_copy(name),
					    v_lit("arguments"),
					    responses_arguments(get(c, p, "input"))));
				} else if (streq(t, "file")) {
					warn_once(c, "messages: assistant file parts are "
					    "not sent to the responses endpoint; skipped");
				} else {
					warn_once(c, "messages: reasoning parts from "
					    "elsewhere cannot be sent to OpenAI; "
					    "skipped");
				}
			}
		} else {
			val ps = get(c, m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = idx(c, ps, k), o = get(c, p, "output");
				val value = get(c, o, "value"), s;
				char where[64];
				snprintf(where, sizeof where, "messages[%d].content[%d]",
				    mi, k);
				if (streq(get(c, o, "type"), "content") && isarr(value)) {
					s = v_array();
					for (int q = 0; q < len(value); q++) {
						val item = idx(c, value, q);
						if (!streq(get(c, item, "type"), "text") ||
						    !isstr(get(c, item, "text"))) {
							v_free(s);
							v_free(out);
							return fail(c, "%s.output.value[%d]: only "
							    "text content is supported", where, q);
						}
						s = v_array_append(s, V_OBJECT(
						    v_lit("type"), v_lit("input_text"),
						    v_lit("text"),
						    v_copy(get(c, item, "text"))));
					}
				} else {
					s = tool_output_text(c, o, where);
				}
				if (c->failed)
					return v_free(out), v_invalid();
				out = v_array_append(out, V_OBJECT(
				    v_lit("type"), v_lit("function_call_output"),
				    v_lit("call_id"), v_copy(get(c, p, "toolCallId")),
				    v_lit("output"), s));
			}
		}
	}
	return out;
}

static val
map_responses(struct ctx *c, val req, val msgs, val po)
{
	static const char *const unsupported[] = { "topK", "seed",
		"presencePenalty", "frequencyPenalty", "stopSequences", NULL };
	val body;
	val temp = number_field(c, req, "temperature");
	val topp = number_field(c, req, "topP");
	val maxt = get(c, req, "maxOutputTokens");
	val eff = effort(c, req, po, 0);
	val summary = get(c, po, "reasoningSummary");
	val rmode = get(c, po, "reasoningMode"), rctx = get(c, po, "reasoningContext");
	val tf = get(c, po, "textFormat");
	val lp = get(c, po, "logprobs"), toplp = v_invalid();
	val include = get(c, po, "include"), tier = get(c, po, "serviceTier");
	val store = get(c, po, "store"), verbosity = get(c, po, "textVerbosity");
	val pco = get(c, po, "promptCacheOptions"), cm = get(c, po, "contextManagement");
	val reasoning = v_invalid(), text = v_invalid();
	val tools, choice, input;
	const char *why = "not supported for reasoning models";

	for (const char *const *u = unsupported; *u; u++)
		if (present(get(c, req, *u)) &&
		    (kind(get(c, req, *u)) != BW_NULL ||
		    !strcmp(*u, "stopSequences")))
			warn_once(c, "%s: not supported by the responses "
			    "endpoint; dropped", *u);
	if (present(include) && isarr(include)) {
		for (int i = 0; i < len(include); i++)
			if (!oneof(idx(c, include, i), includes))
				return fail(c, "providerOptions.openai.include[%d]: "
				    "not one of %s, %s, %s, %s", i, includes[0],
				    includes[1], includes[2], includes[3]);
	}
	if (isnum(lp)) {
		double d = v_number_value(lp);
		if (d < 1 || d > 20)
			return fail(c, "providerOptions.openai.logprobs: a number "
			    "from 1 to 20, or a boolean");
		toplp = lp;
	} else if (kind(lp) == BW_TRUE) {
		toplp = keep(c, v_number(20));
	}
	if (present(toplp) || (kind(store) == BW_FALSE && c->reasoning)) {
		val inc = isarr(include) ? v_copy(include) : v_array();
		val add[2] = { present(toplp) ?
		    v_lit("message.output_text.logprobs") : v_invalid(),
		    kind(store) == BW_FALSE && c->reasoning ?
		    v_lit("reasoning.encrypted_content") : v_invalid() };
		for (int a = 0; a < 2; a++) {
			if (!present(add[a]))
				continue;
			int have = 0;
			for (int i = 0; i < len(inc); i++) {
				val e = v_array_get(v_copy(inc), i);
				have |= v_equal(e, v_copy(add[a]));
			}
			inc = have ? (v_free(add[a]), inc) :
			    v_array_append(inc, add[a]);
		}
		include = keep(c, inc);
	}
	if (present(pco)) {
		static const char *const modes[] = { "implicit", "explicit", NULL };
		static const char *const ttls[] = { "30m", "12h", NULL };
		val mode = get(c, pco, "mode"), ttl = get(c, pco, "ttl");
		val pw = get(c, pco, "prewarm"), cr = get(c, pco, "comparisonResponseId");
		if ((present(mode) && !oneof(mode, modes)) ||
		    (present(ttl) && !oneof(ttl, ttls)) ||
		    (present(pw) && !isbool(pw)) || (present(cr) && !isstr(cr)))
			return fail(c, "providerOptions.openai.promptCacheOptions: "
			    "mode implicit or explicit, ttl 30m or 12h, prewarm "
			    "a boolean, comparisonResponseId a string");
		val o = v_object();
		put(&o, "mode", mode);
		put(&o, "ttl", ttl);
		put(&o, "prewarm", pw);
		put(&o, "comparison_response_id", cr);
		pco = keep(c, o);
	}
	if (isarr(cm)) {
		val o = v_array();
		for (int i = 0; i < len(cm); i++) {
			val e = idx(c, cm, i), th = get(c, e, "compactThreshold");
			if (!streq(get(c, e, "type"), "compaction") || !isnum(th)) {
				v_free(o);
				return fail(c, "providerOptions.openai.contextManagement[%d]: "
				    "not {\"type\":\"compaction\",\"compactThreshold\":N}", i);
			}
			o = v_array_append(o, V_OBJECT(v_lit("type"),
			    v_lit("compaction"), v_lit("compact_threshold"),
			    v_copy(th)));
		}
		cm = keep(c, o);
	}
	if (present(tf)) {
		val type = get(c, tf, "type"), name = get(c, tf, "name");
		val schema = get(c, tf, "schema"), desc = get(c, tf, "description");
		val strict = get(c, tf, "strict");
		val f = v_object();
		int pn = 0, la = 0;
		const char *n = str(name);
		int nameok = isstr(name) && *n && u16len(n) <= 64 &&
		    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_-") == strlen(n);
		if (streq(type, "text")) {
			set(&f, "type", v_lit("text"));
		} else if (streq(type, "json_schema") && nameok && isobj(schema) &&
		    (!present(desc) || isstr(desc)) &&
		    (!present(strict) || isbool(strict))) {
			set(&f, "type", v_lit("json_schema"));
			put(&f, "name", name);
			set(&f, "schema", normalize_schema(c, schema, 1, &pn, &la));
			put(&f, "description", desc);
			put(&f, "strict", strict);
		} else {
			v_free(f);
			return fail(c, "providerOptions.openai.textFormat: not "
			    "{\"type\":\"text\"} or {\"type\":\"json_schema\","
			    "\"name\":N,\"schema\":{...}} with a name of 1 to 64 "
			    "letters, digits, _ or -");
		}
		if (pn || la)
			warn_once(c, "providerOptions.openai.textFormat: schema "
			    "keywords OpenAI does not support (propertyNames, "
			    "regex lookaround) removed");
		text = keep(c, V_OBJECT(v_lit("format"), f));
	}
	if (present(verbosity) && kind(verbosity) != BW_NULL)
		text = keep(c, v_object_set(present(text) ? v_copy(text) :
		    v_object(), v_lit("verbosity"), v_copy(verbosity)));
	if (c->reasoning) {
		val r = v_object();
		int e = present(eff);
		put(&r, "effort", eff);
		if (present(summary)) {
			if (kind(summary) != BW_NULL)
				put(&r, "summary", summary);
		} else if (e && !streq(eff, "none")) {
			set(&r, "summary", v_lit("detailed"));
		}
		put(&r, "mode", rmode);
		put(&r, "context", rctx);
		if (v_object_length(v_copy(r)) > 0)
			reasoning = keep(c, r);
		else
			v_free(r);
		if (!(streq(eff, "none") && c->m->effort_none_sampling)) {
			drop(c, &temp, "temperature", why);
			drop(c, &topp, "topP", why);
		}
	} else {
		static const char *const ropts[] = { "reasoningEffort",
			"reasoningSummary", "reasoningMode", "reasoningContext",
			NULL };
		for (const char *const *q = ropts; *q; q++)
			if (present(get(c, po, *q)) &&
			    kind(get(c, po, *q)) != BW_NULL)
				warn_once(c, "providerOptions.openai.%s: not "
				    "supported for non-reasoning models; dropped", *q);
	}
	if (present(get(c, po, "reasoningEffortUpdate")) && !c->m->gpt6)
		warn_once(c, "providerOptions.openai.reasoningEffortUpdate: only "
		    "supported by GPT-6 and later models; dropped");
	if ((streq(tier, "flex") && !c->m->flex))
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "flex processing is only available for o3, o4-mini and "
		    "gpt-5 models");
	if ((streq(tier, "priority") || streq(tier, "fast")) && !c->m->priority)
		drop(c, &tier, "providerOptions.openai.serviceTier",
		    "priority processing is not available for this model");
	val retention = get(c, po, "promptCacheRetention");
	if (present(get(c, po, "conversation")) &&
	    present(get(c, po, "previousResponseId")) &&
	    kind(get(c, po, "conversation")) != BW_NULL &&
	    kind(get(c, po, "previousResponseId")) != BW_NULL)
		warn_once(c, "providerOptions.openai.conversation: cannot be "
		    "used with previousResponseId");
	input = keep(c, responses_input(c, msgs));
	if (c->failed)
		return v_invalid();
	if (kind(get(c, po, "compactionTrigger")) == BW_TRUE)
		input = keep(c, v_array_append(v_copy(input), V_OBJECT(
		    v_lit("type"), v_lit("compaction_trigger"))));
	map_tools(c, req, 1, &tools, &choice);
	if (c->failed)
		return v_free(tools), v_free(choice), v_invalid();

	body = V_OBJECT(v_lit("model"), v_lit(c->m->model));
	put(&body, "input", input);
	put(&body, "temperature", temp);
	put(&body, "top_p", topp);
	put(&body, "max_output_tokens", maxt);
	put(&body, "text", text);
	put(&body, "conversation", get(c, po, "conversation"));
	put(&body, "max_tool_calls", get(c, po, "maxToolCalls"));
	put(&body, "metadata", get(c, po, "metadata"));
	put(&body, "parallel_tool_calls", get(c, po, "parallelToolCalls"));
	put(&body, "previous_response_id", get(c, po, "previousResponseId"));
	put(&body, "store", store);
	put(&body, "user", get(c, po, "user"));
	put(&body, "instructions", get(c, po, "instructions"));
	put(&body, "service_tier", tier);
	put(&body, "include", include);
	put(&body, "prompt_cache_key", get(c, po, "promptCacheKey"));
	put(&body, "prompt_cache_options", pco);
	put(&body, "prompt_cache_retention", retention);
	put(&body, "safety_identifier", get(c, po, "safetyIdentifier"));
	put(&body, "top_logprobs", toplp);
	put(&body, "truncation", get(c, po, "truncation"));
	if (kind(cm) != BW_NULL)
		put(&body, "context_management", cm);
	put(&body, "reasoning", reasoning);
	if (present(tools)) {
		set(&body, "tools", tools);
		set(&body, "tool_choice", choice);
	}
	return body;
}

/* --- completions --- */

static val
map_completions(struct ctx *c, val req, val msgs, val po)
{
	val body = v_object(), stop, t0;
	struct sb text = { 0 };
	val lp = get(c, po, "logprobs"), lb = get(c, po, "logitBias");
	val ss = get(c, req, "stopSequences");
	int first = 0;

	if (present(get(c, req, "topK")))
		warn_once(c, "topK: not supported by OpenAI; dropped");
	if (present(get(c, req, "tools")) || present(get(c, req, "toolChoice")))
		warn_once(c, "tools: not supported by the completions endpoint; "
		    "dropped");
	if (present(lb))
		lb = logit_bias(c, lb, 0);
	if (len(msgs) > 0 && streq(get(c, idx(c, msgs, 0), "role"), "system")) {
		t0 = get(c, idx(c, msgs, 0), "content");
		sb_add(&text, v_string_value(t0), isstr(t0) ? t0.n : 0);
		sb_str(&text, "\n\n");
		first = 1;
	}
	for (int i = first; i < len(msgs); i++) {
		val m = idx(c, msgs, i), role = get(c, m, "role");
		val ps = get(c, m, "content");
		int mi = (int)v_number_value(get(c, m, "index"));
		if (!streq(role, "user") && !streq(role, "assistant")) {
			v_free(body);
			if (mi < 0)
				return fail(c, "system: only one system message "
				    "can be sent to the completions endpoint");
			return fail(c, "messages[%d]: %s messages cannot be sent "
			    "to the completions endpoint%s", mi, str(role),
			    streq(role, "system") ? " (but as the first one)" : "");
		}
		sb_str(&text, str(role));
		sb_str(&text, ":\n");
		for (int k = 0; k < len(ps); k++) {
			val p = idx(c, ps, k), t = get(c, p, "type");
			if (streq(t, "text")) {
				t0 = get(c, p, "text");
				sb_add(&text, v_string_value(t0), isstr(t0) ? t0.n : 0);
			}
			else if (!streq(t, "reasoning")) {
					v_free(body);
				return fail(c, "messages[%d].content[%d]: image and "
				    "file parts cannot be sent to the completions "
				    "endpoint", mi, k);
			}
		}
		sb_str(&text, "\n\n");
	}
	sb_str(&text, "assistant:\n");
	stop = v_array_append(v_array(), v_lit("\nuser:"));
	if (isarr(ss))
		stop = v_array_concat(stop, v_copy(ss));
	set(&body, "model", v_lit(c->m->model));
	put(&body, "echo", get(c, po, "echo"));
	put(&body, "logit_bias", lb);
	if (kind(lp) == BW_TRUE)
		set(&body, "logprobs", v_number(0));
	else if (isnum(lp))
		put(&body, "logprobs", lp);
	put(&body, "suffix", get(c, po, "suffix"));
	put(&body, "user", get(c, po, "user"));
	put(&body, "max_tokens", get(c, req, "maxOutputTokens"));
	put(&body, "temperature", number_field(c, req, "temperature"));
	put(&body, "top_p", number_field(c, req, "topP"));
	put(&body, "frequency_penalty", number_field(c, req, "frequencyPenalty"));
	put(&body, "presence_penalty", number_field(c, req, "presencePenalty"));
	put(&body, "seed", get(c, req, "seed"));
	set(&body, "prompt", sb_val(&text));
	set(&body, "stop", stop);
	return body;
}

/* --- one request --- */

static val
map_raw(struct ctx *c, val req, val *custom_id)
{
	val id = get(c, req, "custom_id"), body = get(c, req, "body");
	val method = get(c, req, "method"), url = get(c, req, "url");
	val model = get(c, body, "model");
	const char *want = bw_endpoint_url(c->m->endpoint);

	v_object_foreach(req, k, v) {
		const char *ks = v_string_value(k);
		if (strcmp(ks, "custom_id") && strcmp(ks, "body") &&
		    strcmp(ks, "method") && strcmp(ks, "url"))
			fail(c, "unknown field %s in a batch line (custom_id, "
			    "method, url, body)", bw_quote(ks, strlen(ks), 60));
		v_free(k);
		v_free(v);
	}
	if (c->failed)
		return v_invalid();
	if (!isstr(id))
		return fail(c, "custom_id: %s, not a string",
		    present(id) ? v_kind(id) : "missing");
	if (!isobj(body))
		return fail(c, "body: %s, not an object",
		    present(body) ? v_kind(body) : "missing");
	if (present(method) && !streq(method, "POST"))
		return fail(c, "method: not POST");
	if (present(url) && !streq(url, want))
		return fail(c, "url: %s, but the endpoint is %s (-e)",
		    bw_quote(str(url), strlen(str(url)), 60), want);
	if (present(model) && !streq(model, c->m->model))
		return fail(c, "body.model: %s, but the batch is for %s (-m): "
		    "one model per batch", bw_quote(str(model),
		    strlen(str(model)), 60), c->m->model);
	*custom_id = v_copy(id);
	if (present(model))
		return v_copy(body);
	val out = V_OBJECT(v_lit("model"), v_lit(c->m->model));
	v_object_foreach(body, k, v)
		out = v_object_set(out, k, v);
	return out;
}

val
bw_map_request(struct bw_mapper *m, const struct bw_v *input, val *custom_id,
    const char **why)
{
	struct ctx c = { .m = m };
	val body = v_invalid(), req = input ? *input : v_invalid();

	arena = &m->arena;
	*custom_id = v_invalid();
	if (!isobj(req)) {
		fail(&c, "%s, not a request object", v_kind(req));
		goto out;
	}
	if (v_has(req, "custom_id") || v_has(req, "body")) {
		if (v_is_valid(m->defaults))
			warn_once(&c, "-d: defaults do not apply to raw batch "
			    "lines (custom_id, body)");
		body = map_raw(&c, req, custom_id);
		goto out;
	}
	if (v_is_valid(m->defaults)) {
		val merged = v_copy(m->defaults);
		v_object_foreach(req, k, v)
			merged = v_object_set(merged, k, v);
		req = keep(&c, merged);
	}
	v_object_foreach(req, k, v) {
		const char *ks = v_string_value(k);
		const char *const *p = request_keys;
		while (*p && strcmp(*p, ks))
			p++;
		if (!*p)
			fail(&c, "unknown field %s", bw_quote(ks, strlen(ks), 60));
		v_free(k);
		v_free(v);
	}
	if (c.failed)
		goto out;
	val id = get(&c, req, "customId");
	if (present(id) && (!isstr(id) || !*str(id))) {
		fail(&c, "customId: %s, not a non-empty string",
		    isstr(id) ? "empty" : v_kind(id));
		goto out;
	}
	val maxt = get(&c, req, "maxOutputTokens"), seed = get(&c, req, "seed");
	if (present(maxt) && kind(maxt) != BW_NULL &&
	    (!isint(maxt) || v_number_value(maxt) < 1)) {
		fail(&c, "maxOutputTokens: must be an integer of at least 1");
		goto out;
	}
	if (present(seed) && kind(seed) != BW_NULL && !isint(seed)) {
		fail(&c, "seed: must be an integer");
		goto out;
	}
	number_field(&c, req, "temperature");
	number_field(&c, req, "topP");
	number_field(&c, req, "topK");
	number_field(&c, req, "presencePenalty");
	number_field(&c, req, "frequencyPenalty");
	static const char *const reasonings[] = { "provider-default", "none",
		"minimal", "low", "medium", "high", "xhigh", "max", NULL };
	val r = field(&c, req, "reasoning");
	if (present(r) && !oneof(r, reasonings)) {
		fail(&c, "reasoning: not one of provider-default, none, minimal, "
		    "low, medium, high, xhigh, max");
		goto out;
	}
	val ss = get(&c, req, "stopSequences");
	if (present(ss) && kind(ss) != BW_NULL) {
		int ok = isarr(ss);
		for (int i = 0; ok && i < len(ss); i++)
			ok = isstr(idx(&c, ss, i));
		if (!ok)
			fail(&c, "stopSequences: not an array of strings");
	}
	if (c.failed)
		goto out;
	val po = provider_options(&c, req);
	if (c.failed)
		goto out;
	val force = get(&c, po, "forceReasoning");
	val mode = get(&c, po, "systemMessageMode");
	c.reasoning = isbool(force) ? kind(force) == BW_TRUE : m->reasoning;
	c.sysrole = streq(mode, "remove") ? NULL : isstr(mode) ? str(mode) :
	    c.reasoning || m->reasoning ? "developer" : "system";
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
		*custom_id = v_copy(id);
out:
	if (c.failed) {
		static BW_TLS char whybuf[512];
		v_free(body);
		v_free(*custom_id);
		*custom_id = v_invalid();
		memcpy(whybuf, c.why, sizeof whybuf);
		*why = whybuf;
		return v_invalid();
	}
	return body;
}
