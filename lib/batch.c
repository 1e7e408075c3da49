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

static int
is(jv v, const char *s)
{
	return jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), s);
}

/* A batch object from the server: its id must be the one asked for
   (when want is set) and valid.  Consumes nothing. */
static void
check_batch(struct bw_api *a, jv b, const char *want, const char *what)
{
	jv id = bw_jget(b, "id");

	if (jv_get_kind(id) != JV_KIND_STRING || !bw_id_valid(jv_string_value(id)))
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent a batch with %s id%s%s",
		    a->basepath, what, jv_get_kind(id) == JV_KIND_STRING ?
		    "an invalid" : "no", jv_get_kind(id) == JV_KIND_STRING ?
		    " " : "", jv_get_kind(id) == JV_KIND_STRING ?
		    bw_quote(jv_string_value(id), strlen(jv_string_value(id)), 80) : "");
	if (want && strcmp(jv_string_value(id), want))
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent batch %s, not %s",
		    a->basepath, what, jv_string_value(id), want);
	jv_free(id);
}

/* The status, lower-cased; an unknown one counts as in_progress. */
static const char *
status(jv b)
{
	static const char *const known[] = { "validating", "in_progress",
		"finalizing", "completed", "failed", "expired", "cancelling",
		"cancelled", NULL };
	static char buf[32];
	jv s = bw_jget(b, "status");
	const char *r = "in_progress";

	if (jv_get_kind(s) == JV_KIND_STRING) {
		snprintf(buf, sizeof buf, "%s", jv_string_value(s));
		for (char *p = buf; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 32;
		for (int i = 0; known[i]; i++)
			if (!strcmp(buf, known[i]))
				r = known[i];
	}
	jv_free(s);
	return r;
}

int
bw_batch_terminal(jv b)
{
	const char *s = status(b);

	return !strcmp(s, "completed") || !strcmp(s, "failed") ||
	    !strcmp(s, "expired") || !strcmp(s, "cancelled");
}

static void
print(struct bw_out *o, jv v)
{
	bw_out_json(o, v);
	bw_out_char(o, '\n');
	bw_out_flush(o);
}

/* --- create --- */

struct lookup {
	struct bw_api *a;
	const char *file;
	jv seen;		/* ids of the file's batches before we sent */
	jv found;
};

/* The batches for file among the most recent ones (owned array). */
static jv
batches_for(struct bw_api *a, const char *file, int pages)
{
	jv out = jv_array(), after = jv_invalid();

	for (int p = 0; p < pages; p++) {
		char path[512];
		if (jv_is_valid(after))
			snprintf(path, sizeof path, "/batches?limit=100&after=%s",
			    jv_string_value(after));
		else
			snprintf(path, sizeof path, "/batches?limit=100");
		jv list = bw_api_json(a, "GET", path, jv_invalid());
		jv data = bw_jget(list, "data"), more = bw_jget(list, "has_more");
		if (jv_get_kind(data) != JV_KIND_ARRAY)
			bw_die(BW_EX_PROTOCOL, "GET %s/batches: the reply is not "
			    "a list", a->basepath);
		jv_free(after);
		after = jv_invalid();
		jv_array_foreach(data, i, b) {
			jv f = bw_jget(b, "input_file_id");
			if (is(f, file)) {
				check_batch(a, b, NULL, "/batches");
				out = jv_array_append(out, jv_copy(b));
			}
			jv id = bw_jget(b, "id");
			if (jv_get_kind(id) == JV_KIND_STRING &&
			    bw_id_valid(jv_string_value(id))) {
				jv_free(after);
				after = id;
			} else {
				jv_free(id);
			}
			jv_free(f);
			jv_free(b);
		}
		int again = jv_get_kind(more) == JV_KIND_TRUE && jv_is_valid(after);
		jv_free(more);
		jv_free(data);
		jv_free(list);
		if (!again)
			break;
	}
	jv_free(after);
	return out;
}

static int
after_unknown(struct bw_call *c)
{
	struct lookup *l = c->arg;
	jv found = batches_for(l->a, l->file, 1);

	jv_array_foreach(found, i, b) {
		jv id = bw_jget(b, "id");
		int old = 0;
		jv_array_foreach(l->seen, k, s) {
			old |= jv_equal(jv_copy(s), jv_copy(id));
			jv_free(s);
		}
		if (!old && !jv_is_valid(l->found))
			l->found = jv_copy(b);
		jv_free(id);
		jv_free(b);
	}
	jv_free(found);
	if (!jv_is_valid(l->found))
		return -1;
	jv id = bw_jget(l->found, "id");
	bw_warn("POST %s/batches: the request's fate was unknown, but batch %s "
	    "was created for %s: not sending it again", l->a->basepath,
	    jv_string_value(id), l->file);
	jv_free(id);
	struct bw_out o;	/* the reply we would have had */
	bw_out_open(&o, -1, "json", 0);
	bw_out_json(&o, l->found);
	c->body = o.buf;
	c->len = o.n;
	return 0;
}

void
bw_create(struct bw_api *a, struct bw_records *r, jv rec,
    const struct bw_create_opts *o, struct bw_out *out)
{
	jv file, endpoint = jv_invalid(), body, batch;
	const char *fid, *ep;
	struct lookup l = { a, NULL, jv_array(), jv_invalid() };

	if (jv_get_kind(rec) == JV_KIND_STRING) {
		file = jv_copy(rec);
		if (!bw_id_valid(jv_string_value(file)))
			bw_die(BW_EX_DATAERR, "%s: not a valid file id: %s",
			    bw_records_where(r), bw_quote(jv_string_value(file),
			    strlen(jv_string_value(file)), 80));
	} else {
		file = bw_jget(rec, "id");
		endpoint = bw_jget(rec, "endpoint");
		if (jv_get_kind(file) != JV_KIND_STRING ||
		    !bw_id_valid(jv_string_value(file)))
			bw_die(BW_EX_PROTOCOL, "%s: a record without a valid file id",
			    bw_records_where(r));
		if (jv_is_valid(endpoint) && jv_get_kind(endpoint) != JV_KIND_STRING)
			bw_die(BW_EX_DATAERR, "%s: endpoint: not a string",
			    bw_records_where(r));
	}
	fid = jv_string_value(file);
	l.file = fid;

	jv existing = batches_for(a, fid, o->lookback);
	jv_array_foreach(existing, i, b) {
		l.seen = jv_array_append(l.seen, bw_jget(b, "id"));
		if (!o->force && !jv_is_valid(l.found) &&
		    strcmp(status(b), "failed"))
			l.found = jv_copy(b);
		jv_free(b);
	}
	jv_free(existing);
	if (jv_is_valid(l.found)) {
		jv id = bw_jget(l.found, "id");
		bw_warn("%s: batch %s (%s) exists for it already: not creating "
		    "another (--force to)", fid, jv_string_value(id),
		    status(l.found));
		jv_free(id);
		print(out, l.found);
		jv_free(l.found);
		jv_free(l.seen);
		jv_free(file);
		jv_free(endpoint);
		return;
	}

	if (jv_is_valid(endpoint)) {
		ep = jv_string_value(endpoint);
		if (o->endpoint >= 0 && strcmp(ep, bw_endpoint_url(o->endpoint)))
			bw_die(BW_EX_DATAERR, "%s: the file's requests are for %s, "
			    "not %s (-e)", bw_records_where(r), ep,
			    bw_endpoint_url(o->endpoint));
	} else if (o->endpoint >= 0) {
		ep = bw_endpoint_url(o->endpoint);
	} else {
		bw_die(BW_EX_USAGE, "%s: %s: no endpoint; give -e", bw_records_where(r),
		    fid);
	}
	body = JV_OBJECT(jv_string("input_file_id"), jv_copy(file),
	    jv_string("endpoint"), jv_string(ep),
	    jv_string("completion_window"), jv_string("24h"));
	if (jv_is_valid(o->metadata))
		body = jv_object_set(body, jv_string("metadata"),
		    jv_copy(o->metadata));

	struct bw_call c = { .method = "POST", .path = "/batches",
		.on_unknown = after_unknown, .arg = &l };
	batch = bw_api_object(a, &c, body);
	jv_free(l.found);
	check_batch(a, batch, NULL, "/batches");
	print(out, batch);
	jv_free(batch);
	jv_free(l.seen);
	jv_free(file);
	jv_free(endpoint);
}

/* --- cancel --- */

void
bw_cancel(struct bw_api *a, const char *id, struct bw_out *out)
{
	struct bw_call c = { .method = "POST", .conflict_final = 1 };
	char path[512];
	jv b;

	snprintf(path, sizeof path, "/batches/%s/cancel", id);
	c.path = path;
	b = bw_api_object(a, &c, jv_invalid());
	check_batch(a, b, id, path);
	print(out, b);
	jv_free(b);
}

/* --- poll --- */

jv
bw_batch_get(struct bw_api *a, const char *id)
{
	char path[512];
	jv b;

	snprintf(path, sizeof path, "/batches/%s", id);
	b = bw_api_json(a, "GET", path, jv_invalid());
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
count(jv b, const char *key)
{
	jv rc = bw_jget(b, "request_counts"), v = bw_jget(rc, key);
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	jv_free(rc);
	return d;
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
why_not(jv b, const char *id)
{
	const char *s = status(b);
	jv errs = bw_jget(b, "errors"), data = bw_jget(errs, "data");
	int said = 0;

	if (jv_get_kind(data) == JV_KIND_ARRAY) {
		jv_array_foreach(data, i, e) {
			jv m = bw_jget(e, "message"), c = bw_jget(e, "code");
			if (i < 5 && jv_get_kind(m) == JV_KIND_STRING) {
				bw_warn("%s %s: %s%s%s", id, s,
				    jv_get_kind(c) == JV_KIND_STRING ?
				    jv_string_value(c) : "",
				    jv_get_kind(c) == JV_KIND_STRING ? ": " : "",
				    jv_string_value(m));
				said = 1;
			}
			jv_free(m);
			jv_free(c);
			jv_free(e);
		}
	}
	if (!said)
		bw_warn("%s %s: %.0f of %.0f requests completed, %.0f failed", id,
		    s, count(b, "completed"), count(b, "total"), count(b, "failed"));
	jv_free(data);
	jv_free(errs);
}

struct polled {
	char *id;
	jv last;
	int done;
	char said[128];
};

int
bw_poll(struct bw_api *a, struct bw_records *r, const struct bw_poll_opts *o,
    struct bw_out *out)
{
	struct polled *p = NULL;
	size_t n = 0, cap = 0, left;
	double start = now();
	int tty = isatty(2), rc = 0, drawn = 0;
	jv rec;

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
			p[n++].last = jv_invalid();
		}
		jv_free(rec);
	}
	if (n == 0)
		bw_die(BW_EX_DATAERR, "no batches in the input");
	bw_catch_signals();
	for (left = n;;) {
		double tc = 0, tt = 0, tf = 0;
		for (size_t i = 0; i < n && !bw_interrupted; i++) {
			if (p[i].done)
				continue;
			jv b = bw_batch_get(a, p[i].id);
			jv_free(p[i].last);
			p[i].last = b;
			if (bw_batch_terminal(b)) {
				p[i].done = 1;
				left--;
				if (tty && drawn)
					fputs("\r\033[K", stderr);
				drawn = 0;
				print(out, b);
				if (strcmp(status(b), "completed")) {
					why_not(b, p[i].id);
					rc = 1;
				}
			} else if (!tty) {
				char line[128], t[32];
				elapsed(t, sizeof t, now() - start);
				snprintf(line, sizeof line, "%s, %.0f/%.0f done, "
				    "%.0f failed", status(b), count(b, "completed"),
				    count(b, "total"), count(b, "failed"));
				if (strcmp(line, p[i].said) && !o->once) {
					bw_warn("%s: %s (%s)", p[i].id, line, t);
					snprintf(p[i].said, sizeof p[i].said, "%s", line);
				}
			}
		}
		if (bw_interrupted)
			break;
		for (size_t i = 0; i < n; i++) {
			tc += count(p[i].last, "completed");
			tf += count(p[i].last, "failed");
			tt += count(p[i].last, "total");
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
				    "failed, %s", p[0].id, status(p[0].last), tc, tt,
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
	for (size_t i = 0; i < n; i++) {
		free(p[i].id);
		jv_free(p[i].last);
	}
	free(p);
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
fetch_file(struct bw_api *a, const char *id, const char *dir, struct bw_out *out)
{
	struct bw_call c = { .method = "GET" };
	struct sink s = { out, -1, NULL, '\n' };
	char path[512], save[4096], *tmp = NULL;
	int rc;

	if (!bw_id_valid(id))
		bw_die(BW_EX_PROTOCOL, "the server sent an invalid file id %s",
		    bw_quote(id, strlen(id), 80));
	snprintf(path, sizeof path, "/files/%s/content", id);
	c.path = path;
	c.sink = to_sink;
	c.sink_arg = &s;
	if (dir) {
		snprintf(save, sizeof save, "%s/%s.jsonl", dir, id);
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
		if (fsync(s.save) < 0 || close(s.save) < 0 ||
		    rename(tmp, save) < 0 || bw_syncdir(dir) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", save, strerror(errno));
		bw_cleanup_drop(tmp);
		free(tmp);
	}
}

int
bw_download(struct bw_api *a, struct bw_records *r, jv rec, const char *dir,
    struct bw_out *out)
{
	const char *id = bw_batch_id(r, rec);
	jv b, outf, errf;
	int rc = 0;

	jv object = bw_jget(rec, "object");
	int usable = is(object, "batch") && bw_batch_terminal(rec) &&
	    (bw_jhas(rec, "output_file_id") || bw_jhas(rec, "error_file_id"));

	jv_free(object);
	if (usable) {
		b = jv_copy(rec);
	} else {
		b = bw_batch_get(a, id);
	}
	id = NULL;
	jv bid = bw_jget(b, "id");
	const char *s = status(b);
	if (!bw_batch_terminal(b))
		bw_die(BW_EX_TEMPFAIL, "%s is %s: nothing to download yet; run "
		    "again when it has ended (bw-poll)", jv_string_value(bid), s);
	outf = bw_jget(b, "output_file_id");
	errf = bw_jget(b, "error_file_id");
	if (jv_get_kind(outf) != JV_KIND_STRING &&
	    jv_get_kind(errf) != JV_KIND_STRING) {
		if (strcmp(s, "completed")) {
			why_not(b, jv_string_value(bid));
			rc = 1;
		}
	}
	if (!strcmp(s, "expired") || !strcmp(s, "cancelled"))
		bw_warn("%s %s: its output is partial: %.0f of %.0f requests "
		    "completed", jv_string_value(bid), s, count(b, "completed"),
		    count(b, "total"));
	if (jv_get_kind(outf) == JV_KIND_STRING)
		fetch_file(a, jv_string_value(outf), dir, out);
	if (jv_get_kind(errf) == JV_KIND_STRING)
		fetch_file(a, jv_string_value(errf), dir, out);
	jv_free(outf);
	jv_free(errf);
	jv_free(bid);
	jv_free(b);
	return rc;
}
