/*
 * store-backend.h: the table of operations a store backend provides.
 * store.c implements SQLite itself and dispatches to a backend's table when
 * [meet] database names one (store-pg.c: PostgreSQL).  Same contracts as the
 * meet_store_* functions in meet-internal.h; impl is the backend's own
 * connection state, owned by the store.  Loop thread only.
 */
#ifndef PORTICO_MEET_STORE_BACKEND_H
#define PORTICO_MEET_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct meet_store_ops {
	const char *name;
	/* Opens and migrates; NULL with err filled on failure. */
	void *(*open)(const char *uri, char *err, size_t errlen);
	void (*close)(void *impl);
	const char *(*errmsg)(void *impl);
	int (*begin)(void *impl);
	int (*commit)(void *impl);
	void (*rollback)(void *impl);
	int (*insert)(void *impl, const char *coll, const char *id, const char *parent);
	int (*set)(void *impl, const char *id, const char *name, const char *value);
	int (*unset)(void *impl, const char *id, const char *name);
	int (*delete_obj)(void *impl, const char *id);
	int (*exists)(void *impl, const char *coll, const char *id, const char *parent);
	GHashTable *(*get)(void *impl, const char *id);
	GPtrArray *(*list)(void *impl, const char *coll, const char *parent);
	GPtrArray *(*find)(void *impl, const char *const *colls, const char *const *names,
			   const char *value);
	int (*user_put)(void *impl, const char *name, const uint8_t *salt, size_t saltlen,
			unsigned iterations, const uint8_t *hash, size_t hashlen);
	int (*user_get)(void *impl, const char *name, uint8_t *salt, size_t *saltlen,
			unsigned *iterations, uint8_t *hash, size_t *hashlen);
	int (*guest_put)(void *impl, const char *jid, const char *display, const char *space_id);
};

/* store-pg.c: PostgreSQL through libpq, for postgresql:// and postgres:// URIs. */
extern const struct meet_store_ops meet_store_pg_ops;

#endif
