/*
 * bw.h: libbw, everything the bw-* programs share.
 *
 * Conventions: every public name starts with bw_ (BW_ for macros and
 * constants).  JSON values (struct bw_v) are passed by value and live in
 * an arena: a function that makes one says which arena holds it, and it
 * lives until that arena is reset; a value argument is only read.
 * Functions that die print one line, "prog: what: why", and exit with
 * one of the codes below.
 */
#ifndef BW_H
#define BW_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <curl/curl.h>

/* Storage of which each thread has its own copy (a GCC and Clang
   keyword; C99 has none): the scratch space of the JSON reader, and
   the static buffers messages are made in. */
#define BW_TLS __thread
/* A function that never returns, and one whose argument fmt (the
   f-th) is a printf format for the arguments from the a-th on (0 for
   a va_list): the compiler then checks every call. */
#define BW_NORETURN __attribute__((noreturn))
#define BW_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* --- messages and exit codes (msg.c) --- */

enum {
	BW_EX_OK = 0,
	BW_EX_NO = 1,		/* the legitimate "no" */
	BW_EX_USAGE = 2,
	BW_EX_DATAERR = 65,	/* bad input data */
	BW_EX_IOERR = 74,	/* cannot write output */
	BW_EX_TEMPFAIL = 75,	/* try again later */
	BW_EX_PROTOCOL = 76,	/* the server sent something invalid */
	BW_EX_NOPERM = 77,	/* bad or missing credentials */
};

/* Set by SIGINT and SIGTERM once bw_catch_signals has been called. */
extern volatile sig_atomic_t bw_interrupted;

/* Names the program after argv[0]'s last component (and sets argv[0]
   to it, for getopt's messages); ignores SIGPIPE, so that a write to a
   closed pipe fails with EPIPE (and stdout's dies by bw_die_pipe);
   opens /dev/null on a closed fd 0, 1 or 2, and exits 74 if it was 1
   (stdout). */
void bw_init(char **argv);
void bw_warn(const char *fmt, ...) BW_PRINTF(1, 2);
/* Prints "prog: ...", removes registered temporary files, exits. */
BW_NORETURN void bw_die(int code, const char *fmt, ...) BW_PRINTF(2, 3);
/* Stdout's reader is gone (EPIPE): removes registered temporary files
   and dies of SIGPIPE, quietly, as a Unix filter does (141 in a shell,
   a failure under pipefail: not all was delivered). */
BW_NORETURN void bw_die_pipe(void);
/* Prints "usage: ..." (the program's synopsis) and exits 2. */
BW_NORETURN void bw_usage(const char *synopsis);
/* SIGINT and SIGTERM set bw_interrupted instead of killing, so that a
   loop can stop cleanly; bw_reraise then dies of the signal caught. */
void bw_catch_signals(void);
/* Removes registered temporary files, says the hint (if any), and dies
   of the signal caught. */
BW_NORETURN void bw_reraise(void);
/* What bw_reraise says first ("prog: msg"), borrowed; NULL: nothing. */
void bw_interrupt_hint(const char *msg);
/* Prints "usage: prog synopsis" and the option lines to stdout, exits 0. */
BW_NORETURN void bw_help(const char *synopsis, const char *options);
#define BW_HELP_TAIL \
	"  -h, --help              show this help\n" \
	"      --version           show the version\n"
/* Prints "prog version" and exits 0. */
BW_NORETURN void bw_version(void);
/* A path bw_die removes before exiting (borrowed: keep it alive). */
void bw_cleanup_path(const char *path);
/* Stops watching one path (the same pointer as registered). */
void bw_cleanup_drop(const char *path);
/* Keeps every registered path: the work they hold is done. */
void bw_cleanup_forget(void);

/* Reasons.  A function that can refuse returns -1 (or BW_NONE) and
   points *why at the reason: a literal, or bw_why's buffer; either
   stays valid until the calling thread's next bw_why.  A reason quotes
   at most a short piece of its input (bw_quote), so that it fits. */
const char *bw_why(const char *fmt, ...) BW_PRINTF(1, 2);
/* The program's name, as messages begin with it. */
const char *bw_progname(void);
/* Seconds on the monotonic clock, for waits and deadlines. */
double bw_now(void);
/* From here on no core file is written and no other process may trace
   this one: a secret is about to be in memory. */
void bw_no_core(void);

/* --- numbers from flags (msg.c) --- */

/* Parses a whole number of seconds (fractions allowed, at most 1e9);
   dies with a usage error naming flag otherwise. */
double bw_parse_seconds(const char *flag, const char *s);
/* Parses a time: a number of seconds (fractions allowed) with an
   optional unit s, m, h or d (5m, 1.5h, 2d), at most 1e10 seconds;
   dies with a usage error naming flag otherwise. */
double bw_parse_duration(const char *flag, const char *s);
/* Parses a whole non-negative decimal size with an optional K, M or G
   (binary) suffix; dies with a usage error naming flag otherwise. */
uint64_t bw_parse_size(const char *flag, const char *s);
/* The bounds the API puts on a file's expiry (expires_after.seconds):
   an hour and 30 days. */
#define BW_EXPIRY_MIN 3600
#define BW_EXPIRY_MAX 2592000
/* Parses an expiry: whole seconds, or a whole number of minutes,
   hours or days (90m, 1h, 30d); dies with a usage error naming flag
   and the bounds unless it is within BW_EXPIRY_MIN..BW_EXPIRY_MAX. */
long long bw_parse_expiry(const char *flag, const char *s);

/* --- output (out.c) --- */

/* A buffered writer.  With spool set, nothing reaches fd until
   bw_out_commit: the bytes wait in memory and then in an unlinked
   temporary file, so a run that dies writes nothing at all.  With fd
   -1 and no spool it is a growing memory buffer (buf, n). */
struct bw_out {
	int fd;
	const char *name;	/* for messages, borrowed */
	char *buf;
	size_t n, cap;
	int spool;		/* temporary file descriptor or -1 */
	int spooling;
	int jsorder;		/* bw_out_v orders keys as JavaScript does */
	uint64_t total;		/* bytes through bw_out_write; bw_out_char
				   mostly skips it, so not exact after it */
};

