/*
 * limit.c: failed-attempt limiter per client address (Basic auth on the
 * API, call ID / passcode on the web bridge).  A client may fail max times
 * within a window; the next attempts are refused until the window that
 * started with its first failure has passed.  The table is bounded: when
 * full, expired entries are swept, then the oldest is dropped.
 * Loop thread only.
 */
#include "meet/meet-internal.h"

#define LIMIT_MAX_CLIENTS 4096

struct entry {
	gint64 start;               /* monotonic usec of the first failure */
	unsigned fails;
};

struct meet_limit {
	unsigned max;
	gint64 window;              /* usec */
	GHashTable *clients;        /* address -> struct entry */
};

struct meet_limit *
meet_limit_new(unsigned max, unsigned window_s)
{
	struct meet_limit *l = g_new0(struct meet_limit, 1);

	l->max = max;
	l->window = (gint64)window_s * G_USEC_PER_SEC;
	l->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return l;
}

void
meet_limit_free(struct meet_limit *l)
{
	if (!l)
		return;
	g_hash_table_unref(l->clients);
	g_free(l);
}

static struct entry *
limit_get(struct meet_limit *l, const char *addr)
{
	struct entry *e = g_hash_table_lookup(l->clients, addr);

	if (e && g_get_monotonic_time() - e->start >= l->window) {
		g_hash_table_remove(l->clients, addr);
		e = NULL;
	}
	return e;
}

int
meet_limit_blocked(struct meet_limit *l, const char *addr)
{
	struct entry *e = limit_get(l, addr);

	return e && e->fails >= l->max;
}

static gboolean
expired(gpointer key, gpointer value, gpointer data)
{
	struct meet_limit *l = data;

	return g_get_monotonic_time() - ((struct entry *)value)->start >= l->window;
}

static void
limit_make_room(struct meet_limit *l)
{
	GHashTableIter it;
	gpointer k, v, oldest = NULL;
	gint64 t = G_MAXINT64;

	g_hash_table_foreach_remove(l->clients, expired, l);
	if (g_hash_table_size(l->clients) < LIMIT_MAX_CLIENTS)
		return;
	g_hash_table_iter_init(&it, l->clients);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((struct entry *)v)->start < t) {
			t = ((struct entry *)v)->start;
			oldest = k;
		}
	if (oldest)
		g_hash_table_remove(l->clients, oldest);
}

void
meet_limit_fail(struct meet_limit *l, const char *addr)
{
	struct entry *e = limit_get(l, addr);

	if (!e) {
		if (g_hash_table_size(l->clients) >= LIMIT_MAX_CLIENTS)
			limit_make_room(l);
		e = g_new0(struct entry, 1);
		e->start = g_get_monotonic_time();
		g_hash_table_insert(l->clients, g_strdup(addr), e);
	}
	e->fails++;
}
