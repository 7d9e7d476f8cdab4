/*
 * inside.c: the inside role.  Keeps [traversal] connections tunnels dialled
 * out to the outside node (TLS with this node's certificate, then the
 * hello with the traversal credentials); on each it is the HTTP/2
 * *server*: every stream is a guest's request, checked here, then
 * forwarded to a web bridge by backend.c (istream.c: the stream itself).
 *
 * Ownership: proc->tunnels holds the tunnel slots for the process life;
 * each tunnel owns its istreams.  Main loop thread only.
 */
#include <gio/gio.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "edge/edge-dns.h"
#include "edge/edge-roles.h"
#include "edge/inside-internal.h"

#define MOD "edge"

static void tunnel_connect(struct edge_tunnel *t);
static void tunnel_dial(struct edge_tunnel *t, const struct sockaddr_storage *a);

/* Origin-form, visible ASCII only: it goes into an HTTP/1.1 request line. */
static int
path_ok(const char *p)
{
	if (p[0] != '/')
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* Request head complete: check it, then forward. */
static void
istream_start(struct istream *s)
{
	struct edge_proc *p = s->t->proc;
	char host[256];
	int port;

	p->ctr.requests++;
	if (!s->method || !s->path || !s->authority ||
	    edge_util_authority_host(s->authority, strlen(s->authority), host, sizeof(host), &port) < 0) {
		edge_istream_respond_error(s, 400, "malformed request");
		return;
	}
	if (strcmp(host, p->cfg->w_guest_host) != 0) {
		char why[512];
		snprintf(why, sizeof(why), "host %s is not configured as a web-proxy URI: the Guest "
			 "account client URI is %s", host, p->cfg->w_guest_uri);
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: Bad Request: %s", s->t->slot, s->id, why);
		edge_istream_respond_error(s, 400, why);
		return;
	}
	s->ws = !strcmp(s->method, "CONNECT") && s->protocol && !strcmp(s->protocol, "websocket");
	/* Defence in depth: the outside filters too, but a DMZ node may be
	 * the compromised one. */
	if (!s->ws && !edge_http_method_allowed(s->method)) {
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: method %.16s refused", s->t->slot, s->id, s->method);
		edge_istream_respond_error(s, 405, "method not allowed");
		return;
	}
	if (!path_ok(s->path)) {
		edge_istream_respond_error(s, 400, "malformed path");
		return;
	}
	if (s->ws)
		p->ctr.websockets++;
	s->is_head = !strcmp(s->method, "HEAD");
	edge_backend_forward(s);
}

/* ---- HTTP/2 server callbacks ---- */

static int
on_begin_headers(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	struct edge_tunnel *t = ud;
	struct istream *s;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	s = g_new0(struct istream, 1);
	s->t = t;
	s->id = f->hd.stream_id;
	s->hdr = g_ptr_array_new_with_free_func(g_free);
	edge_buf_init(&s->resp, t->proc->cfg->w_stream_buffer);
	edge_buf_init(&s->head, REQ_HEAD_MAX);
	g_queue_push_tail(&t->streams, s);
	s->link = g_queue_peek_tail_link(&t->streams);
	t->streams_total++;
	nghttp2_session_set_stream_user_data(h2, s->id, s);
	return 0;
}

static int
on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
	  const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct istream *s = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
	static const struct { const char *name; size_t off; } pseudo[] = {
		{ ":method", offsetof(struct istream, method) },
		{ ":path", offsetof(struct istream, path) },
		{ ":authority", offsetof(struct istream, authority) },
		{ ":protocol", offsetof(struct istream, protocol) },
	};

	if (!s || s->responded || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	if ((s->hdr_bytes += nlen + vlen) > REQ_HEAD_MAX)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	for (size_t i = 0; i < G_N_ELEMENTS(pseudo); i++)
		if (nlen == strlen(pseudo[i].name) && !memcmp(name, pseudo[i].name, nlen)) {
			char **field = (char **)((char *)s + pseudo[i].off);
			g_free(*field);
			*field = g_strndup((const char *)value, vlen);
			return 0;
		}
	if (name[0] == ':' || edge_http_hop_by_hop(NULL, (const char *)name, nlen) ||
	    (nlen == 4 && !memcmp(name, "host", 4)))
		return 0;
	if (nlen == 14 && !memcmp(name, "content-length", 14))
		s->has_cl = 1;
	g_ptr_array_add(s->hdr, g_strndup((const char *)name, nlen));
	g_ptr_array_add(s->hdr, g_strndup((const char *)value, vlen));
	return 0;
}

static int
on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	struct istream *s = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);

	if (!s)
		return 0;
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
		s->req_eof = 1;
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		istream_start(s);
	else if (s->req_eof && s->req_chunked && s->b)
		edge_conn_write(s->b, "0\r\n\r\n", 5);
	if (s->req_eof && s->ws && s->b && s->head_done) {
		/* The guest closed its WebSocket: close ours, end the stream. */
		edge_conn_close_after_flush(s->b);
		s->b = NULL;
		s->resp_eof = 1;
		edge_istream_resume(s);
	}
	return 0;
}

