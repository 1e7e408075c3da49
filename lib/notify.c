/* notify.c: signed notifications (Standard Webhooks), sent only where
   they may go. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bw.h"

/* --- what an address is --- */

static const char *
v4_kind(const unsigned char *a)
{
	if (a[0] == 0)
		return "an unspecified address";
	if (a[0] == 127)
		return "a loopback address";
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168))
		return "a private address";
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		return "a private (shared, carrier-grade NAT) address";
	if (a[0] == 169 && a[1] == 254)
		return "a link-local address";
	if (a[0] >= 224 && a[0] < 240)
		return "a multicast address";
	if (a[0] >= 240)
		return "a reserved or broadcast address";
	return NULL;
}

static const char *
v6_kind(const unsigned char *a)
{
	static const unsigned char zero[12];
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char translated[12] = { [8] = 0xff, [9] = 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (!memcmp(a, zero, 12)) {
		static const unsigned char one[4] = { 0, 0, 0, 1 };
		if (!memcmp(a + 12, zero, 4))
			return "an unspecified address";
		if (!memcmp(a + 12, one, 4))
			return "a loopback address";
		return v4_kind(a + 12);		/* IPv4-compatible */
	}
	/* IPv4-mapped, -translated (SIIT) and NAT64's well-known prefix:
	   an IPv4 address in IPv6 clothes */
	if (!memcmp(a, mapped, 12) || !memcmp(a, translated, 12) ||
	    !memcmp(a, nat64, 12))
		return v4_kind(a + 12);
	if ((a[0] & 0xfe) == 0xfc)
		return "a private (unique local) address";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return "a site-local address";
	if (a[0] == 0xff)
		return "a multicast address";
	return NULL;
}

/* What kind of address sa is, when it is one a notification must not
   go to (NULL: a public one); its text in ip. */
static const char *
sockaddr_kind(const struct sockaddr *sa, char ip[INET6_ADDRSTRLEN])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)sa;
		inet_ntop(AF_INET, &s->sin_addr, ip, INET6_ADDRSTRLEN);
		return v4_kind((const unsigned char *)&s->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, INET6_ADDRSTRLEN);
		return v6_kind(s->sin6_addr.s6_addr);
	}
	snprintf(ip, INET6_ADDRSTRLEN, "family %d", sa->sa_family);
	return "not an internet address";
}

/* --- the URL --- */

struct url {
	char host[256];		/* as written, brackets and all */
	char where[300];	/* host[:port], for messages */
};

/* 1 if the last label of the name (bar an empty one after a final
   dot) is a number, decimal or 0x hex: WHATWG (and so libcurl and
   inet_aton) then read the whole host as an IPv4 address. */
static int
ends_in_number(const char *h, size_t n)
{
	size_t end = n > 0 && h[n - 1] == '.' ? n - 1 : n, start = end;

	while (start > 0 && h[start - 1] != '.')
		start--;
	if (start == end)
		return 0;
	if (end - start >= 2 && h[start] == '0' &&
	    (h[start + 1] == 'x' || h[start + 1] == 'X')) {
		for (size_t i = start + 2; i < end; i++)
			if (!strchr("0123456789abcdefABCDEF", h[i]))
				return 0;
		return 1;
	}
	for (size_t i = start; i < end; i++)
		if (h[i] < '0' || h[i] > '9')
			return 0;
	return 1;
}

/* 1 if h is a.b.c.d, each 0-255 in decimal without leading zeros: the
   one spelling of an IPv4 address every parser reads alike. */
static int
dotted_quad(const char *h, unsigned char a[4])
{
	int parts = 0;

	for (const char *p = h;; p++) {
		const char *from = p;
		unsigned v = 0;
		for (; *p >= '0' && *p <= '9' && p - from < 4; p++)
			v = v * 10 + (*p - '0');
		if (p == from || p - from > 3 || v > 255 ||
		    (*from == '0' && p - from > 1) || parts == 4)
			return 0;
		a[parts++] = v;
		if (*p != '.')
			return !*p && parts == 4;
	}
}

