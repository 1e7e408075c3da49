/* cancel.c: POST /batches/{id}/cancel, unless the batch has ended. */
#include <stdio.h>

#include "bw.h"

int
bw_cancel(struct bw_api *a, const char *id, struct bw_out *out)
{
	struct bw_call c = { .method = "POST", .conflict_final = 1 };
	struct bw_arena ar = { 0 };
	char path[512];
	struct bw_v b = bw_batch_get(a, &ar, id);

	if (bw_batch_terminal(b)) {	/* nothing to cancel: say so, go on */
		bw_warn("%s: already %s: not cancelled", id,
		    bw_batch_status(b));
		bw_batch_write(out, b);
		bw_arena_free(&ar);
		return 1;
	}
	snprintf(path, sizeof path, "/batches/%s/cancel", id);
	c.path = path;
	b = bw_api_object(a, &ar, &c, bw_of(BW_NONE));
	bw_batch_check(a, b, id, path);
	bw_batch_write(out, b);
	bw_arena_free(&ar);
	return 0;
}
