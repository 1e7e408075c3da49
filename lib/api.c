/*
 * api.c: the OpenAI API over libcurl.
 *
 * One easy handle per process (connections are reused).  Retries as
 * the official SDKs do, with more attempts.  TLS is always verified and
 * redirects are never followed, so the key goes to no other host.  The
 * key lives in one fixed buffer and in the header list, both wiped at
 * exit; it is never printed.
 */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <curl/curl.h>

#include "bw.h"

static struct bw_api *live;	/* for the exit handler */

static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

static void
wipe_headers(struct curl_slist *h)
{
	for (; h; h = h->next)
		wipe(h->data, strlen(h->data));
}

static void
atexit_wipe(void)
{
	if (!live)
		return;
	wipe(live->key, sizeof live->key);
	wipe_headers(live->headers);
}

static void
read_key_file(struct bw_api *a, const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0;
	size_t len = 0;

	if (fd < 0)
		bw_die(BW_EX_USAGE, "--api-key-file: %s: %s", path, strerror(errno));
	while (len < sizeof a->key - 1 &&
	    (n = read(fd, a->key + len, sizeof a->key - 1 - len)) > 0)
		len += n;
	if (n < 0)
		bw_die(BW_EX_USAGE, "--api-key-file: %s: %s", path,
		    strerror(errno));
	close(fd);
	a->key[len] = 0;
	a->key[strcspn(a->key, "\r\n")] = 0;
	if (!a->key[0])
		bw_die(BW_EX_NOPERM, "--api-key-file: %s: no key in it", path);
}

int
bw_api_option(struct bw_api *a, int opt, const char *arg)
{
	switch (opt) {
	case BW_OPT_KEYFILE:
		a->keyfile = arg;
		return 1;
	case 'H':
		if (!strchr(arg, ':') || strpbrk(arg, "\r\n"))
			bw_die(BW_EX_USAGE, "-H: not a header \"Name: value\"");
		if (!strncasecmp(arg, "authorization:", 14))
			bw_die(BW_EX_USAGE, "-H: the key never goes on the "
			    "command line (ps shows it): use OPENAI_API_KEY or "
			    "--api-key-file");
		if (a->nextra == (int)(sizeof a->extra / sizeof *a->extra))
			bw_die(BW_EX_USAGE, "-H: at most %d headers",
			    (int)(sizeof a->extra / sizeof *a->extra));
		a->extra[a->nextra++] = arg;
		return 1;
	case BW_OPT_CACERT:
		a->cacert = arg;
		return 1;
	case BW_OPT_RETRIES: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 0 || n > 100)
			bw_die(BW_EX_USAGE, "--retries: not a number from 0 to 100");
		a->retries = n;
		return 1;
	}
	case BW_OPT_RETRYWAIT: {
		char *end;
		double d = strtod(arg, &end);
		if (*end || !(d >= 0 && d <= 60))
			bw_die(BW_EX_USAGE, "--retry-wait: not seconds from 0 to 60");
		a->retry_wait = d;
		return 1;
	}
	case BW_OPT_REQTIMEOUT: {
		char *end;
		double d = strtod(arg, &end);
		if (*end || !(d >= 1 && d <= 86400))
			bw_die(BW_EX_USAGE, "--request-timeout: not seconds from "
			    "1 to 86400");
		a->request_timeout = d;
		return 1;
	}
	case 'v':
		a->verbose = 1;
		return 1;
	}
	return 0;
}

void
bw_api_defaults(struct bw_api *a)
{
	memset(a, 0, sizeof *a);
	a->retries = 8;
	a->retry_wait = 0.5;
	a->request_timeout = 300;
}

static void
add_header(struct bw_api *a, const char *name, const char *value)
{
	char buf[1024];

	snprintf(buf, sizeof buf, "%s: %s", name, value);
	a->headers = curl_slist_append(a->headers, buf);
	wipe(buf, sizeof buf);
	if (!a->headers)
		bw_die(BW_EX_IOERR, "out of memory");
}

