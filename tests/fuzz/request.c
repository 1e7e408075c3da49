/*
 * request.c: libFuzzer target for the request mapper (bw_map_request).
 *
 * The first input byte picks the endpoint (chat, responses,
 * completions: byte % 3); the rest is one request line, parsed with
 * bw_parse_line.  Property: a mapped body is an object, the custom id
 * is a string or absent, and the body as bw_out_json writes it (keys
 * in JavaScript order, as bw_build writes it) parses again to an equal
 * value.  A rejected request has a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static struct bw_mapper mappers[3];
static int ready;
static struct bw_out out;
static unsigned long runs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	size_t col;
	jv req, body, cid, back;
	struct bw_mapper *m;

	if (!ready) {
		bw_mapper_init(&mappers[BW_CHAT], "gpt-5.5", BW_CHAT, NULL);
		bw_mapper_init(&mappers[BW_RESPONSES], "gpt-5.5", BW_RESPONSES,
		    NULL);
		bw_mapper_init(&mappers[BW_COMPLETIONS], "gpt-5.5",
		    BW_COMPLETIONS, NULL);
		bw_out_open(&out, -1, "x", 0);
		out.jsorder = 1;
		ready = 1;
	}
	if (size < 1)
		return 0;
	m = &mappers[data[0] % 3];
	/* the mapper warns once per message per run; messages may quote
	   the input, so forget them now and then to bound the memory */
	if (++runs % 4096 == 0) {
		for (int i = 0; i < 3; i++) {
			bw_strset_free(mappers[i].warned_set);
			mappers[i].warned_set = NULL;
		}
	}
	req = bw_parse_line((const char *)data + 1, size - 1, &why, &col);
	if (!jv_is_valid(req))
		return 0;
	why = NULL;
	body = bw_map_request(m, req, &cid, &why);
	if (!jv_is_valid(body)) {
		if (!why) {
			fprintf(stderr, "request: rejected without a reason\n");
			abort();
		}
		jv_free(cid);
		return 0;
	}
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		fprintf(stderr, "request: the body is %s\n", bw_kind(body));
		abort();
	}
	if (jv_is_valid(cid) && jv_get_kind(cid) != JV_KIND_STRING) {
		fprintf(stderr, "request: the custom id is %s\n", bw_kind(cid));
		abort();
	}
	out.n = 0;
	bw_out_json(&out, body);
	back = bw_parse_line(out.buf, out.n, &why, &col);
	if (!jv_is_valid(back)) {
		fprintf(stderr, "request: the body written does not parse: %s "
		    "at column %zu: %.*s\n", why, col,
		    (int)(out.n > 500 ? 500 : out.n), out.buf);
		abort();
	}
	if (!jv_equal(back, jv_copy(body))) {
		fprintf(stderr, "request: the body written reads back as "
		    "another value: %.*s\n", (int)(out.n > 500 ? 500 : out.n),
		    out.buf);
		abort();
	}
	jv_free(body);
	jv_free(cid);
	return 0;
}
