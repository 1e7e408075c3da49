/*
 * schema.c: does a JSON value fit a JSON Schema (bw_schema_check)?
 *
 * The subset structured outputs take, and a little more, each keyword
 * checked exactly as JSON Schema (2020-12) says: type, enum, const,
 * properties, required, additionalProperties, propertyNames,
 * minProperties, maxProperties, dependentRequired, dependentSchemas,
 * items, prefixItems, minItems, maxItems, uniqueItems, contains,
 * minContains, maxContains, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum (also draft 4's boolean form), multipleOf (on the
 * numbers' decimal values, so 0.07 is a multiple of 0.01), minLength,
 * maxLength (in code points), format (date-time, date, time, duration,
 * email, hostname, ipv4, ipv6, uuid: each as its RFC's grammar says),
 * allOf, anyOf, oneOf, not, if/then/else, $ref (a JSON Pointer into
 * the root: "#", "#/$defs/x", "#/definitions/x"; followed last) and
 * true/false as schemas.  Other keywords are ignored, as JSON Schema
 * ignores unknown ones, and so are other formats (an annotation only,
 * in 2020-12); so are pattern and patternProperties, whose regexes are
 * ECMAScript's, which no C library here speaks (with patternProperties
 * present, additionalProperties leaves the properties not in
 * properties alone rather than guess), unevaluatedProperties and
 * unevaluatedItems, and $id, $anchor and $dynamicRef ("#..." always
 * points into the root).
 *
 * A schema that cannot be checked (a keyword of the wrong kind, a $ref
 * that names nothing or loops, nesting past MAXDEPTH, a check past its
 * budget of steps) is a misfit that ends the whole check: it is never
 * taken as one branch of anyOf failing, nor as not's schema failing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bw.h"

enum { MAXDEPTH = 64 };

/* Where in the value: a chain of keys and indices up to the root, on
   the stack of the calls that walk down. */
struct path {
	const struct path *up;
	const char *k;		/* a key, or NULL: index i */
	size_t kn;
	uint32_t i;
};

/* A schema being applied (for finding $ref loops). */
struct frame {
	const struct frame *up;
	struct bw_v s;
	const struct path *at;
};

struct ctx {
	struct bw_v root;
	const char *why;
	int fatal;		/* the schema cannot be checked: stop */
	uint64_t steps, budget;
};

/* --- messages --- */

enum { SEGMAX = 60, PATHMAX = 480 };

/* One segment of a JSON Pointer (~ as ~0, / as ~1), a control byte as
   \u00XX so that the message stays one line, cut after SEGMAX bytes. */
static size_t
segment(char *out, const struct path *p)
{
	size_t o = 0;

	out[o++] = '/';
	if (!p->k)
		return o + snprintf(out + o, 12, "%lu", (unsigned long)p->i);
	for (size_t i = 0; i < p->kn; i++) {
		unsigned char c = p->k[i];
		/* a character's first byte: all of it fits, or none */
		size_t w = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (c == '~' || c == '/')
			w = 2;
		else if (c < 0x20 || c == 0x7f)
			w = 6;
		if (o + w > SEGMAX) {
			memcpy(out + o, "...", 3);
			return o + 3;
		}
		if (c == '~' || c == '/') {
			out[o++] = '~';
			out[o++] = c == '~' ? '0' : '1';
		} else if (w == 6) {
			o += snprintf(out + o, 7, "\\u%04x", c);
		} else {
			out[o++] = c;
		}
	}
	return o;
}

/* The path as a JSON Pointer ("the value" for the root), in a buffer
   of the thread's; a very long one keeps its ends around "/...". */
static const char *
where(const struct path *at)
{
	static BW_TLS char buf[PATHMAX + 16];
	const struct path *seg[MAXDEPTH + 2];
	size_t len[MAXDEPTH + 2], n = 0, total = 0, o = 0, i = 0, j, tail;

	for (const struct path *p = at; p && n < MAXDEPTH + 2; p = p->up)
		n++;
	if (!n)
		return "the value";
	j = n;
	for (const struct path *p = at; j; p = p->up) {
		seg[--j] = p;
		total += len[j] = segment(buf, p);
	}
	j = 0;
	if (total > PATHMAX) {	/* the first and last segments that fit */
		while (i < n && o + len[i] <= PATHMAX / 2)
			o += len[i++];
		for (tail = 0, j = n; j > i && tail + len[j - 1] <=
		    PATHMAX / 2 - 4; j--)
			tail += len[j - 1];
	}
	o = 0;
	for (size_t k = 0; k < n; k++) {
		if (k == i && j > i) {
			memcpy(buf + o, "/...", 4);
			o += 4;
			k = j - 1;
			continue;
		}
		o += segment(buf + o, seg[k]);
	}
	buf[o] = 0;
	return buf;
}

