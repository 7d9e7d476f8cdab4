/*
 * conn.c: edge_conn, one non-blocking socket (optionally under GnuTLS) on
 * the GLib main loop.  Reads are delivered to ops->data as they come;
 * writes are queued in a capped buffer and flushed when the socket is
 * writable.  A paused conn does not read, which is how every consumer
 * applies backpressure (a slow guest stalls only its own stream).
 *
 * Ownership: the creator owns the conn until it calls edge_conn_close*()
 * or receives ops->closed(); the memory is freed from an idle callback so
 * no call frame ever sees it vanish.  Main loop thread only.
 */
#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edge/edge-net.h"

struct conn_source {
	GSource base;
	gpointer tag;
	struct edge_conn *conn;
};

static void conn_dispatch(struct edge_conn *c, GIOCondition rev);
static void conn_update(struct edge_conn *c);

static gboolean
src_dispatch(GSource *s, GSourceFunc cb, gpointer ud)
{
	struct conn_source *cs = (struct conn_source *)s;

	conn_dispatch(cs->conn, g_source_query_unix_fd(s, cs->tag));
	return G_SOURCE_CONTINUE;
}

/* Not const only because g_source_new() takes a mutable pointer: GLib
 * never writes it; set at compile time, read by the main loop thread. */
static GSourceFuncs conn_funcs = { NULL, NULL, src_dispatch, NULL, NULL, NULL };

static gboolean
conn_free_idle(gpointer data)
{
	struct edge_conn *c = data;

	edge_buf_free(&c->out);
	g_free(c);
	return G_SOURCE_REMOVE;
}

/* Tear down the socket now; free the struct later. */
static void
conn_kill(struct edge_conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (c->src) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
		c->src = NULL;
	}
	if (c->idle) {
		g_source_destroy(c->idle);
		g_source_unref(c->idle);
		c->idle = NULL;
	}
	if (c->tls)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	g_idle_add(conn_free_idle, c);
}

static void
conn_fail(struct edge_conn *c, const char *why)
{
	const struct edge_conn_ops *ops = c->ops;

	if (c->dead)
		return;
	conn_kill(c);
	if (ops && ops->closed)
		ops->closed(c, why);
}

/* TCP keepalive: a peer that vanished without a FIN (a guest's WebSocket,
 * a tunnel behind a rebooted firewall) is found within about 90 s. */
static void
conn_keepalive(int fd)
{
	int one = 1, idle = 60, intvl = 10, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

struct edge_conn *
edge_conn_new(int fd, gnutls_session_t tls, int connecting,
	      const struct edge_conn_ops *ops, void *ud)
{
	struct edge_conn *c = g_new0(struct edge_conn, 1);
	struct conn_source *cs;
	socklen_t sl = sizeof(c->peer);
	int one = 1;

	c->fd = fd;
	c->tls = tls;
	c->ops = ops;
	c->ud = ud;
	c->connecting = connecting ? 1 : 0;
	c->handshaking = tls ? 1 : 0;
	edge_buf_init(&c->out, EDGE_CONN_OUT_MAX);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conn_keepalive(fd);
	if (getpeername(fd, (struct sockaddr *)&c->peer, &sl) == 0)
		addr_str(&c->peer, c->peer_str, 1);
	if (tls)
		gnutls_transport_set_int(tls, fd);
	cs = (struct conn_source *)g_source_new(&conn_funcs, sizeof(*cs));
	cs->conn = c;
	cs->tag = g_source_add_unix_fd(&cs->base, fd, G_IO_IN);
	c->src = &cs->base;
	g_source_attach(c->src, NULL);
	conn_update(c);
	return c;
}

struct edge_conn *
edge_conn_connect(const struct sockaddr_storage *addr, gnutls_session_t tls,
		  const struct edge_conn_ops *ops, void *ud, char *err, size_t errlen)
{
	char s[ADDR_STRLEN];
	struct edge_conn *c;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || (connect(fd, (const struct sockaddr *)addr, addr_len(addr)) < 0 &&
		       errno != EINPROGRESS)) {
		snprintf(err, errlen, "cannot connect to %s: %s", addr_str(addr, s, 1),
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		if (tls)
			gnutls_deinit(tls);
		return NULL;
	}
	c = edge_conn_new(fd, tls, 1, ops, ud);
	c->peer = *addr;
	addr_str(addr, c->peer_str, 1);
	return c;
}

static void
conn_update(struct edge_conn *c)
{
	struct conn_source *cs = (struct conn_source *)c->src;
	GIOCondition want = 0;

	if (!cs)
		return;
	if (c->connecting) {
		want = G_IO_OUT;
	} else if (c->handshaking) {
		want = gnutls_record_get_direction(c->tls) ? G_IO_OUT : G_IO_IN;
	} else {
		if (!c->paused)
			want |= G_IO_IN;
		if (edge_buf_len(&c->out) || c->tls_retry)
			want |= G_IO_OUT;
	}
	g_source_modify_unix_fd(&cs->base, cs->tag, want);
}

/* 0 ok, -1 failed (conn dead). */
static int
conn_flush(struct edge_conn *c)
{
	while (edge_buf_len(&c->out)) {
		size_t n = edge_buf_len(&c->out);
		ssize_t w;

		if (c->tls) {
			if (c->tls_retry)
				n = c->tls_retry;
			else if (n > 16384)
				n = 16384;
			w = gnutls_record_send(c->tls, edge_buf_head(&c->out), n);
			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
				c->tls_retry = n;
				return 0;
			}
			c->tls_retry = 0;
			if (w < 0) {
				conn_fail(c, gnutls_strerror((int)w));
				return -1;
			}
		} else {
			w = send(c->fd, edge_buf_head(&c->out), n, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (w < 0) {
				conn_fail(c, strerror(errno));
				return -1;
			}
		}
		edge_buf_consume(&c->out, (size_t)w);
		c->sent += (uint64_t)w;
	}
	if (c->close_after_flush)
		conn_kill(c);
	return 0;
}

/* Read until EAGAIN or paused; 0 ok, -1 dead. */
static int
conn_read(struct edge_conn *c)
{
	uint8_t buf[16384];

	while (!c->paused && !c->dead) {
		ssize_t n;

		if (c->tls) {
			n = gnutls_record_recv(c->tls, buf, sizeof(buf));
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				return 0;
			if (n == GNUTLS_E_PREMATURE_TERMINATION)
				n = 0;
			if (n < 0) {
				conn_fail(c, gnutls_strerror((int)n));
				return -1;
			}
		} else {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n < 0) {
				conn_fail(c, strerror(errno));
				return -1;
			}
		}
		if (n == 0) {
			c->eof = 1;
			conn_fail(c, "connection closed by peer");
			return -1;
		}
		c->ops->data(c, buf, (size_t)n);
	}
	return c->dead ? -1 : 0;
}