void bw_out_open(struct bw_out *o, int fd, const char *name, int spool);
void bw_out_write(struct bw_out *o, const void *p, size_t n);
void bw_out_str(struct bw_out *o, const char *s);
static inline void bw_out_char(struct bw_out *o, char c)
{
	if (o->n == o->cap)
		bw_out_write(o, &c, 1);
	else
		o->buf[o->n++] = c;
}
/* Writes what is buffered now (not for a spooling writer). */
void bw_out_flush(struct bw_out *o);
/* Writes everything to fd (copying the spool), checks it, frees.
   Dies with 74 on any write error. */
void bw_out_commit(struct bw_out *o);
/* Copies bytes [from, to) of what a spooling writer holds to fd,
   dying with 74 on an error; the writer stays usable. */
void bw_out_save(struct bw_out *o, uint64_t from, uint64_t to, int fd,
		 const char *name);
/* Drops what a spooling writer took after its first to bytes. */
void bw_out_rewind(struct bw_out *o, uint64_t to);
/* Drops what was spooled, frees. */
void bw_out_discard(struct bw_out *o);
/* A new temporary file in $TMPDIR (else /tmp), named bw-what.XXXXXX
   and unlinked at once: its descriptor.  Dies (74) naming the path and
   why when it cannot be made. */
int bw_tmpfd(const char *what);
/* fsync(2) of a directory: what was made, renamed or removed in it is
   on disk.  -1 with errno set when it fails. */
int bw_syncdir(const char *dir);

/* --- reading lines (lines.c) --- */

/* A fast hash of bytes (not a cryptographic one): { 0 } to start, the
   same 32 hex digits for the same bytes however they were cut.  It
   tells whether a file is the one seen before. */
struct bw_hash {
	uint64_t v[4], n;
	unsigned char tail[32];
	size_t tn;
};
void bw_hash_add(struct bw_hash *h, const void *data, size_t n);
void bw_hash_hex(const struct bw_hash *h, char out[33]);

/* Reads newline-terminated lines with a byte cap per line, counting
   line numbers.  A line longer than max fails as soon as the cap is
   passed, without reading the rest of it. */
struct bw_lines {
	int fd;
	const char *name;	/* file name for messages, or NULL for stdin */
	char *buf;
	size_t size, start, end, scan;
	size_t max;
	unsigned long lineno;
	int eof;
	int unterminated;	/* the last line read had no newline */
	int soft;		/* return -1 for a line past the cap, -2 on a
				   read error (errno in err) */
	int err;
	struct bw_hash *hash;	/* every byte read goes here too, or NULL */
};

/* Opens path ("-" or NULL for stdin); dies with a usage error (2)
   when it cannot be opened. */
void bw_lines_open(struct bw_lines *l, const char *path, size_t max);
/* Sets *line and *len to the next line without its newline and
   returns 1, or returns 0 at the end.  The line is valid until the
   next call.  Dies (65) when a line passes the cap, or with soft set
   returns -1 then (lineno counts it); dies (74) on a read error, or
   with soft set returns -2 once the lines before it are read. */
int bw_lines_next(struct bw_lines *l, const char **line, size_t *len);
void bw_lines_close(struct bw_lines *l);
/* Dies with code, prefixing "name: line N: " to the message (or
   "line N: " for stdin, name NULL). */
BW_NORETURN void bw_die_line(const char *name, unsigned long lineno, int code,
			     const char *fmt, ...) BW_PRINTF(4, 5);
/* 1 if the line holds nothing but blanks. */
int bw_blank(const char *s, size_t n);

/* --- JSON values (value.c) --- */

/* The one kind of JSON value in bw: made by the reader (bw_read) or
 * the functions below, in an arena, and never changed once made.  A
 * string carries its length; compare one only with bw_is or bw_eq,
 * never as a C string (it may hold a NUL).  A missing value (an absent
 * member, a failed read) is kind BW_NONE, never a null pointer. */
enum { BW_NONE, BW_NULL, BW_FALSE, BW_TRUE, BW_NUM, BW_STR, BW_ARR,
	BW_OBJ };
struct bw_m;
struct bw_v {
	unsigned char kind;
	unsigned char grow;	/* value.c: this view may append in place */
	uint32_t n;		/* bytes of a string; items of an array or object */
	union {
		double num;
		const char *s;		/* a NUL after its n bytes */
		struct bw_m *m;		/* the items; an array's have no key */
	} u;
};
struct bw_m {
	const char *k;		/* a NUL after its kn bytes */
	uint32_t kn;
	struct bw_v v;
};

/* Memory handed out in order and freed all at once. */
struct bw_blk;
struct bw_arena {
	struct bw_blk *blk;
	size_t used, cap;
};
void *bw_alloc(struct bw_arena *a, size_t n);
/* Frees everything allocated (keeping one block for what follows). */
void bw_arena_reset(struct bw_arena *a);
void bw_arena_free(struct bw_arena *a);

static inline struct bw_v
bw_of(int kind)
{
	struct bw_v v = { 0 };

	v.kind = kind;
	return v;
}
/* obj[key], or BW_NONE when obj is no object or has no such key. */
struct bw_v bw_getn(struct bw_v obj, const char *key, size_t n);
static inline struct bw_v
bw_get(struct bw_v obj, const char *key)
{
	return bw_getn(obj, key, strlen(key));
}
/* arr[i], or BW_NONE. */
struct bw_v bw_idx(struct bw_v arr, uint32_t i);
/* 1 if v is the string of the n bytes at s. */
static inline int
bw_eq(struct bw_v v, const char *s, size_t n)
{
	return v.kind == BW_STR && v.n == n && (!n || !memcmp(v.u.s, s, n));
}
/* 1 if v is the string s. */
static inline int
bw_is(struct bw_v v, const char *s)
{
	return bw_eq(v, s, strlen(s));
}
/* 1 if a and b are the same JSON (objects in any key order). */
int bw_equal(struct bw_v a, struct bw_v b);
/* The kind as a person says it: "a string", ..., "missing". */
const char *bw_kindname(struct bw_v v);
/* Every item of v, if v is an array or an object: i counts, m points
   at it.  (The parameters' odd names keep them from meeting a member's
   name, as m would in v.u.m.) */