void
bw_api_init(struct bw_api *a)
{
	const char *base = getenv("OPENAI_BASE_URL");
	const char *env;
	size_t n;

	bw_no_core();
	if (a->keyfile)
		read_key_file(a, a->keyfile);
	else if ((env = getenv("OPENAI_API_KEY")))
		snprintf(a->key, sizeof a->key, "%s", env);
	if (!a->key[0])
		bw_die(BW_EX_NOPERM, "no API key: set OPENAI_API_KEY or "
		    "give --api-key-file");
	for (const char *p = a->key; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			bw_die(BW_EX_NOPERM, "the API key holds a space or a "
			    "control character");
	if (!base || !*base)
		base = "https://api.openai.com/v1";
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (!(a->base = strndup(base, n)))
		bw_die(BW_EX_IOERR, "out of memory");
	if (strncmp(a->base, "https://", 8) && strncmp(a->base, "http://", 7))
		bw_die(BW_EX_USAGE, "OPENAI_BASE_URL: not an http or https URL");
	const char *host = strstr(a->base, "://") + 3;
	const char *path = strchr(host, '/');
	a->basepath = path ? path : "";
	if (!a->cacert)
		a->cacert = getenv("CURL_CA_BUNDLE");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    !(a->curl = curl_easy_init()))
		bw_die(BW_EX_IOERR, "cannot start libcurl");
	live = a;
	atexit(atexit_wipe);
	{
		char auth[600];
		snprintf(auth, sizeof auth, "Bearer %s", a->key);
		add_header(a, "Authorization", auth);
		wipe(auth, sizeof auth);
	}
	if ((env = getenv("OPENAI_ORG_ID")) && *env)
		add_header(a, "OpenAI-Organization", env);
	if ((env = getenv("OPENAI_PROJECT_ID")) && *env)
		add_header(a, "OpenAI-Project", env);
	for (int i = 0; i < a->nextra; i++) {
		a->headers = curl_slist_append(a->headers, a->extra[i]);
		if (!a->headers)
			bw_die(BW_EX_IOERR, "out of memory");
	}
	wipe(a->key, sizeof a->key);
}

void
bw_api_forked(struct bw_api *a)
{
	/* the parent's handle, and its connections, are left alone: a
	   connection (its TLS state above all) must have one user */
	if (a->curl && !(a->curl = curl_easy_init()))
		bw_die(BW_EX_IOERR, "cannot start libcurl");
}

void
bw_api_free(struct bw_api *a)
{
	if (a->curl)
		curl_easy_cleanup(a->curl);
	wipe_headers(a->headers);
	curl_slist_free_all(a->headers);
	a->headers = NULL;
	free(a->base);
	a->base = NULL;
	live = NULL;
}

int
bw_id_valid(const char *s, size_t n)
{
	if (n < 1 || n > 256)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* --- one attempt --- */

struct attempt {
	struct bw_api *a;
	struct bw_call *call;
	char *buf;		/* the reply body (errors, JSON) */
	size_t n, cap;
	long status;
	int sink_ok;		/* writing to the sink */
	char reqid[128];
	char retry_after[64], retry_after_ms[64], should_retry[16];
	char location[256];
	char crange[96];
	char etag[128], lastmod[64];
	uint64_t upos;		/* upload position */
	int checked, badrange;
	/* a sink's body is not the file: bad may be cured by a retry, fatal
	   not (both say why) */
	char bad[200];
	int fatal;
	double drawn;		/* when the progress line was last drawn */
};

static size_t
up_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct attempt *t = arg;
	size_t want = size * nitems;
	ssize_t r;

	if (t->upos >= t->call->upload_size)
		return 0;
	if (want > t->call->upload_size - t->upos)
		want = t->call->upload_size - t->upos;
	do
		r = pread(t->call->upload_fd, buf, want,
		    (off_t)(t->call->upload_offset + t->upos));
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return CURL_READFUNC_ABORT;
	t->upos += r;
	return r;
}

