/*
 * bw-jsonl: requests → OpenAI batch input lines.
 *
 * Reads requests in the AI SDK's generateText shape (or raw batch lines
 * with custom_id and body), one JSON object a line, from the files named
 * or stdin, and writes {custom_id,method,url,body} lines whose bodies are
 * what the AI SDK would send for the model and endpoint.  All or nothing:
 * exits 65 with nothing written when any line is bad or a limit is
 * passed, 74 when the output cannot be written, 2 on a usage error.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] =
    "-m model [-e endpoint] [-d json]\n"
    "       [--split prefix] [--max-requests n] [--max-body size]\n"
    "       [--max-file size] [--max-line size] [file ...]";

static BW_NORETURN void
help(void)
{
	bw_help(synopsis,
	    "  -m, --model MODEL       the model of every request (an openai/ prefix is dropped)\n"
	    "  -e, --endpoint NAME     chat (default), responses, completions,\n"
	    "                          embeddings, images, image-edits or moderations\n"
	    "  -d, --defaults JSON     an object of request fields under every request\n"
	    "  -s, --split PREFIX      write shards PREFIX-0001.jsonl, ... within the limits\n"
	    "                          and print their names\n"
	    "      --max-requests N    requests in one batch file (default 50000)\n"
	    "      --max-body SIZE     bytes in one request body (default 20M)\n"
	    "      --max-file SIZE     bytes in one batch file (default 200M)\n"
	    "      --max-line SIZE     bytes in one input line (default 20M)\n"
			    BW_HELP_TAIL);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "model", required_argument, 0, 'm' },
		{ "endpoint", required_argument, 0, 'e' },
		{ "defaults", required_argument, 0, 'd' },
		{ "split", required_argument, 0, 's' },
		{ "max-requests", required_argument, 0, 'R' },
		{ "max-body", required_argument, 0, 'B' },
		{ "max-file", required_argument, 0, 'F' },
		{ "max-line", required_argument, 0, 'L' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	struct bw_build b = {
		.max_requests = 50000, .max_body = 20 << 20,
		.max_file = 200 << 20, .max_line = 20 << 20,
	};
	const char *model = NULL, *defaults = NULL;
	int endpoint = BW_CHAT, c;

	bw_init(argv);
	while ((c = getopt_long(argc, argv, "m:e:d:s:h", opts, NULL)) != -1)
		switch (c) {
		case 'm': model = optarg; break;
		case 'e':
			if ((endpoint = bw_endpoint_parse(optarg)) < 0)
				bw_die(BW_EX_USAGE, "-e: not " BW_ENDPOINT_NAMES
				    ": %s",
				    bw_quote(optarg, strlen(optarg), 40));
			break;
		case 'd': defaults = optarg; break;
		case 's': b.split = optarg; break;
		case 'R': b.max_requests = bw_parse_size("--max-requests", optarg); break;
		case 'B': b.max_body = bw_parse_size("--max-body", optarg); break;
		case 'F': b.max_file = bw_parse_size("--max-file", optarg); break;
		case 'L': b.max_line = bw_parse_size("--max-line", optarg); break;
		case 'h': help(); break;
		case 'V': bw_version(); break;
		default: bw_usage(synopsis);
		}
	if (!model)
		bw_usage(synopsis);
	bw_mapper_init(&b.map, model, endpoint, defaults);
	bw_build(&b, argv + optind, argc - optind);
	bw_mapper_free(&b.map);
	free(b.shards);
	return 0;
}
