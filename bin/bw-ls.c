/*
 * bw-ls: the batches on the server, or with --files its batch input
 * files, newest first, one object a line.
 *
 * Pages through GET /v1/batches (GET /v1/files?purpose=batch) a hundred
 * at a time and writes each object the filters let through as the API
 * sent it, so that the lines go on to bw-poll, bw-download or
 * bw-cancel.  Stops at -n objects, or where the list goes past --since.
 * Exits 0 when it wrote an object, 1 when none matched, 2, 75, 76 or 77
 * (see bw(7)).
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bw.h"

static const char synopsis[] =
    "[-n max] [-s status ...] [-M key=value ...] [--since age]\n"
    "       [--before age] [--files]\n       " BW_API_SYNOPSIS;

enum { OPT_SINCE = BW_OPT_FIRST_FREE, OPT_BEFORE, OPT_FILES };

/* the API's statuses, a bit each in struct ls's status */
static const char *const statuses[] = { "validating", "in_progress",
	"finalizing", "cancelling", "completed", "failed", "expired",
	"cancelled", NULL };
#define ACTIVE 0x0f	/* validating ... cancelling */
#define ENDED 0xf0	/* completed ... cancelled */

struct ls {
	unsigned long max;	/* objects written at most; 0: all */
	unsigned status;	/* the statuses wanted; 0: any */
	struct bw_v meta;	/* the pairs a batch's metadata must have */
	double since, before;	/* created_at from since, before before; 0: any */
	int files;
};

static unsigned
status_bit(const char *s)
{
	if (!strcmp(s, "active"))
		return ACTIVE;
	if (!strcmp(s, "ended"))
		return ENDED;
	for (int i = 0; statuses[i]; i++)
		if (!strcmp(s, statuses[i]))
			return 1u << i;
	bw_die(BW_EX_USAGE, "-s: not a batch status: %s (validating, "
	    "in_progress, finalizing, cancelling, completed, failed, expired, "
	    "cancelled; active or ended)", bw_quote(s, strlen(s), 40));
}

static int
match(const struct ls *o, struct bw_v v)
{
	struct bw_v md = bw_get(v, "metadata"), t = bw_get(v, "created_at");
	double at = t.kind == BW_NUM ? t.u.num : -1;

	if ((o->since && at < o->since) || (o->before && !(at >= 0 &&
	    at < o->before)))
		return 0;
	if (o->status) {
		const char *s = bw_batch_status(v);
		unsigned bit = 0;
		for (int i = 0; statuses[i]; i++)
			if (!strcmp(s, statuses[i]))
				bit = 1u << i;
		if (!bw_batch_status_known(v) || !(o->status & bit))
			return 0;
	}
	BW_EACH(o->meta, i, m)
		if (!bw_eq(bw_getn(md, m->k, m->kn), m->v.u.s, m->v.n))
			return 0;
	return 1;
}

/* Dies 76 unless the server's object v has a valid id (a batch: is a
   Batch object as bw-poll takes it). */
static void
check(struct bw_api *a, const struct ls *o, struct bw_v v, const char *what)
{
	struct bw_v id = bw_get(v, "id");

	if (!o->files)
		bw_batch_check(a, v, NULL, what);
	else if (id.kind != BW_STR)
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent a file with no id",
		    a->basepath, what);
	else if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_PROTOCOL, "%s%s: the server sent a file with an "
		    "invalid id %s", a->basepath, what,
		    bw_quote(id.u.s, id.n, 80));
}