/* A number as a person writes it. */
static const char *
numstr(double d, char buf[32])
{
	if (d == floor(d) && fabs(d) < 1e16) {
		snprintf(buf, 32, "%.0f", d);
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

/* A short piece of v for a message (in buf, or static). */
static const char *
show(struct bw_v v, char buf[72])
{
	switch (v.kind) {
	case BW_NULL:
		return "null";
	case BW_FALSE:
		return "false";
	case BW_TRUE:
		return "true";
	case BW_NUM:
		return numstr(v.u.num, buf);
	case BW_STR:
		snprintf(buf, 72, "%s", bw_quote(v.u.s, v.n, 40));
		return buf;
	}
	return bw_kindname(v);
}

static int
misfit(struct ctx *c, const char *why)
{
	c->why = why;
	return -1;
}

static int
bad_schema(struct ctx *c, const char *why)
{
	c->fatal = 1;
	return misfit(c, why);
}

/* A keyword's value of the wrong kind. */
static int
bad_keyword(struct ctx *c, const struct path *at, const char *kw,
	    struct bw_v x, const char *want)
{
	return bad_schema(c, bw_why("%s: the schema's %s is %s, not %s",
	    where(at), kw, bw_kindname(x), want));
}

/* --- numbers --- */

/* d as mant * 10^exp, from its shortest decimal form (the digits of
   the JSON text it was read from, for up to 15 of them). */
static void
decimal(double d, uint64_t *mant, int *exp)
{
	char buf[40], *e;
	uint64_t m = 0;
	int nd = 0;

	for (int prec = 0; prec <= 16; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec, fabs(d));
		if (prec == 16 || strtod(buf, NULL) == fabs(d))
			break;
	}
	e = strchr(buf, 'e');
	for (char *p = buf; p < e; p++)
		if (*p != '.') {
			m = m * 10 + (*p - '0');
			nd++;
		}
	*exp = atoi(e + 1) - (nd - 1);
	while (m && m % 10 == 0) {
		m /= 10;
		++*exp;
	}
	*mant = m;
}

/* 1 if v / m (m > 0) is a whole number, on their decimal values. */
static int
multiple(double v, double m)
{
	uint64_t a, b, r;
	int ea, eb;

	if (v == 0)
		return 1;
	if (v == floor(v) && m == floor(m) && fabs(v) < 9007199254740992.0)
		return fmod(v, m) == 0;
	decimal(v, &a, &ea);
	decimal(m, &b, &eb);
	if (ea >= eb) {		/* a * 10^(ea-eb) mod b */
		r = a % b;
		for (int k = ea - eb; k > 0 && r; k--)
			r = r * 10 % b;
		return r == 0;
	}
	for (int k = eb - ea; k > 0; k--) {	/* a mod b * 10^(eb-ea) */
		if (b > a / 10)
			return 0;
		b *= 10;
	}
	return a % b == 0;
}

/* --- the check --- */

static int check(struct ctx *c, struct bw_v s, struct bw_v v,
		 const struct path *at, const struct frame *up, int depth);

/* A subschema of keyword kw; false says which keyword refused. */
static int
sub(struct ctx *c, const char *kw, struct bw_v s, struct bw_v v,
    const struct path *at, const struct frame *up, int depth)
{
	if (s.kind == BW_FALSE)
		return misfit(c, bw_why("%s: not allowed (%s is false)",
		    where(at), kw));
	return check(c, s, v, at, up, depth + 1);
}

/* The next character of a URI fragment (%XX decoded) at *i, or -1. */
static int
fragment_char(const char *p, size_t pn, size_t *i)
{
	static const char hex[] = "0123456789abcdef";
	const char *h, *l;

	if (*i >= pn)
		return -1;
	if (p[*i] != '%')
		return (unsigned char)p[(*i)++];
	if (*i + 2 >= pn)
		return -1;
	if (!(h = strchr(hex, p[*i + 1] | 0x20)) ||
	    !(l = strchr(hex, p[*i + 2] | 0x20)))
		return -1;
	*i += 3;
	return (h - hex) * 16 + (l - hex);
}

/* 1 if the bytes of key equal the JSON Pointer segment p (as in a URI
   fragment: %XX, then ~0 for ~ and ~1 for /). */
static int
segment_is(const char *p, size_t pn, const char *key, size_t kn)
{
	size_t i = 0, j = 0;
	int ch;

	while (i < pn) {
		if ((ch = fragment_char(p, pn, &i)) < 0)
			return 0;
		if (ch == '~') {
			ch = fragment_char(p, pn, &i);
			if (ch != '0' && ch != '1')
				return 0;
			ch = ch == '0' ? '~' : '/';
		}
		if (j >= kn || (unsigned char)key[j] != ch)
			return 0;
		j++;
	}
	return j == kn;
}

/* The schema a local $ref names, or BW_NONE. */
static struct bw_v
resolve(struct bw_v root, const char *r, size_t n)
{
	struct bw_v x = root;
	size_t i = 1, e;

	if (!n || r[0] != '#' || (n > 1 && r[1] != '/'))
		return bw_of(BW_NONE);
	while (i < n) {
		i++;	/* the / */
		for (e = i; e < n && r[e] != '/'; e++)
			;
		if (x.kind == BW_OBJ) {
			struct bw_v next = bw_of(BW_NONE);
			BW_EACH(x, k, m)
				if (segment_is(r + i, e - i, m->k, m->kn))
					next = m->v;
			x = next;
		} else if (x.kind == BW_ARR) {
			uint32_t idx = 0;
			if (e == i || e - i > 9 || (r[i] == '0' && e - i > 1))
				return bw_of(BW_NONE);
			for (size_t k = i; k < e; k++) {
				if (r[k] < '0' || r[k] > '9')
					return bw_of(BW_NONE);
				idx = idx * 10 + (r[k] - '0');
			}
			x = bw_idx(x, idx);
		} else {
			return bw_of(BW_NONE);
		}
		if (x.kind == BW_NONE)
			return x;
		i = e;
	}
	return x;
}

static int
check_ref(struct ctx *c, struct bw_v ref, struct bw_v v,
	  const struct path *at, const struct frame *fr, int depth)
{
	struct bw_v t;

	if (ref.kind != BW_STR)
		return bad_keyword(c, at, "$ref", ref, "a string");
	if (!ref.n || ref.u.s[0] != '#')
		return bad_schema(c, bw_why("%s: $ref %s is not within the "
		    "schema (only \"#...\" is followed)", where(at),
		    bw_quote(ref.u.s, ref.n, 60)));
	t = resolve(c->root, ref.u.s, ref.n);
	if (t.kind == BW_NONE)
		return bad_schema(c, bw_why("%s: $ref %s names nothing in "
		    "the schema", where(at), bw_quote(ref.u.s, ref.n, 60)));
	/* the same schema again on the same value: it would never end */
	for (const struct frame *f = fr; f && f->at == at; f = f->up)
		if (t.kind == BW_OBJ && t.n && f->s.kind == BW_OBJ &&
		    f->s.u.m == t.u.m && f->s.n == t.n)
			return bad_schema(c, bw_why("%s: $ref %s loops (it "
			    "comes back to the same schema for the same "
			    "value)", where(at), bw_quote(ref.u.s, ref.n,
			    60)));
	return check(c, t, v, at, fr, depth + 1);
}

static const char *const types[] = { "null", "boolean", "object", "array",
	"number", "string", "integer" };
static const char *const typenames[] = { "null", "a boolean",
	"an object", "an array", "a number", "a string", "an integer" };

/* The bit of a type name, or 0. */
static unsigned
type_bit(struct bw_v t)
{
	for (unsigned i = 0; i < sizeof types / sizeof *types; i++)
		if (bw_is(t, types[i]))
			return 1u << i;
	return 0;
}

static int
check_type(struct ctx *c, struct bw_v t, struct bw_v v,
	   const struct path *at)
{
	unsigned want = 0, have;
	char buf[200], num[32];
	size_t o = 0;

	if (t.kind == BW_STR) {
		want = type_bit(t);
		if (!want)
			return bad_schema(c, bw_why("%s: the schema's type %s "
			    "is not a type name", where(at),
			    bw_quote(t.u.s, t.n, 40)));
	} else if (t.kind == BW_ARR && t.n) {
		BW_EACH(t, i, m) {
			unsigned b = type_bit(m->v);
			if (!b)
				return bad_schema(c, bw_why("%s: the schema's "
				    "type[%u] is not a type name", where(at),
				    (unsigned)i));
			want |= b;
		}
	} else {
		return bad_keyword(c, at, "type", t,
		    "a string or a non-empty array");
	}
	switch (v.kind) {
	case BW_NULL: have = 1; break;
	case BW_FALSE: case BW_TRUE: have = 2; break;
	case BW_OBJ: have = 4; break;
	case BW_ARR: have = 8; break;
	case BW_STR: have = 32; break;
	case BW_NUM:
		have = 16;
		if (v.u.num == floor(v.u.num) && isfinite(v.u.num))
			have |= 64;
		break;
	default: have = 0;
	}
	if (want & have)
		return 0;
	BW_EACH(t, i, m)	/* the names in the schema's order */
		if (o < sizeof buf)
			o += snprintf(buf + o, sizeof buf - o, "%s%s", !i ? "" :
			    i + 1 == t.n ? " or " : ", ",
			    typenames[ffs(type_bit(m->v)) - 1]);
	if (t.kind == BW_STR)
		snprintf(buf, sizeof buf, "%s", typenames[ffs(want) - 1]);
	if (v.kind == BW_NUM && (want & 64) && !(want & 16))
		return misfit(c, bw_why("%s: %s, not %s", where(at),
		    numstr(v.u.num, num), buf));
	return misfit(c, bw_why("%s: %s, not %s", where(at), bw_kindname(v),
	    buf));
}

/* A keyword that must be a whole number >= 0: 1 and *n, 0 if absent,
   -1 (the check failed) if of the wrong kind. */
static int
count_kw(struct ctx *c, struct bw_v s, const char *kw, const struct path *at,
	 double *n)
{
	struct bw_v x = bw_get(s, kw);

	if (x.kind == BW_NONE)
		return 0;
	if (x.kind != BW_NUM || x.u.num < 0 || x.u.num != floor(x.u.num))
		return bad_keyword(c, at, kw, x, "a whole number >= 0");
	*n = x.u.num;
	return 1;
}

/* The number keyword kw: 1 and *n, 0 if absent, -1 if of the wrong
   kind. */
static int
num_kw(struct ctx *c, struct bw_v s, const char *kw, const struct path *at,
       double *n)
{
	struct bw_v x = bw_get(s, kw);

	if (x.kind == BW_NONE)
		return 0;
	if (x.kind != BW_NUM)
		return bad_keyword(c, at, kw, x, "a number");
	*n = x.u.num;
	return 1;
}

/* minX/maxX on a count of things. */
static int
check_count(struct ctx *c, struct bw_v s, const char *minkw,
	    const char *maxkw, double have, const char *one, const char *many,
	    const struct path *at)
{
	double lim;
	int r;

	if ((r = count_kw(c, s, minkw, at, &lim)) < 0)
		return -1;
	if (r && have < lim)
		return misfit(c, bw_why("%s: %.0f %s, fewer than %s %.0f",
		    where(at), have, have == 1 ? one : many, minkw, lim));
	if ((r = count_kw(c, s, maxkw, at, &lim)) < 0)
		return -1;
	if (r && have > lim)
		return misfit(c, bw_why("%s: %.0f %s, more than %s %.0f",
		    where(at), have, have == 1 ? one : many, maxkw, lim));
	return 0;
}

static int
check_number(struct ctx *c, struct bw_v s, double d, const struct path *at)
{
	double lim;
	char a[32], b[32];
	struct bw_v x;
	int r, excl;

	if ((r = num_kw(c, s, "minimum", at, &lim)) < 0)
		return -1;
	x = bw_get(s, "exclusiveMinimum");	/* draft 4: a boolean */
	excl = x.kind == BW_TRUE;
	if (r && (excl ? d <= lim : d < lim))
		return misfit(c, bw_why(excl ? "%s: %s, not more than minimum "
		    "%s (exclusiveMinimum)" : "%s: %s, less than minimum %s",
		    where(at), numstr(d, a), numstr(lim, b)));
	if (x.kind != BW_TRUE && x.kind != BW_FALSE) {
		if ((r = num_kw(c, s, "exclusiveMinimum", at, &lim)) < 0)
			return -1;
		if (r && d <= lim)
			return misfit(c, bw_why("%s: %s, not more than "
			    "exclusiveMinimum %s", where(at), numstr(d, a),
			    numstr(lim, b)));
	}
	if ((r = num_kw(c, s, "maximum", at, &lim)) < 0)
		return -1;
	x = bw_get(s, "exclusiveMaximum");
	excl = x.kind == BW_TRUE;
	if (r && (excl ? d >= lim : d > lim))
		return misfit(c, bw_why(excl ? "%s: %s, not less than maximum "
		    "%s (exclusiveMaximum)" : "%s: %s, more than maximum %s",
		    where(at), numstr(d, a), numstr(lim, b)));
	if (x.kind != BW_TRUE && x.kind != BW_FALSE) {
		if ((r = num_kw(c, s, "exclusiveMaximum", at, &lim)) < 0)
			return -1;
		if (r && d >= lim)
			return misfit(c, bw_why("%s: %s, not less than "
			    "exclusiveMaximum %s", where(at), numstr(d, a),
			    numstr(lim, b)));
	}
	if ((r = num_kw(c, s, "multipleOf", at, &lim)) < 0)
		return -1;
	if (r && !(lim > 0))
		return bad_keyword(c, at, "multipleOf", bw_get(s, "multipleOf"),
		    "a number > 0");
	if (r && !multiple(d, lim))
		return misfit(c, bw_why("%s: %s, not a multiple of %s",
		    where(at), numstr(d, a), numstr(lim, b)));
	return 0;
}

/* --- formats: each as its RFC's grammar says, whole string --- */

/* The k ASCII digits at s as a number, or -1. */
static int
num_at(const char *s, int k)
{
	int v = 0;

	while (k--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int
ishex(int ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' &&
	    (ch | 0x20) <= 'f');
}

/* RFC 3339 full-date: YYYY-MM-DD, a day the month has. */
static int
is_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || (y = num_at(s, 4)) < 0 ||
	    (m = num_at(s + 5, 2)) < 1 || m > 12 ||
	    (d = num_at(s + 8, 2)) < 1 || d > mdays[m - 1])
		return 0;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 || y % 400 == 0));
}

