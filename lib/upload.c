/* upload.c: check a batch input file whole, then POST /files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "bw.h"

/* What the calling thread keeps while the workers check lines. */
struct check {
	const struct bw_upload_opts *lim;
	struct bw_strset *ids;
	struct bw_out *spool;	/* a copy of stdin, or NULL */
	br_sha256_context sha;	/* of the bytes uploaded, for the name */
	int hash;		/* sha wanted (--reuse) */
	char *url, *model;	/* those of the first line */
	size_t urln, modeln;
	unsigned long count, first;
	uint64_t bytes;
};


/* Checks one line on its own (in a worker): custom_id to aux, url and
   model to out (num is the url's length). */
static int
check_line(void *state, struct bw_job *j, const char **why)
{
	const struct bw_upload_opts *lim = ((const struct check *)state)->lim;
	struct bw_v v, id, url, model;
	const char *e;
	size_t col;

	*why = NULL;
	if (j->unterminated)
		*why = "no newline at the end: the input looks cut short; "
		    "nothing was sent";
	else if (j->lineno > lim->max_requests)
		*why = bw_why("past the limit of %llu requests in a batch "
		    "(--max-requests)", (unsigned long long)lim->max_requests);
	else if (j->offset + j->n + 1 > lim->max_file)
		*why = bw_why("past the limit of %llu bytes in a batch file "
		    "(--max-file)", (unsigned long long)lim->max_file);
	else if (j->blank)
		*why = "an empty line";
	/* the line, and body's members: what is deeper is only checked */
	else if (!(v = bw_read(j->arena, j->s, j->n, 2, &e, &col)).kind)
		*why = bw_why("invalid JSON at column %zu: %s", col, e);
	else
		*why = bw_line_check(v);
	if (*why)
		return -1;
	id = bw_get(v, "custom_id");
	url = bw_get(v, "url");
	model = bw_get(bw_get(v, "body"), "model");
	bw_out_write(j->aux, id.u.s, id.n);
	bw_out_write(j->out, url.u.s, url.n);
	bw_out_write(j->out, model.u.s, model.n);
	j->num = url.n;
	return 0;
}

static char *
copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		bw_die(BW_EX_IOERR, "out of memory");
	memcpy(c, s, n);
	c[n] = 0;
	return c;
}

/* Checks a line against those before it (in order). */
static void
check_take(void *arg, struct bw_job *j, const char *name)
{
	struct check *k = arg;
	const char *url = j->outp, *model = j->outp + j->num;
	size_t urln = j->num, modeln = j->outn - j->num;
	unsigned long first = bw_strset_add(k->ids, j->auxp, j->auxn, j->lineno);

	if (first)
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "duplicate "
		    "custom_id %s (first on line %lu)",
		    bw_quote(j->auxp, j->auxn, 200), first);
	if (!k->url) {
		k->url = copy(url, k->urln = urln);
		k->model = copy(model, k->modeln = modeln);
		k->first = j->lineno;
	} else if (urln != k->urln || memcmp(url, k->url, urln)) {
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "url %s, but line "
		    "%lu has %s: one endpoint per batch", bw_quote(url, urln,
		    60), k->first, k->url);
	} else if (modeln != k->modeln || memcmp(model, k->model, modeln)) {
		bw_die_line(name, j->lineno, BW_EX_DATAERR, "body.model %s, "
		    "but line %lu has %s: one model per batch",
		    bw_quote(model, modeln, 60), k->first, k->model);
	}
	k->count++;
	k->bytes += j->n + 1;
	if (k->hash) {
		br_sha256_update(&k->sha, j->s, j->n);
		br_sha256_update(&k->sha, "\n", 1);
	}
	if (k->spool) {
		bw_out_write(k->spool, j->s, j->n);
		bw_out_char(k->spool, '\n');
	}
}

/* A file of the caller's own lines (lim->url set), which the caller
   wrote, checked and put on disk: none is read again; it must be the
   bytes the caller wrote, a newline last. */
static void
check_size(struct check *k, struct bw_lines *l, const char *path,
    const struct bw_upload_opts *lim)
{
	struct stat st;
	char last = 0;

	if (fstat(l->fd, &st) < 0 || (st.st_size > 0 &&
	    pread(l->fd, &last, 1, st.st_size - 1) != 1))
		bw_die(BW_EX_IOERR, "%s: read error: %s", path, strerror(errno));
	if ((uint64_t)st.st_size != lim->bytes || last != '\n')
		bw_die(BW_EX_IOERR, "%s: %llu bytes, not the %llu written, or no "
		    "newline last: the file was changed or cut short; nothing "
		    "was sent", path, (unsigned long long)st.st_size,
		    (unsigned long long)lim->bytes);
	k->count = lim->requests;
	k->bytes = lim->bytes;
	k->url = copy(lim->url, k->urln = strlen(lim->url));
}

struct same {
	struct bw_api *a;
	struct bw_arena *ar;
	const char *name;
	uint64_t bytes;
};

/* The newest batch file of this name and size on the server (in
   m->ar), or BW_NONE.  The name carries a hash of the content
   (upload_name), so a file found is the same bytes. */
static struct bw_v
find_same(struct same *m)
{
	struct bw_v list = bw_api_json(m->a, m->ar, "GET",
	    "/files?purpose=batch&limit=1000", bw_of(BW_NONE));
	struct bw_v data = bw_get(list, "data");

	for (uint32_t i = 0; data.kind == BW_ARR && i < data.n; i++) {
		struct bw_v f = data.u.m[i].v, bytes = bw_get(f, "bytes");
		if (bw_is(bw_get(f, "filename"), m->name) &&
		    bytes.kind == BW_NUM && bytes.u.num == (double)m->bytes)
			return f;
	}
	return bw_of(BW_NONE);
}