/* Pages through the list, writing what matches; returns how many. */
static unsigned long
list(struct bw_api *a, const struct ls *o, struct bw_out *out)
{
	const char *what = o->files ? "/files" : "/batches";
	struct bw_strset *seen = bw_strset_new();
	struct bw_arena ar = { 0 };
	char after[300] = "", path[512];
	unsigned long written = 0;
	int more = 1;

	while (more) {
		struct bw_v list, data, next, last = bw_of(BW_NONE);
		snprintf(path, sizeof path, "%s?%slimit=100%s%s%s", what,
		    o->files ? "purpose=batch&" : "",
		    o->files ? "&order=desc" : "", after[0] ? "&after=" : "",
		    after);
		bw_arena_reset(&ar);
		list = bw_api_json(a, &ar, "GET", path, bw_of(BW_NONE));
		data = bw_get(list, "data");
		if (data.kind != BW_ARR)
			bw_die(BW_EX_PROTOCOL, "GET %s%s: the reply is not a "
			    "list", a->basepath, what);
		/* not BW_EACH: a break leaves this loop */
		for (uint32_t i = 0; more && i < data.n; i++) {
			struct bw_v v = data.u.m[i].v, id = bw_get(v, "id"),
			    t = bw_get(v, "created_at");
			check(a, o, v, what);
			/* a list that comes round again would never end */
			if (bw_strset_add(seen, id.u.s, id.n, 1))
				bw_die(BW_EX_PROTOCOL, "GET %s%s: the list repeats "
				    "%s: it does not advance", a->basepath,
				    path, id.u.s);
			last = v;
			/* newest first: the rest is older still */
			if (o->since && t.kind == BW_NUM && t.u.num < o->since)
				more = 0;
			else if (match(o, v)) {
				bw_batch_write(out, v);
				more = ++written != o->max;
			}
		}
		if (!more || bw_get(list, "has_more").kind != BW_TRUE)
			break;
		if (!last.kind)
			bw_die(BW_EX_PROTOCOL, "GET %s%s: the server says there is "
			    "more, but sent an empty page", a->basepath, path);
		next = bw_get(list, "last_id");
		if (next.kind != BW_STR)
			next = bw_get(last, "id");
		if (!bw_id_valid(next.u.s, next.n) || next.n >= sizeof after)
			bw_die(BW_EX_PROTOCOL, "GET %s%s: the server sent an "
			    "invalid last_id %s", a->basepath, path,
			    bw_quote(next.u.s, next.n, 80));
		memcpy(after, next.u.s, next.n + 1);
	}
	bw_arena_free(&ar);
	bw_strset_free(seen);
	return written;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "max", required_argument, 0, 'n' },
		{ "status", required_argument, 0, 's' },
		{ "metadata", required_argument, 0, 'M' },
		{ "since", required_argument, 0, OPT_SINCE },
		{ "before", required_argument, 0, OPT_BEFORE },
		{ "files", no_argument, 0, OPT_FILES },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct ls o = { 0 };
	struct bw_arena ar = { 0 };	/* the metadata */
	struct bw_api api;
	struct bw_out out;
	double since = -1, before = -1;
	unsigned long written;
	char *end;
	int c;

	bw_init(argv);
	bw_api_defaults(&api);
	o.meta = bw_of(BW_NONE);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "n:s:M:h", opts,
	    NULL)) != -1)
		switch (c) {
		case 'n':
			o.max = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end ||
			    o.max > 1000000000)
				bw_die(BW_EX_USAGE, "-n: not a whole number from "
				    "1: %s", bw_quote(optarg, strlen(optarg), 40));
			break;
		case 's': o.status |= status_bit(optarg); break;
		case 'M': o.meta = bw_metadata_arg(&ar, o.meta, optarg); break;
		case OPT_SINCE: since = bw_parse_duration("--since", optarg); break;
		case OPT_BEFORE:
			before = bw_parse_duration("--before", optarg);
			break;
		case OPT_FILES: o.files = 1; break;
		case 'h':
			bw_help(synopsis,
			    "  -n, --max N             write N objects at most\n"
			    "  -s, --status S          batches of status S (repeatable): a status\n"
			    "                          of the API, active or ended\n"
			    "  -M, --metadata K=V      batches whose metadata has K=V (repeatable)\n"
			    "      --since AGE         made AGE ago or later (90, 5m, 1.5h, 2d)\n"
			    "      --before AGE        made more than AGE ago\n"
			    "      --files             batch input files, not batches\n"
			    BW_API_HELP
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	if (optind < argc)
		bw_usage(synopsis);
	if (o.files && (o.status || o.meta.kind))
		bw_die(BW_EX_USAGE, "--files: -s and -M are for batches; files "
		    "have no status or metadata to filter on");
	if (since >= 0)
		o.since = time(NULL) - since;
	if (before >= 0)
		o.before = time(NULL) - before;
	bw_api_init(&api);
	bw_out_open(&out, 1, "stdout", 0);
	written = list(&api, &o, &out);
	bw_out_commit(&out);
	bw_api_free(&api);
	bw_arena_free(&ar);
	return written ? 0 : 1;
}
