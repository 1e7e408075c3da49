/* build.c: requests in, batch input lines (or shards of them) out. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

/* A line past a limit; sharded says a shard would not help (the line
   alone is past it), else --split is the way out. */
static void
limit(const char *name, unsigned long lineno, const char *what, uint64_t max,
    const char *flag, int sharded)
{
	bw_die_line(name, lineno, BW_EX_DATAERR, "past the limit of %llu %s "
	    "(%s%s to change it)", (unsigned long long)max, what,
	    sharded ? "" : "use --split, or ", flag);
}

/* Removes the shards of prefix past the nshards just written (left by
   an earlier run with more), so that a glob of prefix-*.jsonl is this
   run's: only names prefix-NNNN.jsonl as %04zu writes them. */
static void
remove_stale(const char *prefix, size_t nshards)
{
	const char *slash = strrchr(prefix, '/'), *base;
	char *dir;
	size_t nb;
	DIR *d;
	struct dirent *e;

	if (slash) {
		size_t nd = slash == prefix ? 1 : (size_t)(slash - prefix);
		if (!(dir = malloc(nd + 1)))
			bw_die(BW_EX_IOERR, "out of memory");
		memcpy(dir, prefix, nd);
		dir[nd] = 0;
		base = slash + 1;
	} else {
		if (!(dir = strdup(".")))
			bw_die(BW_EX_IOERR, "out of memory");
		base = prefix;
	}
	nb = strlen(base);
	if (!(d = opendir(dir)))
		bw_die(BW_EX_IOERR, "%s: %s", dir, strerror(errno));
	while ((errno = 0, e = readdir(d))) {
		const char *n = e->d_name, *q;
		size_t nd = 0, num = 0;

		if (strncmp(n, base, nb) || n[nb] != '-')
			continue;
		for (q = n + nb + 1; *q >= '0' && *q <= '9'; q++, nd++)
			if (num <= (SIZE_MAX - 9) / 10)
				num = num * 10 + (size_t)(*q - '0');
			else
				num = SIZE_MAX;
		if (strcmp(q, ".jsonl") || nd < 4 ||
		    (nd > 4 && n[nb + 1] == '0') || num <= nshards)
			continue;
		size_t np = strlen(dir) + 1 + strlen(n) + 1;
		char *path = malloc(np);
		if (!path)
			bw_die(BW_EX_IOERR, "out of memory");
		snprintf(path, np, "%s/%s", dir, n);
		if (unlink(path) < 0 && errno != ENOENT)
			bw_die(BW_EX_IOERR, "%s: a shard of an earlier run, "
			    "cannot be removed: %s", path, strerror(errno));
		free(path);
	}
	if (errno)
		bw_die(BW_EX_IOERR, "%s: %s", dir, strerror(errno));
	closedir(d);
	free(dir);
}

/* The name of shard i (from 1) of prefix, malloc'd: PREFIX-NNNN.ext,
   and ".tmp" after it with tmp. */
static char *
shard_path(const char *prefix, size_t i, const char *ext, int tmp)
{
	int n = snprintf(NULL, 0, "%s-%04zu.%s%s", prefix, i, ext,
	    tmp ? ".tmp" : "");
	char *p = malloc(n + 1);

	if (!p)
		bw_die(BW_EX_IOERR, "out of memory");
	snprintf(p, n + 1, "%s-%04zu.%s%s", prefix, i, ext, tmp ? ".tmp" : "");
	return p;
}

/* What the calling thread keeps: the output and the limits. */
struct taker {
	struct bw_build *b;
	struct bw_out out;	/* stdout, or the shard being written */
	int fd;			/* the shard's, or -1 */
	struct bw_out idout;	/* its ids (with b->ids) */
	int idfd;
	char **tmps;		/* the shards' temporary names, until kept:
				   two a shard with b->ids */
	struct bw_strset *ids;
	unsigned long count;
	struct bw_shard cur;	/* the shard being filled */
};

/* What a worker has: its mapper and the limits. */
struct worker {
	struct bw_mapper m;
	const struct bw_build *b;
};

static void
job_warn(void *job, const char *msg)
{
	bw_job_warn(job, msg);
}

static void *
init(void *arg)
{
	struct bw_build *b = ((struct taker *)arg)->b;
	struct worker *w = malloc(sizeof *w);

	if (!w)
		bw_die(BW_EX_IOERR, "out of memory");
	bw_mapper_init(&w->m, b->map.model, b->map.endpoint,
	    b->map.defaults_text);
	w->m.warn = job_warn;
	w->b = b;
	return w;
}

