/* lines.c: unit tests for bw_lines and bw_blank. */
#define _GNU_SOURCE		/* pipe2, O_DIRECT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bw.h"

#define L(s) s, sizeof s - 1

enum { BIGLINE = 64 << 20, BIGCAP = 1 << 20 };

struct run {
	int status;		/* the reader's wait status */
	char *out, *err;	/* what it wrote, NUL-terminated */
	size_t nout;
	size_t written;		/* bytes the writer got into the pipe */
	int epipe;		/* the writer saw EPIPE */
};

static int
tmpfd(void)
{
	char path[] = "/tmp/bw-unit-lines.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static char *
slurp(int fd, size_t *np)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_int_equal(pread(fd, s, n, 0), n);
	s[n] = 0;
	if (np)
		*np = n;
	close(fd);
	return s;
}

/* The reader: every line of fd as "lineno len unterminated|bytes\n". */
static void
reader(int fd, const char *path, size_t max)
{
	struct bw_lines l;
	const char *s;
	size_t n;

	bw_lines_open(&l, path, max);
	if (!path)
		l.fd = fd;
	while (bw_lines_next(&l, &s, &n)) {
		printf("%lu %zu %d|", l.lineno, n, l.unterminated);
		fwrite(s, 1, n, stdout);
		putchar('\n');
	}
	bw_lines_close(&l);
	exit(fflush(stdout) ? 1 : 0);
}

/* Writes s[0..n) to a reader in a child, in chunks of the sizes in
   cuts (ncuts of them; what is left goes last), and waits for it.  In
   packet mode each write is one read at the other end, so the reader
   sees exactly these pieces. */
static void
run(struct run *r, const char *s, size_t n, const size_t *cuts,
    size_t ncuts, size_t max, int packets)
{
	int p[2], out = tmpfd(), err = tmpfd();
	size_t off = 0;
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (!packets || pipe2(p, O_DIRECT) < 0)
		assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		dup2(out, 1);
		dup2(err, 2);
		reader(p[0], NULL, max);
	}
	close(p[0]);
	for (size_t i = 0; i <= ncuts && off < n && !r->epipe; i++) {
		size_t want = i < ncuts ? cuts[i] : n - off;
		if (want > n - off)
			want = n - off;
		while (want > 0) {
			ssize_t w = write(p[1], s + off, want);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				assert_int_equal(errno, EPIPE);
				r->epipe = 1;
				break;
			}
			off += w;
			want -= w;
		}
	}
	r->written = off;
	close(p[1]);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	r->out = slurp(out, &r->nout);
	r->err = slurp(err, NULL);
}

static void
done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void
exits(struct run *r, int code)
{
	if (!WIFEXITED(r->status))
		fail_msg("the reader did not exit (status %d)", r->status);
	if (WEXITSTATUS(r->status) != code)
		fail_msg("the reader exited %d, not %d; stderr: %s",
		    WEXITSTATUS(r->status), code, r->err);
}

/* Reads s whole, byte by byte and split in two at every position;
   each time the lines must be want, and stderr empty. */
static void
every_split(const char *s, size_t n, size_t max, const char *want)
{
	struct run r;
	size_t *ones = malloc((n + 1) * sizeof *ones);

	assert_non_null(ones);
	for (size_t i = 0; i <= n; i++)
		ones[i] = 1;
	run(&r, s, n, NULL, 0, max, 1);
	exits(&r, 0);
	assert_string_equal(r.out, want);
	assert_string_equal(r.err, "");
	done(&r);
	run(&r, s, n, ones, n, max, 1);
	exits(&r, 0);
	assert_string_equal(r.out, want);
	done(&r);
	for (size_t k = 1; k < n; k++) {
		run(&r, s, n, &k, 1, max, 1);
		exits(&r, 0);
		assert_string_equal(r.out, want);
		done(&r);
	}
	free(ones);
}

static void
test_splits(void **state)
{
	(void)state;
	every_split(L("a\n\nbc\r\n  \r\nlast"), 100,
	    "1 1 0|a\n2 0 0|\n3 3 0|bc\r\n4 3 0|  \r\n5 4 1|last\n");
	every_split(L("one\ntwo\n"), 100, "1 3 0|one\n2 3 0|two\n");
	every_split(L("\n"), 100, "1 0 0|\n");
	every_split(L("\n\n\n"), 100, "1 0 0|\n2 0 0|\n3 0 0|\n");
	every_split(L("no newline"), 100, "1 10 1|no newline\n");
	every_split(L("x"), 100, "1 1 1|x\n");
	every_split(L(""), 100, "");
	every_split(L("{\"a\":1}\n{\"b\":\"\xc3\xa9\"}\n"), 100,
	    "1 7 0|{\"a\":1}\n2 10 0|{\"b\":\"\xc3\xa9\"}\n");
}

