/*
 * turn-internal.h: types shared by the files of src/turn.  Not for other
 * modules (they use turn.h).
 *
 * Threads: the control thread owns struct turn_server and the config; each
 * worker thread owns its struct turn_worker and everything reachable from
 * it (allocations, TCP connections, relay sockets).  What crosses threads
 * is named at its definition: struct turn_shared (atomics and two mutexes,
 * never taken per relayed packet) and the worker's control queue.
 */
#ifndef PORTICO_TURN_INTERNAL_H
#define PORTICO_TURN_INTERNAL_H

#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "stun/stun.h"

#define TURN_MAX_LISTEN 16
#define TURN_MAX_CIDRS 64
#define TURN_MAX_SECRETS 8
#define TURN_REALM_MAX 128
#define TURN_USER_MAX 256       /* USERNAME is < 509 bytes; we cap lower */
#define TURN_KEY_LEN 16
#define TURN_DEFAULT_LIFETIME 600
#define TURN_PERMISSION_LIFETIME 300
#define TURN_CHANNEL_LIFETIME 600
/* A channel number/peer pair stays reserved this long after it expires
 * (RFC 8656 section 12). */
#define TURN_CHANNEL_COOLDOWN 300
#define TURN_RESERVATION_LIFETIME 30
#define TURN_SOFTWARE "portico"

/* ------------------------------------------------------------------ users */

struct turn_user {
	char *name;
	uint8_t key[TURN_KEY_LEN];   /* MD5(name:realm:SASLprep(password)) */
};

/* What SIGHUP replaces: [users], the TURN REST secrets and the TLS
 * certificate.  Immutable once built; shared by workers and TLS sessions
 * through refcounts (atomic). */
struct turn_users {
	atomic_int ref;
	unsigned n;
	struct turn_user *v;         /* sorted by name */
	char *secrets[TURN_MAX_SECRETS];
	unsigned nsecrets;
	gnutls_certificate_credentials_t cert;   /* NULL without tls-listen */
};

struct turn_users *turn_users_ref(struct turn_users *u);
void turn_users_unref(struct turn_users *u);
const struct turn_user *turn_users_find(const struct turn_users *u, const char *name);

/* ----------------------------------------------------------------- config */

struct turn_config {
	char *path;
	struct sockaddr_storage listen[TURN_MAX_LISTEN];
	unsigned nlisten;
	struct sockaddr_storage tls_listen[TURN_MAX_LISTEN];
	unsigned ntls;
	char *cert_file, *key_file;
	/* Per family: [0] IPv4, [1] IPv6; ss_family 0 when that family has none. */
	struct sockaddr_storage relay_addr[2];
	struct sockaddr_storage external_addr[2];
	unsigned port_lo, port_hi;
	char realm[TURN_REALM_MAX];
	struct cidr allowed[TURN_MAX_CIDRS];
	unsigned nallowed;
	struct cidr denied[TURN_MAX_CIDRS];
	unsigned ndenied;
	unsigned workers;            /* 0: one per CPU */
	unsigned user_quota;         /* 0: unlimited */
	unsigned total_quota;        /* 0: unlimited */
	unsigned max_permissions;
	unsigned max_lifetime;
	unsigned nonce_lifetime;
	int binding_auth;            /* refuse unauthenticated Binding */
	int legacy_channels;         /* accept RFC 5766 channels 0x5000-0x7FFE */
	int log_level;
	unsigned long long max_alloc_bps;   /* bytes/s per allocation and direction, 0: none */
	unsigned long long max_total_bps;   /* bytes/s for the server and direction, 0: none */
	unsigned unauth_rate;        /* unauthenticated answers per second and source prefix */
	unsigned unauth_v4_prefix;   /* prefix length grouping IPv4 sources for it */
	unsigned unauth_v6_prefix;   /* and IPv6 sources */
	unsigned socket_buffer;      /* SO_RCVBUF/SO_SNDBUF of UDP listeners, KiB */
	char rest_separator;
	struct sockaddr_storage admin_addr;  /* /metrics and /status; ss_family 0: off */
	char *admin_socket;                  /* or a unix socket at this path */
	int admin_auto;                      /* default: <runtime>/<config stem>.sock (datadir.h) */
	struct turn_users *users;    /* one reference, owned; holds auth-secret values */
};

