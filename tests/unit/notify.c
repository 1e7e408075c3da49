/* Unit tests: where a notification may go, and its signature.

   Run with arguments it is the driver of tests/0530-notify.t instead:
       notify send [--http] [--private] [--timeout S] [--cacert FILE]
           URL ID TIMESTAMP
   sends stdin with bw_notify_send, the secret from NOTIFY_SECRET
   (whsec_... or raw), and exits 0, or 1 with the reason on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bw.h"

enum { H = BW_NOTIFY_HTTP, P = BW_NOTIFY_PRIVATE };

/* a URL, flags, and NULL (accepted) or what the reason says */
static const struct { const char *url; int flags; const char *why; } urls[] = {
	{ "https://hooks.example.com/bw?token=abc", 0, NULL },
	{ "HTTPS://Hooks.Example.com:8443/", 0, NULL },
	{ "https://hooks.example.com", 0, NULL },
	{ "https://8.8.8.8/x", 0, NULL },
	{ "https://[2001:db8::1]:443/x", 0, NULL },
	{ "https://localhost/x", 0, NULL },	/* a name: checked at connect */
	{ "http://hooks.example.com/", 0, "not an https URL" },
	{ "http://hooks.example.com/", H, NULL },
	{ "ftp://hooks.example.com/", H, "not an https URL" },
	{ "hooks.example.com", 0, "not an https URL" },
	{ "https://user:pw@hooks.example.com/", 0, "user name or password" },
	{ "https://user@hooks.example.com/", P | H, "user name or password" },
	{ "https://hooks.example.com/a b", 0, "a blank" },
	{ "https://hooks.example.com\\@evil.example/", 0, "a backslash" },
	{ "https://b\xc3\xbc" "cher.example/", 0, "non-ASCII" },
	{ "https:///x", 0, "no host" },
	{ "https://hooks.example.com:/", 0, "port is not a number" },
	{ "https://hooks.example.com:0/", 0, "port is not a number" },
	{ "https://hooks.example.com:65536/", 0, "port is not a number" },
	{ "https://hooks.example.com:+443/", 0, "port is not a number" },
	{ "https://hooks!.example.com/", 0, "not a name or an address" },
	{ "https://127.0.0.1/", 0, "127.0.0.1 is a loopback address" },
	{ "https://127.0.0.1/", P, NULL },
	{ "http://127.0.0.1:8080/", H | P, NULL },
	{ "https://127.1.2.3/", 0, "loopback" },
	{ "https://10.0.0.1/", 0, "10.0.0.1 is a private address" },
	{ "https://172.16.0.1/", 0, "private" },
	{ "https://172.31.255.255/", 0, "private" },
	{ "https://172.32.0.1/", 0, NULL },
	{ "https://192.168.1.1/", 0, "private" },
	{ "https://100.64.0.1/", 0, "carrier-grade NAT" },
	{ "https://100.128.0.1/", 0, NULL },
	{ "https://169.254.169.254/latest/meta-data/", 0,
	  "169.254.169.254 is a link-local address" },
	{ "https://0.0.0.0/", 0, "unspecified" },
	{ "https://224.0.0.1/", 0, "multicast" },
	{ "https://255.255.255.255/", 0, "broadcast" },
	/* odd spellings of IPv4 addresses, whatever they are */
	{ "https://2130706433/", 0, "2130706433 is an IPv4 address spelled oddly" },
	{ "https://0x7f.1/", 0, "spelled oddly" },
	{ "https://0x7f000001/", 0, "spelled oddly" },
	{ "https://0177.0.0.1/", 0, "spelled oddly" },
	{ "https://127.1/", 0, "spelled oddly" },
	{ "https://127.0.0.1./", 0, "spelled oddly" },
	{ "https://134744072/", 0, "spelled oddly" },	/* 8.8.8.8 */
	{ "https://2130706433/", P, NULL },
	{ "https://example.0x1/", 0, "spelled oddly" },
	{ "https://1.2.3.4.5/", 0, "spelled oddly" },
	{ "https://v1.example.com/", 0, NULL },
	{ "https://0x.example/", 0, NULL },
	/* IPv6 */
	{ "https://[::1]/", 0, "[::1] is a loopback address" },
	{ "https://[::1]:8443/", P, NULL },
	{ "https://[::]/", 0, "unspecified" },
	{ "https://[fc00::1]/", 0, "unique local" },
	{ "https://[fd12:3456::1]/", 0, "unique local" },
	{ "https://[fe80::1]/", 0, "link-local" },
	{ "https://[fe80::1%25eth0]/", 0, "zone" },
	{ "https://[fe80::1%25eth0]/", P, "zone" },
	{ "https://[ff02::1]/", 0, "multicast" },
	{ "https://[::ffff:127.0.0.1]/", 0, "loopback" },
	{ "https://[::ffff:7f00:1]/", 0, "loopback" },
	{ "https://[::ffff:169.254.169.254]/", 0, "link-local" },
	{ "https://[::ffff:8.8.8.8]/", 0, NULL },
	{ "https://[::10.0.0.1]/", 0, "private" },
	{ "https://[::ffff:0:10.0.0.1]/", 0, "private" },
	{ "https://[64:ff9b::192.168.0.1]/", 0, "private" },
	{ "https://[::1/", 0, "no ]" },
	{ "https://[not:an:address]/", 0, "not an IPv6 address" },
	{ "https://[127.0.0.1]/", 0, "not an IPv6 address" },
};

