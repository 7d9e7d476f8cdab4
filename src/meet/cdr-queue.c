/*
 * cdr-queue.c: the CDR queue and receiver cursors, SQL over the store's
 * connection (meet_store_sqlite).  Tables from store.c's migration 1 -> 2:
 *   cdr_queue(idx AUTOINCREMENT, session, body)   records, oldest first
 *   cdr_receivers(slot, uri, cursor)              last idx delivered
 * AUTOINCREMENT so an index is never reused after a prune.  Loop thread.
 */
#include <string.h>

#include <sqlite3.h>

#include "common/plog.h"
#include "meet/cdr.h"

static sqlite3_stmt *
q_prepare(struct meet_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(meet_store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK) {
		plog(PLOG_ERROR, "meet", "cdr queue: %s", sqlite3_errmsg(meet_store_sqlite(st)));
		return NULL;
	}
	return s;
}

static gint64
q_int(struct meet_store *st, const char *sql)
{
	sqlite3_stmt *s = q_prepare(st, sql);
	gint64 v = 0;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

unsigned
meet_cdr_queue_count(struct meet_store *st)
{
	return (unsigned)q_int(st, "SELECT COUNT(*) FROM cdr_queue");
}

gint64
meet_cdr_queue_last(struct meet_store *st)
{
	return q_int(st, "SELECT IFNULL(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'cdr_queue'");
}

gint64
meet_cdr_queue_append(struct meet_store *st, const char *session, const char *body)
{
	sqlite3_stmt *s;
	gint64 idx = 0;

	if (meet_cdr_queue_count(st) >= MEET_CDR_QUEUE_MAX)
		return 0;
	s = q_prepare(st, "INSERT INTO cdr_queue(session, body) VALUES (?1, ?2)");
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_DONE)
		idx = sqlite3_last_insert_rowid(meet_store_sqlite(st));
	sqlite3_finalize(s);
	return idx;
}

unsigned
meet_cdr_queue_read(struct meet_store *st, gint64 cursor, unsigned max, GPtrArray *out,
		    char **session, gint64 *last)
{
	sqlite3_stmt *s = q_prepare(st, "SELECT idx, session, body FROM cdr_queue WHERE idx > ?1"
				    " ORDER BY idx LIMIT ?2");
	unsigned n = 0;

	*session = NULL;
	*last = cursor;
	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, cursor);
	sqlite3_bind_int(s, 2, (int)max);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *sess = (const char *)sqlite3_column_text(s, 1);
		if (*session && strcmp(*session, sess))
			break;      /* one session per POST */
		if (!*session)
			*session = g_strdup(sess);
		*last = sqlite3_column_int64(s, 0);
		g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(s, 2)));
		n++;
	}
	sqlite3_finalize(s);
	return n;
}

void
meet_cdr_queue_prune(struct meet_store *st, gint64 upto)
{
	sqlite3_stmt *s = q_prepare(st, "DELETE FROM cdr_queue WHERE idx <= ?1");

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, upto);
	sqlite3_step(s);
	sqlite3_finalize(s);
}

int
meet_cdr_queue_receiver_get(struct meet_store *st, unsigned slot, char *uri, size_t len,
			    gint64 *cursor)
{
	sqlite3_stmt *s = q_prepare(st, "SELECT uri, cursor FROM cdr_receivers WHERE slot = ?1");
	int r = -1;

	uri[0] = '\0';
	*cursor = 0;
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, (int)slot);
	if (sqlite3_step(s) == SQLITE_ROW) {
		g_strlcpy(uri, (const char *)sqlite3_column_text(s, 0), len);
		*cursor = sqlite3_column_int64(s, 1);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

static int
q_run(struct meet_store *st, const char *sql, unsigned slot, const char *uri, gint64 cursor)
{
	sqlite3_stmt *s = q_prepare(st, sql);
	int r;

	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, (int)slot);
	if (uri)
		sqlite3_bind_text(s, 2, uri, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, cursor);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return r;
}

int
meet_cdr_queue_receiver_set(struct meet_store *st, unsigned slot, const char *uri, gint64 cursor)
{
	if (!*uri)
		return q_run(st, "DELETE FROM cdr_receivers WHERE slot = ?1", slot, NULL, 0);
	return q_run(st, "INSERT OR REPLACE INTO cdr_receivers(slot, uri, cursor) VALUES (?1, ?2, ?3)",
		     slot, uri, cursor);
}

int
meet_cdr_queue_cursor_set(struct meet_store *st, unsigned slot, gint64 cursor)
{
	return q_run(st, "UPDATE cdr_receivers SET cursor = ?3 WHERE slot = ?1", slot, NULL, cursor);
}