static void
fini(void *state)
{
	bw_mapper_free(&((struct worker *)state)->m);
	free(state);
}

uint64_t
bw_tokens_estimate(struct bw_v body, uint64_t bytes)
{
	static const char *const caps[] = { "max_tokens",
		"max_completion_tokens", "max_output_tokens" };
	uint64_t t = (bytes + 2) / 3;

	for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
		struct bw_v v = bw_get(body, caps[i]);
		if (v.kind == BW_NUM && v.u.num > 0 && v.u.num < 0x1p53)
			t += (uint64_t)v.u.num;
	}
	return t;
}

/* Maps one request to its batch line (out), its custom_id (aux) and
   its estimated tokens (num). */
static int
work(void *state, struct bw_job *j, const char **why)
{
	struct bw_mapper *m = &((struct worker *)state)->m;
	const struct bw_build *b = ((struct worker *)state)->b;
	struct bw_out *o = j->out;
	struct bw_v req;
	struct bw_v body, cid;
	const char *w, *id;
	char idbuf[32];
	size_t col, idlen;
	uint64_t bodystart, bodyn;
	int rc = 0;

	if (j->blank)
		return 1;
	m->warn_arg = j;
	if (!(req = bw_read(&m->arena, j->s, j->n, INT_MAX, &w, &col)).kind) {
		*why = bw_why("invalid JSON at column %zu: %s", col, w);
		rc = -1;
	} else if ((body = bw_map_request(m, req, &cid, why)).kind == BW_NONE) {
		rc = -1;
	} else {
		if (cid.kind == BW_STR) {
			id = cid.u.s;
			idlen = cid.n;
		} else {
			idlen = snprintf(idbuf, sizeof idbuf, "request-%lu",
			    j->index);
			id = idbuf;
		}
		bw_out_write(j->aux, id, idlen);
		bw_out_str(o, "{\"custom_id\":");
		bw_out_jstr(o, id, idlen);
		bw_out_str(o, ",\"method\":\"POST\",\"url\":\"");
		bw_out_str(o, bw_endpoint_url(m->endpoint));
		bw_out_str(o, "\",\"body\":");
		bodystart = o->n;
		bw_out_v(o, body);
		bodyn = o->n - bodystart;
		j->num = bw_tokens_estimate(body, bodyn);
		j->mark = bw_output_of(body).kind != BW_OUTPUT_NONE;
		bw_out_str(o, "}\n");
		if (bodyn > b->max_body) {
			*why = bw_why("past the limit of %llu bytes in a request "
			    "body (--max-body to change it)",
			    (unsigned long long)b->max_body);
			rc = -1;
		}
	}
	bw_arena_reset(&m->arena);
	return rc;
}

/* Ends the shard being filled: its numbers kept, its file written. */
static void
end_shard(struct taker *t)
{
	struct bw_build *b = t->b;

	if (!(b->shards = realloc(b->shards, (b->nshards + 1) *
	    sizeof *b->shards)))
		bw_die(BW_EX_IOERR, "out of memory");
	b->shards[b->nshards++] = t->cur;
	t->cur.first += t->cur.requests;
	t->cur.requests = t->cur.bytes = t->cur.tokens = t->cur.outputs = 0;
	if (t->fd >= 0) {
		bw_out_commit(&t->out);
		if (close(t->fd) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", t->out.name,
			    strerror(errno));
		t->fd = -1;
	}
	if (t->idfd >= 0) {
		bw_out_commit(&t->idout);
		if (close(t->idfd) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", t->idout.name,
			    strerror(errno));
		t->idfd = -1;
	}
}

/* Opens a temporary file of shard n, its name kept in t->tmps[k]. */
static int
open_tmp(struct taker *t, size_t n, const char *ext, size_t k)
{
	char *tmp = shard_path(t->b->split, n, ext, 1);
	int fd;

	t->tmps[k] = tmp;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
	bw_cleanup_path(tmp);
	return fd;
}

/* Starts writing shard n (from 1). */
static void
open_shard(struct taker *t, size_t n)
{
	size_t per = t->b->ids ? 2 : 1;

	if (!(t->tmps = realloc(t->tmps, n * per * sizeof *t->tmps)))
		bw_die(BW_EX_IOERR, "out of memory");
	t->fd = open_tmp(t, n, "jsonl", (n - 1) * per);
	bw_out_open(&t->out, t->fd, t->tmps[(n - 1) * per], 0);
	if (t->b->ids) {
		t->idfd = open_tmp(t, n, "ids", (n - 1) * per + 1);
		bw_out_open(&t->idout, t->idfd, t->tmps[(n - 1) * per + 1], 0);
	}
}

