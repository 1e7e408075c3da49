/*
 * completions.c: the completions endpoint: a prompt and body.
 */
#include "map.h"

val
map_completions(struct ctx *c, val req, val msgs, val po)
{
	val body = bw_of(BW_OBJ), stop, t0;
	struct bw_sb text = { .a = c->a };
	val lp = bw_get(po, "logprobs"), lb = bw_get(po, "logitBias");
	val ss = bw_get(req, "stopSequences");
	int first = 0;

	if (present(field(req, "output")))
		return fail(c, "output: structured output is not supported by "
		    "the completions endpoint (use chat or responses)");
	if (present(bw_get(req, "topK")))
		warn_once(c, "topK: not supported by OpenAI; dropped");
	if (present(bw_get(req, "tools")) || present(bw_get(req, "toolChoice")))
		warn_once(c, "tools: not supported by the completions endpoint; "
		    "dropped");
	if (present(lb))
		lb = logit_bias(c, lb, 0);
	if (len(msgs) > 0 && bw_is(bw_get(bw_idx(msgs, 0), "role"), "system")) {
		t0 = bw_get(bw_idx(msgs, 0), "content");
		add(&text, t0);
		bw_sb_add(&text, "\n\n", 2);
		first = 1;
	}
	for (int i = first; i < len(msgs); i++) {
		val m = bw_idx(msgs, i), role = bw_get(m, "role");
		val ps = bw_get(m, "content");
		int mi = (int)(bw_get(m, "index")).u.num;
		if (!bw_is(role, "user") && !bw_is(role, "assistant")) {
			if (mi < 0)
				return fail(c, "system: only one system message "
				    "can be sent to the completions endpoint");
			return fail(c, "messages[%d]: %s messages cannot be sent "
			    "to the completions endpoint%s", mi, bw_is(role, "tool") ?
			    "tool" : "system",
			    bw_is(role, "system") ? " (but as the first one)" : "");
		}
		add(&text, role);
		bw_sb_add(&text, ":\n", 2);
		for (int k = 0; k < len(ps); k++) {
			val p = bw_idx(ps, k), t = bw_get(p, "type");
			if (bw_is(t, "text")) {
				t0 = bw_get(p, "text");
				add(&text, t0);
			}
			else if (!bw_is(t, "reasoning")) {
				return fail(c, "messages[%d].content[%d]: image and "
				    "file parts cannot be sent to the completions "
				    "endpoint", mi, k);
			}
		}
		bw_sb_add(&text, "\n\n", strlen("\n\n"));
	}
	bw_sb_add(&text, "assistant:\n", strlen("assistant:\n"));
	stop = bw_push(c->a, bw_of(BW_ARR), bw_lit("\nuser:"));
	if (isarr(ss))
		stop = concat(c, stop, ss);
	set(c, &body, "model", bw_lit(c->m->model));
	put(c, &body, "echo", bw_get(po, "echo"));
	put(c, &body, "logit_bias", lb);
	if (kind(lp) == BW_TRUE)
		set(c, &body, "logprobs", bw_num(0));
	else if (isnum(lp))
		put(c, &body, "logprobs", lp);
	put(c, &body, "suffix", bw_get(po, "suffix"));
	put(c, &body, "user", bw_get(po, "user"));
	put(c, &body, "max_tokens", bw_get(req, "maxOutputTokens"));
	put(c, &body, "temperature", number_field(c, req, "temperature"));
	put(c, &body, "top_p", number_field(c, req, "topP"));
	put(c, &body, "frequency_penalty", number_field(c, req, "frequencyPenalty"));
	put(c, &body, "presence_penalty", number_field(c, req, "presencePenalty"));
	put(c, &body, "seed", bw_get(req, "seed"));
	set(c, &body, "prompt", bw_sb_val(&text));
	set(c, &body, "stop", stop);
	return body;
}