#define BW_EACH(v_, i_, m_) \
	for (uint32_t i_ = 0; i_ < ((v_).kind >= BW_ARR ? (v_).n : 0); i_++) \
		for (const struct bw_m *m_ = &(v_).u.m[i_]; m_; m_ = NULL)

/* Making values: each returns the new value; a container argument is
   not changed (see value.c).  Strings and keys are not copied by
   bw_lit and bw_set: they must live as long as the value. */
struct bw_v bw_num(double d);
struct bw_v bw_lit(const char *s);
struct bw_v bw_str(struct bw_arena *a, const char *s, size_t n);
struct bw_v bw_strf(struct bw_arena *a, const char *fmt, ...)
	BW_PRINTF(2, 3);
struct bw_v bw_push(struct bw_arena *a, struct bw_v arr, struct bw_v x);
/* obj with key set to x (in its place if obj has key, else last). */
struct bw_v bw_setn(struct bw_arena *a, struct bw_v obj, const char *key,
		    size_t n, struct bw_v x);
static inline struct bw_v
bw_set(struct bw_arena *a, struct bw_v obj, const char *key, struct bw_v x)
{
	return bw_setn(a, obj, key, strlen(key), x);
}
/* obj without key. */
struct bw_v bw_del(struct bw_arena *a, struct bw_v obj, const char *key);
/* A string made bit by bit: { arena } to start, bw_sb_val when done. */
struct bw_sb {
	struct bw_arena *a;
	char *p;
	size_t n, cap;
};
void bw_sb_add(struct bw_sb *b, const char *s, size_t n);
struct bw_v bw_sb_val(const struct bw_sb *b);

/* --- JSON reading and writing (json.c) --- */

/* Reads one line of JSON into a.  Rejects what JSON forbids or what
   would be silently altered: invalid UTF-8, NUL and other control
   bytes, more than one value; a repeated key keeps its first place and
   its last value, as in JavaScript.  Values nested deeper than depth
   (the line's own value is 1 deep) are checked as strictly but read as
   null.  On error returns BW_NONE, points *why at a static message
   that never quotes the input, and *col (if not NULL) at the 1-based
   byte column where it went wrong. */
struct bw_v bw_read(struct bw_arena *a, const char *s, size_t n, int depth,
		    const char **why, size_t *col);
/* 1 if the n bytes at s are UTF-8 as bw_read takes it in a string:
   shortest forms, no surrogates, nothing past U+10FFFF. */
int bw_utf8_valid(const char *s, size_t n);
/* v as JSON (BW_NONE as null): keys in insertion order, or in
   JavaScript's (array-index keys first) when o->jsorder is set;
   numbers in their shortest form that reads back as the same double. */
void bw_out_v(struct bw_out *o, struct bw_v v);
void bw_out_jstr(struct bw_out *o, const char *s, size_t n);
void bw_out_number(struct bw_out *o, double d);
/* JSON.stringify(v), as a string value in a. */
struct bw_v bw_dump(struct bw_arena *a, struct bw_v v);
/* A JSON string for a message: quoted, escaped, cut to max bytes
   with "..." after.  Static buffer (per thread): valid until the next
   call. */
const char *bw_quote(const char *s, size_t n, size_t max);
/* Frees the calling thread's scratch space of the reader. */
void bw_json_thread_end(void);

/* --- lines worked on in parallel, taken in order (par.c) --- */

/* One line of input, as work() gets it and take() gets it back. */
struct bw_job {
	const char *s;		/* the line, without its newline */
	size_t n;
	unsigned long lineno;	/* its number in its input */
	unsigned long index;	/* lines not blank before it, all inputs */
	uint64_t offset;	/* the byte where it starts in its input */
	int blank;		/* it holds nothing but blanks */
	int unterminated;	/* it is the last and has no newline */
	/* work() appends the line's output to out and anything else
	   take() needs to aux (memory buffers), may set num and mark,
	   and sets code when the exit code of its refusal is not 65. */
	struct bw_out *out, *aux, *warn;
	uint64_t num;
	int mark;
	int code;
	struct bw_arena *arena;	/* for the line's values; reset after */
	/* take() finds the bytes appended here */
	const char *outp, *auxp;
	size_t outn, auxn;
};

struct bw_par_ops {
	/* A worker's state, made in the thread that uses it; NULL for
	   none: then work() gets arg (read it only). */
	void *(*init)(void *arg);
	/* Works on one line: returns 0 (take it), 1 (skip it) or -1
	   (refused, *why the reason, as bw_why says). */
	int (*work)(void *state, struct bw_job *j, const char **why);
	/* Takes one line, in input order, in the calling thread; name is
	   the input's file name (NULL for stdin), for messages. */
	void (*take)(void *arg, struct bw_job *j, const char *name);
	/* A warning work() gave (bw_job_warn), in order, calling thread. */
	void (*warn)(void *arg, const char *msg);
	void (*fini)(void *state);
	void *arg;
	int jsorder;		/* out and aux order keys as JavaScript does */
};

/* Worker threads to use: $BW_THREADS, else the online CPUs (at most
   8).  Dies (2) when BW_THREADS is not a number from 1 to 64. */
int bw_par_threads(void);
/* Starts threads workers (none when threads is 1: then the lines are
   worked on in the calling thread). */
struct bw_par *bw_par_new(const struct bw_par_ops *ops, int threads);
/* Runs every line of l through work() and take(), with l's per-line
   cap.  What take() sees, and the first error (which dies naming the
   line, after every line before it was taken), are as if the lines
   went one by one. */
void bw_par_lines(struct bw_par *p, struct bw_lines *l);
/* Stops the workers, frees. */
void bw_par_free(struct bw_par *p);
/* Gives a warning for the line, told when the line is taken. */
void bw_job_warn(struct bw_job *j, const char *msg);

