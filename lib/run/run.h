/*
 * run.h: bw-run's own header, for the files of lib/run: a dataset of
 * any size through as many batches as it takes, to one result file in
 * input order.
 *
 *   dir.c     the run directory: files kept, settings, the shards and
 *             their attempts read back, the requests prepared
 *   settle.c  an attempt settled: its batch's files read as they
 *             download, every request's result, what to try again; the
 *             results joined in input order
 *   run.c     the stages, looking by listing, the queue, the modes
 *   deliver.c when a run finishes: --exec, --notify, at least once
 *   spool.c   many runs, one tick: each a step in a child of its own,
 *             one look for all (--spool, --wake)
 *
 * The run directory is the run's whole memory.  Each decision is a file
 * made durably (written as NAME.tmp, fsync'd, renamed, the directory
 * fsync'd) before the request that acts on it, and each answer is kept
 * the same way, so a run killed anywhere goes on from its files:
 *
 *   settings.json        the settings, checked before anything is kept
 *   shards.jsonl         the shards: requests, bytes, tokens, first index,
 *                        outputs (requests asking for structured output)
 *   sNNNN/aK.jsonl       attempt K of shard NNNN: its batch input lines
 *   sNNNN/aK.ids         their custom_ids, one a line (as JSON strings)
 *   sNNNN/aK.upload.json the decision to upload it (under its name)
 *   sNNNN/aK.file.json   its File object (bw-upload's output)
 *   sNNNN/aK.create.json the decision to create its batch (try T)
 *   sNNNN/aK.batch.json  the Batch object created (bw-create's output)
 *   sNNNN/aK.limited-T.json  try T, failed with token_limit_exceeded
 *   sNNNN/aK.done.json   the Batch object once ended (bw-poll's output)
 *   sNNNN/aK.output.jsonl its output and error lines, as they came
 *                        (bw-download's): kept, never read back
 *   sNNNN/aK.results.jsonl one result a request (bw-parse's, and what
 *                        bw-run says of requests with no line), made
 *                        as the batch's files are downloaded
 *   sNNNN/aK.settled.json its requests counted; aK+1.jsonl holds those
 *                        to try again
 *   sNNNN/aK.cancel.json the Batch object after --cancel (bw-cancel's)
 *   cancel               --cancel was asked: nothing more is created
 *   results.jsonl        every request's last result, in input order
 *   deleted.json         --delete-files did its work (how many files)
 *   exec.json            --exec's tries, and whether one exited 0
 *   notify.json          --notify's event and message id (kept before
 *                        the first try), its tries, whether one got a 2xx
 */
#ifndef RUN_H
#define RUN_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bw.h"

enum { R_SUCCEEDED, R_ERRORED, R_EXPIRED, R_CANCELED, R_NKINDS };
extern const char *const kinds[];

struct attempt {
	int k;			/* from 1 */
	uint64_t requests, bytes, tokens;
	int uploaded, created, ended, settled;
	int tries;		/* tries that met the queue limit */
	double limited_at;	/* when the last did (wall clock) */
	char file[260], batch[260];
	double created_at;
	char status[24];
	double done, total, failed;	/* the batch's counts */
	double usage[3];		/* input, output, total tokens */
	uint64_t count[R_NKINDS], retry;
	int seen;			/* in this look's listing */
	double looked;			/* when last looked at by id */
};

struct shard {
	int n;			/* from 1 */
	uint64_t requests, bytes, tokens, first;
	uint64_t outputs;	/* requests asking for structured output */
	struct attempt *a;
	int na;
};

struct run {
	const struct bw_run_opts *o;
	struct bw_api *api;
	char *dir;
	struct shard *s;
	int ns;
	char token[40];
	int cancelled;
	double last_end;	/* when a batch of the run last ended */
	double start;
	int tty, drawn;
	int silent;		/* a spool's run: no progress, no lines */
	char said[256];
};

/* dir.c: the run directory */
char *fmt(const char *f, ...) BW_PRINTF(1, 2);
char *apath(struct run *r, const struct shard *s, int k, const char *what);
double wall(void);
int exists(const char *path);
/* A file written to be kept: as path.tmp, and under path only once it
   is whole and on disk (kept_keep), so that after a crash path is whole
   or not there.  A run that dies first removes path.tmp.  path is
   borrowed until kept_keep or kept_drop. */
struct kept {
	struct bw_out o;	/* write here */
	int fd;
	char *tmp;
	const char *path;
};
void kept_open(struct kept *k, const char *path);
void kept_keep(struct kept *k);
void kept_drop(struct kept *k);
void keep_json(const char *path, struct bw_v v);
struct bw_v load_json(struct bw_arena *ar, const char *path);
double num(struct bw_v v, const char *key);
struct bw_v settings_of(struct bw_arena *ar, const struct bw_run_opts *o,
			const char *token, const char *hash);
void settle_settings(struct run *r, struct bw_run_opts *o, struct bw_v saved,
		     struct bw_arena *ar);
struct attempt *add_attempt(struct shard *s);
void copy_id(char *dst, size_t cap, struct bw_v id);
void batch_seen(struct attempt *a, struct bw_v b);
void unset_create(struct run *r, struct shard *s, struct attempt *a);
void load(struct run *r, int clean);
void prepare(struct run *r, char **files, int nfiles, char hash[33]);
/* A shard as one JSON line (shards.jsonl with first; --dry-run). */
void shard_line(struct bw_out *o, size_t n, const struct bw_shard *sh,
		int first);
void each_block(const char *path, int code,
		void (*fn)(void *, const void *, size_t), void *arg);
void to_out(void *o, const void *p, size_t n);
void make_token(char out[33]);
void hash_file(const char *path, char out[33]);

/* settle.c: every request's result */
void settle(struct run *r, struct shard *s, struct attempt *a);
void join(struct run *r);
void final_counts(struct run *r, uint64_t c[R_NKINDS]);

/* run.c */
void say(struct run *r, const char *f, ...) BW_PRINTF(2, 3);
size_t look_pages(struct bw_api *api, struct bw_arena *ar, size_t active,
		  double oldest, int (*take)(void *, struct bw_v), void *arg);
int run_seen(struct run *r, struct bw_v b);
void run_live(struct run *r, struct bw_out *o);
int run_advance(struct run *r);
void run_load(struct run *r, struct bw_run_opts *o, struct bw_arena *ar);
int run_finish(struct run *r);
int run_finished(struct run *r);

/* deliver.c: when a run finishes */
const char *outcome(const struct run *r, const uint64_t c[R_NKINDS]);
/* Dies (2) unless --notify's URL and secret file are good. */
void notify_check(const struct bw_run_opts *o);
/* Runs --exec and sends --notify unless done already; 1 when one
   failed (to be tried again), else 0. */
int deliver(struct run *r, const uint64_t c[R_NKINDS]);
int delivered(struct run *r);
void deliveries(struct run *r, struct bw_out *o);

/* spool.c: many runs */
int spool(struct bw_api *api, struct bw_run_opts *o, char **recs, int nrecs);

#endif
