/*
 * deliver.c: a finished run told, at least once: --exec's command run
 * with the results on its standard input, --notify's event POSTed,
 * signed as Standard Webhooks.  Each is kept as done (exec.json,
 * notify.json) only once it succeeded; until then every step of the run
 * tries it again, and counts the tries.
 */
#include <math.h>
#include <signal.h>
#include <sys/wait.h>

#include "run.h"

/* The run's outcome, as an event's type says it (after "batch."). */
const char *
outcome(const struct run *r, const uint64_t c[R_NKINDS])
{
	if (r->cancelled)
		return "cancelled";
	if (!c[R_SUCCEEDED])
		return "failed";
	if (c[R_EXPIRED])
		return "expired";
	return "completed";
}

/* The run's directory, absolute. */
static char *
abs_dir(const char *dir)
{
	char *a = realpath(dir, NULL);

	if (!a)
		bw_die(BW_EX_IOERR, "%s: %s", dir, strerror(errno));
	return a;
}

/* The run's name: the last part of its absolute directory. */
static const char *
name_of(const char *dir)
{
	const char *b = strrchr(dir, '/');

	return b && b[1] ? b + 1 : dir;
}

static void
envnum(const char *k, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	setenv(k, buf, 1);
}

/* Every descriptor above 2 closed: the command gets none of bw-run's
   (its connections, its locks, a spool's pipes). */
static void
close_from_3(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	closefrom(3);
#else
	long max = sysconf(_SC_OPEN_MAX);

	for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
#endif
}

/* Runs the command once, in a process group of its own (so that
   whatever it starts stops with it): 0 when it exited 0, else -1 and
   why.  SIGINT or SIGTERM, or the -t deadline, stop it: SIGTERM to its
   group, SIGKILL a second later. */
