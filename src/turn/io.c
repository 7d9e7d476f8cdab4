/*
 * io.c: the worker's writes.  Datagrams are queued in one sendmmsg batch
 * per socket (a relayed packet is never copied: the batch points at the
 * receive slot it arrived in), responses come from a small transmit arena,
 * and TCP/TLS clients get a bounded write buffer.  Worker thread only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "turn/io.h"
#include "turn/tls.h"

uint64_t
turn_io_rand(struct turn_worker *w)
{
	/* xorshift64*: transaction ids of indications and tokens' entropy
	 * mix; seeded from the CSPRNG at start. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 2685821657736338717ull;
}

int
turn_io_watch(struct turn_worker *w, struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, ev->fd, &e);
}

void
turn_io_close(struct turn_worker *w, int fd)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

void
turn_io_want_out(struct turn_worker *w, struct tcp_conn *t, int want)
{
	struct epoll_event e = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = &t->ev };

	if (want == t->want_out)
		return;
	t->want_out = want;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, t->ev.fd, &e);
}

/* --------------------------------------------------------------- datagrams */

void
turn_io_send_batch(struct turn_worker *w)
{
	unsigned off = 0;

	while (off < w->ntx) {
		int n = sendmmsg(w->tx_fd, w->txm + off, w->ntx - off, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN (socket buffer full) or an ICMP error from a
			 * previous send: this datagram is lost, as on a wire. */
			turn_worker_count(w, STAT_DROP_SEND_FAILED);
			off++;
			continue;
		}
		off += (unsigned)n;
	}
	w->ntx = 0;
	w->ntxbuf = 0;
}

uint8_t *
turn_io_tx_slot(struct turn_worker *w)
{
	if (w->ntxbuf == TX_BATCH)
		turn_io_flush(w);
	return w->txbuf + (size_t)(w->ntxbuf++) * TX_SLOT;
}

void
turn_io_send_udp(struct turn_worker *w, int fd, const uint8_t *buf, size_t len,
		 const struct sockaddr_storage *to)
{
	struct mmsghdr *m;

	if (w->ntx && (w->tx_fd != fd || w->ntx == TX_BATCH))
		turn_io_flush(w);
	w->tx_fd = fd;
	m = &w->txm[w->ntx];
	w->txiov[w->ntx].iov_base = (void *)buf;
	w->txiov[w->ntx].iov_len = len;
	w->txto[w->ntx] = *to;
	/* Every field, without a memset of the whole header first. */
	*m = (struct mmsghdr){ .msg_hdr = {
		.msg_name = &w->txto[w->ntx], .msg_namelen = addr_len(to),
		.msg_iov = &w->txiov[w->ntx], .msg_iovlen = 1 } };
	w->ntx++;
}

/* --------------------------------------------------------------- streams */

int
turn_io_tcp_write(struct turn_worker *w, struct tcp_conn *t)
{
	while (t->wlen && !t->handshaking) {
		ssize_t n = turn_tls_send(t, t->wbuf, t->wlen);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return -1;
		memmove(t->wbuf, t->wbuf + n, t->wlen - (size_t)n);
		t->wlen -= (size_t)n;
	}
	turn_io_want_out(w, t, t->wlen != 0 || (t->handshaking && turn_tls_wants_write(t)));
	return 0;
}

static int
wbuf_reserve(struct tcp_conn *t, size_t len)
{
	size_t cap = t->wcap ? t->wcap : 4096;
	uint8_t *n;

	if (t->wlen + len <= t->wcap)
		return 0;
	while (cap < t->wlen + len)
		cap *= 2;
	if (!(n = realloc(t->wbuf, cap)))
		return -1;
	t->wbuf = n;
	t->wcap = cap;
	return 0;
}

static void
tcp_send(struct turn_worker *w, struct tcp_conn *t, const uint8_t *buf, size_t len)
{
	if (t->wlen + len > TCP_WBUF_MAX) {
		/* A client that does not read: drop, as UDP would. */
		turn_worker_count(w, STAT_DROP_TCP_BACKLOG);
		return;
	}
	if (wbuf_reserve(t, len) < 0)
		return;
	memcpy(t->wbuf + t->wlen, buf, len);
	t->wlen += len;
	if (!t->want_out && turn_io_tcp_write(w, t) < 0)
		t->broken = 1;   /* closed by the timer: the caller may still use t */
}

void
turn_io_send_client(struct turn_worker *w, const struct client *c, const uint8_t *buf, size_t len)
{
	if (c->proto == IPPROTO_TCP)
		tcp_send(w, c->tcp, buf, len);
	else
		turn_io_send_udp(w, c->fd, buf, len, &c->remote);
}