/* --- a set of strings (strset.c) --- */

/* Memory is a 16-byte slot a string, in a table of 1 MiB that is
   touched only as it fills (it doubles past 53,248 strings).  The
   strings beyond the first 64 KiB go to an unlinked temporary file in
   $TMPDIR; duplicates are exact, never a mere hash match.  Dies on
   I/O errors and when out of memory. */
struct bw_strset;
struct bw_strset *bw_strset_new(void);
/* Adds s; returns 0 if it was new, else the value stored with the
   earlier copy.  val must not be 0. */
unsigned long bw_strset_add(struct bw_strset *set, const char *s, size_t n,
			    unsigned long val);
/* The value stored with s, or 0 when s is not in the set.  Changes
   nothing: threads may look up at once while nobody adds. */
unsigned long bw_strset_get(const struct bw_strset *set, const char *s,
			    size_t n);
void bw_strset_free(struct bw_strset *set);

/* --- building batch request lines (request.c) --- */

enum bw_endpoint { BW_CHAT, BW_RESPONSES, BW_COMPLETIONS, BW_EMBEDDINGS,
	BW_IMAGES, BW_IMAGE_EDITS, BW_MODERATIONS };

/* "chat", "responses", "completions", "embeddings", "images",
   "image-edits" or "moderations" (also the URL forms); -1 if none. */
#define BW_ENDPOINT_NAMES "chat, responses, completions, embeddings, " \
	"images, image-edits or moderations"
int bw_endpoint_parse(const char *s);
const char *bw_endpoint_name(int e);
const char *bw_endpoint_url(int e);

struct bw_mapper {
	int endpoint;
	const char *model;	/* without any "openai/" prefix, borrowed */
	struct bw_v defaults;	/* an object merged under each request, or none */
	const char *defaults_text;	/* its JSON text, borrowed, or NULL */
	struct bw_strset *warned_set;	/* warnings already given */
	/* When set, warnings go here instead (each time, not once). */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* what the SDK's model catalog says of the model */
	int reasoning, effort_none_sampling, flex, priority, gpt6,
	    search_preview, tools_need_no_effort;
	const char *const *efforts;	/* reasoning efforts, NULL for any */
	struct bw_arena arena;	/* a request's values, bw_arena_reset after */
	struct bw_arena dflarena;
	char *why;		/* the last refusal's reason */
	size_t whycap;
};

/* Sets up a mapper for model and endpoint, with defaults (JSON text of
   an object, or NULL); dies with a usage error for a bad model or bad
   defaults. */
void bw_mapper_init(struct bw_mapper *m, const char *model, int endpoint,
		    const char *defaults);
void bw_mapper_free(struct bw_mapper *m);
/* Prints "warning: msg" on stderr unless m printed it before. */
void bw_mapper_warn(struct bw_mapper *m, const char *msg);
/* Maps one request (AI SDK shape, or a raw line with custom_id and
   body) to the body of a batch input line, warning (once per run on
   stderr, or through m->warn) for each field the endpoint or model
   drops.  *custom_id receives the request's own id or a BW_NONE value
   when it has none.  On bad input returns a BW_NONE value with *why set
   to a message naming the field (m's, valid until the next call).  The
   values made live in m->arena: reset it when done with them; req may
   live there too. */
struct bw_v bw_map_request(struct bw_mapper *m, struct bw_v req,
			   struct bw_v *custom_id, const char **why);

/* --- batch input lines (line.c) --- */

/* NULL if line is a batch input line: an object of custom_id (a
   non-empty string), method "POST", url (a /v1/ path) and body (an
   object whose model is a non-empty string), and nothing else; else
   why not, naming the field (a reason: see bw_why). */
const char *bw_line_check(struct bw_v line);

/* --- the OpenAI API (api.c) --- */

/* The options every network program takes, for getopt_long. */
enum { BW_OPT_KEYFILE = 0x100, BW_OPT_CACERT, BW_OPT_RETRIES,
	BW_OPT_RETRYWAIT, BW_OPT_REQTIMEOUT, BW_OPT_FIRST_FREE };
#define BW_API_LONGOPTS \
	{ "api-key-file", required_argument, 0, BW_OPT_KEYFILE }, \
	{ "header", required_argument, 0, 'H' }, \
	{ "cacert", required_argument, 0, BW_OPT_CACERT }, \
	{ "retries", required_argument, 0, BW_OPT_RETRIES }, \
	{ "retry-wait", required_argument, 0, BW_OPT_RETRYWAIT }, \
	{ "request-timeout", required_argument, 0, BW_OPT_REQTIMEOUT }, \
	{ "verbose", no_argument, 0, 'v' }
#define BW_API_SHORTOPTS "H:v"
#define BW_API_SYNOPSIS "[-v] [-H header] [--api-key-file file] [--cacert file]\n" \
	"       [--retries n] [--retry-wait seconds] [--request-timeout seconds]"
#define BW_API_HELP \
	"  -v, --verbose           one line on stderr per request\n" \
	"  -H, --header 'N: V'     send this header too (repeatable)\n" \
	"      --api-key-file FILE read the API key from FILE, not OPENAI_API_KEY\n" \
	"      --cacert FILE       trust the CAs in FILE (also CURL_CA_BUNDLE)\n" \
	"      --retries N         retries of a failed request (default 8)\n" \
	"      --retry-wait S      first wait between retries (default 0.5 s)\n" \
	"      --request-timeout S give up an attempt after S seconds (default 300;\n" \
	"                          a file's content: under 1 KiB/s for 30 s)\n"

struct bw_api {
	CURL *curl;
	char *base;		/* OPENAI_BASE_URL without a trailing / */
	const char *basepath;	/* its path ("/v1"), for messages */
	char key[512];		/* wiped once the headers hold it */
	struct curl_slist *headers;	/* wiped at exit */
	const char *keyfile, *cacert;
	const char *extra[32];
	int nextra;
	int retries, verbose;
	double retry_wait;
	/* an attempt's overall limit (--request-timeout); deadline, when
	   not 0, a time of bw_now() after which no attempt runs and none
	   is retried (bw-poll -t): every attempt ends by then */
	double request_timeout, deadline;
	char errbuf[CURL_ERROR_SIZE];
};

