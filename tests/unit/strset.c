/* strset.c: unit tests for bw_strset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The library's code itself, so that a test can give an empty set a
   hash of its own: the library has no hook for tests. */
#include "../../lib/strset.c"

static void
sethash(struct bw_strset *set, uint64_t (*h)(const char *, size_t))
{
	set->hash = h;
}

enum { BIG = 200000 };		/* more than the set keeps in memory */

/* Test hashes that make distinct strings collide: always, or in 8 bits
   (FNV-1a cut short: about 12 of 3,000 strings share each value). */
static uint64_t
hash_const(const char *s, size_t n)
{
	(void)s;
	(void)n;
	return 42;
}

static uint64_t
hash_8bit(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h & 0xff;
}

static unsigned long
add(struct bw_strset *set, const char *s, unsigned long val)
{
	return bw_strset_add(set, s, strlen(s), val);
}

static void
test_add(void **state)
{
	struct bw_strset *set = bw_strset_new();

	(void)state;
	assert_int_equal(add(set, "a", 1), 0);
	assert_int_equal(add(set, "b", 2), 0);
	assert_int_equal(add(set, "a", 3), 1);
	assert_int_equal(add(set, "b", 4), 2);
	assert_int_equal(add(set, "a", 5), 1);
	bw_strset_free(set);
}

/* get finds what add stored, in memory and in the file alike, among
   colliding hashes, and adds nothing. */
static void
test_get(void **state)
{
	enum { N = 3000 };	/* past the 64 KiB kept in memory */
	struct bw_strset *set = bw_strset_new();
	char s[64];

	(void)state;
	sethash(set, hash_8bit);
	assert_int_equal(bw_strset_get(set, "a", 1), 0);
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdef", i);
		assert_int_equal(add(set, s, i + 7), 0);
	}
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdef", i);
		assert_int_equal(bw_strset_get(set, s, strlen(s)), i + 7);
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdeg", i);
		assert_int_equal(bw_strset_get(set, s, strlen(s)), 0);
	}
	assert_int_equal(set->used, N);
	bw_strset_free(set);
}

static void
test_empty_string(void **state)
{
	struct bw_strset *set = bw_strset_new();

	(void)state;
	assert_int_equal(bw_strset_add(set, "", 0, 7), 0);
	assert_int_equal(bw_strset_add(set, "x", 0, 8), 7);
	assert_int_equal(add(set, "x", 9), 0);
	bw_strset_free(set);
}

static void
test_prefix(void **state)
{
	struct bw_strset *set = bw_strset_new();

	(void)state;
	assert_int_equal(add(set, "abc", 1), 0);
	assert_int_equal(add(set, "ab", 2), 0);
	assert_int_equal(add(set, "abcd", 3), 0);
	assert_int_equal(bw_strset_add(set, "abcdef", 3, 4), 1);
	assert_int_equal(bw_strset_add(set, "abxy", 2, 5), 2);
	bw_strset_free(set);
}

static void
test_values(void **state)
{
	struct bw_strset *set = bw_strset_new();

	(void)state;
	assert_int_equal(add(set, "max", (unsigned long)-1), 0);
	assert_int_equal(add(set, "max", 1), (unsigned long)-1);
	assert_int_equal(add(set, "big", 1UL << 31), 0);
	assert_int_equal(add(set, "big", 1), 1UL << 31);
	bw_strset_free(set);
}

static void
test_many(void **state)
{
	enum { N = 100000 };
	struct bw_strset *set = bw_strset_new();
	char s[32];

	(void)state;
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%lu", i);
		assert_int_equal(add(set, s, i + 1), 0);
	}
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%lu", i);
		assert_int_equal(add(set, s, 1), i + 1);
	}
	snprintf(s, sizeof s, "request-%d", N);
	assert_int_equal(add(set, s, 1), 0);
	bw_strset_free(set);
}

static void
test_nul_bytes(void **state)
{
	struct bw_strset *set = bw_strset_new();

	(void)state;
	assert_int_equal(bw_strset_add(set, "a\0b", 3, 1), 0);
	assert_int_equal(bw_strset_add(set, "a\0c", 3, 2), 0);
	assert_int_equal(bw_strset_add(set, "a", 1, 3), 0);
	assert_int_equal(bw_strset_add(set, "a\0", 2, 4), 0);
	assert_int_equal(bw_strset_add(set, "\0", 1, 5), 0);
	assert_int_equal(bw_strset_add(set, "", 0, 6), 0);
	assert_int_equal(bw_strset_add(set, "\0\0", 2, 7), 0);
	assert_int_equal(bw_strset_add(set, "a\0b", 3, 9), 1);
	assert_int_equal(bw_strset_add(set, "a\0c", 3, 9), 2);
	assert_int_equal(bw_strset_add(set, "a", 1, 9), 3);
	assert_int_equal(bw_strset_add(set, "a\0", 2, 9), 4);
	assert_int_equal(bw_strset_add(set, "\0", 1, 9), 5);
	assert_int_equal(bw_strset_add(set, "", 0, 9), 6);
	assert_int_equal(bw_strset_add(set, "\0\0", 2, 9), 7);
	bw_strset_free(set);
}

