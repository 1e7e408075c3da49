/*
 * request.c: libFuzzer target for the request mapper (bw_map_request).
 *
 * The first input byte picks the endpoint: (byte + 1) % 7, so that the
 * digits 0 to 6 are chat, responses, completions, embeddings, images,
 * image-edits and moderations; the rest is one request line, parsed with
 * bw_read.  Property: a mapped body is an object, the custom id
 * is a string or absent, and the body as bw_out_v writes it (keys in
 * JavaScript order, as bw_build writes it) reads back and writes as the
 * same text.  A rejected request has a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

#define NEP 7
static struct bw_mapper mappers[NEP];
static int ready;
static struct bw_out out, again;
static unsigned long runs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	size_t col;
	struct bw_v req, back, body, cid;
	struct bw_mapper *m;

	if (!ready) {
		static const char *const models[NEP] = { "gpt-5.5", "gpt-5.5",
			"gpt-5.5", "text-embedding-3-small", "dall-e-3",
			"gpt-image-1", "omni-moderation-latest" };
		for (int i = 0; i < NEP; i++)
			bw_mapper_init(&mappers[i], models[i], i, NULL);
		bw_out_open(&out, -1, "x", 0);
		bw_out_open(&again, -1, "x", 0);
		out.jsorder = again.jsorder = 1;
		ready = 1;
	}
	if (size < 1)
		return 0;
	m = &mappers[(data[0] + 1) % NEP];	/* "0" chat ... "6" moderations */
	/* the mapper warns once per message per run; messages may quote
	   the input, so forget them now and then to bound the memory */
	if (++runs % 4096 == 0) {
		for (int i = 0; i < NEP; i++) {
			bw_strset_free(mappers[i].warned_set);
			mappers[i].warned_set = NULL;
		}
	}
	bw_arena_reset(&m->arena);
	req = bw_read(&m->arena, (const char *)data + 1, size - 1, 1000,
	    &why, &col);
	if (!req.kind)
		return 0;
	why = NULL;
	body = bw_map_request(m, req, &cid, &why);
	if (body.kind == BW_NONE) {
		if (!why) {
			fprintf(stderr, "request: rejected without a reason\n");
			abort();
		}
		return 0;
	}
	if (body.kind != BW_OBJ) {
		fprintf(stderr, "request: the body is %s\n", bw_kindname(body));
		abort();
	}
	if (cid.kind != BW_NONE && cid.kind != BW_STR) {
		fprintf(stderr, "request: the custom id is %s\n",
		    bw_kindname(cid));
		abort();
	}
	/* written, read back and written again: the same text */
	out.n = 0;
	bw_out_v(&out, body);
	back = bw_read(&m->arena, out.buf, out.n, 1000, &why, &col);
	if (!back.kind) {
		fprintf(stderr, "request: the body written does not parse: %s "
		    "at column %zu: %.*s\n", why, col,
		    (int)(out.n > 500 ? 500 : out.n), out.buf);
		abort();
	}
	again.n = 0;
	bw_out_v(&again, back);
	if (again.n != out.n || memcmp(again.buf, out.buf, out.n) ||
	    !bw_equal(body, back)) {
		fprintf(stderr, "request: the body written reads back as "
		    "another value: %.*s\n", (int)(out.n > 500 ? 500 : out.n),
		    out.buf);
		abort();
	}
	return 0;
}
