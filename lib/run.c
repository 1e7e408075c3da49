/*
 * run.c: bw-run, a dataset of any size through as many batches as it
 * takes, to one result file in input order.
 *
 * The run directory is the run's whole memory.  Each decision is a file
 * made durably (written as NAME.tmp, fsync'd, renamed, the directory
 * fsync'd) before the request that acts on it, and each answer is kept
 * the same way, so a run killed anywhere goes on from its files:
 *
 *   settings.json        the settings, checked before anything is kept
 *   shards.jsonl         the shards: requests, bytes, tokens, first index
 *   sNNNN/aK.jsonl       attempt K of shard NNNN: its batch input lines
 *   sNNNN/aK.upload.json the decision to upload it (under its name)
 *   sNNNN/aK.file.json   its File object (bw-upload's output)
 *   sNNNN/aK.create.json the decision to create its batch (try T)
 *   sNNNN/aK.batch.json  the Batch object created (bw-create's output)
 *   sNNNN/aK.limited-T.json  try T, failed with token_limit_exceeded
 *   sNNNN/aK.done.json   the Batch object once ended (bw-poll's output)
 *   sNNNN/aK.output.jsonl its output and error lines (bw-download's)
 *   sNNNN/aK.results.jsonl one result a request (bw-parse's, and what
 *                        bw-run says of requests with no line)
 *   sNNNN/aK.settled.json its requests counted; aK+1.jsonl holds those
 *                        to try again
 *   sNNNN/aK.cancel.json the Batch object after --cancel (bw-cancel's)
 *   cancel               --cancel was asked: nothing more is created
 *   results.jsonl        every request's last result, in input order
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bw.h"

enum { R_SUCCEEDED, R_ERRORED, R_EXPIRED, R_CANCELED, R_NKINDS };
static const char *const kinds[] = { "succeeded", "errored", "expired",
	"canceled" };

struct attempt {
	int k;			/* from 1 */
	uint64_t requests, bytes, tokens;
	int uploaded, created, ended, downloaded, settled;
	int tries;		/* tries that met the queue limit */
	double limited_at;	/* when the last did (wall clock) */
	char file[260], batch[260];
	double created_at;
	char status[24];
	double done, total, failed;	/* the batch's counts */
	double usage[3];		/* input, output, total tokens */
	uint64_t count[R_NKINDS], retry;
	int seen;			/* in this look's listing */
	double looked;			/* when last looked at by id */
};

struct shard {
	int n;			/* from 1 */
	uint64_t requests, bytes, tokens, first;
	struct attempt *a;
	int na;
};

struct run {
	const struct bw_run_opts *o;
	struct bw_api *api;
	char *dir;
	struct shard *s;
	int ns;
	char token[40];
	int cancelled;
	double last_end;	/* when a batch of the run last ended */
	double start;
	int tty, drawn;
	char said[256];
};

static char *
fmt(const char *f, ...) BW_PRINTF(1, 2);

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		bw_die(BW_EX_IOERR, "out of memory");
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* DIR/sNNNN/aK.what, malloc'd. */
static char *
apath(struct run *r, const struct shard *s, int k, const char *what)
{
	return fmt("%s/s%04d/a%d.%s", r->dir, s->n, k, what);
}

