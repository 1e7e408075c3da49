/*
 * id.c: libFuzzer target for bw_id_valid.
 *
 * Property: an id is valid iff it is 1 to 256 bytes of [A-Za-z0-9_-],
 * all of the input's bytes counted: a NUL anywhere makes it invalid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static int
expected(const char *s, size_t n)
{
	if (n < 1 || n > 256)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of its own, so that a read past its end is caught */
	char *s = malloc(size ? size : 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	int got = bw_id_valid(s, size), want = expected(s, size);
	if (got != want) {
		fprintf(stderr, "id: bw_id_valid gave %d, want %d, for %zu "
		    "bytes\n", got, want, size);
		abort();
	}
	free(s);
	return 0;
}