static int
up_seek(void *arg, curl_off_t offset, int origin)
{
	struct attempt *t = arg;

	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	t->upos = offset;
	return CURL_SEEKFUNC_OK;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct attempt *t = ud;
	size_t n = size * nmemb, k;
	static const struct { const char *name; size_t off, size; } want[] = {
		{ "x-request-id", offsetof(struct attempt, reqid), 128 },
		{ "retry-after", offsetof(struct attempt, retry_after), 64 },
		{ "retry-after-ms", offsetof(struct attempt, retry_after_ms), 64 },
		{ "x-should-retry", offsetof(struct attempt, should_retry), 16 },
		{ "location", offsetof(struct attempt, location), 256 },
		{ "content-range", offsetof(struct attempt, crange), 96 },
		{ "etag", offsetof(struct attempt, etag), 128 },
		{ "last-modified", offsetof(struct attempt, lastmod), 64 },
	};

	if (n > 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget the old */
		t->reqid[0] = t->retry_after[0] = t->retry_after_ms[0] = 0;
		t->should_retry[0] = t->location[0] = t->crange[0] = 0;
		t->etag[0] = t->lastmod[0] = 0;
		return n;
	}
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		k = strlen(want[i].name);
		if (n > k && p[k] == ':' && !strncasecmp(p, want[i].name, k)) {
			const char *v = p + k + 1;
			size_t vn = n - k - 1;
			while (vn && (*v == ' ' || *v == '\t'))
				v++, vn--;
			while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' ||
			    v[vn - 1] == ' '))
				vn--;
			if (vn >= want[i].size)
				vn = want[i].size - 1;
			char *dst = (char *)t + want[i].off;
			memcpy(dst, v, vn);
			dst[vn] = 0;
		}
	}
	return n;
}

/* Forgets what the sink holds: the next bytes are the file's first. */
static void
start_over(struct bw_call *c)
{
	if (c->received > 0)
		c->rewind(c->sink_arg);
	c->received = 0;
}

/* The head of a 200 or 206 reply for a sink: where its bytes go, and
   the file's length.  Returns 0 when the reply is not what was asked
   for (t->bad or t->badrange says why). */
static int
sink_begin(struct attempt *t)
{
	struct bw_call *c = t->call;
	unsigned long long first, last, total = 0;
	curl_off_t len = -1;
	int known = 0;

	t->checked = 1;
	if (t->status == 206) {
		/* the part must start where we stopped, of the same version */
		int k = sscanf(t->crange, "bytes %llu-%llu/%llu", &first, &last,
		    &total);
		if (k < 2 || first != c->received) {
			t->badrange = 1;
			return 0;
		}
		if (c->validator[0] == '"' && t->etag[0] &&
		    strcmp(t->etag, c->validator)) {
			snprintf(t->bad, sizeof t->bad, "the file changed "
			    "during the transfer (ETag %s)",
			    bw_quote(t->etag, strlen(t->etag), 60));
			start_over(c);
			return 0;
		}
		known = k == 3;
	} else {
		/* the whole body: what arrived before may be another's */
		start_over(c);
		curl_easy_getinfo(t->a->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &len);
		if (len >= 0) {
			total = (unsigned long long)len;
			known = 1;
		}
		/* If-Range takes a strong ETag or a date */
		snprintf(c->validator, sizeof c->validator, "%s",
		    t->etag[0] == '"' ? t->etag : t->lastmod);
	}
	if (known && c->sized && total != c->size) {
		snprintf(t->bad, sizeof t->bad, "a %ld for a file of %llu "
		    "bytes, not %llu", t->status, total,
		    (unsigned long long)c->size);
		start_over(c);
		c->validator[0] = 0;
		return 0;
	}
	if (known && !c->sized) {
		c->size = total;
		c->sized = 1;
	}
	return 1;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct attempt *t = ud;
	size_t n = size * nmemb;

	if (!t->status)
		curl_easy_getinfo(t->a->curl, CURLINFO_RESPONSE_CODE, &t->status);
	if (t->call->sink && (t->status == 200 || t->status == 206)) {
		struct bw_call *c = t->call;
		if (!t->checked && !sink_begin(t))
			return 0;
		if (c->sized && n > c->size - c->received) {
			snprintf(t->bad, sizeof t->bad, "the body is longer "
			    "than the file's %llu bytes",
			    (unsigned long long)c->size);
			t->fatal = 1;
			return 0;
		}
		c->sink(c->sink_arg, p, n);
		c->received += n;
		return n;
	}
	if (t->n + n > 64 << 20)
		return 0;	/* no reply we read is this big */
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 16384;
		while (cap < t->n + n + 1)
			cap *= 2;
		char *b = realloc(t->buf, cap);
		if (!b)
			return 0;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->n, p, n);
	t->n += n;
	t->buf[t->n] = 0;
	return n;
}