/* The wall clock, to the nanosecond: times kept across runs (mtimes). */
static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
mtime(const struct stat *st)
{
	return (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec / 1e9;
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
progress_clear(struct run *r)
{
	if (r->drawn)
		fputs("\r\033[K", stderr);
	r->drawn = 0;
}

/* A line of news on stderr (not with -q when not a terminal...: always;
   it is what happened to the run). */
static void
say(struct run *r, const char *f, ...) BW_PRINTF(2, 3);

static void
say(struct run *r, const char *f, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	progress_clear(r);
	bw_warn("%s", buf);
}

/* --- keeping files --- */

/* Puts what a written temporary file holds on disk, then gives it its
   name and puts the name on disk: after a crash, path is whole or not
   there.  fd is closed. */
static void
keep_fd(int fd, const char *tmp, const char *path)
{
	char *slash, *dir;

	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be kept: %s", path,
		    strerror(errno));
	bw_cleanup_drop(tmp);
	dir = fmt("%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if (bw_syncdir(slash ? dir : ".") < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be kept: %s", dir,
		    strerror(errno));
	free(dir);
}

/* Opens path.tmp for writing (removed if the run dies first); *tmp is
   its name, malloc'd. */
static int
open_tmp(const char *path, char **tmp)
{
	int fd;

	*tmp = fmt("%s.tmp", path);
	if ((fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", *tmp, strerror(errno));
	bw_cleanup_path(*tmp);
	return fd;
}

/* Writes v as one line to path, durably. */
static void
keep_json(const char *path, struct bw_v v)
{
	char *tmp;
	int fd = open_tmp(path, &tmp);
	struct bw_out o;

	bw_out_open(&o, fd, tmp, 0);
	bw_out_v(&o, v);
	bw_out_char(&o, '\n');
	bw_out_commit(&o);
	keep_fd(fd, tmp, path);
	free(tmp);
}

/* The one JSON object in path (in ar), or BW_NONE when there is no such
   file; dies (74) on a file that is not one: the run directory is
   broken and a person must look. */
static struct bw_v
load_json(struct bw_arena *ar, const char *path)
{
	struct bw_lines l;
	const char *s, *why;
	size_t n;
	struct bw_v v = bw_of(BW_NONE);
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		if (errno == ENOENT)
			return v;
		bw_die(BW_EX_IOERR, "%s: %s", path, strerror(errno));
	}
	memset(&l, 0, sizeof l);
	l.fd = fd;
	l.name = path;
	l.max = 64 << 20;
	if (bw_lines_next(&l, &s, &n) == 1)
		v = bw_read(ar, s, n, INT_MAX, &why, NULL);
	if (v.kind != BW_OBJ)
		bw_die(BW_EX_IOERR, "%s: not the JSON object bw-run wrote: the "
		    "run directory is damaged", path);
	bw_lines_close(&l);
	return v;
}

static double
num(struct bw_v v, const char *key)
{
	struct bw_v x = bw_get(v, key);

	return x.kind == BW_NUM ? x.u.num : 0;
}

/* --- settings --- */

static struct bw_v
settings_of(struct bw_arena *ar, const struct bw_run_opts *o,
    const char *token, const char *hash)
{
	struct bw_v s = bw_of(BW_OBJ), d = bw_of(BW_NULL);
	const char *why;

	if (o->defaults)
		d = bw_read(ar, o->defaults, strlen(o->defaults), INT_MAX,
		    &why, NULL);
	s = bw_set(ar, s, "model", bw_str(ar, o->model, strlen(o->model)));
	s = bw_set(ar, s, "endpoint", bw_lit(bw_endpoint_name(o->endpoint)));
	s = bw_set(ar, s, "defaults", d);
	s = bw_set(ar, s, "attempts", bw_num(o->attempts));
	s = bw_set(ar, s, "maxRequests", bw_num((double)o->max_requests));
	s = bw_set(ar, s, "maxFile", bw_num((double)o->max_file));
	s = bw_set(ar, s, "maxEnqueuedTokens", o->max_tokens ?
	    bw_num((double)o->max_tokens) : bw_of(BW_NULL));
	s = bw_set(ar, s, "input", bw_str(ar, hash, strlen(hash)));
	s = bw_set(ar, s, "token", bw_str(ar, token, strlen(token)));
	return s;
}

/* A setting given again must be the run's: says which is not, and how
   to start over. */
static void
same(struct run *r, struct bw_v saved, const char *key, struct bw_v given,
    const char *flag)
{
	struct bw_v was = bw_get(saved, key);
	struct bw_out a, b;

	if (bw_equal(was, given))
		return;
	bw_out_open(&a, -1, "json", 0);
	bw_out_open(&b, -1, "json", 0);
	bw_out_v(&a, was);
	bw_out_v(&b, given);
	bw_die(BW_EX_USAGE, "%s holds a run with %s %.*s%s, not %.*s%s: leave "
	    "%s out to go on with the run, or remove %s to start over", r->dir,
	    flag, (int)(a.n > 200 ? 200 : a.n), a.buf, a.n > 200 ? "..." : "",
	    (int)(b.n > 200 ? 200 : b.n), b.buf, b.n > 200 ? "..." : "", flag,
	    r->dir);
}

/* --- the plan: shards and their attempts, from the directory --- */

static struct attempt *
add_attempt(struct shard *s)
{
	if (!(s->a = realloc(s->a, (s->na + 1) * sizeof *s->a)))
		bw_die(BW_EX_IOERR, "out of memory");
	memset(&s->a[s->na], 0, sizeof *s->a);
	s->a[s->na].k = s->na + 1;
	return &s->a[s->na++];
}

static void
copy_id(char *dst, size_t cap, struct bw_v id)
{
	snprintf(dst, cap, "%.*s", (int)(id.n < cap - 1 ? id.n : cap - 1),
	    id.kind == BW_STR ? id.u.s : "");
}

static void
batch_seen(struct attempt *a, struct bw_v b)
{
	struct bw_v u = bw_get(b, "usage");

	copy_id(a->batch, sizeof a->batch, bw_get(b, "id"));
	snprintf(a->status, sizeof a->status, "%s", bw_batch_status(b));
	a->created_at = num(b, "created_at");
	a->done = bw_batch_count(b, "completed");
	a->failed = bw_batch_count(b, "failed");
	a->total = bw_batch_count(b, "total");
	a->usage[0] = num(u, "input_tokens");
	a->usage[1] = num(u, "output_tokens");
	a->usage[2] = num(u, "total_tokens");
}

/* Forgets the batch of attempt a (one set aside, limited): it is to be
   created again. */
static void
unset_create(struct run *r, struct shard *s, struct attempt *a)
{
	char *bp = apath(r, s, a->k, "batch.json");
	char *cp = apath(r, s, a->k, "create.json");
	char *d = fmt("%s/s%04d", r->dir, s->n);

	if ((unlink(bp) < 0 && errno != ENOENT) ||
	    (unlink(cp) < 0 && errno != ENOENT) || bw_syncdir(d) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", bp, strerror(errno));
	free(bp);
	free(cp);
	free(d);
	a->created = 0;
}

/* Reads what the files of attempt a of shard s say. */
static void
load_attempt(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	struct bw_v v;
	char *p;
	struct stat st;

	for (a->tries = 0;; a->tries++) {
		p = fmt("%s/s%04d/a%d.limited-%d.json", r->dir, s->n, a->k,
		    a->tries + 1);
		if (stat(p, &st) < 0) {
			free(p);
			break;
		}
		a->limited_at = mtime(&st);
		free(p);
	}
	v = load_json(&ar, p = apath(r, s, a->k, "file.json"));
	free(p);
	if ((a->uploaded = v.kind != BW_NONE))
		copy_id(a->file, sizeof a->file, bw_get(v, "id"));
	v = load_json(&ar, p = apath(r, s, a->k, "batch.json"));
	free(p);
	if ((a->created = v.kind != BW_NONE))
		batch_seen(a, v);
	if (a->created && a->tries) {
		/* cut short while setting a limited try aside: done now */
		p = fmt("%s/s%04d/a%d.limited-%d.json", r->dir, s->n, a->k,
		    a->tries);
		if (bw_equal(bw_get(load_json(&ar, p), "id"), bw_get(v, "id")))
			unset_create(r, s, a);
		free(p);
	}
	v = load_json(&ar, p = apath(r, s, a->k, "done.json"));
	if ((a->ended = v.kind != BW_NONE)) {
		batch_seen(a, v);
		if (stat(p, &st) == 0 && mtime(&st) > r->last_end)
			r->last_end = mtime(&st);
	}
	free(p);
	a->downloaded = exists(p = apath(r, s, a->k, "output.jsonl"));
	free(p);
	v = load_json(&ar, p = apath(r, s, a->k, "settled.json"));
	free(p);
	if ((a->settled = v.kind != BW_NONE)) {
		for (int i = 0; i < R_NKINDS; i++)
			a->count[i] = (uint64_t)num(v, kinds[i]);
		a->retry = (uint64_t)num(v, "retry");
		struct bw_v next = bw_get(v, "next");
		if (next.kind == BW_OBJ) {
			struct attempt *b;
			size_t at = a - s->a;
			b = add_attempt(s);
			a = &s->a[at];
			b->requests = (uint64_t)num(next, "requests");
			b->bytes = (uint64_t)num(next, "bytes");
			b->tokens = (uint64_t)num(next, "tokens");
		}
	}
	bw_arena_free(&ar);
}

/* Removes what a run cut short left: NAME.tmp files in d. */
static void
remove_tmps(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".tmp")) {
			char *p = fmt("%s/%s", d, e->d_name);
			unlink(p);
			free(p);
		}
	}
	closedir(dp);
}

/* Reads the run from its directory; with clean (the lock held), first
   removes what a run cut short left half written. */
