/*
 * par.c: the lines of an input worked on by several threads, taken in
 * order.
 *
 * The calling thread reads the input into chunks of whole lines; the
 * workers each take the oldest chunk not yet worked on and run work()
 * over its lines into the chunk's own buffers; the calling thread takes
 * the chunks back in input order and hands every line's output to
 * take().  So what a program prints, and the first error it dies of,
 * are the same as when it works line by line: a worker that meets a bad
 * line stops its chunk there, and the error is told only when every
 * line before it has been taken.  Errors of reading (a line past the
 * cap, a read error) wait their turn the same way.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

enum {
	CHUNK = 1 << 18,	/* input bytes in a chunk, at least one line */
	MAXLINES = 4096,	/* lines in a chunk */
	MAXTHREADS = 64,
	BUDGET = 1 << 24,	/* input bytes out at once, past one line */
};

enum { EMPTY, READY, BUSY, DONE };

struct rec {
	size_t in, n;		/* the line in the chunk's input */
	unsigned long lineno, index;
	uint64_t offset;
	int blank, skip, unterminated;
	size_t out, outn, aux, auxn, warn, warnn;
	uint64_t num;
	int mark;
};

struct chunk {
	int state;
	unsigned long seq;
	const char *name;	/* the input, for messages */
	char *in;
	size_t inn, incap;
	struct rec *r;
	size_t nr, rcap;
	struct bw_out out, aux, warn;
	size_t bad;		/* index of the line work() refused, or nr */
	int code;
	char *why;		/* work()'s reason, copied */
	unsigned long toolong;	/* line number of a line past the cap, or 0 */
	int readerr;		/* errno of a read error after the lines */
};

struct bw_par {
	const struct bw_par_ops *ops;
	int nth;
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t ready, done;
	int quit;
	struct chunk *c;
	int nc;
	unsigned long seq, index;
	size_t inflight;	/* input bytes in chunks not taken yet */
	uint64_t offset;	/* where the next line starts in its input */
	size_t max;
	void *inline_state;	/* the state when there is no worker */
	struct bw_arena inline_arena;
};

