/*
 * inside.c: the inside role.  Keeps [traversal] connections tunnels dialled
 * out to the outside node (TLS with this node's certificate, then the
 * hello with the traversal credentials); on each it is the HTTP/2
 * *server*: every stream is a guest's request, forwarded over HTTPS to a
 * web bridge chosen from the Guest account client URI's resolution (dns.c)
 * and health checks.  WebSocket streams (RFC 8441 extended CONNECT) become
 * HTTP/1.1 Upgrade requests to the web bridge.
 *
 * Ownership: proc->tunnels holds the tunnel slots for the process life;
 * each tunnel owns its istreams; an istream owns its web bridge conn.
 * Main loop thread only.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "edge/edge-internal.h"

#define MOD "edge"
#define REQ_HEAD_MAX (64u << 10)

struct istream {
	struct edge_tunnel *t;
	int32_t id;
	GList *link;
	GPtrArray *hdr;                    /* name, value, ... (regular headers) */
	size_t hdr_bytes;
	char *method, *path, *authority, *protocol;
	int ws, req_eof, req_chunked, has_cl;
	struct edge_conn *b;               /* web bridge connection */
	struct edge_target *tgt;
	char tgt_name[300];
	guint timer;
	struct edge_buf head;              /* response head from the web bridge */
	int head_done, status, resp_chunked, resp_eof, responded, is_head;
	int64_t resp_left;
	struct edge_chunked ch;
	struct edge_buf resp;              /* body waiting for the tunnel, capped */
	size_t unacked;                    /* request bytes not yet acknowledged */
	int body_seen;                     /* request body bytes went to a web bridge */
	int resp_close;                    /* the web bridge said Connection: close */
	int reused;                        /* s->b came from the keep-alive pool */
	unsigned attempts;                 /* web bridges tried */
	char ws_key[32];
};

static void tunnel_connect(struct edge_tunnel *t);
static void istream_forward(struct istream *s);
static void tunnel_dial(struct edge_tunnel *t, const struct sockaddr_storage *a);
static void istream_respond_error(struct istream *s, int status, const char *why);
static gboolean response_timeout(gpointer data);

/* ---------------------------------------------------------------- */
/* istreams                                                          */

static void
istream_free(struct istream *s)
{
	if (s->link && s->t)
		g_queue_delete_link(&s->t->streams, s->link);
	if (s->timer)
		g_source_remove(s->timer);
	edge_conn_close(s->b);
	g_ptr_array_free(s->hdr, TRUE);
	g_free(s->method);
	g_free(s->path);
	g_free(s->authority);
	g_free(s->protocol);
	edge_buf_free(&s->head);
	edge_buf_free(&s->resp);
	g_free(s);
}

static void
istream_resume(struct istream *s)
{
	if (s->t && s->t->h2 && s->responded) {
		nghttp2_session_resume_data(s->t->h2, s->id);
		edge_tunnel_pump(s->t);
	}
}

