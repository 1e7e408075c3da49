/*
 * jsonl.c: libFuzzer target for the JSONL reader (bw_parse_line) and the
 * JSON writer (bw_out_json).
 *
 * Property: whatever bw_parse_line accepts, bw_out_json writes as text
 * that bw_parse_line accepts again and that holds an equal value (with
 * keys in insertion order and in JavaScript order alike); and writing
 * that value again gives the same bytes (the writer's output is a fixed
 * point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static struct bw_out out, again;

static void
check(int ok, const char *what, const uint8_t *data, size_t size)
{
	if (ok)
		return;
	fprintf(stderr, "jsonl: %s (input %zu bytes)\n", what, size);
	(void)data;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	size_t col = 0;
	jv v, w, x;

	if (!out.buf) {
		bw_out_open(&out, -1, "x", 0);
		bw_out_open(&again, -1, "x", 0);
	}
	v = bw_parse_line((const char *)data, size, &why, &col);
	if (!jv_is_valid(v)) {
		check(why != NULL, "rejected without a reason", data, size);
		check(col >= 1 && col <= size + 1, "column out of range",
		    data, size);
		return 0;
	}
	for (int jsorder = 0; jsorder < 2; jsorder++) {
		out.n = 0;
		out.jsorder = jsorder;
		bw_out_json(&out, v);
		check(memchr(out.buf, '\n', out.n) == NULL,
		    "bw_out_json wrote a newline", data, size);
		w = bw_parse_line(out.buf, out.n, &why, &col);
		if (!jv_is_valid(w)) {
			fprintf(stderr, "jsonl: output does not parse: %s "
			    "at column %zu: %.*s\n", why, col,
			    (int)(out.n > 500 ? 500 : out.n), out.buf);
			abort();
		}
		again.n = 0;
		again.jsorder = jsorder;
		bw_out_json(&again, w);
		check(again.n == out.n && !memcmp(again.buf, out.buf, out.n),
		    "writing the value read back gives other bytes", data, size);
		x = jv_copy(v);
		check(jv_equal(x, w), "round trip changed the value", data, size);
	}
	jv_free(v);
	return 0;
}
