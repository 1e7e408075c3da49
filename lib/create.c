/*
 * create.c: POST /batches for the file a record names, never two
 * batches for one file: a file that has a batch (not failed) gets that
 * batch back, and a create whose fate is unknown is looked for among
 * the recent batches before it is sent again.
 */
#include <stdio.h>
#include <string.h>

#include "bw.h"

struct lookup {
	struct bw_api *a;
	struct bw_arena *ar;
	const char *file;
	struct bw_v meta;	/* only batches of this metadata, or BW_NONE */
	struct bw_v seen;	/* ids of the file's batches before we sent */
	struct bw_v found;
};

/* The batches for file among the most recent ones (an array in ar). */
static struct bw_v
batches_for(struct bw_api *a, struct bw_arena *ar, const char *file,
    struct bw_v meta, int pages)
{
	struct bw_v out = bw_of(BW_ARR), after = bw_of(BW_NONE);

	for (int p = 0; p < pages; p++) {
		char path[512];
		if (after.kind)
			snprintf(path, sizeof path, "/batches?limit=100&after=%s",
			    after.u.s);
		else
			snprintf(path, sizeof path, "/batches?limit=100");
		struct bw_v list = bw_api_json(a, ar, "GET", path,
		    bw_of(BW_NONE));
		struct bw_v data = bw_get(list, "data");
		if (data.kind != BW_ARR)
			bw_die(BW_EX_PROTOCOL, "GET %s/batches: the reply is not "
			    "a list", a->basepath);
		after = bw_of(BW_NONE);
		BW_EACH(data, i, m) {
			struct bw_v id = bw_get(m->v, "id");
			if (bw_is(bw_get(m->v, "input_file_id"), file) &&
			    (!meta.kind || bw_equal(bw_get(m->v, "metadata"),
			    meta))) {
				bw_batch_check(a, m->v, NULL, "/batches");
				out = bw_push(ar, out, m->v);
			}
			if (id.kind == BW_STR && bw_id_valid(id.u.s, id.n))
				after = id;
		}
		if (bw_get(list, "has_more").kind != BW_TRUE || !after.kind)
			break;
	}
	return out;
}

static int
after_unknown(struct bw_call *c)
{
	struct lookup *l = c->arg;
	struct bw_v found = batches_for(l->a, l->ar, l->file, l->meta, 1);
	struct bw_out o;

	BW_EACH(found, i, m) {
		struct bw_v id = bw_get(m->v, "id");
		int old = 0;
		BW_EACH(l->seen, k, s)
			old |= bw_equal(s->v, id);
		if (!old && !l->found.kind)
			l->found = m->v;
	}
	if (!l->found.kind)
		return -1;
	bw_warn("POST %s/batches: the request's fate was unknown, but batch %s "
	    "was created for %s: not sending it again", l->a->basepath,
	    bw_get(l->found, "id").u.s, l->file);
	bw_out_open(&o, -1, "json", 0);	/* the reply we would have had */
	bw_out_v(&o, l->found);
	c->body = o.buf;
	c->len = o.n;
	return 0;
}