/* RFC 3339 full-time: HH:MM:SS[.frac] and Z or +HH:MM / -HH:MM; a
   leap second (:60) only at 23:59 UTC. */
static int
is_time(const char *s, size_t n)
{
	int h, m, sec, oh = 0, om = 0, sign = 0;
	size_t i = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':' || (h = num_at(s, 2)) < 0 ||
	    h > 23 || (m = num_at(s + 3, 2)) < 0 || m > 59 ||
	    (sec = num_at(s + 6, 2)) < 0 || sec > 60)
		return 0;
	if (s[i] == '.') {
		size_t j = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j)
			return 0;
	}
	if (i + 1 == n && (s[i] | 0x20) == 'z') {
		;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':' && (oh = num_at(s + i + 1, 2)) >= 0 && oh <= 23 &&
	    (om = num_at(s + i + 4, 2)) >= 0 && om <= 59) {
		sign = s[i] == '-' ? -1 : 1;
	} else {
		return 0;
	}
	return sec < 60 || ((h * 60 + m - sign * (oh * 60 + om)) % 1440 +
	    1440) % 1440 == 23 * 60 + 59;
}

static int
is_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] | 0x20) == 't' && is_date(s, 10) &&
	    is_time(s + 11, n - 11);
}

/* RFC 3339 appendix A: P, then dates (Y, M, D, each optional after the
   first, in order, none skipped between two), T and times (H, M, S
   alike), or weeks (W) alone. */
