/*
 * store-pg.c: the meeting server's durable state in PostgreSQL, through
 * libpq, for [meet] database = postgresql://...  Same objects/props model as
 * the SQLite store; several nodes share one database.  Nothing is cached: a
 * change committed through one node is read by every node's next query.
 * Every write runs in an explicit transaction and COMMIT returns only once
 * the server has made it durable (synchronous_commit is left at its default).
 *
 * Schema versioned in table portico_schema; migrations[] runs each step once,
 * under a transaction-scoped advisory lock so that two nodes starting
 * together do not migrate twice.  Loop thread only: one connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/plog.h"
#include "meet/meet-internal.h"
#include "meet/store-backend.h"

struct pg_store {
	PGconn *conn;
};

/* Step i takes the schema from version i to i + 1. */
static const char *const pg_migrations[] = {
	/* 0 -> 1: objects, properties, API users, guest accounts. */
	"CREATE TABLE objects(id TEXT PRIMARY KEY, coll TEXT NOT NULL, parent TEXT,"
	"  seq BIGSERIAL NOT NULL);"
	"CREATE INDEX objects_coll ON objects(coll, parent, seq);"
	"CREATE INDEX objects_parent ON objects(parent);"
	"CREATE TABLE props(id TEXT NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(id, name));"
	"CREATE INDEX props_value ON props(name, lower(value));"
	"CREATE TABLE users(name TEXT PRIMARY KEY, salt BYTEA NOT NULL,"
	"  iterations INTEGER NOT NULL, hash BYTEA NOT NULL);"
	"CREATE TABLE guests(jid TEXT PRIMARY KEY, display_name TEXT NOT NULL,"
	"  space TEXT, created BIGINT NOT NULL);",
};

/* Arbitrary key for pg_advisory_xact_lock: "portico" in ASCII. */
#define PG_MIGRATE_LOCK "7075727469636f"

/* A broken connection (server restarted) is reset before the next query,
 * outside a transaction only: a transaction cut in half must fail. */
static void
pg_revive(struct pg_store *p)
{
	if (PQstatus(p->conn) == CONNECTION_BAD) {
		plog(PLOG_WARN, "meet", "database connection lost, reconnecting");
		PQreset(p->conn);
	}
}

/* Runs sql with text parameters (NULL is SQL NULL); the result or NULL
 * (logged) when it did not succeed. */
static PGresult *
pg_query(struct pg_store *p, const char *sql, int n, const char *const *args)
{
	PGresult *r;
	ExecStatusType s;

	if (PQtransactionStatus(p->conn) == PQTRANS_IDLE ||
	    PQtransactionStatus(p->conn) == PQTRANS_UNKNOWN)
		pg_revive(p);
	r = PQexecParams(p->conn, sql, n, NULL, args, NULL, NULL, 0);
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	plog(PLOG_ERROR, "meet", "database: %s", PQerrorMessage(p->conn));
	PQclear(r);
	return NULL;
}

static int
pg_run(struct pg_store *p, const char *sql, int n, const char *const *args)
{
	PGresult *r = pg_query(p, sql, n, args);

	PQclear(r);
	return r ? 0 : -1;
}

static int
pg_exec(struct pg_store *p, const char *sql)
{
	PGresult *r = PQexec(p->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		plog(PLOG_ERROR, "meet", "database: %s", PQerrorMessage(p->conn));
	PQclear(r);
	return ok ? 0 : -1;
}

/* First column of every row, as strings. */
static GPtrArray *
pg_column(struct pg_store *p, const char *sql, int n, const char *const *args)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	PGresult *r = pg_query(p, sql, n, args);

	for (int i = 0; r && i < PQntuples(r); i++)
		g_ptr_array_add(out, g_strdup(PQgetvalue(r, i, 0)));
	PQclear(r);
	return out;
}