static int
run_exec(struct run *r, const char *cmd, const uint64_t c[R_NKINDS],
    int try, char **why)
{
	char *dir = abs_dir(r->dir), *res = fmt("%s/results.jsonl", dir);
	int st, fd;
	double stop = 0;
	pid_t pid, got;

	fflush(stderr);
	if ((pid = fork()) < 0)
		bw_die(BW_EX_IOERR, "--exec: cannot start a process: %s",
		    strerror(errno));
	if (pid == 0) {
		uint64_t all = 0;
		for (int i = 0; i < R_NKINDS; i++)
			all += c[i];
		setpgid(0, 0);
		if ((fd = open(res, O_RDONLY)) < 0 || dup2(fd, 0) < 0 ||
		    dup2(2, 1) < 0 || chdir(dir) < 0) {
			fprintf(stderr, "%s: --exec: %s: %s\n", bw_progname(),
			    res, strerror(errno));
			_exit(126);
		}
		close_from_3();
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setenv("BW_RUN_DIR", dir, 1);
		setenv("BW_RUN_NAME", name_of(dir), 1);
		setenv("BW_RUN_OUTCOME", outcome(r, c), 1);
		envnum("BW_RUN_REQUESTS", all);
		envnum("BW_RUN_SUCCEEDED", c[R_SUCCEEDED]);
		envnum("BW_RUN_ERRORED", c[R_ERRORED]);
		envnum("BW_RUN_EXPIRED", c[R_EXPIRED]);
		envnum("BW_RUN_CANCELED", c[R_CANCELED]);
		envnum("BW_RUN_TRY", (uint64_t)try);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "%s: --exec: /bin/sh: %s\n", bw_progname(),
		    strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* either side may be first */
	free(res);
	free(dir);
	for (;;) {
		struct timespec ts = { 0, 50000000 };
		if ((got = waitpid(pid, &st, WNOHANG)) == pid)
			break;
		if (got < 0 && errno != EINTR)
			bw_die(BW_EX_IOERR, "--exec: %s", strerror(errno));
		if (!stop && (bw_interrupted || (r->api->deadline > 0 &&
		    bw_now() >= r->api->deadline))) {
			kill(-pid, SIGTERM);
			stop = bw_now();
		} else if (stop && bw_now() - stop >= 1) {
			kill(-pid, SIGKILL);
			stop = 1e300;	/* once */
		}
		nanosleep(&ts, NULL);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	*why = stop && !bw_interrupted ? fmt("stopped at the -t deadline") :
	    WIFEXITED(st) ? fmt("exited %d", WEXITSTATUS(st)) :
	    fmt("killed by signal %d", WTERMSIG(st));
	return -1;
}

/* The secret of a notification, read from its file at each use. */
static void
notify_key(const char *path, struct bw_webhook *w)
{
	char secret[1024];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		bw_die(BW_EX_USAGE, "--notify-secret-file: %s: %s", path,
		    strerror(errno));
	n = read(fd, secret, sizeof secret - 1);
	close(fd);
	secret[n > 0 ? n : 0] = 0;
	secret[strcspn(secret, "\r\n")] = 0;
	if (!secret[0])
		bw_die(BW_EX_USAGE, "--notify-secret-file: %s: no secret in it",
		    path);
	memset(w, 0, sizeof *w);
	bw_webhook_key(w, secret);
	memset(secret, 0, sizeof secret);
}

void
notify_check(const struct bw_run_opts *o)
{
	const char *why;
	struct bw_webhook w;

	if (!o->notify)
		return;
	if (!o->notify_secret_file)
		bw_die(BW_EX_USAGE, "--notify: needs --notify-secret-file (the "
		    "secret its receiver checks the signature with)");
	if (bw_notify_check(o->notify, o->notify_flags, &why) < 0)
		bw_die(BW_EX_USAGE, "--notify: %s", why);
	notify_key(o->notify_secret_file, &w);
	bw_webhook_wipe(&w);
}

/* The event told of a finished run: OpenAI's shape, data the run's. */
static struct bw_v
event(struct bw_arena *ar, struct run *r, const uint64_t c[R_NKINDS])
{
	struct bw_v e = bw_of(BW_OBJ), d = bw_of(BW_OBJ), rc = bw_of(BW_OBJ);
	struct bw_v res = bw_of(BW_OBJ);
	uint64_t all = 0;
	char *dir = abs_dir(r->dir);

	for (int i = 0; i < R_NKINDS; i++) {
		all += c[i];
		res = bw_set(ar, res, kinds[i], bw_num((double)c[i]));
	}
	rc = bw_set(ar, rc, "total", bw_num((double)all));
	rc = bw_set(ar, rc, "completed", bw_num((double)c[R_SUCCEEDED]));
	rc = bw_set(ar, rc, "failed", bw_num((double)(all - c[R_SUCCEEDED])));
	d = bw_set(ar, d, "id", bw_strf(ar, "run_%s", r->token));
	d = bw_set(ar, d, "object", bw_lit("bw.run"));
	d = bw_set(ar, d, "name", bw_strf(ar, "%s", name_of(dir)));
	d = bw_set(ar, d, "dir", bw_strf(ar, "%s", dir));
	d = bw_set(ar, d, "request_counts", rc);
	d = bw_set(ar, d, "results", res);
	e = bw_set(ar, e, "id", bw_strf(ar, "evt_%s", r->token));
	e = bw_set(ar, e, "object", bw_lit("event"));
	e = bw_set(ar, e, "type", bw_strf(ar, "batch.%s", outcome(r, c)));
	e = bw_set(ar, e, "created_at", bw_num(floor(wall())));
	e = bw_set(ar, e, "data", d);
	free(dir);
	return e;
}

/* Sends the notification once: 0 on a 2xx, else -1 and why. */
static int
send_notify(struct run *r, struct bw_v ev, const char *id, char **why)
{
	struct bw_out b;
	struct bw_webhook w;
	struct bw_notify n = { r->o->notify, r->o->notify_flags, NULL, 0,
		30, r->api->cacert };
	const char *w2;
	int rc;

	/* -t bounds it too */
	if (r->api->deadline > 0 && r->api->deadline - bw_now() < n.timeout)
		n.timeout = r->api->deadline - bw_now();
	if (n.timeout < 0.001) {
		*why = fmt("not sent: the -t deadline has passed");
		return -1;
	}

	bw_out_open(&b, -1, "event", 0);
	bw_out_v(&b, ev);
	notify_key(r->o->notify_secret_file, &w);
	n.key = w.key;
	n.keylen = w.keylen;
	rc = bw_notify_send(&n, id, floor(wall()), b.buf, b.n, &w2);
	bw_webhook_wipe(&w);
	bw_out_discard(&b);
	if (rc < 0)
		*why = fmt("%s", w2);
	return rc;
}

/* A delivery's record, kept after each try. */
static struct bw_v
record(struct bw_arena *ar, struct bw_v base, int tries, int done,
    const char *why)
{
	base = bw_set(ar, base, "tries", bw_num(tries));
	base = bw_set(ar, base, "done", bw_of(done ? BW_TRUE : BW_FALSE));
	base = bw_set(ar, base, "error", why ? bw_strf(ar, "%s", why) :
	    bw_of(BW_NULL));
	base = bw_set(ar, base, "at", bw_num(floor(wall())));
	return base;
}

int
deliver(struct run *r, const uint64_t c[R_NKINDS])
{
	struct bw_arena ar = { 0 };
	int left = 0;
	char *p, *why = NULL;

	if (r->o->exec) {
		struct bw_v v = load_json(&ar, p = fmt("%s/exec.json", r->dir));
		int tries = (int)num(v, "tries");
		if (bw_get(v, "done").kind != BW_TRUE && !bw_interrupted) {
			int ok = run_exec(r, r->o->exec, c, tries + 1, &why) == 0;
			keep_json(p, record(&ar, bw_of(BW_OBJ), tries + 1, ok,
			    why));
			if (!ok) {
				bw_warn("%s: --exec: %s (try %d): it is tried "
				    "again at the run's next step", r->dir, why,
				    tries + 1);
				free(why);
				why = NULL;
				left = 1;
			}
		}
		free(p);
	}
	if (r->o->notify && !bw_interrupted) {
		struct bw_v v = load_json(&ar, p = fmt("%s/notify.json", r->dir));
		int tries = (int)num(v, "tries");
		if (!v.kind) {
			/* the message, kept before it is first sent: every try
			   sends the same id and body */
			v = bw_set(&ar, bw_of(BW_OBJ), "id",
			    bw_strf(&ar, "msg_%s", r->token));
			v = bw_set(&ar, v, "event", event(&ar, r, c));
			keep_json(p, record(&ar, v, 0, 0, NULL));
		}
		if (bw_get(v, "done").kind != BW_TRUE) {
			struct bw_v id = bw_get(v, "id");
			int ok = id.kind == BW_STR && send_notify(r,
			    bw_get(v, "event"), id.u.s, &why) == 0;
			keep_json(p, record(&ar, v, tries + 1, ok, why));
			if (!ok) {
				bw_warn("%s: --notify: %s (try %d): it is tried "
				    "again at the run's next step", r->dir,
				    why ? why : "no message id kept", tries + 1);
				free(why);
				why = NULL;
				left = 1;
			}
		}
		free(p);
	}
	bw_arena_free(&ar);
	return left || ((r->o->notify || r->o->exec) && bw_interrupted);
}

/* 1 when the finished run's results are joined and nothing is left to
   deliver. */
int
delivered(struct run *r)
{
	static const char *const what[] = { "exec", "notify" };
	struct bw_arena ar = { 0 };
	char *p = fmt("%s/results.jsonl", r->dir);
	int ok = exists(p);

	free(p);
	for (int i = 0; i < 2 && ok; i++) {
		if (!(i ? r->o->notify : r->o->exec))
			continue;
		p = fmt("%s/%s.json", r->dir, what[i]);
		ok = bw_get(load_json(&ar, p), "done").kind == BW_TRUE;
		free(p);
	}
	bw_arena_free(&ar);
	return ok;
}

/* ,"exec":{...},"notify":{...} for --status: what was tried, no URL and
   no command (they may hold a secret). */
void
deliveries(struct run *r, struct bw_out *o)
{
	static const char *const what[] = { "exec", "notify" };
	struct bw_arena ar = { 0 };

	for (int i = 0; i < 2; i++) {
		const char *set = i ? r->o->notify : r->o->exec;
		char *p = fmt("%s/%s.json", r->dir, what[i]);
		struct bw_v v = load_json(&ar, p), s = bw_of(BW_OBJ);
		free(p);
		bw_out_str(o, ",\"");
		bw_out_str(o, what[i]);
		bw_out_str(o, "\":");
		if (!set) {
			bw_out_str(o, "null");
			continue;
		}
		s = bw_set(&ar, s, "done", bw_of(bw_get(v, "done").kind ==
		    BW_TRUE ? BW_TRUE : BW_FALSE));
		s = bw_set(&ar, s, "tries", bw_num(num(v, "tries")));
		s = bw_set(&ar, s, "error", bw_get(v, "error").kind == BW_STR ?
		    bw_get(v, "error") : bw_of(BW_NULL));
		bw_out_v(o, s);
	}
	bw_arena_free(&ar);
}