/* One request.  The caller fills the first part; bw_api_call fills the
   rest. */
struct bw_call {
	const char *method, *path;	/* path below the base URL: "/batches" */
	const char *json;		/* a JSON body, or NULL */
	const char *upload_name;	/* set: a multipart upload of a batch */
	long long expires_after;	/* with upload_name: expires_after[seconds]
					   (anchor created_at), or 0: none */
	int progress;			/* draw the upload's progress on stderr */
	int upload_fd;			/* file: upload_size bytes of upload_fd */
	uint64_t upload_offset, upload_size;	/* from upload_offset */
	/* with sink, a 2xx body goes there as it arrives, and a cut
	   transfer resumes after the bytes received, with If-Range when
	   the first reply named its version (ETag, Last-Modified); a
	   resume answered with the whole body calls rewind (required:
	   it must drop all the sink holds) and starts again from byte 0.
	   The call succeeds only once exactly size bytes arrived: size is
	   the caller's (sized set) or the first reply's Content-Length or
	   Content-Range total.  A short body, a 416 or a length that
	   disagrees is retried, and is the server's fault (bw_api_fail:
	   76) when no retry cures it; a longer body or a 204 is at once */
	void (*sink)(void *arg, const char *p, size_t n);
	void (*rewind)(void *arg);
	void *sink_arg;
	uint64_t received, size;
	int sized;
	char validator[128];
	int protocol;			/* the server broke the protocol: 76 */
	int no_quota;			/* 429 insufficient_quota: 77 */
	/* once an attempt may have been acted on, called after the wait
	   before every retry, and again after each wait until 16 times
	   retry_wait has passed since; returning 0 means it was (body
	   set), and stops the retries */
	int (*on_unknown)(struct bw_call *c);
	void *arg;
	int conflict_final;	/* a 409 is the resource's state: no retry */

	long status;
	int curl_code;		/* the libcurl error of the last attempt */
	char reqid[128];
	char why[600];
	int unknown;
	char *body;		/* a 2xx reply without sink; owned by the caller */
	size_t len;
};
enum { BW_CALL_OK, BW_CALL_HTTP, BW_CALL_NET };

void bw_api_defaults(struct bw_api *a);
/* Takes one of the BW_API options; returns 0 if opt is not one. */
int bw_api_option(struct bw_api *a, int opt, const char *arg);
/* Reads the environment and the key; dies 77 without a key. */
void bw_api_init(struct bw_api *a);
/* In a child after fork(2): a handle of its own, so that it shares no
   connection with its parent (the parent's is not freed there). */
void bw_api_forked(struct bw_api *a);
void bw_api_free(struct bw_api *a);
/* Makes the call, retrying as the official SDKs do: connection errors,
   408, 409, 429 and 5xx (x-should-retry overrides), waiting what
   retry-after-ms or retry-after asks (0-60 s) or a capped exponential
   backoff with jitter; one line on stderr per retry.  Returns a
   BW_CALL_ code. */
int bw_api_call(struct bw_api *a, struct bw_call *c);
/* Dies with the code a failed call deserves (77 for 401/403, 75 for
   what a retry may cure, 76 for a redirect or a broken body, else
   65), naming method, path, status, the API's message and the
   request id. */
BW_NORETURN void bw_api_fail(struct bw_api *a, struct bw_call *c, int rc);
/* Makes the call with a JSON body (BW_NONE: none; only read) and
   returns the reply, which must be a JSON object, read into ar: it
   lives until the caller resets ar.  Dies on any failure. */
struct bw_v bw_api_object(struct bw_api *a, struct bw_arena *ar,
			  struct bw_call *c, struct bw_v body);
/* The same for a plain method and path. */
struct bw_v bw_api_json(struct bw_api *a, struct bw_arena *ar,
			const char *method, const char *path, struct bw_v body);
/* " (request ID)" for messages, or "" when the server sent no id. */
const char *bw_api_reqid(const struct bw_call *c);
/* 1 if the n bytes at s are an id that may go into a URL path:
   [A-Za-z0-9_-]{1,256} (so never one with a NUL in it). */
int bw_id_valid(const char *s, size_t n);

/* --- records between network stages (records.c) --- */

/* The operands, or else the lines of stdin: ids, or JSON objects. */
struct bw_records {
	char **argv;
	int argc, i;
	struct bw_lines lines;
	int stdin_open;
	unsigned long n;
	struct bw_arena arena;	/* the last record */
};
void bw_records_open(struct bw_records *r, char **argv, int argc);
/* The next record: a string for a bare id, or an object, in r->arena
   (valid until the next call).  Returns 0 at the end, having freed what
   r holds; dies (65) on a line that is neither. */
int bw_records_next(struct bw_records *r, struct bw_v *rec);
/* Where the last record came from, for messages: "line 3" or the
   operand. */
const char *bw_records_where(struct bw_records *r);
/* 1 if a record is a webhook event: "object":"event", or no "object"
   and an event's shape (a string "type", a "data" object).  Every
   program that reads records asks this one function. */
int bw_is_event(struct bw_v rec);
/* The batch id of a record: a bare id, a Batch object's id, or a
   batch.* webhook event's data.id; dies (65, naming the record) when
   it is missing or not a valid id, or the record is of another kind
   (a File object, a line of batch input, an event of another type). */
const char *bw_batch_id(struct bw_records *r, struct bw_v rec);

/* The file id of a record that names a file: a bare id beginning
   with "file-", or a File object ("object":"file"); NULL for any other
   record.  Dies (65, naming the record) when that id is not valid. */
const char *bw_file_id(struct bw_records *r, struct bw_v rec);

/* --- uploading (upload.c) --- */