int
bw_par_threads(void)
{
	const char *e = getenv("BW_THREADS");
	long n;

	if (e && *e) {
		char *end;
		errno = 0;
		n = strtol(e, &end, 10);
		if (errno || *end || n < 1 || n > MAXTHREADS)
			bw_die(BW_EX_USAGE, "BW_THREADS: not a number from 1 to "
			    "%d: %s", MAXTHREADS, bw_quote(e, strlen(e), 40));
		return n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : n;
}

static void
lock(struct bw_par *p)
{
	pthread_mutex_lock(&p->mu);
}

static void
unlock(struct bw_par *p)
{
	pthread_mutex_unlock(&p->mu);
}

/* Runs work() over the lines of c, with a's memory for each. */
static void
work(struct bw_par *p, void *state, struct bw_arena *a, struct chunk *c)
{
	struct bw_job j;

	c->out.n = c->aux.n = c->warn.n = 0;
	c->bad = c->nr;
	free(c->why);
	c->why = NULL;
	for (size_t i = 0; i < c->nr; i++) {
		struct rec *r = &c->r[i];
		memset(&j, 0, sizeof j);
		j.s = c->in + r->in;
		j.n = r->n;
		j.lineno = r->lineno;
		j.index = r->index;
		j.offset = r->offset;
		j.blank = r->blank;
		j.unterminated = r->unterminated;
		j.out = &c->out;
		j.aux = &c->aux;
		j.warn = &c->warn;
		j.arena = a;
		j.code = BW_EX_DATAERR;
		r->out = c->out.n;
		r->aux = c->aux.n;
		r->warn = c->warn.n;
		const char *why = NULL;
		int rc = p->ops->work(state, &j, &why);
		/* the reason first: it may live in what is reset next */
		if (rc < 0 && !(c->why = strdup(why ? why : "refused")))
			bw_die(BW_EX_IOERR, "out of memory");
		bw_arena_reset(a);
		r->outn = c->out.n - r->out;
		r->auxn = c->aux.n - r->aux;
		r->warnn = c->warn.n - r->warn;
		r->num = j.num;
		r->mark = j.mark;
		r->skip = rc > 0;
		if (rc < 0) {
			c->bad = i;
			c->code = j.code;
			break;
		}
	}
}

static void *
worker(void *arg)
{
	struct bw_par *p = arg;
	void *state = p->ops->init ? p->ops->init(p->ops->arg) : p->ops->arg;
	struct bw_arena a = { 0 };

	lock(p);
	for (;;) {
		struct chunk *c = NULL;
		for (int i = 0; i < p->nc; i++)
			if (p->c[i].state == READY &&
			    (!c || p->c[i].seq < c->seq))
				c = &p->c[i];
		if (!c) {
			if (p->quit)
				break;
			pthread_cond_wait(&p->ready, &p->mu);
			continue;
		}
		c->state = BUSY;
		unlock(p);
		work(p, state, &a, c);
		lock(p);
		c->state = DONE;
		pthread_cond_broadcast(&p->done);
	}
	unlock(p);
	if (p->ops->fini)
		p->ops->fini(state);
	bw_arena_free(&a);
	bw_json_thread_end();
	return NULL;
}

struct bw_par *
bw_par_new(const struct bw_par_ops *ops, int threads)
{
	struct bw_par *p = calloc(1, sizeof *p);

	if (!p)
		bw_die(BW_EX_IOERR, "out of memory");
	p->ops = ops;
	p->nth = threads > 1 ? threads : 0;
	p->nc = p->nth ? 2 * p->nth + 1 : 1;
	if (!(p->c = calloc(p->nc, sizeof *p->c)) ||
	    !(p->th = calloc(p->nth + 1, sizeof *p->th)))
		bw_die(BW_EX_IOERR, "out of memory");
	for (int i = 0; i < p->nc; i++) {
		bw_out_open(&p->c[i].out, -1, "output", 0);
		bw_out_open(&p->c[i].aux, -1, "output", 0);
		bw_out_open(&p->c[i].warn, -1, "output", 0);
		p->c[i].out.jsorder = p->c[i].aux.jsorder = ops->jsorder;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->ready, NULL);
	pthread_cond_init(&p->done, NULL);
	if (!p->nth)
		p->inline_state = ops->init ? ops->init(ops->arg) : ops->arg;
	/* the mapper recurses through nested JSON Schema: the main
	   thread's stack size, not a smaller default some libcs have */
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 8 << 20);
	for (int i = 0; i < p->nth; i++) {
		int e = pthread_create(&p->th[i], &at, worker, p);
		if (e)
			bw_die(BW_EX_IOERR, "cannot start a thread: %s",
			    strerror(e));
	}
	pthread_attr_destroy(&at);
	return p;
}

static void
shrink(struct bw_out *o)
{
	if (o->cap > 64 * CHUNK) {
		int jsorder = o->jsorder;
		bw_out_discard(o);
		bw_out_open(o, -1, "output", 0);
		o->jsorder = jsorder;
	}
}

/* Hands the lines of c to take(), in order; dies at the first bad one. */
static void
take(struct bw_par *p, struct chunk *c)
{
	struct bw_job j;

	for (size_t i = 0; i < c->nr && i <= c->bad; i++) {
		struct rec *r = &c->r[i];
		for (size_t w = r->warn; w < r->warn + r->warnn;) {
			const char *msg = c->warn.buf + w;
			p->ops->warn(p->ops->arg, msg);
			w += strlen(msg) + 1;
		}
		if (i == c->bad)
			bw_die_line(c->name, r->lineno, c->code, "%s", c->why);
		if (r->skip)
			continue;
		memset(&j, 0, sizeof j);
		j.s = c->in + r->in;
		j.n = r->n;
		j.lineno = r->lineno;
		j.index = r->index;
		j.offset = r->offset;
		j.blank = r->blank;
		j.unterminated = r->unterminated;
		j.outp = c->out.buf + r->out;
		j.outn = r->outn;
		j.auxp = c->aux.buf + r->aux;
		j.auxn = r->auxn;
		j.num = r->num;
		j.mark = r->mark;
		p->ops->take(p->ops->arg, &j, c->name);
	}
	if (c->toolong)
		bw_die_line(c->name, c->toolong, BW_EX_DATAERR,
		    "longer than the limit of %zu bytes", p->max);
	if (c->readerr)
		bw_die(BW_EX_IOERR, "%s: read error: %s",
		    c->name ? c->name : "stdin", strerror(c->readerr));
	p->inflight -= c->inn;
	/* a chunk that held a very long line lets its memory go */
	if (c->incap > 64 * CHUNK) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
	}
	shrink(&c->out);
	shrink(&c->aux);
	shrink(&c->warn);
}