static void
load(struct run *r, int clean)
{
	struct bw_lines l;
	const char *line, *why;
	size_t n;
	struct bw_arena ar = { 0 };
	char *p = fmt("%s/shards.jsonl", r->dir);

	if (clean)
		remove_tmps(r->dir);
	bw_lines_open(&l, p, 1 << 20);
	while (bw_lines_next(&l, &line, &n) == 1) {
		struct bw_v v = bw_read(&ar, line, n, 4, &why, NULL);
		struct shard *s;
		if (v.kind != BW_OBJ)
			bw_die(BW_EX_IOERR, "%s: line %lu: not what bw-run wrote: "
			    "the run directory is damaged", p, l.lineno);
		if (!(r->s = realloc(r->s, (r->ns + 1) * sizeof *r->s)))
			bw_die(BW_EX_IOERR, "out of memory");
		s = &r->s[r->ns++];
		memset(s, 0, sizeof *s);
		s->n = r->ns;
		s->requests = (uint64_t)num(v, "requests");
		s->bytes = (uint64_t)num(v, "bytes");
		s->tokens = (uint64_t)num(v, "tokens");
		s->first = (uint64_t)num(v, "first");
		bw_arena_reset(&ar);
	}
	bw_lines_close(&l);
	bw_arena_free(&ar);
	free(p);
	for (int i = 0; i < r->ns; i++) {
		struct shard *s = &r->s[i];
		char *d = fmt("%s/s%04d", r->dir, s->n);
		if (clean)
			remove_tmps(d);
		free(d);
		struct attempt *a = add_attempt(s);
		a->requests = s->requests;
		a->bytes = s->bytes;
		a->tokens = s->tokens;
		for (int k = 0; k < s->na; k++)
			load_attempt(r, s, &s->a[k]);
	}
	p = fmt("%s/cancel", r->dir);
	r->cancelled = exists(p);
	free(p);
}

/* --- preparing: requests to shards, all or nothing --- */

static char *preparing;	/* the directory of a preparation under way */

/* A preparation that failed leaves nothing: its files are removed
   (bw_die), then its directory. */
static void
unprepare(void)
{
	if (preparing)
		rmdir(preparing);
}

static void
prepare(struct run *r, char **files, int nfiles, char hash[33])
{
	const struct bw_run_opts *o = r->o;
	struct bw_build b = { .max_requests = o->max_requests,
		.max_body = 20 << 20, .max_file = o->max_file,
		.max_tokens = o->max_tokens, .max_line = 64 << 20,
		.quiet = 1 };
	char *pre = fmt("%s/prepare", r->dir), *prefix;
	struct bw_hash h = { 0 };
	struct bw_out out;
	char *tmp, *p;
	int fd;

	/* a preparation cut short is begun again */
	if (mkdir(pre, 0777) < 0 && errno != EEXIST)
		bw_die(BW_EX_IOERR, "%s: %s", pre, strerror(errno));
	remove_tmps(pre);
	preparing = pre;
	atexit(unprepare);
	prefix = fmt("%s/s", pre);
	b.split = prefix;
	bw_mapper_init(&b.map, o->model, o->endpoint, o->defaults);
	b.hash = &h;
	bw_build(&b, files, nfiles);
	bw_mapper_free(&b.map);
	bw_hash_hex(&h, hash);
	/* each shard becomes attempt 1 of its directory */
	for (size_t i = 0; i < b.nshards; i++) {
		char *from = fmt("%s-%04zu.jsonl", prefix, i + 1);
		char *d = fmt("%s/s%04zu", r->dir, i + 1);
		char *to = fmt("%s/a1.jsonl", d);
		if (mkdir(d, 0777) < 0 && errno != EEXIST)
			bw_die(BW_EX_IOERR, "%s: %s", d, strerror(errno));
		if ((fd = open(from, O_RDONLY)) < 0 || fsync(fd) < 0 ||
		    close(fd) < 0 || rename(from, to) < 0 ||
		    bw_syncdir(d) < 0)
			bw_die(BW_EX_IOERR, "%s: cannot be kept: %s", to,
			    strerror(errno));
		free(from);
		free(d);
		free(to);
	}
	fd = open_tmp(p = fmt("%s/shards.jsonl", r->dir), &tmp);
	bw_out_open(&out, fd, tmp, 0);
	for (size_t i = 0; i < b.nshards; i++) {
		char line[200];
		snprintf(line, sizeof line, "{\"shard\":%zu,\"requests\":%llu,"
		    "\"bytes\":%llu,\"tokens\":%llu,\"first\":%llu}\n", i + 1,
		    (unsigned long long)b.shards[i].requests,
		    (unsigned long long)b.shards[i].bytes,
		    (unsigned long long)b.shards[i].tokens,
		    (unsigned long long)b.shards[i].first);
		bw_out_str(&out, line);
	}
	bw_out_commit(&out);
	keep_fd(fd, tmp, p);
	free(tmp);
	free(p);
	rmdir(pre);
	preparing = NULL;
	free(pre);
	free(prefix);
	free(b.shards);
}

/* --- the stages, for one attempt --- */

static void
upload(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_upload_opts u = { r->o->max_requests, r->o->max_file,
		64 << 20, 1, NULL, 0, bw_endpoint_url(r->o->endpoint),
		a->requests, a->bytes };
	char *in = apath(r, s, a->k, "jsonl"), *p = apath(r, s, a->k,
	    "file.json"), *tmp, *name, *dp = apath(r, s, a->k, "upload.json");
	struct bw_out o;
	struct bw_arena ar = { 0 };
	int fd;

	u.name = name = fmt("bw-%s-s%04d-a%d.jsonl", r->token, s->n, a->k);
	/* the decision, kept before the request: a run that finds it was
	   cut short after it, and looks for the file before sending */
	if ((u.fresh = !exists(dp)))
		keep_json(dp, bw_set(&ar, bw_of(BW_OBJ), "name", bw_lit(name)));
	fd = open_tmp(p, &tmp);
	bw_out_open(&o, fd, tmp, 0);
	bw_upload(r->api, in, &u, &o);
	bw_out_commit(&o);
	keep_fd(fd, tmp, p);
	copy_id(a->file, sizeof a->file, bw_get(load_json(&ar, p), "id"));
	a->uploaded = 1;
	bw_arena_free(&ar);
	free(in);
	free(p);
	free(dp);
	free(tmp);
	free(name);
}

