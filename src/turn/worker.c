/*
 * worker.c: one TURN data-plane thread: epoll over its listeners, relay
 * sockets, TCP connections, a 1 s timer and a control eventfd.  Datagrams
 * are read with recvmmsg and written with sendmmsg in batches; a relayed
 * packet is neither copied nor allocated (headers are written in the
 * headroom kept in front of the received data).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/plog.h"
#include "turn/alloc.h"
#include "turn/handler.h"
#include "turn/io.h"
#include "turn/limit.h"
#include "turn/tcp.h"
#include "turn/worker.h"

#define SETERR(...) snprintf(err, errlen, __VA_ARGS__)

static void rx_setup(struct turn_worker *w);

/* --------------------------------------------------------------- sockets */

/* A listener carries every client of the worker: give it room for a
 * scheduling hiccup (the kernel default, ~200 KiB, is a few ms at load).
 * SO_*BUFFORCE passes net.core.[rw]mem_max when we have CAP_NET_ADMIN. */
static void
size_buffers(int fd, unsigned kib)
{
	int v = (int)(kib * 1024u);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static int
listen_socket(const struct sockaddr_storage *addr, int type, char *err, size_t errlen)
{
	char as[ADDR_STRLEN];
	int one = 1;
	int fd = socket(addr->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, addr_len(addr)) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 1024) < 0)
		goto fail;
	return fd;
