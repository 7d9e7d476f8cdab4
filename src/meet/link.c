/* link.c: the web bridge <-> call bridge link (link.h).  Loop thread only. */
#include <string.h>

#include "common/plog.h"
#include "meet/link.h"
#include "meet/meet-internal.h"

#define LINK_QUEUE_MAX 4096

struct queued {
	enum meet_link_side to;
	char *type;
	GHashTable *msg;
};

struct meet_link {
	unsigned number;
	char *peer;
	int up;
	char *trust, *cb_cert;
	unsigned retry_s;
	guint retry_src, deliver_src;
	GQueue queue;               /* struct queued * */
	struct {
		meet_link_recv recv;
		meet_link_state state;
		void *ctx;
	} side[2];
};

struct meet_link *
meet_link_new(unsigned number, const char *peer)
{
	struct meet_link *l = g_new0(struct meet_link, 1);

	l->number = number;
	l->peer = g_strdup(peer);
	g_queue_init(&l->queue);
	return l;
}

static void
queued_free(gpointer p)
{
	struct queued *q = p;

	g_free(q->type);
	g_hash_table_unref(q->msg);
	g_free(q);
}

void
meet_link_free(struct meet_link *l)
{
	if (!l)
		return;
	if (l->retry_src)
		g_source_remove(l->retry_src);
	if (l->deliver_src)
		g_source_remove(l->deliver_src);
	g_queue_clear_full(&l->queue, queued_free);
	g_free(l->peer);
	g_free(l->trust);
	g_free(l->cb_cert);
	g_free(l);
}

void
meet_link_attach(struct meet_link *l, enum meet_link_side side, meet_link_recv recv,
		 meet_link_state state, void *ctx)
{
	l->side[side].recv = recv;
	l->side[side].state = state;
	l->side[side].ctx = ctx;
}

/* Does the trust bundle hold the call bridge's certificate?  Sets why. */
static int
link_trusted(struct meet_link *l, const char **why)
{
	GTlsCertificate *cb = NULL;
	GList *bundle = NULL;
	GError *e = NULL;
	int ok = 0;

	if (!l->trust)
		return 1;           /* no trust configured: in-process link */
	*why = "no call bridge certificate configured";
	if (!l->cb_cert || !(cb = g_tls_certificate_new_from_file(l->cb_cert, &e)))
		goto out;
	*why = "trust bundle unreadable";
	bundle = g_tls_certificate_list_new_from_file(l->trust, &e);
	if (e)
		goto out;
	*why = "call bridge certificate not in the web bridge trust bundle";
	for (GList *it = bundle; it && !ok; it = it->next)
		ok = g_tls_certificate_is_same(cb, it->data);
out:
	g_clear_error(&e);
	g_list_free_full(bundle, g_object_unref);
	g_clear_object(&cb);
	return ok;
}

static void
link_set_up(struct meet_link *l, int up, const char *why)
{
	char key[32];

	g_snprintf(key, sizeof(key), "link%u", l->number);
	if (up) {
		meet_event(PLOG_INFO, "web bridge link %u: connected to call bridge \"%s\"",
			   l->number, l->peer);
		meet_alarm_clear("webBridgeConnectionFailure", key);
	} else {
		meet_event(PLOG_ERROR, "Web bridge connection to \"%s\" failed (connect failure): %s",
			   l->peer, why);
		meet_alarm_raise("webBridgeConnectionFailure", key, "connectFailure");
	}
	l->up = up;
	for (int s = 0; s < 2; s++)
		if (l->side[s].state)
			l->side[s].state(l->side[s].ctx, up);
}

/* Re-checked every retry_s seconds, up or down: a trust bundle edited
 * under a running server takes the link down (and Join call away) too. */
static gboolean
link_recheck(gpointer data)
{
	struct meet_link *l = data;
	const char *why = "";
	int ok = link_trusted(l, &why);

	if (ok != l->up)
		link_set_up(l, ok, why);
	return G_SOURCE_CONTINUE;
}

void
meet_link_start(struct meet_link *l, const char *trust_path, const char *cb_cert_path,
		unsigned retry_s)
{
	const char *why = "";
	int ok;

	g_free(l->trust);
	g_free(l->cb_cert);
	l->trust = g_strdup(trust_path);
	l->cb_cert = g_strdup(cb_cert_path);
	l->retry_s = retry_s;
	ok = link_trusted(l, &why);
	link_set_up(l, ok, why);
	if (l->trust)
		l->retry_src = g_timeout_add_seconds(retry_s, link_recheck, l);
}

int
meet_link_up(const struct meet_link *l)
{
	return l->up;
}

unsigned
meet_link_number(const struct meet_link *l)
{
	return l->number;
}

static gboolean
link_deliver(gpointer data)
{
	struct meet_link *l = data;
	struct queued *q;

	l->deliver_src = 0;
	/* Deliver what is queued now; replies queued meanwhile go next round. */
	for (guint n = g_queue_get_length(&l->queue); n > 0; n--) {
		q = g_queue_pop_head(&l->queue);
		if (l->up && l->side[q->to].recv)
			l->side[q->to].recv(l->side[q->to].ctx, q->type, q->msg);
		queued_free(q);
	}
	if (!g_queue_is_empty(&l->queue))
		l->deliver_src = g_idle_add(link_deliver, l);
	return G_SOURCE_REMOVE;
}

int
meet_link_send(struct meet_link *l, enum meet_link_side from, const char *type, GHashTable *msg)
{
	struct queued *q;

	if (!l->up || g_queue_get_length(&l->queue) >= LINK_QUEUE_MAX) {
		g_hash_table_unref(msg);
		return -1;
	}
	q = g_new0(struct queued, 1);
	q->to = from == MEET_LINK_WEBBRIDGE ? MEET_LINK_CALLBRIDGE : MEET_LINK_WEBBRIDGE;
	q->type = g_strdup(type);
	q->msg = msg;
	g_queue_push_tail(&l->queue, q);
	if (!l->deliver_src)
		l->deliver_src = g_idle_add(link_deliver, l);
	return 0;
}

GHashTable *
meet_link_msg(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
meet_link_set(GHashTable *msg, const char *key, const char *value)
{
	g_hash_table_replace(msg, g_strdup(key), g_strdup(value ? value : ""));
}

const char *
meet_link_get(GHashTable *msg, const char *key)
{
	const char *v = g_hash_table_lookup(msg, key);

	return v ? v : "";
}
