/*
 * turnc.h: a small blocking STUN/TURN client (RFC 8489, RFC 8656) over UDP
 * or TCP, for probes that must see what a real client sees: meet's TURN
 * status probe (meet/probe.c) and doctor's TURN checks (doctor/turn.c).
 * src/stun does the wire format; this module adds the sockets, the
 * retransmissions and the long-term credential exchange.
 *
 * Blocking, every wait bounded by the client's timeout_ms.  A struct turnc
 * belongs to the thread that opened it (meet: a GTask worker; doctor: its
 * only thread); no global state, no GLib.
 *
 * Return convention (as src/stun): 0 or a positive STUN error code for an
 * answered request, a negative errno value otherwise (-ETIMEDOUT nothing
 * answered, -ECONNREFUSED an ICMP port unreachable came back (UDP) or the
 * connection was refused (TCP), -ECONNRESET the TCP stream ended, -EMSGSIZE
 * a frame larger than TURNC_BUF, -EINVAL a password SASLprep refuses).
 */
#ifndef PORTICO_TURNC_H
#define PORTICO_TURNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stun/stun.h"

#define TURNC_BUF 2048
/* First UDP retransmission timeout; doubles on each retransmission
 * (RFC 8489 section 6.2.1) until the transaction's timeout_ms. */
#define TURNC_RTO_MS 200

struct turnc {
	int fd;                      /* -1 when closed */
	int tcp;
	unsigned timeout_ms;         /* bound of one transaction, and of turnc_recv */
	const char *user;            /* borrowed from turnc_allocate's caller */
	char realm[256], nonce[256];
	uint8_t key[16];             /* long-term key, valid when have_key */
	int have_key;
	int answered;                /* some request got an answer on this connection */
	long rtt_ms;                 /* round trip of the last answered request */
	long first_rtt_ms;           /* ... of the first one, -1 before */
	size_t rlen, roff;           /* TCP: bytes in rbuf, bytes of the frame handed out */
	uint8_t rbuf[TURNC_BUF];     /* what parsed messages point into */
};

/* Connects a socket to server (UDP, or TCP when tcp; a TCP connect is
 * bounded by timeout_ms).  0, or -errno with c->fd = -1. */
int turnc_open(struct turnc *c, const struct sockaddr_storage *server, int tcp,
	       unsigned timeout_ms);
/* Closes the socket and wipes the key.  Safe on a client that failed to
 * open (or was closed already). */
void turnc_close(struct turnc *c);

/* The next STUN message from the server within wait_ms (indications
 * included; datagrams and frames that are not STUN are skipped).  m points
 * into c->rbuf and is valid until the next receive on c. */
int turnc_recv(struct turnc *c, struct stun_msg *m, unsigned wait_ms);

/* Adds a request's own attributes (before the credentials). */
typedef void (*turnc_attrs_fn)(struct stun_builder *b, const void *arg);

/*
 * One transaction: method with attrs(arg) (attrs may be NULL); with auth
 * and a key from turnc_allocate, USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY; always FINGERPRINT.  Waits for the answer with the
 * same transaction id (UDP retransmits).  Returns its STUN error code (0
 * for a success answer, 400 when an error answer has no usable ERROR-CODE)
 * or a negative errno.  m holds the answer.
 */
int turnc_request(struct turnc *c, uint16_t method, int auth, turnc_attrs_fn attrs,
		  const void *arg, struct stun_msg *m);

/*
 * Allocate (REQUESTED-TRANSPORT UDP) with the long-term credential
 * mechanism: first without credentials; on 401 (or 438) the REALM and
 * NONCE of the challenge give the key for user/password and Allocate goes
 * again, once more on 438 Stale Nonce.  Returns the final code: 0
 * allocated, 401 the server refused these credentials, another STUN code,
 * -ETIMEDOUT when an Allocate got no answer (c->answered says whether an
 * earlier one did), -EINVAL when SASLprep refuses the password.  user is
 * kept (borrowed) for the requests that follow.  m holds the last answer.
 */
int turnc_allocate(struct turnc *c, const char *user, const char *password, struct stun_msg *m);
/* Refresh LIFETIME 0 (once more on 438): leaves no allocation behind. */
int turnc_release(struct turnc *c, struct stun_msg *m);
/* CreatePermission for peer's address. */
int turnc_permission(struct turnc *c, const struct sockaddr_storage *peer, struct stun_msg *m);
/* A Binding request without credentials. */
int turnc_binding(struct turnc *c, struct stun_msg *m);

/* The XOR-encoded address attribute type of m (XOR-MAPPED-ADDRESS,
 * XOR-RELAYED-ADDRESS, ...) into out.  0, -ENOENT or -EINVAL. */
int turnc_xor_addr(const struct stun_msg *m, uint16_t type, struct sockaddr_storage *out);

#endif
