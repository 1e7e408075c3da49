/*
 * chat.c: the chat completions endpoint: messages and body.
 */
#include "map.h"

/* A user message: {role,content,name} for one text part, else
   {role,name,content}, as the SDK writes them. */
static val
chat_user(struct ctx *c, val m, val name)
{
	val ps = bw_get(m, "content");
	val out, u;

	if (len(ps) == 1 && bw_is(bw_get(bw_idx(ps, 0), "type"), "text")) {
		u = OBJ(c, { "role", bw_lit("user") },
		    { "content", bw_get(bw_idx(ps, 0), "text") });
		put(c, &u, "name", name);
		return u;
	}
	out = bw_of(BW_ARR);
	for (int i = 0; i < len(ps); i++) {
		val p = bw_idx(ps, i);
		char where[64];
		struct file f;
		int mi = (int)(bw_get(m, "index")).u.num;
		if (bw_is(bw_get(p, "type"), "text")) {
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("text") },
			    { "text", bw_get(p, "text") }));
			continue;
		}
		snprintf(where, sizeof where, "messages[%d].content[%d]", mi, i);
		if (file_part(c, p, where, &f) < 0) {
			return bw_of(BW_NONE);
		}
		val detail = f.detail;
		if (is_image(&f) && present(f.fileid)) {
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("file") },
			    { "file", OBJ(c, { "file_id", f.fileid }) }));
		} else if (is_image(&f)) {
			val url;
			if (present(f.data) && bw_is(f.mt, "image")) {
				return fail(c, "%s: an image whose type is not "
				    "known (give mediaType, a data: URL or a URL)",
				    where);
			}
			if (present(f.url) && !starts(f.url, "http:") &&
			    !starts(f.url, "https:")) {
				return fail(c, "%s: only http(s) and data: image URLs "
				    "can be sent", where);
			}
			url = present(f.url) ? f.url : data_url(c, &f);
			val iu = OBJ(c, { "url", url });
			put(c, &iu, "detail", detail);
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("image_url") },
			    { "image_url", iu }));
		} else if (starts(f.mt, "audio/")) {
			const char *fmt = bw_is(f.mt, "audio/wav") ? "wav" :
			    bw_is(f.mt, "audio/mp3") || bw_is(f.mt, "audio/mpeg") ?
			    "mp3" : NULL;
			if (!fmt || !present(f.data)) {
				return fail(c, "%s: only wav and mp3 audio, as data, "
				    "can be sent", where);
			}
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("input_audio") },
			    { "input_audio", OBJ(c, { "data", f.data },
			    { "format", bw_lit(fmt) }) }));
		} else if (bw_is(f.mt, "application/pdf")) {
			val file;
			if (present(f.url)) {
				return fail(c, "%s: a PDF URL (the SDK downloads it; "
				    "give the data or an OpenAI file id)", where);
			}
			if (present(f.fileid)) {
				file = OBJ(c, { "file_id", f.fileid });
			} else {
				val fn = bw_get(p, "filename");
				file = OBJ(c, { "filename", isstr(fn) ?
				    fn : bw_strf(c->a, "part-%d.pdf", i) }, { "file_data", data_url(c, &f) });
			}
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("file") },
			    { "file", file }));
		} else {
			return fail(c, "%s: files of type %s cannot be sent to "
			    "the chat endpoint", where, quoted(f.mt, 60));
		}
	}
	u = OBJ(c, { "role", bw_lit("user") });
	put(c, &u, "name", name);
	set(c, &u, "content", out);
	return u;
}

/* chat: a tool call's input as arguments: a JSON object, else "{}" */
static val
chat_arguments(struct ctx *c, val input)
{
	if (isstr(input)) {
		const char *why;
		size_t col;
		val v = bw_read(c->a, input.u.s, input.n, INT_MAX, &why, &col);
		return isobj(v) ? input : bw_lit("{}");
	}
	(void)c;
	return isobj(input) ? bw_dump(c->a, input) : bw_lit("{}");
}

/* The text a tool result sends (chat), owned. */
val
tool_output_text(struct ctx *c, val out, const char *where)
{
	val type = bw_get(out, "type"), value = bw_get(out, "value");

	if (bw_is(type, "text") && isstr(value))
		return value;
	if (bw_is(type, "json") && present(value))
		return bw_dump(c->a, value);
	if ((bw_is(type, "error-text") && isstr(value)) ||
	    (bw_is(type, "error-json") && present(value))) {
		val e = OBJ(c, { "error", value });
		val s = bw_dump(c->a, e);
		return s;
	}
	if (bw_is(type, "execution-denied")) {
		val r = bw_get(out, "reason");
		return isstr(r) ? r : bw_lit("Tool call execution denied.");
	}
	if (bw_is(type, "content") && isarr(value)) {
		for (int i = 0; i < len(value); i++) {
			val item = bw_idx(value, i);
			if (!bw_is(bw_get(item, "type"), "text") ||
			    !isstr(bw_get(item, "text")))
				return fail(c, "%s.output.value[%d]: only text "
				    "content is supported", where, i);
		}
		return bw_dump(c->a, value);
	}
	return fail(c, "%s.output: not a tool result output (text, json, "
	    "error-text, error-json, execution-denied or content)", where);
}

