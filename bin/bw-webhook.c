/*
 * bw-webhook: verify one OpenAI webhook delivery and print its event.
 *
 * Reads the body on stdin (CONTENT_LENGTH bytes when set) and the
 * webhook-id, -timestamp and -signature headers from the CGI variables
 * or the options, checks the Standard Webhooks signature with the
 * secret, and writes the event as one JSON line.  Exits 0; 1 when it
 * does not verify or was received already (nothing on stdout); 2 on a
 * usage error; 65 for a bad body; 77 without a secret.  With
 * REQUEST_METHOD set it answers as a CGI program.
 */
#include <getopt.h>
#include <stdlib.h>

#include "bw.h"

static const char synopsis[] =
    "[--id id] [--timestamp seconds] [--signature sig] [--secret-file file]\n"
    "       [--tolerance seconds] [--replay-dir dir] [--exec command] [--max-body size]";

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "id", required_argument, 0, 'I' },
		{ "timestamp", required_argument, 0, 'T' },
		{ "signature", required_argument, 0, 'S' },
		{ "secret-file", required_argument, 0, 'k' },
		{ "tolerance", required_argument, 0, 't' },
		{ "replay-dir", required_argument, 0, 'r' },
		{ "exec", required_argument, 0, 'x' },
		{ "max-body", required_argument, 0, 'B' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_webhook_opts o = { .tolerance = 300, .max_body = 20 << 20 };
	char *end;
	int c;

	bw_init(argv);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		switch (c) {
		case 'I': o.id = optarg; break;
		case 'T': o.timestamp = optarg; break;
		case 'S': o.signature = optarg; break;
		case 'k': o.secret_file = optarg; break;
		case 't':
			o.tolerance = strtoll(optarg, &end, 10);
			if (*end || *optarg < '0' || *optarg > '9' ||
			    o.tolerance > 86400 * 365)
				bw_die(BW_EX_USAGE, "--tolerance: not a number "
				    "of seconds");
			break;
		case 'r': o.replay_dir = optarg; break;
		case 'x': o.exec = optarg; break;
		case 'B': o.max_body = bw_parse_size("--max-body", optarg); break;
		case 'h':
			bw_help(synopsis,
			    "      --id ID             the webhook-id header (else HTTP_WEBHOOK_ID)\n"
			    "      --timestamp S       the webhook-timestamp header (else HTTP_WEBHOOK_TIMESTAMP)\n"
			    "      --signature SIG     the webhook-signature header (else HTTP_WEBHOOK_SIGNATURE)\n"
			    "      --secret-file FILE  the secret (else OPENAI_WEBHOOK_SECRET)\n"
			    "      --tolerance S       the timestamp's leeway either way (default 300)\n"
			    "      --replay-dir DIR    refuse a webhook-id received before (kept there)\n"
			    "      --exec COMMAND      also run COMMAND in the background, the event on\n"
			    "                          its stdin\n"
			    "      --max-body SIZE     refuse a larger body (default 20M)\n"
			    BW_HELP_TAIL);
			break;
		case 'V': bw_version(); break;
		default: bw_usage(synopsis);
		}
	if (optind != argc)
		bw_usage(synopsis);
	return bw_webhook_run(&o);
}
