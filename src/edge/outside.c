/*
 * outside.c: the DMZ role.  Two listeners on the main loop:
 *   traversal  inside nodes dial in (mutual TLS, hello with credentials),
 *              then this node is the HTTP/2 *client* of the tunnel;
 *   webproxy   guests' HTTPS (SNI picks the certificate), one request at a
 *              time per connection, each forwarded as an HTTP/2 stream
 *              (WebSocket upgrades as RFC 8441 extended CONNECT).
 * Deny by default: only configured hosts, a fixed method list, origin-form
 * targets; smuggling-prone heads are refused by http.c.
 *
 * Ownership: proc owns tunnels and guests; a tunnel owns its ostreams
 * (freed on stream close or tunnel teardown); guest and ostream point at
 * each other and each clears the other's pointer when it goes away.
 * Main loop thread only.
 */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "edge/edge-internal.h"

#define MOD "edge"
#define RESP_HEAD_MAX (64u << 10)

enum guest_state { G_HEAD, G_BODY, G_WAIT, G_WS, G_DONE };

struct ostream;

struct guest {
	struct edge_proc *p;
	struct edge_conn *c;
	GList *link;                       /* in p->guests */
	struct edge_buf in;                /* raw bytes from the guest */
	enum guest_state st;
	struct ostream *s;
	guint timer;
	char ip[ADDR_STRLEN];
	/* current request */
	GPtrArray *nvstr;                  /* strings the nva points into */
	nghttp2_nv nva[EDGE_HTTP_MAX_HEADERS + 12];
	size_t nnva;
	char method[16], host[256], path[512];
	int ws, keepalive, is_head, has_body, retried, http10;
	char ws_accept[32];
	int64_t body_left;
	int chunked;
	struct edge_chunked ch;
	struct edge_buf body;              /* guest -> tunnel, capped */
	int body_eof, body_sent;
	int64_t t0;
	size_t scanned;                    /* head bytes already searched for its end */
	guint kick;                        /* idle: process buffered input */
};

struct ostream {
	struct guest *g;
	struct edge_tunnel *t;
	int32_t id;
	GList *link;                       /* in t->streams */
	GPtrArray *resp;                   /* name, value, name, value ... */
	size_t resp_bytes;
	int status, head_sent, resp_chunked, eof, unacked;
	uint64_t mark;                     /* guest conn's queue count before the head */
	char reason[200];                  /* x-portico-edge-reason from the inside */
};

static int guest_process(struct guest *g);
static void guest_kick(struct guest *g);
static void guest_arm(struct guest *g, unsigned seconds);
static void guest_free(struct guest *g);
static void guest_request_done(struct guest *g);
static int guest_submit(struct guest *g);

/* ---------------------------------------------------------------- */
/* Guest responses generated here                                    */

static const char page_502[] =
	"<!doctype html><html><head><title>Meeting service unreachable</title></head><body>"
	"<h1>The meeting service is unreachable</h1><p>The web proxy has no working connection "
	"to the meeting server right now. Please try again in a minute.</p></body></html>\n";

static void
guest_error(struct guest *g, int status, const char *why)
{
	char body[1024];
	int n;

	if (status == 502 || status == 503)
		n = snprintf(body, sizeof(body), "%s", page_502);
	else
		n = snprintf(body, sizeof(body), "%d %s: %s\n", status, edge_http_reason(status), why);
	g->p->ctr.status[status / 100]++;
	{
		char head[512];
		int hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
				  "Content-Length: %d\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n",
				  status, edge_http_reason(status),
				  status >= 500 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8", n);
		edge_conn_write(g->c, head, (size_t)hl);
		edge_conn_write(g->c, body, (size_t)n);
	}
	g->st = G_DONE;
	edge_conn_close_after_flush(g->c);
	g->c = NULL;
	guest_free(g);
}

/* ---------------------------------------------------------------- */
/* Tunnel selection and the traversal listener                       */

/* Round-robin over Active tunnels, preferring those whose inside node
 * serves this host as its Guest account client URI; failing that any
 * Active tunnel, so the inside node can say why it refuses the host. */
static struct edge_tunnel *
pick_tunnel(struct edge_proc *p, const char *host)
{
	unsigned n = p->tunnels->len;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			struct edge_tunnel *t = g_ptr_array_index(p->tunnels, (p->rr + i) % n);
			if (t->state != EDGE_T_ACTIVE || !t->h2 || !t->conn || t->conn->dead)
				continue;
			if (pass == 0 && strcmp(t->guest_host, host))
				continue;
			p->rr = (p->rr + i + 1) % n;
			return t;
		}
	return NULL;
}

static void ostream_free(struct ostream *s);

static int
guest_can_retry(const struct guest *g)
{
	return !g->retried && !g->body_sent && !g->ws && !g->p->draining;
}

/* The tunnel went down after the response head came, but nothing of it
 * has left this node yet (it waits in the guest's output queue) and the
 * request is idempotent without a body: take the head back so the request
 * can be asked again on another tunnel.  0 taken back, -1 committed. */
static int
ostream_take_back(struct ostream *s, struct guest *g)
{
	if (!g->c || g->has_body || !edge_http_method_idempotent(g->method) ||
	    !guest_can_retry(g) || edge_conn_unwrite(g->c, s->mark) < 0)
		return -1;
	g->p->ctr.status[s->status / 100 % 6]--;
	s->head_sent = 0;
	return 0;
}

/* A stream ended without a complete response: retry or tell the guest.
 * lost: the whole tunnel went down (not a reset of this stream alone). */