static int
parse(const char *s, int flags, struct url *u, const char **why)
{
	const char *host, *end, *p, *port = NULL;
	size_t hn;

	if (!strncasecmp(s, "https://", 8))
		host = s + 8;
	else if (!strncasecmp(s, "http://", 7) && (flags & BW_NOTIFY_HTTP))
		host = s + 7;
	else
		return *why = "not an https URL", -1;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '\\')
			return *why = "the URL holds a blank, a control "
			    "character, a backslash or a non-ASCII byte (write "
			    "an international name in its xn-- form)", -1;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', end - host))
		return *why = "the URL holds a user name or password (a "
		    "secret has no place in a URL)", -1;
	if (*host == '[') {
		const char *close = memchr(host, ']', end - host);
		if (!close)
			return *why = "the URL's host has a [ but no ]", -1;
		hn = close + 1 - host;
		if (close + 1 < end)
			port = close + 1;
	} else {
		const char *colon = memchr(host, ':', end - host);
		hn = (colon ? colon : end) - host;
		port = colon;
	}
	if (hn == 0)
		return *why = "the URL has no host", -1;
	if (hn >= sizeof u->host)
		return *why = "the URL's host is too long", -1;
	if (port) {
		long v = 0;
		if (*port != ':' || port + 1 == end || end - port > 6)
			return *why = "the URL's port is not a number from 1 "
			    "to 65535", -1;
		for (p = port + 1; p < end; p++) {
			if (*p < '0' || *p > '9')
				return *why = "the URL's port is not a number "
				    "from 1 to 65535", -1;
			v = v * 10 + (*p - '0');
		}
		if (v < 1 || v > 65535)
			return *why = "the URL's port is not a number from 1 "
			    "to 65535", -1;
	}
	memcpy(u->host, host, hn);
	u->host[hn] = 0;
	snprintf(u->where, sizeof u->where, "%.*s", (int)(end - host), host);
	if (*host != '[')
		for (p = u->host; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", *p))
				return *why = "the URL's host is not a name or "
				    "an address", -1;
	return 0;
}

/* Parses url into u and checks it; 0, or -1 and *why. */
static int
check(const char *url, int flags, struct url *u, const char **why)
{
	unsigned char a[16];
	const char *kind = NULL;

	if (parse(url, flags, u, why) < 0)
		return -1;
	if (u->host[0] == '[') {
		char in[256];
		snprintf(in, sizeof in, "%.*s", (int)strlen(u->host) - 2,
		    u->host + 1);
		if (strchr(in, '%'))
			return *why = "the URL's host is an IPv6 address with "
			    "a zone", -1;
		if (inet_pton(AF_INET6, in, a) != 1)
			return *why = "the URL's host is not an IPv6 address "
			    "between its [ ]", -1;
		kind = v6_kind(a);
	} else if (dotted_quad(u->host, a)) {
		kind = v4_kind(a);
	} else if (ends_in_number(u->host, strlen(u->host))) {
		/* 2130706433, 0x7f.1, 0177.0.0.1, 127.1: what a parser
		   makes of them varies, and they are seldom honest */
		if (!(flags & BW_NOTIFY_PRIVATE))
			return *why = bw_why("the URL's host %s is an IPv4 "
			    "address spelled oddly (write a.b.c.d)", u->host), -1;
	}	/* else a name: its addresses are checked as they are used */
	if (kind && !(flags & BW_NOTIFY_PRIVATE))
		return *why = bw_why("the URL's host %s is %s", u->host, kind),
		    -1;
	return 0;
}

int
bw_notify_check(const char *url, int flags, const char **why)
{
	struct url u;

	return check(url, flags, &u, why);
}

/* --- sending --- */

struct conn {
	int flags;
	char refused[128];
};