static void
test_nul_in_line(void **state)
{
	static const char want[] = "1 3 0|x\0y\n2 1 1|\0\n";
	struct run r;

	(void)state;
	run(&r, L("x\0y\n\0"), NULL, 0, 100, 1);
	exits(&r, 0);
	assert_int_equal(r.nout, sizeof want - 1);
	assert_memory_equal(r.out, want, sizeof want - 1);
	done(&r);
}

static void
test_crlf(void **state)
{
	(void)state;
	every_split(L("a\r\nb\r\n\r\n"), 100,
	    "1 2 0|a\r\n2 2 0|b\r\n3 1 0|\r\n");
	every_split(L("a\r"), 100, "1 2 1|a\r\n");
}

static void
test_cap(void **state)
{
	struct run r;

	(void)state;
	every_split(L("0123456789\n"), 10, "1 10 0|0123456789\n");
	every_split(L("0123456789"), 10, "1 10 1|0123456789\n");
	every_split(L("ab\n0123456789\ncd"), 10,
	    "1 2 0|ab\n2 10 0|0123456789\n3 2 1|cd\n");
	every_split(L("\n\n"), 0, "1 0 0|\n2 0 0|\n");

	run(&r, L("0123456789A\n"), NULL, 0, 10, 1);
	exits(&r, 65);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err,
	    "lines: line 1: longer than the limit of 10 bytes\n");
	done(&r);
	run(&r, L("0123456789A"), NULL, 0, 10, 1);
	exits(&r, 65);
	assert_string_equal(r.err,
	    "lines: line 1: longer than the limit of 10 bytes\n");
	done(&r);
	run(&r, L("a"), NULL, 0, 0, 1);
	exits(&r, 65);
	assert_string_equal(r.err,
	    "lines: line 1: longer than the limit of 0 bytes\n");
	done(&r);
}

static void
test_cap_split(void **state)
{
	static const char s[] = "ok\n0123456789A\nnever\n";
	struct run r;
	size_t n = sizeof s - 1;

	(void)state;
	for (size_t k = 0; k < n; k++) {
		run(&r, s, n, &k, k > 0, 10, 1);
		exits(&r, 65);
		assert_string_equal(r.out, "1 2 0|ok\n");
		assert_string_equal(r.err,
		    "lines: line 2: longer than the limit of 10 bytes\n");
		done(&r);
	}
}

/* Lines of the lengths in lens, each of one repeated letter. */
static char *
big(const size_t *lens, int nl, size_t *np, char **want)
{
	size_t n = 0, w = 0;
	char *s, *p;

	for (int i = 0; i < nl; i++)
		n += lens[i] + 1;
	s = malloc(n);
	*want = malloc(2 * n + 64 * nl + 1);
	assert_non_null(s);
	assert_non_null(*want);
	p = s;
	for (int i = 0; i < nl; i++) {
		memset(p, 'a' + i % 26, lens[i]);
		p[lens[i]] = '\n';
		w += sprintf(*want + w, "%d %zu 0|", i + 1, lens[i]);
		memcpy(*want + w, p, lens[i] + 1);
		w += lens[i] + 1;
		p += lens[i] + 1;
	}
	(*want)[w] = 0;
	*np = n;
	return s;
}

static void
test_cap_large(void **state)
{
	static const size_t fits[] = { 5, 300000, 7, 300000, 299999, 300000,
		1, 300000 };
	static const size_t over[] = { 5, 300000, 300001, 7 };
	static const size_t cuts[] = { 3, 65536, 131072, 100000 };
	struct run r;
	size_t n;
	char *want, *s;

	(void)state;
	s = big(fits, 8, &n, &want);
	run(&r, s, n, NULL, 0, 300000, 0);
	exits(&r, 0);
	assert_int_equal(r.nout, strlen(want));
	assert_true(!memcmp(r.out, want, r.nout));
	done(&r);
	run(&r, s, n, cuts, 4, 300000, 1);
	exits(&r, 0);
	assert_true(r.nout == strlen(want) && !memcmp(r.out, want, r.nout));
	done(&r);
	free(s);
	free(want);

	s = big(over, 4, &n, &want);
	run(&r, s, n, NULL, 0, 300000, 0);
	exits(&r, 65);
	assert_string_equal(r.err,
	    "lines: line 3: longer than the limit of 300000 bytes\n");
	assert_int_equal(r.nout, 12 + 300012);
	assert_true(!memcmp(r.out, want, r.nout));
	done(&r);
	free(s);
	free(want);
}

