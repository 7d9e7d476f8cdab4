/*
 * backend.c: the inside role's web bridge side of a stream: pick a web
 * bridge (dns.c), reuse a pooled connection or open a verified TLS one,
 * write the HTTP/1.1 request (WebSocket: an Upgrade), read the response
 * head and body into the stream's capped buffer (istream.c sends it), and
 * fail over to another web bridge while nothing of the request body went.
 * Main loop thread only.
 */
#include <stdio.h>
#include <string.h>

#include "common/plog.h"
#include "edge/edge-dns.h"
#include "edge/inside-internal.h"

#define MOD "edge"

static gboolean response_timeout(gpointer data);

static void
backend_failed(struct istream *s, const char *why)
{
	char msg[700];

	s->t->proc->ctr.backend_errors++;
	if (!s->responded) {
		snprintf(msg, sizeof(msg), "web bridge %s: %s", s->tgt_name, why);
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: %s %s: 502: %s", s->t->slot, s->id,
		     s->method, s->path, msg);
		edge_istream_respond_error(s, 502, msg);
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
	edge_istream_submit(s, status, h, s->resp_eof);
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
		edge_bpool_put(s->t->proc, c, &s->tgt->addr);
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
	edge_istream_resume(s);
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
	edge_backend_forward(s);
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
		edge_istream_resume(s);
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

void
edge_backend_forward(struct istream *s)
{
	struct edge_proc *p = s->t->proc;
	struct edge_target *tgt = edge_dns_pick(p);
	gnutls_session_t tls;
	char err[256], a[ADDR_STRLEN];

	if (!tgt) {
		plog(PLOG_WARN, MOD, "tunnel %u stream %d: %s %s: 502: no healthy web bridge for %s (%s)",
		     s->t->slot, s->id, s->method, s->path, p->cfg->w_guest_uri, p->resolution);
		edge_istream_respond_error(s, 502, "no healthy web bridge");
		return;
	}
	s->tgt = tgt;
	s->attempts++;
	snprintf(s->tgt_name, sizeof(s->tgt_name), "%s (%s)", tgt->name, addr_str(&tgt->addr, a, 1));
	s->reused = 0;
	if (s->attempts == 1 && (s->b = edge_bpool_take(p, &tgt->addr))) {
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
