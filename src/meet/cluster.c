/*
 * cluster.c: this node in the store's node list, and GET /callBridges.
 *
 * Each node ([meet] node, default the host name) keeps one object in the
 * internal collection "_nodes" (id derived from the name, so a restarted
 * node finds its own row) with its address and a heartbeat written every
 * CLUSTER_BEAT_S seconds from the main loop.  A node is "up" while its
 * heartbeat is younger than CLUSTER_DOWN_S; a clean stop writes heartbeat 0
 * so it turns down at once.  On SQLite the list holds just this node; on a
 * shared PostgreSQL database, every node.  Heartbeats are the nodes' own
 * wall clocks: nodes need NTP (skew beyond CLUSTER_DOWN_S shows up as down).
 *
 * The heartbeat is one short transaction (the PostgreSQL backend bounds each
 * statement with statement_timeout), so a slow database delays the loop by
 * at most that bound.  Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "meet/api-internal.h"

#define CLUSTER_COLL "_nodes"
#define CLUSTER_BEAT_S 3
#define CLUSTER_DOWN_S 10

struct meet_cluster {
	struct meet_server *srv;
	char id[40];
	guint beat;
	int failing;                /* last heartbeat failed (logged once) */
};

/* A stable GUID-shaped id from the node name (SHA-256, first 16 bytes). */
static void
cluster_id(const char *name, char out[40])
{
	char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, name, -1);

	g_snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	g_free(h);
}

static const char *
cluster_address(const struct meet_config *cfg)
{
	return cfg->web_url ? cfg->web_url : cfg->web_listen;
}

/* Writes this node's row with heartbeat value beat; 0 or -1. */
static int
cluster_write(struct meet_cluster *c, gint64 beat)
{
	struct meet_store *st = c->srv->store;
	char now[24];
	int ok;

	g_snprintf(now, sizeof(now), "%" G_GINT64_FORMAT, beat);
	if (meet_store_begin(st) < 0)
		return -1;
	ok = (meet_store_exists(st, CLUSTER_COLL, c->id, NULL) ||
	      meet_store_insert(st, CLUSTER_COLL, c->id, NULL) == 0) &&
	     meet_store_set(st, c->id, "name", c->srv->cfg.node) == 0 &&
	     meet_store_set(st, c->id, "address", cluster_address(&c->srv->cfg)) == 0 &&
	     meet_store_set(st, c->id, "heartbeat", now) == 0;
	if (!ok) {
		meet_store_rollback(st);
		return -1;
	}
	return meet_store_commit(st);
}

static gboolean
cluster_beat(gpointer p)
{
	struct meet_cluster *c = p;
	int rc = cluster_write(c, g_get_real_time() / G_USEC_PER_SEC);

	if (rc < 0 && !c->failing)
		plog(PLOG_WARN, "meet", "node %s: heartbeat not written: %s", c->srv->cfg.node,
		     meet_store_errmsg(c->srv->store));
	else if (rc == 0 && c->failing)
		plog(PLOG_INFO, "meet", "node %s: heartbeat written again", c->srv->cfg.node);
	c->failing = rc < 0;
	return G_SOURCE_CONTINUE;
}

struct meet_cluster *
meet_cluster_start(struct meet_server *srv, char *err, size_t errlen)
{
	struct meet_cluster *c = g_new0(struct meet_cluster, 1);

	c->srv = srv;
	cluster_id(srv->cfg.node, c->id);
	if (cluster_write(c, g_get_real_time() / G_USEC_PER_SEC) < 0) {
		snprintf(err, errlen, "cannot register node %s: %s", srv->cfg.node,
			 meet_store_errmsg(srv->store));
		g_free(c);
		return NULL;
	}
	c->beat = g_timeout_add_seconds(CLUSTER_BEAT_S, cluster_beat, c);
	plog(PLOG_INFO, "meet", "node %s registered (%s)", srv->cfg.node, cluster_address(&srv->cfg));
	return c;
}

void
meet_cluster_stop(struct meet_cluster *c)
{
	if (!c)
		return;
	g_source_remove(c->beat);
	cluster_write(c, 0);
	g_free(c);
}

/* One node as <callBridge id=...>; state from the heartbeat's age. */
static void
cluster_node(struct meet_node *parent, const char *id, GHashTable *p)
{
	const char *hb = g_hash_table_lookup(p, "heartbeat");
	gint64 beat = hb ? g_ascii_strtoll(hb, NULL, 10) : 0;
	gint64 age = g_get_real_time() / G_USEC_PER_SEC - beat;
	struct meet_node *n = meet_node_add(parent, "callBridge");
	const char *name = g_hash_table_lookup(p, "name");
	const char *addr = g_hash_table_lookup(p, "address");

	meet_node_attr(n, "id", id);
	meet_node_text(n, "name", name ? name : "");
	meet_node_text(n, "address", addr ? addr : "");
	meet_node_text(n, "state", beat > 0 && age <= CLUSTER_DOWN_S ? "up" : "down");
	if (beat > 0)
		api_text_long(n, "heartbeatAgeSeconds", age < 0 ? 0 : age);
}

void
api_cluster_list(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", NULL };
	struct meet_node *root = meet_node_new("callBridges");
	GPtrArray *ids = meet_store_list(r->srv->store, CLUSTER_COLL, NULL);
	long offset, limit;
	char buf[16];

	if (api_query_check(r, allowed) < 0 || api_paging(r, &offset, &limit) < 0)
		goto fail;
	meet_node_list(root, "callBridge");
	for (long i = offset; i < (long)ids->len && i < offset + limit; i++) {
		GHashTable *p = meet_store_get(r->srv->store, g_ptr_array_index(ids, i));

		if (!p)
			continue;
		cluster_node(root, g_ptr_array_index(ids, i), p);
		g_hash_table_unref(p);
	}
	g_snprintf(buf, sizeof(buf), "%u", ids->len);
	meet_node_attr(root, "total", buf);
	g_ptr_array_unref(ids);
	api_reply_node(r, 200, root);
	return;
fail:
	g_ptr_array_unref(ids);
	meet_node_free(root);
}

void
api_cluster_get(struct req *r)
{
	const char *id = r->segs[1];
	GHashTable *p = meet_store_exists(r->srv->store, CLUSTER_COLL, id, NULL) ?
		meet_store_get(r->srv->store, id) : NULL;
	struct meet_node *root, *one;

	if (!p) {
		api_reply_fail(r, 404, "callBridgeDoesNotExist");
		return;
	}
	root = meet_node_new("wrap");
	cluster_node(root, id, p);
	g_hash_table_unref(p);
	one = meet_node_detach(root);
	meet_node_free(root);
	api_reply_node(r, 200, one);
}
