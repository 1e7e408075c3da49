/*
 * run.c: bw-run, a dataset of any size through as many batches as it
 * takes, to one result file in input order: the stages of an attempt,
 * looking at the batches by listing, the queue budget, the modes.  The
 * run directory (dir.c) is the run's whole memory.
 */
#include <math.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "run.h"

static void
progress_clear(struct run *r)
{
	if (r->drawn)
		fputs("\r\033[K", stderr);
	r->drawn = 0;
}

/* A line on stderr of what happened to the run (the progress line
   cleared first). */
void
say(struct run *r, const char *f, ...)
{
	va_list ap;
	char buf[1024];

	if (r->silent)
		return;
	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	progress_clear(r);
	bw_warn("%s", buf);
}

/* --- the stages, for one attempt --- */

static void
upload(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_upload_opts u = { r->o->max_requests, r->o->max_file,
		64 << 20, 1, NULL, 0, bw_endpoint_url(r->o->endpoint),
		a->requests, a->bytes, r->o->expires_after };
	char *in = apath(r, s, a->k, "jsonl"), *p = apath(r, s, a->k,
	    "file.json"), *name, *dp = apath(r, s, a->k, "upload.json");
	struct kept k;
	struct bw_arena ar = { 0 };

	u.name = name = fmt("bw-%s-s%04d-a%d.jsonl", r->token, s->n, a->k);
	/* the decision, kept before the request: a run that finds it was
	   cut short after it, and looks for the file before sending */
	if ((u.fresh = !exists(dp)))
		keep_json(dp, bw_set(&ar, bw_of(BW_OBJ), "name", bw_lit(name)));
	kept_open(&k, p);
	bw_upload(r->api, in, &u, &k.o);
	kept_keep(&k);
	copy_id(a->file, sizeof a->file, bw_get(load_json(&ar, p), "id"));
	a->uploaded = 1;
	bw_arena_free(&ar);
	free(in);
	free(p);
	free(dp);
	free(name);
}

/* Creates the batch of attempt a, or with find_only (a cancelled run)
   only finds the one a run cut short may have created: returns whether
   a has a batch now. */
static int
create(struct run *r, struct shard *s, struct attempt *a, int find_only)
{
	struct bw_arena ar = { 0 };
	struct bw_create_opts c = { .endpoint = r->o->endpoint, .lookback = 0,
		.same_metadata = 1, .find_only = find_only };
	int made;
	struct bw_records rec;
	char *fp = apath(r, s, a->k, "file.json"), *p;
	char *argv[] = { fp, NULL };
	struct bw_v file = load_json(&ar, fp), m = bw_of(BW_OBJ), d;
	struct kept k;

	m = bw_set(&ar, m, "bw_run", bw_str(&ar, r->token, strlen(r->token)));
	m = bw_set(&ar, m, "bw_shard", bw_strf(&ar, "%d", s->n));
	m = bw_set(&ar, m, "bw_attempt", bw_strf(&ar, "%d", a->k));
	m = bw_set(&ar, m, "bw_try", bw_strf(&ar, "%d", a->tries + 1));
	c.metadata = m;
	c.output_expires_after = r->o->output_expires_after;
	/* the decision, kept before the request: a run that finds it was
	   cut short after it, and looks for the batch before sending */
	d = bw_set(&ar, bw_of(BW_OBJ), "try", bw_num(a->tries + 1));
	d = bw_set(&ar, d, "file", bw_get(file, "id"));
	d = bw_set(&ar, d, "tokens", bw_num((double)a->tokens));
	d = bw_set(&ar, d, "metadata", m);
	p = apath(r, s, a->k, "create.json");
	if (bw_equal(load_json(&ar, p), d))
		c.lookback = 2;
	else if (find_only)	/* never decided: never sent */
		c.lookback = -1;
	else
		keep_json(p, d);
	free(p);
	if (c.lookback < 0) {
		bw_arena_free(&ar);
		free(fp);
		return 0;
	}
	kept_open(&k, p = apath(r, s, a->k, "batch.json"));
	bw_records_open(&rec, argv, 1);
	if ((made = bw_create(r->api, &rec, file, &c, &k.o))) {
		kept_keep(&k);
		batch_seen(a, load_json(&ar, p));
		a->created = 1;
		say(r, "s%04d/a%d: %s %s: %llu requests, about %llu tokens",
		    s->n, a->k, a->batch, find_only ? "found" : "created",
		    (unsigned long long)a->requests,
		    (unsigned long long)a->tokens);
	} else {
		kept_drop(&k);
	}
	bw_arena_free(&ar);
	free(fp);
	free(p);
	return made;
}

