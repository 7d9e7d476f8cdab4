/*
 * guest.c: the outside role's guest-proxy half.  Guests' HTTPS connections
 * (SNI picks the certificate), one request at a time per connection: the
 * head is parsed and judged here (deny by default: configured hosts, the
 * guest method list, origin-form targets; smuggling-prone heads are
 * refused by http.c), then forwarded as an HTTP/2 stream on a tunnel
 * (WebSocket upgrades as RFC 8441 extended CONNECT) with the request body
 * fed from a capped buffer.  The answer comes back through ostream.c.
 *
 * Ownership: proc->guests owns the guests; guest and ostream point at each
 * other and each clears the other's pointer when it goes away.
 * Main loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "edge/outside-internal.h"

#define MOD "edge"

static int guest_process(struct guest *g);
static void guest_arm(struct guest *g, unsigned seconds);

/* ---------------------------------------------------------------- */
/* Guest responses generated here                                    */

static const char page_502[] =
	"<!doctype html><html><head><title>Meeting service unreachable</title></head><body>"
	"<h1>The meeting service is unreachable</h1><p>The web proxy has no working connection "
	"to the meeting server right now. Please try again in a minute.</p></body></html>\n";

void
edge_guest_error(struct guest *g, int status, const char *why)
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
	edge_guest_free(g);
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
		edge_guest_kick(g);
	}
	if (!edge_buf_len(&g->body) && g->body_eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	return (ssize_t)n;
}

void
edge_guest_stream_free(struct ostream *s)
{
	if (s->g)
		s->g->s = NULL;
	g_ptr_array_free(s->resp, TRUE);
	g_free(s);
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
void
edge_guest_kick(struct guest *g)
{
	if (!g->kick && edge_buf_len(&g->in))
		g->kick = g_idle_add(guest_kick_idle, g);
}

/* The guest gives up its stream: reset it (the tunnel frees it). */
static void
stream_cancel(struct guest *g)
{
	struct ostream *s = g->s;

	if (!s)
		return;
	g->s = NULL;
	s->g = NULL;
	if (s->t && s->t->h2) {
		nghttp2_submit_rst_stream(s->t->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
		edge_tunnel_pump(s->t);
	}
}

void
edge_guest_free(struct guest *g)
{
	struct edge_proc *p = g->p;

	if (g->kick)
		g_source_remove(g->kick);
	stream_cancel(g);
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
		edge_guest_free(g);                     /* resets the stream */
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
		edge_guest_error(g, 408, "request head not received in time");
		return G_SOURCE_REMOVE;
	}
	plog(PLOG_DEBUG, MOD, "guest %s: idle, closed", g->ip);
	edge_guest_free(g);
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

int
edge_guest_submit(struct guest *g)
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
		edge_guest_stream_free(s);
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

/* A connection opened (TLS SNI) for one name carries requests for that
 * name only (RFC 9110 15.5.20): the certificate was chosen for it.  A
 * guest that sent no SNI is judged by Host alone. */
static int
sni_differs(const struct guest *g)
{
	char sni[256];
	size_t len = sizeof(sni);
	unsigned type;

	if (!g->c || !g->c->tls || gnutls_server_name_get(g->c->tls, sni, &len, &type, 0) < 0 ||
	    type != GNUTLS_NAME_DNS)
		return 0;
	return g_ascii_strcasecmp(sni, g->host) != 0;
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
		edge_guest_error(g, 400, "malformed Host");
		return -1;
	}
	if (!host_served(p->cfg, g->host)) {
		p->ctr.refused_host++;
		plog(PLOG_NOTICE, MOD, "guest %s: Bad Request: host %s is not configured as a web-proxy "
		     "host ([webproxy] hosts)", g->ip, g->host);
		edge_guest_error(g, 400, "this host is not served here");
		return -1;
	}
	if (sni_differs(g)) {
		p->ctr.refused_host++;
		plog(PLOG_NOTICE, MOD, "guest %s: Misdirected Request: Host %s on a TLS connection "
		     "opened for another name", g->ip, g->host);
		edge_guest_error(g, 421, "this connection was opened for another host name");
		return -1;
	}
	if (!edge_http_method_allowed(g->method)) {
		p->ctr.refused_method++;
		plog(PLOG_NOTICE, MOD, "guest %s: method %s refused", g->ip, g->method);
		edge_guest_error(g, 405, "method not allowed");
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
			edge_guest_error(g, 400, "malformed WebSocket upgrade");
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
	if (edge_guest_submit(g) < 0) {
		p->ctr.no_tunnel++;
		plog(PLOG_WARN, MOD, "guest %s: %s %s%s: 502, the meeting service is unreachable: no "
		     "traversal tunnel from an inside node is up", g->ip, g->method, g->host, g->path);
		edge_guest_error(g, 502, "no tunnel");
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
			edge_guest_error(g, 400, why);
			return -1;
		}
		if (guest_start_request(g, &m, (size_t)rc) < 0)
			return -1;
	}
	if ((g->st == G_BODY || g->st == G_WS) && edge_buf_len(&g->in) && guest_body(g) < 0) {
		stream_cancel(g);
		edge_guest_error(g, 400, "malformed chunked body");
		return -1;
	}
	return 0;
}

void
edge_guest_request_done(struct guest *g)
{
	plog(PLOG_DEBUG, MOD, "guest %s: request done in %lld ms", g->ip,
	     (long long)((edge_util_now_us() - g->t0) / 1000));
	if (!g->keepalive || !g->body_eof || g->p->draining || !g->c) {
		edge_conn_close_after_flush(g->c);
		g->c = NULL;
		edge_guest_free(g);
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
		edge_guest_error(g, 400, "request too large");
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
	edge_guest_free(g);
}

static const struct edge_conn_ops guest_ops = {
	NULL, guest_data, guest_drained, guest_closed,
};

void
edge_guest_accept_one(struct edge_proc *p, int fd, const struct sockaddr_storage *a)
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

/* Draining: idle keep-alive guests go now; those mid-request finish first. */
void
edge_guest_drain(struct edge_proc *p)
{
	for (GList *l = p->guests.head; l;) {
		struct guest *g = l->data;
		l = l->next;
		if (g->st == G_HEAD && !edge_buf_len(&g->in))
			edge_guest_free(g);
	}
}