/* Called by libcurl at least once a second during a transfer: a
   signal stops it at once (CURLE_ABORTED_BY_CALLBACK). */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct attempt *t = arg;
	double now;

	(void)dt, (void)dn;
	if (t->call->progress && ut > 0 && un > 0 &&
	    (now = bw_now()) - t->drawn >= 0.2) {
		/* one line, drawn over, at most five times a second */
		fprintf(stderr, "\r\033[K%s: %s: %.1f of %.1f MB sent (%d%%)",
		    bw_progname(), t->call->upload_name, un / 1e6, ut / 1e6,
		    (int)(100.0 * un / ut));
		fflush(stderr);
		t->drawn = now;
	}
	return bw_interrupted != 0;
}

static CURLcode
perform(struct attempt *t, double *secs)
{
	struct bw_api *a = t->a;
	struct bw_call *c = t->call;
	CURL *h = a->curl;
	char url[2048], range[64];
	struct curl_slist *hdrs = NULL;
	curl_mime *mime = NULL;
	CURLcode cc;

	curl_easy_reset(h);
	snprintf(url, sizeof url, "%s%s", a->base, c->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (a->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, a->cacert);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85: the bit masks deprecated */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Every attempt ends.  A file's content (a sink) may be many MB and
	   take minutes: no overall cap, but under 1 KiB/s for 30 s is a
	   stalled transfer.  An upload gets --request-timeout plus a
	   second per 64 KiB.  Anything else gets --request-timeout, and
	   under 1 byte/s for 120 s ends it sooner.  The deadline, when
	   there is one, caps them all. */
	double cap = a->request_timeout;
	if (c->sink) {
		cap = 0;
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	} else {
		if (c->upload_name)
			cap += (double)c->upload_size / 65536;
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
	}
	if (a->deadline > 0) {
		double left = a->deadline - bw_now();
		if (left < 0.001)
			left = 0.001;
		if (cap == 0 || left < cap)
			cap = left;
	}
	if (cap > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(cap * 1000));
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "bw/" BW_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	a->errbuf[0] = 0;
	for (struct curl_slist *p = a->headers; p; p = p->next)
		if (!(hdrs = curl_slist_append(hdrs, p->data)))
			bw_die(BW_EX_IOERR, "out of memory");
	if (c->json) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->json);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(c->json));
	} else if (c->upload_name) {
		curl_mimepart *part;
		mime = curl_mime_init(h);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "purpose");
		curl_mime_data(part, "batch", CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "file");
		t->upos = 0;
		curl_mime_data_cb(part, (curl_off_t)c->upload_size, up_read,
		    up_seek, NULL, t);
		curl_mime_filename(part, c->upload_name);
		curl_mime_type(part, "application/jsonl");
		if (c->expires_after > 0) {	/* as the SDKs send it in a form */
			char secs[32];
			snprintf(secs, sizeof secs, "%lld", c->expires_after);
			part = curl_mime_addpart(mime);
			curl_mime_name(part, "expires_after[anchor]");
			curl_mime_data(part, "created_at", CURL_ZERO_TERMINATED);
			part = curl_mime_addpart(mime);
			curl_mime_name(part, "expires_after[seconds]");
			curl_mime_data(part, secs, CURL_ZERO_TERMINATED);
		}
		curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
		/* fewer, larger reads and sends: a quarter of the system time */
		curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
	} else if (!strcmp(c->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (!hdrs)
		bw_die(BW_EX_IOERR, "out of memory");
	if (c->sink && c->received > 0) {
		snprintf(range, sizeof range, "%llu-",
		    (unsigned long long)c->received);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
		if (c->validator[0]) {
			char ifr[160];
			snprintf(ifr, sizeof ifr, "If-Range: %s", c->validator);
			if (!(hdrs = curl_slist_append(hdrs, ifr)))
				bw_die(BW_EX_IOERR, "out of memory");
		}
	}
	/* libcurl reads 16 KiB at a time by default: a large file then
	   costs a recv and a poll per 16 KiB, and downloads at half the
	   speed of the curl tool */
	if (c->sink)
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L << 10);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	/* libcurl quietly sends a request again when a reused connection
	   turns out dead; a POST may have been acted on, so it goes out on
	   a connection of its own, and only our retries (which look before
	   creating a batch twice) send it again */
	if (strcmp(c->method, "GET"))
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->status);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, secs);
	wipe_headers(hdrs);
	curl_slist_free_all(hdrs);
	curl_mime_free(mime);
	return cc;
}

