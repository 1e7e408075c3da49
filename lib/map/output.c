/*
 * output.c: structured output.  A request's output field,
 *
 *   {"type":"object","schema":{...},"name"?,"description"?}
 *   {"type":"array","element":{...},"minItems"?,"maxItems"?,"name"?,
 *    "description"?}
 *   {"type":"choice","options":["a",...],"name"?,"description"?}
 *   {"type":"json"}
 *
 * stands for generateText's output: Output.object({schema:
 * jsonSchema(...)}), Output.array, Output.choice and Output.json (ai's
 * generate-text/output.ts), and becomes the response format the SDK
 * sends for it: the schema as it is (object), wrapped in
 * {elements: [...]} (array) or {result: one of the options} (choice),
 * normalized as tools' schemas are (normalizeOpenAIJsonSchema), or
 * json_object (json).  bw-parse reads the reply back by the same
 * shapes (lib/result.c).
 */
#include "map.h"

static const char draft7[] = "http://json-schema.org/draft-07/schema#";

/* A name OpenAI takes: 1 to 64 of [A-Za-z0-9_-]. */
static int
schema_name(val name)
{
	int ok = isstr(name) && name.n && name.n <= 64;

	for (uint32_t i = 0; ok && i < name.n; i++)
		ok = name.u.s[i] && strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", name.u.s[i]);
	return ok;
}

/* The array's wrapper, as Output.array writes it: the element's
   $schema left out and its definitions moved up. */
static val
array_schema(struct ctx *c, val out, val el)
{
	val item = bw_of(BW_OBJ), arr, defs = bw_get(el, "definitions");
	val ddefs = bw_get(el, "$defs");
	val min = field(out, "minItems"), max = field(out, "maxItems");

	MEMBERS(el, k, v) {
		if (!bw_is(k, "$schema") && !bw_is(k, "definitions") &&
		    !bw_is(k, "$defs"))
			item = bw_setn(c->a, item, k.u.s, k.n, v);
	}
	if (present(min) && (!isint(min) || min.u.num < 0))
		return fail(c, "output.minItems: must be an integer of at least 0");
	if (present(max) && (!isint(max) || max.u.num < 0))
		return fail(c, "output.maxItems: must be an integer of at least 0");
	if (present(min) && present(max) && min.u.num > max.u.num)
		return fail(c, "output.minItems: more than maxItems");
	arr = PRESENT(c, { "type", bw_lit("array") }, { "items", item },
	    { "minItems", min }, { "maxItems", max });
	return PRESENT(c, { "$schema", bw_lit(draft7) },
	    { "definitions", kind(defs) == BW_NULL ? bw_of(BW_NONE) : defs },
	    { "$defs", kind(ddefs) == BW_NULL ? bw_of(BW_NONE) : ddefs },
	    { "type", bw_lit("object") },
	    { "properties", OBJ(c, { "elements", arr }) },
	    { "required", ARR(c, bw_lit("elements")) },
	    { "additionalProperties", bw_of(BW_FALSE) });
}

static val
choice_schema(struct ctx *c, val out)
{
	val opts = field(out, "options");
	int ok = isarr(opts);

	for (int i = 0; ok && i < len(opts); i++)
		ok = isstr(bw_idx(opts, i));
	if (!ok)
		return fail(c, "output.options: not an array of strings");
	if (!opts.n)
		return fail(c, "output.options: empty");
	return OBJ(c, { "$schema", bw_lit(draft7) },
	    { "type", bw_lit("object") },
	    { "properties", OBJ(c, { "result", OBJ(c,
	    { "type", bw_lit("string") }, { "enum", opts }) }) },
	    { "required", ARR(c, bw_lit("result")) },
	    { "additionalProperties", bw_of(BW_FALSE) });
}

val
map_output(struct ctx *c, val req, val po, int flat)
{
	static const char *const types[] = { "object", "array", "choice",
		"json", NULL };
	static const char *const keys[][6] = {
		{ "type", "schema", "name", "description", NULL },
		{ "type", "element", "minItems", "maxItems", "name", "description" },
		{ "type", "options", "name", "description", NULL },
		{ "type", "name", "description", NULL },
	};
	val out = field(req, "output"), type = bw_get(out, "type");
	val name = field(out, "name"), desc = field(out, "description");
	val strict = field(po, "strictJsonSchema"), schema;
	int t = 0, pn = 0, la = 0;

	if (!present(out))
		return out;
	if (!isobj(out))
		return fail(c, "output: %s, not an object", bw_kindname(out));
	while (types[t] && !bw_is(type, types[t]))
		t++;
	if (!types[t])
		return fail(c, "output.type: %s, not object, array, choice or "
		    "json", present(type) ? quoted(type, 40) : "missing");
	MEMBERS(out, k, v) {
		int known = 0;
		for (int i = 0; i < 6 && keys[t][i] && !known; i++)
			known = bw_is(k, keys[t][i]);
		if (!known)
			return fail(c, "output.%s: not a field of %s output",
			    label(k), types[t]);
	}
	if (present(name) && !schema_name(name))
		return fail(c, "output.name: not 1 to 64 letters, digits, _ or -");
	if (present(desc) && !isstr(desc))
		return fail(c, "output.description: %s, not a string",
		    bw_kindname(desc));
	switch (t) {
	case 0:
		schema = field(out, "schema");
		if (!isobj(schema))
			return fail(c, "output.schema: %s, not a JSON Schema "
			    "object", bw_kindname(schema));
		break;
	case 1:
		schema = field(out, "element");
		if (!isobj(schema))
			return fail(c, "output.element: %s, not a JSON Schema "
			    "object", bw_kindname(schema));
		schema = array_schema(c, out, schema);
		break;
	case 2:
		schema = choice_schema(c, out);
		break;
	default:
		if (present(name) || present(desc))
			warn_once(c, "output.%s: not sent for json output; "
			    "dropped", present(name) ? "name" : "description");
		return OBJ(c, { "type", bw_lit("json_object") });
	}
	if (c->failed)
		return bw_of(BW_NONE);
	c->schema_at = "output";
	schema = normalize_schema(c, schema, 1, &pn, &la);
	c->schema_at = NULL;
	if (pn || la)
		warn_once(c, "output: schema keywords OpenAI does not support "
		    "(propertyNames, regex lookaround) removed");
	if (!present(strict))
		strict = bw_of(BW_TRUE);
	if (!present(name))
		name = bw_lit("response");
	if (flat)
		return PRESENT(c, { "type", bw_lit("json_schema") },
		    { "strict", strict }, { "name", name },
		    { "description", desc }, { "schema", schema });
	return OBJ(c, { "type", bw_lit("json_schema") },
	    { "json_schema", PRESENT(c, { "schema", schema },
	    { "strict", strict }, { "name", name },
	    { "description", desc }) });
}