/* Index into relay_addr[] / external_addr[] for an address family. */
static inline int
turn_fam(int af)
{
	return af == AF_INET6 ? 1 : 0;
}

/* ----------------------------------------------------------------- policy */

enum turn_peer_verdict {
	TURN_PEER_OK,
	TURN_PEER_DENIED,            /* 403 on requests, dropped on Send */
	TURN_PEER_FAMILY,            /* 443: family differs from the relay's */
};

/* Canonicalises peer into *canon (IPv4-in-IPv6 forms to IPv4) and decides.
 * why gets a short reason for the log ("loopback", "private range", ...). */
/* relay_families: bit 0 IPv4 relay present, bit 1 IPv6 relay present. */
enum turn_peer_verdict turn_policy_check(const struct turn_config *cfg, unsigned relay_families,
					  const struct sockaddr_storage *peer,
					  struct sockaddr_storage *canon, const char **why);

/* ------------------------------------------------------------------ auth */

#define TURN_NONCE_LEN 24            /* 8 hex time + 16 hex MAC */

/* Nonce: stateless, "<8 hex seconds><16 hex HMAC-SHA256(secret, time|client)>". */
void turn_nonce_make(const uint8_t secret[32], const struct sockaddr_storage *client,
		     uint64_t now, char out[TURN_NONCE_LEN + 1]);
/* 0 valid, -ESTALE expired, -EINVAL not ours / tampered. */
int turn_nonce_check(const uint8_t secret[32], const struct sockaddr_storage *client,
		     uint64_t now, unsigned lifetime, const uint8_t *nonce, size_t len);

/* --------------------------------------------------------- shared state */

/*
 * One per server, shared by every worker.  Relay ports: one atomic bit per
 * port (claimed with compare-and-swap).  Reservations (EVEN-PORT R) and
 * per-user counts: mutex, touched only when allocations start and end.
 */
struct turn_reservation {
	uint8_t token[8];
	int port;
	int fam;                           /* turn_fam() of the reserving relay */
	uint64_t expires;
};

struct turn_quota_entry {
	char *user;
	unsigned count;
	struct turn_quota_entry *next;
};

struct turn_shared {
	uint8_t nonce_secret[32];          /* read-only after start */
	unsigned port_lo, port_hi;         /* read-only */
	_Atomic uint64_t *port_bits;       /* bit set: port in use or reserved */
	atomic_uint total_allocs;
	pthread_mutex_t lock;              /* guards the fields below */
	struct turn_reservation resv[256];
	unsigned nresv;
	struct turn_quota_entry *quota[256];
};

int turn_shared_init(struct turn_shared *sh, const struct turn_config *cfg);
void turn_shared_free(struct turn_shared *sh);
/* Claim a free port (even when even!=0; even+1 too when reserve!=0).
 * Returns the port or -1 when the range is exhausted. */
int turn_ports_claim(struct turn_shared *sh, int even, int reserve);
void turn_ports_release(struct turn_shared *sh, int port);
/* Reservation tokens for the port above an EVEN-PORT R allocation. */
void turn_resv_add(struct turn_shared *sh, const uint8_t token[8], int port, int fam, uint64_t now);
/* Takes the reserved port for token (and its family slot), or -1. */
int turn_resv_take(struct turn_shared *sh, const uint8_t *token, size_t len, uint64_t now, int *fam);
/* The family slot a token reserved, without taking it; -1 if unknown. */
int turn_resv_family(struct turn_shared *sh, const uint8_t *token, size_t len, uint64_t now);
/* Drops expired reservations (and frees their ports). */
void turn_resv_expire(struct turn_shared *sh, uint64_t now);
/* Per-user and total quota; 0 admitted, 486 or 508 refused. */
int turn_quota_take(struct turn_shared *sh, const struct turn_config *cfg, const char *user);
void turn_quota_give(struct turn_shared *sh, const char *user);

/* ------------------------------------------------------------ timekeeping */

uint64_t turn_now(void);   /* CLOCK_MONOTONIC seconds */
uint64_t turn_wallclock(void);   /* CLOCK_REALTIME seconds (nonces) */

#endif
