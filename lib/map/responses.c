/*
 * responses.c: the responses endpoint: input items and body.
 */
#include "map.h"

static val
responses_user(struct ctx *c, val m)
{
	val ps = bw_get(m, "content"), out = bw_of(BW_ARR);
	int mi = (int)(bw_get(m, "index")).u.num;

	for (int i = 0; i < len(ps); i++) {
		val p = bw_idx(ps, i);
		char where[64];
		struct file f;
		if (bw_is(bw_get(p, "type"), "text")) {
			out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("input_text") },
			    { "text", bw_get(p, "text") }));
			continue;
		}
		snprintf(where, sizeof where, "messages[%d].content[%d]", mi, i);
		if (file_part(c, p, where, &f) < 0) {
			return bw_of(BW_NONE);
		}
		if (present(f.data) && starts(f.data, "file-") && !sniff(f.data))
			f.fileid = f.data, f.data = bw_of(BW_NONE);
		val detail = f.detail, item;
		if (is_image(&f)) {
			item = OBJ(c, { "type", bw_lit("input_image") });
			if (present(f.url))
				put(c, &item, "image_url", f.url);
			else if (present(f.fileid))
				put(c, &item, "file_id", f.fileid);
			else if (!bw_is(f.mt, "image"))
				put(c, &item, "image_url", data_url(c, &f));
			else {
				return fail(c, "%s: an image whose type is not "
				    "known (give mediaType, a data: URL or a URL)",
				    where);
			}
			put(c, &item, "detail", detail);
		} else if (present(f.url)) {
			item = OBJ(c, { "type", bw_lit("input_file") },
			    { "file_url", f.url });
		} else if (bw_is(f.mt, "application/pdf")) {
			item = OBJ(c, { "type", bw_lit("input_file") });
			if (present(f.fileid)) {
				put(c, &item, "file_id", f.fileid);
			} else {
				val fn = bw_get(p, "filename");
				set(c, &item, "filename", isstr(fn) ? fn :
				    bw_strf(c->a, "part-%d.pdf", i));
				put(c, &item, "file_data", data_url(c, &f));
			}
		} else {
			return fail(c, "%s: files of type %s cannot be sent to "
			    "the responses endpoint", where, quoted(f.mt, 60));
		}
		out = bw_push(c->a, out, item);
	}
	return OBJ(c, { "role", bw_lit("user") }, { "content", out });
}

/* responses: a tool call's input as arguments */
static val
responses_arguments(struct ctx *c, val input)
{
	if (isstr(input)) {
		const char *why;
		size_t col;
		val v = bw_read(c->a, input.u.s, input.n, INT_MAX, &why, &col);
		return present(v) ? input : bw_dump(c->a, input);
	}
	if (!present(input))
		return bw_lit("{}");
	return bw_dump(c->a, input);
}