/* Checks a mapped line against the ids before it and the limits, and
   writes it out. */
static void
take(void *arg, struct bw_job *j, const char *name)
{
	struct taker *t = arg;
	struct bw_build *b = t->b;
	struct bw_shard *c = &t->cur;
	unsigned long first = bw_strset_add(t->ids, j->auxp, j->auxn, j->lineno);
	int shards = b->split || b->plan;

	if (first)
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "duplicate customId "
		    "%s (first on line %lu)", bw_quote(j->auxp, j->auxn, 200),
		    first);
	if (b->max_tokens && j->num > b->max_tokens)
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "an estimated %llu "
		    "tokens, past the queue budget of %llu "
		    "(--max-enqueued-tokens): no batch could hold it",
		    (unsigned long long)j->num,
		    (unsigned long long)b->max_tokens);
	if (shards && c->requests > 0 && (c->requests + 1 > b->max_requests ||
	    c->bytes + j->outn > b->max_file ||
	    (b->max_tokens && c->tokens + j->num > b->max_tokens)))
		end_shard(t);
	if (c->requests + 1 > b->max_requests)
		limit(name, j->lineno, "requests in a batch", b->max_requests,
		    "--max-requests", shards);
	if (c->bytes + j->outn > b->max_file)
		limit(name, j->lineno, "bytes in a batch file", b->max_file,
		    "--max-file", shards);
	if (b->split && c->requests == 0)
		open_shard(t, b->nshards + 1);
	if (!b->plan)
		bw_out_write(&t->out, j->outp, j->outn);
	if (b->ids) {
		/* the id as the line has it: {"custom_id":"...", */
		size_t k = 14;
		while (j->outp[k] != '"')
			k += j->outp[k] == '\\' ? 2 : 1;
		bw_out_write(&t->idout, j->outp + 13, k + 1 - 13);
		bw_out_char(&t->idout, '\n');
	}
	c->requests++;
	c->bytes += j->outn;
	c->tokens += j->num;
	c->outputs += j->mark;
	t->count++;
}

static void
warn(void *arg, const char *msg)
{
	bw_mapper_warn(&((struct taker *)arg)->b->map, msg);
}

void
bw_build(struct bw_build *b, char **files, int nfiles)
{
	struct taker t = { .b = b, .fd = -1, .idfd = -1,
		.ids = bw_strset_new() };
	struct bw_par_ops ops = { init, work, take, warn, fini, &t, 1 };
	struct bw_par *p;
	struct bw_lines l;

	b->shards = NULL;
	b->nshards = 0;
	if (!b->split && !b->plan)
		bw_out_open(&t.out, 1, "stdout", 1);
	p = bw_par_new(&ops, bw_par_threads());
	for (int f = 0; f < (nfiles ? nfiles : 1); f++) {
		bw_lines_open(&l, nfiles ? files[f] : NULL, b->max_line);
		l.hash = b->hash;
		bw_par_lines(p, &l);
		bw_lines_close(&l);
	}
	bw_par_free(p);
	if (t.count == 0)
		bw_die(BW_EX_DATAERR, "no requests in the input");
	bw_strset_free(t.ids);
	if (b->plan) {
		end_shard(&t);
	} else if (b->split) {
		struct bw_out names;
		end_shard(&t);
		/* every shard whole: now they take their names */
		size_t per = b->ids ? 2 : 1;
		for (size_t i = 0; i < b->nshards * per; i++) {
			char *path = strdup(t.tmps[i]);
			if (!path)
				bw_die(BW_EX_IOERR, "out of memory");
			path[strlen(path) - 4] = 0;	/* without .tmp */
			if (rename(t.tmps[i], path) < 0)
				bw_die(BW_EX_IOERR, "%s: %s", path, strerror(errno));
			free(path);
		}
		bw_cleanup_forget();
		for (size_t i = 0; i < b->nshards * per; i++)
			free(t.tmps[i]);
		free(t.tmps);
		remove_stale(b->split, b->nshards);
		if (!b->quiet) {
			bw_out_open(&names, 1, "stdout", 0);
			for (size_t i = 1; i <= b->nshards; i++) {
				char *path = shard_path(b->split, i, "jsonl", 0);
				bw_out_str(&names, path);
				bw_out_char(&names, '\n');
				free(path);
			}
			bw_out_commit(&names);
		}
	} else {
		bw_out_commit(&t.out);
	}
}