static int
on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
{
	struct edge_tunnel *t = ud;
	struct istream *s = nghttp2_session_get_stream_user_data(h2, id);
	char sz[24];

	nghttp2_session_consume_connection(h2, len);
	t->proc->ctr.bytes_up += len;
	if (!s || !s->b) {
		nghttp2_session_consume_stream(h2, id, len);
		return 0;
	}
	if (s->req_chunked) {
		int n = snprintf(sz, sizeof(sz), "%zx\r\n", len);
		edge_conn_write(s->b, sz, (size_t)n);
	}
	s->body_seen |= len > 0;
	if (edge_conn_write(s->b, data, len) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (s->req_chunked)
		edge_conn_write(s->b, "\r\n", 2);
	if (edge_conn_pending(s->b) <= t->proc->cfg->w_stream_buffer)
		nghttp2_session_consume_stream(h2, id, len + s->unacked), s->unacked = 0;
	else
		s->unacked += len;
	return 0;
}

static int
on_stream_close(nghttp2_session *h2, int32_t id, uint32_t code, void *ud)
{
	struct istream *s = nghttp2_session_get_stream_user_data(h2, id);

	if (s)
		edge_istream_free(s);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Tunnel connections                                                */

static gboolean
retry_now(gpointer data)
{
	struct edge_tunnel *t = data;

	t->timer = 0;
	tunnel_connect(t);
	return G_SOURCE_REMOVE;
}

static void
drop_streams(struct edge_tunnel *t)
{
	struct istream *s;

	while ((s = g_queue_pop_head(&t->streams))) {
		s->link = NULL;
		edge_istream_free(s);
	}
}

static void
tunnel_down(struct edge_tunnel *t, const char *why)
{
	struct edge_proc *p = t->proc;
	unsigned delay;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING)
		plog(PLOG_WARN, MOD, "tunnel %u to %s down: %s", t->slot, t->peer, why);
	else
		plog(PLOG_WARN, MOD, "tunnel %u to %s failed: %s", t->slot, t->peer, why);
	g_strlcpy(t->last_error, why, sizeof(t->last_error));
	drop_streams(t);
	edge_tunnel_teardown(t);
	edge_tunnel_set_state(t, EDGE_T_FAILED);
	if (p->draining)
		return;
	delay = edge_util_backoff_ms(p->cfg->t_backoff_initial, p->cfg->t_backoff_max, t->attempt++,
				g_random_int());
	plog(PLOG_INFO, MOD, "tunnel %u: reconnecting in %u ms (attempt %u)", t->slot, delay, t->attempt);
	t->timer = g_timeout_add(delay, retry_now, t);
}

const struct edge_tunnel_ops edge_inside_tunnel_ops = {
	.server = 1,
	.dead = tunnel_down,
	.begin_headers = on_begin_headers,
	.header = on_header,
	.frame_recv = on_frame_recv,
	.data = on_data,
	.stream_close = on_stream_close,
};

static void
send_hello(struct edge_tunnel *t)
{
	const struct edge_config *cfg = t->proc->cfg;
	struct edge_buf h;

	edge_buf_init(&h, EDGE_HELLO_MAX);
	edge_buf_printf(&h, "PORTICO-TRAVERSAL/1 HELLO\r\nnode: %s\r\nuser: %s\r\npassword: %s\r\n"
			"guest-host: %s\r\ndomains: ", cfg->node, cfg->t_username, cfg->t_password,
			cfg->w_guest_host);
	for (unsigned i = 0; i < cfg->domains.n; i++)
		edge_buf_printf(&h, "%s%s", i ? "," : "", cfg->domains.v[i]);
	edge_buf_printf(&h, "\r\n\r\n");
	edge_conn_write(t->conn, edge_buf_head(&h), edge_buf_len(&h));
	explicit_bzero(h.data, h.alloc);
	edge_buf_free(&h);
}

static void
tunnel_ready(struct edge_conn *c)
{
	struct edge_tunnel *t = c->ud;
	char why[300];

	if (edge_tls_check_peer(c->tls, t->proc->cfg->t_server_name, why, sizeof(why)) < 0) {
		plog(PLOG_ERROR, MOD, "tunnel %u to %s refused by this node: the outside node's %s",
		     t->slot, t->peer, why);
		tunnel_down(t, why);
		return;
	}
	edge_tunnel_set_state(t, EDGE_T_HELLO);
	send_hello(t);
}

static void
check_web_proxy_hosts(struct edge_tunnel *t, const char *hosts)
{
	const struct edge_config *cfg = t->proc->cfg;

	if (!hosts || edge_http_list_has(hosts, strlen(hosts), cfg->w_guest_host))
		return;
	plog(PLOG_WARN, MOD, "tunnel %u: the Guest account client URI host %s is not among the "
	     "outside node's web-proxy hosts (%s): guests asking for those names get 400 Bad Request",
	     t->slot, cfg->w_guest_host, hosts);
}

static void
tunnel_hello_reply(struct edge_tunnel *t, const struct edge_hello *h, size_t used)
{
	size_t rest = edge_buf_len(&t->hello) - used;

	if (strcmp(h->verb, "OK") != 0) {
		char why[400];
		snprintf(why, sizeof(why), "the outside node refused the tunnel: %s check failed: %s",
			 edge_tunnel_hello_get(h, "check") ? edge_tunnel_hello_get(h, "check") : "?",
			 edge_tunnel_hello_get(h, "reason") ? edge_tunnel_hello_get(h, "reason") : "no reason given");
		plog(PLOG_ERROR, MOD, "tunnel %u to %s: %s", t->slot, t->peer, why);
		tunnel_down(t, why);
		return;
	}
	g_strlcpy(t->remote_node, edge_tunnel_hello_get(h, "node") ? edge_tunnel_hello_get(h, "node") : "?",
		  sizeof(t->remote_node));
	if (edge_tunnel_h2_start(t) < 0)
		return tunnel_down(t, "cannot start HTTP/2");
	if (t->timer)
		g_source_remove(t->timer), t->timer = 0;
	edge_tunnel_set_state(t, EDGE_T_ACTIVE);
	t->attempt = 0;
	t->last_error[0] = '\0';
	edge_tunnel_ping_start(t);
	plog(PLOG_NOTICE, MOD, "tunnel %u to %s (node %s) active", t->slot, t->peer, t->remote_node);
	check_web_proxy_hosts(t, edge_tunnel_hello_get(h, "web-proxy-hosts"));
	if (rest && edge_tunnel_feed(t, edge_buf_head(&t->hello) + used, rest) < 0)
		tunnel_down(t, t->last_error);
}

static void
tunnel_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct edge_tunnel *t = c->ud;
	struct edge_hello h;
	const char *why = NULL;
	int rc;

	if (t->h2) {
		if (edge_tunnel_feed(t, d, n) < 0)
			tunnel_down(t, t->last_error);
		return;
	}
	if (edge_buf_append(&t->hello, d, n) < 0)
		return tunnel_down(t, "hello reply too long");
	rc = edge_tunnel_hello_parse((const char *)edge_buf_head(&t->hello), edge_buf_len(&t->hello), &h, &why);
	if (rc == EDGE_AGAIN)
		return;
	if (rc < 0)
		return tunnel_down(t, why);
	tunnel_hello_reply(t, &h, (size_t)rc);
}

