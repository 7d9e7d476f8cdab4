/*
 * tunnel.c: what both roles share about a traversal tunnel: the hello
 * exchanged before HTTP/2 (credentials one way, the verdict back), the
 * nghttp2 session over an edge_conn with raised flow-control windows,
 * manual stream window updates (so per-stream buffering is capped by the
 * consumer), and the PING heartbeat that detects a dead link.
 *
 * The tunnel objects are owned by proc->tunnels; their streams belong to
 * the role (outside: guests' requests; inside: web bridge requests), which
 * plugs in through t->ops (edge-tunnel.h) instead of being called by name.
 * Main loop thread only.
 */
#include <stdio.h>
#include <string.h>

#include "common/plog.h"
#include "edge/edge-http.h"
#include "edge/edge-tunnel.h"

/* ---- hello ---- */

static int
copy_field(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int
edge_tunnel_hello_parse(const char *buf, size_t len, struct edge_hello *h, const char **why)
{
	static const char magic[] = "PORTICO-TRAVERSAL/1 ";
	struct edge_http_msg *m;
	const char *eol;
	int hl;

	memset(h, 0, sizeof(*h));
	if (len < sizeof(magic) - 1)
		return memcmp(buf, magic, len) ? (*why = "not a portico traversal hello", EDGE_ERROR)
					       : EDGE_AGAIN;
	if (memcmp(buf, magic, sizeof(magic) - 1) != 0) {
		*why = "not a portico traversal hello";
		return EDGE_ERROR;
	}
	/* The rest has the shape of an HTTP response head: reuse that parser
	 * on a synthetic status line would be clumsy; parse lines here. */
	eol = memchr(buf, '\n', len < EDGE_HELLO_MAX ? len : EDGE_HELLO_MAX);
	if (!eol)
		return len >= EDGE_HELLO_MAX ? (*why = "hello too long", EDGE_ERROR) : EDGE_AGAIN;
	if (eol[-1] != '\r' || copy_field(h->verb, sizeof(h->verb), buf + sizeof(magic) - 1,
					  (size_t)(eol - 1 - buf) - (sizeof(magic) - 1)) < 0) {
		*why = "malformed hello line";
		return EDGE_ERROR;
	}
	m = g_new(struct edge_http_msg, 1);
	/* "HTTP/1.1 200 x" stands in for our first line so the header rules
	 * (no folding, tokens, CRLF) are the HTTP parser's. */
	{
		size_t rest = len - (size_t)(eol + 1 - buf);
		char *tmp = g_malloc(rest + 16);
		memcpy(tmp, "HTTP/1.1 200 x\r\n", 16);
		memcpy(tmp + 16, eol + 1, rest);
		hl = edge_http_parse_response(tmp, rest + 16, EDGE_HELLO_MAX, m, why);
		if (hl > 0) {
			for (size_t i = 0; i < m->nheaders && hl > 0; i++) {
				const struct edge_http_header *f = &m->headers[i];
				if (h->n == EDGE_HELLO_MAX_FIELDS ||
				    copy_field(h->f[h->n].name, sizeof(h->f[0].name), f->name, f->name_len) < 0 ||
				    copy_field(h->f[h->n].value, sizeof(h->f[0].value), f->value, f->value_len) < 0) {
					*why = "hello field too long or too many";
					hl = EDGE_ERROR;
				}
				h->n++;
			}
			if (hl > 0)
				hl = hl - 16 + (int)(eol + 1 - buf);
		}
		g_free(tmp);
	}
	g_free(m);
	return hl;
}

const char *
edge_tunnel_hello_get(const struct edge_hello *h, const char *name)
{
	for (unsigned i = 0; i < h->n; i++)
		if (!g_ascii_strcasecmp(h->f[i].name, name))
			return h->f[i].value;
	return NULL;
}

/* ---- tunnel ---- */

struct edge_tunnel *
edge_tunnel_new(struct edge_proc *p, const struct edge_config *cfg,
		const struct edge_tunnel_ops *ops, unsigned slot)
{
	struct edge_tunnel *t = g_new0(struct edge_tunnel, 1);

	t->proc = p;
	t->cfg = cfg;
	t->ops = ops;
	t->slot = slot;
	t->rtt_us = -1;
	t->since = g_get_real_time();
	edge_buf_init(&t->hello, EDGE_HELLO_MAX);
	g_queue_init(&t->streams);
	return t;
}

const char *
edge_tunnel_state_name(enum edge_tunnel_state st)
{
	static const char *const names[] = { "Connecting", "Connecting", "Active", "Draining",
					     "Failed" };

	return names[st];
}

void
edge_tunnel_set_state(struct edge_tunnel *t, enum edge_tunnel_state st)
{
	if (t->state != st)
		t->since = g_get_real_time();
	t->state = st;
}

nghttp2_nv
edge_tunnel_nv(const char *name, const char *value)
{
	nghttp2_nv nv = {
		(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value),
		NGHTTP2_NV_FLAG_NONE,      /* nghttp2 copies: no lifetime rules */
	};
	return nv;
}

/* Every received frame: PING answers give the RTT, then the role's look. */
static int
on_frame(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	struct edge_tunnel *t = ud;

	if (f->hd.type == NGHTTP2_PING && (f->hd.flags & NGHTTP2_FLAG_ACK) && t->ping_sent) {
		t->rtt_us = edge_util_now_us() - t->ping_sent;
		t->ping_sent = 0;
	}
	return t->ops->frame_recv ? t->ops->frame_recv(h2, f, ud) : 0;
}

/* The session copies the callbacks: built per session, freed at once. */
static nghttp2_session_callbacks *
role_callbacks(const struct edge_tunnel_ops *ops)
{
	nghttp2_session_callbacks *cbs;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return NULL;
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
	if (ops->begin_headers)
		nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, ops->begin_headers);
	if (ops->header)
		nghttp2_session_callbacks_set_on_header_callback(cbs, ops->header);
	if (ops->data)
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, ops->data);
	if (ops->stream_close)
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, ops->stream_close);
	return cbs;
}

