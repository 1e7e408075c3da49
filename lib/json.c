/*
 * json.c: a strict JSON reader into arena values (struct bw_v), and a
 * lean writer for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

enum { MAXDEPTH = 256 };

/* Containers collect their items on a stack first (one per thread) and
 * move to the arena when they end, so that each is one array of the
 * right size. */

struct jp {
	const unsigned char *p, *end;
	const char *why;
	int depth;
	int keep;		/* values nested deeper are checked, not built */
	struct bw_arena *a;
};

/* per thread, so that workers (par.c) can read at the same time */
static BW_TLS char *scratch;
static BW_TLS size_t scratchcap;
static BW_TLS struct bw_m *stack;
static BW_TLS size_t nstack, capstack;

static void
grow(size_t n)
{
	if (n <= scratchcap)
		return;
	scratchcap = n < 4096 ? 4096 : n * 2;
	free(scratch);
	if (!(scratch = malloc(scratchcap)))
		bw_die(BW_EX_IOERR, "out of memory");
}

static struct bw_m *
push(void)
{
	if (nstack == capstack) {
		capstack = capstack ? capstack * 2 : 256;
		if (!(stack = realloc(stack, capstack * sizeof *stack)))
			bw_die(BW_EX_IOERR, "out of memory");
	}
	return &stack[nstack++];
}

static int
fail(struct jp *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return -1;
}

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

/* Length of the UTF-8 sequence at p (valid, shortest form, no
   surrogates, at most U+10FFFF), or 0. */
static int
utf8len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n;
	unsigned min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
bw_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int k;

	for (; p < end; p += k)
		if (!(k = utf8len(p, end)))
			return 0;
	return 1;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return 0;
	}
	return 1;
}