static void
tunnel_drained(struct edge_conn *c)
{
	edge_tunnel_flush(c->ud);
}

static void
tunnel_closed(struct edge_conn *c, const char *why)
{
	struct edge_tunnel *t = c->ud;
	char msg[300];

	t->conn = NULL;
	if (t->state == EDGE_T_CONNECTING && c->connecting && t->addr_i + 1 < t->naddrs) {
		plog(PLOG_INFO, MOD, "tunnel %u: %s: %s; trying the next address", t->slot, t->peer, why);
		if (t->timer)
			g_source_remove(t->timer), t->timer = 0;
		tunnel_dial(t, &t->addrs[++t->addr_i]);
		return;
	}
	if (t->state == EDGE_T_HELLO && c->eof)
		why = "the outside node closed the connection during the hello";
	else if (t->state == EDGE_T_CONNECTING && strstr(why, "alert")) {
		snprintf(msg, sizeof(msg), "%s (the outside node rejected this node's certificate?)", why);
		why = msg;
	}
	tunnel_down(t, why);
}

static const struct edge_conn_ops tunnel_ops = {
	tunnel_ready, tunnel_data, tunnel_drained, tunnel_closed,
};

static gboolean
tunnel_timeout(gpointer data)
{
	struct edge_tunnel *t = data;

	t->timer = 0;
	tunnel_down(t, "no answer from the outside node in time");
	return G_SOURCE_REMOVE;
}

