/* webhook.c: Standard Webhooks signatures, as OpenAI signs deliveries. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "bw.h"

/* --- base64 --- */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
bw_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap,
    size_t *len)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0, pad = 0;

	while (n > 0 && s[n - 1] == '=' && pad < 2)
		n--, pad++;
	if ((n + pad) % 4 != 0 && pad > 0)
		return -1;
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *p = s[i] ? memchr(b64, s[i], 64) : NULL;
		if (!p)
			return -1;
		acc = acc << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = acc >> bits & 0xff;
		}
	}
	if (acc & ((1u << bits) - 1))	/* stray bits: not canonical */
		return -1;
	*len = o;
	return 0;
}

size_t
bw_base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

int
bw_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* --- the signature --- */

void
bw_webhook_key(struct bw_webhook *w, const char *secret)
{
	size_t n = strlen(secret);

	w->keylen = 0;
	if (!strncmp(secret, "whsec_", 6)) {
		if (bw_base64_decode(secret + 6, n - 6, w->key, sizeof w->key,
		    &w->keylen) < 0)
			bw_die(BW_EX_USAGE, "the webhook secret starts with whsec_ "
			    "but the rest is not base64");
	} else {
		if (n > sizeof w->key)
			bw_die(BW_EX_USAGE, "the webhook secret is longer than %zu "
			    "bytes", sizeof w->key);
		memcpy(w->key, secret, n);
		w->keylen = n;
	}
}

void
bw_webhook_wipe(struct bw_webhook *w)
{
	volatile unsigned char *p = w->key;

	for (size_t i = 0; i < sizeof w->key; i++)
		p[i] = 0;
	w->keylen = 0;
}

static int
digits_only(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

/* HMAC-SHA256 of "id.timestamp.body" under key, into mac. */
static void
mac_of(const unsigned char *key, size_t keylen, const char *id,
    const char *ts, const char *body, size_t n, unsigned char mac[32])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, id, strlen(id));
	br_hmac_update(&hc, ".", 1);
	br_hmac_update(&hc, ts, strlen(ts));
	br_hmac_update(&hc, ".", 1);
	br_hmac_update(&hc, body, n);
	br_hmac_out(&hc, mac);
	memset(&kc, 0, sizeof kc);
	memset(&hc, 0, sizeof hc);
}

void
bw_webhook_sign(const unsigned char *key, size_t keylen, const char *id,
    const char *ts, const char *body, size_t n, char out[BW_SIG_MAX])
{
	unsigned char mac[32];

	mac_of(key, keylen, id, ts, body, n, mac);
	memcpy(out, "v1,", 3);
	bw_base64_encode(mac, sizeof mac, out + 3);
	memset(mac, 0, sizeof mac);
}

