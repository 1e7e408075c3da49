/*
 * bw-rm: file ids, File objects, batch ids or Batch objects →
 * DELETE /v1/files/{id}.
 *
 * Deletes each file named, and for a batch its input, output and error
 * files (those it has; --input, --output, --error pick some), fetching
 * the batch when the record does not name them; a batch that has not
 * ended keeps its files (its results are not safe yet) and makes the
 * exit 75.  Writes the API's deletion object for each file deleted; a
 * file not on the server is said on stderr and is no error.  -n writes
 * the ids instead and deletes nothing.  Exits 0, 2, 65, 75, 76 or 77 (see bw(7)).
 */
#include <getopt.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] =
    "[-n] [--input] [--output] [--error]\n       " BW_API_SYNOPSIS "\n"
    "       [file-id | file-object | batch-id | batch-object ...]";

enum { INPUT = 1, OUTPUT = 2, ERROR = 4 };
enum { O_INPUT = BW_OPT_FIRST_FREE, O_OUTPUT, O_ERROR };
static const char *const keys[] = { "input_file_id", "output_file_id",
	"error_file_id" };

static int dry;

static void
rm(struct bw_api *a, const char *id, struct bw_out *o)
{
	if (dry) {
		bw_out_str(o, id);
		bw_out_char(o, '\n');
		bw_out_flush(o);
	} else {
		bw_file_delete(a, id, o);
	}
}

/* 1 if a Batch object names all three files plainly (an input file id,
   and a string or null each for the others): then it need not be
   fetched once it has ended. */
static int
names_files(struct bw_v b)
{
	for (int i = 0; i < 3; i++) {
		struct bw_v f = bw_get(b, keys[i]);
		if (f.kind != BW_STR && (i == 0 || f.kind != BW_NULL))
			return 0;
	}
	return 1;
}

/* Deletes the files of the batch rec names; 75 (nothing deleted) if it
   has not ended, else 0. */
static int
rm_batch(struct bw_api *a, struct bw_records *r, struct bw_v rec, int which,
    struct bw_out *o)
{
	struct bw_arena ar = { 0 };
	const char *id = bw_batch_id(r, rec), *ids[3];
	struct bw_v b = rec;
	int mine = 1;	/* the ids are the user's record's, not the server's */

	if (!bw_is(bw_get(rec, "object"), "batch") || !bw_batch_terminal(rec) ||
	    !names_files(rec)) {
		b = bw_batch_get(a, &ar, id);
		mine = 0;
	}
	if (!bw_batch_terminal(b)) {
		bw_warn("%s is %s: its files are not deleted, its results are "
		    "not safe yet; run again when it has ended (bw-poll)", id,
		    bw_batch_status(b));
		bw_arena_free(&ar);
		return BW_EX_TEMPFAIL;
	}
	/* every id checked before the first is deleted */
	for (int i = 0; i < 3; i++) {
		struct bw_v f = bw_get(b, keys[i]);
		ids[i] = NULL;
		if (!(which & 1 << i) || (i > 0 && f.kind <= BW_NULL))
			continue;
		if (f.kind != BW_STR || !bw_id_valid(f.u.s, f.n)) {
			if (mine)
				bw_die(BW_EX_DATAERR, "%s: batch %s: %s: not a "
				    "valid file id", bw_records_where(r), id,
				    keys[i]);
			bw_die(BW_EX_PROTOCOL, "%s/batches/%s: the server sent "
			    "%s %s, not a valid file id", a->basepath, id,
			    keys[i], f.kind == BW_STR ? bw_quote(f.u.s, f.n, 80)
			    : bw_kindname(f));
		}
		ids[i] = f.u.s;
	}
	for (int i = 0; i < 3; i++)
		if (ids[i])
			rm(a, ids[i], o);
	bw_arena_free(&ar);
	return 0;
}

/* The file id of a record that names a file (a file id, a File
   object), or NULL for one that names a batch. */
static const char *
file_id(struct bw_records *r, struct bw_v rec)
{
	struct bw_v id = rec;

	if (rec.kind == BW_STR) {
		if (rec.n >= 6 && !memcmp(rec.u.s, "batch_", 6))
			return NULL;
	} else if (bw_is(bw_get(rec, "object"), "file")) {
		id = bw_get(rec, "id");
	} else {
		return NULL;
	}
	if (id.kind != BW_STR || !bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_DATAERR, "%s: not a valid file id: %s",
		    bw_records_where(r), id.kind == BW_STR ?
		    bw_quote(id.u.s, id.n, 80) : bw_kindname(id));
	return id.u.s;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "dry-run", no_argument, 0, 'n' },
		{ "input", no_argument, 0, O_INPUT },
		{ "output", no_argument, 0, O_OUTPUT },
		{ "error", no_argument, 0, O_ERROR },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_records r;
	struct bw_api api;
	struct bw_out out;
	struct bw_v rec;
	const char *id;
	int c, which = 0, rc = 0;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "nh", opts,
	    NULL)) != -1)
		switch (c) {
		case 'n': dry = 1; break;
		case O_INPUT: which |= INPUT; break;
		case O_OUTPUT: which |= OUTPUT; break;
		case O_ERROR: which |= ERROR; break;
		case 'h':
			bw_help(synopsis,
			    "  -n, --dry-run           write the ids of the files, delete nothing\n"
			    "      --input             of a batch, its input file\n"
			    "      --output            of a batch, its output file\n"
			    "      --error             of a batch, its error file (default: all three)\n"
			    BW_API_HELP
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	if (!which)
		which = INPUT | OUTPUT | ERROR;
	bw_api_init(&api);
	bw_out_open(&out, 1, "stdout", 0);
	bw_records_open(&r, argv + optind, argc - optind);
	while (bw_records_next(&r, &rec))
		if ((id = file_id(&r, rec)))
			rm(&api, id, &out);
		else if (rm_batch(&api, &r, rec, which, &out))
			rc = BW_EX_TEMPFAIL;
	if (r.n == 0)
		bw_die(BW_EX_DATAERR, "no files or batches in the input");
	bw_out_commit(&out);
	bw_api_free(&api);
	return rc;
}