static void
ostream_abort(struct ostream *s, const char *why, int lost)
{
	struct guest *g = s->g;

	if (!g)
		return;
	g->s = NULL;
	s->g = NULL;
	if (s->head_sent && (!lost || ostream_take_back(s, g) < 0)) {
		plog(PLOG_WARN, MOD, "guest %s: response for %s %s cut short: %s", g->ip, g->method,
		     g->path, why);
		edge_conn_close(g->c);
		g->c = NULL;
		guest_free(g);
		return;
	}
	if (guest_can_retry(g)) {
		g->retried = 1;
		g->p->ctr.retries++;
		plog(PLOG_INFO, MOD, "guest %s: %s %s retried on another tunnel (%s)", g->ip,
		     g->method, g->path, why);
		if (guest_submit(g) == 0)
			return;
	}
	plog(PLOG_WARN, MOD, "guest %s: %s %s failed: %s", g->ip, g->method, g->path, why);
	guest_error(g, 502, why);
}

static void
tunnel_lost(struct edge_tunnel *t, const char *why)
{
	struct edge_proc *p = t->proc;
	struct ostream *s;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING)
		plog(PLOG_WARN, MOD, "tunnel %u from %s (node %s) down: %s", t->slot, t->peer,
		     t->remote_node, why);
	edge_tunnel_set_state(t, EDGE_T_FAILED);
	while ((s = g_queue_pop_head(&t->streams))) {
		s->link = NULL;
		s->t = NULL;
		ostream_abort(s, "the tunnel to the inside node went down", 1);
		ostream_free(s);
	}
	edge_tunnel_teardown(t);
	edge_buf_free(&t->hello);
	g_ptr_array_remove(p->tunnels, t);
	g_free(t);
}

static void
outside_dead_hook(struct edge_tunnel *t, const char *why)
{
	tunnel_lost(t, why);
}

struct authfail {
	unsigned count;
	int64_t start;
};

static int
auth_limited(struct edge_proc *p, const char *ip)
{
	struct authfail *f = g_hash_table_lookup(p->auth_fail, ip);
	int64_t now = edge_util_now_us();

	if (!f)
		return 0;
	if (now - f->start > (int64_t)p->cfg->t_auth_window * 1000000) {
		g_hash_table_remove(p->auth_fail, ip);
		return 0;
	}
	return f->count >= p->cfg->t_max_auth_failures;
}

static void
auth_failed(struct edge_proc *p, const char *ip)
{
	struct authfail *f = g_hash_table_lookup(p->auth_fail, ip);

	p->ctr.auth_failures++;
	if (!f) {
		if (g_hash_table_size(p->auth_fail) > 10000)
			g_hash_table_remove_all(p->auth_fail);
		f = g_new0(struct authfail, 1);
		f->start = edge_util_now_us();
		g_hash_table_insert(p->auth_fail, g_strdup(ip), f);
	}
	f->count++;
}

/* ---- HTTP/2 client callbacks (responses from the inside) ---- */

static int
on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
	  const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct ostream *s = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);

	if (!s || f->hd.type != NGHTTP2_HEADERS || s->head_sent)
		return 0;
	s->resp_bytes += nlen + vlen;
	if (s->resp_bytes > RESP_HEAD_MAX)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (nlen == 7 && !memcmp(name, ":status", 7)) {
		s->status = atoi((const char *)value);
		return 0;
	}
	if (nlen == 21 && !memcmp(name, "x-portico-edge-reason", 21)) {
		snprintf(s->reason, sizeof(s->reason), "%.*s", (int)vlen, value);
		return 0;
	}
	if (name[0] == ':' || edge_http_hop_by_hop(NULL, (const char *)name, nlen))
		return 0;
	g_ptr_array_add(s->resp, g_strndup((const char *)name, nlen));
	g_ptr_array_add(s->resp, g_strndup((const char *)value, vlen));
	return 0;
}

static int
has_body(const struct guest *g, int status)
{
	return !g->is_head && status >= 200 && status != 204 && status != 304;
}

static void
send_head(struct ostream *s, int end_stream)
{
	struct guest *g = s->g;
	struct edge_buf h;
	int has_cl = 0;

	edge_buf_init(&h, RESP_HEAD_MAX + 1024);
	if (g->ws && s->status == 200) {
		edge_buf_printf(&h, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", g->ws_accept);
	} else {
		edge_buf_printf(&h, "HTTP/1.1 %d %s\r\n", s->status, edge_http_reason(s->status));
	}
	for (guint i = 0; i + 1 < s->resp->len; i += 2) {
		const char *n = g_ptr_array_index(s->resp, i), *v = g_ptr_array_index(s->resp, i + 1);
		has_cl |= !g_ascii_strcasecmp(n, "content-length");
		edge_buf_printf(&h, "%s: %s\r\n", n, v);
	}
	if (g->ws && s->status == 200) {
		g->st = G_WS;
		g->p->ctr.websockets++;
	} else {
		if (!has_cl && has_body(g, s->status) && !end_stream && g->http10) {
			g->keepalive = 0;          /* HTTP/1.0: the body ends at close */
		} else if (!has_cl && has_body(g, s->status) && !end_stream) {
			s->resp_chunked = 1;
			edge_buf_printf(&h, "Transfer-Encoding: chunked\r\n");
		} else if (!has_cl && has_body(g, s->status)) {
			edge_buf_printf(&h, "Content-Length: 0\r\n");
		}
		if (g->ws)
			g->keepalive = 0;
		edge_buf_printf(&h, "Connection: %s\r\n", g->keepalive ? "keep-alive" : "close");
	}
	edge_buf_printf(&h, "\r\n");
	s->mark = edge_conn_queued(g->c);
	edge_conn_write(g->c, edge_buf_head(&h), edge_buf_len(&h));
	edge_buf_free(&h);
	s->head_sent = 1;
	g->p->ctr.status[s->status / 100 % 6]++;
	if (s->reason[0])
		plog(PLOG_WARN, MOD, "guest %s: %s %s%s refused by the inside node: %s", g->ip,
		     g->method, g->host, g->path, s->reason);
	plog(PLOG_INFO, MOD, "guest %s: %s %s%s -> %d via tunnel %u%s", g->ip, g->method, g->host,
	     g->path, s->status, s->t ? s->t->slot : 0, g->ws && s->status == 200 ? " (websocket)" : "");
}

static int
on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	struct edge_tunnel *t = ud;
	struct ostream *s;

	edge_tunnel_on_frame(t, f);
	if (f->hd.type == NGHTTP2_GOAWAY) {
		plog(PLOG_NOTICE, MOD, "tunnel %u from %s: the inside node is draining it", t->slot,
		     t->peer);
		edge_tunnel_set_state(t, EDGE_T_DRAINING);
		return 0;
	}
	s = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
	if (!s || !s->g)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && !s->head_sent && s->status >= 200)
		send_head(s, f->hd.flags & NGHTTP2_FLAG_END_STREAM);
	else if (f->hd.type == NGHTTP2_HEADERS && s->status < 200) {
		s->status = 0;                     /* 1xx: wait for the final head */
		g_ptr_array_set_size(s->resp, 0);
		s->resp_bytes = 0;
	}
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		s->eof = 1;
	return 0;
}

