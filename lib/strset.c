/* strset.c: an open-addressing set of byte strings, each with a value.
   Memory holds only an 8-byte slot a string; the strings go to an
   unlinked temporary file, so that a set of 50,000 long customIds
   takes no more memory than one of 5,000 short ones, and a million
   take 16 MiB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

enum {
	BUFSZ = 1 << 16,	/* strings kept in memory before a file is made */
	CAP0 = 1 << 17,		/* slots to start with (1 MiB) */
};

/* Each string is stored as a record, this header then its bytes,
   padded to a multiple of 8, so that every record starts at a multiple
   of 8. */
struct rec {
	uint64_t n;
	unsigned long val;
};

/* off8 is where the record's bytes start, in units of 8 bytes (so up
   to 32 GiB of strings), never 0 (the header comes first): 0 marks an
   empty slot.  h is the low 32 bits of the string's hash, which pick
   its slot in tables of up to 2^32 slots. */
struct slot {
	uint32_t h, off8;
};

struct bw_strset {
	struct slot *t;
	size_t cap, used;
	uint64_t (*hash)(const char *, size_t);
	int fd;			/* the spill file, -1 until needed */
	uint64_t flushed;	/* bytes in the file; the rest are in buf */
	char *buf;
	size_t nbuf;
};

/* After MurmurHash64A: 8 bytes a step where FNV-1a takes one, and
   every byte reaches the low bits that pick the slot.  Distinct strings
   with equal 64-bit hashes, each costing a read of the file, are then
   practically never seen.  The length goes in first, so the zero
   padding of the last word cannot make "a" equal "a\0". */
static uint64_t
mix(uint64_t h, uint64_t k)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;

	k *= m;
	k ^= k >> 47;
	return (h ^ k * m) * m;
}

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = mix(0, n), k;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&k, s, 8);
		h = mix(h, k);
	}
	k = 0;
	memcpy(&k, s, n);
	h = mix(h, k);
	h ^= h >> 47;
	h *= 0xc6a4a7935bd1e995ULL;
	return h ^ h >> 47;
}

/* The table starts at 1 MiB, which calloc takes straight from mmap and
   leaves untouched: a handful of strings cost a few pages, and 5,000
   or 100,000 strings touch the same 1 MiB, not a table grown 4 times. */
struct bw_strset *
bw_strset_new(void)
{
	struct bw_strset *set = calloc(1, sizeof *set);

	if (!set || !(set->t = calloc(set->cap = CAP0, sizeof *set->t)) ||
	    !(set->buf = malloc(BUFSZ)))
		bw_die(BW_EX_IOERR, "out of memory");
	set->hash = hash;
	set->fd = -1;
	return set;
}

static void
spill(struct bw_strset *set, const void *p, size_t n)
{
	if (set->fd < 0)
		set->fd = bw_tmpfd("ids");
	set->flushed += n;
	while (n > 0) {
		ssize_t w = write(set->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			bw_die(BW_EX_IOERR, "temporary file: write error: %s",
			    strerror(errno));
		p = (const char *)p + w;
		n -= w;
	}
}

/* Each piece lands whole in buf or whole in the file, never split,
   so fetch() can take it from one place. */
static void
put(struct bw_strset *set, const void *p, size_t n)
{
	if (set->nbuf + n > BUFSZ) {
		spill(set, set->buf, set->nbuf);
		set->nbuf = 0;
	}
	if (n > BUFSZ) {
		spill(set, p, n);
		return;
	}
	memcpy(set->buf + set->nbuf, p, n);
	set->nbuf += n;
}

/* Points at the n bytes stored at off: in buf, or read into tmp. */
static const void *
fetch(const struct bw_strset *set, uint64_t off, void *tmp, size_t n)
{
	if (off >= set->flushed)
		return set->buf + (off - set->flushed);
	for (size_t got = 0; got < n; ) {
		ssize_t r = pread(set->fd, (char *)tmp + got, n - got, off + got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bw_die(BW_EX_IOERR, "temporary file: read error: %s",
			    r < 0 ? strerror(errno) : "unexpected end of file");
		got += r;
	}
	return tmp;
}

/* Compares s with the copy stored at off, setting *val if equal. */
static int
same(const struct bw_strset *set, uint64_t off, const char *s, size_t n,
    unsigned long *val)
{
	struct rec r;
	char tmp[4096];

	if (sizeof r + n <= sizeof tmp && off + n <= set->flushed) {
		/* header and bytes at once, from the file (a shorter copy
		   leaves the next record's bytes in tmp, never past the end) */
		const char *p = fetch(set, off - sizeof r, tmp, sizeof r + n);
		memcpy(&r, p, sizeof r);
		if (r.n != n || memcmp(p + sizeof r, s, n))
			return 0;
		*val = r.val;
		return 1;
	}
	memcpy(&r, fetch(set, off - sizeof r, tmp, sizeof r), sizeof r);
	if (r.n != n)
		return 0;
	for (size_t k; n > 0; s += k, off += k, n -= k) {
		k = n < sizeof tmp ? n : sizeof tmp;
		if (memcmp(fetch(set, off, tmp, k), s, k))
			return 0;
	}
	*val = r.val;
	return 1;
}

static void
grow(struct bw_strset *set)
{
	struct slot *old = set->t;
	size_t oldcap = set->cap;

	set->cap *= 2;
	if (!(set->t = calloc(set->cap, sizeof *set->t)))
		bw_die(BW_EX_IOERR, "out of memory");
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].off8)
			continue;
		size_t j = old[i].h & (set->cap - 1);
		while (set->t[j].off8)
			j = (j + 1) & (set->cap - 1);
		set->t[j] = old[i];
	}
	free(old);
}

unsigned long
bw_strset_add(struct bw_strset *set, const char *s, size_t n, unsigned long val)
{
	uint32_t h = (uint32_t)set->hash(s, n);
	struct rec r = { n, val };
	unsigned long first;
	uint64_t off;
	size_t j;
	static const char zeros[8];

	/* A load of 13/16 lets 100,000 strings fit the first table; probes
	   stay cheap there, as they compare hashes in 8-byte slots. */
	if (16 * (set->used + 1) > 13 * set->cap)
		grow(set);
	for (j = h & (set->cap - 1); set->t[j].off8;
	    j = (j + 1) & (set->cap - 1))
		if (set->t[j].h == h && same(set, (uint64_t)set->t[j].off8 * 8,
		    s, n, &first))
			return first;
	put(set, &r, sizeof r);
	off = set->flushed + set->nbuf;
	if (off / 8 > UINT32_MAX)
		bw_die(BW_EX_IOERR, "more than 32 GiB of ids");
	set->t[j].h = h;
	set->t[j].off8 = (uint32_t)(off / 8);
	put(set, s, n);
	if (n % 8)
		put(set, zeros, 8 - n % 8);
	set->used++;
	return 0;
}

unsigned long
bw_strset_get(const struct bw_strset *set, const char *s, size_t n)
{
	uint32_t h = (uint32_t)set->hash(s, n);
	unsigned long val;

	for (size_t j = h & (set->cap - 1); set->t[j].off8;
	    j = (j + 1) & (set->cap - 1))
		if (set->t[j].h == h && same(set,
		    (uint64_t)set->t[j].off8 * 8, s, n, &val))
			return val;
	return 0;
}

void
bw_strset_free(struct bw_strset *set)
{
	if (!set)
		return;
	if (set->fd >= 0)
		close(set->fd);
	free(set->buf);
	free(set->t);
	free(set);
}
