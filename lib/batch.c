/* batch.c: create, cancel, poll and download batches. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bw.h"

/* A batch object from the server: its id must be the one asked for
   (when want is set) and valid. */
static void
check_batch(struct bw_api *a, struct bw_v b, const char *want,
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
}

/* The status, lower-cased; an unknown one counts as in_progress. */
static const char *
status(struct bw_v b)
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
		if (k == s.n)
			return known[i];
	}
	return "in_progress";
}

int
bw_batch_terminal(struct bw_v b)
{
	const char *s = status(b);

	return !strcmp(s, "completed") || !strcmp(s, "failed") ||
	    !strcmp(s, "expired") || !strcmp(s, "cancelled");
}

static void
print(struct bw_out *o, struct bw_v v)
{
	bw_out_v(o, v);
	bw_out_char(o, '\n');
	bw_out_flush(o);
}

/* --- create --- */

struct lookup {
	struct bw_api *a;
	struct bw_arena *ar;
	const char *file;
	struct bw_v seen;	/* ids of the file's batches before we sent */
	struct bw_v found;
};

/* The batches for file among the most recent ones (an array in ar). */
static struct bw_v
batches_for(struct bw_api *a, struct bw_arena *ar, const char *file,
    int pages)
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
			if (bw_is(bw_get(m->v, "input_file_id"), file)) {
				check_batch(a, m->v, NULL, "/batches");
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
	struct bw_v found = batches_for(l->a, l->ar, l->file, 1);
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

void
bw_create(struct bw_api *a, struct bw_records *r, struct bw_v rec,
    const struct bw_create_opts *o, struct bw_out *out)
{
	struct bw_arena ar = { 0 };
	struct bw_v file, endpoint = bw_of(BW_NONE), body, batch, existing;
	struct lookup l = { a, &ar, NULL, bw_of(BW_ARR), bw_of(BW_NONE) };

	if (rec.kind == BW_STR) {
		file = rec;
		if (!bw_id_valid(file.u.s, file.n))
			bw_die(BW_EX_DATAERR, "%s: not a valid file id: %s",
			    bw_records_where(r), bw_quote(file.u.s, file.n, 80));
	} else {
		file = bw_get(rec, "id");
		endpoint = bw_get(rec, "endpoint");
		if (file.kind != BW_STR || !bw_id_valid(file.u.s, file.n))
			bw_die(BW_EX_PROTOCOL, "%s: a record without a valid file id",
			    bw_records_where(r));
		if (endpoint.kind && endpoint.kind != BW_STR)
			bw_die(BW_EX_DATAERR, "%s: endpoint: not a string",
			    bw_records_where(r));
	}
	l.file = file.u.s;

	existing = batches_for(a, &ar, l.file, o->lookback);
	BW_EACH(existing, i, m) {
		l.seen = bw_push(&ar, l.seen, bw_get(m->v, "id"));
		if (!o->force && !l.found.kind && strcmp(status(m->v), "failed"))
			l.found = m->v;
	}
	if (l.found.kind) {
		bw_warn("%s: batch %s (%s) exists for it already: not creating "
		    "another (--force to)", l.file, bw_get(l.found, "id").u.s,
		    status(l.found));
		print(out, l.found);
		bw_arena_free(&ar);
		return;
	}

	if (endpoint.kind) {
		if (o->endpoint >= 0 &&
		    !bw_is(endpoint, bw_endpoint_url(o->endpoint)))
			bw_die(BW_EX_DATAERR, "%s: the file's requests are for %s, "
			    "not %s (-e)", bw_records_where(r), endpoint.u.s,
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

	struct bw_call c = { .method = "POST", .path = "/batches",
		.on_unknown = after_unknown, .arg = &l };
	batch = bw_api_object(a, &ar, &c, body);
	check_batch(a, batch, NULL, "/batches");
	print(out, batch);
	bw_arena_free(&ar);
}

/* --- cancel --- */

void
bw_cancel(struct bw_api *a, const char *id, struct bw_out *out)
{
	struct bw_call c = { .method = "POST", .conflict_final = 1 };
	struct bw_arena ar = { 0 };
	char path[512];
	struct bw_v b;

	snprintf(path, sizeof path, "/batches/%s/cancel", id);
	c.path = path;
	b = bw_api_object(a, &ar, &c, bw_of(BW_NONE));
	check_batch(a, b, id, path);
	print(out, b);
	bw_arena_free(&ar);
}

/* --- poll --- */

struct bw_v
bw_batch_get(struct bw_api *a, struct bw_arena *ar, const char *id)
{
	char path[512];
	struct bw_v b;

	snprintf(path, sizeof path, "/batches/%s", id);
	b = bw_api_json(a, ar, "GET", path, bw_of(BW_NONE));
	check_batch(a, b, id, path);
	return b;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
count(struct bw_v b, const char *key)
{
	struct bw_v v = bw_get(bw_get(b, "request_counts"), key);

	return v.kind == BW_NUM ? v.u.num : 0;
}

static void
elapsed(char *buf, size_t n, double secs)
{
	long s = (long)secs;

	if (s >= 3600)
		snprintf(buf, n, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lds", s);
}

/* Why a batch did not complete, for stderr. */
static void
why_not(struct bw_v b, const char *id)
{
	const char *s = status(b);
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
		bw_warn("%s %s: %.0f of %.0f requests completed, %.0f failed", id,
		    s, count(b, "completed"), count(b, "total"), count(b, "failed"));
}

/* A batch polled: the last look's status and counts, and its object
   while the round that fetched it lasts. */
struct polled {
	char *id;
	struct bw_v last;
	const char *status;
	double completed, total, failed;
	int done;
	char said[128];
};

int
bw_poll(struct bw_api *a, struct bw_records *r, const struct bw_poll_opts *o,
    struct bw_out *out)
{
	struct polled *p = NULL;
	struct bw_arena round = { 0 };
	size_t n = 0, cap = 0, left;
	double start = now();
	int tty = isatty(2), rc = 0, drawn = 0;
	struct bw_v rec;

	while (bw_records_next(r, &rec)) {
		const char *id = bw_batch_id(r, rec);
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(p[i].id, id);
		if (!dup) {
			if (n == cap && !(p = realloc(p, (cap = cap ? cap * 2 : 16) *
			    sizeof *p)))
				bw_die(BW_EX_IOERR, "out of memory");
			memset(&p[n], 0, sizeof *p);
			if (!(p[n].id = strdup(id)))
				bw_die(BW_EX_IOERR, "out of memory");
			p[n].status = "in_progress";
			p[n++].last = bw_of(BW_NONE);
		}
	}
	if (n == 0)
		bw_die(BW_EX_DATAERR, "no batches in the input");
	bw_catch_signals();
	for (left = n;;) {
		double tc = 0, tt = 0, tf = 0;
		bw_arena_reset(&round);
		for (size_t i = 0; i < n; i++)
			p[i].last = bw_of(BW_NONE);
		for (size_t i = 0; i < n && !bw_interrupted; i++) {
			if (p[i].done)
				continue;
			struct bw_v b = bw_batch_get(a, &round, p[i].id);
			p[i].last = b;
			p[i].status = status(b);
			p[i].completed = count(b, "completed");
			p[i].total = count(b, "total");
			p[i].failed = count(b, "failed");
			if (bw_batch_terminal(b)) {
				p[i].done = 1;
				left--;
				if (tty && drawn)
					fputs("\r\033[K", stderr);
				drawn = 0;
				print(out, b);
				if (strcmp(p[i].status, "completed")) {
					why_not(b, p[i].id);
					rc = 1;
				}
			} else if (!tty) {
				char line[128], t[32];
				elapsed(t, sizeof t, now() - start);
				snprintf(line, sizeof line, "%s, %.0f/%.0f done, "
				    "%.0f failed", p[i].status, p[i].completed,
				    p[i].total, p[i].failed);
				if (strcmp(line, p[i].said) && !o->once) {
					bw_warn("%s: %s (%s)", p[i].id, line, t);
					snprintf(p[i].said, sizeof p[i].said, "%s", line);
				}
			}
		}
		if (bw_interrupted)
			break;
		for (size_t i = 0; i < n; i++) {
			tc += p[i].completed;
			tf += p[i].failed;
			tt += p[i].total;
		}
		if (left == 0)
			break;
		if (o->once) {
			for (size_t i = 0; i < n; i++)
				if (!p[i].done)
					print(out, p[i].last);
			rc = BW_EX_TEMPFAIL;
			break;
		}
		if (o->timeout > 0 && now() - start >= o->timeout) {
			if (tty && drawn)
				fputs("\r\033[K", stderr);
			bw_die(BW_EX_TEMPFAIL, "timed out after %gs: %zu of %zu "
			    "batches not finished", o->timeout, left, n);
		}
		if (tty) {
			char t[32];
			elapsed(t, sizeof t, now() - start);
			if (n == 1)
				fprintf(stderr, "\r\033[K%s: %s, %.0f/%.0f done, %.0f "
				    "failed, %s", p[0].id, p[0].status, tc, tt,
				    tf, t);
			else
				fprintf(stderr, "\r\033[K%zu batches, %zu running: "
				    "%.0f/%.0f done, %.0f failed, %s", n, left, tc,
				    tt, tf, t);
			drawn = 1;
		}
		double until = now() + o->interval;
		if (o->timeout > 0 && until > start + o->timeout)
			until = start + o->timeout;
		while (!bw_interrupted && now() < until) {
			struct timespec ts;
			double d = until - now();
			if (d > 0.25)
				d = 0.25;
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		if (bw_interrupted)
			break;
	}
	if (tty && drawn)
		fputs("\r\033[K", stderr);
	for (size_t i = 0; i < n; i++)
		free(p[i].id);
	free(p);
	bw_arena_free(&round);
	if (bw_interrupted) {
		bw_out_commit(out);
		bw_reraise();
	}
	return rc;
}

/* --- download --- */

struct sink {
	struct bw_out *out;
	int save;		/* a raw copy, or -1 */
	const char *savename;
	char last;		/* the last byte written */
};

static void
to_sink(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	if (n > 0)
		s->last = p[n - 1];
	bw_out_write(s->out, p, n);
	if (s->save >= 0) {
		while (n > 0) {
			ssize_t w = write(s->save, p, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				bw_die(BW_EX_IOERR, "%s: %s", s->savename,
				    strerror(errno));
			p += w;
			n -= w;
		}
	}
}

static void
fetch_file(struct bw_api *a, struct bw_v id, const char *dir,
    struct bw_out *out)
{
	struct bw_call c = { .method = "GET" };
	struct sink s = { out, -1, NULL, '\n' };
	char path[512], save[4096], *tmp = NULL;
	int rc;

	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_PROTOCOL, "the server sent an invalid file id %s",
		    bw_quote(id.u.s, id.n, 80));
	snprintf(path, sizeof path, "/files/%s/content", id.u.s);
	c.path = path;
	c.sink = to_sink;
	c.sink_arg = &s;
	if (dir) {
		snprintf(save, sizeof save, "%s/%s.jsonl", dir, id.u.s);
		if (!(tmp = malloc(strlen(save) + 6)))
			bw_die(BW_EX_IOERR, "out of memory");
		sprintf(tmp, "%s.part", save);
		if ((s.save = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
		s.savename = tmp;
		bw_cleanup_path(tmp);
	}
	rc = bw_api_call(a, &c);
	if (rc != BW_CALL_OK)
		bw_api_fail(a, &c, rc);
	free(c.body);
	if (c.received > 0 && s.last != '\n') {
		/* keep the next file's first line a line of its own */
		bw_out_char(out, '\n');
	}
	if (dir) {
		if (c.received > 0 && s.last != '\n' && write(s.save, "\n", 1) != 1)
			bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
		if (close(s.save) < 0 || rename(tmp, save) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", save, strerror(errno));
		bw_cleanup_drop(tmp);
		free(tmp);
	}
}

int
bw_download(struct bw_api *a, struct bw_records *r, struct bw_v rec,
    const char *dir, struct bw_out *out)
{
	struct bw_arena ar = { 0 };
	const char *id = bw_batch_id(r, rec), *s;
	struct bw_v b, outf, errf;
	int rc = 0;

	if (bw_is(bw_get(rec, "object"), "batch") && bw_batch_terminal(rec) &&
	    (bw_get(rec, "output_file_id").kind ||
	    bw_get(rec, "error_file_id").kind))
		b = rec;
	else
		b = bw_batch_get(a, &ar, id);
	id = bw_get(b, "id").u.s;
	s = status(b);
	if (!bw_batch_terminal(b))
		bw_die(BW_EX_TEMPFAIL, "%s is %s: nothing to download yet; run "
		    "again when it has ended (bw-poll)", id, s);
	outf = bw_get(b, "output_file_id");
	errf = bw_get(b, "error_file_id");
	if (outf.kind != BW_STR && errf.kind != BW_STR && strcmp(s, "completed")) {
		why_not(b, id);
		rc = 1;
	}
	if (!strcmp(s, "expired") || !strcmp(s, "cancelled"))
		bw_warn("%s %s: its output is partial: %.0f of %.0f requests "
		    "completed", id, s, count(b, "completed"), count(b, "total"));
	if (outf.kind == BW_STR)
		fetch_file(a, outf, dir, out);
	if (errf.kind == BW_STR)
		fetch_file(a, errf, dir, out);
	bw_arena_free(&ar);
	return rc;
}
