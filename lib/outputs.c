/*
 * outputs.c: what structured output each request of a batch input
 * file asked for, read back from the bodies bw-jsonl wrote (the
 * response format generateText sends for its output: lib/map/output.c),
 * so that bw-parse and bw-run can give each result its output.
 *
 * The custom_ids go to a bw_strset (8 bytes of memory each, the bytes
 * on disk), each with the number of its request's format; the formats
 * are few (one a batch, as a rule), kept once each.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

enum {
	SAME = 64,		/* formats a new one is compared with */
	MAXLINE = 200 << 20,	/* no file the API takes has a longer line */
};

struct bw_outputs {
	struct bw_strset *ids;
	struct bw_arena a;	/* the formats' schemas */
	struct bw_output *f;	/* f[0] is none */
	struct { const char *s; size_t n; } *js;	/* f[k]'s schema as sent */
	size_t n, cap;
	unsigned long count;
};

static const char draft7[] = "http://json-schema.org/draft-07/schema#";

/* The number of the keys named (a NULL-ended list) that o has. */
static uint32_t
has(struct bw_v o, const char *const *keys)
{
	uint32_t n = 0;

	for (; *keys; keys++)
		n += bw_get(o, *keys).kind != BW_NONE;
	return n;
}

/* 1 if s is Output.array's or Output.choice's wrapper around the one
   property key, whose type is type: {$schema: draft-07, (definitions,
   $defs,)? type: object, properties: {key: {type, ...}}, required:
   [key], additionalProperties: false}, with no other keyword, and key
   as output.c writes it: {type: array, items, minItems?, maxItems?} or
   {type: string, enum}.  An object's schema of just that shape (which
   the SDK sends the same bytes for) is read as the wrapper. */
static int
wrapper(struct bw_v s, const char *key, const char *type)
{
	static const char *const top[] = { "$schema", "definitions", "$defs",
		"type", "properties", "required", "additionalProperties",
		NULL };
	static const char *const arr[] = { "type", "items", "minItems",
		"maxItems", NULL };
	static const char *const str[] = { "type", "enum", NULL };
	struct bw_v props = bw_get(s, "properties");
	struct bw_v req = bw_get(s, "required");
	struct bw_v p = bw_get(props, key);
	int array = !strcmp(type, "array");

	return bw_is(bw_get(s, "$schema"), draft7) &&
	    bw_is(bw_get(s, "type"), "object") &&
	    props.kind == BW_OBJ && props.n == 1 &&
	    bw_is(bw_get(p, "type"), type) &&
	    req.kind == BW_ARR && req.n == 1 && bw_is(bw_idx(req, 0), key) &&
	    bw_get(s, "additionalProperties").kind == BW_FALSE &&
	    has(s, top) == s.n &&
	    (array ? bw_get(p, "items").kind == BW_OBJ && has(p, arr) == p.n :
	    bw_get(p, "enum").kind == BW_ARR && has(p, str) == p.n);
}

struct bw_output
bw_output_of(struct bw_v body)
{
	struct bw_v f = bw_get(body, "response_format"), s;
	struct bw_output o = { 0 };

	if (f.kind == BW_NONE)			/* responses */
		f = bw_get(bw_get(body, "text"), "format");
	if (bw_is(bw_get(f, "type"), "json_object")) {
		o.kind = BW_OUTPUT_JSON;
	} else if (bw_is(bw_get(f, "type"), "json_schema")) {
		s = bw_get(bw_get(f, "json_schema"), "schema");
		if (s.kind == BW_NONE)
			s = bw_get(f, "schema");
		o.schema = s;
		o.kind = wrapper(s, "elements", "array") ? BW_OUTPUT_ARRAY :
		    wrapper(s, "result", "string") ? BW_OUTPUT_CHOICE :
		    BW_OUTPUT_OBJECT;
	}
	return o;
}

