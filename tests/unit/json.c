/* json.c: unit tests for the JSON reader (bw_read), writer (bw_out_v)
   and values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

/* a string literal and its length, NUL bytes included */
#define L(s) s, sizeof s - 1

static char *
take(struct bw_out *o)
{
	char *s = malloc(o->n + 1);

	assert_non_null(s);
	memcpy(s, o->buf, o->n);
	s[o->n] = 0;
	bw_out_discard(o);
	return s;
}

/* v as bw_out_v writes it (keys in insertion order) */
static char *
dump(struct bw_v v)
{
	struct bw_out o;

	bw_out_open(&o, -1, "x", 0);
	bw_out_v(&o, v);
	return take(&o);
}

static char *
number(double d)
{
	struct bw_out o;

	bw_out_open(&o, -1, "x", 0);
	bw_out_number(&o, d);
	return take(&o);
}

/* the values of a test, freed when it ends */
static struct bw_arena arena;

static int
free_arena(void **state)
{
	(void)state;
	bw_arena_free(&arena);
	return 0;
}

/* s read whole, as the network stages and bw-parse read a line */
static struct bw_v
parse(const char *s, size_t n)
{
	const char *why = NULL;
	size_t col = 0;
	struct bw_v v = bw_read(&arena, s, n, INT_MAX, &why, &col);

	if (!v.kind)
		fail_msg("refused at column %zu: %s", col, why);
	return v;
}

/* s parses, and writes back as want */
static void
parses_to(const char *s, size_t n, const char *want)
{
	char *got = dump(parse(s, n));

	assert_string_equal(got, want);
	free(got);
}

static void
refused(const char *s, size_t n, const char *why, size_t col)
{
	const char *gwhy = NULL;
	size_t gcol = 0;
	struct bw_v v = bw_read(&arena, s, n, INT_MAX, &gwhy, &gcol);

	if (v.kind) {
		char *got = dump(v);
		fail_msg("accepted %s", got);
	}
	assert_non_null(gwhy);
	assert_string_equal(gwhy, why);
	assert_int_equal(gcol, col);
}

static void
number_is(double d, const char *want)
{
	char *got = number(d);

	assert_string_equal(got, want);
	free(got);
}

/* --- reading --- */

static void
test_literals(void **state)
{
	(void)state;
	parses_to(L("null"), "null");
	parses_to(L("true"), "true");
	parses_to(L("false"), "false");
	parses_to(L(" \t\r\n true \t\r\n "), "true");
	parses_to(L("[]"), "[]");
	parses_to(L("{}"), "{}");
	parses_to(L("[ ]"), "[]");
	parses_to(L("{ }"), "{}");
	parses_to(L("[null,true,false]"), "[null,true,false]");
	parses_to(L(" [ 1 , [ ] , { } ] "), "[1,[],{}]");
	parses_to(L("{ \"a\" : 1 , \"b\" : [ 2 ] }"), "{\"a\":1,\"b\":[2]}");
	parses_to(L("\"\""), "\"\"");
	parses_to(L("{\"\":\"\"}"), "{\"\":\"\"}");
}

static void
test_numbers(void **state)
{
	struct bw_v v;

	(void)state;
	parses_to(L("0"), "0");
	parses_to(L("-0"), "0");
	parses_to(L("-0.0"), "0");
	parses_to(L("0e0"), "0");
	parses_to(L("1"), "1");
	parses_to(L("-1"), "-1");
	parses_to(L("1.5"), "1.5");
	parses_to(L("1e3"), "1000");
	parses_to(L("1E3"), "1000");
	parses_to(L("1e+3"), "1000");
	parses_to(L("1e-3"), "0.001");
	parses_to(L("2.50"), "2.5");
	parses_to(L("0.1"), "0.1");
	parses_to(L("4294967295"), "4294967295");
	parses_to(L("1234567890123456"), "1234567890123456");
	parses_to(L("-123456789012345"), "-123456789012345");
	parses_to(L("9007199254740993"), "9007199254740992");
	parses_to(L("12345678901234567890"), "12345678901234567000");
	parses_to(L("1e21"), "1e+21");
	parses_to(L("1e-400"), "0");
	parses_to(L("1.7976931348623157e308"), "1.7976931348623157e+308");
	parses_to(L("0.00000000000000000000000000000000000000000000000000000000"
	    "000000000001"), "1e-68");
	parses_to(L("100000000000000000000000000000000000000000000000000000000"
	    "000000000000"), "1e+68");

	v = parse(L("-0"));
	assert_int_equal(v.kind, BW_NUM);
	assert_true(signbit(v.u.num));
	v = parse(L("12345678901234567890"));
	assert_true(v.u.num == 12345678901234567890.0);
	v = parse(L("123.456"));
	assert_true(v.u.num == 123.456);
}

