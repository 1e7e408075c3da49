/* delete.c: DELETE /files/{id}; a file gone already is no error. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw.h"

int
bw_file_delete(struct bw_api *a, const char *id, struct bw_out *out)
{
	struct bw_call c = { .method = "DELETE" };
	struct bw_arena ar = { 0 };
	struct bw_v v, deleted;
	const char *why;
	char path[512];
	int rc;

	if (!bw_id_valid(id, strlen(id)))
		bw_die(BW_EX_DATAERR, "not a valid file id: %s",
		    bw_quote(id, strlen(id), 80));
	snprintf(path, sizeof path, "/files/%s", id);
	c.path = path;
	/* a retry of a delete that was acted on meets a 404 too: the
	   file is gone either way */
	if ((rc = bw_api_call(a, &c)) == BW_CALL_HTTP && c.status == 404) {
		bw_warn("%s: not on the server (deleted already?): nothing "
		    "deleted", id);
		return 1;
	}
	if (rc != BW_CALL_OK)
		bw_api_fail(a, &c, rc);
	v = bw_read(&ar, c.body ? c.body : "", c.len, INT_MAX, &why, NULL);
	free(c.body);
	deleted = bw_get(v, "deleted");
	if (v.kind != BW_OBJ)
		bw_die(BW_EX_PROTOCOL, "DELETE %s%s: the reply is not a JSON "
		    "object%s", a->basepath, path, bw_api_reqid(&c));
	if (!bw_is(bw_get(v, "id"), id) || deleted.kind != BW_TRUE)
		bw_die(BW_EX_PROTOCOL, "DELETE %s%s: the reply is not the "
		    "deletion of %s (\"id\" %s, \"deleted\" %s)%s", a->basepath,
		    path, id, bw_get(v, "id").kind == BW_STR ?
		    bw_quote(bw_get(v, "id").u.s, bw_get(v, "id").n, 80) :
		    bw_kindname(bw_get(v, "id")), deleted.kind == BW_TRUE ?
		    "true" : deleted.kind == BW_FALSE ? "false" :
		    bw_kindname(deleted), bw_api_reqid(&c));
	bw_out_v(out, v);
	bw_out_char(out, '\n');
	if (out->fd >= 0)	/* on its way at once; a memory buffer keeps it */
		bw_out_flush(out);
	bw_arena_free(&ar);
	return 0;
}