static void
create(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	struct bw_create_opts c = { .endpoint = r->o->endpoint, .lookback = 0,
		.same_metadata = 1 };
	struct bw_records rec;
	char *fp = apath(r, s, a->k, "file.json"), *p, *tmp;
	char *argv[] = { fp, NULL };
	struct bw_v file = load_json(&ar, fp), m = bw_of(BW_OBJ), d;
	struct bw_out o;
	int fd;

	m = bw_set(&ar, m, "bw_run", bw_str(&ar, r->token, strlen(r->token)));
	m = bw_set(&ar, m, "bw_shard", bw_strf(&ar, "%d", s->n));
	m = bw_set(&ar, m, "bw_attempt", bw_strf(&ar, "%d", a->k));
	m = bw_set(&ar, m, "bw_try", bw_strf(&ar, "%d", a->tries + 1));
	c.metadata = m;
	/* the decision, kept before the request: a run that finds it was
	   cut short after it, and looks for the batch before sending */
	d = bw_set(&ar, bw_of(BW_OBJ), "try", bw_num(a->tries + 1));
	d = bw_set(&ar, d, "file", bw_get(file, "id"));
	d = bw_set(&ar, d, "tokens", bw_num((double)a->tokens));
	d = bw_set(&ar, d, "metadata", m);
	p = apath(r, s, a->k, "create.json");
	if (bw_equal(load_json(&ar, p), d))
		c.lookback = 2;
	else
		keep_json(p, d);
	free(p);
	fd = open_tmp(p = apath(r, s, a->k, "batch.json"), &tmp);
	bw_out_open(&o, fd, tmp, 0);
	bw_records_open(&rec, argv, 1);
	bw_create(r->api, &rec, file, &c, &o);
	bw_out_commit(&o);
	keep_fd(fd, tmp, p);
	batch_seen(a, load_json(&ar, p));
	a->created = 1;
	say(r, "s%04d/a%d: %s created: %llu requests, about %llu tokens", s->n,
	    a->k, a->batch, (unsigned long long)a->requests,
	    (unsigned long long)a->tokens);
	bw_arena_free(&ar);
	free(fp);
	free(p);
	free(tmp);
}

static int
token_limited(struct bw_v b)
{
	struct bw_v data = bw_get(bw_get(b, "errors"), "data");

	if (strcmp(bw_batch_status(b), "failed"))
		return 0;
	BW_EACH(data, i, m)
		if (bw_is(bw_get(m->v, "code"), "token_limit_exceeded"))
			return 1;
	return 0;
}

/* A batch of the run has ended: kept, or (over the queue limit) kept
   aside to be created again. */
static void
ended(struct run *r, struct shard *s, struct attempt *a, struct bw_v b)
{
	char *p;

	batch_seen(a, b);
	if (token_limited(b)) {
		keep_json(p = fmt("%s/s%04d/a%d.limited-%d.json", r->dir, s->n,
		    a->k, a->tries + 1), b);
		free(p);
		unset_create(r, s, a);
		a->tries++;
		a->limited_at = wall();
		say(r, "s%04d/a%d: %s met the queue's token limit: it will be "
		    "created again when room frees up", s->n, a->k, a->batch);
		return;
	}
	keep_json(p = apath(r, s, a->k, "done.json"), b);
	free(p);
	a->ended = 1;
	r->last_end = wall();
	say(r, "s%04d/a%d: %s %s: %.0f of %.0f requests done, %.0f failed",
	    s->n, a->k, a->batch, a->status, a->done, a->total, a->failed);
}

static void
download(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	char *dp = apath(r, s, a->k, "done.json"), *p, *tmp;
	char *argv[] = { dp, NULL };
	struct bw_records rec;
	struct bw_out o;
	int fd = open_tmp(p = apath(r, s, a->k, "output.jsonl"), &tmp);

	bw_out_open(&o, fd, tmp, 0);
	bw_records_open(&rec, argv, 1);
	bw_download(r->api, &rec, load_json(&ar, dp), NULL, &o);
	bw_out_commit(&o);
	keep_fd(fd, tmp, p);
	a->downloaded = 1;
	bw_arena_free(&ar);
	free(dp);
	free(p);
	free(tmp);
}

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

/* Where a request's result is in the unordered results file. */
struct got {
	uint64_t off;
	uint32_t len;
	unsigned char has, retry;
};

struct settle {
	struct idmap ids;
	struct got *got;
	struct bw_out *out;	/* the results as they come */
	const char *name;
};

static int
settle_work(void *state, struct bw_job *j, const char **why)
{
	struct bw_v v;
	const char *e;
	size_t col;

	(void)state;
	if (j->blank)
		return 1;
	if (!(v = bw_read(j->arena, j->s, j->n, INT_MAX, &e, &col)).kind)
		return *why = bw_why("invalid JSON at column %zu: %s", col, e),
		    -1;
	if (bw_result_write(j->out, v, 0, why) < 0)
		return -1;
	j->num = retryable(v);
	return 0;
}

