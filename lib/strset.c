/* strset.c: an open-addressing set of byte strings, each with a value. */
#include <stdlib.h>
#include <string.h>

#include "bw.h"

struct slot {
	char *s;
	size_t n;
	unsigned long val;
	uint64_t h;
};

struct bw_strset {
	struct slot *t;
	size_t cap, used;
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct bw_strset *
bw_strset_new(void)
{
	struct bw_strset *set = calloc(1, sizeof *set);

	if (!set || !(set->t = calloc(set->cap = 1024, sizeof *set->t)))
		bw_die(BW_EX_IOERR, "out of memory");
	return set;
}

static void
rehash(struct bw_strset *set)
{
	struct slot *old = set->t;
	size_t oldcap = set->cap;

	set->cap *= 2;
	if (!(set->t = calloc(set->cap, sizeof *set->t)))
		bw_die(BW_EX_IOERR, "out of memory");
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].s)
			continue;
		size_t j = old[i].h & (set->cap - 1);
		while (set->t[j].s)
			j = (j + 1) & (set->cap - 1);
		set->t[j] = old[i];
	}
	free(old);
}

unsigned long
bw_strset_add(struct bw_strset *set, const char *s, size_t n, unsigned long val)
{
	uint64_t h = hash(s, n);
	size_t j;

	if (2 * (set->used + 1) > set->cap)
		rehash(set);
	for (j = h & (set->cap - 1); set->t[j].s; j = (j + 1) & (set->cap - 1))
		if (set->t[j].h == h && set->t[j].n == n &&
		    !memcmp(set->t[j].s, s, n))
			return set->t[j].val;
	if (!(set->t[j].s = malloc(n + 1)))
		bw_die(BW_EX_IOERR, "out of memory");
	memcpy(set->t[j].s, s, n);
	set->t[j].s[n] = 0;
	set->t[j].n = n;
	set->t[j].h = h;
	set->t[j].val = val;
	set->used++;
	return 0;
}

void
bw_strset_free(struct bw_strset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++)
		free(set->t[i].s);
	free(set->t);
	free(set);
}
