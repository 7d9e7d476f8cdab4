/* Unit tests: src/meet/access.c (call ID + passcode -> space / access method). */
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meet/meet-internal.h"
#include "tap.h"

static void
put(struct meet_store *st, const char *coll, const char *id, const char *parent,
    const char *cid, const char *pc)
{
	meet_store_insert(st, coll, id, parent);
	meet_store_set(st, id, "callId", cid);
	if (pc)
		meet_store_set(st, id, "passcode", pc);
}

static void
expect(struct meet_store *st, const char *cid, const char *pc, int want, const char *space,
       const char *access, const char *name)
{
	char *s = NULL, *a = NULL;
	int rc = meet_access_resolve(st, cid, pc, &s, &a);

	is_int(rc, want, "%s: result", name);
	ok(!g_strcmp0(s, space), "%s: space %s", name, space ? space : "none");
	ok(!g_strcmp0(a, access), "%s: access method %s", name, access ? access : "none");
	g_free(s);
	g_free(a);
}

int
main(void)
{
	char *dir = g_dir_make_tmp("meet-access-XXXXXX", NULL), err[256] = "no temporary directory";
	struct meet_store *st = dir ? meet_store_open(dir, NULL, err, sizeof(err)) : NULL;

	if (!ok(st != NULL, "store in a temporary directory: %s", st ? "ok" : err))
		return tap_done();
	meet_store_begin(st);
	put(st, "coSpaces", "sp-1", NULL, "100101", NULL);
	put(st, "accessMethods", "am-guest", "sp-1", "200200", "1111");
	put(st, "accessMethods", "am-host", "sp-1", "200200", "9999");
	put(st, "coSpaces", "sp-2", NULL, "300300", "42");
	meet_store_commit(st);

	expect(st, "100101", "", 0, "sp-1", NULL, "space without passcode");
	expect(st, "200200", "1111", 0, "sp-1", "am-guest", "guest passcode -> guest access method");
	expect(st, "200200", "9999", 0, "sp-1", "am-host", "host passcode -> host access method");
	expect(st, "200200", "5555", 1, NULL, NULL, "wrong passcode");
	expect(st, "200200", NULL, 1, NULL, NULL, "no passcode given");
	expect(st, "300300", "42", 0, "sp-2", NULL, "space's own passcode");
	expect(st, "404404", "", -1, NULL, NULL, "unknown call ID");
	expect(st, "", "", -1, NULL, NULL, "empty call ID");
	meet_store_close(st);
	g_rmdir(dir);
	g_free(dir);
	return tap_done();
}
