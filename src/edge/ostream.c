/*
 * ostream.c: the outside role's HTTP/2 client callbacks: a guest's request
 * is one stream on a tunnel (guest.c submits it); the response head and
 * body from the inside node are written to the guest here as HTTP/1.1.
 * A stream that ends without a complete response is retried once on
 * another tunnel when nothing of it reached the guest, else the guest
 * gets a 502 (or, mid-body, its connection cut).
 *
 * Ownership: a tunnel's t->streams owns its ostreams; they are freed on
 * stream close or by the tunnel's teardown (outside.c).
 * Main loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "edge/outside-internal.h"

#define MOD "edge"

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
void
edge_ostream_abort(struct ostream *s, const char *why, int lost)
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
		edge_guest_free(g);
		return;
	}
	if (guest_can_retry(g)) {
		g->retried = 1;
		g->p->ctr.retries++;
		plog(PLOG_INFO, MOD, "guest %s: %s %s retried on another tunnel (%s)", g->ip,
		     g->method, g->path, why);
		if (edge_guest_submit(g) == 0)
			return;
	}
	plog(PLOG_WARN, MOD, "guest %s: %s %s failed: %s", g->ip, g->method, g->path, why);
	edge_guest_error(g, 502, why);
}

/* ---- HTTP/2 client callbacks (responses from the inside) ---- */

int
edge_ostream_on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
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

int
edge_ostream_on_frame(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	struct edge_tunnel *t = ud;
	struct ostream *s;

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

int
edge_ostream_on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
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

int
edge_ostream_on_close(nghttp2_session *h2, int32_t id, uint32_t code, void *ud)
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
		edge_guest_request_done(g);
	} else if (g) {
		snprintf(why, sizeof(why), "the inside node reset the stream (%s)",
			 nghttp2_http2_strerror(code));
		edge_ostream_abort(s, code == NGHTTP2_REFUSED_STREAM ?
			      "the tunnel refused the stream (draining)" : why, 0);
	}
	edge_guest_stream_free(s);
	return 0;
}