static int
pg_version(struct pg_store *p)
{
	PGresult *r = pg_query(p, "SELECT version FROM portico_schema", 0, NULL);
	int v = -1;

	if (r && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static int
pg_migrate(struct pg_store *p, char *err, size_t errlen)
{
	int n = (int)G_N_ELEMENTS(pg_migrations);
	int v;

	if (pg_exec(p, "BEGIN") < 0 ||
	    pg_exec(p, "SELECT pg_advisory_xact_lock(x'" PG_MIGRATE_LOCK "'::bigint)") < 0 ||
	    pg_exec(p, "CREATE TABLE IF NOT EXISTS portico_schema(version INTEGER NOT NULL)") < 0 ||
	    pg_exec(p, "INSERT INTO portico_schema SELECT 0 WHERE NOT EXISTS"
		    " (SELECT 1 FROM portico_schema)") < 0)
		goto fail;
	v = pg_version(p);
	if (v < 0 || v > n) {
		snprintf(err, errlen, "database schema version %d is newer than this portico (%d)",
			 v, n);
		pg_exec(p, "ROLLBACK");
		return -1;
	}
	for (; v < n; v++) {
		char *bump = g_strdup_printf("UPDATE portico_schema SET version = %d", v + 1);
		int r = pg_exec(p, pg_migrations[v]) || pg_exec(p, bump);

		g_free(bump);
		if (r) {
			snprintf(err, errlen, "database migration %d -> %d failed", v, v + 1);
			pg_exec(p, "ROLLBACK");
			return -1;
		}
		plog(PLOG_INFO, "meet", "database schema migrated to version %d", v + 1);
	}
	if (pg_exec(p, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot set up database: %s", PQerrorMessage(p->conn));
	pg_exec(p, "ROLLBACK");
	return -1;
}

static void
pg_close(void *impl)
{
	struct pg_store *p = impl;

	if (!p)
		return;
	PQfinish(p->conn);
	g_free(p);
}

/* libpq prints notices (e.g. "relation already exists, skipping") on
 * stderr by default; they go to the log at debug level instead. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	plog(PLOG_DEBUG, "meet", "database: %s", msg);
}

static void *
pg_open(const char *uri, char *err, size_t errlen)
{
	struct pg_store *p = g_new0(struct pg_store, 1);

	p->conn = PQconnectdb(uri);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		/* The message names host and user, never the password. */
		snprintf(err, errlen, "cannot connect to database: %s",
			 p->conn ? PQerrorMessage(p->conn) : "out of memory");
		goto fail;
	}
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	/* Bounds how long one statement (a heartbeat, a request's query) can
	 * hold the main loop when the database is slow. */
	if (pg_exec(p, "SET client_min_messages = warning") < 0 ||
	    pg_exec(p, "SET statement_timeout = 5000") < 0 ||
	    pg_migrate(p, err, errlen) < 0)
		goto fail;
	return p;
fail:
	pg_close(p);
	return NULL;
}

static const char *
pg_errmsg(void *impl)
{
	return PQerrorMessage(((struct pg_store *)impl)->conn);
}

static int
pg_begin(void *impl)
{
	struct pg_store *p = impl;

	pg_revive(p);
	return pg_exec(p, "BEGIN");
}

static void
pg_rollback(void *impl)
{
	struct pg_store *p = impl;

	if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		pg_exec(p, "ROLLBACK");
}

static int
pg_commit(void *impl)
{
	struct pg_store *p = impl;

	/* A failed transaction answers COMMIT with ROLLBACK: not a success. */
	PGresult *r = PQexec(p->conn, "COMMIT");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "COMMIT");

	if (!ok)
		plog(PLOG_ERROR, "meet", "database: commit failed: %s", PQerrorMessage(p->conn));
	PQclear(r);
	if (!ok)
		pg_rollback(p);
	return ok ? 0 : -1;
}

static int
pg_insert(void *impl, const char *coll, const char *id, const char *parent)
{
	const char *a[] = { id, coll, parent };

	return pg_run(impl, "INSERT INTO objects(id, coll, parent) VALUES ($1, $2, $3)", 3, a);
}

static int
pg_set(void *impl, const char *id, const char *name, const char *value)
{
	const char *a[] = { id, name, value };

	return pg_run(impl, "INSERT INTO props(id, name, value) VALUES ($1, $2, $3)"
		      " ON CONFLICT (id, name) DO UPDATE SET value = EXCLUDED.value", 3, a);
}

static int
pg_unset(void *impl, const char *id, const char *name)
{
	const char *a[] = { id, name };

	return pg_run(impl, "DELETE FROM props WHERE id = $1 AND name = $2", 2, a);
}

static int
pg_delete(void *impl, const char *id)
{
	const char *a[] = { id };

	if (pg_run(impl, "DELETE FROM objects WHERE parent = $1", 1, a) < 0)
		return -1;
	return pg_run(impl, "DELETE FROM objects WHERE id = $1", 1, a);
}

static int
pg_exists(void *impl, const char *coll, const char *id, const char *parent)
{
	const char *a[] = { id, coll, parent };
	GPtrArray *r = pg_column(impl, parent ?
		"SELECT id FROM objects WHERE id = $1 AND coll = $2 AND parent = $3" :
		"SELECT id FROM objects WHERE id = $1 AND coll = $2", parent ? 3 : 2, a);
	int found = r->len > 0;

	g_ptr_array_unref(r);
	return found;
}

static GHashTable *
pg_get(void *impl, const char *id)
{
	const char *a[] = { id };
	GHashTable *h = NULL;
	/* The LEFT JOIN gives one row with NULL name for an object without
	 * properties, and no row at all for a missing object. */
	PGresult *r = pg_query(impl, "SELECT p.name, p.value FROM objects o"
			       " LEFT JOIN props p ON p.id = o.id WHERE o.id = $1", 1, a);

	if (!r || PQntuples(r) == 0)
		goto out;
	h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (int i = 0; i < PQntuples(r); i++)
		if (!PQgetisnull(r, i, 0))
			g_hash_table_insert(h, g_strdup(PQgetvalue(r, i, 0)),
					    g_strdup(PQgetvalue(r, i, 1)));
out:
	PQclear(r);
	return h;
}

static GPtrArray *
pg_list(void *impl, const char *coll, const char *parent)
{
	const char *a[] = { coll, parent };

	if (parent)
		return pg_column(impl, "SELECT id FROM objects WHERE coll = $1 AND parent = $2"
				 " ORDER BY seq", 2, a);
	return pg_column(impl, "SELECT id FROM objects WHERE coll = $1 ORDER BY seq", 1, a);
}

static GPtrArray *
pg_find(void *impl, const char *const *colls, const char *const *names, const char *value)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (const char *const *c = colls; *c; c++)
		for (const char *const *n = names; *n; n++) {
			const char *a[] = { *c, *n, value };
			GPtrArray *r = pg_column(impl,
				"SELECT o.id FROM objects o JOIN props p ON p.id = o.id"
				" WHERE o.coll = $1 AND p.name = $2 AND lower(p.value) = lower($3)"
				" ORDER BY o.seq", 3, a);
			for (guint i = 0; i < r->len; i++)
				g_ptr_array_add(out, g_strdup(g_ptr_array_index(r, i)));
			g_ptr_array_unref(r);
		}
	return out;
}

