/*
 * prompt.c: the SDK's prompt standardization (ai/prompt): system,
 * prompt and messages checked and made one list of messages.
 */
#include "map.h"

/* The messages of a request as the SDK's language-model prompt: an
   array of {role, content} where system content is a string and the
   others are arrays of parts; empty text parts removed. */
static const char *const roles[] = { "system", "user", "assistant",
	"tool", NULL };

static val
system_message(struct ctx *c, val v, const char *where, int index)
{
	if (isstr(v))
		return OBJ(c, { "role", bw_lit("system") }, { "content", v },
		    { "index", bw_num(index) });
	if (isobj(v) && bw_is(bw_get(v, "role"), "system") &&
	    isstr(bw_get(v, "content")))
		return OBJ(c, { "role", bw_lit("system") },
		    { "content", bw_get(v, "content") },
		    { "index", bw_num(index) });
	return fail(c, "%s: not a string or a system message", where);
}

static const char *const part_keys[] = { "type", "text", "image", "data",
	"mediaType", "filename", "toolCallId", "toolName", "input", "output",
	"providerOptions", "providerExecuted", NULL };

static val
parts(struct ctx *c, val content, val role, int mi)
{
	val out = bw_of(BW_ARR);

	if (isstr(content))
		return bw_push(c->a, out, OBJ(c, { "type", bw_lit("text") },
		    { "text", content }));
	if (!isarr(content)) {
		return fail(c, "messages[%d].content: %s, not a string or an array",
		    mi, bw_kindname(content));
	}
	for (int i = 0; i < len(content); i++) {
		val p = bw_idx(content, i), t = bw_get(p, "type");
		if (!isobj(p) || !isstr(t)) {
			return fail(c, "messages[%d].content[%d]: not a part "
			    "with a type", mi, i);
		}
		MEMBERS(p, k, v) {
			if (!oneof(k, part_keys))
				fail(c, "messages[%d].content[%d]: unknown field %s",
				    mi, i, quoted(k, 60));
		}
		if (c->failed) {
			return bw_of(BW_NONE);
		}
		static const char *const user[] = { "text", "image", "file",
			NULL };
		static const char *const assistant[] = { "text", "tool-call",
			"reasoning", "file", NULL };
		static const char *const tool[] = { "tool-result", NULL };
		if (!oneof(t, bw_is(role, "user") ? user :
		    bw_is(role, "assistant") ? assistant : tool)) {
			return fail(c, "messages[%d].content[%d].type: %s parts "
			    "are not supported in %.*s messages", mi, i,
			    quoted(t, 40), (int)role.n, role.u.s);
		}
		if (bw_is(t, "text") || bw_is(t, "reasoning")) {
			val text = bw_get(p, "text");
			if (!isstr(text)) {
				return fail(c, "messages[%d].content[%d].text: %s, "
				    "not a string", mi, i, bw_kindname(text));
			}
			if (bw_is(t, "text") && !text.n)
				continue;
		}
		if (bw_is(t, "image")) {
			val mt = bw_get(p, "mediaType");
			p = OBJ(c, { "type", bw_lit("file") },
			    { "data", bw_get(p, "image") },
			    { "mediaType", isstr(mt) ? mt : bw_lit("image") });
			val po = bw_get(bw_idx(content, i), "providerOptions");
			if (present(po))
				p = bw_set(c->a, p, "providerOptions", po);
			out = bw_push(c->a, out, p);
			continue;
		}
		out = bw_push(c->a, out, p);
	}
	return out;
}

/* system or instructions: a string, a system message or an array of
   them, as system messages */
static val
system_messages(struct ctx *c, val req)
{
	val sys = field(req, "instructions"), out = bw_of(BW_ARR);
	const char *sysname = "instructions";
	char where[64];

	if (!present(sys)) {
		sys = field(req, "system");
		sysname = "system";
	}
	if (!present(sys))
		return out;
	if (!isarr(sys))
		return bw_push(c->a, out, system_message(c, sys, sysname, -1));
	for (int i = 0; i < len(sys) && !c->failed; i++) {
		snprintf(where, sizeof where, "%s[%d]", sysname, i);
		out = bw_push(c->a, out, system_message(c, bw_idx(sys, i), where,
		    -1));
	}
	return out;
}

