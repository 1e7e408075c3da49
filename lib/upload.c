/* upload.c: check a batch input file whole, then POST /files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bw.h"

struct check {
	struct bw_strset *ids;
	jv url, model;
	unsigned long count;
	unsigned long url_line, model_line;
};

static void
check_line(struct bw_lines *l, struct check *k, const char *s, size_t n)
{
	const char *why;
	size_t col;
	jv v, id, method, url, body, model;

	if (bw_blank(s, n))
		bw_lines_die(l, BW_EX_DATAERR, "an empty line");
	v = bw_parse_line(s, n, &why, &col);
	if (!jv_is_valid(v))
		bw_lines_die(l, BW_EX_DATAERR, "invalid JSON at column %zu: %s",
		    col, why);
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		bw_lines_die(l, BW_EX_DATAERR, "%s, not a batch request object",
		    bw_kind(v));
	id = bw_get(v, "custom_id");
	method = bw_get(v, "method");
	url = bw_get(v, "url");
	body = bw_get(v, "body");
	model = bw_get(body, "model");
	if (jv_get_kind(id) != JV_KIND_STRING || !jv_string_length_bytes(jv_copy(id)))
		bw_lines_die(l, BW_EX_DATAERR, "custom_id: %s, not a non-empty "
		    "string", jv_is_valid(id) ? bw_kind(id) : "missing");
	if (jv_get_kind(method) != JV_KIND_STRING ||
	    strcmp(jv_string_value(method), "POST"))
		bw_lines_die(l, BW_EX_DATAERR, "method: not \"POST\"");
	if (jv_get_kind(url) != JV_KIND_STRING ||
	    strncmp(jv_string_value(url), "/v1/", 4))
		bw_lines_die(l, BW_EX_DATAERR, "url: not a /v1/ path");
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		bw_lines_die(l, BW_EX_DATAERR, "body: %s, not an object",
		    jv_is_valid(body) ? bw_kind(body) : "missing");
	if (jv_get_kind(model) != JV_KIND_STRING)
		bw_lines_die(l, BW_EX_DATAERR, "body.model: %s, not a string",
		    jv_is_valid(model) ? bw_kind(model) : "missing");
	unsigned long first = bw_strset_add(k->ids, jv_string_value(id),
	    jv_string_length_bytes(jv_copy(id)), l->lineno);
	if (first)
		bw_lines_die(l, BW_EX_DATAERR, "duplicate custom_id %s (first "
		    "on line %lu)", bw_quote(jv_string_value(id),
		    jv_string_length_bytes(jv_copy(id)), 200), first);
	if (!jv_is_valid(k->url)) {
		k->url = jv_copy(url);
		k->model = jv_copy(model);
		k->url_line = l->lineno;
	} else if (!jv_equal(jv_copy(k->url), jv_copy(url))) {
		bw_lines_die(l, BW_EX_DATAERR, "url %s, but line %lu has %s: "
		    "one endpoint per batch", bw_quote(jv_string_value(url),
		    strlen(jv_string_value(url)), 60), k->url_line,
		    jv_string_value(k->url));
	} else if (!jv_equal(jv_copy(k->model), jv_copy(model))) {
		bw_lines_die(l, BW_EX_DATAERR, "body.model %s, but line %lu has "
		    "%s: one model per batch", bw_quote(jv_string_value(model),
		    strlen(jv_string_value(model)), 60), k->url_line,
		    jv_string_value(k->model));
	}
	k->count++;
	jv_free(id);
	jv_free(method);
	jv_free(url);
	jv_free(body);
	jv_free(model);
	jv_free(v);
}

struct same {
	struct bw_api *a;
	const char *name;
	uint64_t bytes;
	jv seen;		/* ids of such files before we sent */
	jv found;
};

/* The newest batch file of this name and size that is not in seen
   (owned), or invalid. */
static jv
find_same(struct same *m)
{
	jv list = bw_api_json(m->a, "GET", "/files?purpose=batch&limit=1000",
	    jv_invalid());
	jv data = bw_get(list, "data"), found = jv_invalid();

	if (jv_get_kind(data) == JV_KIND_ARRAY) {
		jv_array_foreach(data, i, f) {
			jv name = bw_get(f, "filename"), bytes = bw_get(f, "bytes");
			jv id = bw_get(f, "id");
			int old = 0;
			if (jv_is_valid(m->seen)) {
				jv_array_foreach(m->seen, k, s) {
					old |= jv_equal(jv_copy(s), jv_copy(id));
					jv_free(s);
				}
			}
			if (!jv_is_valid(found) && !old &&
			    jv_get_kind(name) == JV_KIND_STRING &&
			    !strcmp(jv_string_value(name), m->name) &&
			    jv_get_kind(bytes) == JV_KIND_NUMBER &&
			    jv_number_value(bytes) == (double)m->bytes)
				found = jv_copy(f);
			jv_free(name);
			jv_free(bytes);
			jv_free(id);
			jv_free(f);
		}
	}
	jv_free(data);
	jv_free(list);
	return found;
}