/* [traversal] connect as an address: a [dns] override or a literal; 0,
 * or -1 when the system resolver must be asked. */
static int
connect_addr_now(const struct edge_config *cfg, struct sockaddr_storage *a)
{
	for (unsigned i = 0; i < cfg->ndns; i++)
		if (!cfg->dns[i].srv && !g_ascii_strcasecmp(cfg->dns[i].name, cfg->t_connect_host) &&
		    addr_parse(cfg->dns[i].values.v[0], cfg->t_connect_port, a) == 0)
			return 0;
	return addr_parse(cfg->t_connect_host, cfg->t_connect_port, a);
}

static void
tunnel_dial(struct edge_tunnel *t, const struct sockaddr_storage *a)
{
	struct edge_proc *p = t->proc;
	gnutls_session_t tls;
	char err[256];

	addr_str(a, t->peer, 1);
	gnutls_init(&tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->t_creds);
	gnutls_server_name_set(tls, GNUTLS_NAME_DNS, p->cfg->t_server_name, strlen(p->cfg->t_server_name));
	t->conn = edge_conn_connect(a, tls, &tunnel_ops, t, err, sizeof(err));
	if (!t->conn)
		return tunnel_down(t, err);
	t->timer = g_timeout_add_seconds(p->cfg->t_handshake_timeout, tunnel_timeout, t);
}

/* An asynchronous lookup of the outside node's name.  The tunnel may be
 * freed meanwhile (process stop): then the lookup is cancelled and the
 * callback touches nothing but itself. */
struct dial_lookup {
	struct edge_tunnel *t;
	GCancellable *cancel;
};

static void
dial_resolved(GObject *src, GAsyncResult *res, gpointer data)
{
	struct dial_lookup *d = data;
	GError *gerr = NULL;
	GList *l = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &gerr);
	struct edge_tunnel *t = d->t;
	struct sockaddr_storage a;
	char err[300];

	if (!g_cancellable_is_cancelled(d->cancel)) {
		t->lookup = NULL;
		if (!l) {
			snprintf(err, sizeof(err), "cannot resolve %s: %s", t->proc->cfg->t_connect_host,
				 gerr ? gerr->message : "no address");
			tunnel_down(t, err);
		} else {
			/* Every address, tried in order when a connect fails. */
			t->naddrs = t->addr_i = 0;
			for (GList *x = l; x && t->naddrs < G_N_ELEMENTS(t->addrs); x = x->next) {
				GSocketAddress *sa = g_inet_socket_address_new(x->data,
									       (guint16)t->proc->cfg->t_connect_port);
				g_socket_address_to_native(sa, &t->addrs[t->naddrs++], sizeof(a), NULL);
				g_object_unref(sa);
			}
			tunnel_dial(t, &t->addrs[0]);
		}
	}
	if (l)
		g_resolver_free_addresses(l);
	if (gerr)
		g_error_free(gerr);
	g_object_unref(d->cancel);
	g_free(d);
}