static size_t
put8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3f);
	o[2] = 0x80 | (cp >> 6 & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* The end of the run of plain string bytes at p (not '"', '\\' or a
   control byte; whole, valid UTF-8 sequences), or NULL with the error
   set.  Eight bytes at a time while they are plain ASCII. */
static const unsigned char *
plain(struct jp *j, const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;

	for (;;) {
		while (j->end - p >= 8) {
			uint64_t w, q, b;
			memcpy(&w, p, 8);
			q = w ^ ones * '"';
			b = w ^ ones * '\\';
			if (((w - ones * 0x20) | (q - ones) | (b - ones) | w) &
			    high)
				break;
			p += 8;
		}
		if (p == j->end || *p == '"' || *p == '\\')
			return p;
		if (*p < 0x20)
			return j->p = p, fail(j, "control character in a string"),
			    NULL;
		if (*p < 0x80) {
			p++;
			continue;
		}
		int n = utf8len(p, j->end);
		if (!n)
			return j->p = p, fail(j, "invalid UTF-8"), NULL;
		p += n;
	}
}

static const char *
keep_string(struct jp *j, const char *s, size_t n)
{
	char *c = bw_alloc(j->a, n + 1);

	memcpy(c, s, n);
	c[n] = 0;
	return c;
}

/* A string at j->p into *v (kind, n and u.s). */
static int
string(struct jp *j, struct bw_v *v)
{
	const unsigned char *s = ++j->p, *p;
	size_t o;
	int build = j->depth <= j->keep;

	/* the common case: no escapes, copied once */
	if (!(p = plain(j, s)))
		return -1;
	if (p == j->end)
		return j->p = p, fail(j, "unterminated string");
	v->kind = BW_STR;
	if (*p == '"') {
		j->p = p + 1;
		v->n = p - s;
		v->u.s = build ? keep_string(j, (const char *)s, p - s) : "";
		return 0;
	}
	grow(j->end - s);
	memcpy(scratch, s, p - s);
	o = p - s;
	while (p < j->end && *p != '"') {
		if (*p == '\\') {
			unsigned cp, lo;
			if (++p == j->end)
				break;
			switch (*p++) {
			case '"': scratch[o++] = '"'; continue;
			case '\\': scratch[o++] = '\\'; continue;
			case '/': scratch[o++] = '/'; continue;
			case 'b': scratch[o++] = '\b'; continue;
			case 'f': scratch[o++] = '\f'; continue;
			case 'n': scratch[o++] = '\n'; continue;
			case 'r': scratch[o++] = '\r'; continue;
			case 't': scratch[o++] = '\t'; continue;
			case 'u': break;
			default:
				return j->p = p - 1, fail(j, "invalid escape in a string");
			}
			if (j->end - p < 4 || !hex4(p, &cp))
				return j->p = p, fail(j, "invalid \\u escape");
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return j->p = p - 6, fail(j, "lone surrogate in a \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    !hex4(p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return j->p = p - 6, fail(j, "lone surrogate in a \\u escape");
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put8(scratch + o, cp);
			continue;
		}
		const unsigned char *run = p;
		if (!(p = plain(j, p)))
			return -1;
		memcpy(scratch + o, run, p - run);
		o += p - run;
	}
	if (p == j->end)
		return j->p = p, fail(j, "unterminated string");
	j->p = p + 1;
	v->n = o;
	v->u.s = build ? keep_string(j, scratch, o) : "";
	return 0;
}

static int
number(struct jp *j, struct bw_v *v)
{
	const unsigned char *s = j->p, *p = s;
	int plain = 1;
	char buf[64];
	double d;

	if (p < j->end && *p == '-')
		p++;
	if (p < j->end && *p == '0')
		p++;
	else if (p < j->end && *p >= '1' && *p <= '9')
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	else
		return j->p = s, fail(j, "invalid number");
	if (p < j->end && *p == '.') {
		plain = 0;
		if (++p == j->end || *p < '0' || *p > '9')
			return j->p = p, fail(j, "invalid number");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		plain = 0;
		if (++p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p == j->end || *p < '0' || *p > '9')
			return j->p = p, fail(j, "invalid number");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	v->kind = BW_NUM;
	if (plain && p - s <= 16) {
		const unsigned char *q = s + (*s == '-');
		long long n = 0;
		while (q < p)
			n = n * 10 + (*q++ - '0');
		v->u.num = *s == '-' ? -(double)n : (double)n;
		return 0;
	}
	if ((size_t)(p - s) < sizeof buf) {
		memcpy(buf, s, p - s);
		buf[p - s] = 0;
		d = strtod(buf, NULL);
	} else {
		grow(p - s + 1);
		memcpy(scratch, s, p - s);
		scratch[p - s] = 0;
		d = strtod(scratch, NULL);
	}
	if (isinf(d))
		return j->p = s, fail(j, "number out of range");
	v->u.num = d;
	return 0;
}

static int value(struct jp *j, struct bw_v *v);

/* Moves the items stacked since base into the arena as v's. */
static void
collect(struct jp *j, struct bw_v *v, size_t base)
{
	size_t n = nstack - base;

	v->n = n;
	v->u.m = n ? bw_alloc(j->a, n * sizeof *stack) : NULL;
	if (n)
		memcpy(v->u.m, stack + base, n * sizeof *stack);
	nstack = base;
}

static int
array(struct jp *j, struct bw_v *v)
{
	size_t base = nstack;
	int build = j->depth <= j->keep;
	struct bw_v x;

	v->kind = build ? BW_ARR : BW_NULL;
	v->grow = 0;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return collect(j, v, base), 0;
	}
	for (;;) {
		if (value(j, &x) < 0)
			return nstack = base, -1;
		if (build) {
			struct bw_m *m = push();
			m->k = NULL;
			m->kn = 0;
			m->v = x;
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return collect(j, v, base), 0;
		}
		nstack = base;
		return fail(j, j->p == j->end ? "unexpected end of line" :
		    "expected , or ] in an array");
	}
}

/* JSON.parse keeps the first place of a repeated key and its last
   value: so must we. */
static void
dedupe(size_t base)
{
	size_t n = nstack - base, out = base;
	struct bw_m *m = stack;

	if (n < 2)
		return;
	if (n <= 16) {
		for (size_t i = base; i < nstack; i++) {
			size_t k;
			for (k = base; k < out; k++)
				if (m[k].kn == m[i].kn &&
				    !memcmp(m[k].k, m[i].k, m[i].kn))
					break;
			if (k < out)
				m[k].v = m[i].v;
			else
				m[out++] = m[i];
		}
		nstack = out;
		return;
	}
	/* many keys: an open-addressing table of indexes */
	size_t cap = 32;
	while (cap < 2 * n)
		cap *= 2;
	size_t *t = malloc(cap * sizeof *t);
	if (!t)
		bw_die(BW_EX_IOERR, "out of memory");
	memset(t, 0xff, cap * sizeof *t);
	for (size_t i = base; i < nstack; i++) {
		uint64_t h = 1469598103934665603ULL;
		for (size_t b = 0; b < m[i].kn; b++)
			h = (h ^ (unsigned char)m[i].k[b]) * 1099511628211ULL;
		size_t s = h & (cap - 1);
		while (t[s] != (size_t)-1 && !(m[t[s]].kn == m[i].kn &&
		    !memcmp(m[t[s]].k, m[i].k, m[i].kn)))
			s = (s + 1) & (cap - 1);
		if (t[s] != (size_t)-1) {
			m[t[s]].v = m[i].v;
		} else {
			t[s] = out;
			m[out++] = m[i];
		}
	}
	free(t);
	nstack = out;
}

static int
object(struct jp *j, struct bw_v *v)
{
	size_t base = nstack;
	int build = j->depth <= j->keep;
	struct bw_v k, x;

	v->kind = build ? BW_OBJ : BW_NULL;
	v->grow = 0;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return collect(j, v, base), 0;
	}
	for (;;) {
		ws(j);
		if (j->p == j->end || *j->p != '"') {
			nstack = base;
			return fail(j, j->p == j->end ? "unexpected end of line" :
			    "expected a string key in an object");
		}
		if (string(j, &k) < 0)
			return nstack = base, -1;
		ws(j);
		if (j->p == j->end || *j->p != ':') {
			nstack = base;
			return fail(j, j->p == j->end ? "unexpected end of line" :
			    "expected : after a key");
		}
		j->p++;
		if (value(j, &x) < 0)
			return nstack = base, -1;
		if (build) {
			struct bw_m *m = push();
			m->k = k.u.s;
			m->kn = k.n;
			m->v = x;
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			dedupe(base);
			return collect(j, v, base), 0;
		}
		nstack = base;
		return fail(j, j->p == j->end ? "unexpected end of line" :
		    "expected , or } in an object");
	}
}

static int
word(struct jp *j, const char *w, size_t n)
{
	if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, w, n)) {
		j->p += n;
		return 1;
	}
	return 0;
}

