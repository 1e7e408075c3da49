/*
 * download.c: the output and error files of a batch that has ended,
 * streamed to the output (and kept in a directory if asked), resumed
 * where a transfer was cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

struct sink {
	struct bw_sink *to;
	int save;		/* a raw copy, or -1 */
	const char *savename;
	char last;		/* the last byte written */
	uint64_t n;		/* this file's bytes so far */
	const char *path;	/* for messages */
};

static void
to_sink(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	if (n == 0)
		return;
	/* result lines are JSON objects: an error page is not the file */
	if (s->n == 0 && p[0] != '{')
		bw_die(BW_EX_PROTOCOL, "GET %s: the content is not JSON lines: "
		    "%s", s->path, bw_quote(p, n < 60 ? n : 60, 60));
	s->n += n;
	s->last = p[n - 1];
	s->to->write(s->to->arg, p, n);
	if (s->save >= 0) {
		while (n > 0) {
			ssize_t w = write(s->save, p, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				bw_die(BW_EX_IOERR, "%s: %s", s->savename,
				    strerror(errno));
			p += w;
			n -= w;
		}
	}
}

/* A resume answered with the whole body: what came before goes. */
static void
rewind_sink(void *arg)
{
	struct sink *s = arg;

	s->to->again(s->to->arg);
	if (s->save >= 0 && (ftruncate(s->save, 0) < 0 ||
	    lseek(s->save, 0, SEEK_SET) < 0))
		bw_die(BW_EX_IOERR, "%s: %s", s->savename, strerror(errno));
	s->n = 0;
	s->last = '\n';
}

/* Sends file id to the sink (and keeps it in dir); lines, when not 0,
   is how many lines the batch says it holds, so that it may not be
   empty. */
static void
fetch_file(struct bw_api *a, struct bw_v id, const char *dir,
    struct bw_sink *to, double lines)
{
	struct bw_call c = { .method = "GET" };
	struct sink s = { to, -1, NULL, '\n', 0, NULL };
	struct bw_arena ar = { 0 };
	struct bw_v f, bytes;
	char path[512], save[4096], *tmp = NULL;
	int rc;

	if (!bw_id_valid(id.u.s, id.n))
		bw_die(BW_EX_PROTOCOL, "the server sent an invalid file id %s",
		    bw_quote(id.u.s, id.n, 80));
	/* the File object says how long the file is */
	snprintf(path, sizeof path, "/files/%s", id.u.s);
	f = bw_api_json(a, &ar, "GET", path, bw_of(BW_NONE));
	bytes = bw_get(f, "bytes");
	if (bytes.kind == BW_NUM && bytes.u.num >= 0 && bytes.u.num <= 0x1p53 &&
	    bytes.u.num == (double)(uint64_t)bytes.u.num) {
		c.size = (uint64_t)bytes.u.num;
		c.sized = 1;
	}
	bw_arena_free(&ar);
	snprintf(path, sizeof path, "/files/%s/content", id.u.s);
	if (to->begin)
		to->begin(to->arg, id.u.s);
	c.path = path;
	c.sink = to_sink;
	c.rewind = rewind_sink;
	c.sink_arg = &s;
	s.path = path;
	if (dir) {
		snprintf(save, sizeof save, "%s/%s.jsonl", dir, id.u.s);
		if (!(tmp = malloc(strlen(save) + 6)))
			bw_die(BW_EX_IOERR, "out of memory");
		sprintf(tmp, "%s.part", save);
		if ((s.save = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
		s.savename = tmp;
		bw_cleanup_path(tmp);
	}
	rc = bw_api_call(a, &c);
	if (rc != BW_CALL_OK)
		bw_api_fail(a, &c, rc);
	free(c.body);
	if (s.n == 0 && lines > 0)
		bw_die(BW_EX_PROTOCOL, "GET %s: the file is empty, though the "
		    "batch says it holds %.0f lines%s", path, lines,
		    bw_api_reqid(&c));
	if (c.received > 0 && s.last != '\n') {
		/* the last line ends as every other line does */
		to->write(to->arg, "\n", 1);
	}
	if (dir) {
		if (c.received > 0 && s.last != '\n' && write(s.save, "\n", 1) != 1)
			bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
		if (fsync(s.save) < 0 || close(s.save) < 0 ||
		    rename(tmp, save) < 0 || bw_syncdir(dir) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", save, strerror(errno));
		bw_cleanup_drop(tmp);
		free(tmp);
	}
}

int
bw_download(struct bw_api *a, struct bw_records *r, struct bw_v rec,
    const char *dir, struct bw_sink *to)
{
	struct bw_arena ar = { 0 };
	const char *id = bw_batch_id(r, rec), *s;
	struct bw_v b, outf, errf;
	int rc = 0;

	outf = bw_get(rec, "output_file_id");
	errf = bw_get(rec, "error_file_id");
	/* the record itself when it names its files plainly (a string each,
	   or null); anything else is asked of the server, which is checked */
	if (bw_is(bw_get(rec, "object"), "batch") && bw_batch_terminal(rec) &&
	    (outf.kind == BW_STR || errf.kind == BW_STR) &&
	    (outf.kind == BW_STR || outf.kind == BW_NULL) &&
	    (errf.kind == BW_STR || errf.kind == BW_NULL))
		b = rec;
	else
		b = bw_batch_get(a, &ar, id);
	id = bw_get(b, "id").u.s;
	s = bw_batch_status(b);
	if (!bw_batch_terminal(b))
		bw_die(BW_EX_TEMPFAIL, "%s is %s: nothing to download yet; run "
		    "again when it has ended (bw-poll)", id, s);
	outf = bw_get(b, "output_file_id");
	errf = bw_get(b, "error_file_id");
	if (outf.kind != BW_STR && errf.kind != BW_STR &&
	    strcmp(s, "completed")) {
		bw_batch_why_not(a, b, id);
		rc = 1;
	}
	if (!strcmp(s, "expired") || !strcmp(s, "cancelled"))
		bw_warn("%s %s: its output is partial: %.0f of %.0f requests "
		    "completed", id, s, bw_batch_count(b, "completed"),
		    bw_batch_count(b, "total"));
	if (outf.kind == BW_STR)
		fetch_file(a, outf, dir, to, bw_batch_count(b, "completed"));
	if (errf.kind == BW_STR)
		fetch_file(a, errf, dir, to, bw_batch_count(b, "failed"));
	bw_arena_free(&ar);
	return rc;
}

void
bw_download_file(struct bw_api *a, const char *id, const char *dir,
    struct bw_sink *to)
{
	fetch_file(a, bw_lit(id), dir, to, 0);
}
