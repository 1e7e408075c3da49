/*
 * jsonl.c: libFuzzer target for the JSONL reader (bw_read, and
 * bw_parse_line on top of it) and the JSON writers (bw_out_v,
 * bw_out_json).
 *
 * Property: whatever bw_parse_line accepts, bw_out_json writes as text
 * that bw_parse_line accepts again and that holds an equal value, and
 * writing that value again gives the same bytes (the writer's output is
 * a fixed point); the same for bw_read and bw_out_v, with keys in
 * insertion order and in JavaScript order alike.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static struct bw_out out, again;
static struct bw_arena arena;

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
	out.n = 0;
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
	bw_out_json(&again, w);
	check(again.n == out.n && !memcmp(again.buf, out.buf, out.n),
	    "writing the value read back gives other bytes", data, size);
	x = jv_copy(v);
	check(jv_equal(x, w), "round trip changed the value", data, size);
	/* our own values, in insertion and in JavaScript order */
	for (int jsorder = 0; jsorder < 2; jsorder++) {
		const struct bw_v *a, *b;
		bw_arena_reset(&arena);
		a = bw_read(&arena, (const char *)data, size, 1000, &why, &col);
		check(a != NULL, "bw_read refused what bw_parse_line took",
		    data, size);
		out.n = 0;
		out.jsorder = jsorder;
		bw_out_v(&out, a);
		b = bw_read(&arena, out.buf, out.n, 1000, &why, &col);
		check(b != NULL, "bw_out_v wrote what does not read back",
		    data, size);
		again.n = 0;
		again.jsorder = jsorder;
		bw_out_v(&again, b);
		check(again.n == out.n && !memcmp(again.buf, out.buf, out.n),
		    "bw_out_v of the value read back gives other bytes", data,
		    size);
	}
	out.jsorder = again.jsorder = 0;
	jv_free(v);
	return 0;
}