static int
is_duration(const char *s, size_t n)
{
	static const char date[] = "ymd", time[] = "hms";
	const char *units = date;
	size_t i = 1;
	int last = -1;

	if (!n || (s[0] | 0x20) != 'p')
		return 0;
	while (i < n) {
		size_t j = i;
		const char *u;
		if ((s[i] | 0x20) == 't' && units == date) {
			units = time;
			last = -1;
			if (++i == n)
				return 0;
			continue;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j || i == n)
			return 0;
		if ((s[i] | 0x20) == 'w' && units == date && j == 1)
			return i + 1 == n;
		if (!(u = strchr(units, s[i] | 0x20)) ||
		    (last >= 0 && u - units != last + 1))
			return 0;
		last = u - units;
		i++;
	}
	return last >= 0;
}

/* A dotted quad: four numbers of 1 to 3 digits, each at most 255. */
static int
is_ipv4(const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t j;
		int v = 0;
		if (part && (i >= n || s[i++] != '.'))
			return 0;
		j = i;
		while (i < n && i - j < 3 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (s[i++] - '0');
		if (i == j || v > 255)
			return 0;
	}
	return i == n;
}

/* RFC 4291's text form: 8 groups of 1 to 4 hex digits, the last two
   maybe a dotted quad, or fewer around one "::" (at most maxcomp
   groups then). */