static void
test_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		const char *why = NULL;
		int rc = bw_notify_check(urls[i].url, urls[i].flags, &why);
		if (urls[i].why == NULL) {
			if (rc != 0)
				fail_msg("%s (flags %d): refused: %s",
				    urls[i].url, urls[i].flags, why);
		} else if (rc != -1 || !why || !strstr(why, urls[i].why)) {
			fail_msg("%s (flags %d): %s, not \"%s\"", urls[i].url,
			    urls[i].flags, rc == 0 ? "accepted" : why,
			    urls[i].why);
		}
		/* the reason never holds the URL's path or query */
		if (rc != 0 && (strstr(why, "token") || strstr(why, "meta-data")))
			fail_msg("%s: the reason quotes the path: %s",
			    urls[i].url, why);
	}
}

/* The published Standard Webhooks vector. */
static void
test_sign(void **state)
{
	static const char body[] = "{\"test\": 2432232314}";
	struct bw_webhook w = { 0 };
	char sig[BW_SIG_MAX];

	(void)state;
	bw_webhook_key(&w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	bw_webhook_sign(w.key, w.keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    "1614265330", body, strlen(body), sig);
	assert_string_equal(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* and what it signs, bw_webhook_verify takes */
	w.id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	w.timestamp = "1614265330";
	w.signature = sig;
	w.now = 1614265330;
	w.tolerance = 300;
	assert_null(bw_webhook_verify(&w, body, strlen(body)));
	bw_webhook_sign(w.key, w.keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    "1614265331", body, strlen(body), sig);
	assert_string_not_equal(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	bw_webhook_wipe(&w);
}

/* Nothing is sent to a URL the check refuses, nor with a bad id. */
static void
test_send_refused(void **state)
{
	static const unsigned char key[] = "k";
	struct bw_notify n = { .url = "http://127.0.0.1:9/", .key = key,
	    .keylen = 1, .timeout = 1 };
	const char *why;

	(void)state;
	assert_int_equal(bw_notify_send(&n, "msg_1", 1e9, "{}", 2, &why), -1);
	assert_string_equal(why, "not an https URL");
	n.flags = H;
	assert_int_equal(bw_notify_send(&n, "msg_1", 1e9, "{}", 2, &why), -1);
	assert_string_equal(why, "the URL's host 127.0.0.1 is a loopback address");
	n.flags = H | P;
	assert_int_equal(bw_notify_send(&n, "msg.1", 1e9, "{}", 2, &why), -1);
	assert_string_equal(why, "the message id is not [A-Za-z0-9_-]{1,256}");
}

static int
send_main(int argc, char **argv)
{
	struct bw_webhook w = { 0 };
	struct bw_notify n = { .timeout = 30 };
	static char body[1 << 16];
	const char *secret = getenv("NOTIFY_SECRET"), *why;
	size_t len = 0;
	ssize_t r;
	int i;

	bw_init(argv);
	bw_catch_signals();
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--http"))
			n.flags |= BW_NOTIFY_HTTP;
		else if (!strcmp(argv[i], "--private"))
			n.flags |= BW_NOTIFY_PRIVATE;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			n.timeout = bw_parse_seconds("--timeout", argv[++i]);
		else if (!strcmp(argv[i], "--cacert") && i + 1 < argc)
			n.cacert = argv[++i];
		else
			bw_usage("send [--http] [--private] [--timeout S] "
			    "[--cacert FILE] URL ID TIMESTAMP <body");
	}
	if (argc - i != 3 || !secret)
		bw_usage("send [--http] [--private] [--timeout S] [--cacert "
		    "FILE] URL ID TIMESTAMP <body (NOTIFY_SECRET set)");
	while ((r = read(0, body + len, sizeof body - len)) > 0)
		len += r;
	bw_webhook_key(&w, secret);
	n.url = argv[i];
	n.key = w.key;
	n.keylen = w.keylen;
	if (bw_notify_send(&n, argv[i + 1], atof(argv[i + 2]), body, len,
	    &why) < 0)
		bw_die(1, "%s", why);
	bw_webhook_wipe(&w);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_send_refused),
	};

	if (argc > 1 && !strcmp(argv[1], "send"))
		return send_main(argc, argv);
	return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
