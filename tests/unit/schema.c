/* schema.c: unit tests for bw_schema_check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bw.h"

/* the values of a test, freed when it ends */
static struct bw_arena arena;

static int
free_arena(void **state)
{
	(void)state;
	bw_arena_free(&arena);
	return 0;
}

/* JSON text written with ' for " (none of the tests needs a '). */
static struct bw_v
json(struct bw_arena *a, const char *text)
{
	size_t n = strlen(text);
	char *s = bw_alloc(a, n + 1);
	const char *why;
	struct bw_v v;

	for (size_t i = 0; i <= n; i++)
		s[i] = text[i] == '\'' ? '"' : text[i];
	v = bw_read(a, s, n, 256, &why, NULL);
	if (v.kind == BW_NONE)
		fail_msg("bad JSON in the test: %s: %s", why, text);
	return v;
}

/* NULL if the value fits the schema (its own root), else the reason. */
static const char *
check(const char *schema, const char *value)
{
	struct bw_v s = json(&arena, schema), v = json(&arena, value);
	const char *why = "(not set)";

	if (bw_schema_check(s, s, v, &why) == 0)
		return NULL;
	return why;
}

#define FITS(s, v) do { \
	const char *why_ = check(s, v); \
	if (why_) \
		fail_msg("%s does not fit %s: %s", v, s, why_); \
} while (0)
#define MISFIT(s, v, msg) do { \
	const char *why_ = check(s, v); \
	if (!why_) \
		fail_msg("%s fits %s", v, s); \
	assert_string_equal(why_, msg); \
} while (0)

static void
test_type(void **state)
{
	(void)state;
	FITS("{'type':'string'}", "'x'");
	FITS("{'type':'number'}", "1.5");
	FITS("{'type':'number'}", "-3");
	FITS("{'type':'integer'}", "3");
	FITS("{'type':'integer'}", "1.0");
	FITS("{'type':'integer'}", "-1e300");
	FITS("{'type':'boolean'}", "false");
	FITS("{'type':'boolean'}", "true");
	FITS("{'type':'null'}", "null");
	FITS("{'type':'object'}", "{}");
	FITS("{'type':'array'}", "[]");
	FITS("{'type':['string','null']}", "null");
	FITS("{'type':['string','null']}", "''");
	FITS("{'type':['integer','string']}", "7");
	MISFIT("{'type':'string'}", "1", "the value: a number, not a string");
	MISFIT("{'type':'number'}", "'1'", "the value: a string, not a number");
	MISFIT("{'type':'integer'}", "1.5", "the value: 1.5, not an integer");
	MISFIT("{'type':'integer'}", "'1'",
	    "the value: a string, not an integer");
	MISFIT("{'type':'boolean'}", "0", "the value: a number, not a boolean");
	MISFIT("{'type':'null'}", "false", "the value: a boolean, not null");
	MISFIT("{'type':'object'}", "[]", "the value: an array, not an object");
	MISFIT("{'type':'array'}", "{}", "the value: an object, not an array");
	MISFIT("{'type':['string','null']}", "3",
	    "the value: a number, not a string or null");
	MISFIT("{'type':['string','number','null']}", "{}",
	    "the value: an object, not a string, a number or null");
	MISFIT("{'type':['integer','null']}", "0.25",
	    "the value: 0.25, not an integer or null");
	/* schemas that cannot be checked */
	MISFIT("{'type':'int'}", "1",
	    "the value: the schema's type \"int\" is not a type name");
	MISFIT("{'type':['string',3]}", "1",
	    "the value: the schema's type[1] is not a type name");
	MISFIT("{'type':[]}", "1", "the value: the schema's type is an array, "
	    "not a string or a non-empty array");
	MISFIT("{'type':3}", "1", "the value: the schema's type is a number, "
	    "not a string or a non-empty array");
}

static void
test_true_false(void **state)
{
	(void)state;
	FITS("true", "{'a':[1]}");
	FITS("{}", "null");
	MISFIT("false", "1", "the value: not allowed (the schema is false)");
	MISFIT("{'properties':{'a':false}}", "{'a':1}",
	    "/a: not allowed (its schema is false)");
	FITS("{'properties':{'a':false}}", "{'b':1}");
	MISFIT("3", "1", "the value: the schema is a number, not an object "
	    "or a boolean");
	MISFIT("{'items':'x'}", "[1]", "/0: the schema is a string, not an "
	    "object or a boolean");
	FITS("{'items':'x'}", "[]");
}