static ssize_t
resp_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
	  nghttp2_data_source *src, void *ud)
{
	struct istream *s = src->ptr;
	size_t n = edge_buf_len(&s->resp) < len ? edge_buf_len(&s->resp) : len;

	if (n)
		memcpy(buf, edge_buf_head(&s->resp), n);
	edge_buf_consume(&s->resp, n);
	if (s->b && n && edge_buf_room(&s->resp) >= 16384)
		edge_conn_pause(s->b, 0);          /* room for a full read again */
	if (!edge_buf_len(&s->resp) && s->resp_eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	return (ssize_t)n;
}

/* Submit the response head; body from s->resp unless end. */
static void
istream_submit(struct istream *s, int status, GPtrArray *hdr, int end)
{
	nghttp2_nv nva[EDGE_HTTP_MAX_HEADERS + 4];
	size_t n = 0;
	char st[8];
	nghttp2_data_provider dp = { { .ptr = s }, resp_read };

	if (!s->t || !s->t->h2 || s->responded)
		return;
	snprintf(st, sizeof(st), "%d", status);
	nva[n++] = edge_tunnel_nv(":status", st);          /* edge_tunnel_nv: nghttp2 copies */
	for (guint i = 0; hdr && i + 1 < hdr->len && n < G_N_ELEMENTS(nva); i += 2)
		nva[n++] = edge_tunnel_nv(g_ptr_array_index(hdr, i), g_ptr_array_index(hdr, i + 1));
	nghttp2_submit_response(s->t->h2, s->id, nva, n, end ? NULL : &dp);
	s->responded = 1;
	edge_tunnel_pump(s->t);
}

static void
istream_respond_error(struct istream *s, int status, const char *why)
{
	GPtrArray *h = g_ptr_array_new_with_free_func(g_free);
	char *body = g_strdup_printf("%d %s: %s\n", status, edge_http_reason(status), why);

	g_ptr_array_add(h, g_strdup("content-type"));
	g_ptr_array_add(h, g_strdup("text/plain; charset=utf-8"));
	g_ptr_array_add(h, g_strdup("x-portico-edge-reason"));
	g_ptr_array_add(h, g_strdup(why));
	edge_buf_free(&s->resp);
	edge_buf_init(&s->resp, 4096);
	edge_buf_append(&s->resp, body, strlen(body));
	s->resp_eof = 1;
	s->t->proc->ctr.status[status / 100]++;
	istream_submit(s, status, h, 0);
	g_ptr_array_free(h, TRUE);
	g_free(body);
	edge_conn_close(s->b);
	s->b = NULL;
}

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

static void
pool_put(struct edge_proc *p, struct edge_conn *c, const struct sockaddr_storage *addr)
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
static struct edge_conn *
pool_take(struct edge_proc *p, const struct sockaddr_storage *addr)
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

static void
pool_clear(struct edge_proc *p)
{
	struct pooled *e;

	while ((e = g_queue_peek_head(&p->bpool)))
		pool_drop(e);
}

static void
backend_failed(struct istream *s, const char *why)
{
	char msg[700];

	s->t->proc->ctr.backend_errors++;
	if (!s->responded) {
		snprintf(msg, sizeof(msg), "web bridge %s: %s", s->tgt_name, why);
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: %s %s: 502: %s", s->t->slot, s->id,
		     s->method, s->path, msg);
		istream_respond_error(s, 502, msg);
		return;
	}
	plog(PLOG_WARN, MOD, "tunnel %u stream %d: %s %s: response cut short: web bridge %s: %s",
	     s->t->slot, s->id, s->method, s->path, s->tgt_name, why);
	nghttp2_submit_rst_stream(s->t->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
	edge_tunnel_pump(s->t);
}

static int
resp_header_keep(const struct edge_http_msg *m, const struct edge_http_header *h)
{
	return !edge_http_hop_by_hop(m, h->name, h->name_len) &&
	       !(h->name_len == 21 && !g_ascii_strncasecmp(h->name, "x-portico-edge-reason", 21));
}

static int
resp_has_body(const struct istream *s)
{
	return !s->is_head && s->status >= 200 && s->status != 204 && s->status != 304;
}

/* The web bridge's response head is complete: answer on the stream. */
static int
ws_accept_ok(const struct istream *s, const struct edge_http_msg *m)
{
	char acc[32];

	edge_http_ws_accept(s->ws_key, strlen(s->ws_key), acc);
	for (size_t i = 0; i < m->nheaders; i++)
		if (m->headers[i].name_len == 20 &&
		    !g_ascii_strncasecmp(m->headers[i].name, "sec-websocket-accept", 20))
			return m->headers[i].value_len == strlen(acc) &&
			       !memcmp(m->headers[i].value, acc, m->headers[i].value_len);
	return 0;
}

/* The web bridge's response head is complete: answer on the stream. */
static int
backend_head(struct istream *s, const struct edge_http_msg *m)
{
	GPtrArray *h;
	int status = m->status;

	if (s->ws && m->status == 101) {
		if (!ws_accept_ok(s, m)) {
			backend_failed(s, "WebSocket upgrade answered with a wrong Sec-WebSocket-Accept");
			return -1;
		}
		status = 200;                      /* RFC 8441: 200 on the extended CONNECT */
	}
	s->status = status;
	h = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct edge_http_header *x = &m->headers[i];
		if (!resp_header_keep(m, x) || (s->ws && status == 200 && x->name_len == 20 &&
		    !g_ascii_strncasecmp(x->name, "sec-websocket-accept", 20)))
			continue;
		g_ptr_array_add(h, g_ascii_strdown(x->name, (gssize)x->name_len));
		g_ptr_array_add(h, g_strndup(x->value, x->value_len));
	}
	s->resp_chunked = m->chunked;
	s->resp_left = m->content_length;
	s->resp_close = m->conn_close || m->minor == 0;
	if (s->ws && status == 200) {
		s->resp_left = -1;
		s->resp_chunked = 0;
	} else if (!resp_has_body(s) || m->content_length == 0) {
		s->resp_eof = 1;
	}
	s->t->proc->ctr.status[status / 100 % 6]++;
	plog(PLOG_INFO, MOD, "tunnel %u stream %d: %s %s -> %d from web bridge %s", s->t->slot, s->id,
	     s->method, s->path, m->status, s->tgt_name);
	istream_submit(s, status, h, s->resp_eof);
	g_ptr_array_free(h, TRUE);
	return 0;
}

