/* Unit tests: src/meet/store.c (transactions, lists, finds, users, guest
 * accounts, schema version), on SQLite and, when MEET_TEST_DATABASE names a
 * fresh PostgreSQL database (tests/unit/meet/store_pg.py starts a private
 * server and sets it), again on store-pg.c through the same API. */
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meet/meet-internal.h"
#include "tap.h"

/* NULL: SQLite; else the PostgreSQL URI of this run. */
static const char *database;

static void
test_store(void)
{
	char *dir = g_dir_make_tmp("meet-store-XXXXXX", NULL), err[256];
	struct meet_store *st = meet_store_open(dir, database, err, sizeof(err));
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

	st = meet_store_open(dir, database, err, sizeof(err));
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
	if (!database) {
		sqlite3 *raw;
		sqlite3_open(db, &raw);
		sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
		sqlite3_close(raw);
		st = meet_store_open(dir, database, err, sizeof(err));
		ok(st == NULL && strstr(err, "newer"), "a newer schema is refused: %s", err);
		meet_store_close(st);
	} else {
		st = meet_store_open(dir, "postgresql://nobody@/none?host=/nonexistent", err, sizeof(err));
		ok(st == NULL && strstr(err, "cannot connect"), "an unreachable database is refused: %s", err);
	}
	char *rm = g_strdup_printf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "cleanup");
	g_free(rm);
	g_free(db);
	g_free(dir);
}

static void
test_lists_users(void)
{
	char *dir = g_dir_make_tmp("meet-store-XXXXXX", NULL), err[256];
	struct meet_store *st = meet_store_open(dir, database, err, sizeof(err));
	uint8_t salt[32], hash[64];
	size_t saltlen = sizeof(salt), hashlen = sizeof(hash);
	unsigned iter = 0;
	GPtrArray *ids;
	GHashTable *p;

	meet_store_begin(st);
	meet_store_insert(st, "coSpaces", "b", NULL);
	meet_store_insert(st, "coSpaces", "a", NULL);
	meet_store_insert(st, "accessMethods", "m", "a");
	meet_store_set(st, "a", "name", "x");
	meet_store_unset(st, "a", "name");
	is_int(meet_store_commit(st), 0, "commit several writes");
	ids = meet_store_list(st, "coSpaces", NULL);
	ok(ids->len == 2 && !strcmp(g_ptr_array_index(ids, 0), "b"), "list in creation order");
	g_ptr_array_unref(ids);
	ids = meet_store_list(st, "accessMethods", "a");
	is_int(ids->len, 1, "list under a parent");
	g_ptr_array_unref(ids);
	ok(meet_store_exists(st, "accessMethods", "m", "a") && !meet_store_exists(st, "accessMethods", "m", "b"),
	   "exists checks the parent");
	is_int(meet_store_count(st, "coSpaces"), 2, "count");
	p = meet_store_get(st, "a");
	ok(p && !g_hash_table_lookup(p, "name"), "unset removes a property");
	g_hash_table_unref(p);
	meet_store_begin(st);
	is_int(meet_store_user_put(st, "op", (const uint8_t *)"saltsalt", 8, 7, (const uint8_t *)"h4sh", 4), 0,
	       "user put");
	is_int(meet_store_guest_put(st, "guest1@x", "Guest", "a"), 0, "guest put");
	meet_store_commit(st);
	is_int(meet_store_user_get(st, "op", salt, &saltlen, &iter, hash, &hashlen), 0, "user get");
	ok(saltlen == 8 && iter == 7 && hashlen == 4 && !memcmp(hash, "h4sh", 4), "user fields round-trip");
	saltlen = sizeof(salt);
	hashlen = sizeof(hash);
	is_int(meet_store_user_get(st, "nobody", salt, &saltlen, &iter, hash, &hashlen), 1, "no such user: 1");
	ok(meet_store_errmsg(st) != NULL, "errmsg is a string");
	meet_store_close(st);
	char *rm = g_strdup_printf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "cleanup");
	g_free(rm);
	g_free(dir);
}

int
main(void)
{
	test_store();
	test_lists_users();
	if ((database = getenv("MEET_TEST_DATABASE"))) {
		test_store();
		test_lists_users();
	}
	return tap_done();
}