static val
chat_messages(struct ctx *c, val msgs)
{
	val out = bw_of(BW_ARR);

	for (int i = 0; i < len(msgs); i++) {
		val m = bw_idx(msgs, i), role = bw_get(m, "role");
		val name = bw_get(bw_get(bw_get(m, "providerOptions"), "openai"),
		    "name");
		int mi = (int)(bw_get(m, "index")).u.num;
		if (bw_is(role, "system")) {
			if (!c->sysrole) {
				warn_once(c, "system messages are removed for "
				    "this model (systemMessageMode remove)");
				continue;
			}
			val sm = OBJ(c, { "role", bw_lit(c->sysrole) });
			put(c, &sm, "name", name);
			set(c, &sm, "content", bw_get(m, "content"));
			out = bw_push(c->a, out, sm);
		} else if (bw_is(role, "user")) {
			val u = chat_user(c, m, name);
			if (c->failed)
				return bw_of(BW_NONE);
			out = bw_push(c->a, out, u);
		} else if (bw_is(role, "assistant")) {
			val ps = bw_get(m, "content");
			struct bw_sb sb = { .a = c->a };
			val calls = bw_of(BW_ARR);
			for (int k = 0; k < len(ps); k++) {
				val p = bw_idx(ps, k), t = bw_get(p, "type");
				val pt = bw_get(p, "text");
				if (bw_is(t, "text") && isstr(pt))
					bw_sb_add(&sb, pt.u.s, pt.n);
				else if (bw_is(t, "reasoning") || bw_is(t, "file"))
					warn_once(c, "messages: assistant %s parts are "
					    "not sent to the chat endpoint; skipped",
					    bw_is(t, "file") ? "file" : "reasoning");
				else if (bw_is(t, "tool-call")) {
					val name = bw_get(p, "toolName");
					if (!isstr(name)) {
						return fail(c, "messages[%d].content[%d]"
						    ".toolName: not a string", mi, k);
					}
					calls = bw_push(c->a, calls, OBJ(c, { "id", bw_get(p, "toolCallId") },
					    { "type", bw_lit("function") },
					    { "function", OBJ(c, { "name", name },
					    { "arguments", chat_arguments(c,
					    bw_get(p, "input")) }) }));
				}
			}
			val a = OBJ(c, { "role", bw_lit("assistant") });
			put(c, &a, "name", name);
			val text = bw_sb_val(&sb);
			if (len(calls) > 0) {
				int empty = !text.n;
				set(c, &a, "content", empty ? (bw_of(BW_NULL)) : text);
				set(c, &a, "tool_calls", calls);
			} else {
				set(c, &a, "content", text);
			}
			out = bw_push(c->a, out, a);
		} else {
			val ps = bw_get(m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = bw_idx(ps, k);
				char where[64];
				snprintf(where, sizeof where, "messages[%d].content[%d]",
				    mi, k);
				val s = tool_output_text(c, bw_get(p, "output"), where);
				if (c->failed)
					return bw_of(BW_NONE);
				out = bw_push(c->a, out, OBJ(c, { "role", bw_lit("tool") },
				    { "tool_call_id", bw_get(p, "toolCallId") },
				    { "content", s }));
			}
		}
	}
	return out;
}

/* Drops a setting the model or endpoint does not take, with a
   warning; a null stays, as the SDK only looks at values. */
void
drop(struct ctx *c, val *v, const char *field, const char *why)
{
	if (present(*v) && kind(*v) != BW_NULL) {
		warn_once(c, "%s: %s; dropped", field, why);
		*v = bw_of(BW_NONE);
	}
}


/* The settings a chat body takes, some of them dropped below. */
struct chat_settings {
	val maxt, mct, temp, topp, fp, pp, lb, lpv, toplp;
};

/* The reasoning effort; none where the model takes function tools
   only without reasoning. */
static val
chat_effort(struct ctx *c, val req, val po)
{
	val tools = field(req, "tools"), r = field(req, "reasoning");

	if (!c->m->tools_need_no_effort || !isobj(tools) || !tools.n ||
	    present(field(po, "reasoningEffort")))
		return effort(c, req, po, 1);
	if (present(r) && !bw_is(r, "none") && !bw_is(r, "provider-default"))
		warn_once(c, "reasoning: %s does not take function tools with "
		    "reasoning on the chat endpoint; reasoning effort set to "
		    "none", c->m->model);
	return bw_lit("none");
}

/* What a reasoning model (or a search preview one) does not take,
   dropped with a warning; max_tokens becomes max_completion_tokens. */
