/* dir.c: bw-run's directory: every file kept whole, read back */
#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "run.h"

const char *const kinds[] = { "succeeded", "errored", "expired", "canceled" };

char *
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
char *
apath(struct run *r, const struct shard *s, int k, const char *what)
{
	return fmt("%s/s%04d/a%d.%s", r->dir, s->n, k, what);
}

/* The wall clock, to the nanosecond: times kept across runs (mtimes). */
double
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

int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* --- keeping files --- */

void
kept_open(struct kept *k, const char *path)
{
	k->path = path;
	k->tmp = fmt("%s.tmp", path);
	if ((k->fd = open(k->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", k->tmp, strerror(errno));
	bw_cleanup_path(k->tmp);
	bw_out_open(&k->o, k->fd, k->tmp, 0);
}

/* Writes what is buffered, puts it on disk, gives it its name and puts
   the name on disk. */
void
kept_keep(struct kept *k)
{
	char *slash, *dir;

	bw_out_commit(&k->o);
	if (fsync(k->fd) < 0 || close(k->fd) < 0 || rename(k->tmp, k->path) < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be kept: %s", k->path,
		    strerror(errno));
	bw_cleanup_drop(k->tmp);
	dir = fmt("%s", k->path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if (bw_syncdir(slash ? dir : ".") < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be kept: %s", dir,
		    strerror(errno));
	free(dir);
	free(k->tmp);
}

void
kept_drop(struct kept *k)
{
	bw_out_discard(&k->o);
	close(k->fd);
	unlink(k->tmp);
	bw_cleanup_drop(k->tmp);
	free(k->tmp);
}

/* Writes v as one line to path, durably. */
void
keep_json(const char *path, struct bw_v v)
{
	struct kept k;

	kept_open(&k, path);
	bw_out_v(&k.o, v);
	bw_out_char(&k.o, '\n');
	kept_keep(&k);
}

/* The one JSON object in path (in ar), or BW_NONE when there is no such
   file; dies (74) on a file that is not one: the run directory is
   broken and a person must look. */
struct bw_v
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

double
num(struct bw_v v, const char *key)
{
	struct bw_v x = bw_get(v, key);

	return x.kind == BW_NUM ? x.u.num : 0;
}

/* --- settings --- */

/* --notify's settings, as kept (the secret's file, never the secret) */
static struct bw_v
notify_of(struct bw_arena *ar, const struct bw_run_opts *o)
{
	struct bw_v n = bw_of(BW_OBJ);

	if (!o->notify)
		return bw_of(BW_NULL);
	n = bw_set(ar, n, "url", bw_strf(ar, "%s", o->notify));
	n = bw_set(ar, n, "secretFile", bw_strf(ar, "%s",
	    o->notify_secret_file));
	n = bw_set(ar, n, "allowHttp", bw_of(o->notify_flags &
	    BW_NOTIFY_HTTP ? BW_TRUE : BW_FALSE));
	n = bw_set(ar, n, "allowPrivate", bw_of(o->notify_flags &
	    BW_NOTIFY_PRIVATE ? BW_TRUE : BW_FALSE));
	return n;
}

struct bw_v
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
	s = bw_set(ar, s, "exec", o->exec ? bw_strf(ar, "%s", o->exec) :
	    bw_of(BW_NULL));
	s = bw_set(ar, s, "notify", notify_of(ar, o));
	s = bw_set(ar, s, "expiresAfter", o->expires_after ?
	    bw_num((double)o->expires_after) : bw_of(BW_NULL));
	s = bw_set(ar, s, "outputExpiresAfter", o->output_expires_after ?
	    bw_num((double)o->output_expires_after) : bw_of(BW_NULL));
	s = bw_set(ar, s, "deleteFiles", bw_of(o->delete_files ? BW_TRUE :
	    BW_FALSE));
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
	/* a command or a URL may hold a secret: not shown */
	if (!strcmp(key, "exec") || !strcmp(key, "notify"))
		bw_die(BW_EX_USAGE, "%s holds a run with another %s: leave %s "
		    "out to go on with the run, or remove %s to start over",
		    r->dir, flag, flag, r->dir);
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

struct attempt *
add_attempt(struct shard *s)
{
	if (!(s->a = realloc(s->a, (s->na + 1) * sizeof *s->a)))
		bw_die(BW_EX_IOERR, "out of memory");
	memset(&s->a[s->na], 0, sizeof *s->a);
	s->a[s->na].k = s->na + 1;
	return &s->a[s->na++];
}

void
copy_id(char *dst, size_t cap, struct bw_v id)
{
	snprintf(dst, cap, "%.*s", (int)(id.n < cap - 1 ? id.n : cap - 1),
	    id.kind == BW_STR ? id.u.s : "");
}

void
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
void
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
void
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
		s->outputs = (uint64_t)num(v, "outputs");
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

void
shard_line(struct bw_out *o, size_t n, const struct bw_shard *sh, int first)
{
	char line[200];

	snprintf(line, sizeof line, "{\"shard\":%zu,\"requests\":%llu,"
	    "\"bytes\":%llu,\"tokens\":%llu", n,
	    (unsigned long long)sh->requests, (unsigned long long)sh->bytes,
	    (unsigned long long)sh->tokens);
	bw_out_str(o, line);
	if (sh->outputs) {
		snprintf(line, sizeof line, ",\"outputs\":%llu",
		    (unsigned long long)sh->outputs);
		bw_out_str(o, line);
	}
	if (first) {
		snprintf(line, sizeof line, ",\"first\":%llu",
		    (unsigned long long)sh->first);
		bw_out_str(o, line);
	}
	bw_out_str(o, "}\n");
}

static char *preparing;	/* the directory of a preparation under way */

/* A preparation that failed leaves nothing: its files are removed
   (bw_die), then its directory. */
static void
unprepare(void)
{
	if (preparing)
		rmdir(preparing);
}

void
prepare(struct run *r, char **files, int nfiles, char hash[33])
{
	const struct bw_run_opts *o = r->o;
	struct bw_build b = { .max_requests = o->max_requests,
		.max_body = 20 << 20, .max_file = o->max_file,
		.max_tokens = o->max_tokens, .max_line = 64 << 20,
		.quiet = 1 };
	char *pre = fmt("%s/prepare", r->dir), *prefix;
	struct bw_hash h = { 0 };
	struct kept k;
	char *p;
	int fd;

	/* a preparation cut short is begun again */
	if (mkdir(pre, 0777) < 0 && errno != EEXIST)
		bw_die(BW_EX_IOERR, "%s: %s", pre, strerror(errno));
	remove_tmps(pre);
	preparing = pre;
	atexit(unprepare);
	prefix = fmt("%s/s", pre);
	b.split = prefix;
	b.ids = 1;
	bw_mapper_init(&b.map, o->model, o->endpoint, o->defaults);
	b.hash = &h;
	bw_build(&b, files, nfiles);
	bw_mapper_free(&b.map);
	bw_hash_hex(&h, hash);
	/* each shard becomes attempt 1 of its directory: its lines and
	   their ids */
	for (size_t i = 0; i < 2 * b.nshards; i++) {
		const char *ext = i % 2 ? "ids" : "jsonl";
		char *from = fmt("%s-%04zu.%s", prefix, i / 2 + 1, ext);
		char *d = fmt("%s/s%04zu", r->dir, i / 2 + 1);
		char *to = fmt("%s/a1.%s", d, ext);
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
	kept_open(&k, p = fmt("%s/shards.jsonl", r->dir));
	for (size_t i = 0; i < b.nshards; i++)
		shard_line(&k.o, i + 1, &b.shards[i], 1);
	kept_keep(&k);
	free(p);
	rmdir(pre);
	preparing = NULL;
	free(pre);
	free(prefix);
	free(b.shards);
}

/* Hands every block of path ("-": stdin) to fn; code is the exit
   status of a path that cannot be opened. */
void
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

void
to_out(void *o, const void *p, size_t n)
{
	bw_out_write(o, p, n);
}

static void
to_hash(void *h, const void *p, size_t n)
{
	bw_hash_add(h, p, n);
}

void
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
void
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
	if (o->exec)
		same(r, saved, "exec", bw_strf(ar, "%s", o->exec), "--exec");
	v = bw_get(saved, "exec");
	o->exec = v.kind == BW_STR ? v.u.s : NULL;
	if (o->notify)
		same(r, saved, "notify", notify_of(ar, o), "--notify");
	v = bw_get(saved, "notify");
	o->notify = NULL;
	if (v.kind == BW_OBJ && bw_get(v, "url").kind == BW_STR &&
	    bw_get(v, "secretFile").kind == BW_STR) {
		o->notify = bw_get(v, "url").u.s;
		o->notify_secret_file = bw_get(v, "secretFile").u.s;
		o->notify_flags =
		    (bw_get(v, "allowHttp").kind == BW_TRUE ? BW_NOTIFY_HTTP :
		    0) | (bw_get(v, "allowPrivate").kind == BW_TRUE ?
		    BW_NOTIFY_PRIVATE : 0);
	}
	if (o->expires_after)
		same(r, saved, "expiresAfter", bw_num((double)o->expires_after),
		    "--expires-after");
	o->expires_after = (long long)num(saved, "expiresAfter");
	if (o->output_expires_after)
		same(r, saved, "outputExpiresAfter",
		    bw_num((double)o->output_expires_after),
		    "--output-expires-after");
	o->output_expires_after = (long long)num(saved, "outputExpiresAfter");
	if (o->delete_files)
		same(r, saved, "deleteFiles", bw_of(BW_TRUE), "--delete-files");
	o->delete_files = bw_get(saved, "deleteFiles").kind == BW_TRUE;
	v = bw_get(saved, "token");
	if (v.kind != BW_STR || v.n >= sizeof r->token)
		bw_die(BW_EX_IOERR, "%s/settings.json: no token: the run "
		    "directory is damaged", r->dir);
	memcpy(r->token, v.u.s, v.n + 1);
}

/* The hash of a file, read whole. */
void
hash_file(const char *path, char out[33])
{
	struct bw_hash h = { 0 };

	each_block(path, BW_EX_USAGE, to_hash, &h);
	bw_hash_hex(&h, out);
}

