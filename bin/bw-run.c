/*
 * bw-run: requests in, every request's result out, in input order,
 * through as many batches as the dataset needs.
 *
 * Splits the requests into shards within a batch's limits and the
 * queue budget, uploads and creates their batches, watches them by
 * listing, downloads what ended, tries again what a retry may fix, and
 * joins the results in input order.  Everything it decides or learns is
 * kept in the run directory first, so it goes on from where it was
 * stopped.  Exits 0 when every request succeeded, 1 when the run
 * finished with some that failed for good, 75 while work remains
 * (--once, -t).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] =
    "-d dir [-m model] [-e endpoint]\n"
    "       [-D json] [-i seconds] [-t seconds] [-q] [--once] [--attempts n]\n"
    "       [--max-requests n] [--max-file bytes] [--max-enqueued-tokens n]\n"
    "       [--expires-after s] [--output-expires-after s] [--delete-files]\n"
    "       [--exec command] [--notify url --notify-secret-file file\n"
    "       [--notify-allow-http] [--notify-allow-private]]\n"
    "       [--dry-run | --status | --cancel] " BW_API_SYNOPSIS "\n"
    "       [requests.jsonl]\n"
    "       bw-run --spool spool --once [--wake] [-t seconds]\n"
    "       [api options] [record ...]";

static uint64_t
count(const char *flag, const char *s)
{
	uint64_t n = bw_parse_size(flag, s);

	if (n == 0)
		bw_die(BW_EX_USAGE, "%s: must be more than 0", flag);
	return n;
}

enum { O_ONCE = BW_OPT_FIRST_FREE, O_ATTEMPTS, O_MAXREQ, O_MAXFILE,
	O_MAXTOK, O_DRY, O_STATUS, O_CANCEL, O_EXEC, O_NOTIFY, O_NSECRET,
	O_NHTTP, O_NPRIVATE, O_SPOOL, O_WAKE, O_EXPIRES, O_OEXPIRES, O_DELETE };

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		BW_API_LONGOPTS,
		{ "dir", required_argument, 0, 'd' },
		{ "model", required_argument, 0, 'm' },
		{ "endpoint", required_argument, 0, 'e' },
		{ "defaults", required_argument, 0, 'D' },
		{ "interval", required_argument, 0, 'i' },
		{ "timeout", required_argument, 0, 't' },
		{ "quiet", no_argument, 0, 'q' },
		{ "once", no_argument, 0, O_ONCE },
		{ "attempts", required_argument, 0, O_ATTEMPTS },
		{ "max-requests", required_argument, 0, O_MAXREQ },
		{ "max-file", required_argument, 0, O_MAXFILE },
		{ "max-enqueued-tokens", required_argument, 0, O_MAXTOK },
		{ "dry-run", no_argument, 0, O_DRY },
		{ "status", no_argument, 0, O_STATUS },
		{ "cancel", no_argument, 0, O_CANCEL },
		{ "exec", required_argument, 0, O_EXEC },
		{ "notify", required_argument, 0, O_NOTIFY },
		{ "notify-secret-file", required_argument, 0, O_NSECRET },
		{ "notify-allow-http", no_argument, 0, O_NHTTP },
		{ "notify-allow-private", no_argument, 0, O_NPRIVATE },
		{ "spool", required_argument, 0, O_SPOOL },
		{ "wake", no_argument, 0, O_WAKE },
		{ "expires-after", required_argument, 0, O_EXPIRES },
		{ "output-expires-after", required_argument, 0, O_OEXPIRES },
		{ "delete-files", no_argument, 0, O_DELETE },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_run_opts o = { .endpoint = -1, .interval = 15 };
	struct bw_api api;
	int c, modes;
	uint64_t n;

	bw_init(argv);
	bw_api_defaults(&api);
	while ((c = getopt_long(argc, argv, BW_API_SHORTOPTS "d:m:e:D:i:t:qh",
	    opts, NULL)) != -1)
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'm': o.model = optarg; break;
		case 'e':
			if ((o.endpoint = bw_endpoint_parse(optarg)) < 0)
				bw_die(BW_EX_USAGE, "-e: unknown endpoint %s ("
				    BW_ENDPOINT_NAMES ")",
				    bw_quote(optarg, strlen(optarg), 40));
			break;
		case 'D': o.defaults = optarg; break;
		case 'i':
			if ((o.interval = bw_parse_seconds("-i", optarg)) < 0.001)
				bw_die(BW_EX_USAGE, "-i: more than 0 seconds");
			break;
		case 't': o.timeout = bw_parse_seconds("-t", optarg); break;
		case 'q': o.quiet = 1; break;
		case O_ONCE: o.once = 1; break;
		case O_ATTEMPTS:
			if ((n = count("--attempts", optarg)) > 100)
				bw_die(BW_EX_USAGE, "--attempts: at most 100");
			o.attempts = (int)n;
			break;
		case O_MAXREQ:
			if ((o.max_requests = count("--max-requests", optarg)) >
			    50000)
				bw_die(BW_EX_USAGE, "--max-requests: at most 50000 "
				    "(a batch's limit)");
			break;
		case O_MAXFILE:
			o.max_file = count("--max-file", optarg);
			break;
		case O_MAXTOK:
			o.max_tokens = count("--max-enqueued-tokens", optarg);
			break;
		case O_DRY: o.dry_run = 1; break;
		case O_STATUS: o.status = 1; break;
		case O_CANCEL: o.cancel = 1; break;
		case O_EXEC:
			if (!*optarg)
				bw_die(BW_EX_USAGE, "--exec: an empty command");
			o.exec = optarg;
			break;
		case O_NOTIFY: o.notify = optarg; break;
		case O_NSECRET:
			/* kept with the run by its full name: the next step may
			   start elsewhere (cron) */
			if (!(o.notify_secret_file = realpath(optarg, NULL)))
				bw_die(BW_EX_USAGE, "--notify-secret-file: %s: %s",
				    optarg, strerror(errno));
			break;
		case O_NHTTP: o.notify_flags |= BW_NOTIFY_HTTP; break;
		case O_NPRIVATE: o.notify_flags |= BW_NOTIFY_PRIVATE; break;
		case O_SPOOL: o.spool = optarg; break;
		case O_WAKE: o.wake = 1; break;
		case O_EXPIRES:
			o.expires_after = bw_parse_expiry("--expires-after", optarg);
			break;
		case O_OEXPIRES:
			o.output_expires_after = bw_parse_expiry(
			    "--output-expires-after", optarg);
			break;
		case O_DELETE: o.delete_files = 1; break;
		case 'h':
			bw_help(synopsis,
			    "  -d, --dir DIR           the run directory: everything "
			    "the run keeps (required)\n"
			    "  -m, --model MODEL       the model (the first run; "
			    "later runs take it from DIR)\n"
			    "  -e, --endpoint E        chat (default), responses, "
			    "completions, embeddings,\n"
			    "                          images, image-edits or "
			    "moderations\n"
			    "  -D, --defaults JSON     request fields under every "
			    "request (bw-jsonl -d)\n"
			    "  -i, --interval S        seconds between looks "
			    "(default 15)\n"
			    "  -t, --timeout S         stop waiting after S seconds "
			    "(exit 75; run again to go on)\n"
			    "  -q, --quiet             do not print the results at "
			    "the end\n"
			    "      --once              one step of work, no waiting "
			    "(cron): 0 finished, 75 not yet\n"
			    "      --attempts N        tries of a request a retry "
			    "may fix (default 3)\n"
			    "      --max-requests N    requests in a batch (default "
			    "50000)\n"
			    "      --max-file BYTES    bytes in a batch file (default "
			    "200000000)\n"
			    "      --max-enqueued-tokens N\n"
			    "                          estimated tokens of the run's "
			    "unfinished batches\n"
			    "      --dry-run           print the shards it would make; "
			    "send nothing\n"
			    "      --status            print a JSON summary of the run "
			    "in DIR\n"
			    "      --cancel            cancel every batch of the run; "
			    "create no more\n"
			    "      --expires-after S   the input files expire S after "
			    "upload (1h to 30d)\n"
			    "      --output-expires-after S\n"
			    "                          the output and error files "
			    "expire S after creation\n"
			    "      --delete-files      when the results are kept, "
			    "delete the run's files\n"
			    "                          on the server\n"
			    "      --exec CMD          when the run finishes, run CMD "
			    "(sh) with the results\n"
			    "                          on its stdin, until it exits 0\n"
			    "      --notify URL        when the run finishes, POST a "
			    "signed event to URL\n"
			    "                          (https, a public address), "
			    "until a 2xx answer\n"
			    "      --notify-secret-file FILE\n"
			    "                          the secret that signs it "
			    "(whsec_...)\n"
			    "      --notify-allow-http, --notify-allow-private\n"
			    "                          let --notify use http, or a "
			    "private address\n"
			    "      --spool SPOOL       with --once: one step of every "
			    "run in SPOOL (cron)\n"
			    "      --wake              with --spool: only the runs of "
			    "the batches that the\n"
			    "                          records (events, ids) name\n"
			    BW_API_HELP
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default:
			if (!bw_api_option(&api, c, optarg))
				bw_usage(synopsis);
		}
	modes = o.dry_run + o.status + o.cancel;
	if (modes > 1)
		bw_die(BW_EX_USAGE, "--dry-run, --status and --cancel go alone");
	if (!o.dir && !o.dry_run && !o.spool)
		bw_usage(synopsis);
	if (o.wake && !o.spool)
		bw_die(BW_EX_USAGE, "--wake: wakes runs of a --spool");
	if (o.notify_flags && !o.notify)
		bw_die(BW_EX_USAGE, "--notify-allow-http and "
		    "--notify-allow-private go with --notify");
	if (o.notify_secret_file && !o.notify)
		bw_die(BW_EX_USAGE, "--notify-secret-file goes with --notify");
	if ((o.status || o.cancel) && optind < argc)
		bw_die(BW_EX_USAGE, "%s: no requests are read with %s",
		    argv[optind], o.status ? "--status" : "--cancel");
	c = bw_run(&api, &o, argv + optind, argc - optind);
	bw_api_free(&api);	/* before main's frame, which holds it, goes */
	return c;
}