/* libcurl asks here for every socket it connects, with the address it
   is about to connect to: what is checked is what is used, so a name
   that resolves anew (DNS rebinding) gains nothing. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct conn *c = arg;
	char ip[INET6_ADDRSTRLEN];
	const char *kind = sockaddr_kind(&sa->addr, ip);
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN) {
		snprintf(c->refused, sizeof c->refused, "refused: not a "
		    "connection to a server");
		return CURL_SOCKET_BAD;
	}
	if (kind && (!(c->flags & BW_NOTIFY_PRIVATE) ||
	    (sa->family != AF_INET && sa->family != AF_INET6))) {
		snprintf(c->refused, sizeof c->refused, "refused: %s is %s",
		    ip, kind);
		return CURL_SOCKET_BAD;
	}
	fd = socket(sa->family, sa->socktype, sa->protocol);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)arg, (void)dt, (void)dn, (void)ut, (void)un;
	return bw_interrupted != 0;
}

static struct curl_slist *
add(struct curl_slist *h, const char *name, const char *value)
{
	char line[256];

	snprintf(line, sizeof line, "%s: %s", name, value);
	if (!(h = curl_slist_append(h, line)))
		bw_die(BW_EX_IOERR, "out of memory");
	return h;
}

int
bw_notify_send(const struct bw_notify *n, const char *msg_id,
    double timestamp, const char *body, size_t len, const char **why)
{
	struct url u;
	struct conn c = { .flags = n->flags };
	struct curl_slist *h = NULL;
	char ts[32], sig[BW_SIG_MAX], err[CURL_ERROR_SIZE] = "";
	double timeout = n->timeout > 0 ? n->timeout : 30;
	long status = 0;
	CURLcode cc;
	CURL *curl;

	if (check(n->url, n->flags, &u, why) < 0)
		return -1;
	if (!bw_id_valid(msg_id, strlen(msg_id)))
		return *why = "the message id is not [A-Za-z0-9_-]{1,256}", -1;
	snprintf(ts, sizeof ts, "%lld", (long long)floor(timestamp));
	bw_webhook_sign(n->key, n->keylen, msg_id, ts, body, len, sig);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    !(curl = curl_easy_init()))
		bw_die(BW_EX_IOERR, "cannot start libcurl");
	h = add(h, "Content-Type", "application/json");
	h = add(h, "webhook-id", msg_id);
	h = add(h, "webhook-timestamp", ts);
	h = add(h, "webhook-signature", sig);
	h = add(h, "Expect", "");
	h = add(h, "Accept", "*/*");
	curl_easy_setopt(curl, CURLOPT_URL, n->url);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85: the bit masks deprecated */
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
	    n->flags & BW_NOTIFY_HTTP ? "http,https" : "https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS |
	    (n->flags & BW_NOTIFY_HTTP ? CURLPROTO_HTTP : 0)));
#endif
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* a proxy from the environment would connect for us, to an
	   address we never see */
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &c);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (n->cacert)
		curl_easy_setopt(curl, CURLOPT_CAINFO, n->cacert);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout * 1000));
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "bw/" BW_VERSION);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);

	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	curl_global_cleanup();

	if (cc == CURLE_OK && status >= 200 && status <= 299)
		return 0;
	if (cc == CURLE_OK && status >= 300 && status <= 399)
		*why = bw_why("%s: answered HTTP %ld, a redirect (not "
		    "followed)", u.where, status);
	else if (cc == CURLE_OK)
		*why = bw_why("%s: answered HTTP %ld", u.where, status);
	else if (c.refused[0])
		*why = bw_why("%s: %s", u.where, c.refused);
	else if (cc == CURLE_ABORTED_BY_CALLBACK && bw_interrupted)
		*why = bw_why("%s: interrupted", u.where);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		*why = bw_why("%s: no answer within %g s", u.where, timeout);
	else
		*why = bw_why("%s: %s", u.where, err[0] ? err :
		    curl_easy_strerror(cc));
	return -1;
}
