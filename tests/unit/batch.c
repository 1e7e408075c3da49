/* batch.c: unit tests for what the network stages check of the values
   they get: ids (bw_id_valid), a Batch object's status and counts, and
   the records between stages (bw_records, bw_batch_id). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bw.h"

/* a string literal and its length, NUL bytes included */
#define L(s) s, sizeof s - 1

static struct bw_arena arena;

static int
free_arena(void **state)
{
	(void)state;
	bw_arena_free(&arena);
	return 0;
}

static struct bw_v
json(const char *s)
{
	const char *why = NULL;
	struct bw_v v = bw_read(&arena, s, strlen(s), INT_MAX, &why, NULL);

	if (!v.kind)
		fail_msg("%s: %s", s, why);
	return v;
}

static void
test_id_valid(void **state)
{
	char id[258];

	(void)state;
	assert_true(bw_id_valid(L("batch_abc123")));
	assert_true(bw_id_valid(L("file-ABC_x-9")));
	assert_true(bw_id_valid(L("a")));
	assert_false(bw_id_valid(L("")));
	/* every byte counts: a NUL inside or after is no end */
	assert_false(bw_id_valid(L("batch_a\0b")));
	assert_false(bw_id_valid("batch_a", 8));
	assert_false(bw_id_valid(L("\0")));
	assert_false(bw_id_valid(L("../etc")));
	assert_false(bw_id_valid(L("batch a")));
	assert_false(bw_id_valid(L("batch/a")));
	assert_false(bw_id_valid(L("batch%2e")));
	assert_false(bw_id_valid(L("batch_\xc3\xa9")));
	assert_false(bw_id_valid(L("batch_a\n")));
	memset(id, 'x', sizeof id);
	assert_true(bw_id_valid(id, 256));
	assert_false(bw_id_valid(id, 257));
	/* only the n bytes are looked at */
	assert_true(bw_id_valid("batch_a/../x", 7));
}

static void
status_is(const char *obj, const char *want, int terminal)
{
	struct bw_v b = json(obj);

	assert_string_equal(bw_batch_status(b), want);
	assert_int_equal(bw_batch_terminal(b), terminal);
}

static void
test_status(void **state)
{
	(void)state;
	status_is("{\"status\":\"validating\"}", "validating", 0);
	status_is("{\"status\":\"in_progress\"}", "in_progress", 0);
	status_is("{\"status\":\"finalizing\"}", "finalizing", 0);
	status_is("{\"status\":\"cancelling\"}", "cancelling", 0);
	status_is("{\"status\":\"completed\"}", "completed", 1);
	status_is("{\"status\":\"failed\"}", "failed", 1);
	status_is("{\"status\":\"expired\"}", "expired", 1);
	status_is("{\"status\":\"cancelled\"}", "cancelled", 1);
	status_is("{\"status\":\"Completed\"}", "completed", 1);
	status_is("{\"status\":\"CANCELLED\"}", "cancelled", 1);
	/* what is not one of the eight counts as still running */
	status_is("{\"status\":\"completed\\u0000\"}", "in_progress", 0);
	status_is("{\"status\":\"completed\\u0000x\"}", "in_progress", 0);
	status_is("{\"status\":\"complete\"}", "in_progress", 0);
	status_is("{\"status\":\"completedd\"}", "in_progress", 0);
	status_is("{\"status\":\" completed\"}", "in_progress", 0);
	status_is("{\"status\":\"canceled\"}", "in_progress", 0);
	status_is("{\"status\":\"paused\"}", "in_progress", 0);
	status_is("{\"status\":\"completed completed completed "
	    "completed\"}", "in_progress", 0);
	status_is("{\"status\":null}", "in_progress", 0);
	status_is("{\"status\":1}", "in_progress", 0);
	status_is("{\"status\":[\"completed\"]}", "in_progress", 0);
	status_is("{}", "in_progress", 0);
	status_is("\"completed\"", "in_progress", 0);
	assert_false(bw_batch_terminal(bw_of(BW_NONE)));
}

static void
test_count(void **state)
{
	struct bw_v b = json("{\"request_counts\":{\"total\":5,"
	    "\"completed\":3,\"failed\":\"1\"}}");

	(void)state;
	assert_true(bw_batch_count(b, "total") == 5);
	assert_true(bw_batch_count(b, "completed") == 3);
	assert_true(bw_batch_count(b, "failed") == 0);
	assert_true(bw_batch_count(json("{}"), "total") == 0);
	assert_true(bw_batch_count(json("{\"request_counts\":null}"),
	    "total") == 0);
	assert_true(bw_batch_count(bw_of(BW_NONE), "total") == 0);
}