static val
responses_input(struct ctx *c, val msgs)
{
	val out = bw_of(BW_ARR);

	for (int i = 0; i < len(msgs); i++) {
		val m = bw_idx(msgs, i), role = bw_get(m, "role");
		int mi = (int)(bw_get(m, "index")).u.num;
		if (bw_is(role, "system")) {
			if (!c->sysrole) {
				warn_once(c, "system messages are removed for "
				    "this model (systemMessageMode remove)");
				continue;
			}
			out = bw_push(c->a, out, OBJ(c, { "role", bw_lit(c->sysrole) },
			    { "content", bw_get(m, "content") }));
		} else if (bw_is(role, "user")) {
			val u = responses_user(c, m);
			if (c->failed)
				return bw_of(BW_NONE);
			out = bw_push(c->a, out, u);
		} else if (bw_is(role, "assistant")) {
			val ps = bw_get(m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = bw_idx(ps, k), t = bw_get(p, "type");
				val ppo = bw_get(bw_get(p, "providerOptions"), "openai");
				if (present(bw_get(ppo, "itemId")) ||
				    present(bw_get(ppo, "reasoningEncryptedContent"))) {
					return fail(c, "messages[%d].content[%d]."
					    "providerOptions.openai: references to "
					    "stored items (itemId) are not supported",
					    mi, k);
				}
				if (bw_is(t, "text")) {
					out = bw_push(c->a, out, OBJ(c, { "role", bw_lit("assistant") },
					    { "content", bw_get(p, "text") }));
				} else if (bw_is(t, "tool-call")) {
					val name = bw_get(p, "toolName");
					if (!isstr(name)) {
						return fail(c, "messages[%d].content[%d]"
						    ".toolName: not a string", mi, k);
					}
					out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("function_call") },
					    { "call_id", bw_get(p, "toolCallId") },
					    { "name", name },
					    { "arguments", responses_arguments(c, bw_get(p, "input")) }));
				} else if (bw_is(t, "file")) {
					warn_once(c, "messages: assistant file parts are "
					    "not sent to the responses endpoint; skipped");
				} else {
					warn_once(c, "messages: reasoning parts from "
					    "elsewhere cannot be sent to OpenAI; "
					    "skipped");
				}
			}
		} else {
			val ps = bw_get(m, "content");
			for (int k = 0; k < len(ps); k++) {
				val p = bw_idx(ps, k), o = bw_get(p, "output");
				val value = bw_get(o, "value"), s;
				char where[64];
				snprintf(where, sizeof where, "messages[%d].content[%d]",
				    mi, k);
				if (bw_is(bw_get(o, "type"), "content") && isarr(value)) {
					s = bw_of(BW_ARR);
					for (int q = 0; q < len(value); q++) {
						val item = bw_idx(value, q);
						if (!bw_is(bw_get(item, "type"), "text") ||
						    !isstr(bw_get(item, "text"))) {
							return fail(c, "%s.output.value[%d]: only "
							    "text content is supported", where, q);
						}
						s = bw_push(c->a, s, OBJ(c, { "type", bw_lit("input_text") },
						    { "text", bw_get(item, "text") }));
					}
				} else {
					s = tool_output_text(c, o, where);
				}
				if (c->failed)
					return bw_of(BW_NONE);
				out = bw_push(c->a, out, OBJ(c, { "type", bw_lit("function_call_output") },
				    { "call_id", bw_get(p, "toolCallId") },
				    { "output", s }));
			}
		}
	}
	return out;
}

/* include, with what logprobs and a reasoning model without store
   need added; top_logprobs in *toplp. */
static val
responses_include(struct ctx *c, val po, val *toplp)
{
	val include = bw_get(po, "include"), lp = bw_get(po, "logprobs");
	val store = bw_get(po, "store");

	*toplp = bw_of(BW_NONE);
	for (int i = 0; isarr(include) && i < len(include); i++)
		if (!oneof(bw_idx(include, i), includes))
			return fail(c, "providerOptions.openai.include[%d]: "
			    "not one of %s, %s, %s, %s", i, includes[0],
			    includes[1], includes[2], includes[3]);
	if (isnum(lp)) {
		if (lp.u.num < 1 || lp.u.num > 20)
			return fail(c, "providerOptions.openai.logprobs: a number "
			    "from 1 to 20, or a boolean");
		*toplp = lp;
	} else if (kind(lp) == BW_TRUE) {
		*toplp = bw_num(20);
	}
	val add[2] = { present(*toplp) ?
	    bw_lit("message.output_text.logprobs") : bw_of(BW_NONE),
	    kind(store) == BW_FALSE && c->reasoning ?
	    bw_lit("reasoning.encrypted_content") : bw_of(BW_NONE) };
	if (!present(add[0]) && !present(add[1]))
		return include;
	val inc = isarr(include) ? include : bw_of(BW_ARR);
	for (int a = 0; a < 2; a++) {
		int have = 0;
		for (int i = 0; i < len(inc); i++)
			have |= bw_equal(bw_idx(inc, i), add[a]);
		if (present(add[a]) && !have)
			inc = bw_push(c->a, inc, add[a]);
	}
	return inc;
}

