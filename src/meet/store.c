/*
 * store.c: the meeting server's durable state, SQLite in WAL mode with
 * synchronous=FULL, so that an acknowledged write survives kill -9 (and a
 * power cut).  Schema versioned with PRAGMA user_version; migrations[]
 * runs each step once, in a transaction.
 *
 * With [meet] database = postgresql://..., store_backends[] picks another
 * backend (store-backend.h's ops table, store-pg.c) and every meet_store_*
 * function hands over to it at its first line; callers never know which.
 *
 * Loop thread only: one connection, owned by struct meet_store.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "common/plog.h"
#include "meet/meet-internal.h"
#include "meet/store-backend.h"

struct meet_store {
	sqlite3 *db;
	/* Another backend ([meet] database) and its state; NULL for SQLite. */
	const struct meet_store_ops *ops;
	void *impl;
};

/* Step i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	/* 0 -> 1: objects, properties, API users, guest accounts. */
	"CREATE TABLE objects(id TEXT PRIMARY KEY, coll TEXT NOT NULL, parent TEXT,"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX objects_coll ON objects(coll, parent, seq);"
	"CREATE INDEX objects_parent ON objects(parent);"
	"CREATE TABLE props(id TEXT NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(id, name));"
	"CREATE INDEX props_value ON props(name, value COLLATE NOCASE);"
	"CREATE TABLE users(name TEXT PRIMARY KEY, salt BLOB NOT NULL,"
	"  iterations INTEGER NOT NULL, hash BLOB NOT NULL);"
	"CREATE TABLE guests(jid TEXT PRIMARY KEY, display_name TEXT NOT NULL,"
	"  space TEXT, created INTEGER NOT NULL);",
	/* 1 -> 2: the CDR queue and its receivers' cursors (cdr-queue.c). */
	"CREATE TABLE cdr_queue(idx INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
	"  body TEXT NOT NULL);"
	"CREATE TABLE cdr_receivers(slot INTEGER PRIMARY KEY, uri TEXT NOT NULL,"
	"  cursor INTEGER NOT NULL);",
};

