/*
 * bpool.c: the inside role's keep-alive pool of web bridge connections.
 */
#include <string.h>

#include "edge/inside-internal.h"

/* ---- the web bridge side of a stream ---- */

/* ---------------------------------------------------------------- */
/* keep-alive pool of web bridge connections                          */
/*
 * A TLS connection to a web bridge costs a full handshake and a chain
 * verification (bench/edge: 96 % of the inside node's CPU per request), so
 * a connection whose response ended cleanly waits here for the next
 * request to the same address.  An idle connection that hears anything
 * (data, close) is dropped; one idle longer than POOL_IDLE_US is not used.
 * Main thread only, like the rest of the inside role.
 */
#define POOL_MAX 256              /* idle connections kept, all web bridges together */
#define POOL_IDLE_US (15 * G_USEC_PER_SEC)

struct pooled {
	struct edge_proc *p;
	struct edge_conn *c;
	struct sockaddr_storage addr;
	int64_t since;
	GList *link;
};

static void
pool_drop(struct pooled *e)
{
	g_queue_delete_link(&e->p->bpool, e->link);
	edge_conn_close(e->c);
	g_free(e);
}

static void
pool_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	pool_drop(c->ud);    /* an idle connection has nothing to say */
}

static void
pool_closed(struct edge_conn *c, const char *why)
{
	struct pooled *e = c->ud;

	/* The conn frees itself after this callback: forget it, don't close it. */
	g_queue_delete_link(&e->p->bpool, e->link);
	g_free(e);
}

static void
pool_noop(struct edge_conn *c)
{
}

static const struct edge_conn_ops pool_ops = { pool_noop, pool_data, pool_noop, pool_closed };

void
edge_bpool_put(struct edge_proc *p, struct edge_conn *c, const struct sockaddr_storage *addr)
{
	struct pooled *e;

	if (p->draining || p->bpool.length >= POOL_MAX) {
		edge_conn_close(c);
		return;
	}
	e = g_new0(struct pooled, 1);
	e->p = p;
	e->c = c;
	e->addr = *addr;
	e->since = g_get_monotonic_time();
	c->ops = &pool_ops;
	c->ud = e;
	edge_conn_pause(c, 0);
	g_queue_push_head(&p->bpool, e);
	e->link = p->bpool.head;
}

/* An idle connection to addr, or NULL; stale ones are closed on the way. */
struct edge_conn *
edge_bpool_take(struct edge_proc *p, const struct sockaddr_storage *addr)
{
	int64_t now = g_get_monotonic_time();
	GList *l = p->bpool.head, *next;

	for (; l; l = next) {
		struct pooled *e = l->data;
		struct edge_conn *c = e->c;
		next = l->next;
		if (now - e->since > POOL_IDLE_US || c->dead || c->eof) {
			pool_drop(e);
			continue;
		}
		if (!addr_equal(&e->addr, addr))
			continue;
		g_queue_delete_link(&p->bpool, l);
		g_free(e);
		return c;
	}
	return NULL;
}

void
edge_bpool_clear(struct edge_proc *p)
{
	struct pooled *e;

	while ((e = g_queue_peek_head(&p->bpool)))
		pool_drop(e);
}