/* The response is complete: keep the connection for the next request when
 * both sides framed their messages and nobody asked to close, else close. */
static void
backend_release(struct istream *s)
{
	struct edge_conn *c = s->b;

	if (!c || s->ws)
		return;
	s->b = NULL;
	if (s->req_eof && !s->resp_close && !c->eof && !c->dead && edge_conn_pending(c) == 0 &&
	    s->tgt && (s->resp_left == 0 || s->resp_chunked || !resp_has_body(s)))
		pool_put(s->t->proc, c, &s->tgt->addr);
	else
		edge_conn_close(c);
}

/* Body bytes from the web bridge into s->resp (decoded), within the cap. */
static int
backend_body(struct istream *s, const uint8_t *d, size_t n)
{
	const char *why = NULL;

	if (s->resp_chunked) {
		uint8_t *tmp = g_malloc(n ? n : 1);
		size_t outlen = 0;
		long used = edge_http_chunked(&s->ch, d, n, tmp, &outlen, &why);
		if (used < 0 || edge_buf_append(&s->resp, tmp, outlen) < 0) {
			g_free(tmp);
			return -1;
		}
		g_free(tmp);
		s->resp_eof = s->ch.done;
	} else {
		if (s->resp_left >= 0 && (int64_t)n > s->resp_left)
			n = (size_t)s->resp_left;
		if (edge_buf_append(&s->resp, d, n) < 0)
			return -1;
		if (s->resp_left >= 0 && (s->resp_left -= (int64_t)n) == 0)
			s->resp_eof = 1;
	}
	s->t->proc->ctr.bytes_down += n;
	if (s->b && edge_buf_room(&s->resp) < 16384)
		edge_conn_pause(s->b, 1);   /* the guest is slow: stop reading the bridge */
	if (s->resp_eof)
		backend_release(s);
	istream_resume(s);
	return 0;
}

