/*
 * bw-poll: Batch objects or batch ids → each Batch object once it ends.
 *
 * Polls every batch named (operands, or one a line on stdin) in one
 * process until each is completed, failed, expired or cancelled, and
 * writes its Batch object the moment it ends.  Exits 0 if every batch
 * completed, 1 if any did not (the reason on stderr), 75 at the -t
 * timeout or, with --once, when any is still running.
 */
#include <getopt.h>
#include <stdlib.h>

#include "bw.h"

static const char synopsis[] =
    "[-i seconds] [-t seconds] [--once] " BW_API_SYNOPSIS "\n       [batch ...]";

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "interval", required_argument, 0, 'i' },
		{ "timeout", required_argument, 0, 't' },
		{ "once", no_argument, 0, '1' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_poll_opts o = { 15, 0, 0 };
	struct bw_records r;
	struct bw_api api;
	struct bw_out out;
	int c, rc;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "i:t:h", opts,
	    NULL)) != -1)
		switch (c) {
		case 'i':
			if ((o.interval = bw_parse_seconds("-i", optarg)) < 0.001)
				bw_die(BW_EX_USAGE, "-i: more than 0 seconds");
			break;
		case 't': o.timeout = bw_parse_seconds("-t", optarg); break;
		case '1': o.once = 1; break;
		case 'h':
			bw_help(synopsis,
			    "  -i, --interval S        seconds between looks (default 15)\n"
			    "  -t, --timeout S         give up after S seconds (exit 75)\n"
			    "      --once              look once, print, exit 0/1 if ended, 75 if not\n"
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
	rc = bw_poll(&api, &r, &o, &out);
	bw_out_commit(&out);
	bw_api_free(&api);
	return rc;
}
