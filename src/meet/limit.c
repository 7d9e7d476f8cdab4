/*
 * limit.c: failed-attempt limits (Basic auth on the API, call ID /
 * passcode on the web bridge).
 *
 * Clients are counted by network prefix, not by exact address: one IPv6
 * client owns a whole /64, so counting single addresses would give it 2^64
 * fresh budgets.  A prefix may fail max times within a window; the next
 * attempts are refused until the window that started with its first
 * failure has passed.  The tables are bounded: when full, expired entries
 * are swept, then the oldest is dropped.
 *
 * The space ceiling (meet_limit_space_*) counts failures against one
 * space from all addresses together and answers a distributed guess with
 * a delay that doubles with each failure past the ceiling, up to a cap:
 * never a lockout of the space.
 *
 * Loop thread only.
 */
#include <string.h>
#include <netinet/in.h>

#include "meet/meet-internal.h"

#define LIMIT_MAX_CLIENTS 4096

struct entry {
	gint64 start;               /* monotonic usec of the first failure */
	gint64 until;               /* space ceiling: no attempt before this */
	unsigned fails;
};

struct meet_limit {
	unsigned max;
	gint64 window;              /* usec */
	unsigned prefix4, prefix6;  /* grouping; 0 = exact key (spaces) */
	gint64 max_delay;           /* usec, space ceiling */
	GHashTable *clients;        /* key -> struct entry */
};

struct meet_limit *
meet_limit_new(unsigned max, unsigned window_s, unsigned prefix4, unsigned prefix6)
{
	struct meet_limit *l = g_new0(struct meet_limit, 1);

	l->max = max;
	l->window = (gint64)window_s * G_USEC_PER_SEC;
	l->prefix4 = prefix4;
	l->prefix6 = prefix6;
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

void
meet_limit_key(const char *addr, unsigned prefix4, unsigned prefix6, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	struct cidr c;
	char buf[ADDR_STRLEN];

	g_strlcpy(out, addr, cap);
	if (addr_parse(addr, 0, &ss) < 0 || addr_prefix(&ss, prefix4, prefix6, &c) < 0)
		return;                 /* not an address: the string is the key */
	g_strlcpy(out, cidr_str(&c, buf), cap);
}

static void
limit_key(const struct meet_limit *l, const char *addr, char *out, size_t cap)
{
	if (l->prefix4 || l->prefix6)
		meet_limit_key(addr, l->prefix4, l->prefix6, out, cap);
	else
		g_strlcpy(out, addr, cap);
}

static struct entry *
limit_get(struct meet_limit *l, const char *key)
{
	struct entry *e = g_hash_table_lookup(l->clients, key);

	if (e && g_get_monotonic_time() - e->start >= l->window && g_get_monotonic_time() >= e->until) {
		g_hash_table_remove(l->clients, key);
		e = NULL;
	}
	return e;
}

unsigned
meet_limit_retry_after(struct meet_limit *l, const char *addr)
{
	char key[ADDR_STRLEN + 8];
	struct entry *e;
	gint64 left;

	limit_key(l, addr, key, sizeof(key));
	e = limit_get(l, key);
	if (!e || e->fails < l->max)
		return 0;
	left = e->start + l->window - g_get_monotonic_time();
	return (unsigned)MAX(1, (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

int
meet_limit_blocked(struct meet_limit *l, const char *addr)
{
	return meet_limit_retry_after(l, addr) > 0;
}

static gboolean
expired(gpointer key, gpointer value, gpointer data)
{
	struct meet_limit *l = data;
	struct entry *e = value;
	gint64 now = g_get_monotonic_time();

	return now - e->start >= l->window && now >= e->until;
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

/* The entry of key, created on first failure. */
static struct entry *
limit_entry(struct meet_limit *l, const char *key)
{
	struct entry *e = limit_get(l, key);

	if (!e) {
		if (g_hash_table_size(l->clients) >= LIMIT_MAX_CLIENTS)
			limit_make_room(l);
		e = g_new0(struct entry, 1);
		e->start = g_get_monotonic_time();
		g_hash_table_insert(l->clients, g_strdup(key), e);
	}
	return e;
}

void
meet_limit_fail(struct meet_limit *l, const char *addr)
{
	char key[ADDR_STRLEN + 8];

	limit_key(l, addr, key, sizeof(key));
	limit_entry(l, key)->fails++;
}

/* ---- space ceiling ----------------------------------------------------- */

struct meet_limit *
meet_limit_space_new(unsigned ceiling, unsigned window_s, unsigned max_delay_s)
{
	struct meet_limit *l = meet_limit_new(ceiling, window_s, 0, 0);

	l->max_delay = (gint64)max_delay_s * G_USEC_PER_SEC;
	return l;
}

unsigned
meet_limit_space_delay(struct meet_limit *l, const char *space)
{
	struct entry *e = limit_get(l, space);
	gint64 left = e ? e->until - g_get_monotonic_time() : 0;

	return left > 0 ? (unsigned)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;
}

void
meet_limit_space_fail(struct meet_limit *l, const char *space)
{
	struct entry *e = limit_entry(l, space);
	gint64 delay;
	unsigned over;

	if (++e->fails <= l->max)
		return;
	over = MIN(e->fails - l->max - 1, 30u);
	delay = MIN((gint64)G_USEC_PER_SEC << over, l->max_delay);
	e->until = g_get_monotonic_time() + delay;
}

/* ---- the client's address ----------------------------------------------- */

static int
proxy_trusted(const struct meet_proxies *p, const char *addr)
{
	struct sockaddr_storage ss, canon;

	if (addr_parse(addr, 0, &ss) < 0)
		return 0;
	addr_canonical(&ss, &canon);
	for (unsigned i = 0; i < p->n; i++)
		if (p->c[i].af == canon.ss_family && cidr_match(&p->c[i], &canon))
			return 1;
	return 0;
}

void
meet_limit_client(const char *peer, const char *xff, const struct meet_proxies *p, char *out,
		  size_t cap)
{
	gchar **hops;
	struct sockaddr_storage ss;

	g_strlcpy(out, peer, cap);
	if (!xff || !proxy_trusted(p, peer))
		return;
	hops = g_strsplit(xff, ",", 32);
	for (int i = (int)g_strv_length(hops) - 1; i >= 0; i--) {
		char *h = g_strstrip(hops[i]);
		if (addr_parse(h, 0, &ss) < 0)
			break;          /* garbage: keep the last trusted hop */
		g_strlcpy(out, h, cap);
		if (!proxy_trusted(p, h))
			break;
	}
	g_strfreev(hops);
}