static int
upload_unknown(struct bw_call *c)
{
	struct same *m = c->arg;
	struct bw_out o;

	m->found = find_same(m);
	if (!jv_is_valid(m->found))
		return -1;
	bw_warn("POST %s/files: the request's fate was unknown, but %s is on "
	    "the server: not sending it again", m->a->basepath, m->name);
	bw_out_open(&o, -1, "json", 0);
	bw_out_json(&o, m->found);
	c->body = o.buf;
	c->len = o.n;
	return 0;
}

void
bw_upload(struct bw_api *a, const char *path, const struct bw_upload_opts *lim,
    struct bw_out *o)
{
	struct bw_lines l;
	struct check k = { bw_strset_new(), jv_invalid(), jv_invalid(), 0, 0, 0 };
	struct bw_call c = { .method = "POST", .path = "/files" };
	struct bw_out spool;
	struct stat st;
	const char *s, *name;
	size_t n;
	int regular;
	uint64_t bytes = 0;

	bw_lines_open(&l, path, lim->max_line);
	if (fstat(l.fd, &st) < 0)
		bw_die(BW_EX_IOERR, "%s: %s", path ? path : "stdin", strerror(errno));
	regular = S_ISREG(st.st_mode);
	if (regular) {
		off_t at = lseek(l.fd, 0, SEEK_CUR);
		c.upload_fd = l.fd;
		c.upload_offset = at < 0 ? 0 : (uint64_t)at;
	} else {
		char tmp[4096];
		const char *dir = getenv("TMPDIR");
		snprintf(tmp, sizeof tmp, "%s/bw-upload.XXXXXX",
		    dir && *dir ? dir : "/tmp");
		if ((c.upload_fd = mkstemp(tmp)) < 0)
			bw_die(BW_EX_IOERR, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		bw_out_open(&spool, c.upload_fd, "temporary file", 0);
	}
	while (bw_lines_next(&l, &s, &n)) {
		bytes += n + 1;
		if (l.unterminated)
			bw_lines_die(&l, BW_EX_DATAERR, "no newline at the end: "
			    "the input looks cut short; nothing was sent");
		if (k.count + 1 > lim->max_requests)
			bw_lines_die(&l, BW_EX_DATAERR, "past the limit of %llu "
			    "requests in a batch (--max-requests)",
			    (unsigned long long)lim->max_requests);
		if (bytes > lim->max_file)
			bw_lines_die(&l, BW_EX_DATAERR, "past the limit of %llu "
			    "bytes in a batch file (--max-file)",
			    (unsigned long long)lim->max_file);
		check_line(&l, &k, s, n);
		if (!regular) {
			bw_out_write(&spool, s, n);
			bw_out_char(&spool, '\n');
		}
	}
	if (k.count == 0)
		bw_die(BW_EX_DATAERR, "%s%sno requests in the input",
		    path ? path : "", path ? ": " : "");
	if (!regular)
		bw_out_commit(&spool);
	c.upload_size = bytes;
	if (!path || !strcmp(path, "-"))
		name = "batch.jsonl";
	else
		name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	c.upload_name = name;
	struct same same = { a, name, bytes, jv_array(), jv_invalid() };
	jv file = jv_invalid();
	if (lim->reuse) {
		jv had = find_same(&same);
		if (jv_is_valid(had)) {
			jv hid = bw_get(had, "id");
			bw_warn("%s: on the server already as %s: not uploading "
			    "it again", name, jv_get_kind(hid) == JV_KIND_STRING ?
			    jv_string_value(hid) : "?");
			jv_free(hid);
			file = had;
		}
		c.on_unknown = upload_unknown;
		c.arg = &same;
	}
	if (!jv_is_valid(file))
		file = bw_api_object(a, &c, jv_invalid());
	jv_free(same.seen);
	jv_free(same.found);
	jv id = bw_get(file, "id");
	if (jv_get_kind(id) != JV_KIND_STRING)
		bw_die(BW_EX_PROTOCOL, "POST %s/files: the reply is not a File "
		    "object%s", a->basepath, bw_api_reqid(&c));
	if (!bw_id_valid(jv_string_value(id)))
		bw_die(BW_EX_PROTOCOL, "POST %s/files: the server sent an invalid "
		    "file id %s%s", a->basepath, bw_quote(jv_string_value(id),
		    strlen(jv_string_value(id)), 80), bw_api_reqid(&c));
	file = jv_object_set(file, jv_string("endpoint"), k.url);
	file = jv_object_set(file, jv_string("request_count"),
	    jv_number(k.count));
	bw_out_json(o, file);
	bw_out_char(o, '\n');
	jv_free(file);
	jv_free(id);
	jv_free(k.model);
	bw_strset_free(k.ids);
	if (!regular)
		close(c.upload_fd);
	bw_lines_close(&l);
}