/* --- messages --- */

/* The key this client sends (from its Authorization header), for
   redacting it where a server echoes it. */
static const char *
sent_key(const struct bw_api *a, size_t *n)
{
	static const char pre[] = "Authorization: Bearer ";

	for (const struct curl_slist *h = a->headers; h; h = h->next)
		if (!strncmp(h->data, pre, sizeof pre - 1)) {
			*n = strlen(h->data + sizeof pre - 1);
			return h->data + sizeof pre - 1;
		}
	*n = 0;
	return NULL;
}

/* n bytes a server sent, fit for a terminal and a log, into out (cap
   bytes): control bytes (C0, DEL and C1) as \u00XX, line ends as
   blanks, the API key as [API key], cut at a character's start. */
static void
printable(const struct bw_api *a, char *out, size_t cap, const char *s,
    size_t n)
{
	size_t kn, o = 0;
	const char *key = sent_key(a, &kn);
	char esc[8];

	for (size_t i = 0; i < n; i++) {
		const unsigned char ch = s[i];
		const char *add = (const char *)&s[i];
		size_t an = 1;
		if (kn >= 8 && n - i >= kn && !memcmp(s + i, key, kn)) {
			add = "[API key]";
			an = 9;
			i += kn - 1;
		} else if (ch == '\n' || ch == '\r') {
			add = " ";
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			add = esc;
			an = 6;
		} else if (ch == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			snprintf(esc, sizeof esc, "\\u%04x",
			    (unsigned char)s[i + 1]);
			add = esc;
			an = 6;
			i++;
		} else if (ch >= 0x80) {	/* a whole character or none */
			while (i + an < n && ((unsigned char)s[i + an] & 0xc0) ==
			    0x80)
				an++;
			i += an - 1;
		}
		if (o + an + 1 > cap)
			break;
		memcpy(out + o, add, an);
		o += an;
	}
	out[o] = 0;
}

/* 1 if the error is insufficient_quota (as code or type): the
   account's credit or quota is spent, which no wait cures. */
static int
no_quota(struct attempt *t)
{
	struct bw_arena ar = { 0 };
	struct bw_v e;
	const char *why;
	int r;

	if (!t->buf)
		return 0;
	e = bw_get(bw_read(&ar, t->buf, t->n, INT_MAX, &why, NULL), "error");
	r = bw_is(bw_get(e, "code"), "insufficient_quota") ||
	    bw_is(bw_get(e, "type"), "insufficient_quota");
	bw_arena_free(&ar);
	return r;
}

static const char *
reason(struct attempt *t)
{
	static char msg[512];
	struct bw_arena ar = { 0 };
	struct bw_v m;
	const char *why;

	msg[0] = 0;
	if (!t->buf)
		return msg;
	m = bw_get(bw_get(bw_read(&ar, t->buf, t->n, INT_MAX, &why, NULL),
	    "error"), "message");
	if (m.kind == BW_STR) {
		memcpy(msg, ": ", 2);
		printable(t->a, msg + 2, sizeof msg - 2, m.u.s, m.n);
	}
	bw_arena_free(&ar);
	return msg;
}

