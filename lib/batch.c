/*
 * batch.c: what the stages that handle batches share: looking at a
 * Batch object (its status, counts and why it failed), fetching one,
 * checking the one the server sent, writing one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

void
bw_batch_check(struct bw_api *a, struct bw_v b, const char *want,
    const char *what)
{
	struct bw_v id = bw_get(b, "id");

	if (id.kind != BW_STR)
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent a batch with no "
		    "id", a->basepath, what);
	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent a batch with an "
		    "invalid id %s", a->basepath, what,
		    bw_quote(id.u.s, id.n, 80));
	if (want && !bw_is(id, want))
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent batch %s, not %s",
		    a->basepath, what, id.u.s, want);
	/* a status that is not a string would be polled for ever */
	if (bw_get(b, "status").kind != BW_STR)
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent batch %s with a "
		    "status that is not a string", a->basepath, what, id.u.s);
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "error_file_id" : "output_file_id";
		struct bw_v f = bw_get(b, k);
		if (f.kind && f.kind != BW_NULL && f.kind != BW_STR)
			bw_die(BW_EX_PROTOCOL, "%s%s: the server sent batch %s "
			    "with an %s that is not a string", a->basepath,
			    what, id.u.s, k);
	}
	/* completed, requests counted, and nowhere to find their results */
	if (!strcmp(bw_batch_status(b), "completed") &&
	    bw_get(b, "output_file_id").kind != BW_STR &&
	    bw_get(b, "error_file_id").kind != BW_STR &&
	    bw_batch_count(b, "total") > 0)
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent batch %s completed "
		    "with %.0f requests but neither an output_file_id nor an "
		    "error_file_id", a->basepath, what, id.u.s,
		    bw_batch_count(b, "total"));
}

static const char *status(struct bw_v b, int *known);

const char *
bw_batch_status(struct bw_v b)
{
	int k;

	return status(b, &k);
}

int
bw_batch_status_known(struct bw_v b)
{
	int k;

	status(b, &k);
	return k;
}

static const char *
status(struct bw_v b, int *found)
{
	static const char *const known[] = { "validating", "in_progress",
		"finalizing", "completed", "failed", "expired", "cancelling",
		"cancelled", NULL };
	struct bw_v s = bw_get(b, "status");

	for (int i = 0; s.kind == BW_STR && known[i]; i++) {
		size_t k;
		if (s.n != strlen(known[i]))
			continue;
		for (k = 0; k < s.n; k++) {
			unsigned char c = s.u.s[k];
			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != known[i][k])
				break;
		}
		if (k == s.n) {
			*found = 1;
			return known[i];
		}
	}
	*found = 0;
	return "in_progress";
}

int
bw_batch_terminal(struct bw_v b)
{
	const char *s = bw_batch_status(b);

	return !strcmp(s, "completed") || !strcmp(s, "failed") ||
	    !strcmp(s, "expired") || !strcmp(s, "cancelled");
}

void
bw_batch_write(struct bw_out *o, struct bw_v v)
{
	bw_out_v(o, v);
	bw_out_char(o, '\n');
	bw_out_flush(o);
}

struct bw_v
bw_batch_get(struct bw_api *a, struct bw_arena *ar, const char *id)
{
	char path[512];
	struct bw_v b;

	snprintf(path, sizeof path, "/batches/%s", id);
	b = bw_api_json(a, ar, "GET", path, bw_of(BW_NONE));
	bw_batch_check(a, b, id, path);
	return b;
}

double
bw_batch_count(struct bw_v b, const char *key)
{
	struct bw_v v = bw_get(bw_get(b, "request_counts"), key);

	return v.kind == BW_NUM ? v.u.num : 0;
}

static double
num_of(struct bw_v v)
{
	return v.kind == BW_NUM ? v.u.num : -1;
}

/* A batch's input file, when it is there and small enough to read for
   a message (16 MiB): a best effort, never an error.  Malloc'd (its
   length in *len), or NULL. */