static void
chat_drops(struct ctx *c, val eff, struct chat_settings *s)
{
	const char *why = "not supported for reasoning models";

	if (!c->reasoning) {
		if (c->m->search_preview)
			drop(c, &s->temp, "temperature", "not supported for "
			    "the search preview models");
		return;
	}
	if (!bw_is(eff, "none") || !c->m->effort_none_sampling) {
		drop(c, &s->temp, "temperature", why);
		drop(c, &s->topp, "topP", why);
		drop(c, &s->lpv, "providerOptions.openai.logprobs", why);
	}
	drop(c, &s->fp, "frequencyPenalty", why);
	drop(c, &s->pp, "presencePenalty", why);
	drop(c, &s->lb, "providerOptions.openai.logitBias", why);
	if (present(s->toplp) && !present(s->lpv))
		s->toplp = bw_of(BW_NONE);
	else
		drop(c, &s->toplp, "providerOptions.openai.logprobs "
		    "(top_logprobs)", why);
	if (present(s->maxt) && kind(s->maxt) != BW_NULL) {	/* null stays */
		if (!present(s->mct))
			s->mct = s->maxt;
		s->maxt = bw_of(BW_NONE);
	}
}

val
map_chat(struct ctx *c, val req, val msgs, val po)
{
	val lp = bw_get(po, "logprobs"), eff = chat_effort(c, req, po);
	val tier = service_tier(c, po), pco = prompt_cache_options(c, po);
	val retention = bw_get(po, "promptCacheRetention");
	val meta = bw_get(po, "metadata");
	val tools, choice, messages, rf = map_output(c, req, po, 0);
	struct chat_settings s = {
		.maxt = bw_get(req, "maxOutputTokens"),
		.mct = bw_get(po, "maxCompletionTokens"),
		.temp = number_field(c, req, "temperature"),
		.topp = number_field(c, req, "topP"),
		.fp = number_field(c, req, "frequencyPenalty"),
		.pp = number_field(c, req, "presencePenalty"),
		.lb = bw_get(po, "logitBias"),
	};

	if (present(s.lb))
		s.lb = logit_bias(c, s.lb, 1);
	if (kind(lp) == BW_TRUE || isnum(lp)) {
		s.lpv = bw_of(BW_TRUE);
		s.toplp = isnum(lp) ? lp : bw_num(0);
	}
	MEMBERS(meta, k, v) {
		if (!isstr(v) || u16len(k) > 64 || u16len(v) > 512)
			fail(c, "providerOptions.openai.metadata: keys must be at "
			    "most 64 characters, values strings of at most 512");
	}
	if (present(bw_get(po, "reasoningSummary")) &&
	    kind(bw_get(po, "reasoningSummary")) != BW_NULL)
		warn_once(c, "providerOptions.openai.reasoningSummary: only "
		    "supported by the responses endpoint; dropped");
	if (present(bw_get(req, "topK")))
		warn_once(c, "topK: not supported by OpenAI; dropped");
	if (c->m->gpt6)
		drop(c, &retention, "providerOptions.openai.promptCacheRetention",
		    "not supported for GPT-6 and later models");
	chat_drops(c, eff, &s);
	if (c->failed)
		return bw_of(BW_NONE);
	messages = chat_messages(c, msgs);
	if (c->failed)
		return bw_of(BW_NONE);
	map_tools(c, req, 0, &tools, &choice);
	if (c->failed)
		return bw_of(BW_NONE);

	/* the members in the SDK's order: options copied through are
	   read from po here */
	return PRESENT(c,
	    { "model", bw_lit(c->m->model) },
	    { "logit_bias", s.lb },
	    { "logprobs", s.lpv },
	    { "top_logprobs", s.toplp },
	    { "user", bw_get(po, "user") },
	    { "parallel_tool_calls", bw_get(po, "parallelToolCalls") },
	    { "max_tokens", s.maxt },
	    { "temperature", s.temp },
	    { "top_p", s.topp },
	    { "frequency_penalty", s.fp },
	    { "presence_penalty", s.pp },
	    { "response_format", rf },
	    { "stop", bw_get(req, "stopSequences") },
	    { "seed", bw_get(req, "seed") },
	    { "verbosity", bw_get(po, "textVerbosity") },
	    { "max_completion_tokens", s.mct },
	    { "store", bw_get(po, "store") },
	    { "metadata", meta },
	    { "prediction", bw_get(po, "prediction") },
	    { "reasoning_effort", eff },
	    { "service_tier", tier },
	    { "prompt_cache_key", bw_get(po, "promptCacheKey") },
	    { "prompt_cache_options", pco },
	    { "prompt_cache_retention", retention },
	    { "safety_identifier", bw_get(po, "safetyIdentifier") },
	    { "messages", messages },
	    { "tools", tools },
	    { "tool_choice", present(tools) ? choice : bw_of(BW_NONE) });
}