static void
test_enum_const(void **state)
{
	(void)state;
	FITS("{'enum':['red','green','blue',null]}", "'green'");
	FITS("{'enum':['red','green','blue',null]}", "null");
	FITS("{'enum':[1,2]}", "1.0");
	FITS("{'enum':[{'a':1,'b':[2]}]}", "{'b':[2.0],'a':1}");
	MISFIT("{'enum':['red','green','blue',null]}", "'bluee'",
	    "the value: \"bluee\", not one of the enum's 4 values");
	MISFIT("{'enum':['red','green']}", "3",
	    "the value: 3, not one of the enum's 2 values");
	MISFIT("{'enum':['red','green']}", "{'a':1}",
	    "the value: an object, not one of the enum's 2 values");
	MISFIT("{'enum':[1,2]}", "true",
	    "the value: true, not one of the enum's 2 values");
	MISFIT("{'enum':[{'a':1}]}", "{'a':1,'b':2}",
	    "the value: an object, not the enum's only value");
	MISFIT("{'enum':['a']}", "'a very long string, longer than any "
	    "message should quote'", "the value: \"a very long string, "
	    "longer than any mes...\", not the enum's only value");
	MISFIT("{'enum':[]}", "1", "the value: 1, not one of the enum's 0 "
	    "values");
	MISFIT("{'enum':'a'}", "'a'",
	    "the value: the schema's enum is a string, not an array");
	FITS("{'const':'dog'}", "'dog'");
	FITS("{'const':2}", "2.0");
	FITS("{'const':null}", "null");
	FITS("{'const':[1,{'x':false}]}", "[1,{'x':false}]");
	MISFIT("{'const':'dog'}", "'cat'",
	    "the value: \"cat\", not the const \"dog\"");
	MISFIT("{'const':null}", "false",
	    "the value: false, not the const null");
	MISFIT("{'const':1.5}", "1", "the value: 1, not the const 1.5");
	MISFIT("{'const':[1,{'x':false}]}", "[1,{'x':true}]",
	    "the value: an array, not equal to the const");
	MISFIT("{'const':{'a':1}}", "'a'",
	    "the value: \"a\", not equal to the const");
}

static void
test_numbers(void **state)
{
	(void)state;
	FITS("{'minimum':0,'maximum':150}", "0");
	FITS("{'minimum':0,'maximum':150}", "150");
	FITS("{'minimum':0}", "'-5'");	/* only numbers */
	MISFIT("{'minimum':0}", "-1", "the value: -1, less than minimum 0");
	MISFIT("{'minimum':0.5}", "0.25",
	    "the value: 0.25, less than minimum 0.5");
	MISFIT("{'maximum':150}", "200",
	    "the value: 200, more than maximum 150");
	FITS("{'exclusiveMinimum':0}", "0.001");
	MISFIT("{'exclusiveMinimum':0}", "0",
	    "the value: 0, not more than exclusiveMinimum 0");
	FITS("{'exclusiveMaximum':5}", "4.999");
	MISFIT("{'exclusiveMaximum':5}", "5",
	    "the value: 5, not less than exclusiveMaximum 5");
	/* draft 4's boolean form */
	FITS("{'minimum':0,'exclusiveMinimum':false}", "0");
	MISFIT("{'minimum':0,'exclusiveMinimum':true}", "0",
	    "the value: 0, not more than minimum 0 (exclusiveMinimum)");
	FITS("{'maximum':5,'exclusiveMaximum':false}", "5");
	MISFIT("{'maximum':5,'exclusiveMaximum':true}", "5",
	    "the value: 5, not less than maximum 5 (exclusiveMaximum)");
	MISFIT("{'minimum':'5'}", "1",
	    "the value: the schema's minimum is a string, not a number");
	/* multipleOf, on the decimal values */
	FITS("{'multipleOf':3}", "9");
	FITS("{'multipleOf':3}", "-9");
	FITS("{'multipleOf':3}", "0");
	FITS("{'multipleOf':0.01}", "0.07");
	FITS("{'multipleOf':0.01}", "19.99");
	FITS("{'multipleOf':0.1}", "0.3");
	FITS("{'multipleOf':2.5}", "7.5");
	FITS("{'multipleOf':1e-300}", "1e300");
	FITS("{'multipleOf':0.5}", "1e300");
	FITS("{'multipleOf':1e20}", "3e21");
	FITS("{'multipleOf':1}", "1e300");
	MISFIT("{'multipleOf':3}", "7", "the value: 7, not a multiple of 3");
	MISFIT("{'multipleOf':0.01}", "0.075",
	    "the value: 0.075, not a multiple of 0.01");
	MISFIT("{'multipleOf':0.1}", "1e-300",
	    "the value: 1e-300, not a multiple of 0.1");
	MISFIT("{'multipleOf':1e20}", "1e19",
	    "the value: 1e+19, not a multiple of 1e+20");
	FITS("{'multipleOf':2}", "1e300");
	MISFIT("{'multipleOf':7}", "1e300",
	    "the value: 1e+300, not a multiple of 7");
	MISFIT("{'multipleOf':0}", "1",
	    "the value: the schema's multipleOf is a number, not a number > 0");
}

static void
test_strings(void **state)
{
	(void)state;
	FITS("{'minLength':2,'maxLength':5}", "'ab'");
	FITS("{'minLength':2,'maxLength':5}", "'h\xc3\xa9llo'");	/* 6 bytes */
	FITS("{'maxLength':1}", "'\xf0\x9f\x98\x80'");	/* 4 bytes, one character */
	FITS("{'maxLength':1}", "'\\ud83d\\ude00'");
	FITS("{'maxLength':0}", "''");
	FITS("{'maxLength':0}", "5");
	MISFIT("{'minLength':5}", "'abc'",
	    "the value: 3 characters, fewer than minLength 5");
	MISFIT("{'minLength':2}", "'\xf0\x9f\x98\x80'",
	    "the value: 1 character, fewer than minLength 2");
	MISFIT("{'maxLength':10}", "'abcdefghijkl'",
	    "the value: 12 characters, more than maxLength 10");
	MISFIT("{'maxLength':-1}", "'a'", "the value: the schema's maxLength "
	    "is a number, not a whole number >= 0");
	MISFIT("{'minLength':1.5}", "'a'", "the value: the schema's minLength "
	    "is a number, not a whole number >= 0");
	/* not checked: pattern (ECMAScript), formats other than those below */
	FITS("{'type':'string','pattern':'^a$','format':'uri'}", "'b'");
}