static int
token_limited(struct bw_v b)
{
	struct bw_v data = bw_get(bw_get(b, "errors"), "data");

	if (strcmp(bw_batch_status(b), "failed"))
		return 0;
	BW_EACH(data, i, m)
		if (bw_is(bw_get(m->v, "code"), "token_limit_exceeded"))
			return 1;
	return 0;
}

/* A batch of the run has ended: kept, or (over the queue limit) kept
   aside to be created again. */
static void
ended(struct run *r, struct shard *s, struct attempt *a, struct bw_v b)
{
	char *p;

	batch_seen(a, b);
	if (token_limited(b)) {
		keep_json(p = fmt("%s/s%04d/a%d.limited-%d.json", r->dir, s->n,
		    a->k, a->tries + 1), b);
		free(p);
		unset_create(r, s, a);
		a->tries++;
		a->limited_at = wall();
		say(r, "s%04d/a%d: %s met the queue's token limit: it will be "
		    "created again when room frees up", s->n, a->k, a->batch);
		return;
	}
	keep_json(p = apath(r, s, a->k, "done.json"), b);
	free(p);
	a->ended = 1;
	r->last_end = wall();
	say(r, "s%04d/a%d: %s %s: %.0f of %.0f requests done, %.0f failed",
	    s->n, a->k, a->batch, a->status, a->done, a->total, a->failed);
}

/* --- looking at the batches in flight --- */

int run_seen(struct run *r, struct bw_v b);

static int
live(const struct attempt *a)
{
	return a->created && !a->ended;
}

static struct attempt *
find(struct run *r, struct bw_v id, struct shard **sp)
{
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			if (live(a) && bw_is(id, a->batch)) {
				*sp = &r->s[i];
				return a;
			}
		}
	return NULL;
}

static void
seen(struct run *r, struct shard *s, struct attempt *a, struct bw_v b)
{
	a->seen = 1;
	if (bw_batch_terminal(b))
		ended(r, s, a, b);
	else
		batch_seen(a, b);
}

/* Pages of the list, newest first, for active batches in flight, the
   oldest created at oldest: at most ceil(active/100) pages, and none
   past the oldest.  take(arg, batch) is given every batch listed, and
   says whether it was one of those looked for; the batches are in ar.
   Returns how many of them were not seen. */
size_t
look_pages(struct bw_api *api, struct bw_arena *ar, size_t active,
    double oldest, int (*take)(void *, struct bw_v), void *arg)
{
	size_t unseen = active, pages = (active + 99) / 100, asked = 0;
	char after[300] = "";

	while (unseen && asked < pages && !bw_interrupted) {
		char path[400];
		struct bw_v list, data, last = bw_of(BW_NONE);
		snprintf(path, sizeof path, "/batches?limit=100%s%s",
		    after[0] ? "&after=" : "", after);
		list = bw_api_json(api, ar, "GET", path, bw_of(BW_NONE));
		asked++;
		data = bw_get(list, "data");
		if (data.kind != BW_ARR)
			bw_die(BW_EX_PROTOCOL, "GET %s/batches: the reply is not a "
			    "list", api->basepath);
		BW_EACH(data, i, m) {
			last = m->v;
			if (take(arg, m->v))
				unseen--;
		}
		if (bw_get(list, "has_more").kind != BW_TRUE || !last.kind)
			break;
		/* the page reaches past the oldest batch looked for */
		if (num(last, "created_at") < oldest)
			break;
		copy_id(after, sizeof after, bw_get(last, "id"));
		if (!bw_id_valid(after, strlen(after)))
			break;
	}
	return unseen;
}

