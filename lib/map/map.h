/*
 * map.h: the request mapper's own header, for the files of lib/map.
 *
 * The mapper turns one request in the shape of the AI SDK's
 * generateText into the body the SDK (ai 7, @ai-sdk/openai 4) would
 * send, and its files follow the SDK's own modules, so that a change
 * in the SDK maps onto one file:
 *
 *   catalog.c      the model catalogue and the endpoints
 *   request.c      one request: its fields checked, then one endpoint
 *   prompt.c       prompt standardization (ai/prompt)
 *   media.c        file and image parts: URLs, data: URLs, base64
 *   tools.c        tool preparation and JSON schemas
 *   options.c      provider options, reasoning effort, sampling
 *   chat.c         the chat completions endpoint
 *   responses.c    the responses endpoint
 *   completions.c  the completions endpoint
 *   embeddings.c   the embeddings endpoint (embed, not generateText)
 *   images.c       the images endpoint (generateImage) and image edits
 *   moderations.c  the moderations endpoint
 *
 * Values are libbw's (struct bw_v) in the mapper's arena, c->a, which
 * is reset after each request; an error sets c->why once (fail) and
 * makes the functions return BW_NONE, so that it can be returned from
 * anywhere.
 */
#ifndef MAP_H
#define MAP_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

typedef struct bw_v val;	/* shorthand, nothing more */

struct ctx {
	struct bw_mapper *m;
	struct bw_arena *a;	/* the request's values */
	char *why;		/* the first error, in the arena */
	int failed;
	int reasoning;		/* after forceReasoning */
	const char *sysrole;	/* "system", "developer" or NULL (remove) */
	const char *schema_at;	/* the field a schema is in, for messages
				   (NULL: tools) */
};

/* Sets the error (the first one only) and returns BW_NONE. */
val fail(struct ctx *c, const char *fmt, ...) BW_PRINTF(2, 3);
/* Prints "warning: ..." once per run (or through m->warn). */
void warn_once(struct ctx *c, const char *fmt, ...) BW_PRINTF(2, 3);

static inline int kind(val v) { return v.kind; }
static inline int present(val v) { return v.kind != BW_NONE; }
static inline int isstr(val v) { return v.kind == BW_STR; }
static inline int isnum(val v) { return v.kind == BW_NUM; }
static inline int isobj(val v) { return v.kind == BW_OBJ; }
static inline int isarr(val v) { return v.kind == BW_ARR; }
static inline int isbool(val v)
{
	return v.kind == BW_TRUE || v.kind == BW_FALSE;
}
/* Items of an array, 0 for anything else. */
static inline int len(val v) { return v.kind == BW_ARR ? (int)v.n : 0; }
/* There is no way here to see a value as a C string: compare strings
   with bw_is, bw_eq and starts (which heed the length, so a NUL inside
   never passes), and quote them for messages with quoted. */
static inline int
starts(val v, const char *p)
{
	size_t n = strlen(p);

	return v.kind == BW_STR && v.n >= n && !memcmp(v.u.s, p, n);
}
/* starts, with ASCII letters of either case alike */
static inline int
starts_ci(val v, const char *p)
{
	size_t n = strlen(p);

	if (v.kind != BW_STR || v.n < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((v.u.s[i] | (p[i] >= 'a' && p[i] <= 'z' ? 0x20 : 0)) != p[i])
			return 0;
	return 1;
}
/* v (a string, else "") quoted for a message, cut at max bytes. */
static inline const char *
quoted(val v, size_t max)
{
	return v.kind == BW_STR ? bw_quote(v.u.s, v.n, max) : "\"\"";
}
/* A name for a message: as it is when it is plain ([A-Za-z0-9._-]),
   else quoted. */
static inline const char *
label(val v)
{
	if (v.kind != BW_STR || !v.n)
		return quoted(v, 60);
	for (uint32_t i = 0; i < v.n; i++)
		if (!v.u.s[i] || !strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", v.u.s[i]))
			return quoted(v, 60);
	return v.u.s;
}
/* Appends v's bytes when v is a string. */
static inline void
add(struct bw_sb *b, val v)
{
	if (v.kind == BW_STR)
		bw_sb_add(b, v.u.s, v.n);
}
/* A request field, null read as absent. */
static inline val
field(val req, const char *key)
{
	val v = bw_get(req, key);

	return v.kind == BW_NULL ? bw_of(BW_NONE) : v;
}
/* 1 if v is one of the strings of list (NULL-terminated). */
int oneof(val v, const char *const *list);
/* 1 if v is a number with no fraction. */
int isint(val v);
/* *obj with key set to v; put does it only when v is present. */
void set(struct ctx *c, val *obj, const char *key, val v);
void put(struct ctx *c, val *obj, const char *key, val v);
/* a's items then b's. */
val concat(struct ctx *c, val a, val b);
/* An object of the pairs, in order: OBJ(c, { "role", r }, { "content", x }) */
struct kv {
	const char *k;
	val v;
};
val obj_of(struct ctx *c, const struct kv *kv, size_t n);
#define OBJ(c, ...) obj_of((c), (const struct kv[]){ __VA_ARGS__ }, \
	sizeof((const struct kv[]){ __VA_ARGS__ }) / sizeof(struct kv))
/* The same, but only the pairs whose value is present: a body's
   members in the SDK's order. */
val obj_present(struct ctx *c, const struct kv *kv, size_t n);
#define PRESENT(c, ...) obj_present((c), (const struct kv[]){ __VA_ARGS__ }, \
	sizeof((const struct kv[]){ __VA_ARGS__ }) / sizeof(struct kv))
