/*
 * images.c: the two image endpoints.
 *
 * -e images: a request {customId?, prompt, n?, size?, aspectRatio?,
 * seed?, providerOptions?} is one generateImage() call, and its body
 * the one @ai-sdk/openai's OpenAIImageModel posts to
 * /images/generations: {model, prompt, n, size?, the options of
 * providerOptions.openai, response_format "b64_json" where the model's
 * default is a URL}.  aspectRatio and seed are not sent (the SDK warns
 * too).  generateImage splits an n past what the model makes in one
 * call over several calls; a batch line is one call, so such an n is
 * refused.
 *
 * -e image-edits: Batchwork's own body (the SDK posts an edit as a
 * form, which a batch line cannot carry): {customId?, prompt,
 * images:[{fileId}|{imageUrl}], mask?, n?, size?, providerOptions?} to
 * {images:[{file_id}|{image_url}], model, prompt, mask?, n?, size?,
 * ...providerOptions.openai}.
 */
#include "map.h"

static const char *const gen_keys[] = { "customId", "prompt", "n", "size",
	"aspectRatio", "seed", "providerOptions", NULL };
static const char *const edit_keys[] = { "customId", "prompt", "images",
	"mask", "n", "size", "providerOptions", NULL };
/* the members of an edit's body that no option may replace */
static const char *const edit_own[] = { "images", "model", "prompt",
	"mask", "n", "size", NULL };

/* The fields of a request, or of the defaults (need: prompt must be
   there), known and of their kinds. */
static void
check(struct ctx *c, val req, int edits, int need)
{
	val id = bw_get(req, "customId"), prompt = bw_get(req, "prompt");
	val n = edits ? field(req, "n") : bw_get(req, "n");
	val size = edits ? field(req, "size") : bw_get(req, "size");

	MEMBERS(req, k, v) {
		if (!oneof(k, edits ? edit_keys : gen_keys)) {
			fail(c, "unknown field %s (%s)", quoted(k, 60), edits ?
			    "an image edit has customId, prompt, images, mask, "
			    "n, size and providerOptions" : "an image request "
			    "has customId, prompt, n, size, aspectRatio, seed "
			    "and providerOptions");
			return;
		}
	}
	if (present(id) && (!isstr(id) || !id.n))
		fail(c, "customId: %s, not a non-empty string",
		    isstr(id) ? "empty" : bw_kindname(id));
	else if (!present(prompt) && need)
		fail(c, "prompt: missing (what the image is to show)");
	else if (present(prompt) && !isstr(prompt))
		fail(c, "prompt: %s, not a string", bw_kindname(prompt));
	else if (isstr(prompt) && !prompt.n)
		fail(c, "prompt: empty");
	else if (present(n) && (!isint(n) || n.u.num < 1))
		fail(c, "n: must be an integer of at least 1");
	/* the SDK sends a null size as it is */
	else if (present(size) && !isstr(size) && kind(size) != BW_NULL)
		fail(c, "size: %s, not a string", bw_kindname(size));
}

/* An integer option within [lo, hi]. */
static void
range(struct ctx *c, val po, const char *key, int lo, int hi)
{
	val v = bw_get(po, key);

	if (present(v) && (!isint(v) || v.u.num < lo || v.u.num > hi))
		fail(c, "providerOptions.openai.%s: must be an integer from "
		    "%d to %d", key, lo, hi);
}

/* A string's length as zod 4 measures it: in code points. */
static size_t
codepoints(val s)
{
	size_t n = 0;

	for (uint32_t i = 0; i < s.n; i++)
		n += ((unsigned char)s.u.s[i] & 0xc0) != 0x80;
	return n;
}