int
bw_create(struct bw_api *a, struct bw_records *r, struct bw_v rec,
    const struct bw_create_opts *o, struct bw_out *out)
{
	struct bw_arena ar = { 0 };
	struct bw_v file, endpoint = bw_of(BW_NONE), body, batch, existing;
	struct lookup l = { a, &ar, NULL, o->same_metadata ? o->metadata :
		bw_of(BW_NONE), bw_of(BW_ARR), bw_of(BW_NONE) };

	if (rec.kind == BW_STR) {
		file = rec;
		if (!bw_id_valid(file.u.s, file.n))
			bw_die(BW_EX_DATAERR, "%s: not a valid file id: %s",
			    bw_records_where(r), bw_quote(file.u.s, file.n, 80));
	} else {
		/* the user's record: one of the wrong kind is bad data,
		   said before anything is sent */
		struct bw_v obj = bw_get(rec, "object");
		if (bw_is(obj, "batch"))
			bw_die(BW_EX_DATAERR, "%s: a Batch object (%s), not a "
			    "File object: its batch exists already",
			    bw_records_where(r), bw_get(rec, "id").kind == BW_STR ?
			    bw_quote(bw_get(rec, "id").u.s, bw_get(rec, "id").n,
			    80) : "no id");
		if (bw_get(rec, "custom_id").kind)
			bw_die(BW_EX_DATAERR, "%s: a line of batch input (it has "
			    "a custom_id), not a File object: upload the file "
			    "first (bw-upload)", bw_records_where(r));
		if (obj.kind == BW_STR && !bw_is(obj, "file"))
			bw_die(BW_EX_DATAERR, "%s: a record of object %s, not a "
			    "File object", bw_records_where(r),
			    bw_quote(obj.u.s, obj.n, 40));
		if (obj.kind && obj.kind != BW_STR)
			bw_die(BW_EX_DATAERR, "%s: a record whose \"object\" is "
			    "not a string", bw_records_where(r));
		if (bw_is_event(rec))
			bw_die(BW_EX_DATAERR, "%s: a webhook event (by its "
			    "shape), not a File object", bw_records_where(r));
		file = bw_get(rec, "id");
		endpoint = bw_get(rec, "endpoint");
		if (file.kind != BW_STR || !bw_id_valid(file.u.s, file.n))
			bw_die(BW_EX_DATAERR, "%s: a record without a valid file id",
			    bw_records_where(r));
		if (endpoint.kind && endpoint.kind != BW_STR)
			bw_die(BW_EX_DATAERR, "%s: endpoint: not a string",
			    bw_records_where(r));
	}
	l.file = file.u.s;

	existing = batches_for(a, &ar, l.file, l.meta, o->lookback);
	BW_EACH(existing, i, m) {
		l.seen = bw_push(&ar, l.seen, bw_get(m->v, "id"));
		if (!o->force && !l.found.kind && (o->same_metadata ||
		    strcmp(bw_batch_status(m->v), "failed")))
			l.found = m->v;
	}
	if (l.found.kind && o->same_metadata) {
		bw_batch_write(out, l.found);	/* the one made before */
		bw_arena_free(&ar);
		return 1;
	}
	if (o->find_only) {
		bw_arena_free(&ar);
		return 0;
	}
	if (l.found.kind) {
		bw_warn("%s: batch %s (%s) exists for it already: not creating "
		    "another (--force to)", l.file, bw_get(l.found, "id").u.s,
		    bw_batch_status(l.found));
		bw_batch_write(out, l.found);
		bw_arena_free(&ar);
		return 1;
	}

	if (endpoint.kind) {
		if (o->endpoint >= 0 &&
		    !bw_is(endpoint, bw_endpoint_url(o->endpoint)))
			bw_die(BW_EX_DATAERR, "%s: the file's requests are for %s, "
			    "not %s (-e)", bw_records_where(r),
			    bw_quote(endpoint.u.s, endpoint.n, 60),
			    bw_endpoint_url(o->endpoint));
	} else if (o->endpoint >= 0) {
		endpoint = bw_lit(bw_endpoint_url(o->endpoint));
	} else {
		bw_die(BW_EX_USAGE, "%s: %s: no endpoint; give -e", bw_records_where(r),
		    l.file);
	}
	body = bw_set(&ar, bw_of(BW_OBJ), "input_file_id", file);
	body = bw_set(&ar, body, "endpoint", endpoint);
	body = bw_set(&ar, body, "completion_window", bw_lit("24h"));
	if (o->metadata.kind)
		body = bw_set(&ar, body, "metadata", o->metadata);
	if (o->output_expires_after > 0) {
		struct bw_v e = bw_set(&ar, bw_of(BW_OBJ), "anchor",
		    bw_lit("created_at"));
		e = bw_set(&ar, e, "seconds", bw_num(o->output_expires_after));
		body = bw_set(&ar, body, "output_expires_after", e);
	}

	struct bw_call c = { .method = "POST", .path = "/batches",
		.on_unknown = after_unknown, .arg = &l };
	batch = bw_api_object(a, &ar, &c, body);
	bw_batch_check(a, batch, NULL, "/batches");
	bw_batch_write(out, batch);
	bw_arena_free(&ar);
	return 1;
}
