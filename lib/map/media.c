/*
 * media.c: file and image parts: URLs, data: URLs, base64 and
 * provider file ids, with the media type the SDK detects.
 */
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
sniff(const char *b64)
{
	unsigned char b[16];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	for (const char *p = b64; *p && n < sizeof b; p++) {
		int v = b64val((unsigned char)*p);
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

static int
has_scheme(const char *s)
{
	const char *p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

/* A URL as WHATWG URL.toString() writes the common cases: scheme and
   host lower-cased, default port dropped, "/" for an empty path,
   spaces, controls, quotes and non-ASCII bytes percent-encoded. */
static val
normalize_url(struct ctx *c, const char *u)
{
	struct bw_sb out = { .a = c->a };
	const char *p = u, *hostend;
	char buf[16];
	int special, lower = 1;

	while (*p && *p != ':')
		p++;
	for (const char *q = u; q < p; q++) {
		char ch = *q >= 'A' && *q <= 'Z' ? *q + 32 : *q;
		bw_sb_add(&out, &ch, 1);
	}
	bw_sb_add(&out, ":", strlen(":"));
	special = !strcmp(out.p, "http:") || !strcmp(out.p, "https:");
	int https = !strcmp(out.p, "https:");
	p++;
	if (special && p[0] == '/' && p[1] == '/') {
		bw_sb_add(&out, "//", strlen("//"));
		p += 2;
		hostend = p + strcspn(p, "/?#");
		const char *colon = NULL;
		for (const char *q = p; q < hostend; q++) {
			if (*q == '@')
				lower = 1;
			if (*q == ':')
				colon = q;
		}
		const char *hend = colon ? colon : hostend;
		for (const char *q = p; q < hend; q++) {
			char ch = lower && *q >= 'A' && *q <= 'Z' ? *q + 32 : *q;
			bw_sb_add(&out, &ch, 1);
		}
		if (colon) {
			const char *port = colon + 1;
			size_t n = hostend - port;
			if (!((https && n == 3 && !strncmp(port, "443", 3)) ||
			    (!https && n == 2 && !strncmp(port, "80", 2)) || n == 0))
				bw_sb_add(&out, colon, hostend - colon);
		}
		p = hostend;
		if (*p != '/')
			bw_sb_add(&out, "/", strlen("/"));
	}
	int part = 0;		/* 0 path, 1 query, 2 fragment */
	for (; *p; p++) {
		unsigned char ch = *p;
		int enc;
		if (ch == '?' && part == 0)
			part = 1;
		else if (ch == '#' && part < 2)
			part = 2;
		enc = ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' ||
		    ch == '>' || (part != 1 && ch == '`') ||
		    (part == 0 && (ch == '{' || ch == '}')) ||
		    (part == 1 && special && ch == '\'');
		if (enc) {
			snprintf(buf, sizeof buf, "%%%02X", ch);
			bw_sb_add(&out, buf, strlen(buf));
		} else {
			bw_sb_add(&out, (const char *)&ch, 1);
		}
	}
	return bw_sb_val(&out);
}

/* Reads an image or file part's data into f. */
static int
file_data(struct ctx *c, val data, const char *mt, const char *where,
    struct file *f)
{
	f->url = f->data = f->fileid = bw_of(BW_NONE);
	snprintf(f->mt, sizeof f->mt, "%s", mt);
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
		} else if (bw_is(type, "data") && isstr(bw_get(data, "data")))
			data = bw_get(data, "data");
		else {
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
	const char *s = str(data);
	if (!strncmp(s, "data:", 5)) {
		const char *comma = strchr(s, ',');
		const char *semi = strstr(s, ";base64,");
		if (!comma || !semi || semi + 7 != comma) {
			fail(c, "%s: a data: URL that is not base64", where);
			return -1;
		}
		if (semi > s + 5)
			snprintf(f->mt, sizeof f->mt, "%.*s", (int)(semi - s - 5), s + 5);
		f->data = bw_str(c->a, comma + 1, strlen(comma + 1));
	} else if (has_scheme(s)) {
		f->url = normalize_url(c, s);
		return 0;
	} else {
		f->data = data;
	}
	const char *img = sniff(str(f->data));
	if (img)
		snprintf(f->mt, sizeof f->mt, "%s", img);
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
	if (file_data(c, bw_get(p, "data"), str(mt), where, f) < 0)
		return -1;
	f->detail = bw_get(bw_get(bw_get(p, "providerOptions"), "openai"), "imageDetail");
	return 0;
}

val
data_url(struct ctx *c, struct file *f)
{
	return bw_strf(c->a, "data:%s;base64,%s", f->mt, str(f->data));
}
