/* records.c: ids and JSON objects between the network stages. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bw.h"

void
bw_records_open(struct bw_records *r, char **argv, int argc)
{
	memset(r, 0, sizeof *r);
	r->argv = argv;
	r->argc = argc;
	if (argc == 0) {
		bw_lines_open(&r->lines, NULL, 20 << 20);
		r->stdin_open = 1;
	}
}

static int
parse(struct bw_records *r, const char *s, size_t n, struct bw_v *rec)
{
	const char *why;
	size_t col;

	bw_arena_reset(&r->arena);
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 0 && *s == '{') {
		*rec = bw_read(&r->arena, s, n, INT_MAX, &why, &col);
		if (!rec->kind)
			bw_die(BW_EX_DATAERR, "%s: invalid JSON at column %zu: %s",
			    bw_records_where(r), col, why);
		return 1;
	}
	if (n == 0 || memchr(s, ' ', n) || memchr(s, '\t', n))
		bw_die(BW_EX_DATAERR, "%s: not an id or a JSON object",
		    bw_records_where(r));
	*rec = bw_str(&r->arena, s, n);
	return 1;
}

int
bw_records_next(struct bw_records *r, struct bw_v *rec)
{
	const char *s;
	size_t n;

	if (!r->stdin_open) {
		if (r->i >= r->argc) {
			bw_arena_free(&r->arena);
			return 0;
		}
		r->n++;
		r->i++;
		return parse(r, r->argv[r->i - 1], strlen(r->argv[r->i - 1]), rec);
	}
	while (bw_lines_next(&r->lines, &s, &n)) {
		if (bw_blank(s, n))
			continue;
		r->n++;
		return parse(r, s, n, rec);
	}
	bw_lines_close(&r->lines);
	bw_arena_free(&r->arena);
	r->stdin_open = 0;
	r->argc = 0;
	return 0;
}

const char *
bw_records_where(struct bw_records *r)
{
	static char buf[96];

	if (r->stdin_open)
		snprintf(buf, sizeof buf, "line %lu", r->lines.lineno);
	else
		snprintf(buf, sizeof buf, "argument %d", r->i);
	return buf;
}

int
bw_is_event(struct bw_v rec)
{
	struct bw_v obj = bw_get(rec, "object");

	/* "object" is optional in OpenAI's schema, and its reference
	   example leaves it out: without it, an event is known by its
	   shape, a string "type" and a "data" object, which no Batch or
	   File object has */
	if (rec.kind != BW_OBJ)
		return 0;
	if (obj.kind)
		return bw_is(obj, "event");
	return bw_get(rec, "type").kind == BW_STR &&
	    bw_get(rec, "data").kind == BW_OBJ;
}

const char *
bw_batch_id(struct bw_records *r, struct bw_v rec)
{
	struct bw_v id;

	if (rec.kind == BW_STR) {
		if (!bw_id_valid(rec.u.s, rec.n))
			bw_die(BW_EX_DATAERR, "%s: not a valid batch id: %s",
			    bw_records_where(r), bw_quote(rec.u.s, rec.n, 80));
		return rec.u.s;
	}
	/* the record is the user's input: a wrong one is bad data (65),
	   said of the record, before anything is asked of the server */
	struct bw_v obj = bw_get(rec, "object");
	if (bw_is_event(rec)) {
		struct bw_v type = bw_get(rec, "type");
		/* response.completed and the like name no batch: its
		   data.id is a response's, never to be asked of /batches */
		if (type.kind == BW_STR && (type.n < 6 ||
		    memcmp(type.u.s, "batch.", 6)))
			bw_die(BW_EX_DATAERR, "%s: a webhook event of type %s, "
			    "not a batch.* one: it names no batch",
			    bw_records_where(r), bw_quote(type.u.s, type.n, 60));
		if (type.kind && type.kind != BW_STR)
			bw_die(BW_EX_DATAERR, "%s: a webhook event whose "
			    "\"type\" is not a string", bw_records_where(r));
		id = bw_get(bw_get(rec, "data"), "id");
		if (id.kind != BW_STR)
			bw_die(BW_EX_DATAERR, "%s: a webhook event without a "
			    "batch id (\"data.id\")", bw_records_where(r));
	} else if (obj.kind == BW_STR && !bw_is(obj, "batch"))
		bw_die(BW_EX_DATAERR, "%s: a record of object %s, not a batch "
		    "(a batch id, a Batch object or a webhook event)",
		    bw_records_where(r), bw_quote(obj.u.s, obj.n, 40));
	else if (obj.kind && obj.kind != BW_STR)
		bw_die(BW_EX_DATAERR, "%s: a record whose \"object\" is not a "
		    "string", bw_records_where(r));
	else if (bw_get(rec, "custom_id").kind)
		bw_die(BW_EX_DATAERR, "%s: a line of batch input (it has a "
		    "custom_id), not a batch", bw_records_where(r));
	else
		id = bw_get(rec, "id");
	if (id.kind != BW_STR)
		bw_die(BW_EX_DATAERR, "%s: a record without a batch id (an "
		    "\"id\", or an event's \"data.id\")", bw_records_where(r));
	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_DATAERR, "%s: an invalid batch id: %s",
		    bw_records_where(r), bw_quote(id.u.s, id.n, 80));
	return id.u.s;
}

const char *
bw_file_id(struct bw_records *r, struct bw_v rec)
{
	struct bw_v id = rec;

	if (rec.kind == BW_STR) {
		if (rec.n < 5 || memcmp(rec.u.s, "file-", 5))
			return NULL;
	} else if (bw_is(bw_get(rec, "object"), "file"))
		id = bw_get(rec, "id");
	else
		return NULL;
	if (id.kind != BW_STR)
		bw_die(BW_EX_DATAERR, "%s: a File object without an id",
		    bw_records_where(r));
	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_DATAERR, "%s: not a valid file id: %s",
		    bw_records_where(r), bw_quote(id.u.s, id.n, 80));
	return id.u.s;
}