static char *
input_file(struct bw_api *a, struct bw_v b, size_t *len)
{
	struct bw_v f = bw_get(b, "input_file_id");
	struct bw_call c = { .method = "GET" };
	struct bw_arena ar = { 0 };
	char path[400];
	const char *why;
	double bytes;

	if (!a || f.kind != BW_STR || !bw_id_valid(f.u.s, f.n))
		return NULL;
	snprintf(path, sizeof path, "/files/%s", f.u.s);
	c.path = path;
	if (bw_api_call(a, &c) != BW_CALL_OK) {
		free(c.body);
		return NULL;
	}
	bytes = num_of(bw_get(bw_read(&ar, c.body, c.len, 64, &why, NULL),
	    "bytes"));
	free(c.body);
	bw_arena_free(&ar);
	if (bytes < 0 || bytes > 16 << 20)
		return NULL;
	snprintf(path, sizeof path, "/files/%s/content", f.u.s);
	c = (struct bw_call){ .method = "GET", .path = path };
	if (bw_api_call(a, &c) != BW_CALL_OK || c.len > 16 << 20) {
		free(c.body);
		return NULL;
	}
	*len = c.len;
	return c.body;
}

/* The custom_id on line k (from 1) of an input file, quoted, or NULL. */
static char *
id_on_line(const char *p, size_t n, unsigned long k)
{
	const char *e = p + n, *nl, *why;
	struct bw_arena ar = { 0 };
	struct bw_v cid;
	char *id = NULL;

	for (; p < e && --k; p++)
		if (!(p = memchr(p, '\n', (size_t)(e - p))))
			return NULL;
	if (p >= e)
		return NULL;
	nl = memchr(p, '\n', (size_t)(e - p));
	cid = bw_get(bw_read(&ar, p, (size_t)((nl ? nl : e) - p), 64, &why,
	    NULL), "custom_id");
	if (cid.kind == BW_STR)
		id = strdup(bw_quote(cid.u.s, cid.n, 80));
	bw_arena_free(&ar);
	return id;
}

void
bw_batch_why_not(struct bw_api *a, struct bw_v b, const char *id)
{
	const char *s = bw_batch_status(b);
	struct bw_v data = bw_get(bw_get(b, "errors"), "data");
	int said = 0, fetched = 0;
	char *in = NULL;	/* the input file, read at most once */
	size_t inlen = 0;

	for (uint32_t i = 0; data.kind == BW_ARR && i < data.n && i < 5; i++) {
		struct bw_v m = bw_get(data.u.m[i].v, "message");
		struct bw_v c = bw_get(data.u.m[i].v, "code");
		double line = num_of(bw_get(data.u.m[i].v, "line"));
		char where[200] = "";
		if (m.kind != BW_STR)
			continue;
		/* the input line it is about, and the request on it */
		if (line >= 1 && line <= 1e9 && line == (double)(long)line) {
			char *cid;
			if (!fetched++ && a) {
				int r = a->retries;
				a->retries = 1;	/* for a message: not long */
				in = input_file(a, b, &inlen);
				a->retries = r;
			}
			cid = in ? id_on_line(in, inlen, (unsigned long)line) :
			    NULL;
			snprintf(where, sizeof where, "line %.0f%s%s%s: ", line,
			    cid ? " (customId " : "", cid ? cid : "",
			    cid ? ")" : "");
			free(cid);
		}
		bw_warn("%s %s: %s%s%s%s", id, s, where, c.kind == BW_STR ?
		    c.u.s : "", c.kind == BW_STR ? ": " : "", m.u.s);
		said = 1;
	}
	free(in);
	if (!said)
		bw_warn("%s %s: %.0f of %.0f requests completed, %.0f failed",
		    id, s, bw_batch_count(b, "completed"),
		    bw_batch_count(b, "total"), bw_batch_count(b, "failed"));
}

static size_t
chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

struct bw_v
bw_metadata_arg(struct bw_arena *ar, struct bw_v m, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		bw_die(BW_EX_USAGE, "-M: not key=value: %s",
		    bw_quote(arg, strlen(arg), 60));
	if (!bw_utf8_valid(arg, strlen(arg)))
		bw_die(BW_EX_USAGE, "-M: not UTF-8");
	if (chars(arg, eq - arg) > 64 || chars(eq + 1, strlen(eq + 1)) > 512)
		bw_die(BW_EX_USAGE, "-M: keys are at most 64 characters and "
		    "values at most 512");
	if (!m.kind)
		m = bw_of(BW_OBJ);
	m = bw_setn(ar, m, bw_str(ar, arg, eq - arg).u.s, eq - arg,
	    bw_lit(eq + 1));
	if (m.n > 16)
		bw_die(BW_EX_USAGE, "-M: at most 16 pairs");
	return m;
}