/* messages[i] as the SDK's prompt holds it */
static val
message(struct ctx *c, val m, int i, val allow)
{
	static const char *const message_keys[] = { "role", "content",
		"providerOptions", NULL };
	val role = bw_get(m, "role"), po = bw_get(m, "providerOptions"), out;

	if (!isobj(m))
		return fail(c, "messages[%d]: %s, not a message", i,
		    bw_kindname(m));
	if (!oneof(role, roles))
		return fail(c, "messages[%d].role: must be system, user, "
		    "assistant or tool", i);
	MEMBERS(m, k, v) {
		if (!oneof(k, message_keys))
			return fail(c, "messages[%d]: unknown field %s", i,
			    quoted(k, 60));
	}
	if (bw_is(role, "system")) {
		if (kind(allow) != BW_TRUE)
			return fail(c, "messages[%d]: a system message; use "
			    "system or instructions (or set "
			    "allowSystemInMessages)", i);
		if (!isstr(bw_get(m, "content")))
			return fail(c, "messages[%d].content: not a string", i);
		out = system_message(c, m, "", i);
	} else {
		val ps = parts(c, bw_get(m, "content"), role, i);
		if (c->failed)
			return bw_of(BW_NONE);
		out = OBJ(c, { "role", role }, { "content", ps },
		    { "index", bw_num(i) });
	}
	put(c, &out, "providerOptions", po);
	return out;
}

/* Every tool call needs its result before the next user turn. */
static void
check_tool_results(struct ctx *c, val msgs)
{
	val pending = bw_of(BW_ARR);

	for (int i = 0; i <= len(msgs); i++) {
		val m = bw_idx(msgs, i), role = bw_get(m, "role");
		val ps = bw_get(m, "content");
		if (i == len(msgs) || bw_is(role, "user") || bw_is(role, "system")) {
			if (len(pending) > 0) {
				fail(c, "tool call %s has no tool result",
				    quoted(bw_idx(pending, 0), 80));
				return;
			}
			continue;
		}
		for (int k = 0; k < len(ps); k++) {
			val p = bw_idx(ps, k), t = bw_get(p, "type");
			val id = bw_get(p, "toolCallId"), rest = bw_of(BW_ARR);
			if (!bw_is(t, "tool-call") && !bw_is(t, "tool-result"))
				continue;
			if (!isstr(id)) {
				fail(c, "messages[%d].content[%d].toolCallId: "
				    "%s, not a string",
				    (int)bw_get(m, "index").u.num, k,
				    bw_kindname(id));
				return;
			}
			if (bw_is(t, "tool-call")) {
				pending = bw_push(c->a, pending, id);
				continue;
			}
			for (int q = 0; q < len(pending); q++)
				if (!bw_equal(bw_idx(pending, q), id))
					rest = bw_push(c->a, rest,
					    bw_idx(pending, q));
			pending = rest;
		}
	}
}

val
standardize(struct ctx *c, val req)
{
	val prompt = field(req, "prompt"), msgs = field(req, "messages");
	val allow = field(req, "allowSystemInMessages"), out;

	if (present(field(req, "instructions")) && present(field(req, "system")))
		return fail(c, "system and instructions: give one, not both");
	if (present(allow) && !isbool(allow))
		return fail(c, "allowSystemInMessages: %s, not a boolean",
		    bw_kindname(allow));
	if (present(prompt) && present(msgs))
		return fail(c, "prompt and messages: give one, not both");
	if (!present(prompt) && !present(msgs))
		return fail(c, "no prompt and no messages");
	out = system_messages(c, req);
	if (c->failed)
		return bw_of(BW_NONE);
	if (isstr(prompt))
		msgs = ARR(c, OBJ(c, { "role", bw_lit("user") },
		    { "content", prompt }));
	else if (isarr(prompt))
		msgs = prompt;
	else if (present(prompt))
		return fail(c, "prompt: %s, not a string or an array of "
		    "messages", bw_kindname(prompt));
	else if (!isarr(msgs))
		return fail(c, "messages: %s, not an array", bw_kindname(msgs));
	if (len(msgs) == 0)
		return fail(c, "%s: empty", present(prompt) ? "prompt" : "messages");
	for (int i = 0; i < len(msgs) && !c->failed; i++)
		out = bw_push(c->a, out, message(c, bw_idx(msgs, i), i, allow));
	if (!c->failed)
		check_tool_results(c, out);
	return c->failed ? bw_of(BW_NONE) : out;
}