static void
backend_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct istream *s = c->ud;
	struct edge_http_msg m;
	const char *why = NULL;
	int rc;

	if (s->head_done) {
		if (backend_body(s, d, n) < 0)
			backend_failed(s, "response body malformed or over the stream cap");
		return;
	}
	if (edge_buf_append(&s->head, d, n) < 0)
		return backend_failed(s, "response head too large");
	for (;;) {
		rc = edge_http_parse_response((const char *)edge_buf_head(&s->head), edge_buf_len(&s->head),
					      REQ_HEAD_MAX, &m, &why);
		if (rc == EDGE_AGAIN)
			return;
		if (rc < 0)
			return backend_failed(s, why);
		if (m.status >= 200 || (s->ws && m.status == 101))
			break;
		edge_buf_consume(&s->head, (size_t)rc);    /* 1xx interim: skip */
	}
	s->head_done = 1;
	if (s->timer)
		g_source_remove(s->timer), s->timer = 0;
	if (backend_head(s, &m) < 0)
		return;
	edge_buf_consume(&s->head, (size_t)rc);
	if (s->resp_eof) {
		edge_buf_free(&s->head);
		backend_release(s);
		return;
	}
	if (edge_buf_len(&s->head) && !s->resp_eof &&
	    backend_body(s, edge_buf_head(&s->head), edge_buf_len(&s->head)) < 0)
		backend_failed(s, "response body malformed or over the stream cap");
	edge_buf_free(&s->head);
}

static void
backend_ready(struct edge_conn *c)
{
	struct istream *s = c->ud;
	char why[300];

	if (s->timer)
		g_source_remove(s->timer), s->timer = 0;
	s->timer = g_timeout_add_seconds(s->t->proc->cfg->w_response_timeout, response_timeout, s);
	if (edge_tls_check_peer(c->tls, s->t->proc->cfg->w_verify_name, why, sizeof(why)) < 0) {
		plog(PLOG_WARN, MOD, "web bridge %s refused: %s", s->tgt_name, why);
		if (s->tgt)
			s->tgt->healthy = 0, g_strlcpy(s->tgt->why, why, sizeof(s->tgt->why));
		backend_failed(s, why);
	}
}

static void
backend_drained(struct edge_conn *c)
{
	struct istream *s = c->ud;

	if (s->unacked && s->t && s->t->h2) {
		nghttp2_session_consume_stream(s->t->h2, s->id, s->unacked);
		s->unacked = 0;
		edge_tunnel_pump(s->t);
	}
}

/* The web bridge could not be reached and nothing of the request body has
 * gone to it: try the next usable one (failover without a 502). */
static int
backend_retry(struct istream *s, const char *why)
{
	if (s->body_seen || s->attempts >= 3)
		return 0;
	plog(PLOG_INFO, MOD, "tunnel %u stream %d: web bridge %s unreachable (%s): trying another",
	     s->t->slot, s->id, s->tgt_name, why);
	if (s->timer)
		g_source_remove(s->timer), s->timer = 0;
	edge_conn_close(s->b);
	s->b = NULL;
	istream_forward(s);
	return 1;
}

static void
backend_closed(struct edge_conn *c, const char *why)
{
	struct istream *s = c->ud;

	s->b = NULL;
	if (!s->head_done) {
		if (s->tgt && !c->ready_sent)
			s->tgt->healthy = 0, g_strlcpy(s->tgt->why, why, sizeof(s->tgt->why));
		if ((!c->ready_sent || s->reused) && backend_retry(s, why))
			return;
		backend_failed(s, why);
		return;
	}
	if (c->eof && (s->ws || (s->resp_left < 0 && !s->resp_chunked))) {
		s->resp_eof = 1;           /* close-delimited body, or WebSocket end */
		istream_resume(s);
		return;
	}
	if (!s->resp_eof)
		backend_failed(s, "the web bridge closed the connection mid-response");
}

static const struct edge_conn_ops backend_ops = {
	backend_ready, backend_data, backend_drained, backend_closed,
};

static gboolean
backend_timeout(gpointer data)
{
	struct istream *s = data;

	s->timer = 0;
	if (s->tgt)
		s->tgt->healthy = 0, g_strlcpy(s->tgt->why, "connect timeout", sizeof(s->tgt->why));
	if (!backend_retry(s, "connect timeout"))
		backend_failed(s, "connect timeout");
	return G_SOURCE_REMOVE;
}

