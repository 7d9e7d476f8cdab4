/*
 * types.h: the data plane's types, internal to src/turn.  The bottom of
 * the data-plane files: it includes only turn-internal.h and system
 * headers, and declares no function but two inline counters.  Each file's
 * functions are in its own header (tls.h, io.h, alloc.h, handler.h, tcp.h,
 * worker.h, stats.h), and the files use each other in that order only.
 *
 * A worker is one thread with one epoll set.  It owns its listener sockets
 * (SO_REUSEPORT: the kernel hashes each client 5-tuple to one worker), the
 * allocations created through them, their relay sockets, and its TCP
 * connections.  Nothing here is touched by another thread except the
 * control queue (mutex + eventfd) and the statistics (relaxed atomics).
 */
#ifndef PORTICO_TURN_TYPES_H
#define PORTICO_TURN_TYPES_H

#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "turn/turn-internal.h"

struct turn_worker;

enum ev_kind { EV_UDP, EV_TCP_LISTEN, EV_TLS_LISTEN, EV_TCP, EV_RELAY, EV_TIMER, EV_CTL };

/* First member of every object registered in the epoll set. */
struct ev {
	enum ev_kind kind;
	int fd;
};

/* Room kept in front of received relay data, so that a Data indication
 * header (20 + XOR-PEER-ADDRESS 24 + DATA 4) is written in place. */
#define RX_HEADROOM 48
/* Room for the largest UDP payload (65507) after the headroom, plus
 * padding: a slot costs address space, only the bytes received are touched. */
#define RX_SLOT (65536 + 128)
#define RX_BATCH 32
#define TX_BATCH 64
#define TX_SLOT 512            /* built responses */
/* The largest legal frame: a STUN message of 20 + 65532 bytes. */
#define TCP_RBUF_MAX (STUN_HEADER_LEN + 65536)
#define TCP_WBUF_MAX (256 * 1024)
#define TCP_IDLE_NO_ALLOC 60   /* seconds a TCP client may stay without an allocation */
#define RESP_CACHE 320        /* largest answer kept for retransmissions */
#define REJECT_LOG_PER_SEC 20