static int
take_seen(void *arg, struct bw_v b)
{
	return run_seen(arg, b);
}

/* One look at every batch in flight: pages of the list (look_pages),
   then one batch not seen by its id: at most ceil(active/100)+1
   requests. */
static void
look(struct run *r)
{
	struct bw_arena ar = { 0 };
	size_t active = 0, unseen;
	double oldest = 1e300;

	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			a->seen = 0;
			if (live(a)) {
				active++;
				if (a->created_at < oldest)
					oldest = a->created_at;
			}
		}
	if (!active)
		return;
	unseen = look_pages(r->api, &ar, active, oldest, take_seen, r);
	if (unseen && !bw_interrupted) {
		/* the one looked at by id longest ago */
		struct attempt *best = NULL;
		struct shard *bs = NULL;
		for (int i = 0; i < r->ns; i++)
			for (int k = 0; k < r->s[i].na; k++) {
				struct attempt *a = &r->s[i].a[k];
				if (live(a) && !a->seen &&
				    (!best || a->looked < best->looked)) {
					best = a;
					bs = &r->s[i];
				}
			}
		best->looked = bw_now();
		seen(r, bs, best, bw_batch_get(r->api, &ar, best->batch));
	}
	bw_arena_free(&ar);
}

/* A Batch object listed for others (a spool's look): taken in when it
   is one of the run's batches in flight; returns whether it was. */
int
run_seen(struct run *r, struct bw_v b)
{
	struct shard *s;
	struct attempt *a = find(r, bw_get(b, "id"), &s);

	if (!a || a->seen)
		return 0;
	bw_batch_check(r->api, b, a->batch, "/batches");
	seen(r, s, a, b);
	return 1;
}

/* The run's batches in flight, "ID CREATED_AT" a line. */
void
run_live(struct run *r, struct bw_out *o)
{
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			char line[300];
			if (!live(a))
				continue;
			snprintf(line, sizeof line, "%s %.0f\n", a->batch,
			    a->created_at);
			bw_out_str(o, line);
		}
}

/* --- the run --- */

static uint64_t
in_flight(struct run *r)
{
	uint64_t t = 0;

	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++)
			if (live(&r->s[i].a[k]))
				t += r->s[i].a[k].tokens;
	return t;
}

/* A try that met the queue's limit goes again once a batch of the run
   has ended since, or after a wait that doubles (1 minute to 30). */
static int
may_try(struct run *r, const struct attempt *a)
{
	double wait;

	if (!a->tries)
		return 1;
	if (r->last_end > a->limited_at)
		return 1;
	wait = 60 * pow(2, a->tries - 1);
	if (wait > 1800)
		wait = 1800;
	return wall() - a->limited_at >= wait;
}

/* The attempt of a shard still to be worked on, or NULL. */
static struct attempt *
current(struct shard *s)
{
	struct attempt *a = &s->a[s->na - 1];

	return a->settled ? NULL : a;
}

static void
summary(struct run *r, uint64_t c[R_NKINDS], uint64_t *pending,
    uint64_t *total, int st[4])
{
	memset(c, 0, R_NKINDS * sizeof *c);
	*pending = *total = 0;
	memset(st, 0, 4 * sizeof *st);
	for (int i = 0; i < r->ns; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		*total += s->requests;
		for (int k = 0; k < s->na; k++)
			if (s->a[k].settled)
				for (int j = 0; j < R_NKINDS; j++)
					c[j] += s->a[k].count[j];
		if (!a)
			st[3]++;
		else if (live(a))
			st[1]++;
		else if (a->ended)
			st[2]++;
		else
			st[0]++;
		if (a)
			*pending += a->requests;
	}
}