struct bw_upload_opts {
	uint64_t max_requests, max_file;
	size_t max_line;
	int reuse;		/* named NAME-HASH.jsonl; one of that name
				   and size is the one */
	const char *name;	/* uploaded as this name (with reuse: as it
				   is, no hash: the caller keeps it for this
				   content), or NULL: the file's own */
	int fresh;		/* with reuse: never sent before, so not
				   looked for first (only if a fate is
				   unknown) */
	/* a file the caller wrote, checked and put on disk: with url
	   set, it is not read again, only its size checked (bytes, a
	   newline last); requests is its count of lines */
	const char *url;
	uint64_t requests, bytes;
	long long expires_after;	/* seconds after its creation the file
					   expires (3600..2592000), or 0: the
					   API's default */
};

/* Checks a batch input file (path, or stdin when NULL) whole before
   sending a byte: JSON lines with custom_id, method POST, url and body,
   unique custom_ids, one url, one model, a newline after the last line,
   within the limits.  A pipe is spooled to a temporary file as it is
   read, so that a retry resends the same bytes.  Then uploads it (with
   reuse, under a name with a hash of the content in it, unless a batch
   file of that name and size is on the
   server already, and looking for it before sending again when an
   attempt's fate is unknown) and writes the File object, with
   "endpoint" and "request_count" added, as one line to o.  Dies 65
   naming the line when the input is bad. */
void bw_upload(struct bw_api *a, const char *path,
	       const struct bw_upload_opts *opt, struct bw_out *o);

/* --- batches (batch.c, and a file each for create, cancel, poll and
   download) --- */

/* Each stage (bw_upload too) keeps what it reads from the server in an
   arena of its own, freed before it returns: what it hands on, it
   writes to o. */

struct bw_create_opts {
	int endpoint;		/* BW_CHAT..., or -1: from the record */
	struct bw_v metadata;	/* an object, or BW_NONE */
	int force;		/* create even when the file has a batch */
	int lookback;		/* pages of 100 recent batches searched */
	/* the batch is the one of this file and this metadata, whatever
	   its status: found (quietly), or else created */
	int same_metadata;
	int find_only;		/* with same_metadata: never create one */
	long long output_expires_after;	/* seconds after their creation the
					   output and error files expire
					   (3600..2592000), or 0: the default */
};
struct bw_poll_opts {
	double interval, timeout;	/* seconds; timeout 0: none */
	int once;
};

/* The status of a Batch object, lower-cased: one of the eight the API
   has ("validating" ... "cancelled"), static; an unknown or missing
   one counts as "in_progress". */
const char *bw_batch_status(struct bw_v b);
/* 1 if the status is one of the eight, in any case. */
int bw_batch_status_known(struct bw_v b);
/* 1 if the status is completed, failed, expired or cancelled. */
int bw_batch_terminal(struct bw_v b);
/* request_counts.key (completed, failed, total), or 0. */
double bw_batch_count(struct bw_v b, const char *key);
/* m (an object, or BW_NONE for none yet) with the pair of a -M
   key=value argument added, in ar; dies (2) on one that is not
   key=value, not UTF-8, past the API's 64 characters a key or 512 a
   value, or past its 16 pairs. */
struct bw_v bw_metadata_arg(struct bw_arena *ar, struct bw_v m,
			    const char *arg);
/* Says on stderr why batch id did not complete: the first five of its
   errors, each with the input line it names and (with a, when the
   input file is there and at most 16 MiB) the customId on it, or else
   its counts. */
void bw_batch_why_not(struct bw_api *a, struct bw_v b, const char *id);
/* Dies 76 unless a Batch object from the server has a valid id, and
   the id want when want is set; what names the path in the message. */
void bw_batch_check(struct bw_api *a, struct bw_v b, const char *want,
		    const char *what);
/* GET /batches/{id}: the Batch object, in ar, its id checked. */
struct bw_v bw_batch_get(struct bw_api *a, struct bw_arena *ar,
			 const char *id);
/* Writes a Batch object as one line and passes it on at once. */
void bw_batch_write(struct bw_out *o, struct bw_v b);

/* Creates a batch for the file a record names (a File object from
   bw-upload, or a file id), unless one that has not failed exists for
   it among the recent batches; retries safely: when an attempt's fate
   is unknown, looks for the batch before sending again.  Writes the
   Batch object to o and returns 1; with find_only, returns 0 having
   written nothing when there is none. */
int bw_create(struct bw_api *a, struct bw_records *r, struct bw_v rec,
	       const struct bw_create_opts *opt, struct bw_out *o);
/* POST /batches/{id}/cancel, and writes the Batch object to o;
   returns 0.  A batch that has ended already is not cancelled: says so
   on stderr, writes its Batch object and returns 1. */
int bw_cancel(struct bw_api *a, const char *id, struct bw_out *o);
/* DELETE /files/{id} (delete.c): writes the API's deletion object
   ({"id","object":"file","deleted":true}) as one line to o, and on to
   o's fd at once (when it has one); returns 0.  A 404 means the file is gone already (or
   never was): says so on stderr, writes nothing and returns 1.  Dies
   65 for an id bw_id_valid refuses (nothing sent), 76 for a reply that
   is not the deletion of that file, else as bw_api_fail. */
int bw_file_delete(struct bw_api *a, const char *id, struct bw_out *o);
/* Polls every batch the records name until each has ended, writing
   each Batch object when it ends; returns 0 if all completed, 1 if any
   did not, 75 with --once when any is still running.  Dies 75 at the
   timeout; dies of SIGINT or SIGTERM after writing what has ended. */
int bw_poll(struct bw_api *a, struct bw_records *r,
	    const struct bw_poll_opts *opt, struct bw_out *o);
/* Where bw_download sends a batch's files: begin() (may be NULL)
   before each file, with its id; write() each piece as it comes, the
   last line of a file always ending in a newline; again() when the
   file starts over (a resumed transfer answered with the whole file):
   what the file gave so far is to be dropped. */
