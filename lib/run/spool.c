/*
 * spool.c: many runs, one tick.  Every run directory in a spool gets one
 * step, each under its own lock (a run another tick holds is skipped,
 * quietly), and one look serves them all: the batches of every run in
 * flight are found in pages of the list, newest first, at most
 * ceil(active/100) pages and one GET by id for one the pages did not
 * show.  Each run works in a process of its own, so that a broken run
 * (a damaged directory, a batch the API no longer knows) is reported and
 * never stops the others.  With wake, only the runs that hold the
 * batches the records name take a step, each batch read again by its id
 * first (an event is only a hint).  One JSON line tells what happened.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "run.h"

enum { S_BUSY, S_BROKEN, S_RUNNING, S_FINISHED, S_DONE };

struct entry {
	char *name, *dir;
	int lock;		/* its lock, held; -1 */
	int state;
	char *why;		/* S_BROKEN, S_FAILED */
	char **live;		/* its batches in flight */
	int nlive;
};

/* Batch objects seen in this tick's look, by id. */
struct seen {
	struct bw_arena ar;
	struct bw_v *b;
	int n;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

/* The last line a child wrote on its stderr, without "bw-run: ". */
static char *
last_line(const char *buf, size_t n)
{
	const char *e, *b, *pre;

	while (n > 0 && buf[n - 1] == '\n')
		n--;
	e = buf + n;
	for (b = e; b > buf && b[-1] != '\n'; b--)
		;
	pre = fmt("%s: ", bw_progname());
	if ((size_t)(e - b) > strlen(pre) && !memcmp(b, pre, strlen(pre)))
		b += strlen(pre);
	free((char *)pre);
	return fmt("%.*s", (int)(e - b), b);
}

/* Keeps the last 4 KiB written to o. */
static void
tail_add(struct bw_out *o, const char *p, size_t n)
{
	enum { TAIL = 4096 };

	if (n >= TAIL) {
		p += n - TAIL;
		n = TAIL;
	}
	if (o->n + n > TAIL) {
		size_t drop = o->n + n - TAIL;
		memmove(o->buf, o->buf + drop, o->n - drop);
		o->n -= drop;
		o->total -= drop;
	}
	bw_out_write(o, p, n);
}

/* Runs fn(arg, e) in a child: returns its exit status (or 128 and the
   signal), what it wrote on stdout in *outbuf and *outn (the caller's
   to free; or dropped, outbuf NULL), and after a failure the last line
   it wrote on stderr in e->why.  What it writes on stderr goes on to
   ours as it comes. */
static int
in_child(struct bw_api *api, struct entry *e,
    void (*fn)(void *, struct entry *), void *arg, char **outbuf,
    size_t *outn)
{
	int po[2], pe[2], st;
	pid_t pid;
	struct bw_out ob, eb;
	struct pollfd pf[2];
	char buf[8192];

	if (pipe(po) < 0 || pipe(pe) < 0)
		bw_die(BW_EX_IOERR, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		bw_die(BW_EX_IOERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(po[0]);
		close(pe[0]);
		if (dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(BW_EX_IOERR);
		close(po[1]);
		close(pe[1]);
		bw_api_forked(api);
		fn(arg, e);
		exit(0);
	}
	close(po[1]);
	close(pe[1]);
	bw_out_open(&ob, -1, "output", 0);
	bw_out_open(&eb, -1, "errors", 0);
	/* both read as they come, to their end: stdout kept, stderr
	   passed on at once (an --exec command may say much), its last
	   bytes kept for the reason of a failure */
	pf[0] = (struct pollfd){ po[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ pe[0], POLLIN, 0 };
	{
		int nopen = 2;
		double told = 0;
		while (nopen > 0) {
			if (bw_interrupted && !told) {
				kill(pid, SIGTERM);	/* it stops within a second */
				told = bw_now();
			} else if (told && bw_now() - told > 1.5) {
				kill(pid, SIGKILL);	/* it did not */
				break;
			}
			if (poll(pf, 2, 200) <= 0)
				continue;	/* a look at bw_interrupted at times */
			for (int i = 0; i < 2; i++) {
				ssize_t got;
				if (pf[i].fd < 0 || !pf[i].revents)
					continue;
				if ((got = read(pf[i].fd, buf, sizeof buf)) < 0 &&
				    errno == EINTR)
					continue;
				if (got <= 0) {
					close(pf[i].fd);
					pf[i].fd = -1;
					nopen--;
				} else if (i == 0) {
					bw_out_write(&ob, buf, (size_t)got);
				} else {
					tail_add(&eb, buf, (size_t)got);
					/* stderr gone: nothing to tell */
					(void)!write(2, buf, (size_t)got);
				}
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			bw_die(BW_EX_IOERR, "waitpid: %s", strerror(errno));
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (st != 0 && st != BW_EX_NO && st != BW_EX_TEMPFAIL) {
		free(e->why);
		e->why = eb.n ? last_line(eb.buf, eb.n) :
		    fmt("exited %d", st);
	}
	bw_out_discard(&eb);
	if (outbuf) {
		*outbuf = ob.buf;	/* the caller's */
		*outn = ob.n;
	} else {
		bw_out_discard(&ob);
	}
	return st;
}

struct ctx {
	struct bw_api *api;
	const struct bw_run_opts *o;
	struct seen *seen;
};

static void
open_run(struct ctx *c, struct entry *e, struct run *r,
    struct bw_run_opts *o, struct bw_arena *ar)
{
	*o = *c->o;
	o->spool = NULL;
	o->dir = e->dir;
	memset(r, 0, sizeof *r);
	r->api = c->api;
	r->dir = e->dir;
	r->start = bw_now();
	r->silent = 1;
	run_load(r, o, ar);
}

/* Child: the run's batches in flight, "ID CREATED_AT" a line. */
static void
child_live(void *arg, struct entry *e)
{
	struct ctx *c = arg;
	struct bw_run_opts o;
	struct run r;
	struct bw_arena ar = { 0 };
	struct bw_out out;

	open_run(c, e, &r, &o, &ar);
	bw_out_open(&out, 1, "stdout", 0);
	run_live(&r, &out);
	bw_out_str(&out, run_finished(&r) && delivered(&r) ? "done\n" :
	    "working\n");
	bw_out_commit(&out);
}

/* Child: one step of the run, with the batches the look saw; exits
   0 or 1 (finished, and told), 75 (work remains), or dies. */
static void
child_step(void *arg, struct entry *e)
{
	struct ctx *c = arg;
	struct bw_run_opts o;
	struct run r;
	struct bw_arena ar = { 0 };
	int rc;

	open_run(c, e, &r, &o, &ar);
	for (int i = 0; i < c->seen->n; i++)
		run_seen(&r, c->seen->b[i]);
	if (!run_finished(&r) && run_advance(&r))
		exit(BW_EX_TEMPFAIL);
	if (bw_interrupted)
		bw_reraise();
	rc = run_finish(&r);
	if (bw_interrupted)
		bw_reraise();
	exit(rc);
}

struct getting {
	struct bw_api *api;
	const char *id;
};

/* Child: one batch by its id, as one line. */
static void
child_get(void *arg, struct entry *e)
{
	struct getting *g = arg;
	struct bw_arena ar = { 0 };
	struct bw_out out;

	(void)e;
	bw_out_open(&out, 1, "stdout", 0);
	bw_out_v(&out, bw_batch_get(g->api, &ar, g->id));
	bw_out_commit(&out);
}

static void add_seen(struct seen *s, struct bw_v b);

/* A batch of run e, by its id, in a child: one the API no longer knows
   makes e broken, not the tick. */
static void
get_one(struct bw_api *api, struct entry *e, const char *id,
    struct seen *seen)
{
	struct getting g = { api, id };
	char *buf;
	size_t len;
	const char *why;
	struct bw_v b;

	switch (in_child(api, e, child_get, &g, &buf, &len)) {
	case 0:
		break;
	case BW_EX_TEMPFAIL:	/* the network's, not the run's: next tick */
		free(buf);
		return;
	default:
		e->state = S_BROKEN;
		free(buf);
		return;
	}
	b = bw_read(&seen->ar, buf, len, INT_MAX, &why, NULL);
	free(buf);
	if (b.kind == BW_OBJ)
		add_seen(seen, b);
}

static void
add_seen(struct seen *s, struct bw_v b)
{
	if (!(s->b = realloc(s->b, (s->n + 1) * sizeof *s->b)))
		bw_die(BW_EX_IOERR, "out of memory");
	s->b[s->n++] = b;
}

static int
is_live(struct entry *es, int n, struct bw_v id, int *found)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < es[i].nlive; k++)
			if (bw_is(id, es[i].live[k])) {
				*found = i;
				return 1;
			}
	return 0;
}

struct listing {
	struct entry *es;
	int n;
	struct seen *seen;
};

static int
take_live(void *arg, struct bw_v b)
{
	struct listing *l = arg;
	int who;

	if (!is_live(l->es, l->n, bw_get(b, "id"), &who))
		return 0;
	add_seen(l->seen, b);
	return 1;
}

/* One look for every run: pages of the list back to the oldest batch
   in flight (look_pages), then one not seen by its id. */
static void
look_all(struct bw_api *api, struct entry *es, int n, double oldest,
    size_t active, struct seen *seen)
{
	struct listing l = { es, n, seen };

	if (!look_pages(api, &seen->ar, active, oldest, take_live, &l) ||
	    bw_interrupted)
		return;
	/* one the pages did not show, by its id */
	for (int i = 0; i < n; i++)
		for (int k = 0; k < es[i].nlive; k++) {
			int shown = 0;
			for (int j = 0; j < seen->n && !shown; j++)
				shown = bw_is(bw_get(seen->b[j], "id"),
				    es[i].live[k]);
			if (!shown) {
				get_one(api, &es[i], es[i].live[k], seen);
				return;
			}
		}
}

static void
list_names(struct bw_out *o, const char *key, struct entry *es, int n,
    int state)
{
	int first = 1;

	bw_out_str(o, ",\"");
	bw_out_str(o, key);
	bw_out_str(o, "\":[");
	for (int i = 0; i < n; i++) {
		if (es[i].state != state)
			continue;
		if (!first)
			bw_out_char(o, ',');
		first = 0;
		if (state == S_BROKEN) {
			bw_out_str(o, "{\"run\":");
			bw_out_jstr(o, es[i].name, strlen(es[i].name));
			bw_out_str(o, ",\"reason\":");
			bw_out_jstr(o, es[i].why ? es[i].why : "",
			    es[i].why ? strlen(es[i].why) : 0);
			bw_out_char(o, '}');
		} else {
			bw_out_jstr(o, es[i].name, strlen(es[i].name));
		}
	}
	bw_out_char(o, ']');
}

/* The batch ids the records name (events, Batch objects, ids). */
static char **
wanted(char **recs, int nrecs, int *n)
{
	struct bw_records rr;
	struct bw_v rec;
	char **ids = NULL;

	*n = 0;
	bw_records_open(&rr, recs, nrecs);
	while (bw_records_next(&rr, &rec)) {
		const char *id = bw_batch_id(&rr, rec);
		if (!(ids = realloc(ids, (*n + 1) * sizeof *ids)))
			bw_die(BW_EX_IOERR, "out of memory");
		ids[(*n)++] = fmt("%s", id);
	}
	return ids;
}

int
spool(struct bw_api *api, struct bw_run_opts *o, char **recs, int nrecs)
{
	struct entry *es = NULL;
	struct seen seen = { 0 };
	struct ctx c = { api, o, &seen };
	struct bw_out out;
	DIR *d;
	struct dirent *de;
	int n = 0, rc = 0, nwant = 0, checked = 0;
	char **want = NULL;
	double oldest = 1e300;
	size_t active = 0;

	if (o->dir || o->model || o->status || o->cancel || o->dry_run)
		bw_die(BW_EX_USAGE, "--spool: takes no -d, -m, --status, "
		    "--cancel or --dry-run: those are a run's");
	if (!o->once)
		bw_die(BW_EX_USAGE, "--spool: one step of every run needs "
		    "--once (the cron line: bw-run --spool DIR --once)");
	if (o->exec || o->notify || o->expires_after ||
	    o->output_expires_after || o->delete_files)
		bw_die(BW_EX_USAGE, "--spool: --exec, --notify, the expiries "
		    "and --delete-files are a run's: give them when the run is "
		    "made (bw-run -d %s/NAME ...)", o->spool);
	if (nrecs && !o->wake)
		bw_die(BW_EX_USAGE, "%s: --spool reads no requests (records "
		    "only with --wake)", recs[0]);
	if (o->wake)
		want = wanted(recs, nrecs, &nwant);
	if (!(d = opendir(o->spool)))
		bw_die(BW_EX_USAGE, "--spool: %s: %s", o->spool, strerror(errno));
	while ((de = readdir(d))) {
		struct stat st;
		char *dir;
		if (de->d_name[0] == '.')
			continue;
		dir = fmt("%s/%s", o->spool, de->d_name);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(dir);
			continue;
		}
		if (!(es = realloc(es, (n + 1) * sizeof *es)))
			bw_die(BW_EX_IOERR, "out of memory");
		memset(&es[n], 0, sizeof *es);
		es[n].name = fmt("%s", de->d_name);
		es[n].dir = dir;
		es[n].lock = -1;
		n++;
	}
	closedir(d);
	if (n)
		qsort(es, n, sizeof *es, by_name);
	bw_api_init(api);
	if (o->timeout > 0)	/* the whole tick's, its children's too */
		api->deadline = bw_now() + o->timeout;
	bw_catch_signals();
	/* each run locked, and asked what it has in flight */
	for (int i = 0; i < n && !bw_interrupted; i++) {
		struct entry *e = &es[i];
		char *p = fmt("%s/lock", e->dir), *buf, *line, *save;
		char *sp = fmt("%s/settings.json", e->dir);
		size_t len;
		int st, made = exists(sp);
		free(sp);
		/* a run being made holds its lock before its settings are
		   kept; a directory that is no run is told, and not touched */
		if (!made) {
			e->lock = open(p, O_RDWR | O_CLOEXEC);
			if (e->lock >= 0 && flock(e->lock, LOCK_EX | LOCK_NB) < 0) {
				e->state = S_BUSY;
			} else {
				e->state = S_BROKEN;
				e->why = fmt("%s: not a run (no settings.json)",
				    e->dir);
			}
			if (e->lock >= 0)
				close(e->lock);
			e->lock = -1;
			free(p);
			continue;
		}
		if ((e->lock = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0) {
			e->state = S_BROKEN;
			e->why = fmt("%s: %s", p, strerror(errno));
			free(p);
			continue;
		}
		free(p);
		if (flock(e->lock, LOCK_EX | LOCK_NB) < 0) {
			e->state = S_BUSY;	/* another tick's: quietly */
			close(e->lock);
			e->lock = -1;
			continue;
		}
		checked++;
		st = in_child(api, e, child_live, &c, &buf, &len);
		if (st != 0) {
			e->state = S_BROKEN;
			if (!e->why)
				e->why = fmt("exited %d", st);
			free(buf);
			continue;
		}
		buf = realloc(buf, len + 1);
		buf[len] = 0;
		e->state = S_RUNNING;
		for (line = strtok_r(buf, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');
			if (!strcmp(line, "done")) {
				e->state = S_DONE;
				continue;
			}
			if (!sp || !strcmp(line, "working"))
				continue;
			*sp = 0;
			if (!(e->live = realloc(e->live, (e->nlive + 1) *
			    sizeof *e->live)))
				bw_die(BW_EX_IOERR, "out of memory");
			e->live[e->nlive++] = fmt("%s", line);
			if (atof(sp + 1) < oldest)
				oldest = atof(sp + 1);
			active++;
		}
		free(buf);
	}
	/* one look for all (with --wake: the batches named, by id) */
	if (o->wake) {
		int who;
		for (int i = 0; i < nwant && !bw_interrupted; i++)
			if (is_live(es, n, bw_str(&seen.ar, want[i],
			    strlen(want[i])), &who) && es[who].state == S_RUNNING)
				get_one(api, &es[who], want[i], &seen);
	} else if (active && !bw_interrupted) {
		look_all(api, es, n, oldest, active, &seen);
	}
	/* then each run's step: with --wake only those holding a batch
	   named (and none that finished already) */
	for (int i = 0; i < n && !bw_interrupted; i++) {
		struct entry *e = &es[i];
		int st, mine = !o->wake;
		if (e->state != S_RUNNING)
			continue;
		for (int k = 0; k < e->nlive && !mine; k++)
			for (int j = 0; j < seen.n && !mine; j++)
				mine = bw_is(bw_get(seen.b[j], "id"), e->live[k]);
		if (!mine)
			continue;
		st = in_child(api, e, child_step, &c, NULL, NULL);
		/* 1: finished with requests that failed: the results' news,
		   not the run's */
		if (st == 0 || st == BW_EX_NO)
			e->state = S_FINISHED;
		else if (st != BW_EX_TEMPFAIL)
			e->state = S_BROKEN;
	}
	if (bw_interrupted)
		bw_reraise();
	/* a delivery still to be made is work that remains: the child
	   said 75, and warned */
	bw_out_open(&out, 1, "stdout", 0);
	bw_out_str(&out, "{\"checked\":");
	bw_out_number(&out, checked);
	list_names(&out, "finished", es, n, S_FINISHED);
	list_names(&out, "running", es, n, S_RUNNING);
	list_names(&out, "done", es, n, S_DONE);
	list_names(&out, "busy", es, n, S_BUSY);
	list_names(&out, "failed", es, n, S_BROKEN);
	bw_out_str(&out, "}\n");
	for (int i = 0; i < n; i++)
		if (es[i].state == S_RUNNING || es[i].state == S_BUSY)
			rc = BW_EX_TEMPFAIL;
	if (!rc)
		for (int i = 0; i < n; i++)
			if (es[i].state == S_BROKEN)
				rc = BW_EX_NO;
	bw_out_commit(&out);
	for (int i = 0; i < n; i++) {
		if (es[i].lock >= 0)
			close(es[i].lock);
		for (int k = 0; k < es[i].nlive; k++)
			free(es[i].live[k]);
		free(es[i].live);
		free(es[i].name);
		free(es[i].dir);
		free(es[i].why);
	}
	free(es);
	free(seen.b);
	bw_arena_free(&seen.ar);
	for (int i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
	return rc;
}