struct tcp_conn {
	struct ev ev;
	struct sockaddr_storage remote, local;
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, wcap;
	int want_out;              /* EPOLLOUT armed */
	int broken;                /* a write failed: close at the next tick */
	/* TLS (tls-listen): the session, the credentials it was started with
	 * (a reference, so a reload cannot free them under it), and the size
	 * of a record GnuTLS is still sending (GNUTLS_E_AGAIN contract). */
	gnutls_session_t tls;
	struct turn_users *tls_cred;
	int handshaking;
	size_t tls_inflight;
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

struct bucket {
	uint64_t tokens;
	uint64_t stamp_ms;
};

/* A source for the limiter (limit.c): family and address bytes, masked
 * to a prefix or whole (IPv4 in the first 4 bytes). */
struct rl_key {
	uint8_t fam;                   /* 4, 6, or 0 for an empty slot */
	uint8_t b[16];
};

/* Unauthenticated-answer buckets by source prefix (direct-mapped: a
 * colliding prefix takes the slot over). */
#define RL_SLOTS 1024
struct rl_slot {
	struct rl_key key;
	struct bucket b;
};

/* Addresses that completed an authenticated request: PROVEN_SETS sets of
 * PROVEN_WAYS entries, the one expiring first is replaced. */
#define PROVEN_SETS 512
#define PROVEN_WAYS 4
struct proven_slot {
	struct rl_key ip;
	uint64_t expires;              /* worker's monotonic seconds */
};

/* One worker's limiter; its thread only. */
struct turn_limit {
	struct rl_slot *buckets;       /* RL_SLOTS */
	struct proven_slot *proven;    /* PROVEN_SETS * PROVEN_WAYS */
	uint32_t seed;
};

/* Recent authenticated answers, so that a retransmitted request (same
 * transaction ID, same 5-tuple) gets the same bytes again (RFC 8489 6.3.1,
 * RFC 8656 7.2); direct-mapped by transaction ID. */
#define RESP_SLOTS 512
#define RESP_KEEP 40                   /* seconds (RFC 8489: 40 s over UDP) */
struct resp_slot {
	uint8_t tid[STUN_TID_LEN];
	uint16_t len;                  /* 0: empty */
	uint16_t port;
	int proto, fd;
	struct rl_key ip;
	uint64_t expires;
	uint8_t buf[RESP_CACHE];
};

/* A relayed transport address: one per address family of an allocation
 * (two for an RFC 8656 dual allocation). */
struct relay {
	struct ev ev;                  /* the relay socket; fd -1 when unused */
	struct alloc *a;
	struct sockaddr_storage addr;  /* bound */
	struct sockaddr_storage adv;   /* advertised (external-address) */
	int port;
};

struct alloc {
	struct alloc *hnext;           /* 5-tuple hash chain (UDP clients) */
	struct alloc *next, *prev;     /* worker list */
	struct client client;
	struct relay relay[2];         /* indexed by turn_fam() */
	unsigned families;             /* bit turn_fam(af) set when relay[] is open */
	char *user;                    /* as authenticated (a REST name: "expiry:user") */
	char *quota_user;              /* what the quota counts (REST: the user part) */
	uint8_t key[TURN_KEY_LEN];     /* the key it was authenticated with */
	uint64_t rest_expiry;          /* REST credentials: wall-clock expiry, else 0 */
	uint64_t created, expires;
	struct perm *perms;
	unsigned nperms, capperms;
	struct chan *chans;
	unsigned nchans, capchans;
	uint64_t c2p_pkts, c2p_bytes, p2c_pkts, p2c_bytes;
	struct bucket bw[2];           /* [0] client to peer, [1] peer to client */
	uint8_t alloc_tid[STUN_TID_LEN];    /* of the Allocate that made it */
};

/* Counters (turn_stat_names in stats.c gives their metric names). */
enum turn_stat {
	STAT_C2P_PKTS, STAT_C2P_BYTES, STAT_P2C_PKTS, STAT_P2C_BYTES,
	STAT_ALLOCS_CREATED,
	/* authentication failures, by reason */
	STAT_AUTH_BAD_PASSWORD, STAT_AUTH_UNKNOWN_USER, STAT_AUTH_WRONG_REALM,
	STAT_AUTH_STALE_NONCE, STAT_AUTH_MISSING_ATTR, STAT_AUTH_WRONG_CREDENTIALS,
	STAT_AUTH_EXPIRED,
	/* packets dropped, by reason */
	STAT_DROP_NO_ALLOCATION, STAT_DROP_NO_PERMISSION, STAT_DROP_MALFORMED,
	STAT_DROP_BANDWIDTH, STAT_DROP_RATELIMIT, STAT_DROP_SEND_FAILED,
	STAT_DROP_TRUNCATED, STAT_DROP_TCP_BACKLOG, STAT_DROP_NOT_REQUEST,
	/* refusals */
	STAT_QUOTA_USER, STAT_QUOTA_TOTAL, STAT_NO_PORT, STAT_PEER_DENIED,
	STAT_N
};

/* Written by the owning worker only, read by the control thread: relaxed
 * atomics (plain loads and stores on x86-64, no lock prefix needed for a
 * single writer, hence load+store rather than fetch_add). */
struct worker_stats {
	_Atomic uint64_t v[STAT_N];
	_Atomic uint64_t allocs;           /* gauge */
};


/* One allocation as /status shows it (copied out by its worker). */
struct alloc_info {
	char user[64];
	char client[ADDR_STRLEN + 8];
	char relay[2 * ADDR_STRLEN];
	uint64_t age, expires_in;
	unsigned perms, chans;
	uint64_t c2p_pkts, c2p_bytes, p2c_pkts, p2c_bytes;
};

/* A request for every worker's allocations: the control thread waits on
 * cond until pending reaches 0.  Heap-allocated, freed by whoever drops
 * the last of refs (workers + the control thread), so a control thread
 * that gave up waiting leaves nothing dangling.  lock guards everything. */
struct snapshot {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned pending, refs;
	struct alloc_info *v;
	size_t n, cap;
};

struct ctl_msg {
	enum { CTL_USERS, CTL_STOP, CTL_SNAPSHOT } type;
	struct turn_users *users;
	struct snapshot *snap;
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
	struct ev tlsl[TURN_MAX_LISTEN];
	unsigned ntls;
	struct alloc **htab;
	unsigned hsize, hcount;
	uint32_t hseed;
	struct alloc *allocs;
	struct tcp_conn *conns;
	uint64_t now, wallnow, now_ms;
	uint64_t total_bps_share;          /* max-total-kbps / workers, in bytes/s */
	struct bucket bw[2];
	struct turn_limit limit;
	struct resp_slot *cache;           /* RESP_SLOTS */
	uint64_t rng;
	unsigned log_budget;               /* reject lines left this second */
	unsigned long log_suppressed;
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

static inline void
turn_worker_add(struct turn_worker *w, enum turn_stat s, uint64_t n)
{
	_Atomic uint64_t *c = &w->stats.v[s];
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void
turn_worker_count(struct turn_worker *w, enum turn_stat s)
{
	turn_worker_add(w, s, 1);
}

#endif