/* The reader must stop at the cap: it dies while the writer still
   has most of the line to send, so the writer gets EPIPE. */
static void
test_cap_not_read_whole(void **state)
{
	struct run r;
	char *s = malloc(BIGLINE);

	(void)state;
	assert_non_null(s);
	memset(s, 'x', BIGLINE - 1);
	s[BIGLINE - 1] = '\n';
	run(&r, s, BIGLINE, NULL, 0, BIGCAP, 0);
	exits(&r, 65);
	assert_string_equal(r.err,
	    "lines: line 1: longer than the limit of 1048576 bytes\n");
	assert_true(r.epipe);
	assert_true(r.written < 4 * BIGCAP);
	done(&r);
	free(s);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/bw-unit-lines.XXXXXX", want[256];
	struct run r;
	int fd = mkstemp(path), out = tmpfd(), err = tmpfd();
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, L("ok\ntoo long\n")), 12);
	close(fd);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(out, 1);
		dup2(err, 2);
		reader(-1, path, 7);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	unlink(path);
	r.out = slurp(out, NULL);
	r.err = slurp(err, NULL);
	exits(&r, 65);
	assert_string_equal(r.out, "1 2 0|ok\n");
	snprintf(want, sizeof want,
	    "lines: %s: line 2: longer than the limit of 7 bytes\n", path);
	assert_string_equal(r.err, want);
	done(&r);
}

static void
run_path(struct run *r, const char *path)
{
	int out = tmpfd(), err = tmpfd();
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(out, 1);
		dup2(err, 2);
		reader(-1, path, 100);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	r->out = slurp(out, NULL);
	r->err = slurp(err, NULL);
}

static void
test_open_error(void **state)
{
	struct run r;

	(void)state;
	run_path(&r, "/nonexistent/bw-unit");
	exits(&r, 2);
	assert_string_equal(r.err,
	    "lines: /nonexistent/bw-unit: No such file or directory\n");
	done(&r);
}

static void
test_read_error(void **state)
{
	struct run r;

	(void)state;
	run_path(&r, "/");
	exits(&r, 74);
	assert_string_equal(r.err, "lines: /: read error: Is a directory\n");
	done(&r);
}

/* A message of any length is written whole, on one line. */
static void
test_die_long(void **state)
{
	enum { N = 1000 };	/* two-byte characters */
	char *msg = malloc(2 * N + 1), *want = malloc(2 * N + 64);
	struct run r;
	int err = tmpfd();
	pid_t pid;

	(void)state;
	assert_non_null(msg);
	assert_non_null(want);
	for (int i = 0; i < N; i++)
		memcpy(msg + 2 * i, "\xc3\xa9", 2);
	msg[2 * N] = 0;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(err, 2);
		bw_die_line("in.jsonl", 3, 65, "bad: %s\n(the end)", msg);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	r.out = NULL;
	r.err = slurp(err, NULL);
	exits(&r, 65);
	snprintf(want, 2 * N + 64, "lines: in.jsonl: line 3: bad: %s "
	    "(the end)\n", msg);
	assert_string_equal(r.err, want);
	done(&r);
	free(msg);
	free(want);
}

static void
test_blank(void **state)
{
	(void)state;
	assert_true(bw_blank(L("")));
	assert_true(bw_blank(L(" ")));
	assert_true(bw_blank(L(" \t\r \t")));
	assert_true(bw_blank(L("\r")));
	assert_true(bw_blank("  x", 2));
	assert_false(bw_blank(L("x")));
	assert_false(bw_blank(L(" x ")));
	assert_false(bw_blank(L("\n")));
	assert_false(bw_blank(L("\f")));
	assert_false(bw_blank(L("\v")));
	assert_false(bw_blank(L(" \0")));
	assert_false(bw_blank(L("{}")));
	assert_false(bw_blank(L("\xc2\xa0")));
}

int
main(void)
{
	char *argv[] = { "lines", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cap_split),
		cmocka_unit_test(test_cap_large),
		cmocka_unit_test(test_cap_not_read_whole),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_open_error),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_die_long),
	};

	bw_init(argv);
	return cmocka_run_group_tests_name("lines", tests, NULL, NULL);
}
