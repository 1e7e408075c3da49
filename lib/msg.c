/* msg.c: messages, exit codes, temporary files removed on death. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>

#include "bw.h"

#ifndef BW_VERSION
#define BW_VERSION "0"
#endif

static const char *prog = "bw";	/* set by bw_init */
volatile sig_atomic_t bw_interrupted;
static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	bw_interrupted = 1;
	caught = sig;
}

void
bw_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const char *hint;

void
bw_interrupt_hint(const char *msg)
{
	hint = msg;
}

static const char **cleanup;
static size_t ncleanup;

void
bw_reraise(void)
{
	int sig = caught ? caught : SIGTERM;

	for (size_t i = 0; i < ncleanup; i++)
		unlink(cleanup[i]);
	if (hint)
		bw_warn("%s", hint);
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
	exit(128 + sig);
}

void
bw_init(char **argv)
{
	int closed_stdout = 0;
	const char *s = argv[0] ? strrchr(argv[0], '/') : NULL;

	prog = s ? s + 1 : argv[0] ? argv[0] : "bw";
	argv[0] = (char *)prog;	/* for getopt's messages */
	signal(SIGPIPE, SIG_IGN);
	/* A closed 0, 1 or 2 gets /dev/null, so that no file or socket
	   opened later (libcurl's socketpair) takes its number and receives
	   what was meant for stdout or stderr.  Every program writes its
	   result to stdout: with stdout closed it could only fail or lie. */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
		if (fd == 1)
			closed_stdout = 1;
	}
	if (closed_stdout)
		bw_die(BW_EX_IOERR, "stdout: closed; give it a file or a pipe "
		    "(>/dev/null to discard)");
}

/* Writes all n bytes of p to stderr, in one write(2) unless it is cut
   short. */
static void
put(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(2, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* "prog: message\n", whatever their length: in buf when it fits, else
   in memory from malloc; only when that fails is the message cut, at
   the start of a UTF-8 character. */
static BW_PRINTF(1, 0) void
vmsg(const char *fmt, va_list ap)
{
	char buf[1024], *p = buf;
	size_t np = strlen(prog), size = sizeof buf, n;
	int errno0 = errno, m;
	va_list aq;

	va_copy(aq, ap);
	m = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (m < 0)
		m = 0;
	n = np + 2 + (size_t)m;
	if (n + 2 > size && (p = malloc(n + 2)))
		size = n + 2;
	if (!p) {
		p = buf;
		if (np > size / 2)
			for (np = size / 2; np > 0 &&
			    ((unsigned char)prog[np] & 0xc0) == 0x80; np--)
				;
	}
	memcpy(p, prog, np);
	memcpy(p + np, ": ", 2);
	vsnprintf(p + np + 2, size - np - 2, fmt, ap);
	if (n + 2 > size) {
		n = size - 2;
		while (n > np + 2 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	/* one line, whatever the message holds */
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' || p[i] == '\r')
			p[i] = ' ';
	p[n++] = '\n';
	put(p, n);
	if (p != buf)
		free(p);
	errno = errno0;
}

void
bw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
bw_cleanup_path(const char *path)
{
	const char **c = realloc(cleanup, (ncleanup + 1) * sizeof *c);

	if (!c) {
		unlink(path);
		bw_die(BW_EX_IOERR, "out of memory");
	}
	cleanup = c;
	cleanup[ncleanup++] = path;
}

void
bw_cleanup_drop(const char *path)
{
	for (size_t i = 0; i < ncleanup; i++)
		if (cleanup[i] == path)
			cleanup[i] = cleanup[--ncleanup];
}

void
bw_cleanup_forget(void)
{
	free(cleanup);
	cleanup = NULL;
	ncleanup = 0;
}

void
bw_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < ncleanup; i++)
		unlink(cleanup[i]);
	exit(code);
}

void
bw_die_pipe(void)
{
	for (size_t i = 0; i < ncleanup; i++)
		unlink(cleanup[i]);
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	exit(128 + SIGPIPE);	/* were it blocked */
}

void
bw_usage(const char *synopsis)
{
	fprintf(stderr, "usage: %s %s\n", prog, synopsis);
	exit(BW_EX_USAGE);
}

void
bw_help(const char *synopsis, const char *options)
{
	if (printf("usage: %s %s\n\n%s", prog, synopsis, options) < 0 ||
	    fflush(stdout) == EOF)
		bw_die(BW_EX_IOERR, "stdout: %s", strerror(errno));
	exit(0);
}

void
bw_version(void)
{
	if (printf("%s %s\n", prog, BW_VERSION) < 0 || fflush(stdout) == EOF)
		bw_die(BW_EX_IOERR, "stdout: %s", strerror(errno));
	exit(0);
}

double
bw_parse_seconds(const char *flag, const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end || !(d >= 0) || d > 1e9)
		bw_die(BW_EX_USAGE, "%s: %s is not a number of seconds (a plain "
		    "number: 300, not 5m)", flag, bw_quote(s, strlen(s), 40));
	return d;
}

/* s as a number of seconds, with an optional unit s, m, h or d after
   it; -1 when it is not one. */
static double
seconds_of(const char *s)
{
	char *end;
	double d = strtod(s, &end), unit = 1;

	if (end != s && end[0] && !end[1])
		switch (*end) {
		case 's': end++; break;
		case 'm': unit = 60; end++; break;
		case 'h': unit = 3600; end++; break;
		case 'd': unit = 86400; end++; break;
		}
	if (end == s || *end || !(d >= 0) || d * unit > 1e10)
		return -1;
	return d * unit;
}

double
bw_parse_duration(const char *flag, const char *s)
{
	double d = seconds_of(s);

	if (d < 0)
		bw_die(BW_EX_USAGE, "%s: %s is not a time (a number with s, m, h "
		    "or d after it: 90, 5m, 1.5h, 2d)", flag,
		    bw_quote(s, strlen(s), 40));
	return d;
}

uint64_t
bw_parse_size(const char *flag, const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || v > (ULLONG_MAX >> shift))
		goto bad;
	return (uint64_t)v << shift;
bad:
	fprintf(stderr, "%s: %s: not a size: %s\n", prog, flag,
		bw_quote(s, strlen(s), 40));
	exit(BW_EX_USAGE);
}

long long
bw_parse_expiry(const char *flag, const char *s)
{
	size_t k = strspn(s, "0123456789");	/* a whole number, a unit */
	double d = k && (!s[k] || !s[k + 1]) ? seconds_of(s) : -1;

	if (d < BW_EXPIRY_MIN || d > BW_EXPIRY_MAX)
		bw_die(BW_EX_USAGE, "%s: %s is not from 3600 to 2592000 seconds "
		    "(1h to 30d)", flag, bw_quote(s, strlen(s), 40));
	return (long long)d;
}

const char *
bw_why(const char *fmt, ...)
{
	static BW_TLS char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return buf;
}

double
bw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
bw_no_core(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
#ifdef __linux__
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);	/* no core, no ptrace */
#endif
}

const char *
bw_progname(void)
{
	return prog;
}
