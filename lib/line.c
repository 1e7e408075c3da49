/*
 * line.c: what a batch input line is, for every program that makes or
 * takes one (bw-jsonl's raw lines, bw-upload's check).
 */
#include <string.h>

#include "bw.h"

const char *
bw_line_check(struct bw_v line)
{
	static const char *const keys[] = { "custom_id", "method", "url",
		"body" };
	struct bw_v id = bw_get(line, "custom_id");
	struct bw_v url = bw_get(line, "url"), body = bw_get(line, "body");
	struct bw_v model = bw_get(body, "model");

	if (line.kind != BW_OBJ)
		return bw_why("%s, not a batch request object",
		    bw_kindname(line));
	BW_EACH(line, i, m) {
		const char *k = m->kn == 9 ? keys[0] : m->kn == 6 ? keys[1] :
		    m->kn == 3 ? keys[2] : m->kn == 4 ? keys[3] : NULL;
		if (!k || memcmp(k, m->k, m->kn))
			return bw_why("unknown field %s in a batch line "
			    "(custom_id, method, url, body)",
			    bw_quote(m->k, m->kn, 60));
	}
	if (id.kind != BW_STR || !id.n)
		return bw_why("custom_id: %s, not a non-empty string",
		    id.kind == BW_STR ? "empty" : bw_kindname(id));
	if (!bw_is(bw_get(line, "method"), "POST"))
		return "method: not \"POST\"";
	if (url.kind != BW_STR || url.n < 5 || memcmp(url.u.s, "/v1/", 4))
		return "url: not a /v1/ path";
	if (body.kind != BW_OBJ)
		return bw_why("body: %s, not an object", bw_kindname(body));
	if (model.kind != BW_STR || !model.n)
		return bw_why("body.model: %s, not a non-empty string",
		    model.kind == BW_STR ? "empty" : bw_kindname(model));
	return NULL;
}