struct bw_sink {
	void (*begin)(void *arg, const char *file_id);
	void (*write)(void *arg, const char *p, size_t n);
	void (*again)(void *arg);
	void *arg;
};
/* Sends the output file's lines, then the error file's, of the batch
   a record names (a Batch object, a batch id, or a webhook event:
   fetched when the record lacks the file ids) to the sink; with dir,
   also keeps each file there as FILE_ID.jsonl.  A transfer cut short
   resumes where it stopped.  Returns 1 for a batch that failed with no
   files, else 0; dies 75 for a batch still running. */
int bw_download(struct bw_api *a, struct bw_records *r, struct bw_v rec,
		const char *dir, struct bw_sink *to);

/* Sends the content of file id (a valid id) to the sink, as
   bw_download sends a batch's files: begin(), resumed, size-checked,
   and with dir kept as DIR/ID.jsonl too. */
void bw_download_file(struct bw_api *a, const char *id, const char *dir,
		      struct bw_sink *to);

/* --- webhooks (webhook.c) --- */

/* Decodes standard base64 (padding optional) into out; -1 if s is not
   base64 or does not fit in cap bytes. */
int bw_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap,
		     size_t *len);
/* Encodes n bytes as base64 with padding; out needs 4*((n+2)/3)+1. */
size_t bw_base64_encode(const unsigned char *in, size_t n, char *out);
/* 1 if a and b are equal, in time that does not depend on where they
   differ. */
int bw_ct_equal(const void *a, const void *b, size_t n);

struct bw_webhook {
	unsigned char key[256];	/* wiped by bw_webhook_wipe */
	size_t keylen;
	const char *id, *timestamp, *signature;	/* the headers, borrowed */
	long long now, tolerance;
};
/* The key of a secret: base64-decoded after a whsec_ prefix, else the
   bytes themselves.  Dies (2) on a bad whsec_ secret. */
void bw_webhook_key(struct bw_webhook *w, const char *secret);
void bw_webhook_wipe(struct bw_webhook *w);
/* NULL if body is signed by the key (HMAC-SHA256 of id.timestamp.body,
   any v1 entry of the signature header, compared in constant time) and
   the timestamp is within the tolerance of now; else why not. */
const char *bw_webhook_verify(const struct bw_webhook *w, const char *body,
			      size_t n);
/* A signature header's value for body: "v1," and the base64 of the
   HMAC-SHA256 of "id.ts.body" under key (what bw_webhook_verify
   checks), NUL-terminated in out. */
#define BW_SIG_MAX 48
void bw_webhook_sign(const unsigned char *key, size_t keylen, const char *id,
		     const char *ts, const char *body, size_t n,
		     char out[BW_SIG_MAX]);

struct bw_webhook_opts {
	const char *id, *timestamp, *signature;	/* else the CGI variables */
	const char *secret_file;		/* else OPENAI_WEBHOOK_SECRET */
	const char *replay_dir, *exec;
	long long tolerance;
	size_t max_body;
};
/* Verifies the delivery on stdin and writes the event as one line;
   with REQUEST_METHOD set, as a CGI response (200, 400, 405, 413,
   500).  Returns 0; dies 1 when it does not verify (or was seen
   already), 65 on a bad body, 77 without a secret. */
int bw_webhook_run(const struct bw_webhook_opts *opt);

/* --- notifications (notify.c) --- */

/* A notification is a Standard Webhooks delivery, as bw-webhook
   verifies it: a POST of a JSON body with webhook-id,
   webhook-timestamp (whole seconds) and webhook-signature ("v1," and
   the base64 HMAC-SHA256 of "id.timestamp.body", bw_webhook_sign).
   Where it may go is checked twice, since a URL names a server a
   notification must not reach as easily as any other:
   - the URL, up front (bw_notify_check): https, no user name or
     password, a host that is a name, a dotted quad or a bracketed IPv6
     address; an address that is not public (loopback, private: RFC
     1918, 100.64/10, fc00::/7; link-local: 169.254/16, fe80::/10;
     site-local, unspecified, multicast, reserved, broadcast; any of
     those IPv4-mapped, -compatible, -translated or in NAT64's
     64:ff9b::/96) is refused, and so is a number that some parser
     would read as an IPv4 address (2130706433, 0x7f.1, 0177.0.0.1,
     127.1);
   - every address libcurl connects to (CURLOPT_OPENSOCKETFUNCTION:
     the socket is refused before it exists), so that a name that
     resolves to such an address, now or after a check (DNS
     rebinding), reaches nothing.
   No proxy is used (it would connect for us, to an address we never
   see), no redirect followed, no connection reused.  BW_NOTIFY_HTTP
   lets http:// through, BW_NOTIFY_PRIVATE addresses that are not
   public and odd spellings (for a receiver on the same machine or
   network, and for tests). */
enum { BW_NOTIFY_HTTP = 1, BW_NOTIFY_PRIVATE = 2 };

struct bw_notify {
	const char *url;		/* borrowed */
	int flags;			/* BW_NOTIFY_ */
	const unsigned char *key;	/* borrowed: bw_webhook_key's */
	size_t keylen;
	double timeout;			/* seconds for it all; 0: 30 */
	const char *cacert;		/* NULL: the system's CAs */
};
/* 0 if a notification may be sent to url, as far as the URL says;
   else -1 and *why (one line: the host at most, never the path or
   query, which may hold a token). */
int bw_notify_check(const char *url, int flags, const char **why);
/* POSTs body (len bytes) to n->url signed with n->key as message
   msg_id ([A-Za-z0-9_-]) at timestamp (seconds since the epoch).
   Returns 0 on a 2xx answer; -1 otherwise, *why naming the host (and
   port) and what happened: "HOST: answered HTTP 500", "HOST: refused:
   127.0.0.1 is a loopback address", "HOST: no answer within 30 s",
   "HOST: interrupted" (SIGINT or SIGTERM: within a second), or the
   URL's fault as bw_notify_check says.  A redirect is an answer that
   is not a 2xx.  Nothing is retried here: the caller tries again
   later.  Dies (74) only when libcurl cannot start. */
int bw_notify_send(const struct bw_notify *n, const char *msg_id,
		   double timestamp, const char *body, size_t len,
		   const char **why);

