/*
 * base64.c: libFuzzer target for bw_base64_decode and bw_base64_encode.
 *
 * The first input byte is the capacity of the output buffer (0-255),
 * allocated at exactly that size, so that AddressSanitizer catches a
 * write past cap; the rest is the text decoded.  Properties:
 * - with cap, decoding succeeds iff it succeeds with room to spare and
 *   the result fits in cap bytes; the same bytes either way;
 * - on success, bw_base64_encode of the bytes is the input with its
 *   padding (the decoder takes only canonical text), and decodes back
 *   to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static void
bad(const char *what)
{
	fprintf(stderr, "base64: %s\n", what);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = data[0], n = size - 1, biglen = 0, len = 0, len2 = 0;
	const char *s = (const char *)data + 1;
	size_t bigcap = n;	/* 3 bytes per 4 chars: n is enough */
	unsigned char *out = malloc(cap), *big = malloc(bigcap + 1);
	int rc, bigrc;

	if (!out || !big)
		bad("out of memory");
	rc = bw_base64_decode(s, n, out, cap, &len);
	bigrc = bw_base64_decode(s, n, big, bigcap, &biglen);
	if (rc != 0 && rc != -1)
		bad("decode returned neither 0 nor -1");
	if (rc == 0) {
		if (len > cap)
			bad("decode says it wrote more than cap");
		if (bigrc != 0 || biglen != len || memcmp(big, out, len))
			bad("a larger cap decodes otherwise");
	} else if (bigrc == 0 && biglen <= cap) {
		bad("fails with cap though the result fits");
	}
	if (rc == 0) {
		size_t elen = 4 * ((len + 2) / 3);
		char *enc = malloc(elen + 1);
		unsigned char *dec = malloc(len);
		size_t k, m = n;
		if (!enc || !dec)
			bad("out of memory");
		k = bw_base64_encode(out, len, enc);
		if (k != elen || enc[k] != 0)
			bad("encode length");
		/* canonical: the input is the encoding, padding optional */
		while (m > 0 && s[m - 1] == '=')
			m--;
		while (k > 0 && enc[k - 1] == '=')
			k--;
		if (m != k || memcmp(s, enc, k))
			bad("the input is not the encoding of what it decodes to");
		if (bw_base64_decode(enc, elen, dec, len, &len2) != 0 ||
		    len2 != len || memcmp(dec, out, len))
			bad("encode then decode is not the identity");
		free(enc);
		free(dec);
	}
	free(out);
	free(big);
	return 0;
}