static void
settle_take(void *arg, struct bw_job *j, const char *name)
{
	struct settle *st = arg;
	size_t n;
	const char *id = id_of(j->outp, j->outn, "{\"customId\":", &n);
	long pos;

	if (!id)
		bw_die_line(name, j->lineno, BW_EX_PROTOCOL, "a result without "
		    "a custom_id");
	/* one the batch did not hold, or a second answer: the first
	   answer to a request of the batch stands */
	if ((pos = idmap_get(&st->ids, id, n, -1)) < 0 || st->got[pos].has)
		return;
	st->got[pos].off = st->out->total;
	st->got[pos].len = (uint32_t)j->outn;
	st->got[pos].has = 1;
	st->got[pos].retry = (unsigned char)j->num;
	bw_out_write(st->out, j->outp, j->outn);
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

/* Reads lines of a file at offsets, through a window that makes the
   usual case (results come about in order) a few large reads. */
struct window {
	int fd;
	const char *name;
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
		got = pread(w->fd, w->buf, want, (off_t)off);
	while (got < 0 && errno == EINTR);
	if (got < (ssize_t)len)
		bw_die(BW_EX_IOERR, "%s: cannot be read back: %s", w->name,
		    got < 0 ? strerror(errno) : "cut short");
	w->start = off;
	w->len = (size_t)got;
	w->hits = 0;
	return w->buf;
}

/* Settles attempt a: every request's result, in the attempt's order,
   to aK.results.jsonl; the requests a retry may fix to aK+1.jsonl (if
   attempts are left); the counts to aK.settled.json. */
static void
settle(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	char *in = apath(r, s, a->k, "jsonl"), *rp, *rtmp, *np, *ntmp = NULL;
	char *op = apath(r, s, a->k, "output.jsonl");
	struct bw_v done = bw_of(BW_NONE);
	struct bw_out out, next, loose;
	struct settle st = { .out = &loose };
	struct window w = { .fd = -1, .name = "results" };
	struct bw_lines l;
	const char *line;
	size_t n;
	long pos;
	int rfd, nfd = -1;
	uint64_t nbytes = 0, ntokens = 0, nreq = 0;
	int failed = 0, last = a->k >= r->o->attempts;

	if (a->ended) {
		char *dp = apath(r, s, a->k, "done.json");
		done = load_json(&ar, dp);
		free(dp);
		failed = !a->downloaded;	/* a batch with no files */
	}
	/* the attempt's requests, in order */
	idmap_init(&st.ids, a->requests);
	if (!(st.got = calloc(a->requests + 1, sizeof *st.got)))
		bw_die(BW_EX_IOERR, "out of memory");
	bw_lines_open(&l, in, 64 << 20);
	for (pos = 0; bw_lines_next(&l, &line, &n) == 1; pos++) {
		size_t idn;
		const char *id = id_of(line, n, "{\"custom_id\":", &idn);
		if (!id || (uint64_t)pos >= a->requests)
			bw_die_line(in, l.lineno, BW_EX_IOERR, "not a line bw-run "
			    "wrote: the run directory is damaged");
		idmap_get(&st.ids, id, idn, pos);
	}
	bw_lines_close(&l);
	/* its results, as they come, to a temporary file */
	w.fd = bw_tmpfd("results");
	bw_out_open(&loose, w.fd, "temporary file", 0);
	if (a->downloaded) {
		struct bw_par_ops ops = { NULL, settle_work, settle_take, NULL,
			NULL, &st, 0 };
		struct bw_par *par = bw_par_new(&ops, bw_par_threads());
		bw_lines_open(&l, op, 64 << 20);
		bw_par_lines(par, &l);
		bw_lines_close(&l);
		bw_par_free(par);
	}
	bw_out_commit(&loose);
	/* then in order, with what the requests without a line get */
	rfd = open_tmp(rp = apath(r, s, a->k, "results.jsonl"), &rtmp);
	bw_out_open(&out, rfd, rtmp, 0);
	memset(a->count, 0, sizeof a->count);
	a->retry = 0;
	np = apath(r, s, a->k + 1, "jsonl");
	bw_lines_open(&l, in, 64 << 20);
	for (pos = 0; bw_lines_next(&l, &line, &n) == 1; pos++) {
		size_t idn;
		const char *id = id_of(line, n, "{\"custom_id\":", &idn);
		struct got *g = &st.got[pos];
		int retry = 0, kind = R_ERRORED;
		if (g->has) {
			const char *res = window_get(&w, g->off, g->len);
			bw_out_write(&out, res, g->len);
			retry = g->retry;
			kind = kind_of(res, g->len);
		} else if (r->cancelled && !a->created && !a->ended) {
			synth(&out, id, idn, "canceled", "the run was cancelled "
			    "before this request was sent", bw_lit("run_cancelled"));
			kind = R_CANCELED;
		} else if (failed) {
			struct bw_v e = batch_error(done, l.lineno);
			struct bw_v m = bw_get(e, "message");
			char *msg = fmt("batch %s failed: %.*s", a->batch,
			    m.kind == BW_STR ? (int)m.n : 0,
			    m.kind == BW_STR ? m.u.s : "");
			synth(&out, id, idn, "errored", msg, bw_get(e, "code"));
			free(msg);
		} else if (r->cancelled || !strcmp(a->status, "cancelled")) {
			char *msg = fmt("batch %s was cancelled before this "
			    "request ran", a->batch);
			synth(&out, id, idn, "canceled", msg,
			    bw_lit("batch_cancelled"));
			free(msg);
			kind = R_CANCELED;
		} else {
			char *msg = fmt("no line for this request in batch %s's "
			    "output or error file", a->batch);
			synth(&out, id, idn, "errored", msg,
			    bw_lit("missing_result"));
			free(msg);
			retry = 1;
		}
		if (!retry || last || r->cancelled) {
			a->count[kind]++;
			continue;
		}
		if (nfd < 0) {
			nfd = open_tmp(np, &ntmp);
			bw_out_open(&next, nfd, ntmp, 0);
		}
		bw_out_write(&next, line, n);
		bw_out_char(&next, '\n');
		nreq++;
		nbytes += n + 1;
		a->retry++;
	}
	bw_lines_close(&l);
	close(w.fd);
	free(w.buf);
	idmap_free(&st.ids);
	free(st.got);
	bw_out_commit(&out);
	keep_fd(rfd, rtmp, rp);
	if (nfd >= 0) {
		/* the estimate of a follow-up: its share of the attempt's */
		ntokens = a->bytes ? (uint64_t)ceil((double)a->tokens *
		    (double)nbytes / (double)a->bytes) : 0;
		bw_out_commit(&next);
		keep_fd(nfd, ntmp, np);
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
	free(in);
	free(op);
	free(rp);
	free(rtmp);
	free(np);
	free(ntmp);
}

/* --- looking at the batches in flight --- */

static int
live(const struct attempt *a)
{
	return a->created && !a->ended;
}

static struct attempt *
find(struct run *r, struct bw_v id, struct shard **sp)
{
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			if (live(a) && bw_is(id, a->batch)) {
				*sp = &r->s[i];
				return a;
			}
		}
	return NULL;
}

static void
seen(struct run *r, struct shard *s, struct attempt *a, struct bw_v b)
{
	a->seen = 1;
	if (bw_batch_terminal(b))
		ended(r, s, a, b);
	else
		batch_seen(a, b);
}

/* One look at every batch in flight: pages of the list, newest first,
   ceil(active/100) at most, then one batch not seen by its id: at most
   ceil(active/100)+1 requests. */
static void
look(struct run *r)
{
	struct bw_arena ar = { 0 };
	size_t active = 0, unseen, pages, asked = 0;
	char after[300] = "";
	double oldest = 1e300;

	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			a->seen = 0;
			if (live(a)) {
				active++;
				if (a->created_at < oldest)
					oldest = a->created_at;
			}
		}
	if (!active)
		return;
	unseen = active;
	pages = (active + 99) / 100;
	while (unseen && asked < pages && !bw_interrupted) {
		char path[400];
		struct bw_v list, data, last = bw_of(BW_NONE);
		snprintf(path, sizeof path, "/batches?limit=100%s%s",
		    after[0] ? "&after=" : "", after);
		list = bw_api_json(r->api, &ar, "GET", path, bw_of(BW_NONE));
		asked++;
		data = bw_get(list, "data");
		if (data.kind != BW_ARR)
			bw_die(BW_EX_PROTOCOL, "GET %s/batches: the reply is not a "
			    "list", r->api->basepath);
		BW_EACH(data, i, m) {
			struct shard *s;
			struct attempt *a = find(r, bw_get(m->v, "id"), &s);
			last = m->v;
			if (a && !a->seen) {
				bw_batch_check(r->api, m->v, a->batch, "/batches");
				seen(r, s, a, m->v);
				unseen--;
			}
		}
		if (bw_get(list, "has_more").kind != BW_TRUE || !last.kind)
			break;
		/* the page reaches past the oldest batch of the run */
		if (num(last, "created_at") < oldest)
			break;
		copy_id(after, sizeof after, bw_get(last, "id"));
		if (!bw_id_valid(after, strlen(after)))
			break;
		bw_arena_reset(&ar);
	}
	if (unseen && !bw_interrupted) {
		/* the one looked at by id longest ago */
		struct attempt *best = NULL;
		struct shard *bs = NULL;
		for (int i = 0; i < r->ns; i++)
			for (int k = 0; k < r->s[i].na; k++) {
				struct attempt *a = &r->s[i].a[k];
				if (live(a) && !a->seen &&
				    (!best || a->looked < best->looked)) {
					best = a;
					bs = &r->s[i];
				}
			}
		best->looked = bw_now();
		seen(r, bs, best, bw_batch_get(r->api, &ar, best->batch));
	}
	bw_arena_free(&ar);
}