/* --- writing a batch input file (build.c) --- */

/* A shard: its requests, the bytes of its lines, its estimated tokens,
   and the index (from 0) of its first request among all. */
struct bw_shard {
	uint64_t requests, bytes, tokens, first;
	uint64_t outputs;	/* requests asking for structured output */
};

struct bw_build {
	struct bw_mapper map;
	uint64_t max_requests, max_body, max_file;
	uint64_t max_tokens;	/* estimated tokens in a shard; 0: any */
	size_t max_line;
	const char *split;	/* shard name prefix, or NULL */
	int quiet;		/* with split: print no names */
	int plan;		/* write nothing: only count the shards */
	int ids;		/* with split: PREFIX-NNNN.ids too, each
				   line's custom_id (as a JSON string) */
	struct bw_hash *hash;	/* the input's bytes go here too, or NULL */
	/* set by bw_build when split or plan: the shards (malloc'd) */
	struct bw_shard *shards;
	size_t nshards;
};

/* The tokens a request of this body (bytes long, as written) is
   counted for in a queue budget: a third of its bytes, rounded up,
   plus the output tokens it allows (max_tokens, max_completion_tokens,
   max_output_tokens).  Cheap, and more than a tokenizer counts. */
uint64_t bw_tokens_estimate(struct bw_v body, uint64_t bytes);

/* Maps every request of the named files (stdin when nfiles is 0) and
   writes the batch input lines to stdout, or with split to shards
   PREFIX-0001.jsonl, ... (printing their names unless quiet), each a
   new shard before it would pass a limit.  Nothing is written unless
   every line is good and within the limits (shards are written as
   PREFIX-NNNN.jsonl.tmp and renamed once all are whole); dies (65)
   naming the line of the first that is not. */
void bw_build(struct bw_build *b, char **files, int nfiles);

/* --- running a dataset through many batches (run.c) --- */

struct bw_run_opts {
	char *dir;
	const char *model, *defaults;	/* NULL: not given */
	int endpoint;			/* -1: not given */
	int attempts;			/* 0: not given */
	uint64_t max_requests, max_file, max_tokens;	/* 0: not given */
	double interval, timeout;	/* seconds; timeout 0: none */
	int once, quiet, dry_run, status, cancel;
	/* when the run finishes (NULL: not given) */
	const char *exec;		/* a command, for /bin/sh */
	const char *notify;		/* a URL */
	const char *notify_secret_file;
	int notify_flags;		/* BW_NOTIFY_ */
	/* a spool of runs instead of one (dir NULL): one step of each,
	   or with wake only of those the records name */
	const char *spool;
	int wake;
	/* the server's copies (0: not given) */
	long long expires_after, output_expires_after;
	int delete_files;
};

/* bw-run: the requests of files (stdin when nfiles is 0; read only by
   the first run in o->dir) through as many batches as they need, to
   DIR/results.jsonl in input order (see bw-run(1)); api is set up
   (bw_api_init) only when the network is needed.  Returns the exit
   status. */
int bw_run(struct bw_api *api, struct bw_run_opts *o, char **files,
	   int nfiles);

/* --- structured output asked for (outputs.c) --- */

/* What a request's structured output reads its reply as: generateText's
   Output.object, array, choice or json; schema is the JSON Schema sent
   (the array's {elements} and the choice's {result} wrappers
   included), BW_NONE for json. */
enum { BW_OUTPUT_NONE, BW_OUTPUT_OBJECT, BW_OUTPUT_ARRAY, BW_OUTPUT_CHOICE,
	BW_OUTPUT_JSON };
struct bw_output {
	int kind;
	struct bw_v schema;
};
struct bw_outputs;
/* What a batch input line's body asks for (kind 0: nothing); schema
   points into body. */
struct bw_output bw_output_of(struct bw_v body);
/* Reads a batch input file (bw-jsonl's output): each custom_id, and
   the output its body's response format (chat) or text.format
   (responses) asks for.  Dies (65) naming the line on a line that is
   not one, a custom_id given twice, or no lines. */
struct bw_outputs *bw_outputs_read(const char *path);
/* Sets *o to what the request id asked for; -1 if id is not in set.
   Threads may look up at once. */
int bw_outputs_find(const struct bw_outputs *set, struct bw_v id,
		    struct bw_output *o);
void bw_outputs_free(struct bw_outputs *set);

/* --- normalizing results (result.c) --- */

/* Turns one batch output or error line into a result object
   {customId,status,text,usage} or {customId,status,error}; with raw,
   adds "response" (the provider's body); with outs (NULL for none),
   the request must be one of outs, and a text reply gains the output
   its request asked for ("output", or "outputError" saying why there
   is none).  Writes it as one line to o.  Returns 0, or -1 with *why
   set when the line is not a batch result (then nothing was
   written). */
int bw_result_write(struct bw_out *o, struct bw_v line, int raw,
		    const struct bw_outputs *outs, const char **why);
/* Normalizes every line of path (NULL for stdin) to o, skipping blank
   lines; dies (65) naming the line at the first bad one.  Returns the
   number of results written. */
unsigned long bw_parse_file(struct bw_out *o, const char *path, size_t max,
			    int raw, const struct bw_outputs *outs);

/* --- JSON Schema (schema.c) --- */

/* 0 if v fits the JSON Schema s, else -1 with *why at the reason, as
   bw_why says ("/items/2/age: a string, not a number"): the first
   misfit found, its path a JSON Pointer from v's root ("the value" for
   the root itself).  root is the schema $ref resolves in ("#/$defs/x",
   "#/definitions/x", "#").  The keywords structured outputs take are
   checked (schema.c lists them); pattern, patternProperties and format
   are not.  A part of the schema that cannot be checked (a keyword of
   the wrong kind, a $ref that is not local, names nothing or loops,
   nesting past 64 levels) is a misfit where the check meets it, never
   taken as a branch of anyOf or not that does not fit.  Thread-safe;
   allocates nothing that lasts. */
int bw_schema_check(struct bw_v root, struct bw_v s, struct bw_v v,
		    const char **why);

#endif