const char *
bw_webhook_verify(const struct bw_webhook *w, const char *body, size_t n)
{
	unsigned char mac[32], sig[64];
	const char *p;
	long long ts;
	int any = 0, ok = 0;

	if (!w->id || !*w->id)
		return "no webhook-id header";
	if (!w->timestamp || !*w->timestamp)
		return "no webhook-timestamp header";
	if (!w->signature || !*w->signature)
		return "no webhook-signature header";
	if (!digits_only(w->timestamp))
		return "webhook-timestamp is not a number of seconds";
	ts = atoll(w->timestamp);
	if (ts < w->now - w->tolerance)
		return "webhook-timestamp is too old";
	if (ts > w->now + w->tolerance)
		return "webhook-timestamp is in the future";

	mac_of(w->key, w->keylen, w->id, w->timestamp, body, n, mac);

	/* "v1,<base64> v1,<base64> ...": any may match */
	for (p = w->signature; *p;) {
		size_t len = strcspn(p, " ");
		size_t slen;
		if (len > 3 && !strncmp(p, "v1,", 3)) {
			any = 1;
			if (bw_base64_decode(p + 3, len - 3, sig, sizeof sig,
			    &slen) == 0 && slen == sizeof mac &&
			    bw_ct_equal(sig, mac, sizeof mac))
				ok = 1;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	memset(mac, 0, sizeof mac);
	if (!any)
		return "webhook-signature has no v1 signature";
	return ok ? NULL : "no signature matches";
}

/* --- answers --- */

static void
respond(struct bw_out *o, int cgi, int status, const char *type,
    const char *body)
{
	static const struct { int code; const char *text; } st[] = {
		{ 200, "OK" }, { 400, "Bad Request" },
		{ 405, "Method Not Allowed" }, { 413, "Payload Too Large" },
		{ 500, "Internal Server Error" },
	};
	const char *text = "";
	char head[256];

	if (!cgi)
		return;
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		if (st[i].code == status)
			text = st[i].text;
	snprintf(head, sizeof head, "Status: %d %s\r\n%sContent-Type: %s\r\n\r\n",
	    status, text, status == 405 ? "Allow: POST\r\n" : "", type);
	bw_out_str(o, head);
	if (body) {
		bw_out_str(o, body);
		bw_out_char(o, '\n');
	}
}

/* Fails a delivery: the reason on stderr, and in CGI mode as the
   response (the web server's log and the sender both see it); exits
   code. */
static BW_NORETURN BW_PRINTF(5, 6) void
refuse(struct bw_out *o, int cgi, int status, int code, const char *fmt, ...)
{
	char why[4400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	respond(o, cgi, status, "text/plain", why);
	bw_out_commit(o);
	bw_die(code, "%s", why);
}

/* --- replays --- */

static void
hexname(const char *id, char out[65])
{
	br_sha256_context h;
	unsigned char d[32];

	br_sha256_init(&h);
	br_sha256_update(&h, id, strlen(id));
	br_sha256_out(&h, d);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
prune(const char *dir, time_t before)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 64)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && st.st_mtime < before)
			unlink(path);
	}
	closedir(d);
}

/* Records a delivery id in dir (one file per id, made with O_EXCL, so
   that of two deliveries at once exactly one wins) after removing
   entries older than window seconds; returns 1 if the id was there.
   Fails the delivery (500, exit 74) when the id cannot be kept. */
static int
seen(struct bw_out *o, int cgi, const char *dir, const char *id, long window)
{
	char name[65], path[4096];
	int fd;

	/* entries older than the window are pruned first; an entry that
	   exists is a delivery already taken, however old */
	prune(dir, time(NULL) - window);
	hexname(id, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0) {
		if (fsync(fd) < 0 || close(fd) < 0 || bw_syncdir(dir) < 0) {
			int e = errno;
			unlink(path);	/* not on disk: not taken */
			refuse(o, cgi, 500, BW_EX_IOERR, "--replay-dir: %s: %s",
			    dir, strerror(e));
		}
		return 0;
	}
	if (errno != EEXIST)
		refuse(o, cgi, 500, BW_EX_IOERR, "--replay-dir: %s: %s", dir,
		    strerror(errno));
	return 1;
}

/* --- one delivery --- */