static int
store_exec(struct meet_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		plog(PLOG_ERROR, "meet", "database: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
store_version(struct meet_store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
store_migrate(struct meet_store *st, char *err, size_t errlen)
{
	int v = store_version(st);
	int n = (int)G_N_ELEMENTS(migrations);

	if (v < 0 || v > n) {
		snprintf(err, errlen, "database schema version %d is newer than this portico (%d)", v, n);
		return -1;
	}
	for (; v < n; v++) {
		char *bump = g_strdup_printf("PRAGMA user_version = %d", v + 1);
		int r = store_exec(st, "BEGIN IMMEDIATE") || store_exec(st, migrations[v]) ||
			store_exec(st, bump) || store_exec(st, "COMMIT");
		g_free(bump);
		if (r) {
			store_exec(st, "ROLLBACK");
			snprintf(err, errlen, "database migration %d -> %d failed", v, v + 1);
			return -1;
		}
		plog(PLOG_INFO, "meet", "database schema migrated to version %d", v + 1);
	}
	return 0;
}

/* URI schemes of the backends other than SQLite. */
static const struct {
	const char *prefix;
	const struct meet_store_ops *ops;
} store_backends[] = {
	{ "postgresql://", &meet_store_pg_ops },
	{ "postgres://", &meet_store_pg_ops },
};

static struct meet_store *
store_open_backend(const char *database, char *err, size_t errlen)
{
	struct meet_store *st;

	for (size_t i = 0; i < G_N_ELEMENTS(store_backends); i++) {
		if (!g_str_has_prefix(database, store_backends[i].prefix))
			continue;
		st = g_new0(struct meet_store, 1);
		st->ops = store_backends[i].ops;
		if (!(st->impl = st->ops->open(database, err, errlen))) {
			g_free(st);
			return NULL;
		}
		return st;
	}
	snprintf(err, errlen, "database: unsupported URI scheme (postgresql:// expected)");
	return NULL;
}

struct meet_store *
meet_store_open(const char *dir, const char *database, char *err, size_t errlen)
{
	struct meet_store *st;
	char *path;

	/* The state directory holds more than meet.db (the event log). */
	if (g_mkdir_with_parents(dir, 0750) < 0) {
		snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (database)
		return store_open_backend(database, err, errlen);
	st = g_new0(struct meet_store, 1);
	path = g_build_filename(dir, "meet.db", NULL);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		       "PRAGMA foreign_keys=ON;") < 0) {
		snprintf(err, errlen, "cannot set up database %s", path);
		goto fail;
	}
	if (store_migrate(st, err, errlen) < 0)
		goto fail;
	g_free(path);
	return st;
fail:
	g_free(path);
	meet_store_close(st);
	return NULL;
}

sqlite3 *
meet_store_sqlite(struct meet_store *st)
{
	return st->db;
}

void
meet_store_close(struct meet_store *st)
{
	if (!st)
		return;
	if (st->ops)
		st->ops->close(st->impl);
	sqlite3_close(st->db);
	g_free(st);
}

const char *
meet_store_errmsg(struct meet_store *st)
{
	if (st->ops)
		return st->ops->errmsg(st->impl);
	return sqlite3_errmsg(st->db);
}

int
meet_store_begin(struct meet_store *st)
{
	if (st->ops)
		return st->ops->begin(st->impl);
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
meet_store_commit(struct meet_store *st)
{
	if (st->ops)
		return st->ops->commit(st->impl);
	if (store_exec(st, "COMMIT") < 0) {
		meet_store_rollback(st);
		return -1;
	}
	return 0;
}

void
meet_store_rollback(struct meet_store *st)
{
	if (st->ops) {
		st->ops->rollback(st->impl);
		return;
	}
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK");
}

/* Prepare, bind text parameters (NULL binds SQL NULL), step to done. */
static int
store_run(struct meet_store *st, const char *sql, int n, const char *const *args)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		plog(PLOG_ERROR, "meet", "database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		plog(PLOG_ERROR, "meet", "database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int
meet_store_insert(struct meet_store *st, const char *coll, const char *id, const char *parent)
{
	const char *a[] = { id, coll, parent };

	if (st->ops)
		return st->ops->insert(st->impl, coll, id, parent);
	return store_run(st, "INSERT INTO objects(id, coll, parent, seq) VALUES (?1, ?2, ?3,"
			 " (SELECT IFNULL(MAX(seq), 0) + 1 FROM objects))", 3, a);
}

int
meet_store_set(struct meet_store *st, const char *id, const char *name, const char *value)
{
	const char *a[] = { id, name, value };

	if (st->ops)
		return st->ops->set(st->impl, id, name, value);
	return store_run(st, "INSERT OR REPLACE INTO props(id, name, value) VALUES (?1, ?2, ?3)", 3, a);
}

int
meet_store_unset(struct meet_store *st, const char *id, const char *name)
{
	const char *a[] = { id, name };

	if (st->ops)
		return st->ops->unset(st->impl, id, name);
	return store_run(st, "DELETE FROM props WHERE id = ?1 AND name = ?2", 2, a);
}

int
meet_store_delete(struct meet_store *st, const char *id)
{
	const char *a[] = { id };

	if (st->ops)
		return st->ops->delete_obj(st->impl, id);
	/* Children first (one level: accessMethods under coSpaces). */
	if (store_run(st, "DELETE FROM objects WHERE parent = ?1", 1, a) < 0)
		return -1;
	return store_run(st, "DELETE FROM objects WHERE id = ?1", 1, a);
}

/* Runs a query whose first column is text, collecting it. */
static GPtrArray *
store_column(struct meet_store *st, const char *sql, int n, const char *const *args)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		plog(PLOG_ERROR, "meet", "database: %s", sqlite3_errmsg(st->db));
		return out;
	}
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return out;
}

int
meet_store_exists(struct meet_store *st, const char *coll, const char *id, const char *parent)
{
	const char *a[] = { id, coll, parent };
	GPtrArray *r;
	int found;

	if (st->ops)
		return st->ops->exists(st->impl, coll, id, parent);
	r = store_column(st, parent ?
		"SELECT id FROM objects WHERE id = ?1 AND coll = ?2 AND parent = ?3" :
		"SELECT id FROM objects WHERE id = ?1 AND coll = ?2", parent ? 3 : 2, a);
	found = r->len > 0;
	g_ptr_array_unref(r);
	return found;
}

GHashTable *
meet_store_get(struct meet_store *st, const char *id)
{
	GHashTable *h;
	sqlite3_stmt *s;
	const char *a[] = { id, NULL };
	GPtrArray *exists;

	if (st->ops)
		return st->ops->get(st->impl, id);
	exists = store_column(st, "SELECT id FROM objects WHERE id = ?1", 1, a);
	if (exists->len == 0) {
		g_ptr_array_unref(exists);
		return NULL;
	}
	g_ptr_array_unref(exists);
	h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (sqlite3_prepare_v2(st->db, "SELECT name, value FROM props WHERE id = ?1", -1, &s,
			       NULL) != SQLITE_OK)
		return h;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		g_hash_table_insert(h, g_strdup((const char *)sqlite3_column_text(s, 0)),
				    g_strdup((const char *)sqlite3_column_text(s, 1)));
	sqlite3_finalize(s);
	return h;
}

GPtrArray *
meet_store_list(struct meet_store *st, const char *coll, const char *parent)
{
	const char *a[] = { coll, parent };

	if (st->ops)
		return st->ops->list(st->impl, coll, parent);
	if (parent)
		return store_column(st, "SELECT id FROM objects WHERE coll = ?1 AND parent = ?2"
				    " ORDER BY seq", 2, a);
	return store_column(st, "SELECT id FROM objects WHERE coll = ?1 ORDER BY seq", 1, a);
}

GPtrArray *
meet_store_find(struct meet_store *st, const char *const *colls, const char *const *names,
		const char *value)
{
	GPtrArray *out;

	if (st->ops)
		return st->ops->find(st->impl, colls, names, value);
	out = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *c = colls; *c; c++)
		for (const char *const *n = names; *n; n++) {
			const char *a[] = { *c, *n, value };
			GPtrArray *r = store_column(st,
				"SELECT o.id FROM objects o JOIN props p ON p.id = o.id"
				" WHERE o.coll = ?1 AND p.name = ?2 AND p.value = ?3 COLLATE NOCASE"
				" ORDER BY o.seq", 3, a);
			for (guint i = 0; i < r->len; i++)
				g_ptr_array_add(out, g_strdup(g_ptr_array_index(r, i)));
			g_ptr_array_unref(r);
		}
	return out;
}

long
meet_store_count(struct meet_store *st, const char *coll)
{
	GPtrArray *r = meet_store_list(st, coll, NULL);
	long n = r->len;

	g_ptr_array_unref(r);
	return n;
}

int
meet_store_user_put(struct meet_store *st, const char *name, const uint8_t *salt, size_t saltlen,
		    unsigned iterations, const uint8_t *hash, size_t hashlen)
{
	sqlite3_stmt *s;
	int rc;

	if (st->ops)
		return st->ops->user_put(st->impl, name, salt, saltlen, iterations, hash, hashlen);
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO users(name, salt, iterations, hash)"
			       " VALUES (?1, ?2, ?3, ?4)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, salt, (int)saltlen, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, (int)iterations);
	sqlite3_bind_blob(s, 4, hash, (int)hashlen, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
copy_blob(sqlite3_stmt *s, int col, uint8_t *out, size_t *len)
{
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (n > *len)
		n = *len;
	memcpy(out, sqlite3_column_blob(s, col), n);
	*len = n;
}

int
meet_store_user_get(struct meet_store *st, const char *name, uint8_t *salt, size_t *saltlen,
		    unsigned *iterations, uint8_t *hash, size_t *hashlen)
{
	sqlite3_stmt *s;
	int rc, ret = -1;

	if (st->ops)
		return st->ops->user_get(st->impl, name, salt, saltlen, iterations, hash, hashlen);
	if (sqlite3_prepare_v2(st->db, "SELECT salt, iterations, hash FROM users WHERE name = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_blob(s, 0, salt, saltlen);
		*iterations = (unsigned)sqlite3_column_int(s, 1);
		copy_blob(s, 2, hash, hashlen);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	}
	sqlite3_finalize(s);
	return ret;
}

int
meet_store_guest_put(struct meet_store *st, const char *jid, const char *display,
		     const char *space_id)
{
	char *now;
	int r;

	if (st->ops)
		return st->ops->guest_put(st->impl, jid, display, space_id);
	now = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
	r = store_run(st, "INSERT OR REPLACE INTO guests(jid, display_name, space, created)"
		      " VALUES (?1, ?2, ?3, ?4)", 4, (const char *const[]){ jid, display, space_id, now });
	g_free(now);
	return r;
}