static int
on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
{
	struct edge_tunnel *t = ud;
	struct ostream *s = nghttp2_session_get_stream_user_data(h2, id);
	struct guest *g = s ? s->g : NULL;

	nghttp2_session_consume_connection(h2, len);
	t->proc->ctr.bytes_down += len;
	if (!g || !g->c || !s->head_sent) {
		nghttp2_session_consume_stream(h2, id, len);
		return 0;
	}
	if (s->resp_chunked) {
		char sz[24];
		int n = snprintf(sz, sizeof(sz), "%zx\r\n", len);
		edge_conn_write(g->c, sz, (size_t)n);
	}
	if (edge_conn_write(g->c, data, len) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (s->resp_chunked)
		edge_conn_write(g->c, "\r\n", 2);
	/* Reopen the stream window only as fast as the guest drains. */
	if (edge_conn_pending(g->c) <= g->p->cfg->w_stream_buffer)
		nghttp2_session_consume_stream(h2, id, len + (size_t)s->unacked), s->unacked = 0;
	else
		s->unacked += (int)len;
	return 0;
}

static int
on_stream_close(nghttp2_session *h2, int32_t id, uint32_t code, void *ud)
{
	struct ostream *s = nghttp2_session_get_stream_user_data(h2, id);
	struct guest *g;
	char why[128];

	if (!s)
		return 0;
	nghttp2_session_set_stream_user_data(h2, id, NULL);
	if (s->link && s->t)
		g_queue_delete_link(&s->t->streams, s->link), s->link = NULL;
	g = s->g;
	if (g && s->eof && s->head_sent && code == NGHTTP2_NO_ERROR) {
		if (s->resp_chunked)
			edge_conn_write(g->c, "0\r\n\r\n", 5);
		g->s = NULL;
		s->g = NULL;
		guest_request_done(g);
	} else if (g) {
		snprintf(why, sizeof(why), "the inside node reset the stream (%s)",
			 nghttp2_http2_strerror(code));
		ostream_abort(s, code == NGHTTP2_REFUSED_STREAM ?
			      "the tunnel refused the stream (draining)" : why, 0);
	}
	ostream_free(s);
	return 0;
}

static ssize_t
body_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
	  nghttp2_data_source *src, void *ud)
{
	struct ostream *s = src->ptr;
	struct guest *g = s->g;
	size_t n;

	if (!g) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		return 0;
	}
	n = edge_buf_len(&g->body) < len ? edge_buf_len(&g->body) : len;
	if (n)
		memcpy(buf, edge_buf_head(&g->body), n);
	edge_buf_consume(&g->body, n);
	g->body_sent |= n > 0;
	g->p->ctr.bytes_up += n;
	if (g->c && n) {
		edge_conn_pause(g->c, 0);          /* room again: read the guest */
		guest_kick(g);
	}
	if (!edge_buf_len(&g->body) && g->body_eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	return (ssize_t)n;
}

static void
ostream_free(struct ostream *s)
{
	if (s->g)
		s->g->s = NULL;
	g_ptr_array_free(s->resp, TRUE);
	g_free(s);
}

/* ---- traversal connections ---- */

static nghttp2_session_callbacks *
client_callbacks(void)
{
	static nghttp2_session_callbacks *cbs;

	if (!cbs) {
		nghttp2_session_callbacks_new(&cbs);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	return cbs;
}

static void
tunnel_deny(struct edge_tunnel *t, const char *check, const char *why)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "PORTICO-TRAVERSAL/1 DENIED\r\ncheck: %s\r\nreason: %s\r\n\r\n",
			 check, why);

	plog(PLOG_WARN, MOD, "tunnel from %s refused: %s check failed: %s", t->peer, check, why);
	auth_failed(t->proc, t->peer);
	edge_conn_write(t->conn, msg, (size_t)n);
	edge_conn_close_after_flush(t->conn);
	t->conn = NULL;
	tunnel_lost(t, why);
}

static int
check_credentials(struct edge_proc *p, const char *user, const char *pass)
{
	const char *stored = NULL;
	int ok;

	for (unsigned i = 0; i < p->cfg->nusers; i++)
		if (!g_ascii_strcasecmp(p->cfg->users[i].name, user))
			stored = p->cfg->users[i].password;
	/* Compare even for unknown users, so timing does not reveal names. */
	ok = edge_tls_secret_equal(stored ? stored : "\x01unknown", pass);
	return ok && stored && edge_config_is_account(p->cfg, user);
}

