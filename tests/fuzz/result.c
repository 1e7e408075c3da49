/*
 * result.c: libFuzzer target for the result normalizer (bw_result_write).
 *
 * The first input byte picks raw (byte & 1); the rest is one batch
 * output or error line, read with bw_read.  Property: on success
 * exactly one line is written, and it reads as a JSON object whose
 * customId is the input's custom_id and whose status is one of
 * succeeded, errored, expired, canceled (with "response" iff raw); on
 * failure there is a reason and nothing is written.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static struct bw_out out;

static void
bad(const char *what)
{
	fprintf(stderr, "result: %s: %.*s\n", what,
	    (int)(out.n > 500 ? 500 : out.n), out.buf);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bw_arena arena;
	const char *why = NULL;
	size_t col;
	struct bw_v line, res, st;
	int raw;

	if (!out.buf)
		bw_out_open(&out, -1, "x", 0);
	if (size < 1)
		return 0;
	raw = data[0] & 1;
	bw_arena_reset(&arena);
	line = bw_read(&arena, (const char *)data + 1, size - 1, INT_MAX,
	    &why, &col);
	if (!line.kind)
		return 0;
	out.n = 0;
	why = NULL;
	if (bw_result_write(&out, line, raw, NULL, &why) < 0) {
		if (!why)
			bad("failed without a reason");
		if (out.n)
			bad("failed but wrote");
		return 0;
	}
	if (out.n < 2 || out.buf[out.n - 1] != '\n')
		bad("the result does not end with a newline");
	if (memchr(out.buf, '\n', out.n - 1))
		bad("the result is more than one line");
	res = bw_read(&arena, out.buf, out.n - 1, INT_MAX, &why, &col);
	if (!res.kind)
		bad("the result does not read back");
	if (res.kind != BW_OBJ)
		bad("the result is not an object");
	if (!bw_equal(bw_get(res, "customId"), bw_get(line, "custom_id")))
		bad("customId is not the input's custom_id");
	st = bw_get(res, "status");
	if (!bw_is(st, "succeeded") && !bw_is(st, "errored") &&
	    !bw_is(st, "expired") && !bw_is(st, "canceled"))
		bad("status is none of the four");
	if ((bw_get(res, "response").kind != BW_NONE) != raw)
		bad("response present iff raw: not so");
	return 0;
}
