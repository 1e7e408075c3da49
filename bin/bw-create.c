/*
 * bw-create: File objects or file ids → POST /v1/batches.
 *
 * Reads File objects (from bw-upload) or file ids, as operands or one a
 * line on stdin, and creates a batch for each with completion window
 * 24h, the endpoint the File object names (else -e) and the metadata of
 * -M (and, with --output-expires-after, when its output and error
 * files expire), then writes the Batch object.  Never two batches for
 * one file: a file that has a batch (not failed) gets that batch back,
 * and a create whose fate is unknown is looked for before it is sent
 * again.
 * Exits 0, 2, 65, 75, 76 or 77 (see bw(7)).
 */
#include <getopt.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] =
    "[-e endpoint] [-M key=value ...]\n"
    "       [--force] [--output-expires-after seconds]\n"
    "       " BW_API_SYNOPSIS "\n       [file-id | file-object ...]";

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "endpoint", required_argument, 0, 'e' },
		{ "metadata", required_argument, 0, 'M' },
		{ "force", no_argument, 0, 'f' },
		{ "output-expires-after", required_argument, 0, 'X' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_create_opts o = { .endpoint = -1, .lookback = 1 };
	struct bw_arena ar = { 0 };	/* the metadata */
	struct bw_records r;
	struct bw_api api;
	struct bw_out out;
	struct bw_v rec;
	int c;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "e:M:fh", opts,
	    NULL)) != -1)
		switch (c) {
		case 'e':
			if ((o.endpoint = bw_endpoint_parse(optarg)) < 0)
				bw_die(BW_EX_USAGE, "-e: not " BW_ENDPOINT_NAMES
				    ": %s", bw_quote(optarg,
				    strlen(optarg), 40));
			break;
		case 'M': o.metadata = bw_metadata_arg(&ar, o.metadata, optarg); break;
		case 'f': o.force = 1; break;
		case 'X':
			o.output_expires_after = bw_parse_expiry(
			    "--output-expires-after", optarg);
			break;
		case 'h':
			bw_help(synopsis,
			    "  -e, --endpoint NAME     chat, responses, completions, embeddings,\n"
			    "                          images, image-edits or moderations, for\n"
			    "                          file ids (File objects name their own)\n"
			    "  -M, --metadata K=V      batch metadata (repeatable, 16 at most)\n"
			    "  -f, --force             create even if the file has a batch\n"
			    "      --output-expires-after S\n"
			    "                          the output and error files expire S seconds\n"
			    "                          after they are made (3600..2592000, or\n"
			    "                          1h..30d; default: the API's)\n"
			    BW_API_HELP
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	bw_api_init(&api);
	bw_out_open(&out, 1, "stdout", 0);
	bw_records_open(&r, argv + optind, argc - optind);
	while (bw_records_next(&r, &rec))
		bw_create(&api, &r, rec, &o, &out);
	if (r.n == 0)
		bw_die(BW_EX_DATAERR, "no files in the input");
	bw_out_commit(&out);
	bw_arena_free(&ar);
	bw_api_free(&api);
	return 0;
}