static void
tunnel_accept_hello(struct edge_tunnel *t, const struct edge_hello *h, size_t used)
{
	struct edge_proc *p = t->proc;
	const char *user = edge_tunnel_hello_get(h, "user"), *pass = edge_tunnel_hello_get(h, "password");
	const char *gh = edge_tunnel_hello_get(h, "guest-host"), *node = edge_tunnel_hello_get(h, "node");
	char why[300], reply[1024];
	size_t rest = edge_buf_len(&t->hello) - used;
	int n;

	if (strcmp(h->verb, "HELLO"))
		return tunnel_deny(t, "protocol", "expected HELLO");
	if (edge_tls_check_peer(t->conn->tls, p->cfg->t_verify_name, why, sizeof(why)) < 0) {
		if (strstr(why, "subjectAltName"))
			g_strlcat(why, " (TLS verify subject name)", sizeof(why));
		return tunnel_deny(t, "certificate", why);
	}
	if (!user || !pass || !check_credentials(p, user, pass))
		return tunnel_deny(t, "credentials", user ?
				   "unknown traversal account or wrong password" : "no username given");
	g_hash_table_remove(p->auth_fail, t->peer);
	g_strlcpy(t->user, user, sizeof(t->user));
	g_strlcpy(t->remote_node, node ? node : "?", sizeof(t->remote_node));
	g_strlcpy(t->guest_host, gh ? gh : "", sizeof(t->guest_host));
	g_strlcpy(t->domains, edge_tunnel_hello_get(h, "domains") ? edge_tunnel_hello_get(h, "domains") : "",
		  sizeof(t->domains));
	n = snprintf(reply, sizeof(reply), "PORTICO-TRAVERSAL/1 OK\r\nnode: %s\r\nweb-proxy-hosts: ",
		     p->cfg->node);
	for (unsigned i = 0; i < p->cfg->w_hosts.n; i++)
		n += snprintf(reply + n, sizeof(reply) - (size_t)n, "%s%s", i ? "," : "",
			      p->cfg->w_hosts.v[i]);
	n += snprintf(reply + n, sizeof(reply) - (size_t)n, "\r\n\r\n");
	edge_conn_write(t->conn, reply, (size_t)n);
	if (t->timer)
		g_source_remove(t->timer), t->timer = 0;
	if (edge_tunnel_h2_start(t, client_callbacks(), 0) < 0)
		return tunnel_lost(t, "cannot start HTTP/2");
	edge_tunnel_set_state(t, EDGE_T_ACTIVE);
	edge_tunnel_ping_start(t);
	plog(PLOG_NOTICE, MOD, "tunnel %u from %s up: node %s, account %s, domains %s, "
	     "guest account client URI host %s", t->slot, t->peer, t->remote_node, t->user,
	     t->domains[0] ? t->domains : "-", t->guest_host[0] ? t->guest_host : "-");
	if (rest && edge_tunnel_feed(t, edge_buf_head(&t->hello) + used, rest) < 0) {
		tunnel_lost(t, t->last_error);
		return;
	}
	explicit_bzero(t->hello.data, t->hello.alloc);     /* it held the password */
	edge_buf_free(&t->hello);
}

static void
traversal_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct edge_tunnel *t = c->ud;
	struct edge_hello h;
	const char *why = NULL;
	int rc;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING) {
		if (edge_tunnel_feed(t, d, n) < 0)
			tunnel_lost(t, t->last_error);
		return;
	}
	if (edge_buf_append(&t->hello, d, n) < 0)
		return tunnel_deny(t, "protocol", "hello too long");
	rc = edge_tunnel_hello_parse((const char *)edge_buf_head(&t->hello), edge_buf_len(&t->hello), &h, &why);
	if (rc == EDGE_AGAIN)
		return;
	if (rc < 0)
		return tunnel_deny(t, "protocol", why);
	tunnel_accept_hello(t, &h, (size_t)rc);
	explicit_bzero(&h, sizeof(h));
}

static void
traversal_ready(struct edge_conn *c)
{
	struct edge_tunnel *t = c->ud;

	edge_tunnel_set_state(t, EDGE_T_HELLO);
}

static void
traversal_drained(struct edge_conn *c)
{
	edge_tunnel_flush(c->ud);
}

static void
traversal_closed(struct edge_conn *c, const char *why)
{
	struct edge_tunnel *t = c->ud;

	t->conn = NULL;
	if (t->state == EDGE_T_CONNECTING || t->state == EDGE_T_HELLO) {
		plog(PLOG_WARN, MOD, "tunnel from %s failed before authentication: %s", t->peer, why);
		if (t->state == EDGE_T_CONNECTING)
			auth_failed(t->proc, t->peer);
	}
	tunnel_lost(t, why);
}

static const struct edge_conn_ops traversal_ops = {
	traversal_ready, traversal_data, traversal_drained, traversal_closed,
};

static gboolean
traversal_timeout(gpointer data)
{
	struct edge_tunnel *t = data;

	t->timer = 0;
	plog(PLOG_WARN, MOD, "tunnel from %s: no hello within %u s, closed", t->peer,
	     t->proc->cfg->t_handshake_timeout);
	tunnel_lost(t, "handshake timeout");
	return G_SOURCE_REMOVE;
}

static int
peer_allowed(const struct edge_config *cfg, const struct sockaddr_storage *a)
{
	struct sockaddr_storage canon;

	if (!cfg->t_nallow)
		return 1;
	addr_canonical(a, &canon);
	for (unsigned i = 0; i < cfg->t_nallow; i++)
		if (cfg->t_allow[i].af == canon.ss_family && cidr_match(&cfg->t_allow[i], &canon))
			return 1;
	return 0;
}

#define TUNNEL_PENDING_MAX 32u      /* connections still in TLS or hello */
#define TUNNEL_MAX 256u

static unsigned
pending_tunnels(const struct edge_proc *p)
{
	unsigned n = 0;

	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		n += t->state == EDGE_T_CONNECTING || t->state == EDGE_T_HELLO;
	}
	return n;
}