static void
test_strings(void **state)
{
	struct bw_v v;

	(void)state;
	parses_to(L("\"abc\""), "\"abc\"");
	parses_to(L("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
	    "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
	parses_to(L("\"\\u0041\\u00e9\\u20AC\""), "\"A\xc3\xa9\xe2\x82\xac\"");
	parses_to(L("\"\\u0000\""), "\"\\u0000\"");
	parses_to(L("\"\\u001F\\u007f\""), "\"\\u001f\x7f\"");
	parses_to(L("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	parses_to(L("\"\x7f\""), "\"\x7f\"");

	v = parse(L("\"a\\u0000b\""));
	assert_int_equal(v.kind, BW_STR);
	assert_int_equal(v.n, 3);
	assert_memory_equal(v.u.s, "a\0b", 4);	/* and a NUL after */
	assert_true(bw_eq(v, "a\0b", 3));
	assert_false(bw_is(v, "a"));
}

static void
test_utf8_boundaries(void **state)
{
	(void)state;
	parses_to(L("\"\xc2\x80\""), "\"\xc2\x80\"");
	parses_to(L("\"\xdf\xbf\""), "\"\xdf\xbf\"");
	parses_to(L("\"\xe0\xa0\x80\""), "\"\xe0\xa0\x80\"");
	parses_to(L("\"\xed\x9f\xbf\""), "\"\xed\x9f\xbf\"");
	parses_to(L("\"\xee\x80\x80\""), "\"\xee\x80\x80\"");
	parses_to(L("\"\xef\xbf\xbf\""), "\"\xef\xbf\xbf\"");
	parses_to(L("\"\xf0\x90\x80\x80\""), "\"\xf0\x90\x80\x80\"");
	parses_to(L("\"\xf4\x8f\xbf\xbf\""), "\"\xf4\x8f\xbf\xbf\"");
	/* the same after an escape, on the slow path */
	parses_to(L("\"\\n\xf4\x8f\xbf\xbf\xc2\x80\""),
	    "\"\\n\xf4\x8f\xbf\xbf\xc2\x80\"");
}

static void
test_surrogate_pairs(void **state)
{
	(void)state;
	parses_to(L("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"");
	parses_to(L("\"\\uD83D\\uDE00\""), "\"\xf0\x9f\x98\x80\"");
	parses_to(L("\"\\ud800\\udc00\""), "\"\xf0\x90\x80\x80\"");
	parses_to(L("\"\\udbff\\udfff\""), "\"\xf4\x8f\xbf\xbf\"");
	parses_to(L("\"a\\ud83d\\ude00b\\ud83d\\ude00\""),
	    "\"a\xf0\x9f\x98\x80" "b\xf0\x9f\x98\x80\"");
	parses_to(L("\"\\ud7ff\\ue000\""), "\"\xed\x9f\xbf\xee\x80\x80\"");
}

static void
test_lone_surrogates(void **state)
{
	const char *why = "lone surrogate in a \\u escape";

	(void)state;
	refused(L("\"\\udc00\""), why, 2);
	refused(L("\"\\udfff\""), why, 2);
	refused(L("\"\\ud800\""), why, 2);
	refused(L("\"\\ud800"), why, 2);
	refused(L("\"\\ud800x\""), why, 2);
	refused(L("\"\\ud800\\n\""), why, 2);
	refused(L("\"\\ud800\\u0041\""), why, 2);
	refused(L("\"\\ude00\\ud83d\""), why, 2);
	refused(L("\"ab\\ud800\\ud800\""), why, 4);
	refused(L("[\"ok\",\"\\ud83d\\ude00\\ud83d\"]"), why, 20);
}

static void
test_escapes(void **state)
{
	(void)state;
	refused(L("\"\\a\""), "invalid escape in a string", 3);
	refused(L("\"\\'\""), "invalid escape in a string", 3);
	refused(L("\"\\U0041\""), "invalid escape in a string", 3);
	refused(L("\"\\x41\""), "invalid escape in a string", 3);
	refused(L("\"\\u12g4\""), "invalid \\u escape", 4);
	refused(L("\"\\u12\""), "invalid \\u escape", 4);
	refused(L("\"\\u"), "invalid \\u escape", 4);
	refused(L("\"\\"), "unterminated string", 3);
	refused(L("\"abc"), "unterminated string", 5);
	refused(L("\"a\\nbc"), "unterminated string", 7);
	refused(L("\""), "unterminated string", 2);
}

static void
test_invalid_utf8(void **state)
{
	const char *why = "invalid UTF-8";

	(void)state;
	/* overlong */
	refused(L("\"\xc0\x80\""), why, 2);
	refused(L("\"\xc1\xbf\""), why, 2);
	refused(L("\"\xe0\x80\xaf\""), why, 2);
	refused(L("\"\xe0\x9f\xbf\""), why, 2);
	refused(L("\"\xf0\x80\x80\xaf\""), why, 2);
	refused(L("\"\xf0\x8f\xbf\xbf\""), why, 2);
	/* UTF-16 surrogates */
	refused(L("\"\xed\xa0\x80\""), why, 2);
	refused(L("\"\xed\xbf\xbf\""), why, 2);
	refused(L("\"\xed\xa0\xbd\xed\xb8\x80\""), why, 2);
	/* past U+10FFFF */
	refused(L("\"\xf4\x90\x80\x80\""), why, 2);
	refused(L("\"\xf5\x80\x80\x80\""), why, 2);
	refused(L("\"\xf8\x88\x80\x80\x80\""), why, 2);
	refused(L("\"\xff\""), why, 2);
	refused(L("\"\xfe\""), why, 2);
	/* truncated, or a lone continuation byte */
	refused(L("\"\xe2\x82\""), why, 2);
	refused(L("\"\xf0\x9f\x98\""), why, 2);
	refused(L("\"\xc3\""), why, 2);
	refused(L("\"\xc3"), why, 2);
	refused(L("\"\xe2\x82"), why, 2);
	refused(L("\"\xf0\x9f\x98"), why, 2);
	refused(L("\"\x80\""), why, 2);
	refused(L("\"\xc3\xa9\xbf\""), why, 4);
	/* the column counts bytes */
	refused(L("\"a\xc3\xa9\xff\""), why, 5);
	/* on the slow path, after an escape */
	refused(L("\"\\n\xc0\x80\""), why, 4);
	refused(L("\"\\n\xed\xa0\x80\""), why, 4);
	refused(L("\"\\n\xf4\x90\x80\x80\""), why, 4);
	refused(L("\"\\n\xe2\x82"), why, 4);
	/* in a key */
	refused(L("{\"\xff\":1}"), why, 3);
	/* outside strings */
	refused(L("\xff"), why, 1);
	refused(L("[\xc0\x80]"), why, 2);
	refused(L("\xc3\xa9"), "unexpected character", 1);
}

static void
test_controls(void **state)
{
	const char *ins = "control character in a string";

	(void)state;
	refused(L("\"a\x01\""), ins, 3);
	refused(L("\"\t\""), ins, 2);
	refused(L("\"\n\""), ins, 2);
	refused(L("\"\r\""), ins, 2);
	refused(L("\"\x1f\""), ins, 2);
	refused(L("\"a\0b\""), ins, 3);
	refused(L("\"\\n\x01\""), ins, 4);
	refused(L("\"\\n\0\""), ins, 4);
	refused(L("{\"a\tb\":1}"), ins, 4);
	refused(L("\0"), "control character", 1);
	refused(L(" \0"), "control character", 2);
	refused(L("\x01"), "control character", 1);
	refused(L("\x1f"), "control character", 1);
	refused(L("\f1"), "control character", 1);
	refused(L("\v1"), "control character", 1);
	refused(L("1\0"), "control character", 2);
	refused(L("1 \x01"), "control character", 3);
	refused(L("[\0]"), "control character", 2);
	refused(L("[1,\0]"), "control character", 4);
	refused(L("{\"a\":\0}"), "control character", 6);
	refused(L("\x7f"), "unexpected character", 1);
}

static void
test_strict_numbers(void **state)
{
	(void)state;
	refused(L("01"), "more than one JSON value", 2);
	refused(L("00"), "more than one JSON value", 2);
	refused(L("-01"), "more than one JSON value", 3);
	refused(L("[01]"), "expected , or ] in an array", 3);
	refused(L("nan"), "unexpected character", 1);
	refused(L("NaN"), "unexpected character", 1);
	refused(L("Infinity"), "unexpected character", 1);
	refused(L("-Infinity"), "invalid number", 1);
	refused(L("1."), "invalid number", 3);
	refused(L("1.e5"), "invalid number", 3);
	refused(L("[1.]"), "invalid number", 4);
	refused(L(".5"), "unexpected character", 1);
	refused(L("-.5"), "invalid number", 1);
	refused(L("+1"), "unexpected character", 1);
	refused(L("-"), "invalid number", 1);
	refused(L("1e"), "invalid number", 3);
	refused(L("1e+"), "invalid number", 4);
	refused(L("1E-x"), "invalid number", 4);
	refused(L("0x10"), "more than one JSON value", 2);
	refused(L("1.5.3"), "more than one JSON value", 4);
	refused(L("1e400"), "number out of range", 1);
	refused(L("[-1e400]"), "number out of range", 2);
}

static void
test_structure(void **state)
{
	(void)state;
	refused(L(""), "unexpected end of line", 1);
	refused(L("   "), "unexpected end of line", 4);
	refused(L("["), "unexpected end of line", 2);
	refused(L("[1"), "unexpected end of line", 3);
	refused(L("[1,"), "unexpected end of line", 4);
	refused(L("{"), "unexpected end of line", 2);
	refused(L("{\"a\""), "unexpected end of line", 5);
	refused(L("{\"a\":"), "unexpected end of line", 6);
	refused(L("{\"a\":1"), "unexpected end of line", 7);
	refused(L("[1,]"), "unexpected character", 4);
	refused(L("[1 , ]"), "unexpected character", 6);
	refused(L("[,1]"), "unexpected character", 2);
	refused(L("{\"a\":1,}"), "expected a string key in an object", 8);
	refused(L("{,}"), "expected a string key in an object", 2);
	refused(L("{1:2}"), "expected a string key in an object", 2);
	refused(L("{'a':2}"), "expected a string key in an object", 2);
	refused(L("{\"a\" 1}"), "expected : after a key", 6);
	refused(L("{\"a\":}"), "unexpected character", 6);
	refused(L("{\"a\":1 \"b\":2}"), "expected , or } in an object", 8);
	refused(L("[1 2]"), "expected , or ] in an array", 4);
	refused(L("[1}"), "expected , or ] in an array", 3);
	refused(L("{\"a\":1]"), "expected , or } in an object", 7);
	refused(L("tru"), "unexpected character", 1);
	refused(L("nul"), "unexpected character", 1);
	refused(L("True"), "unexpected character", 1);
	refused(L("'a'"), "unexpected character", 1);
	refused(L("]"), "unexpected character", 1);
}

static void
test_more_than_one(void **state)
{
	const char *why = "more than one JSON value";

	(void)state;
	refused(L("1 2"), why, 3);
	refused(L("{}{}"), why, 3);
	refused(L("[] []"), why, 4);
	refused(L("\"a\"\"b\""), why, 4);
	refused(L("null null"), why, 6);
	refused(L("true,"), why, 5);
	refused(L("{} x"), why, 4);
	refused(L("truex"), why, 5);
	refused(L("{}]"), why, 3);
}

static char *
nest(int depth, const char *open, const char *inner, const char *close)
{
	size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
	char *s = malloc(depth * (lo + lc) + li + 1), *p = s;

	assert_non_null(s);
	for (int i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (int i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = 0;
	return s;
}

static void
test_depth(void **state)
{
	const char *why = "nested deeper than 256 levels";
	char *s;

	(void)state;
	s = nest(256, "[", "", "]");
	parses_to(s, strlen(s), s);
	free(s);
	s = nest(256, "{\"a\":", "1", "}");
	parses_to(s, strlen(s), s);
	free(s);
	s = nest(128, "[{\"k\":", "1", "}]");
	parses_to(s, strlen(s), s);
	free(s);

	s = nest(257, "[", "", "]");
	refused(s, strlen(s), why, 257);
	free(s);
	s = nest(257, "{\"a\":", "1", "}");
	refused(s, strlen(s), why, 5 * 256 + 1);
	free(s);
	s = nest(256, "[", "{}", "]");
	refused(s, strlen(s), why, 257);
	free(s);
	s = nest(128, "[{\"k\":", "[]", "}]");
	refused(s, strlen(s), why, 6 * 128 + 1);
	free(s);
	/* deep but not nested: siblings do not add up */
	s = nest(200, "[", "", "]");
	size_t n = strlen(s);
	char *t = malloc(2 * n + 4);
	assert_non_null(t);
	sprintf(t, "[%s,%s]", s, s);
	parses_to(t, strlen(t), t);
	free(t);
	free(s);
}

/* bw_read builds depth levels and checks the rest alike */
static void
shallow_is(const char *s, int depth, const char *want)
{
	struct bw_arena a = { 0 };
	const char *why = NULL;
	struct bw_v v = bw_read(&a, s, strlen(s), depth, &why, NULL);
	struct bw_out o;
	char *got;

	if (!v.kind)
		fail_msg("refused: %s", why);
	bw_out_open(&o, -1, "x", 0);
	bw_out_v(&o, v);
	got = take(&o);
	assert_string_equal(got, want);
	free(got);
	bw_arena_free(&a);
}

static void
shallow_refused(const char *s, size_t n, int depth, const char *why,
    size_t col)
{
	struct bw_arena a = { 0 };
	const char *gwhy = NULL;
	size_t gcol = 0;

	assert_int_equal(bw_read(&a, s, n, depth, &gwhy, &gcol).kind, BW_NONE);
	assert_string_equal(gwhy, why);
	assert_int_equal(gcol, col);
	bw_arena_free(&a);
}

static void
test_shallow(void **state)
{
	const char *s = "{\"a\":{\"b\":[1,\"x\\n\",{\"k\":2}],\"c\":\"y\"},"
	    "\"d\":\"z\",\"e\":[]}";

	(void)state;
	shallow_is(s, 3, "{\"a\":{\"b\":[1,\"x\\n\",null],\"c\":\"y\"},"
	    "\"d\":\"z\",\"e\":[]}");
	shallow_is(s, 2, "{\"a\":{\"b\":null,\"c\":\"y\"},\"d\":\"z\","
	    "\"e\":[]}");
	shallow_is(s, 1, "{\"a\":null,\"d\":\"z\",\"e\":null}");
	shallow_is(s, 0, "null");
	shallow_is("\"top\"", 0, "\"top\"");
	/* what is not built is checked all the same, at the same column */
	shallow_refused("{\"a\":[\"\\ud800\"]}", 16, 1,
	    "lone surrogate in a \\u escape", 8);
	shallow_refused("{\"a\":{\"\xff\":1}}", 13, 1, "invalid UTF-8", 8);
	shallow_refused("{\"a\":[1,]}", 10, 1, "unexpected character", 9);
}

/* a repeated key keeps its first place and its last value, also in an
   object of many keys */
static void
test_repeated_keys(void **state)
{
	char big[4096];
	size_t o = 0;

	(void)state;
	parses_to(L("{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":3,\"b\":2}");
	shallow_is("{\"a\":1,\"b\":2,\"a\":3,\"b\":{\"c\":[]}}", 9,
	    "{\"a\":3,\"b\":{\"c\":[]}}");
	o += sprintf(big + o, "{");
	for (int i = 0; i < 40; i++)
		o += sprintf(big + o, "\"k%d\":%d,", i % 30, i);
	o += sprintf(big + o, "\"k0\":\"last\"}");
	struct bw_arena a = { 0 };
	const char *why;
	struct bw_v v = bw_read(&a, big, o, 9, &why, NULL);
	assert_int_equal(v.kind, BW_OBJ);
	assert_int_equal(v.n, 30);
	assert_string_equal(v.u.m[0].k, "k0");
	assert_string_equal(v.u.m[0].v.u.s, "last");
	assert_string_equal(v.u.m[5].k, "k5");
	assert_int_equal((int)v.u.m[5].v.u.num, 35);
	assert_true(bw_is(bw_get(v, "k0"), "last"));
	assert_int_equal(bw_get(v, "k30").kind, BW_NONE);
	bw_arena_free(&a);
}

static void
test_no_column(void **state)
{
	const char *why = NULL;
	struct bw_v v;

	(void)state;
	v = bw_read(&arena, L("[1,]"), INT_MAX, &why, NULL);
	assert_int_equal(v.kind, BW_NONE);
	assert_string_equal(why, "unexpected character");
}

static void
test_length_not_nul(void **state)
{
	(void)state;
	/* the length, not a NUL, ends the input */
	parses_to("[1,2]garbage", 5, "[1,2]");
	parses_to("12345", 2, "12");
	refused("\"ab\"", 3, "unterminated string", 4);
	refused("truest", 3, "unexpected character", 1);
}

/* --- writing --- */

static void
test_number_format(void **state)
{
	(void)state;
	number_is(0, "0");
	number_is(-0.0, "0");
	number_is(1, "1");
	number_is(-5, "-5");
	number_is(0.5, "0.5");
	number_is(100, "100");
	number_is(1e-7, "1e-7");
	number_is(-1e-7, "-1e-7");
	number_is(1.2e-7, "1.2e-7");
	number_is(1e-6, "0.000001");
	number_is(1.5e-6, "0.0000015");
	number_is(1e21, "1e+21");
	number_is(1e20, "100000000000000000000");
	number_is(1e16, "10000000000000000");
	number_is(1e100, "1e+100");
	number_is(0.1, "0.1");
	number_is(1.0 / 3, "0.3333333333333333");
	number_is(4294967295.0, "4294967295");
	number_is(9007199254740992.0, "9007199254740992");
	number_is(12345678901234567890.0, "12345678901234567000");
	number_is(123456789012345680000.0, "123456789012345680000");
	number_is(5e-324, "5e-324");
	number_is(1.7976931348623157e308, "1.7976931348623157e+308");
	number_is(-1.7976931348623157e308, "-1.7976931348623157e+308");
	number_is(123.456, "123.456");
	number_is(-2.5e-10, "-2.5e-10");
	number_is(NAN, "null");
}

static void
test_number_in_json(void **state)
{
	struct bw_v v = bw_of(BW_ARR);
	char *got;

	(void)state;
	v = bw_push(&arena, v, bw_num(-0.0));
	v = bw_push(&arena, v, bw_num(1e21));
	v = bw_push(&arena, v, bw_num(0.1));
	v = bw_push(&arena, v, bw_num(5e-324));
	v = bw_push(&arena, v, bw_num(NAN));
	v = bw_push(&arena, v, bw_num(INFINITY));
	got = dump(v);
	assert_string_equal(got, "[0,1e+21,0.1,5e-324,null,null]");
	free(got);
}

static void
test_string_escaping(void **state)
{
	char all[33];
	char *got;
	struct bw_v v;

	(void)state;
	for (int i = 0; i < 32; i++)
		all[i] = i;
	all[32] = 0x7f;
	v = bw_str(&arena, all, sizeof all);
	got = dump(v);
	assert_string_equal(got, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005"
	    "\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011"
	    "\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
	    "\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\"");
	free(got);

	v = bw_lit("say \"hi\" \\ / caf\xc3\xa9 \xf0\x9f\x98\x80");
	got = dump(v);
	assert_string_equal(got,
	    "\"say \\\"hi\\\" \\\\ / caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	free(got);

	/* keys are escaped as strings are, a NUL in one too */
	v = bw_set(&arena, bw_of(BW_OBJ), "a\"\n", bw_lit("\t"));
	v = bw_setn(&arena, v, "k\0z", 3, bw_num(1));
	got = dump(v);
	assert_string_equal(got, "{\"a\\\"\\n\":\"\\t\",\"k\\u0000z\":1}");
	free(got);
}

static void
test_jstr(void **state)
{
	struct bw_out o;
	char *got;

	(void)state;
	bw_out_open(&o, -1, "x", 0);
	bw_out_jstr(&o, "a\0b\"", 4);
	bw_out_jstr(&o, "", 0);
	got = take(&o);
	assert_string_equal(got, "\"a\\u0000b\\\"\"\"\"");
	free(got);
}

/* every byte at every place of a string longer than the 8-byte steps:
   escaped exactly as one byte at a time would */
static void
test_jstr_every_byte(void **state)
{
	char in[20], want[200], *got;
	struct bw_out o;

	(void)state;
	for (int c = 0; c < 256; c++) {
		for (int at = 0; at < (int)sizeof in; at++) {
			size_t w = 0;
			memset(in, 'a', sizeof in);
			in[at] = c;
			want[w++] = '"';
			for (int i = 0; i < (int)sizeof in; i++) {
				unsigned char b = in[i];
				if (b == '"' || b == '\\')
					w += sprintf(want + w, "\\%c", b);
				else if (b == '\n')
					w += sprintf(want + w, "\\n");
				else if (b == '\r')
					w += sprintf(want + w, "\\r");
				else if (b == '\t')
					w += sprintf(want + w, "\\t");
				else if (b == '\b')
					w += sprintf(want + w, "\\b");
				else if (b == '\f')
					w += sprintf(want + w, "\\f");
				else if (b < 0x20)
					w += sprintf(want + w, "\\u%04x", b);
				else
					want[w++] = b;
			}
			want[w++] = '"';
			want[w] = 0;
			bw_out_open(&o, -1, "x", 0);
			bw_out_jstr(&o, in, sizeof in);
			got = take(&o);
			if (strcmp(got, want))
				fail_msg("byte 0x%02x at %d: %s, not %s", c, at,
				    got, want);
			free(got);
		}
	}
}

/* the reader's 8-byte steps: every byte at every place of a string */
static void
test_read_every_byte(void **state)
{
	char in[24];

	(void)state;
	for (int c = 0; c < 256; c++) {
		if (c == '"' || c == '\\')
			continue;
		for (int at = 0; at < 20; at++) {
			memset(in, 'a', sizeof in);
			in[0] = in[21] = '"';
			in[1 + at] = c;
			if (c < 0x20)
				refused(in, 22, "control character in a string",
				    at + 2);
			else if (c >= 0x80)
				refused(in, 22, "invalid UTF-8", at + 2);
			else {
				char want[32];
				memcpy(want, in, 22);
				want[22] = 0;
				parses_to(in, 22, want);
			}
		}
	}
}

/* with jsorder, bw_out_v writes array-index keys first, ascending, as
   JSON.stringify does; "01", "-1", "1.5" and 2^32 - 1 are no indexes */
static void
test_js_order(void **state)
{
	const char *in = "{\"b\":1,\"10\":2,\"x\":{\"1\":0,\"0\":0},\"2\":3,"
	    "\"01\":4,\"4294967295\":5,\"4294967294\":6,\"-1\":7,\"1.5\":8}";
	struct bw_arena a = { 0 };
	const char *why;
	struct bw_v v = bw_read(&a, in, strlen(in), 9, &why, NULL);
	struct bw_out o;
	char *got;

	(void)state;
	assert_int_equal(v.kind, BW_OBJ);
	bw_out_open(&o, -1, "x", 0);
	o.jsorder = 1;
	bw_out_v(&o, v);
	got = take(&o);
	assert_string_equal(got, "{\"2\":3,\"10\":2,\"4294967294\":6,\"b\":1,"
	    "\"x\":{\"0\":0,\"1\":0},\"01\":4,\"4294967295\":5,\"-1\":7,"
	    "\"1.5\":8}");
	free(got);
	bw_out_open(&o, -1, "x", 0);
	bw_out_v(&o, v);
	got = take(&o);
	assert_string_equal(got, in);
	free(got);
	bw_arena_free(&a);
}

static void
test_kinds(void **state)
{
	static const int kinds[] = { BW_NULL, BW_TRUE, BW_FALSE };
	struct bw_v v = bw_of(BW_ARR);
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		v = bw_push(&arena, v, bw_of(kinds[i]));
	v = bw_push(&arena, v, bw_num(1));
	v = bw_push(&arena, v, bw_lit("s"));
	v = bw_push(&arena, v, bw_of(BW_ARR));
	v = bw_push(&arena, v, bw_of(BW_OBJ));
	v = bw_push(&arena, v, bw_of(BW_NONE));	/* missing: null */
	got = dump(v);
	assert_string_equal(got, "[null,true,false,1,\"s\",[],{},null]");
	free(got);
	got = dump(bw_of(BW_NONE));
	assert_string_equal(got, "null");
	free(got);
}

static void
test_key_order(void **state)
{
	char in[4096];
	size_t n = 0;

	(void)state;
	parses_to(L("{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2},\"b\":3}"),
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2},\"b\":3}");
	/* a repeated key keeps its first place and its last value,
	   as JSON.parse does */
	parses_to(L("{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":3,\"b\":2}");

	/* enough keys to make the object grow */
	in[n++] = '{';
	for (int i = 199; i >= 0; i--)
		n += snprintf(in + n, sizeof in - n, "%s\"k%d\":%d",
		    i == 199 ? "" : ",", i, i);
	in[n++] = '}';
	in[n] = 0;
	parses_to(in, n, in);
}

static void
test_round_trip(void **state)
{
	static const char doc[] =
	    "{\"id\":\"req-1\",\"z\":{\"b\":1,\"a\":2},\"\":\"\","
	    "\"n\":[0,-1,1.5,-2.5e-10,1e-7,1e+21,123.456,4294967295,"
	    "12345678901234567000,5e-324,1.7976931348623157e+308,0.1,"
	    "0.000001,100000000000000000000],"
	    "\"s\":[\"a\\\"b\\\\c\",\"\\n\\r\\t\\b\\f\",\"\\u0000\\u001f\","
	    "\"\x7f/\",\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"],"
	    "\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87\":[true,false,null],"
	    "\"deep\":[[[{\"k\":[{},[]]}]]],\"last\":-0.5}";
	char *got = dump(parse(doc, sizeof doc - 1));

	(void)state;
	assert_string_equal(got, doc);
	free(got);
}

/* --- helpers --- */

static void
test_get_is_kind(void **state)
{
	struct bw_arena a = { 0 };
	const char *why;
	struct bw_v o = bw_read(&a, L("{\"a\":1,\"n\":null,\"s\":\"flex\\u0000zzz\","
	    "\"t\":\"flex\"}"), 9, &why, NULL);
	struct bw_v arr = bw_read(&a, L("[1,\"x\"]"), 9, &why, NULL);

	(void)state;
	assert_int_equal(bw_get(o, "a").kind, BW_NUM);
	assert_int_equal(bw_get(o, "n").kind, BW_NULL);
	assert_int_equal(bw_get(o, "x").kind, BW_NONE);
	assert_int_equal(bw_get(arr, "a").kind, BW_NONE);
	assert_int_equal(bw_get(bw_of(BW_NONE), "a").kind, BW_NONE);
	assert_int_equal(bw_idx(arr, 1).kind, BW_STR);
	assert_int_equal(bw_idx(arr, 2).kind, BW_NONE);
	assert_int_equal(bw_idx(o, 0).kind, BW_NONE);
	/* a NUL inside a string is part of it: never equal to "flex" */
	assert_false(bw_is(bw_get(o, "s"), "flex"));
	assert_true(bw_eq(bw_get(o, "s"), "flex\0zzz", 8));
	assert_true(bw_is(bw_get(o, "t"), "flex"));
	assert_false(bw_is(bw_get(o, "a"), "1"));
	assert_false(bw_is(bw_get(o, "x"), ""));
	assert_string_equal(bw_kindname(o), "an object");
	assert_string_equal(bw_kindname(arr), "an array");
	assert_string_equal(bw_kindname(bw_get(o, "n")), "null");
	assert_string_equal(bw_kindname(bw_of(BW_TRUE)), "a boolean");
	assert_string_equal(bw_kindname(bw_of(BW_FALSE)), "a boolean");
	assert_string_equal(bw_kindname(bw_num(1)), "a number");
	assert_string_equal(bw_kindname(bw_lit("s")), "a string");
	assert_string_equal(bw_kindname(bw_of(BW_NONE)), "missing");
	bw_arena_free(&a);
}

/* values made never change: a container is copied, not written over,
   when an older view could see the write */
static void
test_make(void **state)
{
	struct bw_arena a = { 0 };
	struct bw_out o;
	char *got;
	struct bw_v x = bw_set(&a, bw_of(BW_OBJ), "a", bw_num(1));
	struct bw_v y = bw_set(&a, x, "b", bw_lit("two"));
	struct bw_v z = bw_set(&a, x, "c", bw_of(BW_NULL));	/* x again */
	struct bw_v r = bw_set(&a, y, "a", bw_of(BW_TRUE));
	struct bw_v d = bw_del(&a, r, "b");
	struct bw_v arr = bw_push(&a, bw_push(&a, bw_of(BW_ARR), x), z);
	struct bw_sb sb = { .a = &a };

	(void)state;
	for (int i = 0; i < 100; i++)
		arr = bw_push(&a, arr, bw_num(i));
	bw_sb_add(&sb, "ab", 2);
	bw_sb_add(&sb, "\0c", 2);
	bw_out_open(&o, -1, "x", 0);
	bw_out_v(&o, x);
	bw_out_v(&o, y);
	bw_out_v(&o, z);
	bw_out_v(&o, r);
	bw_out_v(&o, d);
	bw_out_v(&o, bw_idx(arr, 1));
	bw_out_v(&o, bw_sb_val(&sb));
	bw_out_v(&o, bw_strf(&a, "%d-%s", 7, "x"));
	got = take(&o);
	assert_string_equal(got, "{\"a\":1}{\"a\":1,\"b\":\"two\"}"
	    "{\"a\":1,\"c\":null}{\"a\":true,\"b\":\"two\"}{\"a\":true}"
	    "{\"a\":1,\"c\":null}\"ab\\u0000c\"\"7-x\"");
	free(got);
	assert_int_equal(arr.n, 102);
	assert_true(bw_equal(bw_idx(arr, 101), bw_num(99)));
	assert_true(bw_equal(r, bw_set(&a, bw_set(&a, bw_of(BW_OBJ), "b",
	    bw_lit("two")), "a", bw_of(BW_TRUE))));
	assert_false(bw_equal(x, y));
	assert_true(bw_is(bw_dump(&a, y), "{\"a\":1,\"b\":\"two\"}"));
	bw_arena_free(&a);
}

/* bw_utf8_valid takes what bw_read takes in a string, byte for byte */
static void
test_utf8_valid(void **state)
{
	static const char *const good[] = { "", "abc", "caf\xc3\xa9",
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "\x7f\x01\n", NULL };
	static const char *const bad[] = { "\xc0\x80", "\xc1\xbf",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xff", "\xfe", "\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98",
		"caf\xe9", "a\xc3\xa9\xbf", NULL };

	(void)state;
	for (int i = 0; good[i]; i++)
		if (!bw_utf8_valid(good[i], strlen(good[i])))
			fail_msg("good[%d] refused", i);
	for (int i = 0; bad[i]; i++)
		if (bw_utf8_valid(bad[i], strlen(bad[i])))
			fail_msg("bad[%d] taken", i);
	assert_true(bw_utf8_valid(L("a\0b")));
	/* only the n bytes: a sequence cut by n is invalid */
	assert_false(bw_utf8_valid("\xc3\xa9", 1));
	/* the reader agrees on every two-byte string */
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			char in[4] = { '"', a, b, '"' };
			const char *why;
			int want = bw_read(&arena, in, 4, 1, &why, NULL).kind != 0;
			int lead = a >= 0x20 && a != '"' && a != '\\';
			int trail = b >= 0x20 && b != '"' && b != '\\';
			if ((a < 0x80 && !lead) || (b < 0x80 && !trail))
				continue;	/* the reader's own refusals */
			if (bw_utf8_valid(in + 1, 2) != want)
				fail_msg("0x%02x 0x%02x: bw_utf8_valid %d, bw_read %d",
				    a, b, !want, want);
		}
}

static void
test_quote(void **state)
{
	(void)state;
	assert_string_equal(bw_quote(L("a\"b\\c\n\x7f"), 40),
	    "\"a\\\"b\\\\c\\u000a\\u007f\"");
	assert_string_equal(bw_quote(L("abcd"), 5), "\"abcd\"");
	assert_string_equal(bw_quote(L("abcdefghij"), 5), "\"abcd...\"");
	assert_string_equal(bw_quote(L(""), 5), "\"\"");
	/* cut between characters, never inside one */
	assert_string_equal(bw_quote(L("a\xc3\xa9"), 3), "\"a...\"");
	assert_string_equal(bw_quote(L("a\xc3\xa9"), 4), "\"a\xc3\xa9\"");
	assert_string_equal(bw_quote(L("ab\xf0\x9f\x98\x80z"), 6),
	    "\"ab...\"");
	assert_string_equal(bw_quote(L("ab\xf0\x9f\x98\x80z"), 7),
	    "\"ab\xf0\x9f\x98\x80...\"");
}

/* each test with the arena freed after it */
#define T(f) cmocka_unit_test_teardown(f, free_arena)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_literals),
		T(test_numbers),
		T(test_strings),
		T(test_utf8_boundaries),
		T(test_surrogate_pairs),
		T(test_lone_surrogates),
		T(test_escapes),
		T(test_invalid_utf8),
		T(test_controls),
		T(test_strict_numbers),
		T(test_structure),
		T(test_more_than_one),
		T(test_depth),
		T(test_shallow),
		T(test_repeated_keys),
		T(test_no_column),
		T(test_length_not_nul),
		T(test_number_format),
		T(test_number_in_json),
		T(test_string_escaping),
		T(test_jstr),
		T(test_jstr_every_byte),
		T(test_read_every_byte),
		T(test_js_order),
		T(test_kinds),
		T(test_key_order),
		T(test_round_trip),
		T(test_get_is_kind),
		T(test_make),
		T(test_utf8_valid),
		T(test_quote),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
