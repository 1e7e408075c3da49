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
		nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
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