static void
test_records(void **state)
{
	char *argv[] = { "batch_a", " {\"id\":\"batch_b\",\"x\":[1]}\t",
	    "{\"object\":\"event\",\"data\":{\"id\":\"batch_c\"},"
	    "\"id\":\"evt_1\"}", "batch_d\r", NULL };
	struct bw_records r;
	struct bw_v rec;

	(void)state;
	bw_records_open(&r, argv, 4);
	assert_int_equal(bw_records_next(&r, &rec), 1);
	assert_true(bw_is(rec, "batch_a"));
	assert_string_equal(bw_batch_id(&r, rec), "batch_a");
	assert_string_equal(bw_records_where(&r), "argument 1");
	assert_int_equal(bw_records_next(&r, &rec), 1);
	assert_int_equal(rec.kind, BW_OBJ);
	assert_string_equal(bw_batch_id(&r, rec), "batch_b");
	assert_int_equal(bw_records_next(&r, &rec), 1);
	assert_string_equal(bw_batch_id(&r, rec), "batch_c");
	assert_int_equal(bw_records_next(&r, &rec), 1);
	assert_true(bw_is(rec, "batch_d"));
	assert_string_equal(bw_records_where(&r), "argument 4");
	assert_int_equal(bw_records_next(&r, &rec), 0);
	assert_int_equal(r.n, 4);
	assert_null(r.arena.blk);	/* freed at the end */
	assert_int_equal(bw_records_next(&r, &rec), 0);
}

/* The records of stdin (the bytes s) in a child, each one's batch id
   taken: the child must exit code, saying want (a substring) on
   stderr. */
static void
records_exit(const char *s, size_t n, int code, const char *want)
{
	FILE *in = tmpfile(), *err = tmpfile();
	char msg[512];
	size_t got;
	pid_t pid;
	int st;

	assert_non_null(in);
	assert_non_null(err);
	assert_int_equal(fwrite(s, 1, n, in), n);
	fflush(in);
	rewind(in);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct bw_records r;
		struct bw_v rec;
		dup2(fileno(in), 0);
		dup2(fileno(err), 2);
		bw_records_open(&r, NULL, 0);
		while (bw_records_next(&r, &rec))
			bw_batch_id(&r, rec);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rewind(err);
	got = fread(msg, 1, sizeof msg - 1, err);
	msg[got] = 0;
	fclose(in);
	fclose(err);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != code)
		fail_msg("exit status %d, not %d; stderr: %s",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1, code, msg);
	if (!strstr(msg, want))
		fail_msg("stderr %s, without %s", msg, want);
}

static void
test_records_refused(void **state)
{
	(void)state;
	records_exit(L("batch_a\n\n  \nbatch_b\n{\"id\":\"batch_c\"}"), 0, "");
	records_exit(L("batch_a\nbatch_b\0x\n"), 65,
	    "bw: line 2: not a valid batch id: \"batch_b\\u0000x\"\n");
	/* a record is the user's: a bad one is 65, whatever is wrong */
	records_exit(L("{\"id\":\"batch_a\\u0000\"}\n"), 65,
	    "bw: line 1: an invalid batch id: \"batch_a\\u0000\"\n");
	records_exit(L("{\"object\":\"event\",\"id\":\"evt_1\"}\n"), 65,
	    "bw: line 1: a webhook event without a batch id (\"data.id\")\n");
	records_exit(L("{\"object\":\"event\",\"type\":\"batch.failed\","
	    "\"id\":\"evt_1\"}\n"), 65,
	    "bw: line 1: a webhook event without a batch id (\"data.id\")\n");
	/* "object" is optional in OpenAI's schema: an event by its shape */
	records_exit(L("{\"id\":\"evt_1\",\"type\":\"batch.completed\","
	    "\"data\":{\"id\":\"batch_a\"}}\n"), 0, "");
	records_exit(L("{\"id\":\"evt_1\",\"type\":\"response.completed\","
	    "\"data\":{\"id\":\"resp_a\"}}\n"), 65,
	    "bw: line 1: a webhook event of type \"response.completed\", not a "
	    "batch.* one: it names no batch\n");
	records_exit(L("{\"id\":\"evt_1\",\"type\":\"batch.completed\","
	    "\"data\":{}}\n"), 65,
	    "bw: line 1: a webhook event without a batch id (\"data.id\")\n");
	records_exit(L("{\"id\":5}\n"), 65,
	    "bw: line 1: a record without a batch id (an \"id\", or an "
	    "event's \"data.id\")\n");
	records_exit(L("{\"id\":\"a\",\"id\":\"../x\"}\n"), 65,
	    "bw: line 1: an invalid batch id: \"../x\"\n");
	records_exit(L("{\"object\":\"file\",\"id\":\"file-a\"}\n"), 65,
	    "bw: line 1: a record of object \"file\", not a batch (a batch "
	    "id, a Batch object or a webhook event)\n");
	records_exit(L("{\"custom_id\":\"x\",\"id\":\"batch_a\"}\n"), 65,
	    "bw: line 1: a line of batch input (it has a custom_id), not a "
	    "batch\n");
	records_exit(L("batch a\n"), 65,
	    "bw: line 1: not an id or a JSON object\n");
	records_exit(L("{\"id\":\"batch_\0\"}\n"), 65,
	    "bw: line 1: invalid JSON at column 14: control character in "
	    "a string\n");
	records_exit(L("[\"batch_a\"]\n"), 65,
	    "bw: line 1: not a valid batch id: \"[\\\"batch_a\\\"]\"\n");
}

#define T(f) cmocka_unit_test_teardown(f, free_arena)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_valid),
		T(test_status),
		T(test_count),
		T(test_records),
		T(test_records_refused),
	};

	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