/* The name a file is uploaded under: the user's name, batch.jsonl for
   stdin; with sha (--reuse), that name without .jsonl, a dash, the first
   16 hex digits of the content's SHA-256, .jsonl:
   batch-0123456789abcdef.jsonl, so that a file of that name is that
   content.  (Only with --reuse: SHA-256 runs at a quarter of the
   check's speed, on one core.)  Malloc'd. */
static char *
upload_name(const char *path, const char *as, br_sha256_context *sha)
{
	unsigned char d[32];
	const char *base = "batch.jsonl";
	size_t n;
	char *name;

	if (as)
		base = as;
	else if (path && strcmp(path, "-"))
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	n = strlen(base);
	if (!sha || as) {	/* as: the caller's, one for the content */
		if (!(name = strdup(base)))
			bw_die(BW_EX_IOERR, "out of memory");
		return name;
	}
	if (n > 6 && !strcmp(base + n - 6, ".jsonl"))
		n -= 6;
	br_sha256_out(sha, d);
	if (!(name = malloc(n + 24)))
		bw_die(BW_EX_IOERR, "out of memory");
	memcpy(name, base, n);
	name[n] = '-';
	for (int i = 0; i < 8; i++)
		snprintf(name + n + 1 + 2 * i, 3, "%02x", d[i]);
	memcpy(name + n + 17, ".jsonl", 7);
	return name;
}

static int
upload_unknown(struct bw_call *c)
{
	struct same *m = c->arg;
	struct bw_v found = find_same(m);
	struct bw_out o;

	if (!found.kind)
		return -1;
	bw_warn("POST %s/files: the request's fate was unknown, but %s is on "
	    "the server: not sending it again", m->a->basepath, m->name);
	bw_out_open(&o, -1, "json", 0);
	bw_out_v(&o, found);
	c->body = o.buf;
	c->len = o.n;
	return 0;
}

void
bw_upload(struct bw_api *a, const char *path, const struct bw_upload_opts *lim,
    struct bw_out *o)
{
	struct bw_lines l;
	struct check k = { .lim = lim, .ids = bw_strset_new() };
	struct bw_par_ops ops = { NULL, check_line, check_take, NULL, NULL,
		&k, 0 };
	struct bw_par *p;
	struct bw_call c = { .method = "POST", .path = "/files" };
	struct bw_out spool;
	struct stat st;
	char *name;
	int regular;
	uint64_t bytes = 0;

	bw_lines_open(&l, path, lim->max_line);
	if (fstat(l.fd, &st) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", path ? path : "stdin", strerror(errno));
	regular = S_ISREG(st.st_mode);
	if (regular) {
		off_t at = lseek(l.fd, 0, SEEK_CUR);
		c.upload_fd = l.fd;
		c.upload_offset = at < 0 ? 0 : (uint64_t)at;
	} else {
		c.upload_fd = bw_tmpfd("upload");
		bw_out_open(&spool, c.upload_fd, "temporary file", 0);
	}
	k.spool = regular ? NULL : &spool;
	if ((k.hash = lim->reuse && !lim->name))
		br_sha256_init(&k.sha);
	if (lim->url && regular) {
		check_size(&k, &l, path, lim);
	} else {
		p = bw_par_new(&ops, bw_par_threads());
		bw_par_lines(p, &l);
		bw_par_free(p);
	}
	bytes = k.bytes;
	if (k.count == 0)
		bw_die(BW_EX_DATAERR, "%s%sno requests in the input",
		    path ? path : "", path ? ": " : "");
	if (!regular)
		bw_out_commit(&spool);
	c.upload_size = bytes;
	c.expires_after = lim->expires_after;
	c.upload_name = name = upload_name(path, lim->name, k.hash ? &k.sha : NULL);
	struct bw_arena ar = { 0 };
	struct same same = { a, &ar, name, bytes };
	struct bw_v file = bw_of(BW_NONE), id;
	if (lim->reuse) {
		if (!lim->fresh)
			file = find_same(&same);
		if (file.kind) {
			id = bw_get(file, "id");
			bw_warn("%s: on the server already as %s (%s): not "
			    "uploading it again", path && strcmp(path, "-") ?
			    path : "stdin", id.kind == BW_STR ? id.u.s : "?",
			    name);
		}
		c.on_unknown = upload_unknown;
		c.arg = &same;
	}
	if (!file.kind) {
		c.progress = isatty(2);	/* a person waits: show the bytes */
		file = bw_api_object(a, &ar, &c, bw_of(BW_NONE));
		if (c.progress)
			fputs("\r\033[K", stderr);
	}
	id = bw_get(file, "id");
	if (id.kind != BW_STR)
		bw_die(BW_EX_PROTOCOL, "POST %s/files: the reply is not a File "
		    "object%s", a->basepath, bw_api_reqid(&c));
	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_PROTOCOL, "POST %s/files: the server sent an invalid "
		    "file id %s%s", a->basepath, bw_quote(id.u.s, id.n, 80),
		    bw_api_reqid(&c));
	file = bw_set(&ar, file, "endpoint", bw_str(&ar, k.url, k.urln));
	file = bw_set(&ar, file, "request_count", bw_num(k.count));
	bw_out_v(o, file);
	bw_out_char(o, '\n');
	bw_arena_free(&ar);
	free(name);
	free(k.url);
	free(k.model);
	bw_strset_free(k.ids);
	if (!regular)
		close(c.upload_fd);
	bw_lines_close(&l);
}
