/*
 * tools.c: tool preparation: function tools, provider tools, the tool
 * choice and the JSON schemas the SDK normalizes.
 */
#include "map.h"

static int
lookaround(val v)
{
	int esc = 0, class = 0;

	for (const char *p = v.u.s, *end = p + v.n; p < end; p++) {
		if (esc) {
			esc = 0;
			continue;
		}
		if (*p == '\\')
			esc = 1;
		else if (*p == '[')
			class = 1;
		else if (*p == ']')
			class = 0;
		else if (!class && end - p >= 3 && p[0] == '(' && p[1] == '?' &&
		    (p[2] == '=' || p[2] == '!' || (end - p >= 4 &&
		    p[2] == '<' && (p[3] == '=' || p[3] == '!'))))
			return 1;
	}
	return 0;
}

val normalize_schema(struct ctx *c, val s, int root, int *pn, int *la);

static val
normalize_def(struct ctx *c, val d, int *pn, int *la)
{
	return isobj(d) ? normalize_schema(c, d, 0, pn, la) : d;
}

static val
normalize_record(struct ctx *c, val rec, int *pn, int *la)
{
	val out = bw_of(BW_OBJ);

	if (!isobj(rec))
		return rec;
	MEMBERS(rec, k, v) {
		out = bw_setn(c->a, out, k.u.s, k.n, normalize_def(c, v, pn, la));
	}
	return out;
}

/* A JSON pointer's token: ~1 is /, ~0 is ~. */
static val
pointer_token(struct ctx *c, const char *p, const char *end)
{
	struct bw_sb b = { .a = c->a };

	for (; p < end; p++) {
		if (end - p >= 2 && p[0] == '~' && (p[1] == '1' || p[1] == '0'))
			bw_sb_add(&b, *++p == '1' ? "/" : "~", 1);
		else
			bw_sb_add(&b, p, 1);
	}
	return bw_sb_val(&b);
}

/* allOf: [{"$ref": R}] alone: at the root, R's definition with the
   schema's other members after it (when R names one); deeper, $ref in
   place of the allOf. */
static val
all_of_ref(struct ctx *c, val s, int root)
{
	val all = bw_get(s, "allOf"), a = bw_idx(all, 0), ref = bw_get(a, "$ref");
	val rest, target = bw_of(BW_NONE);
	int defs = starts(ref, "#/definitions/");

	if (len(all) != 1 || !isobj(a) || a.n != 1 || !isstr(ref))
		return s;
	rest = bw_del(c->a, s, "allOf");
	if (!root)
		return bw_set(c->a, rest, "$ref", ref);
	if (defs || starts(ref, "#/$defs/")) {
		val name = pointer_token(c, ref.u.s + (defs ? 14 : 8),
		    ref.u.s + ref.n);
		target = bw_getn(bw_get(s, defs ? "definitions" : "$defs"),
		    name.u.s, name.n);
	}
	if (!isobj(target))
		return s;
	MEMBERS(rest, k, v)
		target = bw_setn(c->a, target, k.u.s, k.n, v);
	return target;
}

/* normalizeOpenAIJsonSchema: drops propertyNames and lookaround
   patterns, turns a lone allOf [$ref] into $ref. s is borrowed. */