val
map_images(struct ctx *c, val req)
{
	val n = bw_get(req, "n"), po;
	int per_call, b64;

	check(c, req, 0, 1);
	if (c->failed)
		return bw_of(BW_NONE);
	image_model(c->m->model, &per_call, &b64);
	if (present(n) && n.u.num > per_call)
		return fail(c, "n: %.0f, more than %s makes in one request "
		    "(%d); the AI SDK would split it over several, a batch "
		    "line is one", n.u.num, c->m->model, per_call);
	if (present(field(req, "aspectRatio")))
		warn_once(c, "aspectRatio: not supported by OpenAI's image "
		    "models (give size); dropped");
	if (present(field(req, "seed")))
		warn_once(c, "seed: not supported by OpenAI's image models; "
		    "dropped");
	po = provider_options(c, req);
	range(c, po, "outputCompression", 0, 100);
	range(c, po, "frameCount", 2, 64);
	range(c, po, "frameDurationMs", 20, 2000);
	if (isstr(bw_get(po, "safetyIdentifier")) &&
	    codepoints(bw_get(po, "safetyIdentifier")) > 128)
		fail(c, "providerOptions.openai.safetyIdentifier: longer than "
		    "128 characters");
	if (c->failed)
		return bw_of(BW_NONE);
	return PRESENT(c,
	    { "model", bw_lit(c->m->model) },
	    { "prompt", bw_get(req, "prompt") },
	    { "n", present(n) ? n : bw_num(1) },
	    { "size", bw_get(req, "size") },
	    { "quality", bw_get(po, "quality") },
	    { "style", bw_get(po, "style") },
	    { "background", bw_get(po, "background") },
	    { "moderation", bw_get(po, "moderation") },
	    { "output_format", bw_get(po, "outputFormat") },
	    { "output_compression", bw_get(po, "outputCompression") },
	    { "complexity", bw_get(po, "complexity") },
	    { "frame_count", bw_get(po, "frameCount") },
	    { "frame_duration_ms", bw_get(po, "frameDurationMs") },
	    { "user", bw_get(po, "user") },
	    { "safety_identifier", bw_get(po, "safetyIdentifier") },
	    { "response_format", b64 ? bw_lit("b64_json") : bw_of(BW_NONE) });
}

/* An image of an edit, {fileId} or {imageUrl}, as the API takes it. */
static val
image_ref(struct ctx *c, val x, const char *where)
{
	val k = bw_of(BW_NONE), v = bw_of(BW_NONE);

	if (isobj(x) && x.n == 1) {
		k = map_key(&x.u.m[0]);
		v = x.u.m[0].v;
	}
	if (!bw_is(k, "fileId") && !bw_is(k, "imageUrl"))
		return fail(c, "%s: not {\"fileId\": id} or {\"imageUrl\": url}",
		    where);
	if (!isstr(v) || !v.n)
		return fail(c, "%s.%s: %s, not a non-empty string", where,
		    bw_is(k, "fileId") ? "fileId" : "imageUrl",
		    isstr(v) ? "empty" : bw_kindname(v));
	return OBJ(c, { bw_is(k, "fileId") ? "file_id" : "image_url", v });
}

val
map_image_edits(struct ctx *c, val req)
{
	val images = bw_get(req, "images"), mask = field(req, "mask");
	val n = field(req, "n"), list = bw_of(BW_ARR), body, po;
	char where[32];

	check(c, req, 1, 1);
	if (c->failed)
		return bw_of(BW_NONE);
	if (!present(images))
		return fail(c, "images: missing (the images to edit)");
	if (!isarr(images))
		return fail(c, "images: %s, not an array", bw_kindname(images));
	if (!images.n)
		return fail(c, "images: empty");
	ITEMS(images, i, x) {
		snprintf(where, sizeof where, "images[%d]", i);
		list = bw_push(c->a, list, image_ref(c, x, where));
	}
	if (present(mask))
		mask = image_ref(c, mask, "mask");
	if (present(n) && n.u.num > 10)
		fail(c, "n: %.0f, more than the 10 images an edit makes",
		    n.u.num);
	po = spread_options(c, req, edit_own);
	if (c->failed)
		return bw_of(BW_NONE);
	body = PRESENT(c,
	    { "images", list },
	    { "model", bw_lit(c->m->model) },
	    { "prompt", bw_get(req, "prompt") },
	    { "mask", mask },
	    { "n", n },
	    { "size", field(req, "size") });
	MEMBERS(po, k, v)
		body = bw_setn(c->a, body, k.u.s, k.n, v);
	return body;
}

/* The defaults (-d) of the image endpoints: fields an image request
   may have, of their kinds (prompt need not be there). */
void
check_image_defaults(struct ctx *c, val d)
{
	check(c, d, c->m->endpoint == BW_IMAGE_EDITS, 0);
}