static void
test_nul_bytes_many(void **state)
{
	enum { N = 5000 };
	struct bw_strset *set = bw_strset_new();
	char s[8] = { 0 };

	(void)state;
	for (uint32_t i = 0; i < N; i++) {
		memcpy(s + 2, &i, sizeof i);
		assert_int_equal(bw_strset_add(set, s, sizeof s, i + 1), 0);
	}
	for (uint32_t i = 0; i < N; i++) {
		memcpy(s + 2, &i, sizeof i);
		assert_int_equal(bw_strset_add(set, s, sizeof s, 1), i + 1);
	}
	bw_strset_free(set);
}

/* Equal hashes, different strings: never a duplicate, whether the
   stored copy is still in memory or already in the file. */
static void
test_collisions(void **state)
{
	enum { N = 3000 };	/* about 130 KB of strings */
	struct bw_strset *set = bw_strset_new();
	char s[64];

	(void)state;
	sethash(set, hash_8bit);
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdef", i);
		assert_int_equal(add(set, s, i + 1), 0);
	}
	for (unsigned long i = 0; i < N; i++) {
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdef", i);
		assert_int_equal(add(set, s, 1), i + 1);
		snprintf(s, sizeof s, "request-%05lu-0123456789abcdeg", i);
		assert_int_equal(add(set, s, 1), 0);
	}
	bw_strset_free(set);
}

static void
test_collisions_short(void **state)
{
	const char *s[] = { "", "a", "b", "ab", "ba", "a\0", "\0a", "\0" };
	size_t n[] = { 0, 1, 1, 2, 2, 2, 2, 1 }, k = sizeof n / sizeof *n;
	struct bw_strset *set = bw_strset_new();

	(void)state;
	sethash(set, hash_const);
	for (size_t i = 0; i < k; i++)
		assert_int_equal(bw_strset_add(set, s[i], n[i], i + 1), 0);
	for (size_t i = 0; i < k; i++)
		assert_int_equal(bw_strset_add(set, s[i], n[i], 99), i + 1);
	bw_strset_free(set);
}

/* Strings longer than the memory buffer, differing at the start, at
   the end, just past a 4096-byte boundary, or in length. */
static void
test_long(void **state)
{
	uint64_t (*hashes[])(const char *, size_t) = { NULL, hash_const };
	char *a = malloc(BIG + 1);

	(void)state;
	assert_non_null(a);
	for (size_t i = 0; i < BIG + 1; i++)
		a[i] = 'a' + i % 23;
	for (size_t h = 0; h < 2; h++) {
		struct bw_strset *set = bw_strset_new();
		size_t at[] = { 0, BIG - 1, 4096, 8191, 70000 };

		if (hashes[h])
			sethash(set, hashes[h]);
		assert_int_equal(bw_strset_add(set, a, BIG, 1), 0);
		assert_int_equal(bw_strset_add(set, a, BIG - 1, 2), 0);
		assert_int_equal(bw_strset_add(set, a, BIG + 1, 3), 0);
		for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
			a[at[i]] ^= 1;
			assert_int_equal(bw_strset_add(set, a, BIG, 10 + i), 0);
			a[at[i]] ^= 1;
		}
		assert_int_equal(add(set, "short", 20), 0);
		assert_int_equal(bw_strset_add(set, a, BIG, 9), 1);
		assert_int_equal(bw_strset_add(set, a, BIG - 1, 9), 2);
		assert_int_equal(bw_strset_add(set, a, BIG + 1, 9), 3);
		for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
			a[at[i]] ^= 1;
			assert_int_equal(bw_strset_add(set, a, BIG, 9), 10 + i);
			a[at[i]] ^= 1;
		}
		assert_int_equal(add(set, "short", 9), 20);
		bw_strset_free(set);
	}
	free(a);
}

/* Small sets need no file; a large one dies, with a clear message,
   when it cannot make one. */
static void
test_tmpdir_error(void **state)
{
	char path[] = "/tmp/bw-unit-strset.XXXXXX", err[256] = "";
	int fd = mkstemp(path), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct bw_strset *set = bw_strset_new();
		char s[32];

		dup2(fd, 2);
		setenv("TMPDIR", "/nonexistent/bw-unit", 1);
		for (unsigned long i = 0; i < 1000; i++) {
			snprintf(s, sizeof s, "request-%lu", i);
			bw_strset_add(set, s, strlen(s), i + 1);
		}
		fprintf(stderr, "small ok\n");
		for (unsigned long i = 1000; i < 10000; i++) {
			snprintf(s, sizeof s, "request-%lu", i);
			bw_strset_add(set, s, strlen(s), i + 1);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), BW_EX_IOERR);
	assert_true(pread(fd, err, sizeof err - 1, 0) > 0);
	close(fd);
	assert_string_equal(err, "small ok\nstrset: /nonexistent/bw-unit/"
	    "bw-ids.XXXXXX: cannot create a temporary file: No such file or "
	    "directory\n");
}

static void
test_free_null(void **state)
{
	(void)state;
	bw_strset_free(NULL);
}

int
main(void)
{
	char *argv[] = { "strset", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_empty_string),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_nul_bytes_many),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_collisions_short),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_tmpdir_error),
		cmocka_unit_test(test_free_null),
	};

	bw_init(argv);
	return cmocka_run_group_tests_name("strset", tests, NULL, NULL);
}