/* Reads the next lines of l into c; 0 at the end of the input. */
static int
fill(struct bw_par *p, struct chunk *c, struct bw_lines *l)
{
	const char *s;
	size_t n;
	int rc = 0;

	c->name = l->name;
	c->inn = c->nr = 0;
	c->toolong = 0;
	c->readerr = 0;
	while (c->nr < MAXLINES && (c->nr == 0 || c->inn < CHUNK) &&
	    (rc = bw_lines_next(l, &s, &n)) > 0) {
		if (c->nr == c->rcap) {
			c->rcap = c->rcap ? 2 * c->rcap : 256;
			if (!(c->r = realloc(c->r, c->rcap * sizeof *c->r)))
				bw_die(BW_EX_IOERR, "out of memory");
		}
		if (!c->in || c->inn + n > c->incap) {
			size_t cap = c->incap ? c->incap : CHUNK;
			while (cap < c->inn + n)
				cap *= 2;
			if (!(c->in = realloc(c->in, cap)))
				bw_die(BW_EX_IOERR, "out of memory");
			c->incap = cap;
		}
		struct rec *r = &c->r[c->nr++];
		memcpy(c->in + c->inn, s, n);
		r->in = c->inn;
		r->n = n;
		c->inn += n;
		r->lineno = l->lineno;
		r->offset = p->offset;
		p->offset += n + 1;
		r->unterminated = l->unterminated;
		r->blank = bw_blank(s, n);
		r->index = p->index;
		p->index += !r->blank;
	}
	if (rc == -1)
		c->toolong = l->lineno;
	if (rc == -2)
		c->readerr = l->err;
	p->inflight += c->inn;
	return c->nr > 0 || c->toolong || c->readerr;
}

void
bw_par_lines(struct bw_par *p, struct bw_lines *l)
{
	int more = 1;

	l->soft = 1;
	p->max = l->max;
	p->offset = 0;
	if (!p->nth) {
		while (fill(p, &p->c[0], l)) {
			work(p, p->inline_state, &p->inline_arena, &p->c[0]);
			take(p, &p->c[0]);
		}
		return;
	}
	/* The chunks form a ring, filled and taken in turn; a slot is left
	   empty for a round while long lines hold much memory already (the
	   order stays: each slot is taken a round after it is filled). */
	for (int i = 0; more; i = (i + 1) % p->nc) {
		struct chunk *c = &p->c[i];
		lock(p);
		while (c->state == READY || c->state == BUSY)
			pthread_cond_wait(&p->done, &p->mu);
		unlock(p);
		if (c->state == DONE)
			take(p, c);
		if (p->inflight >= BUDGET) {
			lock(p);
			c->state = EMPTY;
			unlock(p);
			continue;
		}
		more = fill(p, c, l);
		lock(p);
		c->seq = p->seq++;
		c->state = more ? READY : EMPTY;
		pthread_cond_signal(&p->ready);
		unlock(p);
	}
	/* Take what is still out, oldest first. */
	for (;;) {
		struct chunk *c = NULL;
		lock(p);
		for (int i = 0; i < p->nc; i++)
			if (p->c[i].state != EMPTY &&
			    (!c || p->c[i].seq < c->seq))
				c = &p->c[i];
		while (c && c->state != DONE)
			pthread_cond_wait(&p->done, &p->mu);
		unlock(p);
		if (!c)
			break;
		take(p, c);
		lock(p);
		c->state = EMPTY;
		unlock(p);
	}
}

void
bw_par_free(struct bw_par *p)
{
	lock(p);
	p->quit = 1;
	pthread_cond_broadcast(&p->ready);
	unlock(p);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	if (!p->nth && p->ops->fini)
		p->ops->fini(p->inline_state);
	bw_arena_free(&p->inline_arena);
	for (int i = 0; i < p->nc; i++) {
		bw_out_discard(&p->c[i].out);
		bw_out_discard(&p->c[i].aux);
		bw_out_discard(&p->c[i].warn);
		free(p->c[i].in);
		free(p->c[i].r);
		free(p->c[i].why);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->done);
	free(p->c);
	free(p->th);
	free(p);
}

void
bw_job_warn(struct bw_job *j, const char *msg)
{
	bw_out_write(j->warn, msg, strlen(msg) + 1);
}