static void
progress(struct run *r)
{
	uint64_t c[R_NKINDS], pending, total;
	int st[4];
	char line[256];

	if (r->silent)
		return;
	summary(r, c, &pending, &total, st);
	snprintf(line, sizeof line, "shards: %d queued, %d running, %d ending, "
	    "%d done; requests: %llu of %llu settled; %llu tokens in flight",
	    st[0], st[1], st[2], st[3],
	    (unsigned long long)(total - pending),
	    (unsigned long long)total, (unsigned long long)in_flight(r));
	if (r->tty) {
		fprintf(stderr, "\r\033[K%s: %s", bw_progname(), line);
		r->drawn = 1;
	} else if (strcmp(line, r->said)) {
		bw_warn("%s", line);
		snprintf(r->said, sizeof r->said, "%s", line);
	}
}

static int
finished(struct run *r)
{
	for (int i = 0; i < r->ns; i++)
		if (current(&r->s[i]))
			return 0;
	return 1;
}

/* Takes in what ended (seen in a look), makes what may be made.
   Returns 1 while work remains. */
int
run_advance(struct run *r)
{
	int remains = 0;
	uint64_t flying;

	for (int i = 0; i < r->ns && !bw_interrupted; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		if (a && (a->ended || (r->cancelled && !a->created)))
			settle(r, s, a);
	}
	flying = in_flight(r);
	for (int i = 0; i < r->ns && !bw_interrupted && !r->cancelled; i++) {
		struct shard *s = &r->s[i];
		struct attempt *a = current(s);
		if (!a || a->created || a->ended)
			continue;
		if (!may_try(r, a))
			continue;
		if (r->o->max_tokens && flying + a->tokens > r->o->max_tokens)
			break;	/* in order: the next waits for room */
		if (!a->uploaded)
			upload(r, s, a);
		create(r, s, a, 0);
		flying += a->tokens;
	}
	for (int i = 0; i < r->ns; i++)
		remains |= current(&r->s[i]) != NULL;
	return remains;
}

/* One step: look, take in what ended, make what may be made.  Returns
   1 while work remains. */
static int
step(struct run *r)
{
	look(r);
	return run_advance(r);
}

static void
print_results(struct run *r)
{
	char *p = fmt("%s/results.jsonl", r->dir);
	struct bw_out o;

	bw_out_open(&o, 1, "stdout", 0);
	each_block(p, BW_EX_IOERR, to_out, &o);
	bw_out_commit(&o);
	free(p);
}

/* An upload a run cut short may have made (its decision kept, no File
   object): found by its name and deleted, as a cancelled run uploads
   and creates nothing more and leaves no file of its making behind. */
static void
drop_upload(struct run *r, struct shard *s, struct attempt *a)
{
	struct bw_arena ar = { 0 };
	char *dp = apath(r, s, a->k, "upload.json");
	struct bw_v name = bw_get(load_json(&ar, dp), "name"), list, data;
	struct bw_out o;

	free(dp);
	if (name.kind != BW_STR)
		goto out;
	list = bw_api_json(r->api, &ar, "GET", "/files?purpose=batch&limit=1000",
	    bw_of(BW_NONE));
	data = bw_get(list, "data");
	for (uint32_t i = 0; data.kind == BW_ARR && i < data.n; i++) {
		struct bw_v f = data.u.m[i].v, id = bw_get(f, "id");
		if (!bw_equal(bw_get(f, "filename"), name) || id.kind != BW_STR)
			continue;
		bw_out_open(&o, -1, "deletion", 0);
		if (bw_file_delete(r->api, id.u.s, &o) == 0)
			say(r, "s%04d/a%d: %s, uploaded by a run cut short, "
			    "deleted", s->n, a->k, id.u.s);
		bw_out_discard(&o);
	}
out:
	bw_arena_free(&ar);
}