static int
value(struct jp *j, struct bw_v *v)
{
	int rc;

	ws(j);
	v->n = 0;
	v->grow = 0;
	if (j->p == j->end)
		return fail(j, "unexpected end of line");
	switch (*j->p) {
	case '"':
		return string(j, v);
	case '{':
	case '[':
		if (++j->depth > MAXDEPTH)
			return fail(j, "nested deeper than 256 levels");
		rc = *j->p == '{' ? object(j, v) : array(j, v);
		j->depth--;
		return rc;
	case 't':
		if (word(j, "true", 4))
			return v->kind = BW_TRUE, 0;
		break;
	case 'f':
		if (word(j, "false", 5))
			return v->kind = BW_FALSE, 0;
		break;
	case 'n':
		if (word(j, "null", 4))
			return v->kind = BW_NULL, 0;
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return number(j, v);
	}
	if (*j->p < 0x20)
		return fail(j, "control character");
	if (*j->p >= 0x80 && !utf8len(j->p, j->end))
		return fail(j, "invalid UTF-8");
	if (j->end - j->p >= 3 && !memcmp(j->p, "\xef\xbb\xbf", 3))
		return fail(j, "a byte order mark (U+FEFF): save the file "
		    "as UTF-8 without one");
	return fail(j, "unexpected character");
}