static char *
read_body(struct bw_out *o, int cgi, size_t max, size_t *n)
{
	const char *cl = getenv("CONTENT_LENGTH");
	size_t want = 0, have = 0, cap = 65536;
	char *buf = malloc(cap);
	int exact = cl && *cl;

	if (!buf)
		bw_die(BW_EX_IOERR, "out of memory");
	if (exact) {
		char *end;
		unsigned long long v = strtoull(cl, &end, 10);
		if (*end || *cl < '0' || *cl > '9')
			refuse(o, cgi, 400, BW_EX_DATAERR, "CONTENT_LENGTH is not "
			    "a number");
		if (v > max)
			refuse(o, cgi, 413, BW_EX_DATAERR, "the body is larger "
			    "than --max-body");
		want = v;
	}
	for (;;) {
		if (exact && have == want)
			break;
		if (have == cap) {
			if (cap > max)
				refuse(o, cgi, 413, BW_EX_DATAERR, "the body is "
				    "larger than --max-body");
			char *b = realloc(buf, cap *= 2);
			if (!b)
				bw_die(BW_EX_IOERR, "out of memory");
			buf = b;
		}
		size_t room = exact && want - have < cap - have ? want - have :
		    cap - have;
		ssize_t r = read(0, buf + have, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bw_die(BW_EX_IOERR, "stdin: %s", strerror(errno));
		if (r == 0) {
			if (exact)
				refuse(o, cgi, 400, BW_EX_DATAERR, "the body is "
				    "shorter than CONTENT_LENGTH");
			break;
		}
		have += r;
		if (have > max)
			refuse(o, cgi, 413, BW_EX_DATAERR, "the body is larger "
			    "than --max-body");
	}
	*n = have;
	return buf;
}

/* Runs sh -c cmd in the background, detached, with the event on its
   stdin and its output discarded. */
static void
spawn(const char *cmd, const char *event, size_t n)
{
	int fd = bw_tmpfd("webhook"), null;
	pid_t pid;

	if (write(fd, event, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
	    lseek(fd, 0, SEEK_SET) < 0)
		bw_die(BW_EX_IOERR, "--exec: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		bw_die(BW_EX_IOERR, "--exec: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		null = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int
bw_webhook_run(const struct bw_webhook_opts *opt)
{
	struct bw_webhook w = { 0 };
	struct bw_out o;
	const char *method = getenv("REQUEST_METHOD"), *why;
	int cgi = method != NULL;
	char secret[1024], *body;
	struct bw_arena ar = { 0 };
	struct bw_v event;
	size_t n;

	bw_out_open(&o, 1, "stdout", 0);
	if (cgi && strcmp(method, "POST"))
		refuse(&o, cgi, 405, BW_EX_NO, "only POST is accepted");

	bw_no_core();
	secret[0] = 0;
	if (opt->secret_file) {
		int fd = open(opt->secret_file, O_RDONLY);
		ssize_t r;
		if (fd < 0)
			refuse(&o, cgi, 500, BW_EX_USAGE, "--secret-file cannot "
			    "be read");
		r = read(fd, secret, sizeof secret - 1);
		close(fd);
		secret[r > 0 ? r : 0] = 0;
		secret[strcspn(secret, "\r\n")] = 0;
	} else {
		char *env = getenv("OPENAI_WEBHOOK_SECRET");
		if (env) {
			snprintf(secret, sizeof secret, "%s", env);
			memset(env, 0, strlen(env));	/* out of /proc too */
		}
	}
	if (!secret[0])
		refuse(&o, cgi, 500, BW_EX_NOPERM, "no webhook secret: set "
		    "OPENAI_WEBHOOK_SECRET or give --secret-file");
	bw_webhook_key(&w, secret);
	memset(secret, 0, sizeof secret);

	w.id = opt->id ? opt->id : getenv("HTTP_WEBHOOK_ID");
	w.timestamp = opt->timestamp ? opt->timestamp : getenv("HTTP_WEBHOOK_TIMESTAMP");
	w.signature = opt->signature ? opt->signature : getenv("HTTP_WEBHOOK_SIGNATURE");
	w.tolerance = opt->tolerance;
	w.now = time(NULL);

	body = read_body(&o, cgi, opt->max_body, &n);
	why = bw_webhook_verify(&w, body, n);
	bw_webhook_wipe(&w);
	if (why)
		refuse(&o, cgi, 400, BW_EX_NO, "%s", why);
	event = bw_read(&ar, body, n, INT_MAX, &why, NULL);
	if (event.kind != BW_OBJ)
		refuse(&o, cgi, 400, BW_EX_DATAERR, "the body is signed, but "
		    "not a JSON object");
	if (opt->replay_dir && seen(&o, cgi, opt->replay_dir, w.id,
	    2 * opt->tolerance + 60)) {
		/* a delivery already taken: 200, so that OpenAI stops
		   sending it, but nothing done twice */
		respond(&o, cgi, 200, "text/plain", "already received");
		bw_out_commit(&o);
		bw_die(BW_EX_NO, "webhook-id %s: already received",
		    bw_quote(w.id, strlen(w.id), 80));
	}
	struct bw_out line;
	bw_out_open(&line, -1, "event", 0);
	bw_out_v(&line, event);
	bw_out_char(&line, 0);
	respond(&o, cgi, 200, "application/json", NULL);
	bw_out_str(&o, line.buf);
	bw_out_char(&o, '\n');
	bw_out_commit(&o);
	if (opt->exec)
		spawn(opt->exec, line.buf, strlen(line.buf));
	bw_out_discard(&line);
	bw_arena_free(&ar);
	free(body);
	return 0;
}
