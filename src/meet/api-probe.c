/*
 * api-probe.c: turnServers/<id>/status and webBridges/<id>/status.  Both
 * answer later: the route returns a deferred reply (api-internal.h) that
 * the probe's callback completes on the loop thread.  Loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "meet/api-internal.h"

/* A deferred answer for r (api.c pauses the message); NULL with 503 sent
 * when this API runs offline (unit tests, fuzzer: no network). */
static struct api_defer *
defer_start(struct req *r)
{
	struct api_defer *d;

	if (r->api->offline) {
		api_reply_fail(r, 503, "probeUnavailable");
		return NULL;
	}
	d = g_new0(struct api_defer, 1);
	d->api = r->api;
	d->json = r->json;
	d->id = g_strdup(r->segs[1]);
	r->api->outstanding++;
	r->out->defer = d;
	return d;
}

static void
probe_host_node(struct meet_node *root, const struct meet_probe_host *h)
{
	struct meet_node *n = meet_node_add(root, "host");

	meet_node_text(n, "address", h->address);
	api_text_long(n, "portNumber", h->port);
	meet_node_text(n, "transport", h->transport);
	meet_node_text(n, "reachable", h->reachable ? "true" : "false");
	if (h->reachable && !h->auth_failure)
		api_text_long(n, "roundTripTimeMs", h->rtt_ms);
	if (h->mapped_address[0]) {
		meet_node_text(n, "mappedAddress", h->mapped_address);
		api_text_long(n, "mappedPortNumber", h->mapped_port);
	}
	meet_node_text(n, "checkMethod", h->method);
	if (h->auth_failure)
		meet_node_text(n, "failureReason", "authenticationFailure");
	else if (!h->reachable)
		meet_node_text(n, "failureReason", "connectFailure");
	if (h->detail[0])
		meet_node_text(n, "detail", h->detail);
}

static void
turn_probe_done(void *ctx, const struct meet_probe_host *hosts, unsigned n)
{
	struct api_defer *p = ctx;
	struct meet_node *root = meet_node_new("turnServer");
	int any_ok = 0, auth = 0;

	meet_metrics_probe(p->api->srv, p->id, hosts, n);
	meet_node_attr(root, "id", p->id);
	meet_node_list(root, "host");
	for (unsigned i = 0; i < n; i++) {
		probe_host_node(root, &hosts[i]);
		any_ok |= hosts[i].reachable && !hosts[i].auth_failure;
		auth |= hosts[i].auth_failure;
	}
	if (any_ok)
		meet_alarm_clear("turnServerUnavailable", p->id);
	else
		meet_alarm_raise("turnServerUnavailable", p->id,
				 auth ? "authenticationFailure" : "connectFailure");
	meet_api_defer_done(p, root);
}

void
api_probe_turn(struct req *r)
{
	struct meet_probe_req *pr;
	struct api_defer *p;
	GHashTable *props;
	const char *tcp;

	if (!api_top_obj(r) || !(p = defer_start(r)))
		return;
	props = meet_store_get(r->srv->store, r->segs[1]);
	pr = g_new0(struct meet_probe_req, 1);
	pr->server = g_strdup(g_hash_table_lookup(props, "serverAddress"));
	pr->username = g_strdup(g_hash_table_lookup(props, "username"));
	pr->password = g_strdup(g_hash_table_lookup(props, "password"));
	pr->type_port = (int)r->srv->cfg.turn_udp_port;
	tcp = g_hash_table_lookup(props, "tcpPortNumberOverride");
	pr->tcp_port = tcp ? atoi(tcp) : 0;
	pr->timeout_ms = (unsigned)r->srv->cfg.probe_timeout_ms;
	g_hash_table_unref(props);
	meet_probe_start(pr, turn_probe_done, p);
}

/* webBridges/<id>/status: can the call bridge reach the web bridge URL? */
static void
web_probe_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct api_defer *p = data;
	GError *e = NULL;
	GBytes *b = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &e);
	SoupMessage *m = soup_session_get_async_result_message(SOUP_SESSION(src), res);
	struct meet_node *root = meet_node_new("webBridge");
	const char *st = "success";

	if (e && e->domain == G_RESOLVER_ERROR)
		st = "dnsFailure";
	else if (e || !m || soup_message_get_status(m) != 200)
		st = "connectionFailure";
	meet_node_attr(root, "id", p->id);
	meet_node_text(root, "status", st);
	if (strcmp(st, "success")) {
		meet_alarm_raise("guestAccountConnectionFailure", p->id,
				 !strcmp(st, "dnsFailure") ? "dnsFailure" : "connectFailure");
		if (e)
			meet_node_text(root, "detail", e->message);
	} else {
		meet_alarm_clear("guestAccountConnectionFailure", p->id);
	}
	g_clear_error(&e);
	if (b)
		g_bytes_unref(b);
	meet_api_defer_done(p, root);
	g_object_unref(src);
}

static gboolean
accept_any(SoupMessage *m, GTlsCertificate *c, GTlsCertificateFlags f, gpointer d)
{
	return TRUE;                /* reachability, not identity: see docs/api.md */
}

void
api_probe_web(struct req *r)
{
	SoupSession *s;
	SoupMessage *m;
	struct api_defer *p;
	GHashTable *props;
	char *url;

	if (!api_top_obj(r))
		return;
	props = meet_store_get(r->srv->store, r->segs[1]);
	url = g_strdup_printf("%s/api/guest/ping", (char *)g_hash_table_lookup(props, "url"));
	g_hash_table_unref(props);
	m = soup_message_new("GET", url);
	g_free(url);
	if (!m) {
		api_reply_param(r, "url", "invalidValue");
		return;
	}
	g_signal_connect(m, "accept-certificate", G_CALLBACK(accept_any), NULL);
	s = soup_session_new_with_options("timeout", (guint)(r->srv->cfg.probe_timeout_ms / 1000 + 1),
					  NULL);
	if (!(p = defer_start(r))) {
		g_object_unref(s);
		g_object_unref(m);
		return;
	}
	soup_session_send_and_read_async(s, m, G_PRIORITY_DEFAULT, NULL, web_probe_done, p);
	g_object_unref(m);
}
