/* strset.c: unit tests for bw_strset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bw.h"

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

static void
test_free_null(void **state)
{
	(void)state;
	bw_strset_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_empty_string),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_nul_bytes_many),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests_name("strset", tests, NULL, NULL);
}
