/*
 * worker.h: the TURN data plane, internal to src/turn.
 *
 * A worker is one thread with one epoll set.  It owns its listener sockets
 * (SO_REUSEPORT: the kernel hashes each client 5-tuple to one worker), the
 * allocations created through them, their relay sockets, and its TCP
 * connections.  Nothing here is touched by another thread except the
 * control queue (mutex + eventfd) and the statistics (relaxed atomics).
 */
#ifndef PORTICO_TURN_WORKER_H
#define PORTICO_TURN_WORKER_H

#include <netinet/in.h>
#include <sys/uio.h>

#include "turn/turn-internal.h"

enum ev_kind { EV_UDP, EV_TCP_LISTEN, EV_TCP, EV_RELAY, EV_TIMER, EV_CTL };

/* First member of every object registered in the epoll set. */
struct ev {
	enum ev_kind kind;
	int fd;
};

/* Room kept in front of received relay data, so that a Data indication
 * header (20 + XOR-PEER-ADDRESS 24 + DATA 4) is written in place. */
#define RX_HEADROOM 48
#define RX_SLOT 4096
#define RX_BATCH 32
#define TX_BATCH 64
#define TX_SLOT 512            /* built responses */
#define TCP_RBUF_MAX (4 + 65535 + 3)
#define TCP_WBUF_MAX (256 * 1024)
#define TCP_IDLE_NO_ALLOC 60   /* seconds a TCP client may stay without an allocation */
#define RESP_CACHE 320

struct tcp_conn {
	struct ev ev;
	struct sockaddr_storage remote, local;
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, wcap;
	int want_out;              /* EPOLLOUT armed */
	int broken;                /* a write failed: close at the next tick */
	struct alloc *alloc;
	uint64_t last_rx;
	struct tcp_conn *next, *prev;
};

/* The client end of a 5-tuple. */
struct client {
	int proto;                 /* IPPROTO_UDP or IPPROTO_TCP */
	int fd;                    /* UDP listener or TCP connection */
	struct tcp_conn *tcp;      /* TCP only */
	struct sockaddr_storage remote, local;
};

struct perm {
	struct sockaddr_storage ip;    /* canonical; port ignored */
	uint64_t expires;
};

struct chan {
	uint16_t num;
	struct sockaddr_storage peer;  /* canonical */
	uint64_t expires;              /* unusable after; reserved until +COOLDOWN */
};

struct alloc {
	struct ev ev;                  /* the relay socket */
	struct alloc *hnext;           /* 5-tuple hash chain (UDP clients) */
	struct alloc *next, *prev;     /* worker list */
	struct client client;
	struct sockaddr_storage relay;     /* bound */
	struct sockaddr_storage relay_adv; /* advertised (external-address) */
	int port;
	char *user;
	uint8_t key[TURN_KEY_LEN];     /* the key it was authenticated with */
	uint64_t created, expires;
	struct perm *perms;
	unsigned nperms, capperms;
	struct chan *chans;
	unsigned nchans, capchans;
	uint64_t c2p_pkts, c2p_bytes, p2c_pkts, p2c_bytes;
	uint8_t last_tid[STUN_TID_LEN];
	uint16_t last_len;
	uint8_t last_resp[RESP_CACHE];
};

/* Counters read by the control thread (relaxed atomics, one writer). */
struct worker_stats {
	_Atomic uint64_t allocs;
	_Atomic uint64_t c2p_pkts, c2p_bytes, p2c_pkts, p2c_bytes;
	_Atomic uint64_t auth_fail, dropped;
};

struct ctl_msg {
	enum { CTL_USERS, CTL_STOP } type;
	struct turn_users *users;
	struct ctl_msg *next;
};