/* a format's verdict on a string */
static int
format_fits(const char *format, const char *s)
{
	struct bw_v sch = bw_set(&arena, bw_of(BW_OBJ), "format",
	    bw_lit(format));
	const char *why;

	return bw_schema_check(sch, sch, bw_str(&arena, s, strlen(s)),
	    &why) == 0;
}

static void
test_formats(void **state)
{
	static const struct {
		const char *format, *yes, *no;
	} t[] = {
		{ "date", "1963-06-19", "1963-6-19" },
		{ "date", "2020-02-29", "2021-02-29" },
		{ "date", "2000-02-29", "2100-02-29" },
		{ "date", "0001-01-31", "2020-04-31" },
		{ "date", "2020-12-31", "2020-13-01" },
		{ "date", "2020-01-01", "2020-01-00" },
		{ "date", "2020-01-01", " 2020-01-01" },
		{ "date", "2020-01-01", "2020-01-01Z" },
		{ "date", "2020-01-01", "+2020-01-01" },
		{ "date", "2020-01-01", "2020-0\\u09ea-01" },	/* Bengali 4 */
		{ "time", "08:30:06Z", "08:30:06" },
		{ "time", "08:30:06.283185z", "08:30:06." },
		{ "time", "08:30:06+00:20", "08:30:06+0020" },
		{ "time", "12:34:56-00:00", "08:30:06+01" },
		{ "time", "23:59:60Z", "22:59:60Z" },
		{ "time", "01:29:60+01:30", "23:59:60+01:00" },
		{ "time", "15:59:60-08:00", "23:59:60-00:30" },
		{ "time", "00:29:60-23:30", "00:00:61Z" },
		{ "time", "23:59:59+23:59", "24:00:00Z" },
		{ "time", "00:59:00Z", "00:60:00Z" },
		{ "time", "01:02:03+23:59", "01:02:03+24:00" },
		{ "time", "01:02:03-00:59", "01:02:03Z+00:30" },
		{ "time", "08:30:06Z", "08:30:06Z\\n" },
		{ "date-time", "1963-06-19T08:30:06.283185Z",
		    "1963-06-19 08:30:06Z" },
		{ "date-time", "1990-12-31T15:59:50.123-08:00",
		    "1990-02-31T15:59:50Z" },
		{ "date-time", "1998-12-31T23:59:60Z", "1998-12-31T23:58:60Z" },
		{ "date-time", "1963-06-19t08:30:06z", "2013-350T01:01:01" },
		{ "date-time", "1985-04-12T00:59:59.999999999999999Z",
		    "1963-06-19T08:30:06.28+01:00Z" },
		{ "duration", "P4DT12H30M5S", "PT1D" },
		{ "duration", "P4Y", "P" },
		{ "duration", "PT0S", "PT" },
		{ "duration", "P1Y2M", "P1YT" },
		{ "duration", "P1M2D", "P1Y2D" },
		{ "duration", "PT1M2S", "PT1H2S" },
		{ "duration", "P2W", "P1Y2W" },
		{ "duration", "P01D", "P1WT1H" },
		{ "duration", "P1Y2M3DT4H5M6S", "P2D1Y" },
		{ "duration", "PT36H", "P1D2H" },
		{ "duration", "P1DT12H", "PT0.5S" },
		{ "duration", "P1D", "-P1D" },
		{ "duration", "P1D", "P1D2T3H" },
		{ "email", "joe.bloggs@example.com", "2962" },
		{ "email", "~te~st~@example.com", ".test@example.com" },
		{ "email", "te.s.t@example.com", "te..st@example.com" },
		{ "email", "\\\"joe..b@l\\\"@example.com", "test.@example.com" },
		{ "email", "\\\"\\\"@iana.org", "\\\"test@iana.org" },
		{ "email", "\\\"\\\\\\\"\\\"@iana.org", "\\\"test\\\"test@iana.org" },
		{ "email", "joe@[127.0.0.1]", "joe@[127.0.0.300]" },
		{ "email", "joe@[IPv6:::1]", "joe@[1.2.3]" },
		{ "email", "joe@[ipv6:1:2:3:4:5:6::]", "joe@[IPv6:1:2:3:4:5:6:7::]" },
		{ "email", "test@255.255.255.255", "test@[RFC-5322-literal]" },
		{ "email", "test@c--n.com", "test@-iana.org" },
		{ "email", "test@io", "test@iana.org." },
		{ "email", "test@io", "test@iana..org" },
		{ "email", "test@io", "a@b@c.org" },
		{ "email", "test@io", "a\\u00e9@iana.org" },
		{ "email", "test@io", "joe bloggs@example.com" },
		{ "email", "test@io", "a(c)@example.com" },
		{ "email", "test@io", "@example.com" },
		{ "email", "test@io", "joe.bloggs@" },
		{ "hostname", "www.example.com", "-a-host" },
		{ "hostname", "xn--4gbwdl.xn--wgbh1c", "not_a_host" },
		{ "hostname", "example.com.", "." },
		{ "hostname", "a", "" },
		{ "hostname", "a-b", "hostname-" },
		{ "hostname", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijk.com", "abcdefghijklmnopqrstuvwxyzabcdefghijkl"
		    "mnopqrstuvwxyzabcdefghijkl.com" },
		{ "ipv4", "192.168.0.1", "127.0.0.0.1" },
		{ "ipv4", "0.0.0.0", "256.256.256.256" },
		{ "ipv4", "255.255.255.255", "127.1" },
		{ "ipv4", "001.02.3.4", "0x7f.0.0.1" },
		{ "ipv4", "1.2.3.4", "192.168.0.1 " },
		{ "ipv4", "1.2.3.4", "192.168.1.0/24" },
		{ "ipv4", "1.2.3.4", "2130706433" },
		{ "ipv4", "1.2.3.4", "0001.2.3.4" },
		{ "ipv6", "::1", "12345::" },
		{ "ipv6", "::", "::laptop" },
		{ "ipv6", "::42:ff:1", ":2:3:4:5:6:7:8" },
		{ "ipv6", "d6::", "1:2:3:4:5:6:7:" },
		{ "ipv6", "1:d6::42", "1::d6::42" },
		{ "ipv6", "1::d6:192.168.0.1", "1::2:192.168.256.1" },
		{ "ipv6", "::ffff:192.168.0.1", "1:2:3:4:5:::8" },
		{ "ipv6", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7" },
		{ "ipv6", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8:9" },
		{ "ipv6", "1000:1000:1000:1000:1000:1000:255.255.255.255",
		    "100:100:100:100:100:100:100:255.255.255.255" },
		{ "ipv6", "fe80::a", "fe80::a%eth1" },
		{ "ipv6", "fe80::", "fe80::/64" },
		{ "ipv6", "::1", "127.0.0.1" },
		{ "uuid", "2EB8AA08-AA98-11EA-B4AA-73B441D16380",
		    "2eb8aa08-aa98-11ea-b4aa-73b441d1638" },
		{ "uuid", "2eb8aa08-AA98-11ea-B4Aa-73b441d16380",
		    "2eb8aa08aa9811eab4aa73b441d16380" },
		{ "uuid", "00000000-0000-0000-0000-000000000000",
		    "2eb8aa08-aa98-11ea-b4ga-73b441d16380" },
	};
	struct bw_v s;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		/* the strings as JSON, for the escapes */
		char yes[200], no[200];
		snprintf(yes, sizeof yes, "\"%s\"", t[i].yes);
		snprintf(no, sizeof no, "\"%s\"", t[i].no);
		struct bw_v y = bw_read(&arena, yes, strlen(yes), 8, &why, NULL);
		struct bw_v n = bw_read(&arena, no, strlen(no), 8, &why, NULL);
		if (y.kind != BW_STR || n.kind != BW_STR)
			fail_msg("bad JSON: %s or %s", yes, no);
		s = bw_set(&arena, bw_of(BW_OBJ), "format", bw_lit(t[i].format));
		if (bw_schema_check(s, s, y, &why))
			fail_msg("%s: %s: %s", t[i].format, t[i].yes, why);
		if (!bw_schema_check(s, s, n, &why))
			fail_msg("%s: %s fits", t[i].format, t[i].no);
	}
	assert_true(format_fits("date", "2020-01-01"));
	MISFIT("{'properties':{'when':{'format':'date'}}}",
	    "{'when':'2024-13-01'}",
	    "/when: \"2024-13-01\", not in format \"date\"");
	FITS("{'format':'date'}", "20240101");	/* only strings */
	FITS("{'format':'uri'}", "'not a uri'");	/* not checked */
	FITS("{'format':'regex'}", "'('");
	MISFIT("{'format':1}", "''",
	    "the value: the schema's format is a number, not a string");
}

static void
test_arrays(void **state)
{
	(void)state;
	FITS("{'items':{'type':'integer'}}", "[1,2,3]");
	FITS("{'items':{'type':'integer'}}", "[]");
	MISFIT("{'items':{'type':'integer'}}", "[1,2,'3']",
	    "/2: a string, not an integer");
	MISFIT("{'items':false}", "[1]", "/0: not allowed (items is false)");
	FITS("{'minItems':1,'maxItems':2}", "[0]");
	FITS("{'minItems':1,'maxItems':2}", "[0,0]");
	FITS("{'minItems':1}", "{}");
	MISFIT("{'properties':{'items':{'maxItems':10}}}",
	    "{'items':[1,2,3,4,5,6,7,8,9,10,11,12]}",
	    "/items: 12 items, more than maxItems 10");
	MISFIT("{'minItems':3}", "[1]", "the value: 1 item, fewer than "
	    "minItems 3");
	MISFIT("{'minItems':1}", "[]", "the value: 0 items, fewer than "
	    "minItems 1");
	MISFIT("{'maxItems':'2'}", "[]", "the value: the schema's maxItems is "
	    "a string, not a whole number >= 0");
	/* prefixItems: the first items, then items for the rest */
	FITS("{'prefixItems':[{'type':'string'},{'type':'number'}]}",
	    "['a',1,null]");
	FITS("{'prefixItems':[{'type':'string'},{'type':'number'}]}", "['a']");
	MISFIT("{'prefixItems':[{'type':'string'},{'type':'number'}]}",
	    "['a','b']", "/1: a string, not a number");
	MISFIT("{'prefixItems':[{'type':'string'}],'items':false}", "['a',1]",
	    "/1: not allowed (items is false)");
	MISFIT("{'prefixItems':[{'type':'string'}],'items':{'type':'null'}}",
	    "['a',null,1]", "/2: a number, not null");
	/* uniqueItems, by JSON equality */
	FITS("{'uniqueItems':true}", "[1,'1',[1],{'a':1},true,null]");
	FITS("{'uniqueItems':false}", "[1,1]");
	FITS("{'uniqueItems':true}", "[{'a':1,'b':2},{'a':2,'b':1}]");
	MISFIT("{'uniqueItems':true}", "[1,2,3,1.0]",
	    "the value: items 0 and 3 are equal (uniqueItems)");
	MISFIT("{'uniqueItems':true}", "[0,[{'a':1,'b':[2]}],{},"
	    "[{'b':[2],'a':1}]]",
	    "the value: items 1 and 3 are equal (uniqueItems)");
	MISFIT("{'uniqueItems':true}", "[0,-0]",
	    "the value: items 0 and 1 are equal (uniqueItems)");
	MISFIT("{'uniqueItems':1}", "[]", "the value: the schema's uniqueItems "
	    "is a number, not a boolean");
	/* contains, minContains, maxContains */
	FITS("{'contains':{'type':'string'}}", "[1,'a']");
	FITS("{'contains':{'type':'string'}}", "{}");
	FITS("{'contains':{'type':'string'},'minContains':0}", "[]");
	FITS("{'minContains':5}", "[]");	/* without contains: nothing */
	MISFIT("{'contains':{'type':'string'}}", "[1,2]",
	    "the value: no item fits contains");
	MISFIT("{'contains':{'type':'string'}}", "[]",
	    "the value: no item fits contains");
	FITS("{'contains':{'type':'string'},'minContains':2,'maxContains':3}",
	    "['a',1,'b']");
	MISFIT("{'contains':{'type':'string'},'minContains':2}", "['a',1]",
	    "the value: 1 item fits contains, fewer than minContains 2");
	MISFIT("{'contains':{'type':'string'},'maxContains':1}",
	    "['a',1,'b']",
	    "the value: 2 items fit contains, more than maxContains 1");
	MISFIT("{'contains':{'$ref':'#/x'}}", "[1]",
	    "/0: $ref \"#/x\" names nothing in the schema");
}

static void
test_objects(void **state)
{
	const char *person = "{'type':'object','properties':{"
	    "'name':{'type':'string'},'age':{'type':'integer','minimum':0}},"
	    "'required':['name','age'],'additionalProperties':false}";

	(void)state;
	FITS(person, "{'name':'Ann','age':40}");
	FITS(person, "{'age':40,'name':'Ann'}");
	MISFIT(person, "{'age':40}",
	    "the value: missing required property \"name\"");
	MISFIT(person, "{'name':'Ann','age':'40'}",
	    "/age: a string, not an integer");
	MISFIT(person, "{'name':'Ann','age':-1}",
	    "/age: -1, less than minimum 0");
	MISFIT(person, "{'name':'Ann','age':40,'extra':1}",
	    "/extra: property not allowed (additionalProperties is false)");
	MISFIT(person, "[]", "the value: an array, not an object");
	/* additionalProperties true, a schema, or absent */
	FITS("{'properties':{'a':{}},'additionalProperties':true}",
	    "{'a':1,'b':2}");
	FITS("{'properties':{'a':{}}}", "{'a':1,'b':2}");
	FITS("{'additionalProperties':{'type':'number'}}", "{'a':1,'b':2}");
	MISFIT("{'properties':{'a':{}},'additionalProperties':"
	    "{'type':'number'}}", "{'a':'x','b':'y'}",
	    "/b: a string, not a number");
	/* with patternProperties (not checked), no property is extra */
	FITS("{'patternProperties':{'^x':{}},'additionalProperties':false}",
	    "{'y':1}");
	FITS("{'required':[]}", "{}");
	FITS("{'required':['a']}", "['not an object']");
	MISFIT("{'required':'a'}", "{}", "the value: the schema's required is "
	    "a string, not an array");
	MISFIT("{'required':[1]}", "{}", "the value: the schema's required[0] "
	    "is a number, not a string");
	MISFIT("{'properties':[]}", "{}", "the value: the schema's properties "
	    "is an array, not an object");
	/* propertyNames: each name, as a string */
	FITS("{'propertyNames':{'maxLength':3}}", "{'abc':1,'d':2}");
	FITS("{'propertyNames':{'maxLength':3}}", "'abcdef'");
	MISFIT("{'propertyNames':{'maxLength':3}}", "{'abc':1,'defg':2}",
	    "/defg: 4 characters, more than maxLength 3");
	MISFIT("{'propertyNames':{'enum':['a','b']}}", "{'a':1,'c':2}",
	    "/c: \"c\", not one of the enum's 2 values");
	MISFIT("{'propertyNames':false}", "{'a':1}",
	    "/a: not allowed (propertyNames is false)");
	FITS("{'propertyNames':false}", "{}");
	/* dependentRequired, dependentSchemas */
	FITS("{'dependentRequired':{'card':['billing']}}", "{'name':1}");
	FITS("{'dependentRequired':{'card':['billing']}}",
	    "{'card':1,'billing':2}");
	MISFIT("{'dependentRequired':{'card':['billing']}}", "{'card':1}",
	    "the value: missing property \"billing\", required with "
	    "\"card\" (dependentRequired)");
	MISFIT("{'dependentRequired':{'card':'billing'}}", "{}",
	    "the value: the schema's dependentRequired[\"card\"] is a "
	    "string, not an array");
	FITS("{'dependentSchemas':{'card':{'required':['billing']}}}",
	    "{'name':1}");
	MISFIT("{'dependentSchemas':{'card':{'required':['billing']}}}",
	    "{'card':1}", "the value: missing required property \"billing\"");
	MISFIT("{'dependentSchemas':[]}", "{}", "the value: the schema's "
	    "dependentSchemas is an array, not an object");
	/* minProperties, maxProperties */
	FITS("{'minProperties':1,'maxProperties':2}", "{'a':1}");
	MISFIT("{'maxProperties':2}", "{'a':1,'b':2,'c':3}",
	    "the value: 3 properties, more than maxProperties 2");
	MISFIT("{'minProperties':1}", "{}",
	    "the value: 0 properties, fewer than minProperties 1");
	MISFIT("{'minProperties':2}", "{'a':1}",
	    "the value: 1 property, fewer than minProperties 2");
}

static void
test_paths(void **state)
{
	const char *s = "{'properties':{'items':{'items':{'properties':{"
	    "'age':{'type':'number'}}}}}}";

	(void)state;
	MISFIT(s, "{'items':[{'age':1},{'age':2},{'age':'x'}]}",
	    "/items/2/age: a string, not a number");
	MISFIT("{'properties':{'tags':{'items':{'enum':['a','b','c','d']}}}}",
	    "{'tags':['a','b','c','e']}",
	    "/tags/3: \"e\", not one of the enum's 4 values");
	/* ~ as ~0 and / as ~1; a control character escaped, one line */
	MISFIT("{'additionalProperties':{'additionalProperties':"
	    "{'type':'null'}}}", "{'a/b':{'m~n':1}}",
	    "/a~1b/m~0n: a number, not null");
	MISFIT("{'additionalProperties':false}", "{'x\\ny':1}",
	    "/x\\u000ay: property not allowed (additionalProperties is false)");
	MISFIT("{'additionalProperties':false}", "{'':1}",
	    "/: property not allowed (additionalProperties is false)");
	MISFIT("{'required':['a\\'b']}", "{}",
	    "the value: missing required property \"a\\\"b\"");
}

/* the value nested n deep in objects under key k, holding 1 */
static char *
nest(const char *k, int n)
{
	size_t kl = strlen(k), len = n * (kl + 5) + 2;
	char *s = malloc(len + 1), *p = s;

	assert_non_null(s);
	for (int i = 0; i < n; i++)
		p += sprintf(p, "{'%s':", k);
	*p++ = '1';
	for (int i = 0; i < n; i++)
		*p++ = '}';
	*p = 0;
	return s;
}

static void
test_long_path(void **state)
{
	char k[71], *v, want[512], seg[64];
	const char *why;

	(void)state;
	memset(k, 'k', 70);
	k[70] = 0;
	/* a key is cut at 60 bytes; a path past 480 keeps its ends */
	v = nest(k, 10);
	why = check("{'additionalProperties':{'$ref':'#'},'type':'object'}", v);
	snprintf(seg, sizeof seg, "/%.*s...", 59, k);
	snprintf(want, sizeof want, "%s%s%s/...%s%s%s: a number, not an object",
	    seg, seg, seg, seg, seg, seg);
	assert_string_equal(why, want);
	free(v);
	v = nest(k, 2);
	why = check("{'additionalProperties':{'$ref':'#'},'type':'object'}", v);
	snprintf(want, sizeof want, "%s%s: a number, not an object", seg, seg);
	assert_string_equal(why, want);
	free(v);
}

static void
test_combinators(void **state)
{
	const char *any = "{'anyOf':[{'type':'string'},{'type':'null'}]}";
	const char *one = "{'oneOf':[{'type':'integer'},{'minimum':2}]}";

	(void)state;
	FITS(any, "'x'");
	FITS(any, "null");
	MISFIT(any, "1", "the value: none of anyOf's 2 schemas fits (the "
	    "first: the value: a number, not a string)");
	MISFIT("{'properties':{'pet':{'anyOf':[{'properties':{'kind':"
	    "{'const':'cat'}}},{'properties':{'kind':{'const':'dog'}}}]}}}",
	    "{'pet':{'kind':'fish'}}", "/pet: none of anyOf's 2 schemas fits "
	    "(the first: /pet/kind: \"fish\", not the const \"cat\")");
	FITS(one, "1");		/* integer, below 2 */
	FITS(one, "2.5");	/* not integer, >= 2 */
	MISFIT(one, "3", "the value: fits more than one of oneOf's 2 schemas "
	    "(0 and 1)");
	MISFIT(one, "1.5", "the value: none of oneOf's 2 schemas fits (the "
	    "first: the value: 1.5, not an integer)");
	FITS("{'allOf':[{'type':'number'},{'minimum':1}]}", "1");
	MISFIT("{'allOf':[{'type':'number'},{'minimum':1}]}", "0",
	    "the value: 0, less than minimum 1");
	FITS("{'not':{'type':'string'}}", "1");
	MISFIT("{'not':{'type':'string'}}", "'1'",
	    "the value: fits the schema of not");
	FITS("{'if':{'type':'string'},'then':{'minLength':2},'else':"
	    "{'minimum':5}}", "'ab'");
	FITS("{'if':{'type':'string'},'then':{'minLength':2},'else':"
	    "{'minimum':5}}", "6");
	MISFIT("{'if':{'type':'string'},'then':{'minLength':2},'else':"
	    "{'minimum':5}}", "'a'",
	    "the value: 1 character, fewer than minLength 2");
	MISFIT("{'if':{'type':'string'},'then':{'minLength':2},'else':"
	    "{'minimum':5}}", "4", "the value: 4, less than minimum 5");
	FITS("{'then':false,'else':false}", "1");	/* without if: nothing */
	FITS("{'if':false}", "1");	/* nor without then and else */
	FITS("{'if':{'$ref':'#/none'}}", "1");
	MISFIT("{'anyOf':[]}", "1", "the value: the schema's anyOf is an "
	    "array, not a non-empty array");
	MISFIT("{'allOf':{}}", "1", "the value: the schema's allOf is an "
	    "object, not a non-empty array");
	/* a schema that cannot be checked is not a branch that fails */
	MISFIT("{'not':{'$ref':'#/$defs/none'}}", "1",
	    "the value: $ref \"#/$defs/none\" names nothing in the schema");
	MISFIT("{'anyOf':[{'$ref':'#/nowhere'},{}]}", "1",
	    "the value: $ref \"#/nowhere\" names nothing in the schema");
	MISFIT("{'anyOf':[{'type':'string'},{'minimum':'x'}]}", "1",
	    "the value: the schema's minimum is a string, not a number");
}

static void
test_ref(void **state)
{
	const char *tree = "{'$defs':{'node':{'type':'object','properties':{"
	    "'value':{'type':'number'},'children':{'type':'array','items':"
	    "{'$ref':'#/$defs/node'}}},'required':['value','children'],"
	    "'additionalProperties':false}},'$ref':'#/$defs/node'}";

	(void)state;
	FITS(tree, "{'value':1,'children':[]}");
	FITS(tree, "{'value':1,'children':[{'value':2,'children':[{'value':3,"
	    "'children':[]}]},{'value':4,'children':[]}]}");
	MISFIT(tree, "{'value':1,'children':[{'value':2,'children':[{'value':"
	    "'3','children':[]}]}]}",
	    "/children/0/children/0/value: a string, not a number");
	MISFIT(tree, "{'value':1,'children':[{'value':2}]}",
	    "/children/0: missing required property \"children\"");
	/* draft 7's definitions, the root itself, escaped names */
	FITS("{'definitions':{'n':{'type':'number'}},'items':{'$ref':"
	    "'#/definitions/n'}}", "[1,2]");
	MISFIT("{'definitions':{'n':{'type':'number'}},'items':{'$ref':"
	    "'#/definitions/n'}}", "[1,'2']", "/1: a string, not a number");
	FITS("{'type':['array','number'],'items':{'$ref':'#'}}", "[1,[2,[3]]]");
	MISFIT("{'type':['array','number'],'items':{'$ref':'#'}}", "[1,[2,['3']]]",
	    "/1/1/0: a string, not an array or a number");
	MISFIT("{'$defs':{'a/b':{'type':'null'},'c~d':{'type':'string'},"
	    "'e f':{'type':'boolean'},'%':{'type':'object'}},'prefixItems':["
	    "{'$ref':'#/$defs/a~1b'},{'$ref':'#/$defs/c~0d'},{'$ref':"
	    "'#/$defs/e%20f'},{'$ref':'#/$defs/%25'}]}",
	    "[null,'s',true,[]]", "/3: an array, not an object");
	FITS("{'$defs':{'x':[{'type':'null'}]},'$ref':'#/$defs/x/0'}", "null");
	/* $ref's siblings apply too (2020-12) */
	MISFIT("{'$defs':{'n':{'type':'number'}},'$ref':'#/$defs/n',"
	    "'minimum':5}", "4", "the value: 4, less than minimum 5");
	/* refs that cannot be followed */
	MISFIT("{'$ref':'other.json#/x'}", "1", "the value: $ref \"other.json#"
	    "/x\" is not within the schema (only \"#...\" is followed)");
	MISFIT("{'$ref':'#anchor'}", "1",
	    "the value: $ref \"#anchor\" names nothing in the schema");
	MISFIT("{'$ref':'#/$defs/x~2'}", "1",
	    "the value: $ref \"#/$defs/x~2\" names nothing in the schema");
	MISFIT("{'$defs':{'x':[{}]},'$ref':'#/$defs/x/01'}", "1",
	    "the value: $ref \"#/$defs/x/01\" names nothing in the schema");
	MISFIT("{'$ref':'#/%4'}", "1",
	    "the value: $ref \"#/%4\" names nothing in the schema");
	MISFIT("{'$ref':1}", "1",
	    "the value: the schema's $ref is a number, not a string");
}

static void
test_ref_loops(void **state)
{
	(void)state;
	MISFIT("{'$ref':'#'}", "1", "the value: $ref \"#\" loops (it comes "
	    "back to the same schema for the same value)");
	MISFIT("{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'allOf':[{'$ref':"
	    "'#/$defs/a'}]}},'properties':{'x':{'$ref':'#/$defs/a'}}}",
	    "{'x':1}", "/x: $ref \"#/$defs/a\" loops (it comes back to the "
	    "same schema for the same value)");
	MISFIT("{'not':{'$ref':'#'}}", "1", "the value: $ref \"#\" loops (it "
	    "comes back to the same schema for the same value)");
	/* $ref is followed last: a misfit found before it is the reason */
	MISFIT("{'type':'string','$ref':'#'}", "1",
	    "the value: a number, not a string");
	MISFIT("{'type':'string','$ref':'#'}", "'x'", "the value: $ref \"#\" "
	    "loops (it comes back to the same schema for the same value)");
	FITS("{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'type':'number'}},"
	    "'allOf':[{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'}]}", "1");
}

/* nesting past 64 levels, and schemas that multiply */
static void
test_limits(void **state)
{
	char *v, s[4096], *p = s;
	const char *why;

	(void)state;
	/* a recursive schema on a value 70 deep */
	/* (two levels a value level: additionalProperties, $ref) */
	v = nest("a", 40);
	MISFIT("{'additionalProperties':{'$ref':'#'}}", v, "/a/a/a/a/a/a/a/a/"
	    "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a: the schema "
	    "nests deeper than 64 levels");
	free(v);
	v = nest("a", 31);
	FITS("{'additionalProperties':{'$ref':'#'}}", v);
	free(v);
	/* a schema nested 70 deep */
	for (int i = 0; i < 70; i++)
		p += sprintf(p, "{'not':");
	p += sprintf(p, "{}");
	for (int i = 0; i < 70; i++)
		*p++ = '}';
	*p = 0;
	MISFIT(s, "1", "the value: the schema nests deeper than 64 levels");
	/* 2^30 ways through, refused within a bounded number of steps */
	p = s + sprintf(s, "{'$defs':{");
	for (int i = 0; i < 30; i++)
		p += sprintf(p, "'d%d':{'anyOf':[{'$ref':'#/$defs/d%d'},"
		    "{'$ref':'#/$defs/d%d'}]},", i, i + 1, i + 1);
	sprintf(p, "'d30':false},'$ref':'#/$defs/d0'}");
	why = check(s, "1");
	assert_non_null(why);
	assert_string_equal(why, "the value: the schema takes more than 1049600 steps to check (anyOf or "
	    "oneOf multiplied through $ref?)");
}

/* 100,000 items with uniqueItems, in linear time */
/* n items {"id":i,"tag":"tN"}, the last a copy of the one before it
   with dupe */
static struct bw_v
items(size_t n, int dupe)
{
	char *v = malloc(n * 40), *p = v;
	struct bw_v val;
	const char *why;

	assert_non_null(v);
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		size_t k = dupe && i == n - 1 ? i - 1 : i;
		p += sprintf(p, "%s{\"id\":%zu,\"tag\":\"t%zu\"}", i ? "," : "",
		    k, k % 7);
	}
	*p++ = ']';
	val = bw_read(&arena, v, p - v, 256, &why, NULL);
	assert_int_equal(val.kind, BW_ARR);
	free(v);
	return val;
}

