/*
 * bw-upload: batch input lines → POST /v1/files (purpose batch).
 *
 * Checks each input (a file operand, or stdin) whole before sending a
 * byte, uploads it, and writes the File object with the endpoint and
 * request count added, one line per input, so that bw-create needs no
 * flags; --expires-after sets when the file expires.  Exits 65 on bad
 * input (nothing sent), 2 for a bad option (nothing sent), 75 when the
 * network or the server failed after the retries, 77 without a good
 * key.
 */
#include <getopt.h>

#include "bw.h"

static const char synopsis[] =
    BW_API_SYNOPSIS "\n"
    "       [--max-requests n] [--max-file size] [--max-line size] [--reuse]\n"
    "       [--expires-after seconds] [file ...]";

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "max-requests", required_argument, 0, 'R' },
		{ "max-file", required_argument, 0, 'F' },
		{ "max-line", required_argument, 0, 'L' },
		{ "reuse", no_argument, 0, 'r' },
		{ "expires-after", required_argument, 0, 'X' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_upload_opts lim = { 50000, 200 << 20, 20 << 20, 0, NULL, 0, NULL, 0, 0, 0 };
	struct bw_api api;
	struct bw_out out;
	int c;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "h", opts, NULL)) != -1)
		switch (c) {
		case 'R': lim.max_requests = bw_parse_size("--max-requests", optarg); break;
		case 'F': lim.max_file = bw_parse_size("--max-file", optarg); break;
		case 'L': lim.max_line = bw_parse_size("--max-line", optarg); break;
		case 'r': lim.reuse = 1; break;
		case 'X':
			lim.expires_after = bw_parse_expiry("--expires-after",
			    optarg);
			break;
		case 'h':
			bw_help(synopsis, BW_API_HELP
			    "      --max-requests N    requests in one batch file (default 50000)\n"
			    "      --max-file SIZE     bytes in one batch file (default 200M)\n"
			    "      --max-line SIZE     bytes in one line (default 20M)\n"
			    "      --reuse             print the server's batch file of the same\n"
			    "                          name and size instead of uploading again\n"
			    "      --expires-after S   the file expires S seconds after its upload\n"
			    "                          (3600..2592000, or 1h..30d; default 30 days)\n"
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	bw_api_init(&api);
	bw_out_open(&out, 1, "stdout", 0);
	if (optind == argc)
		bw_upload(&api, NULL, &lim, &out);
	for (int i = optind; i < argc; i++) {
		bw_upload(&api, argv[i], &lim, &out);
		bw_out_flush(&out);
	}
	bw_out_commit(&out);
	bw_api_free(&api);
	return 0;
}
