/*
 * jsonl.c: libFuzzer target for the JSONL reader (bw_read) and the
 * JSON writer (bw_out_v).
 *
 * Properties: a refusal has a reason and a column within the input
 * (one past its end at most); a shallow read (depth 1) refuses the
 * same input for the same reason at the same column, as what is not
 * built is checked alike.  Whatever bw_read accepts, bw_out_v writes
 * as one line that bw_read accepts again and that holds an equal
 * value, and writing that value again gives the same bytes (the
 * writer's output is a fixed point); with keys in insertion order and
 * in JavaScript order alike.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static struct bw_out out, again;
static struct bw_arena arena;

static void
check(int ok, const char *what, size_t size)
{
	if (ok)
		return;
	fprintf(stderr, "jsonl: %s (input %zu bytes)\n", what, size);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL, *why1 = NULL;
	size_t col = 0, col1 = 0;
	struct bw_v v, shallow, w;

	if (!out.buf) {
		bw_out_open(&out, -1, "x", 0);
		bw_out_open(&again, -1, "x", 0);
	}
	bw_arena_reset(&arena);
	v = bw_read(&arena, s, size, INT_MAX, &why, &col);
	shallow = bw_read(&arena, s, size, 1, &why1, &col1);
	check(!v.kind == !shallow.kind, "a shallow read decided otherwise",
	    size);
	if (!v.kind) {
		check(why != NULL, "refused without a reason", size);
		check(col >= 1 && col <= size + 1, "column out of range", size);
		check(why1 && !strcmp(why1, why) && col1 == col,
		    "a shallow read refused for another reason or column", size);
		return 0;
	}
	for (int jsorder = 0; jsorder < 2; jsorder++) {
		out.n = 0;
		out.jsorder = jsorder;
		bw_out_v(&out, v);
		check(memchr(out.buf, '\n', out.n) == NULL,
		    "bw_out_v wrote a newline", size);
		w = bw_read(&arena, out.buf, out.n, INT_MAX, &why, &col);
		if (!w.kind) {
			fprintf(stderr, "jsonl: output does not read back: %s "
			    "at column %zu: %.*s\n", why, col,
			    (int)(out.n > 500 ? 500 : out.n), out.buf);
			abort();
		}
		check(bw_equal(v, w), "the value read back is another", size);
		again.n = 0;
		again.jsorder = jsorder;
		bw_out_v(&again, w);
		check(again.n == out.n && !memcmp(again.buf, out.buf, out.n),
		    "writing the value read back gives other bytes", size);
	}
	out.jsorder = again.jsorder = 0;
	return 0;
}
