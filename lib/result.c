/* result.c: one batch output or error line → one normalized result. */
#include <stdio.h>
#include <string.h>

#include "bw.h"

static BW_TLS char whybuf[256];

static int
bad(const char **why, const char *fmt, const char *arg)
{
	snprintf(whybuf, sizeof whybuf, fmt, arg);
	*why = whybuf;
	return -1;
}

static int
is(jv v, const char *s)
{
	return jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), s);
}

/* The text of a chat, completion or Responses API body; "" if none.
   body is borrowed; the result is owned. */
static jv
text(jv body)
{
	jv choices = bw_get(body, "choices");
	jv output = bw_get(body, "output");
	jv s = jv_string("");

	if (jv_get_kind(choices) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(choices)) > 0) {
		jv c = jv_array_get(jv_copy(choices), 0);
		jv msg = bw_get(c, "message");
		jv t = jv_get_kind(msg) == JV_KIND_OBJECT ?
		    bw_get(msg, "content") : bw_get(c, "text");
		if (jv_get_kind(t) == JV_KIND_STRING)
			s = jv_string_concat(s, jv_copy(t));
		jv_free(t);
		jv_free(msg);
		jv_free(c);
	} else if (jv_get_kind(output) == JV_KIND_ARRAY) {
		jv_array_foreach(output, i, item) {
			jv type = bw_get(item, "type");
			jv content = bw_get(item, "content");
			if (is(type, "message") &&
			    jv_get_kind(content) == JV_KIND_ARRAY) {
				jv_array_foreach(content, k, part) {
					jv pt = bw_get(part, "type");
					jv t = bw_get(part, "text");
					if (is(pt, "output_text") &&
					    jv_get_kind(t) == JV_KIND_STRING)
						s = jv_string_concat(s, jv_copy(t));
					jv_free(pt);
					jv_free(t);
					jv_free(part);
				}
			}
			jv_free(type);
			jv_free(content);
			jv_free(item);
		}
	}
	jv_free(choices);
	jv_free(output);
	return s;
}

static void
field(struct bw_out *o, const char *name, jv v)
{
	bw_out_char(o, '"');
	bw_out_str(o, name);
	bw_out_str(o, "\":");
	bw_out_json(o, v);
	jv_free(v);
}

static int
isnum(jv v)
{
	return jv_get_kind(v) == JV_KIND_NUMBER;
}

/* usage from prompt/completion (chat, completions) or input/output
   (responses) token counts; body is borrowed. */
static void
usage(struct bw_out *o, jv body)
{
	jv u = bw_get(body, "usage");

	if (jv_get_kind(u) == JV_KIND_OBJECT) {
		jv in = bw_get(u, "input_tokens");
		jv out = bw_get(u, "output_tokens");
		jv total = bw_get(u, "total_tokens");
		if (!isnum(in) && !isnum(out)) {
			jv_free(in);
			jv_free(out);
			in = bw_get(u, "prompt_tokens");
			out = bw_get(u, "completion_tokens");
		}
		if (!isnum(total)) {
			jv_free(total);
			total = isnum(in) && isnum(out) ?
			    jv_number(jv_number_value(in) + jv_number_value(out)) :
			    jv_null();
		}
		bw_out_str(o, ",\"usage\":{");
		field(o, "inputTokens", isnum(in) ? in : (jv_free(in), jv_null()));
		bw_out_char(o, ',');
		field(o, "outputTokens", isnum(out) ? out : (jv_free(out), jv_null()));
		bw_out_char(o, ',');
		field(o, "totalTokens", total);
		bw_out_char(o, '}');
	}
	jv_free(u);
}

/* {message,type,code} from an error object (borrowed), null where absent. */
static void
error(struct bw_out *o, jv e, const char *fallback)
{
	static const char *keys[] = { "message", "type", "code" };

	bw_out_str(o, ",\"error\":{");
	for (int i = 0; i < 3; i++) {
		jv v = bw_get(e, keys[i]);
		if (!jv_is_valid(v))
			v = i == 0 && fallback ? jv_string(fallback) : jv_null();
		if (i)
			bw_out_char(o, ',');
		field(o, keys[i], v);
	}
	bw_out_char(o, '}');
}