val
normalize_schema(struct ctx *c, val s, int root, int *pn, int *la)
{
	static const char *const one[] = { "additionalProperties",
		"additionalItems", "contains", "not", "if", "then", "else", NULL };
	static const char *const lists[] = { "allOf", "anyOf", "oneOf", NULL };
	static const char *const recs[] = { "properties", "patternProperties",
		"definitions", "$defs", NULL };
	val out = bw_of(BW_OBJ);

	MEMBERS(s, k, v) {
		val nv = bw_of(BW_NONE);
		if (bw_is(k, "propertyNames") && kind(v) != BW_NULL) {
			val t = bw_get(v, "type");
			if (kind(v) != BW_OBJ ||
			    (present(t) && kind(t) != BW_NULL &&
			    !bw_is(t, "string")))
				fail(c, "%s: JSON Schema propertyNames that does "
				    "not use a string schema is not supported",
				    c->schema_at ? c->schema_at : "tools");
			*pn = 1;
			continue;
		}
		if (bw_is(k, "pattern") && isstr(v) && lookaround(v)) {
			*la = 1;
			continue;
		}
		for (const char *const *q = one; *q && !present(nv); q++)
			if (bw_is(k, *q) && kind(v) != BW_NULL)
				nv = normalize_def(c, v, pn, la);
		for (const char *const *q = recs; *q && !present(nv); q++)
			if (bw_is(k, *q) && kind(v) != BW_NULL)
				nv = normalize_record(c, v, pn, la);
		for (const char *const *q = lists; *q && !present(nv); q++)
			if (bw_is(k, *q) && isarr(v)) {
				nv = bw_of(BW_ARR);
				ITEMS(v, i, x) {
					nv = bw_push(c->a, nv, normalize_def(c, x, pn, la));
				}
			}
		if (!present(nv) && bw_is(k, "items") && kind(v) != BW_NULL) {
			if (isarr(v)) {
				nv = bw_of(BW_ARR);
				ITEMS(v, i, x) {
					nv = bw_push(c->a, nv, normalize_def(c, x, pn, la));
				}
			} else {
				nv = normalize_def(c, v, pn, la);
			}
		}
		if (!present(nv) && bw_is(k, "dependencies") && isobj(v)) {
			nv = bw_of(BW_OBJ);
			MEMBERS(v, dk, dv) {
				nv = bw_setn(c->a, nv, dk.u.s, dk.n, isarr(dv) ? dv :
				    normalize_def(c, dv, pn, la));
			}
		}
		out = bw_setn(c->a, out, k.u.s, k.n, present(nv) ? nv : v);
	}
	return all_of_ref(c, out, root);
}

/* Object.entries order: integer-like keys first, ascending. */
static int
arrayindex(val k, double *v)
{
	if (!k.n || k.n > 10 || (k.u.s[0] == '0' && k.n > 1))
		return 0;
	*v = 0;
	for (uint32_t i = 0; i < k.n; i++) {
		if (k.u.s[i] < '0' || k.u.s[i] > '9')
			return 0;
		*v = *v * 10 + (k.u.s[i] - '0');
	}
	return *v < 4294967295.0;
}

static val
tool_names(struct ctx *c, val tools)
{
	val ints = bw_of(BW_ARR), others = bw_of(BW_ARR);
	double v, w;

	MEMBERS(tools, k, x) {
		if (!arrayindex(k, &v)) {
			others = bw_push(c->a, others, k);
			continue;
		}
		int n = len(ints), at = n;
		for (int i = 0; i < n; i++) {
			val e = bw_idx(ints, i);
			arrayindex(e, &w);
			if (v < w) {
				at = i;
				break;
			}
		}
		val nints = bw_of(BW_ARR);
		for (int i = 0; i < n; i++) {
			if (i == at)
				nints = bw_push(c->a, nints, k);
			nints = bw_push(c->a, nints, bw_idx(ints, i));
		}
		if (at == n)
			nints = bw_push(c->a, nints, k);
		ints = nints;
	}
	return concat(c, ints, others);
}

/* tools and tool_choice for chat (flat = 0) or responses (flat = 1);
   sets *tools and *choice (owned) or leaves them invalid. */
/* toolChoice checked against tools */
static void
check_choice(struct ctx *c, val t, val tc)
{
	val name = bw_get(tc, "toolName");

	if (!present(tc) || kind(tc) == BW_NULL)
		return;
	if (!(bw_is(tc, "auto") || bw_is(tc, "none") || bw_is(tc, "required") ||
	    (isobj(tc) && bw_is(bw_get(tc, "type"), "tool") && isstr(name))))
		fail(c, "toolChoice: not auto, none, required or "
		    "{\"type\":\"tool\",\"toolName\":...}");
	else if (isobj(tc) && !isobj(t))
		fail(c, "toolChoice: names tool %s, but there are no tools",
		    quoted(name, 60));
	else if (isobj(tc) && !present(bw_getn(t, name.u.s, name.n)))
		fail(c, "toolChoice: names tool %s, which is not in tools",
		    quoted(name, 60));
}

/* One function tool: {type,name,description,parameters,strict} (flat,
   responses) or {type,function:{...}} (chat). */
