/*
 * bw-cancel: batch ids or Batch objects → POST /v1/batches/{id}/cancel.
 *
 * Writes the Batch object the server returns (status cancelling, later
 * cancelled) for each.  Exits 0, 2, 65, 75, 76 or 77 (see bw(7)).
 */
#include <getopt.h>

#include "bw.h"

static const char synopsis[] = BW_API_SYNOPSIS "\n       [batch ...]";

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_records r;
	struct bw_api api;
	struct bw_out out;
	struct bw_v rec;
	int c, ended = 0;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "h", opts, NULL)) != -1)
		switch (c) {
		case 'h':
			bw_help(synopsis, BW_API_HELP
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
		ended |= bw_cancel(&api, bw_batch_id(&r, rec), &out);
	if (r.n == 0)
		bw_die(BW_EX_DATAERR, "no batches in the input");
	bw_out_commit(&out);
	bw_api_free(&api);
	return ended;
}