static const char *
status_of_error(jv code)
{
	if (is(code, "batch_expired"))
		return "expired";
	if (is(code, "batch_cancelled") || is(code, "batch_canceled"))
		return "canceled";
	return "errored";
}

int
bw_result_write(struct bw_out *o, jv line, int raw, const char **why)
{
	jv id, err, resp, body, sc;
	int rc = 0;

	if (jv_get_kind(line) != JV_KIND_OBJECT) {
		rc = bad(why, "not a batch result: %s, not an object",
		    bw_kind(line));
		jv_free(line);
		return rc;
	}
	id = bw_get(line, "custom_id");
	err = bw_get(line, "error");
	resp = bw_get(line, "response");
	body = bw_get(resp, "body");
	sc = bw_get(resp, "status_code");

	if (!jv_is_valid(id))
		rc = bad(why, "no custom_id%s", "");
	else if (jv_get_kind(id) != JV_KIND_STRING)
		rc = bad(why, "custom_id is %s, not a string", bw_kind(id));
	else if (jv_get_kind(err) == JV_KIND_OBJECT) {
		jv code = bw_get(err, "code");
		bw_out_str(o, "{\"customId\":");
		bw_out_json(o, id);
		bw_out_str(o, ",\"status\":\"");
		bw_out_str(o, status_of_error(code));
		bw_out_char(o, '"');
		error(o, err, NULL);
		jv_free(code);
	} else if (jv_is_valid(err) && jv_get_kind(err) != JV_KIND_NULL)
		rc = bad(why, "error is %s, not an object or null", bw_kind(err));
	else if (jv_get_kind(resp) != JV_KIND_OBJECT)
		rc = bad(why, "neither a response nor an error%s", "");
	else if (!isnum(sc))
		rc = bad(why, "response.status_code is %s, not a number",
		    jv_is_valid(sc) ? bw_kind(sc) : "missing");
	else {
		double code = jv_number_value(sc);
		bw_out_str(o, "{\"customId\":");
		bw_out_json(o, id);
		if (code >= 200 && code < 300) {
			bw_out_str(o, ",\"status\":\"succeeded\",");
			field(o, "text", text(body));
			usage(o, body);
		} else {
			char fb[64];
			jv e = bw_get(body, "error");
			snprintf(fb, sizeof fb, "HTTP status %.0f", code);
			bw_out_str(o, ",\"status\":\"errored\"");
			error(o, e, fb);
			jv_free(e);
		}
	}
	if (rc == 0) {
		if (raw) {
			bw_out_char(o, ',');
			field(o, "response", jv_is_valid(body) ? jv_copy(body) : jv_null());
		}
		bw_out_str(o, "}\n");
	}
	jv_free(id);
	jv_free(err);
	jv_free(resp);
	jv_free(body);
	jv_free(sc);
	jv_free(line);
	return rc;
}

struct parsing {
	struct bw_out *o;
	int raw;
	unsigned long count;
};

static void *
init(void *arg)
{
	return arg;
}

static int
work(void *state, struct bw_job *j, char *why, size_t whysize)
{
	struct parsing *ps = state;
	const char *w;
	size_t col;
	jv v;

	if (j->blank)
		return 1;
	v = bw_parse_line(j->s, j->n, &w, &col);
	if (!jv_is_valid(v))
		return snprintf(why, whysize, "invalid JSON at column %zu: %s",
		    col, w), -1;
	if (bw_result_write(j->out, v, ps->raw, &w) < 0)
		return snprintf(why, whysize, "%s", w), -1;
	return 0;
}

static void
take(void *arg, struct bw_job *j, const char *name)
{
	struct parsing *ps = arg;

	(void)name;
	bw_out_write(ps->o, j->outp, j->outn);
	ps->count++;
}

unsigned long
bw_parse_file(struct bw_out *o, const char *path, size_t max, int raw)
{
	struct parsing ps = { o, raw, 0 };
	struct bw_par_ops ops = { init, work, take, NULL, NULL, &ps, 0 };
	struct bw_par *p = bw_par_new(&ops, bw_par_threads());
	struct bw_lines l;

	bw_lines_open(&l, path, max);
	bw_par_lines(p, &l);
	bw_lines_close(&l);
	bw_par_free(p);
	return ps.count;
}
