/*
 * id.c: libFuzzer target for bw_id_valid.
 *
 * Property: an id is valid iff it is 1 to 256 bytes of [A-Za-z0-9_-]
 * (the input is cut at its first NUL, as a C string is).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static int
expected(const char *s)
{
	size_t n = strlen(s);

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
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	int got = bw_id_valid(s), want = expected(s);
	if (got != want) {
		fprintf(stderr, "id: bw_id_valid gave %d, want %d, for %zu "
		    "bytes\n", got, want, strlen(s));
		abort();
	}
	free(s);
	return 0;
}
