/*
 * moderations.c: the moderations endpoint.  A request is {customId?,
 * value?, imageUrls?, providerOptions?}, and its body the one Batchwork
 * writes by hand: {input, model, ...providerOptions.openai}, input
 * being the value itself when there are no images, else
 * [{type:"text",text:value}?, {type:"image_url",image_url:{url}}...].
 * A request needs a value or an image.
 */
#include "map.h"

val
map_moderations(struct ctx *c, val req)
{
	static const char *const keys[] = { "customId", "value", "imageUrls",
		"providerOptions", NULL };
	static const char *const own[] = { "input", "model", NULL };
	val id = bw_get(req, "customId"), value = field(req, "value");
	val urls = field(req, "imageUrls"), input, body, po;
	char where[32];

	MEMBERS(req, k, v) {
		if (!oneof(k, keys))
			return fail(c, "unknown field %s (a moderation request "
			    "has customId, value, imageUrls and providerOptions)",
			    quoted(k, 60));
	}
	if (present(id) && (!isstr(id) || !id.n))
		return fail(c, "customId: %s, not a non-empty string",
		    isstr(id) ? "empty" : bw_kindname(id));
	if (present(value) && !isstr(value))
		return fail(c, "value: %s, not a string", bw_kindname(value));
	if (isstr(value) && !value.n)
		return fail(c, "value: empty");
	if (present(urls) && !isarr(urls))
		return fail(c, "imageUrls: %s, not an array", bw_kindname(urls));
	ITEMS(urls, i, u) {
		snprintf(where, sizeof where, "imageUrls[%d]", i);
		if (!isstr(u) || !u.n)
			return fail(c, "%s: %s, not a non-empty string", where,
			    isstr(u) ? "empty" : bw_kindname(u));
	}
	if (!present(value) && !len(urls))
		return fail(c, "neither value nor imageUrls: nothing to "
		    "moderate");
	po = spread_options(c, req, own);
	if (c->failed)
		return bw_of(BW_NONE);
	if (!len(urls)) {
		input = value;
	} else {
		input = bw_of(BW_ARR);
		if (present(value))
			input = ARR(c, OBJ(c, { "type", bw_lit("text") },
			    { "text", value }));
		ITEMS(urls, i, u)
			input = bw_push(c->a, input, OBJ(c,
			    { "type", bw_lit("image_url") },
			    { "image_url", OBJ(c, { "url", u }) }));
	}
	body = OBJ(c, { "input", input }, { "model", bw_lit(c->m->model) });
	MEMBERS(po, k, v)
		body = bw_setn(c->a, body, k.u.s, k.n, v);
	return body;
}
