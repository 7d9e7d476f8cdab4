/*
 * tcp.c: TCP and TLS clients (RFC 8656 3.1): accept, TLS handshake, read
 * into a bounded buffer, cut the stream into STUN and ChannelData frames
 * for the handler, close.  A connection carries at most one allocation
 * and ends it when it closes.  Worker thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/plog.h"
#include "turn/alloc.h"
#include "turn/handler.h"
#include "turn/io.h"
#include "turn/tcp.h"
#include "turn/tls.h"

void
turn_tcp_accept(struct turn_worker *w, struct ev *ev, const struct sockaddr_storage *local, int tls)
{
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		int one = 1;
		int fd = accept4(ev->fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *t;

		if (fd < 0)
			return;
		t = calloc(1, sizeof(*t));
		if (!t) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		t->ev.kind = EV_TCP;
		t->ev.fd = fd;
		t->remote = from;
		t->local = *local;
		t->last_rx = w->now;
		if ((tls && turn_tls_start(t, w->users) < 0) || turn_io_watch(w, &t->ev, EPOLLIN) < 0) {
			turn_tls_free(t);
			close(fd);
			free(t);
			continue;
		}
		t->next = w->conns;
		if (w->conns)
			w->conns->prev = t;
		w->conns = t;
	}
}

void
turn_tcp_close(struct turn_worker *w, struct tcp_conn *t, const char *why)
{
	if (t->alloc)
		turn_alloc_destroy(w, t->alloc, why);
	turn_tls_free(t);
	turn_io_close(w, t->ev.fd);
	if (t->prev)
		t->prev->next = t->next;
	else
		w->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	free(t->rbuf);
	free(t->wbuf);
	free(t);
}

/* Hands every complete frame in rbuf to the handler; -1 on a framing error. */
static int
tcp_frames(struct turn_worker *w, struct tcp_conn *t)
{
	struct client c = { .proto = IPPROTO_TCP, .fd = t->ev.fd, .tcp = t,
			    .remote = t->remote, .local = t->local };
	size_t off = 0;

	while (off < t->rlen) {
		long flen = turn_handler_frame_length(w, t->rbuf + off, t->rlen - off);
		if (flen < 0)
			return -1;
		if (flen == 0 || (size_t)flen > t->rlen - off)
			break;
		/* ChannelData frames carry padding the handler must not see as data. */
		turn_handler_client_data(w, &c, t->rbuf + off, (size_t)flen);
		off += (size_t)flen;
	}
	turn_io_flush(w);    /* queued datagrams point into rbuf */
	memmove(t->rbuf, t->rbuf + off, t->rlen - off);
	t->rlen -= off;
	return 0;
}

/* Drives a TLS handshake; 1 when the connection may carry data now. */
static int
tcp_handshake(struct turn_worker *w, struct tcp_conn *t)
{
	char cs[ADDR_STRLEN];
	const char *why = "";
	int rc = turn_tls_handshake(t, &why);

	if (rc == -EAGAIN) {
		turn_io_want_out(w, t, turn_tls_wants_write(t));
		return 0;
	}
	if (rc < 0) {
		plog(PLOG_INFO, "turn", "TLS handshake with %s failed: %s", addr_str(&t->remote, cs, 1), why);
		turn_tcp_close(w, t, "TLS handshake failed");
		return -1;
	}
	return turn_io_tcp_write(w, t) < 0 ? -1 : 1;
}

void
turn_tcp_event(struct turn_worker *w, struct tcp_conn *t, uint32_t events)
{
	if (t->handshaking) {
		int rc = tcp_handshake(w, t);
		if (rc <= 0)
			return;
	}
	if (events & EPOLLOUT && turn_io_tcp_write(w, t) < 0) {
		turn_tcp_close(w, t, "TCP connection failed");
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !(t->tls && gnutls_record_check_pending(t->tls)))
		return;
	for (;;) {
		if (t->rcap - t->rlen < 2048 && t->rcap < TCP_RBUF_MAX) {
			size_t cap = t->rcap ? t->rcap * 2 : 4096;
			uint8_t *n;
			if (cap > TCP_RBUF_MAX)
				cap = TCP_RBUF_MAX;
			if (!(n = realloc(t->rbuf, cap))) {
				turn_tcp_close(w, t, "out of memory");
				return;
			}
			t->rbuf = n;
			t->rcap = cap;
		}
		ssize_t n = turn_tls_recv(t, t->rbuf + t->rlen, t->rcap - t->rlen);
		if (n == 0 || (n < 0 && n != -EAGAIN)) {
			turn_io_flush(w);
			turn_tcp_close(w, t, t->tls ? "client closed the TLS connection" : "client closed the TCP connection");
			return;
		}
		if (n < 0)
			break;
		t->rlen += (size_t)n;
		t->last_rx = w->now;
		if (tcp_frames(w, t) < 0) {
			turn_io_flush(w);
			turn_tcp_close(w, t, "TCP stream is not STUN or ChannelData");
			return;
		}
		if (t->rlen == t->rcap && t->rcap >= TCP_RBUF_MAX) {   /* larger than any legal frame */
			turn_tcp_close(w, t, "oversized TCP frame");
			return;
		}
	}
	turn_io_flush(w);
}

void
turn_tcp_sweep(struct turn_worker *w)
{
	struct tcp_conn *t, *next;

	for (t = w->conns; t; t = next) {
		next = t->next;
		if (t->broken)
			turn_tcp_close(w, t, "TCP connection failed");
		else if (!t->alloc && t->last_rx + TCP_IDLE_NO_ALLOC < w->now)
			turn_tcp_close(w, t, "idle TCP connection without allocation");
	}
}
