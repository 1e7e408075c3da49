/*
 * bw-download: Batch objects, batch ids or webhook events → result lines;
 * file ids or File objects → the file's lines.
 *
 * For each batch named (operands, or one a line on stdin) writes the
 * lines of its output file, then those of its error file, unchanged,
 * fetching the batch first when the record does not carry the file ids;
 * for each file named (file-..., or a line of bw-ls --files), its lines.
 * A transfer cut short resumes where it stopped.  Nothing is written
 * unless every file arrived whole.  Exits 0; 1 if a batch failed with
 * no files (the reason on stderr); 75 for a batch still running or a
 * network failure; 65, 76, 77 (see bw(7)).
 */
#include <getopt.h>
#include <sys/stat.h>
#include <errno.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] = "[-k dir] " BW_API_SYNOPSIS "\n       [batch | file ...]";

/* 1 if -o's argument looks meant as the output file: a name ending in
   .jsonl, or a regular file that exists. */
static int
is_output_file(const char *s)
{
	struct stat st;
	size_t n = strlen(s);

	return (n >= 6 && !strcmp(s + n - 6, ".jsonl")) ||
	    (stat(s, &st) == 0 && S_ISREG(st.st_mode));
}

/* The sink: standard output, spooled, so that a file that starts over
   takes back what it gave. */
struct spool {
	struct bw_out o;
	uint64_t start;		/* bytes before the file's */
};

static void
spool_begin(void *arg, const char *id)
{
	struct spool *s = arg;

	(void)id;
	s->start = s->o.total;
}

static void
spool_write(void *arg, const char *p, size_t n)
{
	bw_out_write(&((struct spool *)arg)->o, p, n);
}

static void
spool_again(void *arg)
{
	struct spool *s = arg;

	bw_out_rewind(&s->o, s->start);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "keep-dir", required_argument, 0, 'k' },
		{ "save", required_argument, 0, 'o' },	/* -o: deprecated */
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_records r;
	struct bw_api api;
	struct spool out;
	struct bw_sink to = { spool_begin, spool_write, spool_again, &out };
	struct bw_strset *seen;
	struct stat st;
	const char *dir = NULL, *dopt = "-k";
	struct bw_v rec;
	int c, rc = 0;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "k:o:h", opts, NULL)) != -1)
		switch (c) {
		case 'k': dir = optarg; dopt = "-k"; break;
		case 'o':
			/* read as the output file by users: kept one release,
			   refused where it was surely meant as one */
			if (is_output_file(optarg))
				bw_die(BW_EX_USAGE, "-o %s: -o is a directory to "
				    "keep each file in, not the output file: the "
				    "result lines go to standard output "
				    "(bw-download ID >out.jsonl); a directory is "
				    "given with --keep-dir", optarg);
			bw_warn("-o is deprecated: use -k/--keep-dir; it names "
			    "a directory, not the output file");
			dir = optarg;
			dopt = "-o";
			break;
		case 'h':
			bw_help(synopsis,
			    "  -k, --keep-dir DIR      also keep each file as DIR/FILE_ID.jsonl\n"
			    BW_API_HELP
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	if (dir && stat(dir, &st) < 0)
		bw_die(BW_EX_USAGE, "%s: %s: %s", dopt, dir, strerror(errno));
	if (dir && !S_ISDIR(st.st_mode))
		bw_die(BW_EX_USAGE, "%s: %s: not a directory", dopt, dir);
	bw_api_init(&api);
	bw_out_open(&out.o, 1, "stdout", 1);
	bw_records_open(&r, argv + optind, argc - optind);
	seen = bw_strset_new();
	while (bw_records_next(&r, &rec)) {
		const char *file = bw_file_id(&r, rec);
		const char *id = file ? file : bw_batch_id(&r, rec);
		if (bw_strset_add(seen, id, strlen(id), r.n))
			bw_warn("%s: named again; its lines are written once", id);
		else if (file)
			bw_download_file(&api, file, dir, &to);
		else
			rc |= bw_download(&api, &r, rec, dir, &to);
	}
	bw_strset_free(seen);
	if (r.n == 0)
		bw_die(BW_EX_DATAERR, "no batches in the input");
	bw_out_commit(&out.o);
	bw_api_free(&api);
	return rc;
}