struct bw_v
bw_read(struct bw_arena *a, const char *s, size_t n, int depth,
    const char **why, size_t *col)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + n,
	    NULL, 0, depth, a };
	struct bw_v v = bw_of(BW_NONE);
	int rc = n > INT32_MAX ? fail(&j, "a line of 2 GiB or more") :
	    value(&j, &v);

	if (rc == 0) {
		ws(&j);
		if (j.p != j.end)
			rc = fail(&j, *j.p < 0x20 ? "control character" :
			    "more than one JSON value");
	}
	if (rc < 0) {
		*why = j.why;
		if (col)
			*col = j.p - (const unsigned char *)s + 1;
		return bw_of(BW_NONE);
	}
	return v;
}

/* --- writing --- */

static const char hexd[] = "0123456789abcdef";

/* 1 for the bytes a JSON string must escape */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	['\\'] = 1,
};

void
bw_out_jstr(struct bw_out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;

	bw_out_char(o, '"');
	while (p < end) {
		run = p;
		/* eight bytes at a time while none is '"', '\\' or below
		   0x20 (the zero-byte tests of Hacker's Delight) */
		while (end - p >= 8) {
			const uint64_t ones = 0x0101010101010101ULL,
			    high = ones * 0x80;
			uint64_t w, q, b;
			memcpy(&w, p, 8);
			q = w ^ ones * '"';
			b = w ^ ones * '\\';
			if (((w - ones * 0x20) | (q - ones) | (b - ones)) & ~w &
			    high)
				break;
			p += 8;
		}
		while (p < end && !needs_escape[*p])
			p++;
		if (p > run)
			bw_out_write(o, run, p - run);
		if (p == end)
			break;
		char e[6] = { '\\', 0 };
		size_t en = 2;
		switch (*p) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			e[1] = 'u'; e[2] = '0'; e[3] = '0';
			e[4] = hexd[*p >> 4]; e[5] = hexd[*p & 15];
			en = 6;
		}
		bw_out_write(o, e, en);
		p++;
	}
	bw_out_char(o, '"');
}

/* A number as JavaScript's Number.prototype.toString writes it: the
   shortest digits that read back as d, plain up to 1e21, exponential
   below 1e-6. */