static void
traversal_accept_one(struct edge_proc *p, int fd, const struct sockaddr_storage *a)
{
	gnutls_session_t tls;
	struct edge_tunnel *t;
	char ip[ADDR_STRLEN];

	addr_str(a, ip, 0);
	if (!peer_allowed(p->cfg, a)) {
		p->ctr.peer_refused++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: not in [traversal] allow", ip);
		close(fd);
		return;
	}
	if (auth_limited(p, ip)) {
		p->ctr.auth_rate_limited++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: too many failed attempts "
		     "(%u in %u s)", ip, p->cfg->t_max_auth_failures, p->cfg->t_auth_window);
		close(fd);
		return;
	}
	if (pending_tunnels(p) >= TUNNEL_PENDING_MAX || p->tunnels->len >= TUNNEL_MAX) {
		p->ctr.peer_refused++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: too many tunnel connections "
		     "(%u, of which %u unauthenticated)", ip, p->tunnels->len, pending_tunnels(p));
		close(fd);
		return;
	}
	if (p->draining || gnutls_init(&tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->t_creds);
	/* Ask for the client certificate but judge it ourselves after the
	 * handshake, so the refusal can say which check failed. */
	gnutls_certificate_server_set_request(tls, GNUTLS_CERT_REQUEST);
	gnutls_certificate_send_x509_rdn_sequence(tls, 1);
	p->ctr.tunnel_accepts++;
	t = edge_tunnel_new(p, ++p->tunnel_seq);
	g_strlcpy(t->peer, ip, sizeof(t->peer));
	g_ptr_array_add(p->tunnels, t);
	t->conn = edge_conn_new(fd, tls, 0, &traversal_ops, t);
	t->timer = g_timeout_add_seconds(p->cfg->t_handshake_timeout, traversal_timeout, t);
}

static int
accept_fd(int lfd, struct sockaddr_storage *a)
{
	socklen_t sl = sizeof(*a);

	return accept4(lfd, (struct sockaddr *)a, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static gboolean traversal_accept(gint fd, GIOCondition cond, gpointer data);
static gboolean guest_accept(gint fd, GIOCondition cond, gpointer data);

static void
listeners_watch(struct edge_proc *p)
{
	if (p->t_fd >= 0 && !p->t_src)
		p->t_src = g_unix_fd_add(p->t_fd, G_IO_IN, traversal_accept, p);
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_fd[i] >= 0 && !p->w_src[i])
			p->w_src[i] = g_unix_fd_add(p->w_fd[i], G_IO_IN, guest_accept, p);
}

static void
listeners_unwatch(struct edge_proc *p)
{
	if (p->t_src)
		g_source_remove(p->t_src), p->t_src = 0;
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_src[i])
			g_source_remove(p->w_src[i]), p->w_src[i] = 0;
}

static gboolean
relisten(gpointer data)
{
	struct edge_proc *p = data;

	p->relisten_timer = 0;
	listeners_watch(p);
	return G_SOURCE_REMOVE;
}

/* After an accept loop: out of descriptors means the listener stays
 * readable; stop watching for a second instead of spinning. */
static gboolean
accept_done(struct edge_proc *p)
{
	if (errno != EMFILE && errno != ENFILE)
		return G_SOURCE_CONTINUE;
	plog(PLOG_WARN, MOD, "out of file descriptors (%s): not accepting for 1 s", strerror(errno));
	listeners_unwatch(p);
	if (!p->relisten_timer)
		p->relisten_timer = g_timeout_add_seconds(1, relisten, p);
	return G_SOURCE_REMOVE;
}

static gboolean
traversal_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct sockaddr_storage a;
	int cfd;

	while ((cfd = accept_fd(fd, &a)) >= 0)
		traversal_accept_one(data, cfd, &a);
	return accept_done(data);
}

/* ---------------------------------------------------------------- */
/* Guests                                                            */

static gboolean
guest_kick_idle(gpointer data)
{
	struct guest *g = data;

	g->kick = 0;
	if (g->c && edge_buf_len(&g->in))
		guest_process(g);
	return G_SOURCE_REMOVE;
}

/* Process buffered input from the main loop, outside any nghttp2 call. */
static void
guest_kick(struct guest *g)
{
	if (!g->kick && edge_buf_len(&g->in))
		g->kick = g_idle_add(guest_kick_idle, g);
}

