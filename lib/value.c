/*
 * value.c: JSON values (struct bw_v) in an arena: looking into them and
 * making new ones.
 *
 * A value never changes once made, so handing one around shares it
 * safely, and memory is the arena's: nothing is freed one by one.
 * Appending to an array or an object writes in place only when no
 * other view can see the slot written (the view is the newest of its
 * block: grow set, and the block's fill equals its length); replacing
 * or deleting a member copies the block.  A string is never appended
 * to in place (an older view needs its NUL): build it in a bw_sb.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

struct bw_blk {
	struct bw_blk *next;
	size_t cap;
	/* then the memory */
};

void *
bw_alloc(struct bw_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (!a->blk || a->cap - a->used < n) {
		size_t cap = a->blk ? a->blk->cap * 2 : 1 << 16;
		while (cap < n)
			cap *= 2;
		struct bw_blk *b = malloc(sizeof *b + cap);
		if (!b)
			bw_die(BW_EX_IOERR, "out of memory");
		b->next = a->blk;
		b->cap = cap;
		a->blk = b;
		a->cap = cap;
		a->used = 0;
	}
	a->used += n;
	return (char *)(a->blk + 1) + a->used - n;
}

void
bw_arena_reset(struct bw_arena *a)
{
	if (!a->blk)
		return;
	for (struct bw_blk *b = a->blk->next, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->blk->next = NULL;	/* keep the newest, largest block */
	a->used = 0;
	if (a->cap > 1 << 26) {	/* unless a long line made it huge */
		free(a->blk);
		a->blk = NULL;
	}
}

void
bw_arena_free(struct bw_arena *a)
{
	bw_arena_reset(a);
	free(a->blk);
	a->blk = NULL;
}

/* --- looking --- */

static int
find(struct bw_v o, const char *k, size_t kn)
{
	if (o.kind != BW_OBJ)
		return -1;
	for (uint32_t i = 0; i < o.n; i++)
		if (o.u.m[i].kn == kn && !memcmp(o.u.m[i].k, k, kn))
			return i;
	return -1;
}

struct bw_v
bw_getn(struct bw_v obj, const char *key, size_t n)
{
	int i = find(obj, key, n);

	return i < 0 ? bw_of(BW_NONE) : obj.u.m[i].v;
}

struct bw_v
bw_idx(struct bw_v arr, uint32_t i)
{
	return arr.kind == BW_ARR && i < arr.n ? arr.u.m[i].v : bw_of(BW_NONE);
}

int
bw_equal(struct bw_v a, struct bw_v b)
{
	if (a.kind != b.kind)
		return 0;
	switch (a.kind) {
	case BW_NUM:
		return a.u.num == b.u.num;
	case BW_STR:
		return bw_eq(a, b.u.s, b.n);
	case BW_ARR:
		if (a.n != b.n)
			return 0;
		for (uint32_t i = 0; i < a.n; i++)
			if (!bw_equal(a.u.m[i].v, b.u.m[i].v))
				return 0;
		return 1;
	case BW_OBJ:
		if (a.n != b.n)
			return 0;
		for (uint32_t i = 0; i < a.n; i++) {
			int j = find(b, a.u.m[i].k, a.u.m[i].kn);
			if (j < 0 || !bw_equal(a.u.m[i].v, b.u.m[j].v))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

const char *
bw_kindname(struct bw_v v)
{
	static const char *const names[] = { "missing", "null", "a boolean",
		"a boolean", "a number", "a string", "an array", "an object" };

	return names[v.kind];
}

/* --- making --- */

static size_t
checked(size_t n)
{
	if (n >= UINT32_MAX)
		bw_die(BW_EX_DATAERR, "a string of 4 GiB or more");
	return n;
}

struct bw_v
bw_num(double d)
{
	struct bw_v v = bw_of(BW_NUM);

	v.u.num = d;
	return v;
}

struct bw_v
bw_lit(const char *s)
{
	struct bw_v v = bw_of(BW_STR);

	v.n = checked(strlen(s));
	v.u.s = s;
	return v;
}

struct bw_v
bw_str(struct bw_arena *a, const char *s, size_t n)
{
	struct bw_v v = bw_of(BW_STR);
	char *p = bw_alloc(a, checked(n) + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	v.n = n;
	v.u.s = p;
	return v;
}

struct bw_v
bw_strf(struct bw_arena *a, const char *fmt, ...)
{
	struct bw_v v = bw_of(BW_STR);
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = bw_alloc(a, checked(n) + 1);
	va_start(ap, fmt);
	vsnprintf(p, n + 1, fmt, ap);
	va_end(ap);
	v.n = n;
	v.u.s = p;
	return v;
}

void
bw_sb_add(struct bw_sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = checked(2 * (b->n + n) + 16);
		char *q = bw_alloc(b->a, cap);
		if (b->n)
			memcpy(q, b->p, b->n);
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

struct bw_v
bw_sb_val(const struct bw_sb *b)
{
	struct bw_v v = bw_of(BW_STR);

	v.n = b->n;
	v.u.s = b->n ? b->p : "";
	return v;
}

/* A growable block of a container's items: the header before them. */
struct blkhdr {
	uint32_t cap, fill;
};

static struct blkhdr *
hdr(const void *items)
{
	return (struct blkhdr *)items - 1;
}

static struct bw_m *
newblk(struct bw_arena *a, uint32_t cap)
{
	struct blkhdr *h = bw_alloc(a, sizeof *h + (size_t)cap *
	    sizeof(struct bw_m));

	h->cap = cap;
	h->fill = 0;
	return (struct bw_m *)(h + 1);
}

/* The slot after the last item of *c: written in place when *c is the
   newest view of its block, else in a copy. */
static struct bw_m *
slot(struct bw_arena *a, struct bw_v *c)
{
	struct bw_m *m = c->u.m;

	if (!c->grow || !m || hdr(m)->fill != c->n || hdr(m)->cap == c->n) {
		if (c->n >= INT32_MAX)
			bw_die(BW_EX_DATAERR, "more than 2^31 items");
		struct bw_m *q = newblk(a, c->n < 4 ? 8 : 2 * c->n);
		if (c->n)
			memcpy(q, m, c->n * sizeof *q);
		c->u.m = m = q;
		c->grow = 1;
	}
	hdr(m)->fill = c->n + 1;
	return &m[c->n++];
}

struct bw_v
bw_push(struct bw_arena *a, struct bw_v arr, struct bw_v x)
{
	struct bw_m *m = slot(a, &arr);

	m->k = NULL;
	m->kn = 0;
	m->v = x;
	return arr;
}

/* a copy of o's items in a block of their own */
static struct bw_m *
copy_items(struct bw_arena *a, struct bw_v o)
{
	struct bw_m *q = newblk(a, o.n ? o.n : 1);

	if (o.n)
		memcpy(q, o.u.m, o.n * sizeof *q);
	hdr(q)->fill = o.n;
	return q;
}

struct bw_v
bw_setn(struct bw_arena *a, struct bw_v obj, const char *key, size_t n,
    struct bw_v x)
{
	int i = find(obj, key, n);
	struct bw_m *m;

	if (i >= 0) {
		obj.u.m = copy_items(a, obj);
		obj.grow = 1;
		obj.u.m[i].v = x;
		return obj;
	}
	m = slot(a, &obj);
	m->k = key;
	m->kn = checked(n);
	m->v = x;
	return obj;
}

struct bw_v
bw_del(struct bw_arena *a, struct bw_v obj, const char *key)
{
	int i = find(obj, key, strlen(key));
	struct bw_m *q;

	if (i < 0)
		return obj;
	q = copy_items(a, obj);
	memmove(q + i, q + i + 1, (obj.n - i - 1) * sizeof *q);
	obj.n--;
	hdr(q)->fill = obj.n;
	obj.u.m = q;
	obj.grow = 1;
	return obj;
}
