/*
 * embeddings.c: the embeddings endpoint.  A request is
 * {customId?, value, providerOptions?}, and its body the one the SDK's
 * embed() sends for that value (@ai-sdk/openai's OpenAIEmbeddingModel
 * doEmbed): {model, input: [value], encoding_format: "float",
 * dimensions?, user?}, the last two from providerOptions.openai.
 */
#include "map.h"

val
map_embeddings(struct ctx *c, val req)
{
	static const char *const keys[] = { "customId", "value",
		"providerOptions", NULL };
	val id = bw_get(req, "customId"), value = bw_get(req, "value");
	val po, dim;

	MEMBERS(req, k, v) {
		if (!oneof(k, keys))
			return fail(c, "unknown field %s (an embedding request "
			    "has customId, value and providerOptions)",
			    quoted(k, 60));
	}
	if (present(id) && (!isstr(id) || !id.n))
		return fail(c, "customId: %s, not a non-empty string",
		    isstr(id) ? "empty" : bw_kindname(id));
	if (!present(value))
		return fail(c, "value: missing (the text to embed)");
	if (!isstr(value))
		return fail(c, "value: %s, not a string", bw_kindname(value));
	if (!value.n)	/* the API takes no empty input */
		return fail(c, "value: empty");
	po = provider_options(c, req);
	if (c->failed)
		return po;
	dim = bw_get(po, "dimensions");
	if (present(dim) && (!isint(dim) || dim.u.num < 1))
		return fail(c, "providerOptions.openai.dimensions: must be an "
		    "integer of at least 1");
	return PRESENT(c,
	    { "model", bw_lit(c->m->model) },
	    { "input", ARR(c, value) },
	    { "encoding_format", bw_lit("float") },
	    { "dimensions", dim },
	    { "user", bw_get(po, "user") });
}