#define ARR(c, x) bw_push((c)->a, bw_of(BW_ARR), (x))
/* each member of an object (k, a string value, and x) or item of an
   array (i and x); nothing for a value of another kind */
#define MEMBERS(o, k, x) \
	for (uint32_t k##_i = 0, k##_j = 1; k##_j; k##_j = 0) \
		for (val k, x; (o).kind == BW_OBJ && k##_i < (o).n && \
		    (k = map_key(&(o).u.m[k##_i]), x = (o).u.m[k##_i].v, \
		    (void)k, (void)x, 1); \
		    k##_i++)
#define ITEMS(a, i, x) \
	for (int i = 0, i##_j = 1; i##_j; i##_j = 0) \
		for (val x; (a).kind == BW_ARR && (uint32_t)i < (a).n && \
		    (x = (a).u.m[i].v, (void)x, 1); i++)
static inline val
map_key(const struct bw_m *m)
{
	val k = bw_of(BW_STR);

	k.n = m->kn;
	k.u.s = m->k;
	return k;
}

/* request.c: dies (2) when the defaults (-d) hold a field that no
   request may have, or one of the wrong kind */
void check_defaults(struct bw_mapper *m);

/* media.c */
struct file {
	val url;		/* a URL other than data:, or BW_NONE */
	val data;		/* base64, or BW_NONE */
	val fileid;		/* an OpenAI file id, or BW_NONE */
	val mt;			/* the media type, "image" when only that is known */
	val detail;
};
/* 1 if f is an image ("image" or "image/..."). */
static inline int
is_image(const struct file *f)
{
	return bw_is(f->mt, "image") || starts(f->mt, "image/");
}

const char *sniff(val b64);
int file_part(struct ctx *c, val p, const char *where, struct file *f);
val data_url(struct ctx *c, struct file *f);

/* prompt.c */
val standardize(struct ctx *c, val req);

/* tools.c */
val normalize_schema(struct ctx *c, val s, int root, int *pn, int *la);
void map_tools(struct ctx *c, val req, int flat, val *tools, val *choice);

/* options.c */
val effort(struct ctx *c, val req, val po, int nomax);
val number_field(struct ctx *c, val req, const char *key);
val provider_options(struct ctx *c, val req);
val logit_bias(struct ctx *c, val lb, int coerce);
val service_tier(struct ctx *c, val po);
val prompt_cache_options(struct ctx *c, val po);
val spread_options(struct ctx *c, val req, const char *const *own);
size_t u16len(val s);
extern const char *const includes[];

/* chat.c */
val tool_output_text(struct ctx *c, val out, const char *where);
void drop(struct ctx *c, val *v, const char *field, const char *why);
val map_chat(struct ctx *c, val req, val msgs, val po);

/* responses.c */
val map_responses(struct ctx *c, val req, val msgs, val po);

/* completions.c */
val map_completions(struct ctx *c, val req, val msgs, val po);

/* output.c: the response format for the request's output (json_schema
   or json_object), BW_NONE without one; flat: text.format's shape
   (responses) rather than response_format's (chat) */
val map_output(struct ctx *c, val req, val po, int flat);

/* catalog.c */
void image_model(const char *id, int *per_call, int *b64);

/* embeddings.c, images.c, moderations.c: the whole request (its
   fields checked there) */
val map_embeddings(struct ctx *c, val req);
val map_images(struct ctx *c, val req);
val map_image_edits(struct ctx *c, val req);
void check_image_defaults(struct ctx *c, val d);
val map_moderations(struct ctx *c, val req);

#endif