static int
is_ipv6(const char *s, size_t n, int maxcomp)
{
	size_t i = 0;
	int groups = 0, comp = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		comp = 1;
		i = 2;
	}
	while (i < n) {
		size_t e = i;
		while (e < n && ishex(s[e]))
			e++;
		if (e < n && s[e] == '.') {
			if (!is_ipv4(s + i, n - i))
				return 0;
			groups += 2;
			break;
		}
		if (e == i || e - i > 4)
			return 0;
		groups++;
		if ((i = e) == n)
			break;
		if (s[i++] != ':' || i == n)
			return 0;
		if (s[i] == ':') {
			if (comp)
				return 0;
			comp = 1;
			i++;
		}
	}
	return comp ? groups <= maxcomp : groups == 8;
}

/* RFC 1123 host names: labels of letters, digits and hyphens (not
   first or last), 1 to 63 of them, at most 253 in all (a final dot
   aside). */
static int
is_hostname(const char *s, size_t n)
{
	size_t label = 0;

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (!n || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		int ch = i < n ? (unsigned char)s[i] : '.';
		if (ch == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((ch == '-' && label) || (ch >= '0' && ch <= '9') ||
		    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

/* RFC 5321's Mailbox: a dot-string or a quoted string (at most 64
   bytes), "@", and a domain (at most 255) or an address literal
   ([IPv4] or [IPv6:...]). */
static int
is_email(const char *s, size_t n)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t i = 0, dot = 1;

	if (n && s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++) {
			unsigned char ch = s[i];
			if (ch == '\\' && i + 1 < n && s[i + 1] >= 32 &&
			    s[i + 1] <= 126)
				i++;
			else if (ch < 32 || ch > 126 || ch == '\\')
				return 0;
		}
		if (i++ == n)
			return 0;
	} else {
		for (; i < n && s[i] != '@'; i++) {
			unsigned char ch = s[i];
			if (ch == '.') {
				if (dot)
					return 0;
				dot = 1;
			} else if ((ch >= '0' && ch <= '9') ||
			    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
			    (ch && strchr(atext, ch))) {
				dot = 0;
			} else {
				return 0;
			}
		}
		if (dot)	/* empty, or a dot last */
			return 0;
	}
	if (i > 64 || i >= n || s[i++] != '@' || i == n || n - i > 255)
		return 0;
	s += i;
	n -= i;
	if (s[0] == '[') {
		if (s[n - 1] != ']' || n < 3)
			return 0;
		if (n > 7 && !strncasecmp(s + 1, "IPv6:", 5))
			return is_ipv6(s + 6, n - 7, 6);
		return is_ipv4(s + 1, n - 2);
	}
	/* letters and digits, hyphens inside, labels between dots */
	for (size_t k = 0, label = 0; k <= n; k++) {
		int ch = k < n ? (unsigned char)s[k] : '.';
		if (ch == '.') {
			if (!label || s[k - 1] == '-')
				return 0;
			label = 0;
		} else if ((ch == '-' && label) || (ch >= '0' && ch <= '9') ||
		    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')) {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

/* 8-4-4-4-12 hex digits. */
static int
is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    !ishex(s[i]))
			return 0;
	return 1;
}

static int
is_ipv6_addr(const char *s, size_t n)
{
	return is_ipv6(s, n, 7);
}

static const struct {
	const char *name;
	int (*fits)(const char *s, size_t n);
} formats[] = {
	{ "date-time", is_date_time }, { "date", is_date },
	{ "time", is_time }, { "duration", is_duration },
	{ "email", is_email }, { "hostname", is_hostname },
	{ "ipv4", is_ipv4 }, { "ipv6", is_ipv6_addr }, { "uuid", is_uuid },
};

static int
check_string(struct ctx *c, struct bw_v s, struct bw_v v,
	     const struct path *at)
{
	struct bw_v f = bw_get(s, "format");
	double chars = 0;
	char a[72];

	if (f.kind != BW_NONE && f.kind != BW_STR)
		return bad_keyword(c, at, "format", f, "a string");
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (bw_is(f, formats[i].name) && !formats[i].fits(v.u.s, v.n))
			return misfit(c, bw_why("%s: %s, not in format \"%s\"",
			    where(at), show(v, a), formats[i].name));
	if (bw_get(s, "minLength").kind == BW_NONE &&
	    bw_get(s, "maxLength").kind == BW_NONE)
		return 0;
	for (uint32_t i = 0; i < v.n; i++)	/* code points */
		chars += ((unsigned char)v.u.s[i] & 0xc0) != 0x80;
	return check_count(c, s, "minLength", "maxLength", chars, "character",
	    "characters", at);
}

/* A hash of v under which equal values (bw_equal) hash equal. */
static uint64_t
hash(struct bw_v v)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (v.kind + 1);

	switch (v.kind) {
	case BW_NUM: {
		double d = v.u.num == 0 ? 0 : v.u.num;	/* -0 is 0 */
		uint64_t u;
		memcpy(&u, &d, sizeof u);
		h ^= u;
		break;
	}
	case BW_STR:
		for (uint32_t i = 0; i < v.n; i++)
			h = (h ^ (unsigned char)v.u.s[i]) * 1099511628211ULL;
		break;
	case BW_ARR:
		BW_EACH(v, i, m)
			h = (h ^ hash(m->v)) * 1099511628211ULL;
		break;
	case BW_OBJ:	/* in any order */
		BW_EACH(v, i, m) {
			uint64_t k = 1469598103934665603ULL;
			for (uint32_t j = 0; j < m->kn; j++)
				k = (k ^ (unsigned char)m->k[j]) *
				    1099511628211ULL;
			h += (k ^ hash(m->v)) * 0xff51afd7ed558ccdULL;
		}
		break;
	}
	return (h ^ h >> 31) * 0xc4ceb9fe1a85ec53ULL;
}

/* uniqueItems: the indexes of two equal items, in *i < *j; 0 if none. */
static int
duplicate(struct bw_v a, uint32_t *first, uint32_t *second)
{
	size_t cap = 16;
	uint32_t *slot;
	int found = 0;

	while (cap < (size_t)a.n * 2)
		cap *= 2;
	if (!(slot = malloc(cap * sizeof *slot)))
		bw_die(BW_EX_IOERR, "out of memory");
	memset(slot, 0xff, cap * sizeof *slot);
	for (uint32_t i = 0; i < a.n && !found; i++) {
		size_t k = hash(a.u.m[i].v) & (cap - 1);
		for (; slot[k] != UINT32_MAX; k = (k + 1) & (cap - 1))
			if (bw_equal(a.u.m[slot[k]].v, a.u.m[i].v)) {
				*first = slot[k];
				*second = i;
				found = 1;
				break;
			}
		slot[k] = i;
	}
	free(slot);
	return found;
}

/* contains, minContains (1 if absent), maxContains. */
static int
check_contains(struct ctx *c, struct bw_v s, struct bw_v v,
	       const struct path *at, const struct frame *fr, int depth)
{
	struct bw_v x = bw_get(s, "contains");
	double lo = 1, hi = -1, fit = 0;

	if (x.kind == BW_NONE)
		return 0;
	if (count_kw(c, s, "minContains", at, &lo) < 0 ||
	    count_kw(c, s, "maxContains", at, &hi) < 0)
		return -1;
	BW_EACH(v, i, m) {
		struct path p = { at, NULL, 0, i };
		if (check(c, x, m->v, &p, fr, depth + 1) == 0)
			fit++;
		else if (c->fatal)
			return -1;
	}
	if (!fit && lo > 0)
		return misfit(c, bw_why("%s: no item fits contains", where(at)));
	if (fit < lo)
		return misfit(c, bw_why("%s: %.0f %s contains, fewer than "
		    "minContains %.0f", where(at), fit, fit == 1 ? "item fits" :
		    "items fit", lo));
	if (hi >= 0 && fit > hi)
		return misfit(c, bw_why("%s: %.0f items fit contains, more than "
		    "maxContains %.0f", where(at), fit, hi));
	return 0;
}

static int
check_array(struct ctx *c, struct bw_v s, struct bw_v v,
	    const struct path *at, const struct frame *fr, int depth)
{
	struct bw_v prefix = bw_get(s, "prefixItems"), items = bw_get(s, "items");
	struct bw_v u = bw_get(s, "uniqueItems");
	uint32_t np = 0, i, j;

	if (check_count(c, s, "minItems", "maxItems", v.n, "item", "items",
	    at) < 0)
		return -1;
	if (prefix.kind != BW_NONE && prefix.kind != BW_ARR)
		return bad_keyword(c, at, "prefixItems", prefix, "an array");
	if (prefix.kind == BW_ARR)
		np = prefix.n;
	for (i = 0; i < v.n; i++) {
		struct path p = { at, NULL, 0, i };
		if (i < np) {
			if (sub(c, "prefixItems", prefix.u.m[i].v, v.u.m[i].v, &p,
			    fr, depth) < 0)
				return -1;
		} else if (items.kind != BW_NONE) {
			if (sub(c, "items", items, v.u.m[i].v, &p, fr, depth) < 0)
				return -1;
		}
	}
	if (u.kind != BW_NONE && u.kind != BW_TRUE && u.kind != BW_FALSE)
		return bad_keyword(c, at, "uniqueItems", u, "a boolean");
	if (u.kind == BW_TRUE && v.n > 1 && duplicate(v, &i, &j))
		return misfit(c, bw_why("%s: items %lu and %lu are equal "
		    "(uniqueItems)", where(at), (unsigned long)i,
		    (unsigned long)j));
	return check_contains(c, s, v, at, fr, depth);
}

/* dependentRequired and dependentSchemas: what a property present
   asks of the object. */
static int
check_dependent(struct ctx *c, struct bw_v s, struct bw_v v,
		const struct path *at, const struct frame *fr, int depth)
{
	struct bw_v req = bw_get(s, "dependentRequired");
	struct bw_v sch = bw_get(s, "dependentSchemas");
	char name[72];

	if (req.kind != BW_NONE && req.kind != BW_OBJ)
		return bad_keyword(c, at, "dependentRequired", req, "an object");
	BW_EACH(req, i, m) {
		if (m->v.kind != BW_ARR)
			return bad_schema(c, bw_why("%s: the schema's "
			    "dependentRequired[%s] is %s, not an array",
			    where(at), bw_quote(m->k, m->kn, 40),
			    bw_kindname(m->v)));
		if (bw_getn(v, m->k, m->kn).kind == BW_NONE)
			continue;
		BW_EACH(m->v, j, d) {
			if (d->v.kind != BW_STR)
				return bad_schema(c, bw_why("%s: the schema's "
				    "dependentRequired has %s, not a string",
				    where(at), bw_kindname(d->v)));
			if (bw_getn(v, d->v.u.s, d->v.n).kind != BW_NONE)
				continue;
			snprintf(name, sizeof name, "%s",
			    bw_quote(m->k, m->kn, 40));
			return misfit(c, bw_why("%s: missing property %s, "
			    "required with %s (dependentRequired)", where(at),
			    bw_quote(d->v.u.s, d->v.n, 40), name));
		}
	}
	if (sch.kind != BW_NONE && sch.kind != BW_OBJ)
		return bad_keyword(c, at, "dependentSchemas", sch, "an object");
	BW_EACH(sch, i, m)
		if (bw_getn(v, m->k, m->kn).kind != BW_NONE &&
		    check(c, m->v, v, at, fr, depth + 1) < 0)
			return -1;
	return 0;
}

static int
check_object(struct ctx *c, struct bw_v s, struct bw_v v,
	     const struct path *at, const struct frame *fr, int depth)
{
	struct bw_v props = bw_get(s, "properties"), req = bw_get(s, "required");
	struct bw_v add = bw_get(s, "additionalProperties");
	struct bw_v names = bw_get(s, "propertyNames");
	int patterns = bw_get(s, "patternProperties").kind != BW_NONE;

	if (check_count(c, s, "minProperties", "maxProperties", v.n,
	    "property", "properties", at) < 0)
		return -1;
	if (req.kind != BW_NONE && req.kind != BW_ARR)
		return bad_keyword(c, at, "required", req, "an array");
	BW_EACH(req, i, m) {
		if (m->v.kind != BW_STR)
			return bad_schema(c, bw_why("%s: the schema's "
			    "required[%u] is %s, not a string", where(at),
			    (unsigned)i, bw_kindname(m->v)));
		if (bw_getn(v, m->v.u.s, m->v.n).kind == BW_NONE)
			return misfit(c, bw_why("%s: missing required property "
			    "%s", where(at), bw_quote(m->v.u.s, m->v.n, 60)));
	}
	if (props.kind != BW_NONE && props.kind != BW_OBJ)
		return bad_keyword(c, at, "properties", props, "an object");
	if (check_dependent(c, s, v, at, fr, depth) < 0)
		return -1;
	BW_EACH(v, i, m) {
		struct path p = { at, m->k, m->kn, 0 };
		struct bw_v ps = bw_getn(props, m->k, m->kn);
		struct bw_v name = bw_of(BW_STR);
		name.n = m->kn;
		name.u.s = m->k;
		if (names.kind != BW_NONE &&
		    sub(c, "propertyNames", names, name, &p, fr, depth) < 0)
			return -1;
		if (ps.kind != BW_NONE) {
			if (sub(c, "its schema", ps, m->v, &p, fr, depth) < 0)
				return -1;
		} else if (add.kind == BW_FALSE && !patterns) {
			return misfit(c, bw_why("%s: property not allowed "
			    "(additionalProperties is false)", where(&p)));
		} else if (add.kind != BW_NONE && !patterns) {
			if (check(c, add, m->v, &p, fr, depth + 1) < 0)
				return -1;
		}
	}
	return 0;
}

/* anyOf (one of the schemas fits) and oneOf (exactly one does); when
   none does, the reason names the first schema's reason. */
__attribute__((noinline)) static int
check_some(struct ctx *c, const char *kw, struct bw_v list, struct bw_v v,
	   const struct path *at, const struct frame *fr, int depth)
{
	char first[1024] = "";
	uint32_t fits = 0, one = 0;
	int oneof = kw[0] == 'o';

	if (list.kind != BW_ARR || !list.n)
		return bad_keyword(c, at, kw, list, "a non-empty array");
	BW_EACH(list, i, m) {
		if (check(c, m->v, v, at, fr, depth + 1) == 0) {
			if (!oneof)
				return 0;
			if (fits++) {
				return misfit(c, bw_why("%s: fits more than "
				    "one of oneOf's %u schemas (%lu and %lu)",
				    where(at), (unsigned)list.n,
				    (unsigned long)one, (unsigned long)i));
			}
			one = i;
		} else if (c->fatal) {
			return -1;
		} else if (!i) {
			snprintf(first, sizeof first, "%s", c->why);
		}
	}
	if (fits)
		return 0;
	return misfit(c, bw_why("%s: none of %s's %u schemas fits (the first: "
	    "%s)", where(at), kw, (unsigned)list.n, first));
}

static int
check(struct ctx *c, struct bw_v s, struct bw_v v, const struct path *at,
      const struct frame *up, int depth)
{
	struct frame me = { up, s, at };
	struct bw_v x;

	if (depth > MAXDEPTH)
		return bad_schema(c, bw_why("%s: the schema nests deeper than "
		    "%d levels", where(at), MAXDEPTH));
	if (++c->steps > c->budget)
		return bad_schema(c, bw_why("%s: the schema takes more than "
		    "%llu steps to check (anyOf or oneOf multiplied through "
		    "$ref?)", where(at), (unsigned long long)c->budget));
	if (s.kind == BW_TRUE)
		return 0;
	if (s.kind == BW_FALSE)
		return misfit(c, bw_why("%s: not allowed (the schema is false)",
		    where(at)));
	if (s.kind != BW_OBJ)
		return bad_schema(c, bw_why("%s: the schema is %s, not an "
		    "object or a boolean", where(at), bw_kindname(s)));
	if ((x = bw_get(s, "type")).kind != BW_NONE &&
	    check_type(c, x, v, at) < 0)
		return -1;
	if ((x = bw_get(s, "enum")).kind != BW_NONE) {
		int in = 0;
		char a[72];
		if (x.kind != BW_ARR)
			return bad_keyword(c, at, "enum", x, "an array");
		BW_EACH(x, i, m)
			if (!in && bw_equal(m->v, v))
				in = 1;
		if (!in && x.n == 1)
			return misfit(c, bw_why("%s: %s, not the enum's only "
			    "value", where(at), show(v, a)));
		if (!in)
			return misfit(c, bw_why("%s: %s, not one of the enum's "
			    "%u values", where(at), show(v, a),
			    (unsigned)x.n));
	}
	if ((x = bw_get(s, "const")).kind != BW_NONE && !bw_equal(x, v)) {
		char a[72], b[72];
		if (x.kind >= BW_ARR)
			return misfit(c, bw_why("%s: %s, not equal to the "
			    "const", where(at), show(v, a)));
		return misfit(c, bw_why("%s: %s, not the const %s", where(at),
		    show(v, a), show(x, b)));
	}
	if (v.kind == BW_NUM && check_number(c, s, v.u.num, at) < 0)
		return -1;
	if (v.kind == BW_STR && check_string(c, s, v, at) < 0)
		return -1;
	if (v.kind == BW_ARR && check_array(c, s, v, at, &me, depth) < 0)
		return -1;
	if (v.kind == BW_OBJ && check_object(c, s, v, at, &me, depth) < 0)
		return -1;
	if ((x = bw_get(s, "allOf")).kind != BW_NONE) {
		if (x.kind != BW_ARR || !x.n)
			return bad_keyword(c, at, "allOf", x,
			    "a non-empty array");
		BW_EACH(x, i, m)
			if (check(c, m->v, v, at, &me, depth + 1) < 0)
				return -1;
	}
	if ((x = bw_get(s, "anyOf")).kind != BW_NONE &&
	    check_some(c, "anyOf", x, v, at, &me, depth) < 0)
		return -1;
	if ((x = bw_get(s, "oneOf")).kind != BW_NONE &&
	    check_some(c, "oneOf", x, v, at, &me, depth) < 0)
		return -1;
	if ((x = bw_get(s, "not")).kind != BW_NONE) {
		if (check(c, x, v, at, &me, depth + 1) == 0)
			return misfit(c, bw_why("%s: fits the schema of not",
			    where(at)));
		if (c->fatal)
			return -1;
	}
	if ((x = bw_get(s, "if")).kind != BW_NONE) {
		struct bw_v then = bw_get(s, "then"), els = bw_get(s, "else");
		int fits = then.kind == BW_NONE && els.kind == BW_NONE ? 1 :
		    check(c, x, v, at, &me, depth + 1) == 0;
		if (c->fatal)
			return -1;
		if (fits && then.kind != BW_NONE &&
		    check(c, then, v, at, &me, depth + 1) < 0)
			return -1;
		if (!fits && els.kind != BW_NONE &&
		    check(c, els, v, at, &me, depth + 1) < 0)
			return -1;
	}
	/* last: a $ref that loops is then met only when v fits the rest */
	if ((x = bw_get(s, "$ref")).kind != BW_NONE)
		return check_ref(c, x, v, at, &me, depth);
	return 0;
}

/* The values in v, for the budget of steps. */
static uint64_t
nodes(struct bw_v v)
{
	uint64_t n = 1;

	BW_EACH(v, i, m)
		n += nodes(m->v);
	return n;
}

int
bw_schema_check(struct bw_v root, struct bw_v s, struct bw_v v,
		const char **why)
{
	struct ctx c = { root, NULL, 0, 0, 0 };

	c.budget = (1 << 20) + 1024 * nodes(v);
	if (check(&c, s, v, NULL, NULL, 0) == 0)
		return 0;
	*why = c.why;
	return -1;
}
