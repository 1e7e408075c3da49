/*
 * poll.c: look at many batches in turn until each has ended, writing
 * each Batch object as it ends, with the progress on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bw.h"

static void
elapsed(char *buf, size_t n, double secs)
{
	long s = (long)secs;

	if (s >= 3600)
		snprintf(buf, n, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lds", s);
}

/* A batch polled: the last look's status and counts, and its object
   while the round that fetched it lasts. */
struct polled {
	char *id;
	struct bw_v last;
	const char *status;
	double completed, total, failed;
	int done, odd;		/* odd: an unknown status said */
	char said[128];
};

/* Dies 75 once the time given (-t) is up, clearing a drawn line. */
static void
late(const struct bw_poll_opts *o, double start, int drawn, size_t left,
    size_t n)
{
	if (o->timeout <= 0 || bw_now() - start < o->timeout)
		return;
	if (drawn)
		fputs("\r\033[K", stderr);
	bw_die(BW_EX_TEMPFAIL, "timed out after %gs: %zu of %zu batches not "
	    "finished", o->timeout, left, n);
}

int
bw_poll(struct bw_api *a, struct bw_records *r, const struct bw_poll_opts *o,
    struct bw_out *out)
{
	struct polled *p = NULL;
	struct bw_arena round = { 0 };
	size_t n = 0, cap = 0, left;
	double start = bw_now();
	int tty = isatty(2), rc = 0, drawn = 0;
	struct bw_v rec;

	while (bw_records_next(r, &rec)) {
		const char *id = bw_batch_id(r, rec);
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			dup |= !strcmp(p[i].id, id);
		if (!dup) {
			if (n == cap && !(p = realloc(p, (cap = cap ? cap * 2 : 16) *
			    sizeof *p)))
				bw_die(BW_EX_IOERR, "out of memory");
			memset(&p[n], 0, sizeof *p);
			if (!(p[n].id = strdup(id)))
				bw_die(BW_EX_IOERR, "out of memory");
			p[n].status = "in_progress";
			p[n++].last = bw_of(BW_NONE);
		}
	}
	if (n == 0)
		bw_die(BW_EX_DATAERR, "no batches in the input");
	bw_catch_signals();
	/* -t bounds the whole run: a request in flight then ends too */
	if (o->timeout > 0)
		a->deadline = start + o->timeout;
	for (left = n;;) {
		double tc = 0, tt = 0, tf = 0;
		bw_arena_reset(&round);
		for (size_t i = 0; i < n; i++)
			p[i].last = bw_of(BW_NONE);
		for (size_t i = 0; i < n && !bw_interrupted; i++) {
			if (p[i].done)
				continue;
			struct bw_v b = bw_batch_get(a, &round, p[i].id);
			p[i].last = b;
			p[i].status = bw_batch_status(b);
			if (!bw_batch_status_known(b) && !p[i].odd) {
				struct bw_v st = bw_get(b, "status");
				if (tty && drawn)
					fputs("\r\033[K", stderr);
				drawn = 0;
				bw_warn("%s: status %s is not one the API documents: "
				    "taken for a batch still running", p[i].id,
				    bw_quote(st.u.s, st.n, 60));
				p[i].odd = 1;
			}
			p[i].completed = bw_batch_count(b, "completed");
			p[i].total = bw_batch_count(b, "total");
			p[i].failed = bw_batch_count(b, "failed");
			if (bw_batch_terminal(b)) {
				p[i].done = 1;
				left--;
				if (tty && drawn)
					fputs("\r\033[K", stderr);
				drawn = 0;
				bw_batch_write(out, b);
				if (strcmp(p[i].status, "completed")) {
					bw_batch_why_not(a, b, p[i].id);
					rc = 1;
				}
			} else if (!tty) {
				char line[128], t[32];
				elapsed(t, sizeof t, bw_now() - start);
				if (p[i].total > 0)
					snprintf(line, sizeof line, "%s, %.0f/%.0f "
					    "done, %.0f failed", p[i].status,
					    p[i].completed, p[i].total, p[i].failed);
				else	/* validating: not counted yet */
					snprintf(line, sizeof line, "%s, counts not "
					    "known yet", p[i].status);
				if (strcmp(line, p[i].said) && !o->once) {
					bw_warn("%s: %s (%s)", p[i].id, line, t);
					snprintf(p[i].said, sizeof p[i].said, "%s", line);
				}
			}
		}
		if (bw_interrupted)
			break;
		for (size_t i = 0; i < n; i++) {
			tc += p[i].completed;
			tf += p[i].failed;
			tt += p[i].total;
		}
		if (left == 0)
			break;
		if (o->once) {
			for (size_t i = 0; i < n; i++)
				if (!p[i].done)
					bw_batch_write(out, p[i].last);
			rc = BW_EX_TEMPFAIL;
			break;
		}
		late(o, start, tty && drawn, left, n);
		if (tty) {
			char t[32];
			elapsed(t, sizeof t, bw_now() - start);
			if (n == 1 && tt <= 0)
				fprintf(stderr, "\r\033[K%s: %s, counts not known "
				    "yet, %s", p[0].id, p[0].status, t);
			else if (n == 1)
				fprintf(stderr, "\r\033[K%s: %s, %.0f/%.0f done, %.0f "
				    "failed, %s", p[0].id, p[0].status, tc, tt,
				    tf, t);
			else if (tt <= 0)
				fprintf(stderr, "\r\033[K%zu batches, %zu running: "
				    "counts not known yet, %s", n, left, t);
			else
				fprintf(stderr, "\r\033[K%zu batches, %zu running: "
				    "%.0f/%.0f done, %.0f failed, %s", n, left, tc,
				    tt, tf, t);
			drawn = 1;
		}
		double until = bw_now() + o->interval;
		if (o->timeout > 0 && until > start + o->timeout)
			until = start + o->timeout;
		while (!bw_interrupted && bw_now() < until) {
			struct timespec ts;
			double d = until - bw_now();
			if (d > 0.25)
				d = 0.25;
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		if (bw_interrupted)
			break;
		late(o, start, tty && drawn, left, n);
	}
	if (tty && drawn)
		fputs("\r\033[K", stderr);
	for (size_t i = 0; i < n; i++)
		free(p[i].id);
	free(p);
	bw_arena_free(&round);
	if (bw_interrupted) {
		bw_out_commit(out);
		bw_reraise();
	}
	return rc;
}