static void
nap(double secs)
{
	struct timespec ts;

	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (bw_interrupted)
			return;
}

/* Seconds the server asks us to wait, or -1 (retry-after-ms, then
   retry-after as seconds or an HTTP date); only 0 to 60 s counts. */
static double
server_wait(struct attempt *t)
{
	char *end;
	double d = -1;

	if (t->retry_after_ms[0]) {
		d = strtod(t->retry_after_ms, &end) / 1000;
		if (*end)
			d = -1;
	}
	if (d < 0 && t->retry_after[0]) {
		d = strtod(t->retry_after, &end);
		if (*end) {
			struct tm tm = { 0 };
			if (strptime(t->retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm))
				d = difftime(timegm(&tm), time(NULL));
			else
				d = -1;
		}
	}
	return d >= 0 && d <= 60 ? d : -1;
}

/* A fraction in [0, 1) that is this process's own (not libc's rand(),
   the same in every process that never seeds it): programs started
   together do not retry in step. */
static double
jitter(void)
{
	uint64_t r;
	struct timespec ts;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)ts.tv_nsec ^ (uintptr_t)&r) * 0x9e3779b97f4a7c15u;
	}
	return (r >> 11) * 0x1p-53;
}

static int
retryable_status(long s)
{
	return s == 408 || s == 409 || s == 429 || s >= 500;
}

/* A TLS handshake answered in plain HTTP (https:// at an http server)
   fails the same way every time: OpenSSL says "wrong version number"
   (or "packet length too long", "record layer failure", "http
   request"), GnuTLS "An unexpected TLS packet". */
static int
tls_plain(CURLcode cc, const char *why)
{
	return cc == CURLE_SSL_CONNECT_ERROR && (strstr(why, "wrong version") ||
	    strstr(why, "packet length too long") ||
	    strstr(why, "record layer failure") ||
	    strstr(why, "http request") || strstr(why, "unexpected TLS packet"));
}