static val
context_management(struct ctx *c, val cm)
{
	val o = bw_of(BW_ARR);

	if (!isarr(cm))
		return cm;
	for (int i = 0; i < len(cm); i++) {
		val e = bw_idx(cm, i), th = bw_get(e, "compactThreshold");
		if (!bw_is(bw_get(e, "type"), "compaction") || !isnum(th))
			return fail(c, "providerOptions.openai.contextManagement"
			    "[%d]: not {\"type\":\"compaction\","
			    "\"compactThreshold\":N}", i);
		o = bw_push(c->a, o, OBJ(c, { "type", bw_lit("compaction") },
		    { "compact_threshold", th }));
	}
	return o;
}

/* text: textFormat (or the output's format) and textVerbosity */
static val
text_options(struct ctx *c, val req, val po)
{
	val tf = bw_get(po, "textFormat"), verbosity = bw_get(po, "textVerbosity");
	val text = bw_of(BW_NONE), of = map_output(c, req, po, 1);

	if (present(tf)) {
		val type = bw_get(tf, "type"), name = bw_get(tf, "name");
		val schema = bw_get(tf, "schema"), desc = bw_get(tf, "description");
		val strict = bw_get(tf, "strict");
		val f;
		int pn = 0, la = 0;
		int nameok = isstr(name) && name.n && u16len(name) <= 64;
		for (uint32_t i = 0; nameok && i < name.n; i++)
			nameok = strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    name.u.s[i]) && name.u.s[i];
		if (bw_is(type, "text")) {
			f = OBJ(c, { "type", bw_lit("text") });
		} else if (bw_is(type, "json_schema") && nameok && isobj(schema) &&
		    (!present(desc) || isstr(desc)) &&
		    (!present(strict) || isbool(strict))) {
			f = PRESENT(c, { "type", bw_lit("json_schema") },
			    { "name", name },
			    { "schema", normalize_schema(c, schema, 1, &pn, &la) },
			    { "description", desc }, { "strict", strict });
		} else {
			return fail(c, "providerOptions.openai.textFormat: not "
			    "{\"type\":\"text\"} or {\"type\":\"json_schema\","
			    "\"name\":N,\"schema\":{...}} with a name of 1 to 64 "
			    "letters, digits, _ or -");
		}
		if (pn || la)
			warn_once(c, "providerOptions.openai.textFormat: schema "
			    "keywords OpenAI does not support (propertyNames, "
			    "regex lookaround) removed");
		text = OBJ(c, { "format", f });
	}
	if (present(of) && present(tf))
		return fail(c, "output: cannot be given with "
		    "providerOptions.openai.textFormat (give one)");
	if (present(of))
		text = OBJ(c, { "format", of });
	if (present(verbosity) && kind(verbosity) != BW_NULL)
		text = bw_set(c->a, present(text) ? text : bw_of(BW_OBJ),
		    "verbosity", verbosity);
	return text;
}

/* reasoning, for a reasoning model (dropping what it does not take);
   a warning for each reasoning option of any other */
static val
reasoning_options(struct ctx *c, val req, val po, val *temp, val *topp)
{
	static const char *const ropts[] = { "reasoningEffort",
		"reasoningSummary", "reasoningMode", "reasoningContext", NULL };
	const char *why = "not supported for reasoning models";
	val eff = effort(c, req, po, 0), summary = bw_get(po, "reasoningSummary");
	val r = bw_of(BW_OBJ);

	if (!c->reasoning) {
		for (const char *const *q = ropts; *q; q++)
			if (present(bw_get(po, *q)) &&
			    kind(bw_get(po, *q)) != BW_NULL)
				warn_once(c, "providerOptions.openai.%s: not "
				    "supported for non-reasoning models; dropped", *q);
		return bw_of(BW_NONE);
	}
	put(c, &r, "effort", eff);
	if (present(summary)) {
		if (kind(summary) != BW_NULL)
			put(c, &r, "summary", summary);
	} else if (present(eff) && !bw_is(eff, "none")) {
		set(c, &r, "summary", bw_lit("detailed"));
	}
	put(c, &r, "mode", bw_get(po, "reasoningMode"));
	put(c, &r, "context", bw_get(po, "reasoningContext"));
	if (!(bw_is(eff, "none") && c->m->effort_none_sampling)) {
		drop(c, temp, "temperature", why);
		drop(c, topp, "topP", why);
	}
	return r.n > 0 ? r : bw_of(BW_NONE);
}