static char *
pg_hex(const uint8_t *b, size_t n)
{
	char *s = g_malloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++)
		snprintf(s + i * 2, 3, "%02x", b[i]);
	s[n * 2] = '\0';
	return s;
}

/* Decodes at most *len bytes of hex text into out. */
static void
pg_unhex(const char *s, uint8_t *out, size_t *len)
{
	size_t n = strlen(s) / 2;

	if (n > *len)
		n = *len;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)((g_ascii_xdigit_value(s[2 * i]) << 4) |
				   g_ascii_xdigit_value(s[2 * i + 1]));
	*len = n;
}

static int
pg_user_put(void *impl, const char *name, const uint8_t *salt, size_t saltlen,
	    unsigned iterations, const uint8_t *hash, size_t hashlen)
{
	char *hs = pg_hex(salt, saltlen), *hh = pg_hex(hash, hashlen);
	char *it = g_strdup_printf("%u", iterations);
	const char *a[] = { name, hs, it, hh };
	int r = pg_run(impl, "INSERT INTO users(name, salt, iterations, hash)"
		       " VALUES ($1, decode($2, 'hex'), $3::integer, decode($4, 'hex'))"
		       " ON CONFLICT (name) DO UPDATE SET salt = EXCLUDED.salt,"
		       " iterations = EXCLUDED.iterations, hash = EXCLUDED.hash", 4, a);

	g_free(hs);
	g_free(hh);
	g_free(it);
	return r;
}

static int
pg_user_get(void *impl, const char *name, uint8_t *salt, size_t *saltlen,
	    unsigned *iterations, uint8_t *hash, size_t *hashlen)
{
	const char *a[] = { name };
	PGresult *r = pg_query(impl, "SELECT encode(salt, 'hex'), iterations, encode(hash, 'hex')"
			       " FROM users WHERE name = $1", 1, a);
	int ret = -1;

	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		ret = 1;
	} else {
		pg_unhex(PQgetvalue(r, 0, 0), salt, saltlen);
		*iterations = (unsigned)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
		pg_unhex(PQgetvalue(r, 0, 2), hash, hashlen);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

static int
pg_guest_put(void *impl, const char *jid, const char *display, const char *space_id)
{
	char *now = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
	const char *a[] = { jid, display, space_id, now };
	int r = pg_run(impl, "INSERT INTO guests(jid, display_name, space, created)"
		       " VALUES ($1, $2, $3, $4::bigint) ON CONFLICT (jid) DO UPDATE SET"
		       " display_name = EXCLUDED.display_name, space = EXCLUDED.space,"
		       " created = EXCLUDED.created", 4, a);

	g_free(now);
	return r;
}

const struct meet_store_ops meet_store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.insert = pg_insert,
	.set = pg_set,
	.unset = pg_unset,
	.delete_obj = pg_delete,
	.exists = pg_exists,
	.get = pg_get,
	.list = pg_list,
	.find = pg_find,
	.user_put = pg_user_put,
	.user_get = pg_user_get,
	.guest_put = pg_guest_put,
};