static int
retryable_curl(CURLcode cc, const char *why)
{
	if (tls_plain(cc, why))
		return 0;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

int
bw_api_call(struct bw_api *a, struct bw_call *c)
{
	double secs, wait, unknown_since = -1;
	int last_rc = BW_CALL_NET;

	for (int n = 0;; n++) {
		struct attempt t = { .a = a, .call = c };
		CURLcode cc;
		int retry;

		/* no request starts after a signal (bw_api_fail dies of it),
		   nor once the deadline has passed */
		if (bw_interrupted) {
			snprintf(c->why, sizeof c->why, "interrupted");
			c->curl_code = CURLE_ABORTED_BY_CALLBACK;
			c->status = 0;
			return BW_CALL_NET;
		}
		if (a->deadline > 0 && bw_now() >= a->deadline) {
			if (n > 0)	/* the last attempt's failure */
				return last_rc;
			snprintf(c->why, sizeof c->why, "no time left");
			c->curl_code = CURLE_OPERATION_TIMEDOUT;
			c->status = 0;
			c->protocol = 0;
			return BW_CALL_NET;
		}
		/* cut after the last byte: nothing is left to ask for */
		if (c->sink && c->sized && n > 0 && c->received == c->size)
			return BW_CALL_OK;
		cc = perform(&t, &secs);
		c->status = t.status;
		c->curl_code = cc;
		c->protocol = 0;
		c->no_quota = 0;
		printable(a, c->reqid, sizeof c->reqid, t.reqid,
		    strlen(t.reqid));
		if (a->verbose)
			bw_warn("%s %s%s %ld %.3fs%s%s", c->method, a->basepath,
			    c->path, t.status, secs, c->reqid[0] ? " " : "",
			    c->reqid);
		if (c->sink && cc == CURLE_OK && !t.bad[0]) {
			/* a file is whole when all its bytes arrived */
			if (t.status == 204 && !(c->sized && c->size == 0)) {
				snprintf(t.bad, sizeof t.bad, "204: no content "
				    "for a file");
				t.fatal = 1;
			} else if ((t.status == 200 || t.status == 206) &&
			    !t.checked)
				sink_begin(&t);	/* an empty body */
			else if (t.status == 416)
				snprintf(t.bad, sizeof t.bad, "416: the server "
				    "has nothing after byte %llu",
				    (unsigned long long)c->received);
			if (!t.bad[0] && c->sized && c->received < c->size &&
			    t.status >= 200 && t.status < 300)
				snprintf(t.bad, sizeof t.bad, "the body ended "
				    "after %llu of %llu bytes",
				    (unsigned long long)c->received,
				    (unsigned long long)c->size);
		}
		if (cc == CURLE_OK && t.status >= 200 && t.status < 300 &&
		    !t.bad[0]) {
			c->body = t.buf;
			c->len = t.n;
			return BW_CALL_OK;
		}
		if (t.badrange) {
			free(t.buf);
			snprintf(c->why, sizeof c->why, "206 for another part of "
			    "the file (%s)", t.crange);
			c->curl_code = CURLE_RANGE_ERROR;
			return BW_CALL_NET;
		}
		if (t.bad[0]) {
			/* the server's fault, unless another try cures it */
			snprintf(c->why, sizeof c->why, "%s", t.bad);
			c->protocol = 1;
			retry = !t.fatal;
		} else if (cc == CURLE_OK) {
			retry = retryable_status(t.status) &&
			    !(t.status == 409 && c->conflict_final);
			if (!strcasecmp(t.should_retry, "true"))
				retry = 1;
			else if (!strcasecmp(t.should_retry, "false"))
				retry = 0;
			snprintf(c->why, sizeof c->why, "%ld%s", t.status,
			    reason(&t));
			if (t.status == 429 && no_quota(&t)) {
				c->no_quota = 1;
				retry = 0;
			}
			if (t.status >= 300 && t.status < 400) {
				snprintf(c->why, sizeof c->why, "%ld: a redirect "
				    "(not followed)", t.status);
				retry = 0;
			}
		} else {
			snprintf(c->why, sizeof c->why, "%s",
			    a->errbuf[0] ? a->errbuf : curl_easy_strerror(cc));
			c->why[strcspn(c->why, "\n")] = 0;
			retry = retryable_curl(cc, c->why);
		}
		/* a connection lost after the request went out: it may have
		   been acted on */
		c->unknown = cc == CURLE_OK ? t.status >= 500 || t.status == 408 :
		    cc != CURLE_COULDNT_CONNECT && cc != CURLE_COULDNT_RESOLVE_HOST;
		free(t.buf);
		if (c->unknown && unknown_since < 0)
			unknown_since = bw_now();
		last_rc = cc == CURLE_OK ? BW_CALL_HTTP : BW_CALL_NET;
		if (!retry || n >= a->retries || bw_interrupted)
			return last_rc;
		wait = server_wait(&t);
		if (wait < 0) {
			wait = a->retry_wait * pow(2, n);
			if (wait > a->retry_wait * 16)
				wait = a->retry_wait * 16;
			wait *= 1 - 0.25 * jitter();
		}
		bw_warn("%s %s%s: %s%s; retry %d of %d in %.1fs", c->method,
		    a->basepath, c->path, c->why, bw_api_reqid(c), n + 1,
		    a->retries, wait);
		double until = bw_now() + wait;
		if (a->deadline > 0 && until > a->deadline)
			until = a->deadline;
		while (!bw_interrupted && bw_now() < until)
			nap(until - bw_now());
		/* Once an attempt may have been acted on, every later one is
		   preceded by a look, after the wait: what the server did
		   shows up late (a list that lags).  Until 16 times
		   --retry-wait has passed since, it is looked for again
		   rather than sent again. */
		while (unknown_since >= 0 && c->on_unknown && !bw_interrupted) {
			if (c->on_unknown(c) == 0)
				return BW_CALL_OK;
			double left = unknown_since + a->retry_wait * 16 -
			    bw_now();
			if (left <= 0)
				break;
			double w = wait > a->retry_wait ? wait : a->retry_wait;
			until = bw_now() + (w < left ? w : left);
			while (!bw_interrupted && bw_now() < until)
				nap(until - bw_now());
		}
	}
}

void
bw_api_fail(struct bw_api *a, struct bw_call *c, int rc)
{
	int code;

	if (c->protocol)
		code = BW_EX_PROTOCOL;
	else if (rc == BW_CALL_NET)	/* a bad certificate is no passing fault */
		code = retryable_curl(c->curl_code, c->why) ? BW_EX_TEMPFAIL :
		    BW_EX_PROTOCOL;
	else if (c->status == 401 || c->status == 403)
		code = BW_EX_NOPERM;
	/* 429 insufficient_quota: the account's credit or quota is spent.
	   Not 75: waiting never cures it, and a cron job would retry
	   forever.  Not 65: the input is fine, and the same input will
	   go once a person acts.  77, as for a bad key: the account may
	   not be used until a person acts on it (billing, limits). */
	else if (c->no_quota)
		code = BW_EX_NOPERM;
	else if (retryable_status(c->status) &&
	    !(c->status == 409 && c->conflict_final))
		code = BW_EX_TEMPFAIL;
	else if (c->status >= 300 && c->status < 400)
		code = BW_EX_PROTOCOL;
	else
		code = BW_EX_DATAERR;
	if (bw_interrupted)
		bw_reraise();
	/* the API is below /v1: a base URL without it answers 404 to all */
	const char *hint = c->status == 404 &&
	    !strstr(a->basepath, "/v1") ? " (OPENAI_BASE_URL has no /v1: "
	    "the API's URLs begin with it)" : "";
	if (rc == BW_CALL_NET && tls_plain(c->curl_code, c->why))
		hint = " (is the server plain http? OPENAI_BASE_URL then "
		    "begins with http://)";
	else if (c->no_quota)
		hint = " (the account's quota or credit is spent: a person "
		    "must look at its billing and limits; not retried)";
	else if (rc == BW_CALL_NET && c->curl_code == CURLE_OPERATION_TIMEDOUT)
		hint = a->deadline > 0 && bw_now() >= a->deadline ?
		    " (the time given with -t is up)" : " (see --request-timeout)";
	bw_die(code, "%s %s%s: %s%s%s", c->method, a->basepath, c->path,
	    c->why, bw_api_reqid(c), hint);
}

const char *
bw_api_reqid(const struct bw_call *c)
{
	static char buf[160];

	if (!c->reqid[0])
		return "";
	snprintf(buf, sizeof buf, " (request %s)", c->reqid);
	return buf;
}

struct bw_v
bw_api_object(struct bw_api *a, struct bw_arena *ar, struct bw_call *c,
    struct bw_v body)
{
	struct bw_out o;
	struct bw_v v;
	const char *why;
	int rc;

	if (body.kind) {
		bw_out_open(&o, -1, "json", 0);
		bw_out_v(&o, body);
		bw_out_char(&o, 0);
		c->json = o.buf;
	}
	rc = bw_api_call(a, c);
	if (body.kind)
		bw_out_discard(&o);
	c->json = NULL;
	if (rc != BW_CALL_OK)
		bw_api_fail(a, c, rc);
	v = bw_read(ar, c->body ? c->body : "", c->len, INT_MAX, &why, NULL);
	free(c->body);
	c->body = NULL;
	if (v.kind != BW_OBJ)
		bw_die(BW_EX_PROTOCOL, "%s %s%s: the reply is not a JSON "
		    "object%s", c->method, a->basepath, c->path,
		    bw_api_reqid(c));
	return v;
}

struct bw_v
bw_api_json(struct bw_api *a, struct bw_arena *ar, const char *method,
    const char *path, struct bw_v body)
{
	struct bw_call c = { .method = method, .path = path };

	return bw_api_object(a, ar, &c, body);
}