/* 100,000 items with uniqueItems, in linear time */
static void
test_big(void **state)
{
	struct bw_v s = json(&arena, "{'type':'array','uniqueItems':true,"
	    "'maxItems':100000,'items':{'type':'object','properties':{"
	    "'id':{'type':'integer'},'tag':{'enum':['t0','t1','t2','t3','t4',"
	    "'t5','t6']}},'required':['id','tag'],"
	    "'additionalProperties':false}}");
	const char *why;
	clock_t t0 = clock();

	(void)state;
	assert_int_equal(bw_schema_check(s, s, items(100000, 0), &why), 0);
	assert_int_equal(bw_schema_check(s, s, items(100000, 1), &why), -1);
	assert_string_equal(why, "the value: items 99998 and 99999 are equal "
	    "(uniqueItems)");
	/* quadratic would take minutes; linear takes well under a second
	   (a few under valgrind) */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20);
}

/* Workers check at once, each getting its own reason. */
struct worker {
	struct bw_arena a;
	int k;
	int ok;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	char want[64], vt[64];
	struct bw_v s = json(&w->a, "{'items':{'maximum':0}}"), v;
	const char *why;

	snprintf(vt, sizeof vt, "[0,0,%d]", w->k + 1);
	v = json(&w->a, vt);
	snprintf(want, sizeof want, "/2: %d, more than maximum 0", w->k + 1);
	w->ok = 1;
	for (int i = 0; i < 20000; i++)
		if (bw_schema_check(s, s, v, &why) != -1 || strcmp(why, want))
			w->ok = 0;
	bw_json_thread_end();
	return NULL;
}

static void
test_threads(void **state)
{
	struct worker w[4];
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].k = i;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(w[i].ok);
		bw_arena_free(&w[i].a);
	}
}

static void
test_ignored(void **state)
{
	(void)state;
	FITS("{'title':'t','description':'d','default':3,'examples':[1],"
	    "'$schema':'https://json-schema.org/draft/2020-12/schema',"
	    "'$id':'x','$comment':'c','x-custom':{'type':'string'},"
	    "'$defs':{'unused':{'type':'string'}}}", "1");
}

/* each test with the arena freed after it */
#define T(f) cmocka_unit_test_teardown(f, free_arena)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_type),
		T(test_true_false),
		T(test_enum_const),
		T(test_numbers),
		T(test_strings),
		T(test_formats),
		T(test_arrays),
		T(test_objects),
		T(test_paths),
		T(test_long_path),
		T(test_combinators),
		T(test_ref),
		T(test_ref_loops),
		T(test_limits),
		T(test_big),
		T(test_threads),
		T(test_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