static void
cancel_all(struct run *r)
{
	char *p = fmt("%s/cancel", r->dir);

	if (!r->cancelled) {
		keep_json(p, bw_of(BW_OBJ));
		r->cancelled = 1;
	}
	free(p);
	/* a batch a run cut short may have created: found, to be
	   cancelled too */
	for (int i = 0; i < r->ns; i++) {
		struct attempt *a = &r->s[i].a[r->s[i].na - 1];
		char *dp = apath(r, &r->s[i], a->k, "upload.json");
		if (a->uploaded && !a->created && !a->settled)
			create(r, &r->s[i], a, 1);
		else if (!a->uploaded && exists(dp))
			drop_upload(r, &r->s[i], a);
		free(dp);
	}
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			struct kept kc;
			if (!live(a) || !strcmp(a->status, "cancelling"))
				continue;
			/* the answer kept, as bw-cancel prints it */
			kept_open(&kc, p = apath(r, &r->s[i], a->k,
			    "cancel.json"));
			if (bw_cancel(r->api, a->batch, &kc.o) == 0)
				say(r, "s%04d/a%d: %s: cancelling", r->s[i].n,
				    a->k, a->batch);
			kept_keep(&kc);
			free(p);
			snprintf(a->status, sizeof a->status, "cancelling");
		}
}

static void
status(struct run *r)
{
	uint64_t c[R_NKINDS], pending, total;
	int st[4], finished = 1;
	struct bw_out o;
	double u[3] = { 0, 0, 0 };
	char *p = fmt("%s/results.jsonl", r->dir);

	summary(r, c, &pending, &total, st);
	for (int i = 0; i < r->ns; i++)
		finished &= current(&r->s[i]) == NULL;
	if (finished && exists(p))
		final_counts(r, c);
	free(p);
	bw_out_open(&o, 1, "stdout", 0);
	bw_out_str(&o, "{\"dir\":");
	bw_out_jstr(&o, r->dir, strlen(r->dir));
	bw_out_str(&o, ",\"state\":\"");
	bw_out_str(&o, finished ? "finished" : r->cancelled ? "cancelling" :
	    "running");
	bw_out_str(&o, "\",\"shards\":{");
	char buf[512];
	snprintf(buf, sizeof buf, "\"total\":%d,\"queued\":%d,\"running\":%d,"
	    "\"ending\":%d,\"done\":%d},\"requests\":{\"total\":%llu", r->ns,
	    st[0], st[1], st[2], st[3], (unsigned long long)total);
	bw_out_str(&o, buf);
	if (finished) {
		for (int j = 0; j < R_NKINDS; j++) {
			snprintf(buf, sizeof buf, ",\"%s\":%llu", kinds[j],
			    (unsigned long long)c[j]);
			bw_out_str(&o, buf);
		}
		bw_out_str(&o, ",\"pending\":0");
	} else {
		snprintf(buf, sizeof buf, ",\"pending\":%llu",
		    (unsigned long long)pending);
		bw_out_str(&o, buf);
	}
	bw_out_str(&o, "},\"batches\":[");
	int first = 1;
	for (int i = 0; i < r->ns; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			if (!a->batch[0])
				continue;
			snprintf(buf, sizeof buf, "%s{\"shard\":%d,\"attempt\":%d,"
			    "\"id\":\"%s\",\"status\":\"%s\",\"requests\":%llu,"
			    "\"tokens\":%llu}", first ? "" : ",", r->s[i].n, a->k,
			    a->batch, a->status, (unsigned long long)a->requests,
			    (unsigned long long)a->tokens);
			bw_out_str(&o, buf);
			first = 0;
			for (int j = 0; j < 3; j++)
				u[j] += a->usage[j];
		}
	snprintf(buf, sizeof buf, "],\"usage\":{\"input_tokens\":%.0f,"
	    "\"output_tokens\":%.0f,\"total_tokens\":%.0f},\"tokens\":{"
	    "\"in_flight\":%llu,\"budget\":", u[0], u[1], u[2],
	    (unsigned long long)in_flight(r));
	bw_out_str(&o, buf);
	if (r->o->max_tokens) {
		snprintf(buf, sizeof buf, "%llu",
		    (unsigned long long)r->o->max_tokens);
		bw_out_str(&o, buf);
	} else {
		bw_out_str(&o, "null");
	}
	bw_out_str(&o, "}");
	deliveries(r, &o);
	bw_out_str(&o, "}\n");
	bw_out_commit(&o);
}