void
bw_out_number(struct bw_out *o, double d)
{
	char buf[40], digits[24], out[48];
	int n, nd = 0, exp, k = 0;

	if (isnan(d)) {
		bw_out_write(o, "null", 4);
		return;
	}
	if (d == floor(d) && fabs(d) < 1e16) {
		long long v = (long long)d;
		char *p = buf + sizeof buf;
		unsigned long long u = v < 0 ? -(unsigned long long)v :
		    (unsigned long long)v;
		do
			*--p = '0' + u % 10;
		while (u /= 10);
		if (v < 0)
			*--p = '-';
		bw_out_write(o, p, buf + sizeof buf - p);
		return;
	}
	if (isinf(d)) {
		bw_out_write(o, "null", 4);	/* as JSON.stringify */
		return;
	}
	for (int prec = 0; prec <= 16; prec++) {
		n = snprintf(buf, sizeof buf, "%.*e", prec, d);
		if (prec == 16 || strtod(buf, NULL) == d)
			break;
	}
	/* buf: [-]D[.DDD]e[+-]XX */
	char *p = buf, *e = strchr(buf, 'e');
	if (*p == '-')
		out[k++] = *p++;
	for (; p < e; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp = atoi(e + 1) + 1;	/* the decimal point after exp digits */
	if (nd <= exp && exp <= 21) {
		memcpy(out + k, digits, nd);
		k += nd;
		for (int i = nd; i < exp; i++)
			out[k++] = '0';
	} else if (0 < exp && exp <= 21) {
		memcpy(out + k, digits, exp);
		k += exp;
		out[k++] = '.';
		memcpy(out + k, digits + exp, nd - exp);
		k += nd - exp;
	} else if (-6 < exp && exp <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (int i = exp; i < 0; i++)
			out[k++] = '0';
		memcpy(out + k, digits, nd);
		k += nd;
	} else {
		out[k++] = digits[0];
		if (nd > 1) {
			out[k++] = '.';
			memcpy(out + k, digits + 1, nd - 1);
			k += nd - 1;
		}
		k += snprintf(out + k, sizeof out - k, "e%c%d",
		    exp - 1 < 0 ? '-' : '+', abs(exp - 1));
	}
	(void)n;
	bw_out_write(o, out, k);
}

/* An array index as JavaScript sees a key: 0 or [1-9][0-9]* up to
   2^32 - 2. */
static int
index_key(const char *s, size_t n, double *v)
{
	char *end;

	if (n == 0 || n > 10 || s[0] < '0' || s[0] > '9' ||
	    (s[0] == '0' && n > 1) || strspn(s, "0123456789") != n)
		return 0;
	*v = strtod(s, &end);
	return !*end && *v <= 4294967294.0;
}

static void
out_vmember(struct bw_out *o, const struct bw_m *m, int *first)
{
	if (!*first)
		bw_out_char(o, ',');
	*first = 0;
	bw_out_jstr(o, m->k, m->kn);
	bw_out_char(o, ':');
	bw_out_v(o, m->v);
}

/* Keys in insertion order; with jsorder, as a JavaScript object holds
   them: array-index keys first, ascending. */
static void
out_vobject(struct bw_out *o, struct bw_v v)
{
	struct ik { double d; uint32_t i; } *ix = NULL, t;
	int first = 1, nidx = 0;
	double d;

	bw_out_char(o, '{');
	for (uint32_t i = 0; o->jsorder && i < v.n; i++) {
		if (!index_key(v.u.m[i].k, v.u.m[i].kn, &d))
			continue;
		if (!ix && !(ix = malloc(v.n * sizeof *ix)))
			bw_die(BW_EX_IOERR, "out of memory");
		ix[nidx].d = d;
		ix[nidx++].i = i;
	}
	for (int a = 1; a < nidx; a++)	/* few keys: insertion sort */
		for (int b = a; b > 0 && ix[b - 1].d > ix[b].d; b--)
			t = ix[b], ix[b] = ix[b - 1], ix[b - 1] = t;
	for (int a = 0; a < nidx; a++)
		out_vmember(o, &v.u.m[ix[a].i], &first);
	for (uint32_t i = 0; i < v.n; i++)
		if (!nidx || !index_key(v.u.m[i].k, v.u.m[i].kn, &d))
			out_vmember(o, &v.u.m[i], &first);
	free(ix);
	bw_out_char(o, '}');
}

void
bw_out_v(struct bw_out *o, struct bw_v v)
{
	switch (v.kind) {
	case BW_NONE:
	case BW_NULL:
		bw_out_write(o, "null", 4);
		break;
	case BW_TRUE:
		bw_out_write(o, "true", 4);
		break;
	case BW_FALSE:
		bw_out_write(o, "false", 5);
		break;
	case BW_NUM:
		bw_out_number(o, v.u.num);
		break;
	case BW_STR:
		bw_out_jstr(o, v.u.s, v.n);
		break;
	case BW_ARR:
		bw_out_char(o, '[');
		for (uint32_t i = 0; i < v.n; i++) {
			if (i)
				bw_out_char(o, ',');
			bw_out_v(o, v.u.m[i].v);
		}
		bw_out_char(o, ']');
		break;
	case BW_OBJ:
		out_vobject(o, v);
		break;
	}
}

struct bw_v
bw_dump(struct bw_arena *a, struct bw_v v)
{
	struct bw_out o;
	struct bw_v s;

	bw_out_open(&o, -1, "json", 0);
	o.jsorder = 1;
	bw_out_v(&o, v);
	s = bw_str(a, o.buf, o.n);
	bw_out_discard(&o);
	return s;
}

const char *
bw_quote(const char *s, size_t n, size_t max)
{
	static BW_TLS char buf[512];
	size_t o = 0;

	if (max > 64 * 1024 || max > sizeof buf - 16)
		max = sizeof buf - 16;
	buf[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		/* a character's first byte: all of it fits, or none */
		size_t w = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (o + w > max) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = c;
		} else if (c < 0x20 || c == 0x7f) {
			o += snprintf(buf + o, 8, "\\u%04x", c);
		} else {
			buf[o++] = c;
		}
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

void
bw_json_thread_end(void)
{
	free(scratch);
	scratch = NULL;
	scratchcap = 0;
	free(stack);
	stack = NULL;
	nstack = capstack = 0;
}
