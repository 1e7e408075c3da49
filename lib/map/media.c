/*
 * media.c: file and image parts: URLs, data: URLs, base64 and
 * provider file ids, with the media type the SDK detects.
 */
#include <ctype.h>

#include "map.h"

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+' || ch == '-') return 62;
	if (ch == '/' || ch == '_') return 63;
	return -1;
}

/* The image type the first bytes of base64 data show, or NULL
   (the signatures the SDK's detectMediaType knows). */
const char *
sniff(val b64)
{
	unsigned char b[16];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	for (uint32_t i = 0; i < b64.n && n < sizeof b; i++) {
		int v = b64val((unsigned char)b64.u.s[i]);
		if (v < 0)
			break;
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b[n++] = acc >> bits & 0xff;
		}
	}
	if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
		return "image/gif";
	if (n >= 4 && !memcmp(b, "\x89PNG", 4))
		return "image/png";
	if (n >= 2 && b[0] == 0xff && b[1] == 0xd8)
		return "image/jpeg";
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 10 && b[0] == 'B' && b[1] == 'M' && !b[6] && !b[7] && !b[8] && !b[9])
		return "image/bmp";
	if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4)))
		return "image/tiff";
	if (n >= 12 && !b[0] && !b[1] && !b[2] && !memcmp(b + 4, "ftypavif", 8))
		return "image/avif";
	if (n >= 12 && !b[0] && !b[1] && !b[2] && !memcmp(b + 4, "ftypheic", 8))
		return "image/heic";
	return NULL;
}

/* 1 if s starts with a URL scheme and ':' (what new URL() needs). */
static int
has_scheme(val s)
{
	uint32_t i = 0;

	if (!s.n || !isalpha((unsigned char)s.u.s[0]))
		return 0;
	while (i < s.n && (isalnum((unsigned char)s.u.s[i]) ||
	    s.u.s[i] == '+' || s.u.s[i] == '-' || s.u.s[i] == '.'))
		i++;
	return i < s.n && s.u.s[i] == ':';
}

static int
ascii_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* 1 if the n bytes at p are a decimal number from 0 to max, written
   without leading zeros; its value in *v. */
static int
decimal(const char *p, size_t n, long max, long *v)
{
	*v = 0;
	if (!n || n > 5 || (p[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		*v = *v * 10 + (p[i] - '0');
	}
	return *v <= max;
}

/* A host that new URL() keeps as it is, but lower-cased: a name of
   letters, digits, '-', '_' and '.' with no punycode (xn--) label,
   whose last label is no number, or
   a dotted quad as WHATWG writes one (other numbers it rewrites). */
static int
plain_host(const char *p, size_t n)
{
	size_t ln, start;
	long v;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)p[i]) && !strchr("-_.", p[i]))
			return 0;
		/* punycode, which new URL() checks and may refuse */
		if ((i == 0 || p[i - 1] == '.') && n - i >= 4 &&
		    ascii_lower(p[i]) == 'x' && ascii_lower(p[i + 1]) == 'n' &&
		    p[i + 2] == '-' && p[i + 3] == '-')
			return 0;
	}
	/* WHATWG's "ends in a number": the last label, bar an empty one
	   after a final dot, is digits or 0x and hex digits */
	ln = p[n - 1] == '.' ? n - 1 : n;
	start = ln;
	while (start > 0 && p[start - 1] != '.')
		start--;
	int num = ln > start;
	if (ln - start >= 2 && p[start] == '0' && ascii_lower(p[start + 1]) == 'x') {
		for (size_t i = start + 2; i < ln; i++)
			num &= isxdigit((unsigned char)p[i]) != 0;
	} else {
		for (size_t i = start; i < ln; i++)
			num &= isdigit((unsigned char)p[i]) != 0;
	}
	if (!num)
		return 1;
	int dots = 0;
	for (size_t i = 0, from = 0; i <= n; i++) {
		if (i < n && p[i] != '.')
			continue;
		if (!decimal(p + from, i - from, 255, &v))
			return 0;
		dots += i < n;
		from = i + 1;
	}
	return dots == 3;
}

/* The path, query and fragment of an http(s) URL from p: bytes
   outside their character sets percent-encoded; -1 (failed) for a
   "." or ".." segment, which new URL() would resolve. */