static void
guest_free(struct guest *g)
{
	struct edge_proc *p = g->p;

	if (g->kick)
		g_source_remove(g->kick);
	if (g->s) {
		struct ostream *s = g->s;
		s->g = NULL;
		if (s->t && s->t->h2) {
			nghttp2_submit_rst_stream(s->t->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
			edge_tunnel_pump(s->t);
		}
	}
	if (g->timer)
		g_source_remove(g->timer);
	edge_conn_close(g->c);
	if (g->link)
		g_queue_delete_link(&p->guests, g->link);
	p->ctr.guest_conns_open--;
	edge_buf_free(&g->in);
	edge_buf_free(&g->body);
	if (g->nvstr)
		g_ptr_array_free(g->nvstr, TRUE);
	g_free(g);
}

static gboolean
guest_timeout(gpointer data)
{
	struct guest *g = data;

	g->timer = 0;
	if (g->st == G_BODY) {
		/* A body that stops arriving (slow POST) is cut like a slow head. */
		g->p->ctr.timeouts++;
		plog(PLOG_NOTICE, MOD, "guest %s: request body stalled for %u s, closed", g->ip,
		     g->p->cfg->w_idle_timeout);
		guest_free(g);                     /* resets the stream */
		return G_SOURCE_REMOVE;
	}
	if (g->st != G_HEAD) {
		/* Waiting for the response: its life is the tunnel's business. */
		guest_arm(g, g->p->cfg->w_idle_timeout);
		return G_SOURCE_REMOVE;
	}
	g->p->ctr.timeouts++;
	if (edge_buf_len(&g->in)) {
		plog(PLOG_NOTICE, MOD, "guest %s: request head not complete within %u s (slowloris?), "
		     "closed", g->ip, g->p->cfg->w_header_timeout);
		guest_error(g, 408, "request head not received in time");
		return G_SOURCE_REMOVE;
	}
	plog(PLOG_DEBUG, MOD, "guest %s: idle, closed", g->ip);
	guest_free(g);
	return G_SOURCE_REMOVE;
}

static void
guest_arm(struct guest *g, unsigned seconds)
{
	if (g->timer)
		g_source_remove(g->timer);
	g->timer = seconds ? g_timeout_add_seconds(seconds, guest_timeout, g) : 0;
}

static const char *
nvdup(struct guest *g, const char *s, size_t n, int lower)
{
	char *d = lower ? g_ascii_strdown(s, (gssize)n) : g_strndup(s, n);

	g_ptr_array_add(g->nvstr, d);
	return d;
}

static void
nv_add(struct guest *g, const char *n, const char *v)
{
	g->nva[g->nnva++] = edge_tunnel_nv(n, v);
}

static int
skip_request_header(const struct edge_http_msg *m, const struct edge_http_header *h)
{
	static const char *const drop[] = {
		"host", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
		"x-real-ip", "sec-websocket-key", "x-portico-edge-reason", "expect",
	};

	if (edge_http_hop_by_hop(m, h->name, h->name_len))
		return 1;
	for (size_t i = 0; i < G_N_ELEMENTS(drop); i++)
		if (h->name_len == strlen(drop[i]) && !g_ascii_strncasecmp(h->name, drop[i], h->name_len))
			return 1;
	return 0;
}

/* Build the HTTP/2 request (kept in g->nva for a possible retry). */
static void
build_request(struct guest *g, const struct edge_http_msg *m)
{
	char fwd[512];

	g->nnva = 0;
	if (g->nvstr)
		g_ptr_array_free(g->nvstr, TRUE);
	g->nvstr = g_ptr_array_new_with_free_func(g_free);
	nv_add(g, ":method", g->ws ? "CONNECT" : g->method);
	if (g->ws)
		nv_add(g, ":protocol", "websocket");
	nv_add(g, ":scheme", "https");
	nv_add(g, ":authority", g->host);
	nv_add(g, ":path", nvdup(g, m->target, m->target_len, 0));
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct edge_http_header *h = &m->headers[i];
		if (skip_request_header(m, h))
			continue;
		nv_add(g, nvdup(g, h->name, h->name_len, 1), nvdup(g, h->value, h->value_len, 0));
	}
	snprintf(fwd, sizeof(fwd), strchr(g->ip, ':') ? "for=\"[%s]\";proto=https;host=%s" :
		 "for=%s;proto=https;host=%s", g->ip, g->host);
	nv_add(g, "forwarded", nvdup(g, fwd, strlen(fwd), 0));
	nv_add(g, "x-forwarded-for", g->ip);
	nv_add(g, "x-forwarded-proto", "https");
	nv_add(g, "x-forwarded-host", g->host);
}

static int
guest_submit(struct guest *g)
{
	struct edge_tunnel *t = pick_tunnel(g->p, g->host);
	struct ostream *s;
	nghttp2_data_provider dp;
	int32_t id;

	if (!t)
		return -1;
	s = g_new0(struct ostream, 1);
	s->g = g;
	s->t = t;
	s->resp = g_ptr_array_new_with_free_func(g_free);
	dp.source.ptr = s;
	dp.read_callback = body_read;
	id = nghttp2_submit_request(t->h2, NULL, g->nva, g->nnva,
				    g->has_body || g->ws ? &dp : NULL, s);
	if (id < 0) {
		ostream_free(s);
		return -1;
	}
	s->id = id;
	g_queue_push_tail(&t->streams, s);
	s->link = g_queue_peek_tail_link(&t->streams);
	t->streams_total++;
	g->s = s;
	edge_tunnel_pump(t);
	return 0;
}

static int
host_served(const struct edge_config *cfg, const char *host)
{
	for (unsigned i = 0; i < cfg->w_hosts.n; i++)
		if (!strcmp(cfg->w_hosts.v[i], host))
			return 1;
	return 0;
}

static const struct edge_http_header *
find_header(const struct edge_http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (m->headers[i].name_len == strlen(name) &&
		    !g_ascii_strncasecmp(m->headers[i].name, name, m->headers[i].name_len))
			return &m->headers[i];
	return NULL;
}

/* Validate a parsed head; 0 to forward, or answers the guest and -1. */
static int
guest_validate(struct guest *g, const struct edge_http_msg *m)
{
	struct edge_proc *p = g->p;
	const struct edge_http_header *key, *ver;
	int port;

	snprintf(g->method, sizeof(g->method), "%.*s", (int)(m->method_len < 15 ? m->method_len : 15),
		 m->method);
	snprintf(g->path, sizeof(g->path), "%.*s", (int)(m->target_len < 200 ? m->target_len : 200),
		 m->target);
	if (edge_util_authority_host(m->host, m->host_len, g->host, sizeof(g->host), &port) < 0) {
		p->ctr.refused_bad_request++;
		plog(PLOG_NOTICE, MOD, "guest %s: Bad Request: malformed Host", g->ip);
		guest_error(g, 400, "malformed Host");
		return -1;
	}
	if (!host_served(p->cfg, g->host)) {
		p->ctr.refused_host++;
		plog(PLOG_NOTICE, MOD, "guest %s: Bad Request: host %s is not configured as a web-proxy "
		     "host ([webproxy] hosts)", g->ip, g->host);
		guest_error(g, 400, "this host is not served here");
		return -1;
	}
	if (!edge_http_method_allowed(g->method)) {
		p->ctr.refused_method++;
		plog(PLOG_NOTICE, MOD, "guest %s: method %s refused", g->ip, g->method);
		guest_error(g, 405, "method not allowed");
		return -1;
	}
	g->is_head = !strcmp(g->method, "HEAD");
	g->ws = m->upgrade_websocket && m->conn_upgrade && !strcmp(g->method, "GET");
	if (g->ws) {
		key = find_header(m, "sec-websocket-key");
		ver = find_header(m, "sec-websocket-version");
		if (!key || !ver || ver->value_len != 2 || memcmp(ver->value, "13", 2) ||
		    m->content_length > 0 || m->chunked) {
			p->ctr.refused_bad_request++;
			guest_error(g, 400, "malformed WebSocket upgrade");
			return -1;
		}
		edge_http_ws_accept(key->value, key->value_len, g->ws_accept);
	}
	return 0;
}