/* --- the run --- */

static uint64_t
in_flight(struct run *r)
{
	uint64_t t = 0;

	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++)
			if (live(&r->s[i].a[k]))
				t += r->s[i].a[k].tokens;
	return t;
}

/* A try that met the queue's limit goes again once a batch of the run
   has ended since, or after a wait that doubles (1 minute to 30). */
static int
may_try(struct run *r, const struct attempt *a)
{
	double wait;

	if (!a->tries)
		return 1;
	if (r->last_end > a->limited_at)
		return 1;
	wait = 60 * pow(2, a->tries - 1);
	if (wait > 1800)
		wait = 1800;
	return wall() - a->limited_at >= wait;
}

/* The attempt of a shard still to be worked on, or NULL. */
static struct attempt *
current(struct shard *s)
{
	struct attempt *a = &s->a[s->na - 1];

	return a->settled ? NULL : a;
}

static void
summary(struct run *r, uint64_t c[R_NKINDS], uint64_t *pending,
    uint64_t *total, int st[4])
{
	memset(c, 0, R_NKINDS * sizeof *c);
	*pending = *total = 0;
	memset(st, 0, 4 * sizeof *st);
	for (int i = 0; i < r->ns; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		*total += s->requests;
		for (int k = 0; k < s->na; k++)
			if (s->a[k].settled)
				for (int j = 0; j < R_NKINDS; j++)
					c[j] += s->a[k].count[j];
		if (!a)
			st[3]++;
		else if (live(a))
			st[1]++;
		else if (a->ended)
			st[2]++;
		else
			st[0]++;
		if (a)
			*pending += a->requests;
	}
}

static void
progress(struct run *r)
{
	uint64_t c[R_NKINDS], pending, total;
	int st[4];
	char line[256];

	summary(r, c, &pending, &total, st);
	snprintf(line, sizeof line, "shards: %d queued, %d running, %d ending, "
	    "%d done; requests: %llu of %llu settled; %llu tokens in flight",
	    st[0], st[1], st[2], st[3],
	    (unsigned long long)(total - pending),
	    (unsigned long long)total, (unsigned long long)in_flight(r));
	if (r->tty) {
		fprintf(stderr, "\r\033[K%s: %s", bw_progname(), line);
		r->drawn = 1;
	} else if (strcmp(line, r->said)) {
		bw_warn("%s", line);
		snprintf(r->said, sizeof r->said, "%s", line);
	}
}

static int
finished(struct run *r)
{
	for (int i = 0; i < r->ns; i++)
		if (current(&r->s[i]))
			return 0;
	return 1;
}

/* One step: look, take in what ended, make what may be made.  Returns
   1 while work remains. */
static int
step(struct run *r)
{
	int remains = 0;
	uint64_t flying;

	look(r);
	for (int i = 0; i < r->ns && !bw_interrupted; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		if (a && a->ended && !a->downloaded && a->batch[0] &&
		    strcmp(a->status, "failed"))
			download(r, s, a);
		if (a && (a->ended || (r->cancelled && !a->created)))
			settle(r, s, a);
	}
	flying = in_flight(r);
	for (int i = 0; i < r->ns && !bw_interrupted && !r->cancelled; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		if (!a || a->created || a->ended)
			continue;
		if (!may_try(r, a))
			continue;
		if (r->o->max_tokens && flying + a->tokens > r->o->max_tokens)
			break;	/* in order: the next waits for room */
		if (!a->uploaded)
			upload(r, s, a);
		create(r, s, a);
		flying += a->tokens;
	}
	for (int i = 0; i < r->ns; i++)
		remains |= current(&r->s[i]) != NULL;
	return remains;
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
static void
join(struct run *r)
{
	char *p = fmt("%s/results.jsonl", r->dir), *tmp;
	int fd = open_tmp(p, &tmp);
	struct bw_out out;

	bw_out_open(&out, fd, tmp, 0);
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
			bw_out_write(&out, rd[k].line, rd[k].n - 1);
			snprintf(tail, sizeof tail, ",\"attempts\":%d}\n", k + 1);
			bw_out_str(&out, tail);
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
	bw_out_commit(&out);
	keep_fd(fd, tmp, p);
	free(tmp);
	free(p);
}

/* Counts of the final results (results.jsonl). */
static void
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

/* Hands every block of path ("-": stdin) to fn; code is the exit
   status of a path that cannot be opened. */
static void
each_block(const char *path, int code, void (*fn)(void *, const void *,
    size_t), void *arg)
{
	char buf[1 << 16];
	ssize_t n;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;

	if (fd < 0)
		bw_die(code, "%s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bw_die(BW_EX_IOERR, "%s: %s", path, strerror(errno));
		fn(arg, buf, (size_t)n);
	}
	if (fd)
		close(fd);
}

static void
to_out(void *o, const void *p, size_t n)
{
	bw_out_write(o, p, n);
}

static void
to_hash(void *h, const void *p, size_t n)
{
	bw_hash_add(h, p, n);
}

static void
print_results(struct run *r)
{
	char *p = fmt("%s/results.jsonl", r->dir);
	struct bw_out o;

	bw_out_open(&o, 1, "stdout", 0);
	each_block(p, BW_EX_IOERR, to_out, &o);
	bw_out_commit(&o);
	free(p);
}

static void
cancel_all(struct run *r)
{
	struct bw_out o;
	char *p = fmt("%s/cancel", r->dir);

	if (!r->cancelled) {
		keep_json(p, bw_of(BW_OBJ));
		r->cancelled = 1;
	}
	free(p);
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			char *tmp;
			int fd;
			if (!live(a) || !strcmp(a->status, "cancelling"))
				continue;
			/* the answer kept, as bw-cancel prints it */
			fd = open_tmp(p = apath(r, &r->s[i], a->k, "cancel.json"),
			    &tmp);
			bw_out_open(&o, fd, tmp, 0);
			if (bw_cancel(r->api, a->batch, &o) == 0)
				say(r, "s%04d/a%d: %s: cancelling", r->s[i].n,
				    a->k, a->batch);
			bw_out_commit(&o);
			keep_fd(fd, tmp, p);
			free(tmp);
			free(p);
			snprintf(a->status, sizeof a->status, "cancelling");
		}
}

