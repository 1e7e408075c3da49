/*
 * bw-parse: batch output and error lines → one normalized result per line.
 *
 * Reads the lines of the files named (or stdin), in any order, and
 * writes {customId,status,text,finishReason,toolCalls?,refusal?,usage},
 * {customId,status,embedding|images|moderation,usage?} or
 * {customId,status,error} for each; with --input, a text result whose
 * request asked for structured output gains output or outputError.
 * Nothing is written unless every line is a batch result of a kind
 * bw-parse reads (and, with --input, of a request of the input).
 * Exits 0, 65 on bad input, 74 when the output cannot be written.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static const char synopsis[] =
    "[--raw] [--input FILE] [--max-line SIZE] [file ...]";

static BW_NORETURN void
help(void)
{
	bw_help(synopsis,
	    "  -r, --raw               add the provider's response body as \"response\"\n"
	    "  -i, --input FILE        the batch's input file: each result must answer\n"
	    "                          one of its requests, and gains the structured\n"
	    "                          output its request asked for\n"
	    "  -L, --max-line SIZE     refuse lines longer than SIZE bytes (default 20M)\n"
	    BW_HELP_TAIL);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "raw", no_argument, 0, 'r' },
		{ "input", required_argument, 0, 'i' },
		{ "max-line", required_argument, 0, 'L' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 }
	};
	size_t max = 20 << 20;
	int raw = 0, c, stdin_results;
	const char *input = NULL;
	struct bw_outputs *outs = NULL;
	unsigned long n = 0;
	struct bw_out out;

	bw_init(argv);
	while ((c = getopt_long(argc, argv, "ri:L:h", opts, NULL)) != -1)
		switch (c) {
		case 'r': raw = 1; break;
		case 'i': input = optarg; break;
		case 'L': max = bw_parse_size("--max-line", optarg); break;
		case 'h': help(); break;
		case 'V': bw_version(); break;
		default: bw_usage(synopsis);
		}
	stdin_results = optind == argc;
	for (int i = optind; i < argc; i++)
		stdin_results |= !strcmp(argv[i], "-");
	if (input && !strcmp(input, "-") && stdin_results)
		bw_die(BW_EX_USAGE, "--input -: the results are read from "
		    "standard input too");
	if (input)
		outs = bw_outputs_read(input);
	bw_out_open(&out, 1, "stdout", 1);
	if (optind == argc)
		n = bw_parse_file(&out, NULL, max, raw, outs);
	for (int i = optind; i < argc; i++)
		n += bw_parse_file(&out, argv[i], max, raw, outs);
	if (n == 0)
		bw_die(BW_EX_DATAERR, "no results in the input");
	bw_out_commit(&out);
	bw_outputs_free(outs);
	return 0;
}