static gboolean
response_timeout(gpointer data)
{
	struct istream *s = data;

	s->timer = 0;
	backend_failed(s, "no response head in time ([webproxy] response-timeout)");
	return G_SOURCE_REMOVE;
}

static void
write_request_head(struct istream *s)
{
	struct edge_buf h;

	edge_buf_init(&h, REQ_HEAD_MAX + 1024);
	edge_buf_printf(&h, "%s %s HTTP/1.1\r\nHost: %s\r\n", s->ws ? "GET" : s->method, s->path,
			s->authority);
	for (guint i = 0; i + 1 < s->hdr->len; i += 2)
		edge_buf_printf(&h, "%s: %s\r\n", (char *)g_ptr_array_index(s->hdr, i),
				(char *)g_ptr_array_index(s->hdr, i + 1));
	if (s->ws) {
		guint8 rnd[16];
		gchar *k;
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (guint8)g_random_int();
		k = g_base64_encode(rnd, sizeof(rnd));
		g_strlcpy(s->ws_key, k, sizeof(s->ws_key));
		g_free(k);
		edge_buf_printf(&h, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n",
				s->ws_key);
	} else {
		if (!s->req_eof && !s->has_cl) {
			s->req_chunked = 1;
			edge_buf_printf(&h, "Transfer-Encoding: chunked\r\n");
		}
	}
	edge_buf_printf(&h, "\r\n");
	edge_conn_write(s->b, edge_buf_head(&h), edge_buf_len(&h));
	edge_buf_free(&h);
}

static void
istream_forward(struct istream *s)
{
	struct edge_proc *p = s->t->proc;
	struct edge_target *tgt = edge_dns_pick(p);
	gnutls_session_t tls;
	char err[256], a[ADDR_STRLEN];

	if (!tgt) {
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: %s %s: 502: no healthy web bridge for %s (%s)",
		     s->t->slot, s->id, s->method, s->path, p->cfg->w_guest_uri, p->resolution);
		istream_respond_error(s, 502, "no healthy web bridge");
		return;
	}
	s->tgt = tgt;
	s->attempts++;
	snprintf(s->tgt_name, sizeof(s->tgt_name), "%s (%s)", tgt->name, addr_str(&tgt->addr, a, 1));
	s->reused = 0;
	if (s->attempts == 1 && (s->b = pool_take(p, &tgt->addr))) {
		/* Verified when it was opened; answer within response-timeout. */
		s->reused = 1;
		p->ctr.backend_reused++;
		s->b->ops = &backend_ops;
		s->b->ud = s;
		s->timer = g_timeout_add_seconds(p->cfg->w_response_timeout, response_timeout, s);
		write_request_head(s);
		return;
	}
	gnutls_init(&tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->b_creds);
	gnutls_server_name_set(tls, GNUTLS_NAME_DNS, p->cfg->w_verify_name, strlen(p->cfg->w_verify_name));
	p->ctr.backend_conns++;
	s->b = edge_conn_connect(&tgt->addr, tls, &backend_ops, s, err, sizeof(err));
	if (!s->b) {
		tgt->healthy = 0;
		backend_failed(s, err);
		return;
	}
	s->timer = g_timeout_add_seconds(p->cfg->w_connect_timeout, backend_timeout, s);
	write_request_head(s);
}

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
		istream_respond_error(s, 400, "malformed request");
		return;
	}
	if (strcmp(host, p->cfg->w_guest_host) != 0) {
		char why[512];
		snprintf(why, sizeof(why), "host %s is not configured as a web-proxy URI: the Guest "
			 "account client URI is %s", host, p->cfg->w_guest_uri);
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: Bad Request: %s", s->t->slot, s->id, why);
		istream_respond_error(s, 400, why);
		return;
	}
	s->ws = !strcmp(s->method, "CONNECT") && s->protocol && !strcmp(s->protocol, "websocket");
	/* Defence in depth: the outside filters too, but a DMZ node may be
	 * the compromised one. */
	if (!s->ws && !edge_http_method_allowed(s->method)) {
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: method %.16s refused", s->t->slot, s->id, s->method);
		istream_respond_error(s, 405, "method not allowed");
		return;
	}
	if (!path_ok(s->path)) {
		istream_respond_error(s, 400, "malformed path");
		return;
	}
	if (s->ws)
		p->ctr.websockets++;
	s->is_head = !strcmp(s->method, "HEAD");
	istream_forward(s);
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
	struct edge_tunnel *t = ud;
	struct istream *s = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);

	edge_tunnel_on_frame(t, f);
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
		istream_resume(s);
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
		istream_free(s);
	return 0;
}