static void
status(struct run *r)
{
	uint64_t c[R_NKINDS], pending, total;
	int st[4], finished = 1;
	struct bw_out o;
	double u[3] = { 0, 0, 0 };
	char *p = fmt("%s/results.jsonl", r->dir);

	summary(r, c, &pending, &total, st);
	for (int i = 0; i < r->ns; i++)
		finished &= current(&r->s[i]) == NULL;
	if (finished && exists(p))
		final_counts(r, c);
	free(p);
	bw_out_open(&o, 1, "stdout", 0);
	bw_out_str(&o, "{\"dir\":");
	bw_out_jstr(&o, r->dir, strlen(r->dir));
	bw_out_str(&o, ",\"state\":\"");
	bw_out_str(&o, finished ? "finished" : r->cancelled ? "cancelling" :
	    "running");
	bw_out_str(&o, "\",\"shards\":{");
	char buf[512];
	snprintf(buf, sizeof buf, "\"total\":%d,\"queued\":%d,\"running\":%d,"
	    "\"ending\":%d,\"done\":%d},\"requests\":{\"total\":%llu", r->ns,
	    st[0], st[1], st[2], st[3], (unsigned long long)total);
	bw_out_str(&o, buf);
	if (finished) {
		for (int j = 0; j < R_NKINDS; j++) {
			snprintf(buf, sizeof buf, ",\"%s\":%llu", kinds[j],
			    (unsigned long long)c[j]);
			bw_out_str(&o, buf);
		}
		bw_out_str(&o, ",\"pending\":0");
	} else {
		snprintf(buf, sizeof buf, ",\"pending\":%llu",
		    (unsigned long long)pending);
		bw_out_str(&o, buf);
	}
	bw_out_str(&o, "},\"batches\":[");
	int first = 1;
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			if (!a->batch[0])
				continue;
			snprintf(buf, sizeof buf, "%s{\"shard\":%d,\"attempt\":%d,"
			    "\"id\":\"%s\",\"status\":\"%s\",\"requests\":%llu,"
			    "\"tokens\":%llu}", first ? "" : ",", r->s[i].n, a->k,
			    a->batch, a->status, (unsigned long long)a->requests,
			    (unsigned long long)a->tokens);
			bw_out_str(&o, buf);
			first = 0;
			for (int j = 0; j < 3; j++)
				u[j] += a->usage[j];
		}
	snprintf(buf, sizeof buf, "],\"usage\":{\"input_tokens\":%.0f,"
	    "\"output_tokens\":%.0f,\"total_tokens\":%.0f},\"tokens\":{"
	    "\"in_flight\":%llu,\"budget\":", u[0], u[1], u[2],
	    (unsigned long long)in_flight(r));
	bw_out_str(&o, buf);
	if (r->o->max_tokens) {
		snprintf(buf, sizeof buf, "%llu",
		    (unsigned long long)r->o->max_tokens);
		bw_out_str(&o, buf);
	} else {
		bw_out_str(&o, "null");
	}
	bw_out_str(&o, "}}\n");
	bw_out_commit(&o);
}

static void
dry_run(const struct bw_run_opts *o, char **files, int nfiles)
{
	struct bw_build b = { .max_requests = o->max_requests,
		.max_body = 20 << 20, .max_file = o->max_file,
		.max_tokens = o->max_tokens, .max_line = 64 << 20, .plan = 1 };
	struct bw_out out;
	uint64_t req = 0, bytes = 0, tokens = 0;

	bw_mapper_init(&b.map, o->model, o->endpoint, o->defaults);
	bw_build(&b, files, nfiles);
	bw_mapper_free(&b.map);
	bw_out_open(&out, 1, "stdout", 1);
	for (size_t i = 0; i < b.nshards; i++) {
		char line[200];
		snprintf(line, sizeof line, "{\"shard\":%zu,\"requests\":%llu,"
		    "\"bytes\":%llu,\"tokens\":%llu}\n", i + 1,
		    (unsigned long long)b.shards[i].requests,
		    (unsigned long long)b.shards[i].bytes,
		    (unsigned long long)b.shards[i].tokens);
		bw_out_str(&out, line);
		req += b.shards[i].requests;
		bytes += b.shards[i].bytes;
		tokens += b.shards[i].tokens;
	}
	bw_out_commit(&out);
	bw_warn("%llu requests in %zu shards, %llu bytes, about %llu tokens: "
	    "nothing sent (--dry-run)", (unsigned long long)req, b.nshards,
	    (unsigned long long)bytes, (unsigned long long)tokens);
	free(b.shards);
}

static void
make_token(char out[33])
{
	unsigned char b[8];
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b)
		bw_die(BW_EX_IOERR, "/dev/urandom: %s", strerror(errno));
	close(fd);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Checks the settings given against the run's, taking the run's for
   those not given. */
static void
settle_settings(struct run *r, struct bw_run_opts *o, struct bw_v saved,
    struct bw_arena *ar)
{
	struct bw_v v;
	const char *why;

	if (o->model)
		same(r, saved, "model", bw_str(ar, o->model, strlen(o->model)),
		    "-m");
	v = bw_get(saved, "model");
	if (v.kind != BW_STR)
		bw_die(BW_EX_IOERR, "%s/settings.json: no model: the run "
		    "directory is damaged", r->dir);
	o->model = v.u.s;
	if (o->endpoint >= 0)
		same(r, saved, "endpoint", bw_lit(bw_endpoint_name(o->endpoint)),
		    "-e");
	v = bw_get(saved, "endpoint");
	if (v.kind != BW_STR || (o->endpoint = bw_endpoint_parse(v.u.s)) < 0)
		bw_die(BW_EX_IOERR, "%s/settings.json: no endpoint: the run "
		    "directory is damaged", r->dir);
	if (o->defaults)
		same(r, saved, "defaults", bw_read(ar, o->defaults,
		    strlen(o->defaults), INT_MAX, &why, NULL), "-D");
	v = bw_get(saved, "defaults");
	o->defaults = v.kind == BW_OBJ ? bw_dump(ar, v).u.s : NULL;
	if (o->attempts)
		same(r, saved, "attempts", bw_num(o->attempts), "--attempts");
	o->attempts = (int)num(saved, "attempts");
	if (o->max_requests)
		same(r, saved, "maxRequests", bw_num((double)o->max_requests),
		    "--max-requests");
	o->max_requests = (uint64_t)num(saved, "maxRequests");
	if (o->max_file)
		same(r, saved, "maxFile", bw_num((double)o->max_file),
		    "--max-file");
	o->max_file = (uint64_t)num(saved, "maxFile");
	if (o->max_tokens)
		same(r, saved, "maxEnqueuedTokens", bw_num((double)o->max_tokens),
		    "--max-enqueued-tokens");
	o->max_tokens = (uint64_t)num(saved, "maxEnqueuedTokens");
	v = bw_get(saved, "token");
	if (v.kind != BW_STR || v.n >= sizeof r->token)
		bw_die(BW_EX_IOERR, "%s/settings.json: no token: the run "
		    "directory is damaged", r->dir);
	memcpy(r->token, v.u.s, v.n + 1);
}