static void
dry_run(const struct bw_run_opts *o, char **files, int nfiles)
{
	struct bw_build b = { .max_requests = o->max_requests,
		.max_body = 20 << 20, .max_file = o->max_file,
		.max_tokens = o->max_tokens, .max_line = 64 << 20, .plan = 1 };
	struct bw_out out;
	uint64_t req = 0, bytes = 0, tokens = 0;

	bw_mapper_init(&b.map, o->model, o->endpoint, o->defaults);
	bw_build(&b, files, nfiles);
	bw_mapper_free(&b.map);
	bw_out_open(&out, 1, "stdout", 1);
	for (size_t i = 0; i < b.nshards; i++) {
		shard_line(&out, i + 1, &b.shards[i], 0);
		req += b.shards[i].requests;
		bytes += b.shards[i].bytes;
		tokens += b.shards[i].tokens;
	}
	bw_out_commit(&out);
	bw_warn("%llu requests in %zu shards, %llu bytes, about %llu tokens: "
	    "nothing sent (--dry-run)", (unsigned long long)req, b.nshards,
	    (unsigned long long)bytes, (unsigned long long)tokens);
	free(b.shards);
}

static void
wait_next(struct run *r, double deadline)
{
	double until = bw_now() + r->o->interval;

	if (deadline > 0 && until > deadline)
		until = deadline;
	while (!bw_interrupted && bw_now() < until) {
		struct timespec ts;
		double d = until - bw_now();
		if (d > 0.2)
			d = 0.2;
		if (d <= 0)
			break;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

int
bw_run(struct bw_api *api, struct bw_run_opts *o, char **files, int nfiles)
{
	struct run r = { .o = o, .api = api };
	struct bw_arena ar = { 0 };
	struct bw_v saved;
	char *p, *hint;
	int lock, rc;
	double deadline = 0;

	/* every setting given is checked before anything is kept */
	if (o->defaults) {
		const char *why;
		size_t col;
		struct bw_v d = bw_read(&ar, o->defaults, strlen(o->defaults),
		    INT_MAX, &why, &col);
		if (d.kind != BW_OBJ)
			bw_die(BW_EX_USAGE, "-D: %s", d.kind ? "not a JSON object" :
			    bw_why("invalid JSON at column %zu: %s", col, why));
		if (o->endpoint == BW_EMBEDDINGS || o->endpoint == BW_MODERATIONS)
			bw_die(BW_EX_USAGE, "-D: the %s endpoint takes no "
			    "defaults", bw_endpoint_name(o->endpoint));
	}
	if (o->model) {
		struct bw_mapper m;
		bw_mapper_init(&m, o->model, o->endpoint < 0 ? BW_CHAT :
		    o->endpoint, o->defaults);
		bw_mapper_free(&m);
	}
	notify_check(o);
	if (o->spool)
		return spool(api, o, files, nfiles);
	if (o->dry_run) {
		if (!o->model)
			bw_die(BW_EX_USAGE, "-m: --dry-run needs a model");
		if (o->endpoint < 0)
			o->endpoint = BW_CHAT;
		if (!o->max_requests)
			o->max_requests = 50000;
		if (!o->max_file)
			o->max_file = 200000000;
		dry_run(o, files, nfiles);
		return 0;
	}
	r.dir = o->dir;
	r.start = bw_now();
	r.tty = isatty(2);
	if (o->status) {
		saved = load_json(&ar, p = fmt("%s/settings.json", r.dir));
		if (!saved.kind)
			bw_die(BW_EX_USAGE, "%s: no run here (no settings.json)",
			    r.dir);
		free(p);
		settle_settings(&r, o, saved, &ar);
		load(&r, 0);
		status(&r);
		return 0;
	}
	if (mkdir(r.dir, 0777) < 0 && errno != EEXIST)
		bw_die(BW_EX_IOERR, "%s: cannot be made: %s", r.dir,
		    strerror(errno));
	p = fmt("%s/lock", r.dir);
	if ((lock = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0)
		bw_die(BW_EX_IOERR, "%s: cannot be opened: %s", p,
		    strerror(errno));
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			bw_die(BW_EX_IOERR, "%s: %s", p, strerror(errno));
		if (o->once)	/* the next tick of cron will do */
			exit(BW_EX_TEMPFAIL);
		bw_die(BW_EX_TEMPFAIL, "another bw-run is working in %s", r.dir);
	}
	free(p);
	saved = load_json(&ar, p = fmt("%s/settings.json", r.dir));
	free(p);
	if (saved.kind) {
		char h[33];
		settle_settings(&r, o, saved, &ar);
		if (nfiles == 1) {
			hash_file(files[0], h);
			if (!bw_is(bw_get(saved, "input"), h))
				bw_die(BW_EX_USAGE, "%s holds a run of other "
				    "requests than %s: leave the file out to go "
				    "on with the run, or remove %s to start over",
				    r.dir, files[0], r.dir);
		} else if (nfiles > 1) {
			bw_die(BW_EX_USAGE, "%s holds a run already: leave the "
			    "files out to go on with it, or remove %s to start "
			    "over", r.dir, r.dir);
		}
	} else {
		char h[33];
		if (!o->model)
			bw_die(BW_EX_USAGE, "-m: the first run in %s needs a model",
			    r.dir);
		if (o->endpoint < 0)
			o->endpoint = BW_CHAT;
		if (!o->attempts)
			o->attempts = 3;
		if (!o->max_requests)
			o->max_requests = 50000;
		if (!o->max_file)
			o->max_file = 200000000;
		bw_api_init(api);	/* no key: said before anything is kept */
		make_token(r.token);
		prepare(&r, files, nfiles, h);
		keep_json(p = fmt("%s/settings.json", r.dir),
		    settings_of(&ar, o, r.token, h));
		free(p);
		/* and the directory itself, in its parent */
		p = fmt("%s/..", r.dir);
		if (bw_syncdir(p) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", p, strerror(errno));
		free(p);
	}
	load(&r, 1);
	bw_catch_signals();
	hint = fmt("interrupted: run bw-run -d %s again to go on", r.dir);
	bw_interrupt_hint(hint);
	if (!saved.kind)
		;	/* the API was set up before the first run kept anything */
	else if (o->cancel || !finished(&r))
		bw_api_init(api);
	if (o->timeout > 0)
		api->deadline = deadline = r.start + o->timeout;
	if (o->cancel)
		cancel_all(&r);
	for (;;) {
		int remains = step(&r);
		if (bw_interrupted)
			break;
		if (!remains)
			break;
		if (o->once) {
			progress(&r);
			progress_clear(&r);
			bw_arena_free(&ar);
			return BW_EX_TEMPFAIL;
		}
		progress(&r);
		if (deadline > 0 && bw_now() >= deadline) {
			progress_clear(&r);
			bw_die(BW_EX_TEMPFAIL, "timed out after %gs: the run goes "
			    "on when bw-run -d %s is run again", o->timeout,
			    r.dir);
		}
		wait_next(&r, deadline);
		if (bw_interrupted)
			break;
	}
	progress_clear(&r);
	if (bw_interrupted)
		bw_reraise();
	rc = run_finish(&r);
	if (bw_interrupted)
		bw_reraise();
	if (!o->quiet)
		print_results(&r);
	bw_arena_free(&ar);
	return rc;
}

void delete_files(struct run *r);

int
run_finished(struct run *r)
{
	return finished(r);
}

/* The run in r->dir (locked by the caller) with its settings: o holds
   what was given, checked against them and filled in from them. */
void
run_load(struct run *r, struct bw_run_opts *o, struct bw_arena *ar)
{
	char *p;
	struct bw_v saved = load_json(ar, p = fmt("%s/settings.json", r->dir));

	if (!saved.kind)
		bw_die(BW_EX_USAGE, "%s: no run here (no settings.json)",
		    r->dir);
	free(p);
	settle_settings(r, o, saved, ar);
	r->o = o;
	load(r, 1);
}

/* A finished run: its results joined, counted, told (--exec,
   --notify).  Returns 0 when every request succeeded, 1 when some
   failed for good, 75 while a delivery is still to be made. */
int
run_finish(struct run *r)
{
	uint64_t c[R_NKINDS], failed;
	char *p = fmt("%s/results.jsonl", r->dir);
	int rc;

	if (!exists(p))
		join(r);
	free(p);
	final_counts(r, c);
	failed = c[R_ERRORED] + c[R_EXPIRED] + c[R_CANCELED];
	rc = failed ? BW_EX_NO : 0;
	if (failed && !r->silent)
		bw_warn("%s: %llu of %llu requests failed (%llu errored, "
		    "%llu expired, %llu canceled): see %s/results.jsonl",
		    r->dir, (unsigned long long)failed,
		    (unsigned long long)(failed + c[R_SUCCEEDED]),
		    (unsigned long long)c[R_ERRORED],
		    (unsigned long long)c[R_EXPIRED],
		    (unsigned long long)c[R_CANCELED], r->dir);
	if (r->o->delete_files)
		delete_files(r);
	if (deliver(r, c))
		rc = BW_EX_TEMPFAIL;
	return rc;
}

/* --delete-files: once the results are joined (kept, on disk), the
   run's files on the server go: every attempt's input file and its
   batches' output and error files.  A file gone already is no error;
   deleted.json says it was done. */
static void
delete_file(struct run *r, struct bw_v id, int *n)
{
	struct bw_out o;

	if (id.kind != BW_STR)
		return;
	if (!r->api->base)
		bw_api_init(r->api);
	bw_out_open(&o, -1, "deletion", 0);
	if (bw_file_delete(r->api, id.u.s, &o) == 0)
		(*n)++;
	bw_out_discard(&o);
}

void
delete_files(struct run *r)
{
	struct bw_arena ar = { 0 };
	char *p = fmt("%s/deleted.json", r->dir), *q;
	int n = 0;

	if (exists(p)) {
		free(p);
		return;
	}
	for (int i = 0; i < r->ns && !bw_interrupted; i++)
		for (int k = 0; k < r->s[i].na; k++) {
			struct attempt *a = &r->s[i].a[k];
			struct bw_v d;
			delete_file(r, bw_get(load_json(&ar, q = apath(r,
			    &r->s[i], a->k, "file.json")), "id"), &n);
			free(q);
			d = load_json(&ar, q = apath(r, &r->s[i], a->k,
			    "done.json"));
			free(q);
			delete_file(r, bw_get(d, "output_file_id"), &n);
			delete_file(r, bw_get(d, "error_file_id"), &n);
			bw_arena_reset(&ar);
		}
	if (!bw_interrupted) {
		keep_json(p, bw_set(&ar, bw_of(BW_OBJ), "deleted",
		    bw_num(n)));
		say(r, "%d files of the run deleted on the server", n);
	}
	bw_arena_free(&ar);
	free(p);
}