/* 0: forwarded (g alive); -1: answered and freed. */
static int
guest_start_request(struct guest *g, const struct edge_http_msg *m, size_t head_len)
{
	struct edge_proc *p = g->p;

	if (guest_validate(g, m) < 0)
		return -1;
	p->ctr.requests++;
	g->keepalive = !m->conn_close && m->minor == 1 && !g->ws;
	g->http10 = m->minor == 0;
	g->chunked = m->chunked;
	g->body_left = m->content_length > 0 ? m->content_length : 0;
	g->has_body = m->chunked || m->content_length > 0;
	memset(&g->ch, 0, sizeof(g->ch));
	g->body_eof = !g->has_body && !g->ws;
	g->body_sent = 0;
	g->retried = 0;
	g->t0 = edge_util_now_us();
	build_request(g, m);
	edge_buf_consume(&g->in, head_len);
	g->scanned = 0;
	/* Expect: 100-continue is answered here: the body is buffered and
	 * capped by this node whatever the web bridge would have said. */
	if (g->has_body && m->minor == 1 && find_header(m, "expect"))
		edge_conn_write(g->c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	guest_arm(g, g->ws ? 0 : p->cfg->w_idle_timeout);
	if (guest_submit(g) < 0) {
		p->ctr.no_tunnel++;
		plog(PLOG_WARN, MOD, "guest %s: %s %s%s: 502, the meeting service is unreachable: no "
		     "traversal tunnel from an inside node is up", g->ip, g->method, g->host, g->path);
		guest_error(g, 502, "no tunnel");
		return -1;
	}
	g->st = g->has_body || g->ws ? G_BODY : G_WAIT;
	return 0;
}

/* Move request body bytes from g->in to g->body, within the body cap. */
static int
guest_body(struct guest *g)
{
	size_t avail = edge_buf_len(&g->in), room = edge_buf_room(&g->body), take, outlen = 0;
	const char *why = NULL;
	long used;

	if (g->st == G_WS || !g->chunked) {
		take = avail < room ? avail : room;
		if (g->st != G_WS && (int64_t)take > g->body_left)
			take = (size_t)g->body_left;
		edge_buf_append(&g->body, edge_buf_head(&g->in), take);
		edge_buf_consume(&g->in, take);
		if (g->st != G_WS && (g->body_left -= (int64_t)take) == 0)
			g->body_eof = 1;
	} else {
		uint8_t tmp[16384];
		take = avail < room ? avail : room;
		if (take > sizeof(tmp))
			take = sizeof(tmp);
		used = edge_http_chunked(&g->ch, edge_buf_head(&g->in), take, tmp, &outlen, &why);
		if (used < 0) {
			g->p->ctr.refused_bad_request++;
			plog(PLOG_NOTICE, MOD, "guest %s: Bad Request: %s", g->ip, why);
			return -1;
		}
		edge_buf_append(&g->body, tmp, outlen);
		edge_buf_consume(&g->in, (size_t)used);
		g->body_eof = g->ch.done;
	}
	if (g->s && g->s->t && g->s->t->h2) {
		nghttp2_session_resume_data(g->s->t->h2, g->s->id);
		edge_tunnel_pump(g->s->t);
	}
	if (g->body_eof && g->st == G_BODY)
		g->st = G_WAIT;
	return 0;
}

/* Act on buffered input.  0, or -1 when g was answered and freed. */
static int
guest_process(struct guest *g)
{
	struct edge_http_msg m;
	const char *why = NULL;
	int rc;

	if (g->st == G_HEAD && edge_buf_len(&g->in)) {
		rc = edge_http_head_end((const char *)edge_buf_head(&g->in), edge_buf_len(&g->in),
					g->p->cfg->w_max_head, &g->scanned, &why);
		if (rc == EDGE_AGAIN)
			return 0;
		if (rc > 0)
			rc = edge_http_parse_request((const char *)edge_buf_head(&g->in), edge_buf_len(&g->in),
					     g->p->cfg->w_max_head, &m, &why);
		if (rc == EDGE_AGAIN)
			return 0;
		if (rc < 0) {
			g->p->ctr.refused_bad_request++;
			plog(PLOG_NOTICE, MOD, "guest %s: Bad Request: %s", g->ip, why);
			guest_error(g, 400, why);
			return -1;
		}
		if (guest_start_request(g, &m, (size_t)rc) < 0)
			return -1;
	}
	if ((g->st == G_BODY || g->st == G_WS) && edge_buf_len(&g->in) && guest_body(g) < 0) {
		if (g->s) {
			struct ostream *s = g->s;
			g->s = NULL, s->g = NULL;
			if (s->t && s->t->h2)
				nghttp2_submit_rst_stream(s->t->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
		}
		guest_error(g, 400, "malformed chunked body");
		return -1;
	}
	return 0;
}

static void
guest_request_done(struct guest *g)
{
	plog(PLOG_DEBUG, MOD, "guest %s: request done in %lld ms", g->ip,
	     (long long)((edge_util_now_us() - g->t0) / 1000));
	if (!g->keepalive || !g->body_eof || g->p->draining || !g->c) {
		edge_conn_close_after_flush(g->c);
		g->c = NULL;
		guest_free(g);
		return;
	}
	g->st = G_HEAD;
	edge_buf_free(&g->body);
	edge_buf_init(&g->body, g->p->cfg->w_stream_buffer);
	guest_arm(g, g->p->cfg->w_idle_timeout);
	edge_conn_pause(g->c, 0);
	if (edge_buf_len(&g->in))
		guest_process(g);
}

static void
guest_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct guest *g = c->ud;

	if (edge_buf_append(&g->in, d, n) < 0) {
		/* Pipelined or body bytes beyond the cap: stop reading until
		 * the stream takes some; the kernel buffers the rest. */
		plog(PLOG_NOTICE, MOD, "guest %s: input buffer full", g->ip);
		guest_error(g, 400, "request too large");
		return;
	}
	if (g->st == G_HEAD && edge_buf_len(&g->in) == n)
		guest_arm(g, g->p->cfg->w_header_timeout);   /* a new head starts */
	else if (g->st == G_BODY)
		guest_arm(g, g->p->cfg->w_idle_timeout);     /* the body progresses */
	if (guest_process(g) < 0)
		return;
	if (g->c && edge_buf_len(&g->in) >= g->p->cfg->w_max_head)
		edge_conn_pause(g->c, 1);
}

static void
guest_drained(struct edge_conn *c)
{
	struct guest *g = c->ud;
	struct ostream *s = g->s;

	if (s && s->unacked && s->t && s->t->h2) {
		nghttp2_session_consume_stream(s->t->h2, s->id, (size_t)s->unacked);
		s->unacked = 0;
		edge_tunnel_pump(s->t);
	}
}

static void
guest_closed(struct edge_conn *c, const char *why)
{
	struct guest *g = c->ud;

	g->c = NULL;
	if (g->s && g->st == G_WS && g->s->t) {
		/* End of the guest's WebSocket: finish the stream cleanly. */
		g->body_eof = 1;
		nghttp2_session_resume_data(g->s->t->h2, g->s->id);
		edge_tunnel_pump(g->s->t);
		g->s->g = NULL;
		g->s = NULL;
	}
	guest_free(g);
}

static const struct edge_conn_ops guest_ops = {
	NULL, guest_data, guest_drained, guest_closed,
};

static void
guest_accept_one(struct edge_proc *p, int fd, const struct sockaddr_storage *a)
{
	gnutls_session_t tls;
	struct guest *g;

	if (p->draining || p->ctr.guest_conns_open >= p->cfg->w_max_connections) {
		p->ctr.refused_too_many++;
		close(fd);
		return;
	}
	if (gnutls_init(&tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->w_creds);
	g = g_new0(struct guest, 1);
	g->p = p;
	addr_str(a, g->ip, 0);
	edge_buf_init(&g->in, p->cfg->w_max_head + p->cfg->w_stream_buffer + 16384);
	edge_buf_init(&g->body, p->cfg->w_stream_buffer);
	p->ctr.guest_conns++;
	p->ctr.guest_conns_open++;
	g_queue_push_tail(&p->guests, g);
	g->link = g_queue_peek_tail_link(&p->guests);
	g->c = edge_conn_new(fd, tls, 0, &guest_ops, g);
	guest_arm(g, p->cfg->w_header_timeout);    /* covers the TLS handshake too */
}

static gboolean
guest_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct sockaddr_storage a;
	int cfd;

	while ((cfd = accept_fd(fd, &a)) >= 0)
		guest_accept_one(data, cfd, &a);
	return accept_done(data);
}

/* ---------------------------------------------------------------- */

int
edge_outside_start(struct edge_proc *p, char *err, size_t errlen)
{
	const struct edge_config *cfg = p->cfg;
	struct edge_pair t = { cfg->t_cert, cfg->t_key };
	char s[ADDR_STRLEN];

	edge_tunnel_dead_hook = outside_dead_hook;
	p->auth_fail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (edge_tls_creds(&p->t_creds, &t, 1, cfg->t_ca, err, errlen) < 0 ||
	    edge_tls_creds(&p->w_creds, cfg->w_certs, cfg->w_ncerts, NULL, err, errlen) < 0)
		return -1;
	if ((p->t_fd = edge_util_listen_tcp(&cfg->t_listen, err, errlen)) < 0)
		return -1;
	plog(PLOG_NOTICE, MOD, "traversal listener on %s (verify subject name %s)",
	     addr_str(&cfg->t_listen, s, 1), cfg->t_verify_name);
	for (unsigned i = 0; i < cfg->w_nlisten; i++) {
		if ((p->w_fd[i] = edge_util_listen_tcp(&cfg->w_listen[i], err, errlen)) < 0)
			return -1;
		plog(PLOG_NOTICE, MOD, "web proxy listener on %s for %s%s", addr_str(&cfg->w_listen[i], s, 1),
		     cfg->w_hosts.v[0], cfg->w_hosts.n > 1 ? " and others" : "");
	}
	listeners_watch(p);
	return 0;
}

static void
close_listeners(struct edge_proc *p)
{
	listeners_unwatch(p);
	if (p->relisten_timer)
		g_source_remove(p->relisten_timer), p->relisten_timer = 0;
	if (p->t_fd >= 0)
		close(p->t_fd), p->t_fd = -1;
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_fd[i] >= 0)
			close(p->w_fd[i]), p->w_fd[i] = -1;
}

void
edge_outside_drain(struct edge_proc *p)
{
	close_listeners(p);
	/* Idle keep-alive guests go now; the ones mid-request finish first. */
	for (GList *l = p->guests.head; l;) {
		struct guest *g = l->data;
		l = l->next;
		if (g->st == G_HEAD && !edge_buf_len(&g->in))
			guest_free(g);
	}
}

int
edge_outside_busy(const struct edge_proc *p)
{
	return p->guests.length > 0;
}

void
edge_outside_stop(struct edge_proc *p)
{
	close_listeners(p);
	while (p->guests.head)
		guest_free(p->guests.head->data);
	while (p->tunnels->len)
		tunnel_lost(g_ptr_array_index(p->tunnels, 0), "shutting down");
	if (p->auth_fail)
		g_hash_table_destroy(p->auth_fail);
	if (p->t_creds)
		gnutls_certificate_free_credentials(p->t_creds);
	if (p->w_creds)
		gnutls_certificate_free_credentials(p->w_creds);
}
