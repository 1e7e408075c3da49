/* records.c: ids and JSON objects between the network stages. */
#include <stdio.h>
#include <string.h>

#include "bw.h"

void
bw_records_open(struct bw_records *r, char **argv, int argc)
{
	memset(r, 0, sizeof *r);
	r->argv = argv;
	r->argc = argc;
	if (argc == 0) {
		bw_lines_open(&r->lines, NULL, 20 << 20);
		r->stdin_open = 1;
	}
}

static int
parse(struct bw_records *r, const char *s, size_t n, jv *rec)
{
	const char *why;
	size_t col;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 0 && *s == '{') {
		*rec = bw_parse_line(s, n, &why, &col);
		if (!jv_is_valid(*rec))
			bw_die(BW_EX_DATAERR, "%s: invalid JSON at column %zu: %s",
			    bw_records_where(r), col, why);
		return 1;
	}
	if (n == 0 || memchr(s, ' ', n) || memchr(s, '\t', n))
		bw_die(BW_EX_DATAERR, "%s: not an id or a JSON object",
		    bw_records_where(r));
	*rec = jv_string_sized(s, n);
	return 1;
}

int
bw_records_next(struct bw_records *r, jv *rec)
{
	const char *s;
	size_t n;

	if (!r->stdin_open) {
		if (r->i >= r->argc)
			return 0;
		r->n++;
		r->i++;
		return parse(r, r->argv[r->i - 1], strlen(r->argv[r->i - 1]), rec);
	}
	while (bw_lines_next(&r->lines, &s, &n)) {
		if (bw_blank(s, n))
			continue;
		r->n++;
		return parse(r, s, n, rec);
	}
	bw_lines_close(&r->lines);
	r->stdin_open = 0;
	r->argc = 0;
	return 0;
}

const char *
bw_records_where(struct bw_records *r)
{
	static char buf[96];

	if (r->stdin_open)
		snprintf(buf, sizeof buf, "line %lu", r->lines.lineno);
	else
		snprintf(buf, sizeof buf, "argument %d", r->i);
	return buf;
}

const char *
bw_batch_id(struct bw_records *r, jv rec)
{
	jv id;
	const char *s;

	if (jv_get_kind(rec) == JV_KIND_STRING) {
		s = jv_string_value(rec);
		if (!bw_id_valid(s))
			bw_die(BW_EX_DATAERR, "%s: not a valid batch id: %s",
			    bw_records_where(r), bw_quote(s, strlen(s), 80));
		return s;
	}
	id = bw_jget(rec, "object");
	int event = jv_get_kind(id) == JV_KIND_STRING &&
	    !strcmp(jv_string_value(id), "event");
	jv_free(id);
	if (event) {
		jv data = bw_jget(rec, "data");
		id = bw_jget(data, "id");
		jv_free(data);
	} else {
		id = bw_jget(rec, "id");
	}
	if (jv_get_kind(id) != JV_KIND_STRING) {
		jv_free(id);
		bw_die(BW_EX_PROTOCOL, "%s: a record without a batch id",
		    bw_records_where(r));
	}
	s = jv_string_value(id);
	if (!bw_id_valid(s))
		bw_die(BW_EX_PROTOCOL, "%s: an invalid batch id: %s",
		    bw_records_where(r), bw_quote(s, strlen(s), 80));
	jv_free(id);	/* rec still holds it */
	return s;
}