static int
url_rest(struct ctx *c, struct bw_sb *out, const char *p, const char *end,
    val u, const char *where)
{
	const char *from = p, *seg = p;
	int part = 0;		/* 0 path, 1 query, 2 fragment */

	for (; p <= end; p++) {
		unsigned char ch = p < end ? *p : 0;
		if (part == 0 && (p == end || ch == '/' || ch == '?' ||
		    ch == '#')) {
			/* the segment seg+1 .. p: "." or ".." in any spelling */
			size_t n = p - seg - 1;
			const char *q = seg + 1;
			if (p > from && n >= 1 && n <= 6) {
				char norm[8];
				size_t k = 0;
				for (size_t i = 0; i < n; i++) {
					if (q[i] == '%' && i + 2 < n &&
					    q[i + 1] == '2' &&
					    ascii_lower(q[i + 2]) == 'e') {
						norm[k++] = '.';
						i += 2;
					} else {
						norm[k++] = q[i];
					}
				}
				if ((k == 1 && norm[0] == '.') ||
				    (k == 2 && norm[0] == '.' && norm[1] == '.'))
					return fail(c, "%s: a URL with a \".\" or "
					    "\"..\" path segment: %s", where,
					    quoted(u, 60)), -1;
			}
			seg = p;
		}
		if (p == end)
			break;
		if (ch == '?' && part == 0)
			part = 1;
		else if (ch == '#' && part < 2)
			part = 2;
		int enc = ch == ' ' || ch >= 0x7f || ch == '"' || ch == '<' ||
		    ch == '>' || (part != 1 && ch == '`') ||
		    (part == 0 && (ch == '{' || ch == '}')) ||
		    (part == 1 && ch == '\'');
		if (enc) {
			char buf[4];
			snprintf(buf, sizeof buf, "%%%02X", ch);
			bw_sb_add(out, buf, 3);
		} else {
			bw_sb_add(out, (const char *)&ch, 1);
		}
	}
	return 0;
}

/* An http(s) URL as new URL(u).toString() writes it, for the subset
   whose result is certain: scheme and host lower-cased, a default port
   dropped, "/" for an empty path, and bytes outside the URL's
   character sets percent-encoded.  Refused (BW_NONE, failed) instead
   of guessed: other schemes, user names and passwords that it would
   encode, hosts other
   than plain names and dotted quads, ports other than numbers,
   "." and ".." path segments (new URL() resolves them), backslashes,
   tabs and newlines (it drops them) and blanks at either end. */