static void
conn_handshake(struct edge_conn *c)
{
	int rc = gnutls_handshake(c->tls);
	char why[256];

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return;
	if (rc < 0) {
		if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED || rc == GNUTLS_E_FATAL_ALERT_RECEIVED)
			snprintf(why, sizeof(why), "TLS handshake failed: the peer sent alert \"%s\"",
				 gnutls_alert_get_name(gnutls_alert_get(c->tls)));
		else
			snprintf(why, sizeof(why), "TLS handshake failed: %s", gnutls_strerror(rc));
		conn_fail(c, why);
		return;
	}
	c->handshaking = 0;
	c->ready_sent = 1;
	if (c->ops->ready)
		c->ops->ready(c);
}

static void
conn_connected(struct edge_conn *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	char why[256];

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr) {
		snprintf(why, sizeof(why), "connect failed: %s", strerror(soerr));
		conn_fail(c, why);
		return;
	}
	c->connecting = 0;
	if (c->tls)
		return;                    /* handshake starts below */
	c->ready_sent = 1;
	if (c->ops->ready)
		c->ops->ready(c);
}

static void
conn_dispatch(struct edge_conn *c, GIOCondition rev)
{
	size_t before = edge_buf_len(&c->out);

	if (c->connecting) {
		if (rev & (G_IO_OUT | G_IO_ERR | G_IO_HUP))
			conn_connected(c);
		if (c->dead || c->connecting)
			goto out;
	}
	if (c->handshaking) {
		conn_handshake(c);
		goto out;
	}
	if ((rev & G_IO_OUT) && conn_flush(c) < 0)
		return;
	if (c->dead)
		return;
	if ((rev & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && conn_read(c) < 0)
		return;
	if (before > EDGE_CONN_LOW_WATER && edge_buf_len(&c->out) <= EDGE_CONN_LOW_WATER &&
	    c->ops && c->ops->drained)
		c->ops->drained(c);
out:
	if (!c->dead)
		conn_update(c);
}

int
edge_conn_write(struct edge_conn *c, const void *p, size_t n)
{
	if (c->dead)
		return -1;
	if (edge_buf_append(&c->out, p, n) < 0)
		return -1;
	c->queued += n;
	conn_update(c);
	return 0;
}

uint64_t
edge_conn_queued(const struct edge_conn *c)
{
	return c->queued;
}

/* A record GnuTLS is still sending (tls_retry) counts as gone: its bytes
 * must be offered again unchanged. */
int
edge_conn_unwrite(struct edge_conn *c, uint64_t mark)
{
	if (c->dead || mark > c->queued || c->sent + c->tls_retry > mark)
		return -1;
	edge_buf_drop_tail(&c->out, (size_t)(c->queued - mark));
	c->queued = mark;
	conn_update(c);
	return 0;
}

size_t
edge_conn_pending(const struct edge_conn *c)
{
	return edge_buf_len(&c->out);
}

static gboolean
conn_resume_idle(gpointer data)
{
	struct edge_conn *c = data;

	g_source_unref(c->idle);
	c->idle = NULL;
	if (!c->dead && !c->paused && !c->handshaking && !c->connecting) {
		/* GnuTLS may hold decrypted records the fd poll will not report. */
		if (conn_read(c) == 0)
			conn_update(c);
	}
	return G_SOURCE_REMOVE;
}

void
edge_conn_pause(struct edge_conn *c, int paused)
{
	if (c->dead || (int)c->paused == !!paused)
		return;
	c->paused = paused ? 1 : 0;
	conn_update(c);
	if (!paused && c->tls && !c->idle && gnutls_record_check_pending(c->tls)) {
		c->idle = g_idle_source_new();
		g_source_set_callback(c->idle, conn_resume_idle, c, NULL);
		g_source_attach(c->idle, NULL);
	}
}

void
edge_conn_close(struct edge_conn *c)
{
	if (c)
		conn_kill(c);
}

void
edge_conn_close_after_flush(struct edge_conn *c)
{
	if (!c || c->dead)
		return;
	c->ops = NULL;
	if (!edge_buf_len(&c->out) || c->connecting || c->handshaking) {
		conn_kill(c);
		return;
	}
	c->close_after_flush = 1;
	c->paused = 1;
	conn_update(c);
}
