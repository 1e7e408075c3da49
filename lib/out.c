/* out.c: buffered output that checks every write; optional spooling. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

enum { OUTBUF = 1 << 18 };

void
bw_out_open(struct bw_out *o, int fd, const char *name, int spool)
{
	o->fd = fd;
	o->name = name;
	o->cap = OUTBUF;
	o->n = 0;
	o->total = 0;
	o->spool = -1;
	o->spooling = spool;
	o->jsorder = 0;
	if (!(o->buf = malloc(o->cap)))
		bw_die(BW_EX_IOERR, "out of memory");
}

static void
writeall(int fd, const char *name, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE && fd == 1)
				bw_die_pipe();	/* the reader's choice */
			bw_die(BW_EX_IOERR, "%s: write error: %s", name,
			    strerror(errno));
		}
		p += w;
		n -= w;
	}
}

int
bw_tmpfd(const char *what)
{
	const char *dir = getenv("TMPDIR");
	size_t size;
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	size = strlen(dir) + strlen(what) + sizeof "/bw-.XXXXXX";
	if (!(path = malloc(size)))
		bw_die(BW_EX_IOERR, "out of memory");
	snprintf(path, size, "%s/bw-%s.XXXXXX", dir, what);
	if ((fd = mkstemp(path)) < 0) {
		int e = errno;

		snprintf(path, size, "%s/bw-%s.XXXXXX", dir, what);
		bw_die(BW_EX_IOERR, "%s: cannot create a temporary file: %s",
		    path, strerror(e));
	}
	unlink(path);
	free(path);
	return fd;
}

int
bw_syncdir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

static void
flush(struct bw_out *o)
{
	if (o->spooling) {
		if (o->spool < 0)
			o->spool = bw_tmpfd("spool");
		writeall(o->spool, "temporary file", o->buf, o->n);
	} else {
		writeall(o->fd, o->name, o->buf, o->n);
	}
	o->n = 0;
}

void
bw_out_write(struct bw_out *o, const void *p, size_t n)
{
	o->total += n;
	if (o->n + n > o->cap && o->fd < 0 && !o->spooling) {
		size_t cap = o->cap;
		while (cap < o->n + n)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b)
			bw_die(BW_EX_IOERR, "out of memory");
		o->buf = b;
		o->cap = cap;
	} else if (o->n + n > o->cap) {
		flush(o);
		if (n >= o->cap) {
			o->n = n;	/* write straight through */
			char *b = o->buf;
			o->buf = (char *)p;
			flush(o);
			o->buf = b;
			return;
		}
	}
	memcpy(o->buf + o->n, p, n);
	o->n += n;
}

void
bw_out_str(struct bw_out *o, const char *s)
{
	bw_out_write(o, s, strlen(s));
}

void
bw_out_flush(struct bw_out *o)
{
	if (!o->spooling && o->n)
		flush(o);
}

void
bw_out_commit(struct bw_out *o)
{
	if (o->spool >= 0) {
		flush(o);
		if (lseek(o->spool, 0, SEEK_SET) < 0)
			bw_die(BW_EX_IOERR, "temporary file: %s", strerror(errno));
		for (;;) {
			ssize_t r = read(o->spool, o->buf, o->cap);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				bw_die(BW_EX_IOERR, "temporary file: %s",
				    strerror(errno));
			if (r == 0)
				break;
			writeall(o->fd, o->name, o->buf, r);
		}
		close(o->spool);
		o->spool = -1;
	} else {
		o->spooling = 0;
		flush(o);
	}
	free(o->buf);
	o->buf = NULL;
}

void
bw_out_discard(struct bw_out *o)
{
	if (o->spool >= 0)
		close(o->spool);
	o->spool = -1;
	free(o->buf);
	o->buf = NULL;
	o->n = 0;
}

void
bw_out_rewind(struct bw_out *o, uint64_t to)
{
	if (!o->spooling || to > o->total)
		abort();	/* only a spooling writer keeps what it took */
	if (o->total - to <= o->n) {
		o->n -= o->total - to;
	} else {
		if (ftruncate(o->spool, (off_t)to) < 0 ||
		    lseek(o->spool, (off_t)to, SEEK_SET) < 0)
			bw_die(BW_EX_IOERR, "temporary file: %s", strerror(errno));
		o->n = 0;
	}
	o->total = to;
}

void
bw_out_save(struct bw_out *o, uint64_t from, uint64_t to, int fd,
    const char *name)
{
	if (o->n > 0 || o->spool < 0) {
		if (o->spool < 0)
			o->spool = bw_tmpfd("spool");
		writeall(o->spool, "temporary file", o->buf, o->n);
		o->n = 0;
	}
	while (from < to) {
		size_t want = to - from < o->cap ? to - from : o->cap;
		ssize_t r = pread(o->spool, o->buf, want, from);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bw_die(BW_EX_IOERR, "temporary file: %s",
			    r < 0 ? strerror(errno) : "shorter than written");
		writeall(fd, name, o->buf, r);
		from += r;
	}
}