static val
function_tool(struct ctx *c, val name, val def, int flat, int *pn, int *la)
{
	static const char *const tool_keys[] = { "description",
		"inputSchema", "strict", "type", "providerOptions", NULL };
	val desc = bw_get(def, "description"), schema = bw_get(def, "inputSchema");
	val strict = bw_get(def, "strict"), type = bw_get(def, "type"), fn;
	const char *n = label(name);

	if (!isobj(def))
		return fail(c, "tools.%s: not an object", n);
	MEMBERS(def, k, v) {
		if (!oneof(k, tool_keys))
			return fail(c, "tools.%s: unknown field %s", n,
			    quoted(k, 60));
	}
	if (present(type) && !bw_is(type, "function"))
		return fail(c, "tools.%s.type: only function tools are "
		    "supported", n);
	if (present(desc) && !isstr(desc))
		return fail(c, "tools.%s.description: %s, not a string", n,
		    bw_kindname(desc));
	if (!isobj(schema))
		return fail(c, "tools.%s.inputSchema: %s, not a JSON Schema "
		    "object", n, bw_kindname(schema));
	if (present(strict) && !isbool(strict))
		return fail(c, "tools.%s.strict: %s, not a boolean", n,
		    bw_kindname(strict));
	fn = PRESENT(c,
	    { "type", flat ? bw_lit("function") : bw_of(BW_NONE) },
	    { "name", name },
	    { "description", desc },
	    { "parameters", normalize_schema(c, schema, 1, pn, la) },
	    { "strict", present(strict) || !flat ? strict : bw_of(BW_FALSE) });
	return flat ? fn : OBJ(c, { "type", bw_lit("function") },
	    { "function", fn });
}

/* providerOptions.openai.allowedTools as the responses tool choice */
static val
allowed_tools(struct ctx *c, val t, val allowed)
{
	static const char *const amodes[] = { "auto", "required", NULL };
	val tn = bw_get(allowed, "toolNames"), mode = bw_get(allowed, "mode");
	val list = bw_of(BW_ARR);
	int ok = isarr(tn) && len(tn) > 0 &&
	    (!present(mode) || oneof(mode, amodes));

	for (int i = 0; ok && i < len(tn); i++)
		ok = isstr(bw_idx(tn, i));
	if (!ok)
		return fail(c, "providerOptions.openai.allowedTools: not "
		    "{\"toolNames\":[names...],\"mode\":\"auto\" or "
		    "\"required\"}");
	ITEMS(tn, i, name) {
		if (!present(bw_getn(t, name.u.s, name.n)))
			warn_once(c, "providerOptions.openai.allowedTools: %s is "
			    "not in tools; sent anyway", quoted(name, 60));
		list = bw_push(c->a, list, OBJ(c, { "type", bw_lit("function") },
		    { "name", name }));
	}
	return OBJ(c, { "type", bw_lit("allowed_tools") },
	    { "mode", present(mode) ? mode : bw_lit("auto") },
	    { "tools", list });
}

void
map_tools(struct ctx *c, val req, int flat, val *tools, val *choice)
{
	val t = bw_get(req, "tools"), tc = bw_get(req, "toolChoice");
	val allowed = bw_get(bw_get(bw_get(req, "providerOptions"), "openai"),
	    "allowedTools");
	val names;
	int pn = 0, la = 0;

	*tools = *choice = bw_of(BW_NONE);
	check_choice(c, t, tc);
	if (c->failed || !present(t) || kind(t) == BW_NULL)
		return;
	if (!isobj(t)) {
		fail(c, "tools: %s, not an object keyed by tool name",
		    bw_kindname(t));
		return;
	}
	names = tool_names(c, t);
	if (len(names) == 0)
		return;
	*tools = bw_of(BW_ARR);
	ITEMS(names, i, name) {
		val fn = function_tool(c, name, bw_getn(t, name.u.s, name.n),
		    flat, &pn, &la);
		if (c->failed)
			return;
		*tools = bw_push(c->a, *tools, fn);
	}
	if (pn)
		warn_once(c, "tools: JSON Schema propertyNames is not supported "
		    "by OpenAI; removed from the schema");
	if (la)
		warn_once(c, "tools: JSON Schema patterns with regex lookaround "
		    "are not supported by OpenAI; removed from the schema");
	if (flat && isobj(allowed))
		*choice = allowed_tools(c, t, allowed);
	else if (!present(tc) || kind(tc) == BW_NULL || isstr(tc))
		*choice = isstr(tc) ? tc : bw_lit("auto");
	else if (flat)
		*choice = OBJ(c, { "type", bw_lit("function") },
		    { "name", bw_get(tc, "toolName") });
	else
		*choice = OBJ(c, { "type", bw_lit("function") },
		    { "function", OBJ(c, { "name", bw_get(tc, "toolName") }) });
}