/* The hash of a file, read whole. */
static void
hash_file(const char *path, char out[33])
{
	struct bw_hash h = { 0 };

	each_block(path, BW_EX_USAGE, to_hash, &h);
	bw_hash_hex(&h, out);
}

static void
wait_next(struct run *r, double deadline)
{
	double until = bw_now() + r->o->interval;

	if (deadline > 0 && until > deadline)
		until = deadline;
	while (!bw_interrupted && bw_now() < until) {
		struct timespec ts;
		double d = until - bw_now();
		if (d > 0.2)
			d = 0.2;
		if (d <= 0)
			break;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

int
bw_run(struct bw_api *api, struct bw_run_opts *o, char **files, int nfiles)
{
	struct run r = { .o = o, .api = api };
	struct bw_arena ar = { 0 };
	struct bw_v saved;
	char *p, *hint;
	int lock, rc;
	double deadline = 0;

	/* every setting given is checked before anything is kept */
	if (o->defaults) {
		const char *why;
		size_t col;
		struct bw_v d = bw_read(&ar, o->defaults, strlen(o->defaults),
		    INT_MAX, &why, &col);
		if (d.kind != BW_OBJ)
			bw_die(BW_EX_USAGE, "-D: %s", d.kind ? "not a JSON object" :
			    bw_why("invalid JSON at column %zu: %s", col, why));
	}
	if (o->model) {
		struct bw_mapper m;
		bw_mapper_init(&m, o->model, o->endpoint < 0 ? BW_CHAT :
		    o->endpoint, o->defaults);
		bw_mapper_free(&m);
	}
	if (o->dry_run) {
		if (!o->model)
			bw_die(BW_EX_USAGE, "-m: --dry-run needs a model");
		if (o->endpoint < 0)
			o->endpoint = BW_CHAT;
		if (!o->max_requests)
			o->max_requests = 50000;
		if (!o->max_file)
			o->max_file = 200000000;
		dry_run(o, files, nfiles);
		return 0;
	}
	r.dir = o->dir;
	r.start = bw_now();
	r.tty = isatty(2);
	if (o->status) {
		saved = load_json(&ar, p = fmt("%s/settings.json", r.dir));
		if (!saved.kind)
			bw_die(BW_EX_USAGE, "%s: no run here (no settings.json)",
			    r.dir);
		free(p);
		settle_settings(&r, o, saved, &ar);
		load(&r, 0);
		status(&r);
		return 0;
	}
	if (mkdir(r.dir, 0777) < 0 && errno != EEXIST)
		bw_die(BW_EX_IOERR, "%s: cannot be made: %s", r.dir,
		    strerror(errno));
	p = fmt("%s/lock", r.dir);
	if ((lock = open(p, O_WRONLY | O_CREAT, 0666)) < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be opened: %s", p,
		    strerror(errno));
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			bw_die(BW_EX_IOERR, "%s: %s", p, strerror(errno));
		if (o->once)	/* the next tick of cron will do */
			exit(BW_EX_TEMPFAIL);
		bw_die(BW_EX_TEMPFAIL, "another bw-run is working in %s", r.dir);
	}
	free(p);
	saved = load_json(&ar, p = fmt("%s/settings.json", r.dir));
	free(p);
	if (saved.kind) {
		char h[33];
		settle_settings(&r, o, saved, &ar);
		if (nfiles == 1) {
			hash_file(files[0], h);
			if (!bw_is(bw_get(saved, "input"), h))
				bw_die(BW_EX_USAGE, "%s holds a run of other "
				    "requests than %s: leave the file out to go "
				    "on with the run, or remove %s to start over",
				    r.dir, files[0], r.dir);
		} else if (nfiles > 1) {
			bw_die(BW_EX_USAGE, "%s holds a run already: leave the "
			    "files out to go on with it, or remove %s to start "
			    "over", r.dir, r.dir);
		}
	} else {
		char h[33];
		if (!o->model)
			bw_die(BW_EX_USAGE, "-m: the first run in %s needs a model",
			    r.dir);
		if (o->endpoint < 0)
			o->endpoint = BW_CHAT;
		if (!o->attempts)
			o->attempts = 3;
		if (!o->max_requests)
			o->max_requests = 50000;
		if (!o->max_file)
			o->max_file = 200000000;
		bw_api_init(api);	/* no key: said before anything is kept */
		make_token(r.token);
		prepare(&r, files, nfiles, h);
		keep_json(p = fmt("%s/settings.json", r.dir),
		    settings_of(&ar, o, r.token, h));
		free(p);
		/* and the directory itself, in its parent */
		p = fmt("%s/..", r.dir);
		if (bw_syncdir(p) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", p, strerror(errno));
		free(p);
	}
	load(&r, 1);
	bw_catch_signals();
	hint = fmt("interrupted: run bw-run -d %s again to go on", r.dir);
	bw_interrupt_hint(hint);
	if (!saved.kind)
		;	/* the API was set up before the first run kept anything */
	else if (o->cancel || !finished(&r))
		bw_api_init(api);
	if (o->timeout > 0)
		api->deadline = deadline = r.start + o->timeout;
	if (o->cancel)
		cancel_all(&r);
	for (;;) {
		int remains = step(&r);
		if (bw_interrupted)
			break;
		if (!remains)
			break;
		if (o->once) {
			progress(&r);
			progress_clear(&r);
			bw_arena_free(&ar);
			return BW_EX_TEMPFAIL;
		}
		progress(&r);
		if (deadline > 0 && bw_now() >= deadline) {
			progress_clear(&r);
			bw_die(BW_EX_TEMPFAIL, "timed out after %gs: the run goes "
			    "on when bw-run -d %s is run again", o->timeout,
			    r.dir);
		}
		wait_next(&r, deadline);
		if (bw_interrupted)
			break;
	}
	progress_clear(&r);
	if (bw_interrupted)
		bw_reraise();
	p = fmt("%s/results.jsonl", r.dir);
	if (!exists(p))
		join(&r);
	free(p);
	{
		uint64_t c[R_NKINDS], failed;
		final_counts(&r, c);
		failed = c[R_ERRORED] + c[R_EXPIRED] + c[R_CANCELED];
		rc = failed ? BW_EX_NO : 0;
		if (failed)
			bw_warn("%s: %llu of %llu requests failed (%llu errored, "
			    "%llu expired, %llu canceled): see %s/results.jsonl",
			    r.dir, (unsigned long long)failed,
			    (unsigned long long)(failed + c[R_SUCCEEDED]),
			    (unsigned long long)c[R_ERRORED],
			    (unsigned long long)c[R_EXPIRED],
			    (unsigned long long)c[R_CANCELED], r.dir);
	}
	if (!o->quiet)
		print_results(&r);
	bw_arena_free(&ar);
	return rc;
}
