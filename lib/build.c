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

static void
limit(const char *name, unsigned long lineno, const char *what, uint64_t max,
    const char *flag)
{
	int body = !strcmp(flag, "--max-body");	/* shards do not help */

	bw_die_line(name, lineno, BW_EX_DATAERR, "past the limit of %llu %s "
	    "(%s%s to change it)", (unsigned long long)max, what,
	    body ? "" : "use --split, or ", flag);
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

static void
save_shards(struct bw_out *spool, const char *prefix, uint64_t *ends,
    size_t nshards)
{
	struct bw_out names;
	char **paths = calloc(nshards, sizeof *paths);
	uint64_t from = 0;

	if (!paths)
		bw_die(BW_EX_IOERR, "out of memory");
	for (size_t i = 0; i < nshards; i++) {
		int fd, n = snprintf(NULL, 0, "%s-%04zu.jsonl", prefix, i + 1);
		if (!(paths[i] = malloc(n + 1)))
			bw_die(BW_EX_IOERR, "out of memory");
		snprintf(paths[i], n + 1, "%s-%04zu.jsonl", prefix, i + 1);
		if ((fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", paths[i], strerror(errno));
		bw_cleanup_path(paths[i]);
		bw_out_save(spool, from, ends[i], fd, paths[i]);
		if (close(fd) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", paths[i], strerror(errno));
		from = ends[i];
	}
	remove_stale(prefix, nshards);
	bw_out_open(&names, 1, "stdout", 0);
	for (size_t i = 0; i < nshards; i++) {
		bw_out_str(&names, paths[i]);
		bw_out_char(&names, '\n');
	}
	bw_out_commit(&names);
	bw_cleanup_forget();
	for (size_t i = 0; i < nshards; i++)
		free(paths[i]);
	free(paths);
}

/* What the calling thread keeps: the output and the limits. */
struct taker {
	struct bw_build *b;
	struct bw_out out;
	struct bw_strset *ids;
	unsigned long count, inshard;
	uint64_t *ends, shardstart;
	size_t nshards;
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
	struct bw_mapper *m = malloc(sizeof *m);

	if (!m)
		bw_die(BW_EX_IOERR, "out of memory");
	bw_mapper_init(m, b->map.model, b->map.endpoint, b->map.defaults_text);
	m->warn = job_warn;
	return m;
}

static void
fini(void *state)
{
	bw_mapper_free(state);
	free(state);
}

/* Maps one request to its batch line (out), its custom_id (aux) and
   the size of its body (num). */
static int
work(void *state, struct bw_job *j, const char **why)
{
	struct bw_mapper *m = state;
	struct bw_out *o = j->out;
	struct bw_v req;
	struct bw_v body, cid;
	const char *w, *id;
	char idbuf[32];
	size_t col, idlen;
	uint64_t bodystart;
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
		j->num = o->n - bodystart;
		bw_out_str(o, "}\n");
	}
	bw_arena_reset(&m->arena);
	return rc;
}

/* Checks a mapped line against the ids before it and the limits, and
   writes it out. */
static void
take(void *arg, struct bw_job *j, const char *name)
{
	struct taker *t = arg;
	struct bw_build *b = t->b;
	unsigned long first = bw_strset_add(t->ids, j->auxp, j->auxn, j->lineno);

	if (first)
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "duplicate customId "
		    "%s (first on line %lu)", bw_quote(j->auxp, j->auxn, 200),
		    first);
	if (j->num > b->max_body)
		limit(name, j->lineno, "bytes in a request body", b->max_body,
		    "--max-body");
	if (b->split && (t->inshard + 1 > b->max_requests ||
	    t->out.total - t->shardstart + j->outn > b->max_file) &&
	    t->inshard > 0) {
		t->ends = realloc(t->ends, (t->nshards + 1) * sizeof *t->ends);
		if (!t->ends)
			bw_die(BW_EX_IOERR, "out of memory");
		t->ends[t->nshards++] = t->out.total;
		t->shardstart = t->out.total;
		t->inshard = 0;
	}
	if (t->inshard + 1 > b->max_requests)
		limit(name, j->lineno, "requests in a batch", b->max_requests,
		    "--max-requests");
	if (t->out.total - t->shardstart + j->outn > b->max_file)
		limit(name, j->lineno, "bytes in a batch file", b->max_file,
		    "--max-file");
	bw_out_write(&t->out, j->outp, j->outn);
	t->inshard++;
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
	struct taker t = { .b = b, .ids = bw_strset_new() };
	struct bw_par_ops ops = { init, work, take, warn, fini, &t, 1 };
	struct bw_par *p;
	struct bw_lines l;

	bw_out_open(&t.out, 1, "stdout", 1);
	p = bw_par_new(&ops, bw_par_threads());
	for (int f = 0; f < (nfiles ? nfiles : 1); f++) {
		bw_lines_open(&l, nfiles ? files[f] : NULL, b->max_line);
		bw_par_lines(p, &l);
		bw_lines_close(&l);
	}
	bw_par_free(p);
	if (t.count == 0)
		bw_die(BW_EX_DATAERR, "no requests in the input");
	bw_strset_free(t.ids);
	if (b->split) {
		t.ends = realloc(t.ends, (t.nshards + 1) * sizeof *t.ends);
		if (!t.ends)
			bw_die(BW_EX_IOERR, "out of memory");
		t.ends[t.nshards++] = t.out.total;
		save_shards(&t.out, b->split, t.ends, t.nshards);
		bw_out_discard(&t.out);
	} else {
		bw_out_commit(&t.out);
	}
	free(t.ends);
}