int
edge_tunnel_h2_start(struct edge_tunnel *t)
{
	const struct edge_config *cfg = t->cfg;
	nghttp2_session_callbacks *cbs = role_callbacks(t->ops);
	nghttp2_option *opt;
	nghttp2_settings_entry s[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 10000 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, cfg->t_stream_window },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 65536 },
		{ NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1 },  /* RFC 8441: server side */
	};
	int rc, server = t->ops->server;

	if (!cbs)
		return -1;
	nghttp2_option_new(&opt);
	/* Stream windows are reopened only once the consumer took the bytes. */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	nghttp2_option_set_max_send_header_block_length(opt, 65536);
	rc = server ? nghttp2_session_server_new2(&t->h2, cbs, t, opt)
		    : nghttp2_session_client_new2(&t->h2, cbs, t, opt);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	if (rc < 0)
		return -1;
	nghttp2_submit_settings(t->h2, NGHTTP2_FLAG_NONE, s, server ? 4 : 3);
	nghttp2_session_set_local_window_size(t->h2, NGHTTP2_FLAG_NONE, 0, (int32_t)cfg->t_conn_window);
	edge_tunnel_pump(t);
	return 0;
}

static void
tunnel_pump_now(struct edge_tunnel *t)
{
	while (t->h2 && t->conn && edge_conn_pending(t->conn) < (1u << 20)) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(t->h2, &data);

		if (n <= 0)
			break;
		if (edge_conn_write(t->conn, data, (size_t)n) < 0)
			break;
	}
}

static gboolean
pump_idle(gpointer data)
{
	struct edge_tunnel *t = data;

	t->pump_idle = 0;
	tunnel_pump_now(t);
	return G_SOURCE_REMOVE;
}

/* Deferred to the main loop: sending may close streams (their callbacks
 * free role objects), so it never runs under a role's call frame, and
 * nghttp2 forbids sending from its own callbacks anyway. */
void
edge_tunnel_pump(struct edge_tunnel *t)
{
	if (!t->pump_idle && t->h2)
		t->pump_idle = g_idle_add(pump_idle, t);
}

void
edge_tunnel_flush(struct edge_tunnel *t)
{
	if (!t->in_recv)
		tunnel_pump_now(t);
}

int
edge_tunnel_feed(struct edge_tunnel *t, const uint8_t *p, size_t n)
{
	ssize_t rc;

	t->in_recv = 1;
	rc = nghttp2_session_mem_recv(t->h2, p, n);
	t->in_recv = 0;

	if (rc < 0) {
		snprintf(t->last_error, sizeof(t->last_error), "HTTP/2 error: %s",
			 nghttp2_strerror((int)rc));
		return -1;
	}
	edge_tunnel_pump(t);
	return 0;
}

static gboolean
tunnel_ping(gpointer data)
{
	struct edge_tunnel *t = data;
	int64_t now = edge_util_now_us(), interval = (int64_t)t->cfg->t_ping_interval * 1000000;
	uint8_t opaque[8];

	if (!t->h2)
		return G_SOURCE_CONTINUE;
	if (t->ping_sent && now - t->ping_sent >= 2 * interval) {
		char why[128];
		snprintf(why, sizeof(why), "no answer to PING for %lld s: the link is dead",
			 (long long)((now - t->ping_sent) / 1000000));
		t->ping_timer = 0;
		t->ops->dead(t, why);
		return G_SOURCE_REMOVE;
	}
	if (!t->ping_sent) {
		memcpy(opaque, &now, sizeof(opaque));
		nghttp2_submit_ping(t->h2, NGHTTP2_FLAG_NONE, opaque);
		t->ping_sent = now;
		edge_tunnel_pump(t);
	}
	return G_SOURCE_CONTINUE;
}

void
edge_tunnel_ping_start(struct edge_tunnel *t)
{
	t->ping_sent = 0;
	t->ping_timer = g_timeout_add_seconds(t->cfg->t_ping_interval, tunnel_ping, t);
	tunnel_ping(t);
}

void
edge_tunnel_teardown(struct edge_tunnel *t)
{
	if (t->ping_timer)
		g_source_remove(t->ping_timer);
	t->ping_timer = 0;
	if (t->timer)
		g_source_remove(t->timer);
	t->timer = 0;
	if (t->pump_idle)
		g_source_remove(t->pump_idle);
	t->pump_idle = 0;
	if (t->h2)
		nghttp2_session_del(t->h2);
	t->h2 = NULL;
	edge_conn_close(t->conn);
	t->conn = NULL;
	t->ping_sent = 0;
	if (t->hello.data)
		explicit_bzero(t->hello.data, t->hello.alloc);   /* may hold a password */
	edge_buf_free(&t->hello);
	edge_buf_init(&t->hello, EDGE_HELLO_MAX);
}

void
edge_tunnel_free(struct edge_tunnel *t)
{
	edge_tunnel_teardown(t);
	edge_buf_free(&t->hello);
	g_free(t);
}
