/* settle.c: an attempt settled: every request's result, in the attempt's order,
   and what to try again; then every result joined in input order */
#define _GNU_SOURCE	/* O_DIRECT */
#include <math.h>

#include "run.h"

/* --- settling an attempt: every request's result, and what to retry --- */

/* The JSON string after key at the start of a line bw wrote
   ({"custom_id":"..." or {"customId":"...), as written (escaped):
   its bytes and length, or NULL. */
static const char *
id_of(const char *s, size_t n, const char *key, size_t *len)
{
	size_t k = strlen(key), i;

	if (n < k + 2 || memcmp(s, key, k) || s[k] != '"')
		return NULL;
	for (i = k + 1; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	if (i >= n)
		return NULL;
	*len = i - k - 1;
	return s + k + 1;
}

/* Whether a result line's failure may go away when tried again. */
static int
retryable(struct bw_v line)
{
	static const char *const codes[] = { "server_error",
		"rate_limit_exceeded", "timeout", "internal_error",
		"service_unavailable", "batch_expired", "overloaded", NULL };
	struct bw_v err = bw_get(line, "error"), resp = bw_get(line, "response");
	struct bw_v sc = bw_get(resp, "status_code");

	if (err.kind == BW_OBJ) {
		if (bw_is(bw_get(err, "code"), "batch_cancelled") ||
		    bw_is(bw_get(err, "code"), "batch_canceled"))
			return 0;
		if (bw_is(bw_get(err, "code"), "batch_expired"))
			return 1;
	} else {
		if (sc.kind != BW_NUM || (sc.u.num >= 200 && sc.u.num < 300))
			return 0;
		if (sc.u.num >= 500 || sc.u.num == 408)
			return 1;
		err = bw_get(bw_get(resp, "body"), "error");
		if (sc.u.num == 429 &&
		    !bw_is(bw_get(err, "code"), "insufficient_quota"))
			return 1;
	}
	for (int i = 0; codes[i]; i++)
		if (bw_is(bw_get(err, "code"), codes[i]) ||
		    bw_is(bw_get(err, "type"), codes[i]))
			return 1;
	return 0;
}

/* The kind of a result bw-parse wrote ({"customId":..,"status":"..."). */
static int
kind_of(const char *s, size_t n)
{
	static const char key[] = ",\"status\":\"";

	/* after the customId, which escapes every quote in it */
	for (size_t i = 0; i + 11 < n; i++)
		if (s[i] == ',' && !memcmp(s + i, key, 11)) {
			for (int k = 0; k < R_NKINDS; k++) {
				size_t kn = strlen(kinds[k]);
				if (i + 11 + kn < n &&
				    !memcmp(s + i + 11, kinds[k], kn))
					return k;
			}
			break;
		}
	return R_ERRORED;
}

/* The ids of an attempt's requests, in its order: id (as written) →
   position, in a table of open addressing. */
struct idmap {
	struct bw_arena ar;
	struct idm { const char *s; uint32_t n, pos; } *e;
	uint32_t *slot;		/* 1 + index into e, 0 free */
	size_t ne, mask;
};

static uint64_t
hash_id(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h ^ h >> 29;
}

static void
idmap_init(struct idmap *m, uint64_t n)
{
	size_t cap = 16;

	memset(m, 0, sizeof *m);
	while (cap < 2 * n + 2)
		cap *= 2;
	m->mask = cap - 1;
	if (!(m->slot = calloc(cap, sizeof *m->slot)) ||
	    !(m->e = malloc((n + 1) * sizeof *m->e)))
		bw_die(BW_EX_IOERR, "out of memory");
}

/* The position of id, or -1; adds it at pos when pos >= 0 and it is
   not there. */
static long
idmap_get(struct idmap *m, const char *s, size_t n, long pos)
{
	size_t i = hash_id(s, n) & m->mask;

	for (; m->slot[i]; i = (i + 1) & m->mask) {
		struct idm *e = &m->e[m->slot[i] - 1];
		if (e->n == n && !memcmp(e->s, s, n))
			return e->pos;
	}
	if (pos < 0)
		return -1;
	char *c = bw_alloc(&m->ar, n + 1);
	memcpy(c, s, n);
	m->e[m->ne] = (struct idm){ c, (uint32_t)n, (uint32_t)pos };
	m->slot[i] = (uint32_t)++m->ne;
	return -1;
}

static void
idmap_free(struct idmap *m)
{
	bw_arena_free(&m->ar);
	free(m->slot);
	free(m->e);
}

/* The batch's files as they came, kept as aK.output.jsonl.  Where the
   filesystem takes it they are written with O_DIRECT, whole aligned
   blocks from a buffer of our own, the tail through the page cache at
   the end: at a million requests 0.7 GB of output copied into the page
   cache cost bw-run a third of its system time, for a file it never
   reads back. */
enum { RAWBUF = 1 << 20 };

struct raw {
	struct kept k;
	char *buf;		/* RAWBUF bytes, page aligned */
	size_t n;
	uint64_t total;		/* bytes taken */
	int direct;
};

static void
raw_open(struct raw *w, const char *path)
{
	int fl;

	kept_open(&w->k, path);
	if (posix_memalign((void **)&w->buf, 4096, RAWBUF))
		bw_die(BW_EX_IOERR, "out of memory");
	w->n = 0;
	w->total = 0;
	w->direct = 0;
#ifdef O_DIRECT
	if ((fl = fcntl(w->k.fd, F_GETFL)) >= 0 &&
	    fcntl(w->k.fd, F_SETFL, fl | O_DIRECT) == 0)
		w->direct = 1;
#else
	(void)fl;
#endif
}

/* Back to writing through the page cache (for the tail, or for good). */
static void
raw_buffered(struct raw *w)
{
#ifdef O_DIRECT
	int fl;

	if (w->direct && ((fl = fcntl(w->k.fd, F_GETFL)) < 0 ||
	    fcntl(w->k.fd, F_SETFL, fl & ~O_DIRECT) < 0))
		bw_die(BW_EX_IOERR, "%s: %s", w->k.tmp, strerror(errno));
#endif
	w->direct = 0;
}

static void
raw_flush(struct raw *w)
{
	size_t off = 0;

	while (off < w->n) {
		ssize_t got = write(w->k.fd, w->buf + off, w->n - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EINVAL && w->direct) {
			raw_buffered(w);	/* O_DIRECT refused after all */
			continue;
		}
		if (got < 0)
			bw_die(BW_EX_IOERR, "%s: write error: %s", w->k.tmp,
			    strerror(errno));
		off += (size_t)got;
	}
	w->n = 0;
}

static void
raw_write(struct raw *w, const char *p, size_t n)
{
	w->total += n;
	while (n > 0) {
		size_t k = RAWBUF - w->n < n ? RAWBUF - w->n : n;
		memcpy(w->buf + w->n, p, k);
		w->n += k;
		p += k;
		n -= k;
		if (w->n == RAWBUF)
			raw_flush(w);
	}
}

/* Drops all but the first to bytes (a file that starts over). */
static void
raw_back(struct raw *w, uint64_t to)
{
	uint64_t flushed = w->total - w->n;

	if (to >= flushed) {
		w->n = (size_t)(to - flushed);
	} else {
		raw_buffered(w);	/* no longer at an aligned offset */
		w->n = 0;
		if (ftruncate(w->k.fd, (off_t)to) < 0 ||
		    lseek(w->k.fd, (off_t)to, SEEK_SET) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", w->k.tmp, strerror(errno));
	}
	w->total = to;
}

static void
raw_keep(struct raw *w)
{
	raw_buffered(w);
	raw_flush(w);
	kept_keep(&w->k);
	free(w->buf);
}

/* Where a request's result is among the results as they came. */
struct got {
	uint64_t off;
	uint32_t len;
	unsigned char has, retry;
};

enum {
	LOOSE_MEM = 16 << 20,	/* results as they come kept in memory */
	LINE_CAP = 64 << 20,	/* the longest line of a batch's file */
};

/* The batch's files as they come, a line at a time, never held whole
   in memory nor read back: each line's result made as bw-parse makes it and kept among the
   results as they come (in memory, in a temporary file past
   LOOSE_MEM), where the attempt's order finds it. */
struct settle {
	struct idmap ids;
	struct bw_outputs *outs;	/* the structured output asked for */
	struct got *got;
	uint64_t requests;
	struct bw_out loose;	/* the results as they come */
	uint64_t mark;		/* loose's bytes before this file's */
	struct bw_out one;	/* one result, being made */
	struct bw_arena ar;
	char *part;		/* a line cut between two pieces */
	size_t pn, pcap;
	unsigned long lineno;
	const char *batch;
	char *name;		/* the file, for messages */
	struct raw raw;		/* the files as they came: aK.output.jsonl */
	uint64_t rawmark;	/* its bytes before this file's */
};

static void
settle_line(struct settle *st, const char *s, size_t n)
{
	struct bw_v v;
	const char *e, *why, *id;
	size_t col, idn;
	long pos;

	st->lineno++;
	if (bw_blank(s, n))
		return;
	if (!(v = bw_read(&st->ar, s, n, INT_MAX, &e, &col)).kind)
		bw_die_line(st->name, st->lineno, BW_EX_PROTOCOL, "invalid "
		    "JSON at column %zu: %s", col, e);
	st->one.n = 0;
	if (st->outs) {	/* one not the batch's, which outs would refuse
			   (outs holds the attempt's ids as read, unescaped;
			   ids has them as JSON writes them) */
		struct bw_v cid = bw_get(v, "custom_id");
		struct bw_output w;
		if (cid.kind == BW_STR &&
		    bw_outputs_find(st->outs, cid, &w) < 0)
			return;
	}
	if (bw_result_write(&st->one, v, 0, st->outs, &why) < 0)
		bw_die_line(st->name, st->lineno, BW_EX_PROTOCOL, "%s", why);
	if (!(id = id_of(st->one.buf, st->one.n, "{\"customId\":", &idn)))
		bw_die_line(st->name, st->lineno, BW_EX_PROTOCOL, "a result "
		    "without a custom_id");
	/* one the batch did not hold, or a second answer: the first
	   answer to a request of the batch stands */
	if ((pos = idmap_get(&st->ids, id, idn, -1)) >= 0 &&
	    !st->got[pos].has) {
		st->got[pos] = (struct got){ st->loose.total,
			(uint32_t)st->one.n, 1, (unsigned char)retryable(v) };
		bw_out_write(&st->loose, st->one.buf, st->one.n);
		if (st->loose.fd < 0 && st->loose.n > LOOSE_MEM) {
			/* on to a file, with a small buffer */
			struct bw_out o;
			bw_out_open(&o, bw_tmpfd("results"), "temporary file",
			    0);
			bw_out_write(&o, st->loose.buf, st->loose.n);
			bw_out_discard(&st->loose);
			st->loose = o;
		}
	}
	bw_arena_reset(&st->ar);
}

static void
settle_begin(void *arg, const char *file)
{
	struct settle *st = arg;

	free(st->name);
	st->name = fmt("batch %s's file %s", st->batch, file);
	st->lineno = 0;
	st->pn = 0;
	st->mark = st->loose.total;
	st->rawmark = st->raw.total;
}

static void
settle_write(void *arg, const char *p, size_t n)
{
	struct settle *st = arg;
	const char *nl;

	raw_write(&st->raw, p, n);
	while (n > 0) {
		size_t k = (nl = memchr(p, '\n', n)) ? (size_t)(nl - p) : n;
		if (st->pn + k > LINE_CAP)
			bw_die_line(st->name, st->lineno + 1, BW_EX_PROTOCOL,
			    "longer than the limit of %d bytes", LINE_CAP);
		if (!nl || st->pn) {
			if (st->pn + k > st->pcap) {
				st->pcap = st->pn + k > 2 * st->pcap ?
				    st->pn + k : 2 * st->pcap;
				if (!(st->part = realloc(st->part, st->pcap)))
					bw_die(BW_EX_IOERR, "out of memory");
			}
			memcpy(st->part + st->pn, p, k);
			st->pn += k;
		}
		if (!nl)
			return;
		if (st->pn) {
			settle_line(st, st->part, st->pn);
			st->pn = 0;
		} else {
			settle_line(st, p, k);
		}
		p += k + 1;
		n -= k + 1;
	}
}

/* The file starts over: the results it gave go. */
static void
settle_again(void *arg)
{
	struct settle *st = arg;

	for (uint64_t i = 0; i < st->requests; i++)
		if (st->got[i].has && st->got[i].off >= st->mark)
			st->got[i].has = 0;
	if (st->loose.fd >= 0) {
		bw_out_flush(&st->loose);
		if (ftruncate(st->loose.fd, (off_t)st->mark) < 0 ||
		    lseek(st->loose.fd, (off_t)st->mark, SEEK_SET) < 0)
			bw_die(BW_EX_IOERR, "temporary file: %s",
			    strerror(errno));
	} else {
		st->loose.n = (size_t)st->mark;
	}
	st->loose.total = st->mark;
	raw_back(&st->raw, st->rawmark);
	st->lineno = 0;
	st->pn = 0;
}

/* What a request without a line in the batch's files gets: the batch's
   error (failed), "canceled" (the run was), or "missing" (retried). */
static void
synth(struct bw_out *o, const char *id, size_t n, const char *status,
    const char *message, struct bw_v code)
{
	bw_out_str(o, "{\"customId\":\"");
	bw_out_write(o, id, n);
	bw_out_str(o, "\",\"status\":\"");
	bw_out_str(o, status);
	bw_out_str(o, "\",\"error\":{\"message\":");
	bw_out_jstr(o, message, strlen(message));
	bw_out_str(o, ",\"type\":null,\"code\":");
	bw_out_v(o, code);
	bw_out_str(o, "}}\n");
}

/* The error of a failed batch for input line k (from 1): the one that
   names the line, else the first. */
static struct bw_v
batch_error(struct bw_v b, unsigned long k)
{
	struct bw_v data = bw_get(bw_get(b, "errors"), "data");
	struct bw_v first = bw_idx(data, 0);

	BW_EACH(data, i, m)
		if (num(m->v, "line") == (double)k)
			return m->v;
	return first;
}

/* The results as they came, read back at offsets: from memory, or from
   their file through a window that makes the usual case (results come
   about in order) a few large reads. */
struct window {
	const struct bw_out *src;
	char *buf;
	size_t cap, len;
	uint64_t start;
	int hits;
};

static const char *
window_get(struct window *w, uint64_t off, size_t len)
{
	size_t want;
	ssize_t got;

	if (w->src->fd < 0)
		return w->src->buf + off;
	if (off >= w->start && off + len <= w->start + w->len) {
		w->hits++;
		return w->buf + (off - w->start);
	}
	want = w->hits ? 1 << 18 : 1 << 13;
	if (want < len)
		want = len;
	if (want > w->cap && !(w->buf = realloc(w->buf, w->cap = want)))
		bw_die(BW_EX_IOERR, "out of memory");
	do
		got = pread(w->src->fd, w->buf, want, (off_t)off);
	while (got < 0 && errno == EINTR);
	if (got < (ssize_t)len)
		bw_die(BW_EX_IOERR, "temporary file: cannot be read back: %s",
		    got < 0 ? strerror(errno) : "cut short");
	w->start = off;
	w->len = (size_t)got;
	w->hits = 0;
	return w->buf;
}

/* The id on line k of an attempt's ids file ("..." as its batch line
   has it), without the quotes; dies on a line bw-run did not write. */
static const char *
id_line(const char *path, struct bw_lines *l, const char *line, size_t n,
    size_t *idn)
{
	if (n < 2 || line[0] != '"' || line[n - 1] != '"')
		bw_die_line(path, l->lineno, BW_EX_IOERR, "not an id bw-run "
		    "wrote: the run directory is damaged");
	*idn = n - 2;
	return line + 1;
}

/* The lines of an attempt, read only as far as a retried one needs. */
struct lines_at {
	struct bw_lines l;
	char *path;
	int open;
	long pos;		/* of the line last read, -1 before */
};

static void
line_at(struct lines_at *la, long pos, const char *id, size_t idn,
    const char **line, size_t *n)
{
	size_t k;
	const char *got;

	if (!la->open) {
		bw_lines_open(&la->l, la->path, 64 << 20);
		la->open = 1;
		la->pos = -1;
	}
	while (la->pos < pos) {
		if (bw_lines_next(&la->l, line, n) != 1)
			bw_die(BW_EX_IOERR, "%s: fewer lines than ids: the run "
			    "directory is damaged", la->path);
		la->pos++;
	}
	if (!(got = id_of(*line, *n, "{\"custom_id\":", &k)) || k != idn ||
	    memcmp(got, id, idn))
		bw_die_line(la->path, la->l.lineno, BW_EX_IOERR, "not the "
		    "request its ids file names: the run directory is damaged");
}

/* Settles attempt a: every request's result, in the attempt's order,
   to aK.results.jsonl; the requests a retry may fix to aK+1.jsonl (if
   attempts are left); the counts to aK.settled.json.  The batch's
   files are read as they are downloaded (and kept as they came): a run
   cut short before the attempt is settled downloads them again. */
void
settle(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	char *ip = apath(r, s, a->k, "ids"), *rp, *np, *nip;
	struct bw_v done = bw_of(BW_NONE);
	struct kept out, next, nextids;
	struct settle st = { .requests = a->requests, .batch = a->batch };
	struct bw_sink to = { settle_begin, settle_write, settle_again, &st };
	struct window w = { .src = &st.loose };
	struct lines_at la = { 0 };
	struct bw_lines l;
	const char *line;
	size_t n;
	long pos;
	uint64_t nbytes = 0, ntokens = 0, nreq = 0;
	int failed = 0, last = a->k >= r->o->attempts;

	la.path = apath(r, s, a->k, "jsonl");
	/* the attempt's requests, in order */
	idmap_init(&st.ids, a->requests);
	if (!(st.got = calloc(a->requests + 1, sizeof *st.got)))
		bw_die(BW_EX_IOERR, "out of memory");
	bw_lines_open(&l, ip, 1 << 20);
	for (pos = 0; bw_lines_next(&l, &line, &n) == 1; pos++) {
		size_t idn;
		const char *id = id_line(ip, &l, line, n, &idn);
		if ((uint64_t)pos >= a->requests)
			bw_die_line(ip, l.lineno, BW_EX_IOERR, "more ids than the "
			    "attempt's requests: the run directory is damaged");
		idmap_get(&st.ids, id, idn, pos);
	}
	bw_lines_close(&l);
	if ((uint64_t)pos != a->requests)
		bw_die(BW_EX_IOERR, "%s: fewer ids than the attempt's requests: "
		    "the run directory is damaged", ip);
	/* its results, as its files come */
	bw_out_open(&st.loose, -1, "results", 0);
	bw_out_open(&st.one, -1, "result", 0);
	if (a->ended) {
		char *dp = apath(r, s, a->k, "done.json");
		done = load_json(&ar, dp);
		/* a failed batch has no files: its error is every request's */
		if (!(failed = !a->batch[0] || !strcmp(a->status, "failed"))) {
			char *argv[] = { dp, NULL };
			if (s->outputs)	/* what each request asked for */
				st.outs = bw_outputs_read(la.path);
			struct bw_records rec;
			char *op = apath(r, s, a->k, "output.jsonl");
			bw_records_open(&rec, argv, 1);
			raw_open(&st.raw, op);
			bw_download(r->api, &rec, done, NULL, &to);
			raw_keep(&st.raw);
			free(op);
		}
		free(dp);
	}
	bw_out_discard(&st.one);
	bw_arena_free(&st.ar);
	free(st.part);
	free(st.name);
	if (st.loose.fd >= 0)
		bw_out_flush(&st.loose);
	/* then in order, with what the requests without a line get */
	kept_open(&out, rp = apath(r, s, a->k, "results.jsonl"));
	memset(a->count, 0, sizeof a->count);
	a->retry = 0;
	np = apath(r, s, a->k + 1, "jsonl");
	nip = apath(r, s, a->k + 1, "ids");
	bw_lines_open(&l, ip, 1 << 20);
	for (pos = 0; bw_lines_next(&l, &line, &n) == 1; pos++) {
		size_t idn;
		const char *id = id_line(ip, &l, line, n, &idn);
		struct got *g = &st.got[pos];
		int retry = 0, kind = R_ERRORED;
		if (g->has) {
			const char *res = window_get(&w, g->off, g->len);
			bw_out_write(&out.o, res, g->len);
			retry = g->retry;
			kind = kind_of(res, g->len);
		} else if (r->cancelled && !a->created && !a->ended) {
			synth(&out.o, id, idn, "canceled", "the run was cancelled "
			    "before this request was sent", bw_lit("run_cancelled"));
			kind = R_CANCELED;
		} else if (failed) {
			struct bw_v e = batch_error(done, l.lineno);
			struct bw_v m = bw_get(e, "message");
			char *msg = fmt("batch %s failed: %.*s", a->batch,
			    m.kind == BW_STR ? (int)m.n : 0,
			    m.kind == BW_STR ? m.u.s : "");
			synth(&out.o, id, idn, "errored", msg, bw_get(e, "code"));
			free(msg);
		} else if (r->cancelled || !strcmp(a->status, "cancelled")) {
			char *msg = fmt("batch %s was cancelled before this "
			    "request ran", a->batch);
			synth(&out.o, id, idn, "canceled", msg,
			    bw_lit("batch_cancelled"));
			free(msg);
			kind = R_CANCELED;
		} else {
			char *msg = fmt("no line for this request in batch %s's "
			    "output or error file", a->batch);
			synth(&out.o, id, idn, "errored", msg,
			    bw_lit("missing_result"));
			free(msg);
			retry = 1;
		}
		if (!retry || last || r->cancelled) {
			a->count[kind]++;
			continue;
		}
		/* tried again: its original line, and its id */
		const char *orig;
		size_t on;
		if (!nreq) {
			kept_open(&next, np);
			kept_open(&nextids, nip);
		}
		line_at(&la, pos, id, idn, &orig, &on);
		bw_out_write(&next.o, orig, on);
		bw_out_char(&next.o, '\n');
		bw_out_write(&nextids.o, line, n);
		bw_out_char(&nextids.o, '\n');
		nreq++;
		nbytes += on + 1;
		a->retry++;
	}
	bw_lines_close(&l);
	if (st.loose.fd >= 0)
		close(st.loose.fd);
	bw_out_discard(&st.loose);
	free(w.buf);
	idmap_free(&st.ids);
	bw_outputs_free(st.outs);
	free(st.got);
	kept_keep(&out);
	if (la.open)
		bw_lines_close(&la.l);
	if (nreq) {
		/* the estimate of a follow-up: its share of the attempt's */
		ntokens = a->bytes ? (uint64_t)ceil((double)a->tokens *
		    (double)nbytes / (double)a->bytes) : 0;
		kept_keep(&next);
		kept_keep(&nextids);
	}
	{
		struct bw_v v = bw_of(BW_OBJ);
		for (int i = 0; i < R_NKINDS; i++)
			v = bw_set(&ar, v, kinds[i], bw_num((double)a->count[i]));
		v = bw_set(&ar, v, "retry", bw_num((double)a->retry));
		if (nreq) {
			struct bw_v nx = bw_of(BW_OBJ);
			nx = bw_set(&ar, nx, "requests", bw_num((double)nreq));
			nx = bw_set(&ar, nx, "bytes", bw_num((double)nbytes));
			nx = bw_set(&ar, nx, "tokens", bw_num((double)ntokens));
			v = bw_set(&ar, v, "next", nx);
		}
		char *sp = apath(r, s, a->k, "settled.json");
		keep_json(sp, v);
		free(sp);
	}
	a->settled = 1;
	if (nreq) {
		size_t at = a - s->a;
		struct attempt *b = add_attempt(s);
		a = &s->a[at];
		b->requests = nreq;
		b->bytes = nbytes;
		b->tokens = ntokens;
		say(r, "s%04d/a%d: %llu requests to try again (attempt %d)",
		    s->n, a->k, (unsigned long long)nreq, b->k);
	}
	bw_arena_free(&ar);
	free(ip);
	free(la.path);
	free(nip);
	free(rp);
	free(np);
}

/* The results of attempts k.. of a shard, read in step: each attempt's
   results are in the order of its requests, and the requests of attempt
   k+1 are some of attempt k's, in the same order. */
struct reader {
	struct bw_lines l;
	char *path;
	const char *line, *id;
	size_t n, idn;
	int more;
};

static void
reader_next(struct reader *rd)
{
	if ((rd->more = bw_lines_next(&rd->l, &rd->line, &rd->n) == 1) &&
	    !(rd->id = id_of(rd->line, rd->n, "{\"customId\":", &rd->idn)))
		bw_die_line(rd->path, rd->l.lineno, BW_EX_IOERR, "not a result "
		    "bw-run wrote: the run directory is damaged");
}

/* Every request's last result, in input order, with the attempts it
   took: a merge of each shard's attempts, in constant memory. */
void
join(struct run *r)
{
	char *p = fmt("%s/results.jsonl", r->dir);
	struct kept out;

	kept_open(&out, p);
	for (int i = 0; i < r->ns && !bw_interrupted; i++) {
		struct shard *s = &r->s[i];
		struct reader *rd = calloc(s->na, sizeof *rd);
		uint64_t count = 0;

		if (!rd)
			bw_die(BW_EX_IOERR, "out of memory");
		for (int k = 0; k < s->na; k++) {
			rd[k].path = apath(r, s, k + 1, "results.jsonl");
			bw_lines_open(&rd[k].l, rd[k].path, 64 << 20);
			reader_next(&rd[k]);
		}
		for (; rd[0].more; count++) {
			int k = 0;
			char tail[32];
			/* the same request in the next attempt: its later
			   result stands; each attempt's line is passed */
			while (k + 1 < s->na && rd[k + 1].more &&
			    rd[k + 1].idn == rd[k].idn &&
			    !memcmp(rd[k + 1].id, rd[k].id, rd[k].idn)) {
				reader_next(&rd[k]);
				k++;
			}
			if (rd[k].n < 2 || rd[k].line[rd[k].n - 1] != '}')
				bw_die_line(rd[k].path, rd[k].l.lineno,
				    BW_EX_IOERR, "not a result bw-run wrote: the "
				    "run directory is damaged");
			bw_out_write(&out.o, rd[k].line, rd[k].n - 1);
			snprintf(tail, sizeof tail, ",\"attempts\":%d}\n", k + 1);
			bw_out_str(&out.o, tail);
			reader_next(&rd[k]);
		}
		for (int k = 0; k < s->na; k++) {
			if (rd[k].more || (k == 0 && count != s->requests))
				bw_die(BW_EX_IOERR, "%s: %s than its requests: the "
				    "run directory is damaged", rd[k].path,
				    rd[k].more ? "more results" : "fewer results");
			bw_lines_close(&rd[k].l);
			free(rd[k].path);
		}
		free(rd);
	}
	if (bw_interrupted)
		bw_reraise();
	kept_keep(&out);
	free(p);
}

/* Counts of the final results (results.jsonl). */
void
final_counts(struct run *r, uint64_t c[R_NKINDS])
{
	char *p = fmt("%s/results.jsonl", r->dir);
	struct bw_lines l;
	const char *line;
	size_t n;

	memset(c, 0, R_NKINDS * sizeof *c);
	bw_lines_open(&l, p, 64 << 20);
	while (bw_lines_next(&l, &line, &n) == 1)
		c[kind_of(line, n)]++;
	bw_lines_close(&l);
	free(p);
}