static void
tunnel_connect(struct edge_tunnel *t)
{
	struct sockaddr_storage a;
	struct dial_lookup *d;
	GResolver *res;

	edge_tunnel_set_state(t, EDGE_T_CONNECTING);
	t->naddrs = t->addr_i = 0;
	if (connect_addr_now(t->proc->cfg, &a) == 0)
		return tunnel_dial(t, &a);
	d = g_new0(struct dial_lookup, 1);
	d->t = t;
	d->cancel = g_cancellable_new();
	t->lookup = d;
	res = g_resolver_get_default();
	g_resolver_lookup_by_name_async(res, t->proc->cfg->t_connect_host, d->cancel, dial_resolved, d);
	g_object_unref(res);
}

static void
tunnel_cancel_lookup(struct edge_tunnel *t)
{
	struct dial_lookup *d = t->lookup;

	if (d)
		g_cancellable_cancel(d->cancel);
	t->lookup = NULL;
}

int
edge_inside_start(struct edge_proc *p, char *err, size_t errlen)
{
	const struct edge_config *cfg = p->cfg;
	struct edge_pair pair = { cfg->t_cert, cfg->t_key };

	if (edge_tls_creds(&p->t_creds, &pair, 1, cfg->t_ca, err, errlen) < 0 ||
	    edge_tls_creds(&p->b_creds, NULL, 0, cfg->w_ca, err, errlen) < 0)
		return -1;
	plog(PLOG_NOTICE, MOD, "inside node %s: guest account client URI %s, %u tunnel connection(s) "
	     "to %s:%d", cfg->node, cfg->w_guest_uri, cfg->t_connections, cfg->t_connect_host,
	     cfg->t_connect_port);
	edge_dns_resolve(p);
	edge_dns_health_start(p);
	for (unsigned i = 0; i < cfg->t_connections; i++) {
		struct edge_tunnel *t = edge_tunnel_new(p, p->cfg, &edge_inside_tunnel_ops, i + 1);
		g_ptr_array_add(p->tunnels, t);
		tunnel_connect(t);
	}
	return 0;
}

void
edge_inside_drain(struct edge_proc *p)
{
	for (guint i = 0; i < p->tunnels->len; i++) {
		struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		if (t->timer)
			g_source_remove(t->timer), t->timer = 0;
		if (!t->h2)
			continue;
		nghttp2_submit_goaway(t->h2, NGHTTP2_FLAG_NONE,
				      nghttp2_session_get_last_proc_stream_id(t->h2), NGHTTP2_NO_ERROR,
				      (const uint8_t *)"draining", 8);
		edge_tunnel_set_state(t, EDGE_T_DRAINING);
		edge_tunnel_pump(t);
		plog(PLOG_NOTICE, MOD, "tunnel %u: draining (%u stream(s) in flight)", t->slot,
		     t->streams.length);
	}
}

int
edge_inside_busy(const struct edge_proc *p)
{
	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		if (t->streams.length || (t->conn && edge_conn_pending(t->conn)))
			return 1;
	}
	return 0;
}

void
edge_inside_stop(struct edge_proc *p)
{
	edge_dns_health_stop(p);
	p->draining = 1;
	edge_bpool_clear(p);
	while (p->tunnels->len) {
		struct edge_tunnel *t = g_ptr_array_index(p->tunnels, 0);
		drop_streams(t);
		tunnel_cancel_lookup(t);
		g_ptr_array_remove_index(p->tunnels, 0);
		edge_tunnel_free(t);
	}
	if (p->t_creds)
		gnutls_certificate_free_credentials(p->t_creds);
	if (p->b_creds)
		gnutls_certificate_free_credentials(p->b_creds);
}