fail:
	SETERR("cannot listen on %s %s: %s", type == SOCK_STREAM ? "TCP" : "UDP",
	       addr_str(addr, as, 1), strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The worker's own UDP+TCP and TLS listeners (SO_REUSEPORT). */
static int
open_listeners(struct turn_worker *w, const struct turn_config *cfg, char *err, size_t errlen)
{
	unsigned id = w->id;

	for (unsigned i = 0; i < cfg->nlisten; i++) {
		w->udp[i].kind = EV_UDP;
		w->tcpl[i].kind = EV_TCP_LISTEN;
		w->udp[i].fd = listen_socket(&cfg->listen[i], SOCK_DGRAM, err, errlen);
		if (w->udp[i].fd >= 0)
			size_buffers(w->udp[i].fd, cfg->socket_buffer);
		w->tcpl[i].fd = w->udp[i].fd < 0 ? -1 : listen_socket(&cfg->listen[i], SOCK_STREAM, err, errlen);
		w->nlisten = i + 1;
		if (w->tcpl[i].fd < 0)
			return -1;
		if (turn_io_watch(w, &w->udp[i], EPOLLIN) < 0 || turn_io_watch(w, &w->tcpl[i], EPOLLIN) < 0) {
			SETERR("worker %u: epoll: %s", id, strerror(errno));
			return -1;
		}
	}
	for (unsigned i = 0; i < cfg->ntls; i++) {
		w->tlsl[i].kind = EV_TLS_LISTEN;
		w->tlsl[i].fd = listen_socket(&cfg->tls_listen[i], SOCK_STREAM, err, errlen);
		w->ntls = i + 1;
		if (w->tlsl[i].fd < 0)
			return -1;
		if (turn_io_watch(w, &w->tlsl[i], EPOLLIN) < 0) {
			SETERR("worker %u: epoll: %s", id, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
turn_worker_init(struct turn_worker *w, unsigned id, const struct turn_config *cfg,
		 struct turn_shared *sh, char *err, size_t errlen)
{
	struct itimerspec tick = { { 1, 0 }, { 1, 0 } };
	int lim;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->cfg = cfg;
	w->sh = sh;
	w->users = turn_users_ref(cfg->users);
	w->ctl.fd = w->timer.fd = -1;
	for (unsigned i = 0; i < TURN_MAX_LISTEN; i++)
		w->udp[i].fd = w->tcpl[i].fd = w->tlsl[i].fd = -1;
	w->ctl.kind = EV_CTL;
	w->timer.kind = EV_TIMER;
	pthread_mutex_init(&w->qlock, NULL);
	w->hsize = 256;
	w->htab = calloc(w->hsize, sizeof(*w->htab));
	w->rx = malloc((size_t)RX_BATCH * RX_SLOT);
	w->txbuf = malloc((size_t)TX_BATCH * TX_SLOT);
	w->cache = calloc(RESP_SLOTS, sizeof(*w->cache));
	w->log_budget = REJECT_LOG_PER_SEC;
	if (getentropy(&w->rng, sizeof(w->rng)) < 0 || !w->rng)
		w->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)id;
	w->hseed = (uint32_t)turn_io_rand(w);
	lim = turn_limit_init(&w->limit, (uint32_t)turn_io_rand(w));
	if (w->rx)
		rx_setup(w);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!w->htab || !w->rx || !w->txbuf || !w->cache || lim < 0 || w->epfd < 0) {
		SETERR("worker %u: out of memory or file descriptors", id);
		return -1;
	}
	w->ctl.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->ctl.fd < 0 || w->timer.fd < 0 || timerfd_settime(w->timer.fd, 0, &tick, NULL) < 0 ||
	    turn_io_watch(w, &w->ctl, EPOLLIN) < 0 || turn_io_watch(w, &w->timer, EPOLLIN) < 0) {
		SETERR("worker %u: %s", id, strerror(errno));
		return -1;
	}
	return open_listeners(w, cfg, err, errlen);
}

/* --------------------------------------------------------------- receive */

static void
rx_setup(struct turn_worker *w)
{
	for (int i = 0; i < RX_BATCH; i++) {
		w->rxiov[i].iov_base = w->rx + (size_t)i * RX_SLOT + RX_HEADROOM;
		w->rxiov[i].iov_len = RX_SLOT - RX_HEADROOM - 4;   /* 4: tail padding */
		memset(&w->rxm[i].msg_hdr, 0, sizeof(w->rxm[i].msg_hdr));
		w->rxm[i].msg_hdr.msg_iov = &w->rxiov[i];
		w->rxm[i].msg_hdr.msg_iovlen = 1;
		w->rxm[i].msg_hdr.msg_name = &w->rxfrom[i];
	}
}

/* recvmmsg changes only the name length and flags of each header. */
static int
rx_batch(struct turn_worker *w, int fd)
{
	for (int i = 0; i < RX_BATCH; i++) {
		w->rxm[i].msg_hdr.msg_namelen = sizeof(w->rxfrom[i]);
		w->rxm[i].msg_hdr.msg_flags = 0;
	}
	return recvmmsg(fd, w->rxm, RX_BATCH, MSG_DONTWAIT, NULL);
}

static void
on_udp(struct turn_worker *w, struct ev *ev, unsigned idx)
{
	struct client c = { .proto = IPPROTO_UDP, .fd = ev->fd, .local = w->cfg->listen[idx] };
	int n;

	while ((n = rx_batch(w, ev->fd)) > 0) {
		for (int i = 0; i < n; i++) {
			if (w->rxm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				turn_worker_count(w, STAT_DROP_TRUNCATED);
				continue;
			}
			c.remote = w->rxfrom[i];
			turn_handler_client_data(w, &c, w->rxiov[i].iov_base, w->rxm[i].msg_len);
		}
		turn_io_flush(w);
		if (n < RX_BATCH)
			break;
	}
}

static void
on_relay(struct turn_worker *w, struct relay *rl)
{
	int n;

	while ((n = rx_batch(w, rl->ev.fd)) > 0) {
		for (int i = 0; i < n; i++) {
			if (w->rxm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				turn_worker_count(w, STAT_DROP_TRUNCATED);
				continue;
			}
			turn_indication_peer_data(w, rl, &w->rxfrom[i], w->rxiov[i].iov_base, w->rxm[i].msg_len);
		}
		turn_io_flush(w);
		if (n < RX_BATCH)
			break;
	}
}

/* --------------------------------------------------------- control, timer */

static void
read_clock(struct turn_worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	w->now = (uint64_t)ts.tv_sec;
	w->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	w->wallnow = turn_wallclock();
}

void
turn_worker_clock(struct turn_worker *w)
{
	read_clock(w);
}

void
turn_worker_post(struct turn_worker *w, struct ctl_msg *m)
{
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&w->qlock);
	m->next = w->qhead;
	w->qhead = m;
	pthread_mutex_unlock(&w->qlock);
	n = write(w->ctl.fd, &one, sizeof(one));
	(void)n;
}

void
turn_snapshot_unref_locked(struct snapshot *s)
{
	int last = --s->refs == 0;

	pthread_mutex_unlock(&s->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->v);
	free(s);
}

/* Appends this worker's allocations to s and tells the control thread. */
static void
worker_snapshot(struct turn_worker *w, struct snapshot *s)
{
	pthread_mutex_lock(&s->lock);
	for (struct alloc *a = w->allocs; a; a = a->next) {
		struct alloc_info *i;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct alloc_info *v = realloc(s->v, cap * sizeof(*v));
			if (!v)
				break;
			s->v = v;
			s->cap = cap;
		}
		i = &s->v[s->n++];
		snprintf(i->user, sizeof(i->user), "%s", a->user);
		turn_alloc_client_str(&a->client, i->client);
		turn_alloc_relay_str(a, i->relay, sizeof(i->relay));
		i->age = w->now - a->created;
		i->expires_in = a->expires > w->now ? a->expires - w->now : 0;
		i->perms = a->nperms;
		i->chans = a->nchans;
		i->c2p_pkts = a->c2p_pkts;
		i->c2p_bytes = a->c2p_bytes;
		i->p2c_pkts = a->p2c_pkts;
		i->p2c_bytes = a->p2c_bytes;
	}
	s->pending--;
	pthread_cond_signal(&s->cond);
	turn_snapshot_unref_locked(s);
}