static val
normalize_url(struct ctx *c, val u, const char *where)
{
	struct bw_sb out = { .a = c->a };
	const char *s = u.u.s, *end = s + u.n, *p, *host, *hostend, *colon, *at;
	int https;
	long port;

	if (starts_ci(u, "https://"))
		https = 1;
	else if (starts_ci(u, "http://"))
		https = 0;
	else
		return fail(c, "%s: a URL that is not http://, https:// or "
		    "data: %s", where, quoted(u, 60));
	for (p = s; p < end; p++)
		if (*p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(c, "%s: a URL with a backslash or a control "
			    "character: %s", where, quoted(u, 60));
	if (end[-1] == ' ')
		return fail(c, "%s: a URL that ends in a blank", where);
	bw_sb_add(&out, https ? "https://" : "http://", https ? 8 : 7);
	host = s + (https ? 8 : 7);
	at = NULL;	/* the last '@' before the path ends the user info */
	for (hostend = host; hostend < end && *hostend != '/' &&
	    *hostend != '?' && *hostend != '#'; hostend++)
		if (*hostend == '@')
			at = hostend;
	if (at) {
		/* user:password kept as they are, when nothing in them is
		   one that new URL() would encode */
		const char *pw = memchr(host, ':', at - host);
		int ok = at > host && (!pw || (pw > host && pw + 1 < at));
		for (p = host; ok && p < at; p++)
			ok = isalnum((unsigned char)*p) ||
			    strchr("._~!$%&'()*+,-", *p) || p == pw;
		if (!ok)
			return fail(c, "%s: a URL whose user name or password "
			    "is not plain: %s", where, quoted(u, 60));
		bw_sb_add(&out, host, at + 1 - host);
		host = at + 1;
	}
	colon = memchr(host, ':', hostend - host);
	if (!plain_host(host, (colon ? colon : hostend) - host))
		return fail(c, "%s: a URL whose host is not a plain name or "
		    "address: %s", where, quoted(u, 60));
	for (p = host; p < (colon ? colon : hostend); p++) {
		char ch = ascii_lower(*p);
		bw_sb_add(&out, &ch, 1);
	}
	if (colon && colon + 1 < hostend) {
		for (p = colon + 1; p < hostend - 1 && *p == '0'; p++)
			;	/* new URL() reads leading zeros as nothing */
		if (!decimal(p, hostend - p, 65535, &port))
			return fail(c, "%s: a URL whose port is not a number "
			    "up to 65535: %s", where, quoted(u, 60));
		if (port != (https ? 443 : 80)) {
			bw_sb_add(&out, ":", 1);
			bw_sb_add(&out, p, hostend - p);
		}
	}
	if (hostend == end || *hostend != '/')
		bw_sb_add(&out, "/", 1);
	if (url_rest(c, &out, hostend, end, u, where) < 0)
		return bw_of(BW_NONE);
	return bw_sb_val(&out);
}

/* Reads an image or file part's data into f. */
static int
file_data(struct ctx *c, val data, val mt, const char *where,
    struct file *f)
{
	int tagged = 0;

	f->url = f->data = f->fileid = bw_of(BW_NONE);
	f->mt = mt;
	if (isobj(data)) {
		val type = bw_get(data, "type");
		val ref = bw_get(bw_get(data, "reference"), "openai");
		if (bw_is(type, "reference") && isstr(ref)) {
			f->fileid = ref;
			return 0;
		}
		if (bw_is(type, "url") && isstr(bw_get(data, "url"))) {
			f->url = bw_get(data, "url");	/* taken as it is */
			return 0;
		} else if (bw_is(type, "data") && isstr(bw_get(data, "data"))) {
			data = bw_get(data, "data");	/* never a URL */
			tagged = 1;
		} else {
			fail(c, "%s: data is an object but not {\"type\":\"url\","
			    "\"url\":...}, {\"type\":\"data\",\"data\":...} or "
			    "{\"type\":\"reference\",\"reference\":{\"openai\":...}}",
			    where);
			return -1;
		}
	}
	if (!isstr(data)) {
		fail(c, "%s: %s, not a string", where, bw_kindname(data));
		return -1;
	}
	/* new URL() drops blanks and controls at the ends, and tabs and
	   newlines inside, before it looks for a scheme: a string that is
	   a URL only so is refused, not sent as base64 */
	const char *p = data.u.s, *end = p + data.n;
	while (p < end && (unsigned char)*p <= 0x20)
		p++;
	while (p < end && (*p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p < end && isalpha((unsigned char)*p))
		p++;
	else
		p = end;
	while (p < end && (*p == '\t' || *p == '\n' || *p == '\r' ||
	    isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'))
		p++;
	if (p < end && *p == ':' && !tagged && !starts_ci(data, "data:") &&
	    !has_scheme(data)) {
		fail(c, "%s: a URL with a blank or control byte before or inside "
		    "its scheme: %s", where, quoted(data, 60));
		return -1;
	}
	if (starts_ci(data, "data:")) {
		/* what the SDK's splitDataUrl reads: the media type before
		   ";base64,", the data after the one comma */
		const char *s = data.u.s, *comma, *semi;
		if (tagged) {
			fail(c, "%s: a data: URL given as {\"type\":\"data\"}: "
			    "give the base64 alone", where);
			return -1;
		}
		for (p = s; p < end; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f ||
			    (unsigned char)*p >= 0x80) {
				fail(c, "%s: a data: URL with a blank, a control "
				    "or a non-ASCII byte", where);
				return -1;
			}
		comma = memchr(s, ',', data.n);
		semi = comma && comma - s >= 12 ? comma - 7 : NULL;
		if (!semi || memcmp(semi, ";base64", 7) ||
		    memchr(s + 5, ';', semi - s - 5) ||
		    memchr(s + 5, ':', semi - s - 5) ||
		    memchr(comma + 1, ',', end - comma - 1)) {
			fail(c, "%s: a data: URL that is not data:TYPE;base64,DATA",
			    where);
			return -1;
		}
		if (semi == s + 5) {	/* the SDK takes "" and throws */
			fail(c, "%s: a data: URL without a media type", where);
			return -1;
		}
		f->mt = bw_str(c->a, s + 5, semi - s - 5);
		f->data = bw_str(c->a, comma + 1, end - comma - 1);
	} else if (!tagged && has_scheme(data)) {
		f->url = normalize_url(c, data, where);
		return c->failed ? -1 : 0;
	} else {
		f->data = data;
	}
	for (uint32_t i = 0; i < f->data.n; i++)
		if (b64val((unsigned char)f->data.u.s[i]) < 0 &&
		    f->data.u.s[i] != '=') {
			fail(c, "%s: data that is not base64 (at byte %u)",
			    where, i + 1);
			return -1;
		}
	const char *img = sniff(f->data);
	if (img)
		f->mt = bw_lit(img);
	return 0;
}

/* An image or file part (after standardize: type "file"): its data,
   media type and image detail. */
int
file_part(struct ctx *c, val p, const char *where, struct file *f)
{
	val mt = bw_get(p, "mediaType");

	if (!isstr(mt)) {
		fail(c, "%s.mediaType: %s, not a string", where, bw_kindname(mt));
		return -1;
	}
	if (file_data(c, bw_get(p, "data"), mt, where, f) < 0)
		return -1;
	f->detail = bw_get(bw_get(bw_get(p, "providerOptions"), "openai"),
	    "imageDetail");
	return 0;
}

val
data_url(struct ctx *c, struct file *f)
{
	struct bw_sb b = { .a = c->a };

	bw_sb_add(&b, "data:", 5);
	add(&b, f->mt);
	bw_sb_add(&b, ";base64,", 8);
	add(&b, f->data);
	return bw_sb_val(&b);
}