val
map_responses(struct ctx *c, val req, val msgs, val po)
{
	static const char *const unsupported[] = { "topK", "seed",
		"presencePenalty", "frequencyPenalty", "stopSequences", NULL };
	val temp = number_field(c, req, "temperature");
	val topp = number_field(c, req, "topP");
	val toplp, include = responses_include(c, po, &toplp);
	val pco = prompt_cache_options(c, po);
	val cm = context_management(c, bw_get(po, "contextManagement"));
	val text = text_options(c, req, po);
	val reasoning = reasoning_options(c, req, po, &temp, &topp);
	val tier = service_tier(c, po);
	val conv = bw_get(po, "conversation"), prev = bw_get(po, "previousResponseId");
	val tools, choice, input;

	for (const char *const *u = unsupported; *u; u++)
		if (present(bw_get(req, *u)) &&
		    (kind(bw_get(req, *u)) != BW_NULL ||
		    !strcmp(*u, "stopSequences")))
			warn_once(c, "%s: not supported by the responses "
			    "endpoint; dropped", *u);
	if (present(bw_get(po, "reasoningEffortUpdate")) && !c->m->gpt6)
		warn_once(c, "providerOptions.openai.reasoningEffortUpdate: only "
		    "supported by GPT-6 and later models; dropped");
	if (present(conv) && present(prev) && kind(conv) != BW_NULL &&
	    kind(prev) != BW_NULL)
		warn_once(c, "providerOptions.openai.conversation: cannot be "
		    "used with previousResponseId");
	if (c->failed)
		return bw_of(BW_NONE);
	input = responses_input(c, msgs);
	if (c->failed)
		return bw_of(BW_NONE);
	if (kind(bw_get(po, "compactionTrigger")) == BW_TRUE)
		input = bw_push(c->a, input, OBJ(c, { "type",
		    bw_lit("compaction_trigger") }));
	map_tools(c, req, 1, &tools, &choice);
	if (c->failed)
		return bw_of(BW_NONE);
	/* the members in the SDK's order: options copied through are
	   read from po here */
	return PRESENT(c,
	    { "model", bw_lit(c->m->model) },
	    { "input", input },
	    { "temperature", temp },
	    { "top_p", topp },
	    { "max_output_tokens", bw_get(req, "maxOutputTokens") },
	    { "text", text },
	    { "conversation", conv },
	    { "max_tool_calls", bw_get(po, "maxToolCalls") },
	    { "metadata", bw_get(po, "metadata") },
	    { "parallel_tool_calls", bw_get(po, "parallelToolCalls") },
	    { "previous_response_id", prev },
	    { "store", bw_get(po, "store") },
	    { "user", bw_get(po, "user") },
	    { "instructions", bw_get(po, "instructions") },
	    { "service_tier", tier },
	    { "include", include },
	    { "prompt_cache_key", bw_get(po, "promptCacheKey") },
	    { "prompt_cache_options", pco },
	    { "prompt_cache_retention", bw_get(po, "promptCacheRetention") },
	    { "safety_identifier", bw_get(po, "safetyIdentifier") },
	    { "top_logprobs", toplp },
	    { "truncation", bw_get(po, "truncation") },
	    { "context_management", kind(cm) == BW_NULL ? bw_of(BW_NONE) : cm },
	    { "reasoning", reasoning },
	    { "tools", tools },
	    { "tool_choice", present(tools) ? choice : bw_of(BW_NONE) });
}