static nghttp2_session_callbacks *
server_callbacks(void)
{
	static nghttp2_session_callbacks *cbs;

	if (!cbs) {
		nghttp2_session_callbacks_new(&cbs);
		nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	return cbs;
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
tunnel_down(struct edge_tunnel *t, const char *why)
{
	struct edge_proc *p = t->proc;
	struct istream *s;
	unsigned delay;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING)
		plog(PLOG_WARN, MOD, "tunnel %u to %s down: %s", t->slot, t->peer, why);
	else
		plog(PLOG_WARN, MOD, "tunnel %u to %s failed: %s", t->slot, t->peer, why);
	g_strlcpy(t->last_error, why, sizeof(t->last_error));
	while ((s = g_queue_pop_head(&t->streams))) {
		s->link = NULL;
		istream_free(s);
	}
	edge_tunnel_teardown(t);
	edge_tunnel_set_state(t, EDGE_T_FAILED);
	if (p->draining)
		return;
	delay = edge_util_backoff_ms(p->cfg->t_backoff_initial, p->cfg->t_backoff_max, t->attempt++,
				g_random_int());
	plog(PLOG_INFO, MOD, "tunnel %u: reconnecting in %u ms (attempt %u)", t->slot, delay, t->attempt);
	t->timer = g_timeout_add(delay, retry_now, t);
}

static void
inside_dead_hook(struct edge_tunnel *t, const char *why)
{
	tunnel_down(t, why);
}

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
	if (edge_tunnel_h2_start(t, server_callbacks(), 1) < 0)
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

	edge_tunnel_dead_hook = inside_dead_hook;
	if (edge_tls_creds(&p->t_creds, &pair, 1, cfg->t_ca, err, errlen) < 0 ||
	    edge_tls_creds(&p->b_creds, NULL, 0, cfg->w_ca, err, errlen) < 0)
		return -1;
	plog(PLOG_NOTICE, MOD, "inside node %s: guest account client URI %s, %u tunnel connection(s) "
	     "to %s:%d", cfg->node, cfg->w_guest_uri, cfg->t_connections, cfg->t_connect_host,
	     cfg->t_connect_port);
	edge_dns_resolve(p);
	edge_dns_health_start(p);
	for (unsigned i = 0; i < cfg->t_connections; i++) {
		struct edge_tunnel *t = edge_tunnel_new(p, i + 1);
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
	pool_clear(p);
	while (p->tunnels->len) {
		struct edge_tunnel *t = g_ptr_array_index(p->tunnels, 0);
		struct istream *s;
		while ((s = g_queue_pop_head(&t->streams))) {
			s->link = NULL;
			istream_free(s);
		}
		tunnel_cancel_lookup(t);
		edge_tunnel_teardown(t);
		edge_buf_free(&t->hello);
		g_ptr_array_remove_index(p->tunnels, 0);
		g_free(t);
	}
	if (p->t_creds)
		gnutls_certificate_free_credentials(p->t_creds);
	if (p->b_creds)
		gnutls_certificate_free_credentials(p->b_creds);
}