/* The number of the format of kind whose schema is the n bytes of JSON
   at js, added (the schema read into the set's arena) when it is new:
   the last one and the SAME before it are compared, byte for byte. */
static unsigned long
format(struct bw_outputs *set, int kind, const char *js, size_t n)
{
	const char *why;

	if (!kind)
		return 0;
	for (size_t k = set->n - 1; k >= 1 && k + SAME >= set->n; k--)
		if (set->f[k].kind == kind && set->js[k].n == n &&
		    !memcmp(set->js[k].s, js, n))
			return k;
	if (set->n == set->cap) {
		set->cap *= 2;
		if (!(set->f = realloc(set->f, set->cap * sizeof *set->f)) ||
		    !(set->js = realloc(set->js, set->cap * sizeof *set->js)))
			bw_die(BW_EX_IOERR, "out of memory");
	}
	set->js[set->n].s = memcpy(bw_alloc(&set->a, n + 1), js, n);
	set->js[set->n].n = n;
	set->f[set->n].kind = kind;
	set->f[set->n].schema = n ? bw_read(&set->a, js, n, INT_MAX, &why,
	    NULL) : bw_of(BW_NONE);
	return set->n++;
}

/* A line of the input: its custom_id to aux, the kind of output its
   body asks for to mark, the schema to out. */
static int
work(void *state, struct bw_job *j, const char **why)
{
	struct bw_v line, id;
	struct bw_output o;
	size_t col;

	(void)state;
	if (j->blank)
		return 1;
	if (!(line = bw_read(j->arena, j->s, j->n, INT_MAX, why, &col)).kind)
		return *why = bw_why("invalid JSON at column %zu: %s", col,
		    *why), -1;
	id = bw_get(line, "custom_id");
	if (id.kind != BW_STR)
		return *why = bw_why("custom_id: %s, not a string (not a batch "
		    "input line)", bw_kindname(id)), -1;
	o = bw_output_of(bw_get(line, "body"));
	bw_out_write(j->aux, id.u.s, id.n);
	j->mark = o.kind;
	if (o.schema.kind)
		bw_out_v(j->out, o.schema);
	return 0;
}

static void
take(void *arg, struct bw_job *j, const char *name)
{
	struct bw_outputs *set = arg;
	unsigned long k = format(set, j->mark, j->outp, j->outn);

	if (bw_strset_add(set->ids, j->auxp, j->auxn, k + 1))
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "custom_id %s: "
		    "given twice", bw_quote(j->auxp, j->auxn, 60));
	set->count++;
}

struct bw_outputs *
bw_outputs_read(const char *path)
{
	struct bw_outputs *set = calloc(1, sizeof *set);
	struct bw_par_ops ops = { NULL, work, take, NULL, NULL, set, 0 };
	struct bw_par *p;
	struct bw_lines l;

	if (!set || !(set->f = calloc(set->cap = 8, sizeof *set->f)) ||
	    !(set->js = calloc(set->cap, sizeof *set->js)))
		bw_die(BW_EX_IOERR, "out of memory");
	set->n = 1;
	set->ids = bw_strset_new();
	p = bw_par_new(&ops, bw_par_threads());
	bw_lines_open(&l, path, MAXLINE);
	bw_par_lines(p, &l);
	bw_lines_close(&l);
	bw_par_free(p);
	if (!set->count)
		bw_die(BW_EX_DATAERR, "%s: no batch input lines", path);
	return set;
}

int
bw_outputs_find(const struct bw_outputs *set, struct bw_v id,
    struct bw_output *o)
{
	unsigned long k = bw_strset_get(set->ids, id.u.s, id.n);

	if (!k)
		return -1;
	*o = set->f[k - 1];
	return 0;
}

void
bw_outputs_free(struct bw_outputs *set)
{
	if (!set)
		return;
	bw_strset_free(set->ids);
	bw_arena_free(&set->a);
	free(set->f);
	free(set->js);
	free(set);
}
