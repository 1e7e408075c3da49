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
	size_t n, cap;
	unsigned long count;
};

static const char draft7[] = "http://json-schema.org/draft-07/schema#";

/* 1 if s is Output.array's or Output.choice's wrapper around the one
   property key, whose type is type: {$schema: draft-07, (definitions,
   $defs,)? type: object, properties: {key: {type, ...}}, required:
   [key], additionalProperties: false}. */
static int
wrapper(struct bw_v s, const char *key, const char *type)
{
	struct bw_v props = bw_get(s, "properties");
	struct bw_v req = bw_get(s, "required");

	return bw_is(bw_get(s, "$schema"), draft7) &&
	    bw_is(bw_get(s, "type"), "object") &&
	    props.kind == BW_OBJ && props.n == 1 &&
	    bw_is(bw_get(bw_get(props, key), "type"), type) &&
	    req.kind == BW_ARR && req.n == 1 && bw_is(bw_idx(req, 0), key) &&
	    bw_get(s, "additionalProperties").kind == BW_FALSE;
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

/* The number of o among the formats, added (its schema copied into
   the set's arena) when it is new. */
static unsigned long
format(struct bw_outputs *set, struct bw_output o, size_t *last)
{
	struct bw_arena tmp = { 0 };
	struct bw_v d;
	const char *why;

	if (!o.kind)
		return 0;
	if (*last && set->f[*last].kind == o.kind &&
	    bw_equal(set->f[*last].schema, o.schema))
		return *last;
	for (size_t k = set->n - 1; k >= 1 && k + SAME >= set->n; k--)
		if (set->f[k].kind == o.kind &&
		    bw_equal(set->f[k].schema, o.schema))
			return *last = k;
	if (set->n == set->cap) {
		set->cap *= 2;
		if (!(set->f = realloc(set->f, set->cap * sizeof *set->f)))
			bw_die(BW_EX_IOERR, "out of memory");
	}
	if (o.schema.kind) {	/* a copy that outlives the line */
		d = bw_dump(&tmp, o.schema);
		o.schema = bw_read(&set->a, d.u.s, d.n, INT_MAX, &why, NULL);
		bw_arena_free(&tmp);
	}
	set->f[set->n] = o;
	return *last = set->n++;
}

struct bw_outputs *
bw_outputs_read(const char *path)
{
	struct bw_outputs *set = calloc(1, sizeof *set);
	struct bw_arena a = { 0 };
	struct bw_lines l;
	const char *s, *why;
	size_t n, col, last = 0;
	int r;

	if (!set || !(set->f = calloc(set->cap = 8, sizeof *set->f)))
		bw_die(BW_EX_IOERR, "out of memory");
	set->n = 1;
	set->ids = bw_strset_new();
	bw_lines_open(&l, path, MAXLINE);
	while ((r = bw_lines_next(&l, &s, &n)) > 0) {
		struct bw_v line, id;
		unsigned long k;
		bw_arena_reset(&a);
		if (!n)
			continue;
		if (!(line = bw_read(&a, s, n, INT_MAX, &why, &col)).kind)
			bw_die_line(path, l.lineno, BW_EX_DATAERR,
			    "invalid JSON at column %zu: %s", col, why);
		id = bw_get(line, "custom_id");
		if (id.kind != BW_STR)
			bw_die_line(path, l.lineno, BW_EX_DATAERR, "custom_id: "
			    "%s, not a string (not a batch input line)",
			    bw_kindname(id));
		k = format(set, bw_output_of(bw_get(line, "body")), &last);
		if (bw_strset_add(set->ids, id.u.s, id.n, k + 1))
			bw_die_line(path, l.lineno, BW_EX_DATAERR, "custom_id "
			    "%s: given twice", bw_quote(id.u.s, id.n, 60));
		set->count++;
	}
	bw_lines_close(&l);
	bw_arena_free(&a);
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
	free(set);
}
