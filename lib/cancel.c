/* cancel.c: POST /batches/{id}/cancel. */
#include <stdio.h>

#include "bw.h"

void
bw_cancel(struct bw_api *a, const char *id, struct bw_out *out)
{
	struct bw_call c = { .method = "POST", .conflict_final = 1 };
	struct bw_arena ar = { 0 };
	char path[512];
	struct bw_v b;

	snprintf(path, sizeof path, "/batches/%s/cancel", id);
	c.path = path;
	b = bw_api_object(a, &ar, &c, bw_of(BW_NONE));
	bw_batch_check(a, b, id, path);
	bw_batch_write(out, b);
	bw_arena_free(&ar);
}
