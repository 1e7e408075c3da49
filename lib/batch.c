/*
 * batch.c: what the stages that handle batches share: looking at a
 * Batch object (its status, counts and why it failed), fetching one,
 * checking the one the server sent, writing one.
 */
#include <stdio.h>
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

void
bw_batch_why_not(struct bw_v b, const char *id)
{
	const char *s = bw_batch_status(b);
	struct bw_v data = bw_get(bw_get(b, "errors"), "data");
	int said = 0;

	for (uint32_t i = 0; data.kind == BW_ARR && i < data.n && i < 5; i++) {
		struct bw_v m = bw_get(data.u.m[i].v, "message");
		struct bw_v c = bw_get(data.u.m[i].v, "code");
		if (m.kind == BW_STR) {
			bw_warn("%s %s: %s%s%s", id, s, c.kind == BW_STR ?
			    c.u.s : "", c.kind == BW_STR ? ": " : "", m.u.s);
			said = 1;
		}
	}
	if (!said)
		bw_warn("%s %s: %.0f of %.0f requests completed, %.0f failed",
		    id, s, bw_batch_count(b, "completed"),
		    bw_batch_count(b, "total"), bw_batch_count(b, "failed"));
}
