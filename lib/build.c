/* build.c: requests in, batch input lines (or shards of them) out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

static void
limit(struct bw_lines *l, const char *what, uint64_t max, const char *flag)
{
	int body = !strcmp(flag, "--max-body");	/* shards do not help */

	bw_lines_die(l, BW_EX_DATAERR, "past the limit of %llu %s (%s%s to "
	    "change it)", (unsigned long long)max, what,
	    body ? "" : "use --split, or ", flag);
}

static void
save_shards(struct bw_out *spool, const char *prefix, uint64_t *ends,
    size_t nshards)
{
	struct bw_out names;
	char **paths = calloc(nshards, sizeof *paths);
	uint64_t from = 0;

	if (!paths)
		bw_die(BW_EX_IOERR, "out of memory");
	for (size_t i = 0; i < nshards; i++) {
		int fd, n = snprintf(NULL, 0, "%s-%04zu.jsonl", prefix, i + 1);
		if (!(paths[i] = malloc(n + 1)))
			bw_die(BW_EX_IOERR, "out of memory");
		snprintf(paths[i], n + 1, "%s-%04zu.jsonl", prefix, i + 1);
		if ((fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", paths[i], strerror(errno));
		bw_cleanup_path(paths[i]);
		bw_out_save(spool, from, ends[i], fd, paths[i]);
		if (close(fd) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", paths[i], strerror(errno));
		from = ends[i];
	}
	bw_out_open(&names, 1, "stdout", 0);
	for (size_t i = 0; i < nshards; i++) {
		bw_out_str(&names, paths[i]);
		bw_out_char(&names, '\n');
	}
	bw_out_commit(&names);
	bw_cleanup_forget();
	for (size_t i = 0; i < nshards; i++)
		free(paths[i]);
	free(paths);
}

void
bw_build(struct bw_build *b, char **files, int nfiles)
{
	struct bw_out out, line;
	struct bw_strset *ids = bw_strset_new();
	struct bw_lines l;
	const char *s, *why, *url = bw_endpoint_url(b->map.endpoint);
	size_t n, col;
	unsigned long index = 0, inshard = 0;
	uint64_t *ends = NULL, shardstart = 0;
	size_t nshards = 0;
	char idbuf[32];

	bw_out_open(&out, 1, "stdout", 1);
	bw_out_open(&line, -1, "line", 0);
	line.jsorder = 1;
	for (int f = 0; f < (nfiles ? nfiles : 1); f++) {
		bw_lines_open(&l, nfiles ? files[f] : NULL, b->max_line);
		while (bw_lines_next(&l, &s, &n)) {
			jv req, body, cid;
			const char *id;
			size_t idlen;
			uint64_t bodystart, bodylen;
			unsigned long first;

			if (bw_blank(s, n))
				continue;
			req = bw_parse_line(s, n, &why, &col);
			if (!jv_is_valid(req))
				bw_lines_die(&l, BW_EX_DATAERR,
				    "invalid JSON at column %zu: %s", col, why);
			body = bw_map_request(&b->map, req, &cid, &why);
			if (!jv_is_valid(body))
				bw_lines_die(&l, BW_EX_DATAERR, "%s", why);
			if (jv_is_valid(cid)) {
				id = jv_string_value(cid);
				idlen = jv_string_length_bytes(jv_copy(cid));
			} else {
				idlen = snprintf(idbuf, sizeof idbuf,
				    "request-%lu", index);
				id = idbuf;
			}
			first = bw_strset_add(ids, id, idlen, l.lineno);
			if (first)
				bw_lines_die(&l, BW_EX_DATAERR,
				    "duplicate customId %s (first on line %lu)",
				    bw_quote(id, idlen, 200), first);
			line.n = 0;
			bw_out_str(&line, "{\"custom_id\":");
			bw_out_jstr(&line, id, idlen);
			bw_out_str(&line, ",\"method\":\"POST\",\"url\":\"");
			bw_out_str(&line, url);
			bw_out_str(&line, "\",\"body\":");
			bodystart = line.n;
			bw_out_json(&line, body);
			bodylen = line.n - bodystart;
			bw_out_str(&line, "}\n");
			jv_free(body);
			jv_free(cid);
			index++;

			if (bodylen > b->max_body)
				limit(&l, "bytes in a request body", b->max_body,
				    "--max-body");
			if (b->split && (inshard + 1 > b->max_requests ||
			    out.total - shardstart + line.n > b->max_file) &&
			    inshard > 0) {
				ends = realloc(ends, (nshards + 1) * sizeof *ends);
				if (!ends)
					bw_die(BW_EX_IOERR, "out of memory");
				ends[nshards++] = out.total;
				shardstart = out.total;
				inshard = 0;
			}
			if (inshard + 1 > b->max_requests)
				limit(&l, "requests in a batch", b->max_requests,
				    "--max-requests");
			if (out.total - shardstart + line.n > b->max_file)
				limit(&l, "bytes in a batch file", b->max_file,
				    "--max-file");
			bw_out_write(&out, line.buf, line.n);
			inshard++;
		}
		bw_lines_close(&l);
	}
	if (index == 0)
		bw_die(BW_EX_DATAERR, "no requests in the input");
	bw_strset_free(ids);
	bw_out_discard(&line);
	if (b->split) {
		ends = realloc(ends, (nshards + 1) * sizeof *ends);
		if (!ends)
			bw_die(BW_EX_IOERR, "out of memory");
		ends[nshards++] = out.total;
		save_shards(&out, b->split, ends, nshards);
		bw_out_discard(&out);
	} else {
		bw_out_commit(&out);
	}
	free(ends);
}