struct turn_worker {
	unsigned id;
	const struct turn_config *cfg;     /* read-only, outlives the worker */
	struct turn_shared *sh;
	struct turn_users *users;          /* this worker's reference */
	int epfd;
	struct ev ctl, timer;
	struct ev udp[TURN_MAX_LISTEN];
	struct ev tcpl[TURN_MAX_LISTEN];
	unsigned nlisten;
	struct alloc **htab;
	unsigned hsize, hcount;
	uint32_t hseed;
	struct alloc *allocs;
	struct tcp_conn *conns;
	uint64_t now, wallnow;
	uint64_t rng;
	int stop;
	pthread_t thread;
	pthread_mutex_t qlock;             /* guards qhead */
	struct ctl_msg *qhead;
	struct worker_stats stats;
	/* receive batch */
	uint8_t *rx;
	struct mmsghdr rxm[RX_BATCH];
	struct iovec rxiov[RX_BATCH];
	struct sockaddr_storage rxfrom[RX_BATCH];
	/* transmit batch: all entries go out through tx_fd */
	int tx_fd;
	unsigned ntx, ntxbuf;
	struct mmsghdr txm[TX_BATCH];
	struct iovec txiov[TX_BATCH];
	struct sockaddr_storage txto[TX_BATCH];
	uint8_t *txbuf;                    /* TX_BATCH slots of TX_SLOT */
};

/* worker.c */
int turn_worker_init(struct turn_worker *w, unsigned id, const struct turn_config *cfg,
		     struct turn_shared *sh, char *err, size_t errlen);
int turn_worker_start(struct turn_worker *w);
void turn_worker_post(struct turn_worker *w, struct ctl_msg *m);
void turn_worker_join_free(struct turn_worker *w);
/* Queue a datagram (buf must stay valid until the batch is flushed, i.e.
 * until the current event has been handled) or write to a TCP client. */
void worker_send_client(struct turn_worker *w, const struct client *c,
			const uint8_t *buf, size_t len);
void worker_send_udp(struct turn_worker *w, int fd, const uint8_t *buf, size_t len,
		     const struct sockaddr_storage *to);
/* Send everything queued now (before a socket or buffer goes away). */
void worker_flush(struct turn_worker *w);
/* A response slot from the transmit arena (valid until flush). */
uint8_t *worker_tx_slot(struct turn_worker *w);
int worker_watch(struct turn_worker *w, struct ev *ev, uint32_t events);
uint64_t worker_rand(struct turn_worker *w);

/* alloc.c: allocation table, permissions, channels.  Worker thread only. */
struct alloc *alloc_lookup(struct turn_worker *w, const struct client *c);
int alloc_insert(struct turn_worker *w, struct alloc *a);
void alloc_destroy(struct turn_worker *w, struct alloc *a, const char *reason);
struct perm *alloc_perm_find(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now);
int alloc_perm_install(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now, unsigned max);
struct chan *alloc_chan_by_num(struct alloc *a, uint16_t num, uint64_t now, int include_cooldown);
struct chan *alloc_chan_by_peer(struct alloc *a, const struct sockaddr_storage *peer, uint64_t now,
				int include_cooldown);
int alloc_chan_bind(struct alloc *a, uint16_t num, const struct sockaddr_storage *peer, uint64_t now);
void alloc_expire(struct turn_worker *w, uint64_t now);
const char *client_str(const struct client *c, char buf[ADDR_STRLEN + 8]);
unsigned alloc_lifetime(const struct turn_config *cfg, uint32_t requested);

/* handler.c: one datagram or TCP frame from a client. */
void handler_client_data(struct turn_worker *w, const struct client *c,
			 uint8_t *buf, size_t len);
/* TCP framing: like stun_frame_length, honouring legacy-channels. */
long handler_frame_length(const struct turn_worker *w, const uint8_t *buf, size_t avail);
/* Data from a peer arrived on a relay socket; buf has RX_HEADROOM before
 * it and room after it for padding. */
void handler_peer_data(struct turn_worker *w, struct alloc *a,
		       const struct sockaddr_storage *from, uint8_t *buf, size_t len);

#endif