static void
on_ctl(struct turn_worker *w)
{
	struct ctl_msg *m, *next;
	uint64_t v;
	ssize_t n = read(w->ctl.fd, &v, sizeof(v));

	(void)n;
	pthread_mutex_lock(&w->qlock);
	m = w->qhead;
	w->qhead = NULL;
	pthread_mutex_unlock(&w->qlock);
	for (; m; m = next) {
		next = m->next;
		if (m->type == CTL_STOP) {
			w->stop = 1;
		} else if (m->type == CTL_SNAPSHOT) {
			worker_snapshot(w, m->snap);
		} else if (m->type == CTL_USERS) {
			turn_users_unref(w->users);
			w->users = m->users;   /* the message's reference moves here */
		}
		free(m);
	}
}

static void
on_timer(struct turn_worker *w)
{
	uint64_t v;
	ssize_t n = read(w->timer.fd, &v, sizeof(v));
	(void)n;
	if (w->log_suppressed) {
		plog(PLOG_WARN, "turn", "%lu more rejected requests were not logged (limit %u lines a second)",
		     w->log_suppressed, REJECT_LOG_PER_SEC);
		w->log_suppressed = 0;
	}
	w->log_budget = REJECT_LOG_PER_SEC;
	turn_alloc_expire(w, w->now);
	if (w->id == 0)
		turn_resv_expire(w->sh, w->now);
	turn_tcp_sweep(w);
}

static void
dispatch(struct turn_worker *w, struct epoll_event *e)
{
	struct ev *ev = e->data.ptr;

	switch (ev->kind) {
	case EV_UDP:
		on_udp(w, ev, (unsigned)(ev - w->udp));
		break;
	case EV_TCP_LISTEN:
		turn_tcp_accept(w, ev, &w->cfg->listen[ev - w->tcpl], 0);
		break;
	case EV_TLS_LISTEN:
		turn_tcp_accept(w, ev, &w->cfg->tls_listen[ev - w->tlsl], 1);
		break;
	case EV_TCP:
		turn_tcp_event(w, (struct tcp_conn *)ev, e->events);
		break;
	case EV_RELAY:
		on_relay(w, (struct relay *)ev);
		break;
	case EV_TIMER:
		on_timer(w);
		break;
	case EV_CTL:
		on_ctl(w);
		break;
	}
}

static void *
worker_loop(void *arg)
{
	struct turn_worker *w = arg;
	struct epoll_event ev[64];

	while (!w->stop) {
		int n = epoll_wait(w->epfd, ev, 64, -1);
		read_clock(w);
		for (int i = 0; i < n; i++)
			dispatch(w, &ev[i]);
		turn_io_flush(w);
	}
	return NULL;
}

int
turn_worker_start(struct turn_worker *w)
{
	read_clock(w);
	return pthread_create(&w->thread, NULL, worker_loop, w) == 0 ? 0 : -1;
}

void
turn_worker_join_free(struct turn_worker *w)
{
	struct ctl_msg *m, *next;

	if (w->thread) {
		m = calloc(1, sizeof(*m));
		if (m) {
			m->type = CTL_STOP;
			turn_worker_post(w, m);
		}
		pthread_join(w->thread, NULL);
	}
	while (w->conns)
		turn_tcp_close(w, w->conns, "server shutdown");
	while (w->allocs)
		turn_alloc_destroy(w, w->allocs, "server shutdown");
	for (m = w->qhead; m; m = next) {
		next = m->next;
		if (m->users)
			turn_users_unref(m->users);
		if (m->snap) {
			pthread_mutex_lock(&m->snap->lock);
			m->snap->pending--;
			pthread_cond_signal(&m->snap->cond);
			turn_snapshot_unref_locked(m->snap);
		}
		free(m);
	}
	for (unsigned i = 0; i < w->nlisten; i++) {
		if (w->udp[i].fd >= 0)
			close(w->udp[i].fd);
		if (w->tcpl[i].fd >= 0)
			close(w->tcpl[i].fd);
	}
	for (unsigned i = 0; i < w->ntls; i++)
		if (w->tlsl[i].fd >= 0)
			close(w->tlsl[i].fd);
	if (w->ctl.fd >= 0)
		close(w->ctl.fd);
	if (w->timer.fd >= 0)
		close(w->timer.fd);
	if (w->epfd >= 0)
		close(w->epfd);
	turn_users_unref(w->users);
	pthread_mutex_destroy(&w->qlock);
	free(w->htab);
	free(w->rx);
	free(w->txbuf);
	free(w->cache);
	turn_limit_free(&w->limit);
}
