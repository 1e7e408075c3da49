/* lines.c: newline-delimited input with a per-line cap. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

enum { READSIZE = 1 << 16 };

void
bw_lines_open(struct bw_lines *l, const char *path, size_t max)
{
	memset(l, 0, sizeof *l);
	l->max = max;
	if (!path || !strcmp(path, "-")) {
		l->fd = 0;
		l->name = NULL;
	} else {
		l->name = path;
		if ((l->fd = open(path, O_RDONLY)) < 0)
			bw_die(BW_EX_USAGE, "%s: %s", path, strerror(errno));
	}
	l->size = READSIZE * 4;
	if (!(l->buf = malloc(l->size)))
		bw_die(BW_EX_IOERR, "out of memory");
}

void
bw_lines_close(struct bw_lines *l)
{
	if (l->fd > 0)
		close(l->fd);
	free(l->buf);
	l->buf = NULL;
}

static BW_NORETURN BW_PRINTF(4, 0) void
vdie(const char *name, unsigned long lineno, int code, const char *fmt,
    va_list ap)
{
	char *msg;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n >= 0 && (msg = malloc((size_t)n + 1)))
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	else
		msg = "out of memory";
	if (name)
		bw_die(code, "%s: line %lu: %s", name, lineno, msg);
	bw_die(code, "line %lu: %s", lineno, msg);
}

void
bw_die_line(const char *name, unsigned long lineno, int code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(name, lineno, code, fmt, ap);
}

int
bw_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void
fill(struct bw_lines *l)
{
	ssize_t r;

	if (l->start > 0 && (l->end == l->size || l->size - l->end < READSIZE)) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->scan -= l->start;
		l->start = 0;
	}
	if (l->size - l->end < READSIZE) {
		size_t want = l->size * 2;
		if (want > l->max + 2 * READSIZE)
			want = l->max + 2 * READSIZE;
		if (want < l->end + READSIZE)
			want = l->end + READSIZE;
		char *b = realloc(l->buf, want);
		if (!b)
			bw_die(BW_EX_IOERR, "out of memory");
		l->buf = b;
		l->size = want;
	}
	do
		r = read(l->fd, l->buf + l->end, l->size - l->end);
	while (r < 0 && errno == EINTR);
	if (r < 0 && l->soft) {	/* told in its turn (par.c) */
		l->err = errno;
		l->eof = 1;
		return;
	}
	if (r < 0)
		bw_die(BW_EX_IOERR, "%s: read error: %s",
		    l->name ? l->name : "stdin", strerror(errno));
	if (r > 0 && l->hash)
		bw_hash_add(l->hash, l->buf + l->end, (size_t)r);
	if (r == 0)
		l->eof = 1;
	l->end += r;
}

static int
toolong(struct bw_lines *l)
{
	if (!l->soft)
		bw_die_line(l->name, l->lineno, BW_EX_DATAERR,
		    "longer than the limit of %zu bytes", l->max);
	l->eof = 1;
	l->start = l->scan = l->end;	/* nothing more from this input */
	return -1;
}

int
bw_lines_next(struct bw_lines *l, const char **line, size_t *len)
{
	char *nl;

	l->start = l->scan;
	for (;;) {
		nl = l->end > l->scan ?	/* (a buffer not yet made is NULL) */
		    memchr(l->buf + l->scan, '\n', l->end - l->scan) : NULL;
		if (nl) {
			*line = l->buf + l->start;
			*len = nl - *line;
			l->scan = nl + 1 - l->buf;
			l->lineno++;
			if (*len > l->max)
				return toolong(l);
			l->unterminated = 0;
			return 1;
		}
		l->scan = l->end;
		if (l->end - l->start > l->max) {
			l->lineno++;
			return toolong(l);
		}
		if (l->eof) {
			if (l->err)
				return -2;
			if (l->end == l->start)
				return 0;
			*line = l->buf + l->start;
			*len = l->end - l->start;
			l->scan = l->end;
			l->lineno++;
			l->unterminated = 1;
			return 1;
		}
		fill(l);
	}
}

/* Four lanes of 64-bit multiply-rotate over 32-byte blocks, the tail
   kept between calls so that the result does not depend on how the
   bytes were cut. */
static const uint64_t P1 = 0x9e3779b185ebca87ULL, P2 = 0xc2b2ae3d27d4eb4fULL;

static uint64_t
rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static void
block(struct bw_hash *h, const unsigned char *p)
{
	for (int i = 0; i < 4; i++) {
		uint64_t w;
		memcpy(&w, p + 8 * i, 8);
		h->v[i] = rotl(h->v[i] + w * P2, 31) * P1;
	}
}

void
bw_hash_add(struct bw_hash *h, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (!h->n)
		for (int i = 0; i < 4; i++)
			h->v[i] = P1 * (uint64_t)(i + 1);
	h->n += n;
	if (h->tn) {
		size_t k = 32 - h->tn < n ? 32 - h->tn : n;
		memcpy(h->tail + h->tn, p, k);
		h->tn += k;
		p += k;
		n -= k;
		if (h->tn < 32)
			return;
		block(h, h->tail);
		h->tn = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		block(h, p);
	memcpy(h->tail, p, n);
	h->tn = n;
}

void
bw_hash_hex(const struct bw_hash *h, char out[33])
{
	uint64_t a = h->n * P1, b = P2;

	for (int i = 0; i < 4; i++) {
		uint64_t v = h->n ? h->v[i] : 0;
		a = rotl(a ^ v * P2, 27) * P1 + (uint64_t)i;
		b = rotl(b ^ v * P1, 33) * P2 + a;
	}
	for (size_t i = 0; i < h->tn; i++) {
		a = rotl(a ^ h->tail[i] * P1, 11) * P2;
		b = rotl(b ^ a, 17) * P1;
	}
	a ^= a >> 29;
	b ^= b >> 32;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}
