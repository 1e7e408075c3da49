/*
 * signature.c: libFuzzer target for bw_webhook_verify.
 *
 * The key, id, timestamp and body are those of the Standard Webhooks
 * published vector (tests/0500-webhook.t, V2); the input is the
 * webhook-signature header.  Property: it never crashes, and it
 * accepts (returns NULL) only when one of the space-separated entries
 * of the header is the correct signature: "v1," and the base64 of the
 * HMAC, with its padding or (bw_base64_decode takes padding as
 * optional) without it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static const char good[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
static const char body[] = "{\"test\": 2432232314}";

static struct bw_webhook w;
static int ready;

/* 1 if the header holds the correct entry (padded or not). */
static int
has_good(const char *h)
{
	size_t glen = sizeof good - 1;

	while (*h) {
		size_t len = strcspn(h, " ");
		if ((len == glen || len == glen - 1) &&
		    !memcmp(h, good, len))
			return 1;
		h += len;
		while (*h == ' ')
			h++;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sig;
	const char *why;

	if (!ready) {
		bw_webhook_key(&w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
		w.id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
		w.timestamp = "1614265330";
		w.now = 1614265330;
		w.tolerance = 300;
		w.signature = good;
		if (bw_webhook_verify(&w, body, sizeof body - 1)) {
			fprintf(stderr, "signature: the published vector "
			    "does not verify\n");
			abort();
		}
		ready = 1;
	}
	if (!(sig = malloc(size + 1)))
		return 0;
	memcpy(sig, data, size);
	sig[size] = 0;
	w.signature = sig;
	why = bw_webhook_verify(&w, body, sizeof body - 1);
	if (!why && !has_good(sig)) {
		fprintf(stderr, "signature: accepted a header without the "
		    "correct entry: \"%s\"\n", sig);
		abort();
	}
	if (why && has_good(sig)) {
		fprintf(stderr, "signature: refused a header with the "
		    "correct entry (%s): \"%s\"\n", why, sig);
		abort();
	}
	free(sig);
	return 0;
}
