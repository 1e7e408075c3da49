/* result.c: one batch output or error line → one normalized result. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

static BW_PRINTF(2, 3) int
bad(const char **why, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*why = bw_why("%s", buf);
	return -1;
}

static int
isobj(struct bw_v v)
{
	return v.kind == BW_OBJ;
}

static int
isnum(struct bw_v v)
{
	return v.kind == BW_NUM;
}

static int
isarr(struct bw_v v)
{
	return v.kind == BW_ARR;
}

/* The text of a chat, completion or Responses API body, as a JSON
   string; "" if none. */
static void
text(struct bw_out *o, struct bw_v body)
{
	struct bw_v choices = bw_get(body, "choices");
	struct bw_v output = bw_get(body, "output");
	struct bw_out t;

	if (isarr(choices) && choices.n > 0) {
		struct bw_v c = bw_idx(choices, 0);
		struct bw_v msg = bw_get(c, "message");
		struct bw_v s = isobj(msg) ? bw_get(msg, "content") :
		    bw_get(c, "text");
		if (s.kind == BW_STR)
			bw_out_jstr(o, s.u.s, s.n);
		else
			bw_out_str(o, "\"\"");
		return;
	}
	bw_out_open(&t, -1, "text", 0);
	for (uint32_t i = 0; isarr(output) && i < output.n; i++) {
		struct bw_v item = bw_idx(output, i);
		struct bw_v content = bw_get(item, "content");
		if (!bw_is(bw_get(item, "type"), "message") || !isarr(content))
			continue;
		for (uint32_t k = 0; k < content.n; k++) {
			struct bw_v part = bw_idx(content, k);
			struct bw_v s = bw_get(part, "text");
			if (bw_is(bw_get(part, "type"), "output_text") &&
			    s.kind == BW_STR)
				bw_out_write(&t, s.u.s, s.n);
		}
	}
	if (!t.n && bw_get(body, "output_text").kind == BW_STR) {
		/* what OpenAI's SDKs add to a response: the same text */
		struct bw_v s = bw_get(body, "output_text");
		bw_out_write(&t, s.u.s, s.n);
	}
	bw_out_jstr(o, t.buf, t.n);
	bw_out_discard(&t);
}

static void
field(struct bw_out *o, const char *name, struct bw_v v)
{
	bw_out_char(o, '"');
	bw_out_str(o, name);
	bw_out_str(o, "\":");
	bw_out_v(o, v);
}

/* usage from prompt/completion (chat, completions) or input/output
   (responses) token counts. */
static void
usage(struct bw_out *o, struct bw_v body)
{
	struct bw_v u = bw_get(body, "usage"), in, out, total;

	if (!isobj(u))
		return;
	in = bw_get(u, "input_tokens");
	out = bw_get(u, "output_tokens");
	total = bw_get(u, "total_tokens");
	if (!isnum(in) && !isnum(out)) {
		in = bw_get(u, "prompt_tokens");
		out = bw_get(u, "completion_tokens");
	}
	if (!isnum(in) && !isnum(out) && !isnum(total))
		return;		/* usage:{} is no usage, as in Batchwork */
	bw_out_str(o, ",\"usage\":{");
	field(o, "inputTokens", isnum(in) ? in : bw_of(BW_NULL));
	bw_out_char(o, ',');
	field(o, "outputTokens", isnum(out) ? out : bw_of(BW_NULL));
	bw_out_str(o, ",\"totalTokens\":");
	if (isnum(total))
		bw_out_v(o, total);
	else	/* the sum of what there is, as Batchwork sums */
		bw_out_number(o, (isnum(in) ? in.u.num : 0) +
		    (isnum(out) ? out.u.num : 0));
	bw_out_char(o, '}');
}

/* {message,type,code} from an error object, null where absent. */
static void
error(struct bw_out *o, struct bw_v e, const char *fallback)
{
	static const char *keys[] = { "message", "type", "code" };

	bw_out_str(o, ",\"error\":{");
	for (int i = 0; i < 3; i++) {
		struct bw_v v = bw_get(e, keys[i]);
		if (i)
			bw_out_char(o, ',');
		if (!v.kind && i == 0 && fallback) {
			bw_out_str(o, "\"message\":");
			bw_out_jstr(o, fallback, strlen(fallback));
		} else {
			field(o, keys[i], v);
		}
	}
	bw_out_char(o, '}');
}

static const char *
status_of_error(struct bw_v code)
{
	if (bw_is(code, "batch_expired"))
		return "expired";
	if (bw_is(code, "batch_cancelled") || bw_is(code, "batch_canceled"))
		return "canceled";
	return "errored";
}

int
bw_result_write(struct bw_out *o, struct bw_v line, int raw,
    const char **why)
{
	struct bw_v id, err, resp, body, sc;

	if (!isobj(line))
		return bad(why, "not a batch result: %s, not an object",
		    bw_kindname(line));
	id = bw_get(line, "custom_id");
	err = bw_get(line, "error");
	resp = bw_get(line, "response");
	body = bw_get(resp, "body");
	sc = bw_get(resp, "status_code");

	if (!id.kind)
		return bad(why, "no custom_id");
	if (id.kind != BW_STR)
		return bad(why, "custom_id is %s, not a string", bw_kindname(id));
	if (isobj(err)) {
		bw_out_str(o, "{\"customId\":");
		bw_out_v(o, id);
		bw_out_str(o, ",\"status\":\"");
		bw_out_str(o, status_of_error(bw_get(err, "code")));
		bw_out_char(o, '"');
		error(o, err, NULL);
	} else if (err.kind && err.kind != BW_NULL) {
		return bad(why, "error is %s, not an object or null",
		    bw_kindname(err));
	} else if (!isobj(resp)) {
		return bad(why, "neither a response nor an error");
	} else if (!isnum(sc)) {
		return bad(why, "response.status_code is %s, not a number",
		    bw_kindname(sc));
	} else {
		double code = sc.u.num;
		bw_out_str(o, "{\"customId\":");
		bw_out_v(o, id);
		if (code >= 200 && code < 300) {
			bw_out_str(o, ",\"status\":\"succeeded\",\"text\":");
			text(o, body);
			usage(o, body);
		} else {
			char fb[64];
			snprintf(fb, sizeof fb, "HTTP status %.0f", code);
			bw_out_str(o, ",\"status\":\"errored\"");
			error(o, bw_get(body, "error"), fb);
		}
	}
	if (raw) {
		bw_out_char(o, ',');
		field(o, "response", body);
	}
	bw_out_str(o, "}\n");
	return 0;
}

struct parsing {
	struct bw_out *o;
	int raw;
	unsigned long count;
};

static int
work(void *state, struct bw_job *j, const char **why)
{
	const struct parsing *ps = state;
	struct bw_v v;
	const char *e;
	size_t col;

	if (j->blank)
		return 1;
	if (!(v = bw_read(j->arena, j->s, j->n, INT_MAX, &e, &col)).kind)
		return *why = bw_why("invalid JSON at column %zu: %s", col, e),
		    -1;
	return bw_result_write(j->out, v, ps->raw, why);
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
	struct bw_par_ops ops = { NULL, work, take, NULL, NULL, &ps, 0 };
	struct bw_par *p = bw_par_new(&ops, bw_par_threads());
	struct bw_lines l;

	bw_lines_open(&l, path, max);
	bw_par_lines(p, &l);
	bw_lines_close(&l);
	bw_par_free(p);
	return ps.count;
}
