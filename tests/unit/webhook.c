/* Unit tests: base64, constant-time comparison, webhook signatures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bw.h"

static void
test_base64(void **state)
{
	static const struct { const char *plain, *b64; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	unsigned char out[64];
	char enc[64];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		size_t pn = strlen(v[i].plain);
		bw_base64_encode((const unsigned char *)v[i].plain, pn, enc);
		assert_string_equal(enc, v[i].b64);
		assert_int_equal(bw_base64_decode(v[i].b64, strlen(v[i].b64),
		    out, sizeof out, &n), 0);
		assert_int_equal(n, pn);
		assert_memory_equal(out, v[i].plain, pn);
	}
	/* unpadded is fine; junk, stray bits and overflow are not */
	assert_int_equal(bw_base64_decode("Zm8", 3, out, sizeof out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(bw_base64_decode("Zm9v!", 5, out, sizeof out, &n), -1);
	assert_int_equal(bw_base64_decode("Zh==", 4, out, sizeof out, &n), -1);
	assert_int_equal(bw_base64_decode("Z", 1, out, sizeof out, &n), -1);
	assert_int_equal(bw_base64_decode("Zm9v", 4, out, 2, &n), -1);
	assert_int_equal(bw_base64_decode("Zm=9", 4, out, sizeof out, &n), -1);
}

static void
test_ct_equal(void **state)
{
	(void)state;
	assert_true(bw_ct_equal("abcd", "abcd", 4));
	assert_false(bw_ct_equal("abcd", "abce", 4));
	assert_false(bw_ct_equal("xbcd", "abcd", 4));
	assert_true(bw_ct_equal("", "", 0));
}

static const char body[] = "{\"test\": 2432232314}";

static void
init(struct bw_webhook *w, const char *sig)
{
	memset(w, 0, sizeof *w);
	bw_webhook_key(w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	w->id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	w->timestamp = "1614265330";
	w->signature = sig;
	w->now = 1614265330;
	w->tolerance = 300;
}

static void
test_verify(void **state)
{
	struct bw_webhook w;
	const char *good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

	(void)state;
	init(&w, good);
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body) - 1),
	    "no signature matches");
	w.signature = "v0,x v1,AAAA  v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	w.signature = "v1";
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-signature has no v1 signature");
	w.signature = good;
	w.now += 301;
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-timestamp is too old");
	w.now -= 602;
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-timestamp is in the future");
	w.now += 301;
	/* the edges of the tolerance, either way */
	w.now += 300;
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	w.now -= 600;
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	w.now += 300 + 1000;
	w.tolerance = 1000;
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	w.now += 1;
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-timestamp is too old");
	w.now -= 1001;
	w.tolerance = 300;
	w.id = "msg_p5jXN8AQM9LWM0D4loKWxJel";
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "no signature matches");
	w.id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	w.timestamp = "-1";
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-timestamp is not a number of seconds");
	w.timestamp = "99999999999999999999";
	assert_string_equal(bw_webhook_verify(&w, body, strlen(body)),
	    "webhook-timestamp is not a number of seconds");
	bw_webhook_wipe(&w);
	assert_int_equal(w.keylen, 0);
	for (size_t i = 0; i < sizeof w.key; i++)
		assert_int_equal(w.key[i], 0);
}

/* The other published vector, and another secret. */
static void
test_verify_v1(void **state)
{
	static const char v1[] = "{\"id\": \"evt_685c059ae3a481909bdc86819b066fb6\", "
	    "\"object\": \"event\", \"created_at\": 1750861210, \"type\": "
	    "\"response.completed\", \"data\": {\"id\": \"resp_123\"}}";
	struct bw_webhook w;

	(void)state;
	memset(&w, 0, sizeof w);
	bw_webhook_key(&w, "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c=");
	w.id = "wh_685c059ae39c8190af8c71ed1022a24d";
	w.timestamp = "1750861210";
	w.signature = "v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY=";
	w.now = 1750861210;
	w.tolerance = 300;
	assert_null(bw_webhook_verify(&w, v1, strlen(v1)));
	bw_webhook_wipe(&w);
	bw_webhook_key(&w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_string_equal(bw_webhook_verify(&w, v1, strlen(v1)),
	    "no signature matches");
	bw_webhook_wipe(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_v1),
	};

	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
