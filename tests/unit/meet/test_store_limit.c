/* Unit tests: src/meet/store.c (transactions, schema version) and
 * src/meet/limit.c (per-client failure limiter). */
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meet/meet-internal.h"
#include "tap.h"

static void
test_store(void)
{
	char *dir = g_dir_make_tmp("meet-store-XXXXXX", NULL), err[256];
	struct meet_store *st = meet_store_open(dir, err, sizeof(err));
	static const char *const colls[] = { "coSpaces", NULL };
	static const char *const names[] = { "uri", NULL };
	GHashTable *p;
	GPtrArray *ids;

	ok(st != NULL, "open a new database");
	is_int(meet_store_begin(st), 0, "begin");
	is_int(meet_store_insert(st, "coSpaces", "id-1", NULL), 0, "insert");
	is_int(meet_store_set(st, "id-1", "uri", "ProxyWebRTC"), 0, "set");
	is_int(meet_store_commit(st), 0, "commit");
	is_int(meet_store_begin(st), 0, "begin 2");
	meet_store_insert(st, "coSpaces", "id-2", NULL);
	meet_store_rollback(st);
	ok(!meet_store_exists(st, "coSpaces", "id-2", NULL), "rolled back insert is gone");
	ids = meet_store_find(st, colls, names, "proxywebrtc");
	is_int(ids->len, 1, "find is case-insensitive");
	g_ptr_array_unref(ids);
	meet_store_close(st);

	st = meet_store_open(dir, err, sizeof(err));
	p = meet_store_get(st, "id-1");
	ok(p && !strcmp(g_hash_table_lookup(p, "uri"), "ProxyWebRTC"), "reopened: committed data is there");
	if (p)
		g_hash_table_unref(p);
	meet_store_begin(st);
	meet_store_insert(st, "accessMethods", "am-1", "id-1");
	meet_store_set(st, "am-1", "callId", "1");
	meet_store_delete(st, "id-1");
	meet_store_commit(st);
	ok(!meet_store_exists(st, "accessMethods", "am-1", NULL), "deleting a space deletes its access methods");
	ok(meet_store_get(st, "am-1") == NULL, "... and their properties");
	meet_store_close(st);

	char *db = g_build_filename(dir, "meet.db", NULL);
	sqlite3 *raw;
	sqlite3_open(db, &raw);
	sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(raw);
	st = meet_store_open(dir, err, sizeof(err));
	ok(st == NULL && strstr(err, "newer"), "a newer schema is refused: %s", err);
	meet_store_close(st);
	char *rm = g_strdup_printf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "cleanup");
	g_free(rm);
	g_free(db);
	g_free(dir);
}

static void
test_limit(void)
{
	struct meet_limit *l = meet_limit_new(3, 3600);

	ok(!meet_limit_blocked(l, "192.0.2.1"), "fresh client not blocked");
	meet_limit_fail(l, "192.0.2.1");
	meet_limit_fail(l, "192.0.2.1");
	ok(!meet_limit_blocked(l, "192.0.2.1"), "2 of 3 failures: not blocked");
	meet_limit_fail(l, "192.0.2.1");
	ok(meet_limit_blocked(l, "192.0.2.1"), "3 failures: blocked");
	ok(!meet_limit_blocked(l, "192.0.2.2"), "other clients unaffected");
	for (int i = 0; i < 5000; i++) {
		char a[32];
		g_snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		meet_limit_fail(l, a);
	}
	ok(1, "the table stays bounded under many clients (no crash, ASan clean)");
	meet_limit_free(l);
}

int
main(void)
{
	test_store();
	test_limit();
	return tap_done();
}
