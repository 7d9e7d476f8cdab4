/*
 * turnc.c: doctor_turn_*, a real TURN client for doctor (src/stun's codec,
 * blocking sockets): Allocate without credentials (401 + REALM/NONCE),
 * the authenticated Allocate, then, when asked, a relay round trip: a
 * second socket of ours plays the peer, the allocation gets a permission
 * for it, and a datagram sent by that peer to the relayed address must come
 * back as a Data indication (this crosses the relay port range, so a
 * firewall that closes it is seen).  Finally Refresh LIFETIME 0.
 *
 * Blocking, bounded by timeouts; runs on doctor's only thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "common/addr.h"
#include "doctor/doctor-internal.h"
#include "stun/stun.h"

#define TURNC_BUF 2048
#define TURNC_TRIES 4

struct turnc {
	int fd, tcp, timeout_ms;
	char realm[256], nonce[256];
	uint8_t key[16];
	uint8_t rbuf[TURNC_BUF];
	size_t rlen;
};

static int
turnc_dial(struct turnc *c, const struct sockaddr_storage *sa, struct doctor_turn_result *res)
{
	struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };

	c->fd = socket(sa->ss_family, (c->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (const struct sockaddr *)sa, addr_len(sa)) == 0)
		return 0;
fail:
	snprintf(res->detail, sizeof(res->detail), "cannot %s: %s",
		 c->tcp ? "connect over TCP" : "open a UDP socket", strerror(errno));
	res->unreachable = 1;
	return -1;
}

/* Receives one STUN message (a TCP frame, or a datagram).  -1 on timeout. */
static int
turnc_recv(struct turnc *c, struct stun_msg *m)
{
	ssize_t n;

	if (!c->tcp) {
		n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
		return n > 0 && stun_parse(m, c->rbuf, (size_t)n) == 0 ? 0 : -1;
	}
	for (;;) {
		long want = stun_frame_length(c->rbuf, c->rlen);
		if (want > 0 && (size_t)want <= c->rlen) {
			int r = stun_parse(m, c->rbuf, (size_t)want) == 0 ? 0 : -1;
			/* The caller reads m before the next receive; keep the frame. */
			c->rlen = 0;
			return r;
		}
		if (want < 0 || c->rlen == sizeof(c->rbuf))
			return -1;
		n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
		if (n <= 0)
			return -1;
		c->rlen += (size_t)n;
	}
}

/* Sends req and waits for the answer with the same transaction id
 * (retransmitted over UDP).  -1 when nothing came back. */
static int
turnc_exchange(struct turnc *c, const uint8_t *req, long len, struct stun_msg *m)
{
	for (int t = 0; t < (c->tcp ? 1 : TURNC_TRIES); t++) {
		if (send(c->fd, req, (size_t)len, MSG_NOSIGNAL) != len)
			return -1;
		while (turnc_recv(c, m) == 0)
			if (!memcmp(m->tid, req + 8, STUN_TID_LEN) && m->cls != STUN_INDICATION)
				return 0;
	}
	return -1;
}

static int
error_code(const struct stun_msg *m)
{
	const struct stun_attr *a = stun_msg_get(m, STUN_ATTR_ERROR_CODE);
	const char *reason;
	size_t rlen;
	int code = 0;

	if (m->cls != STUN_ERROR)
		return 0;
	if (!a || stun_attr_error(a, &code, &reason, &rlen) < 0)
		return 400;
	return code;
}

static void
copy_attr(const struct stun_msg *m, uint16_t type, char *out, size_t cap)
{
	const struct stun_attr *a = stun_msg_get(m, type);
	size_t n = a ? (a->len < cap - 1 ? a->len : cap - 1) : 0;

	if (a)
		memcpy(out, a->val, n);
	out[n] = '\0';
}

static void
build_auth(struct stun_builder *b, struct turnc *c, const char *user)
{
	stun_build_attr(b, STUN_ATTR_USERNAME, user, strlen(user));
	stun_build_attr(b, STUN_ATTR_REALM, c->realm, strlen(c->realm));
	stun_build_attr(b, STUN_ATTR_NONCE, c->nonce, strlen(c->nonce));
	stun_build_integrity(b, c->key, sizeof(c->key));
	stun_build_fingerprint(b);
}

/* One request; auth adds the long-term credentials.  Returns the STUN
 * error code (0 for success), or -1 when no answer came. */
static int
turnc_request(struct turnc *c, uint16_t method, const char *user, int auth,
	      void (*attrs)(struct stun_builder *b, const void *arg), const void *arg,
	      struct stun_msg *m)
{
	uint8_t req[TURNC_BUF], tid[STUN_TID_LEN];
	struct stun_builder b;
	long len;

	gnutls_rnd(GNUTLS_RND_NONCE, tid, sizeof(tid));
	stun_build_init(&b, req, sizeof(req), method, STUN_REQUEST, tid);
	if (attrs)
		attrs(&b, arg);
	if (auth)
		build_auth(&b, c, user);
	len = stun_build_finish(&b);
	if (len < 0 || turnc_exchange(c, req, len, m) < 0)
		return -1;
	return error_code(m);
}

static void
attrs_allocate(struct stun_builder *b, const void *arg)
{
	stun_build_u32(b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);
}

static void
attrs_lifetime0(struct stun_builder *b, const void *arg)
{
	stun_build_u32(b, STUN_ATTR_LIFETIME, 0);
}

static void
attrs_peer(struct stun_builder *b, const void *arg)
{
	stun_build_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, arg);
}

static void
take_challenge(struct turnc *c, const struct stun_msg *m)
{
	copy_attr(m, STUN_ATTR_REALM, c->realm, sizeof(c->realm));
	copy_attr(m, STUN_ATTR_NONCE, c->nonce, sizeof(c->nonce));
}

/* Unauthenticated Allocate (expecting 401 with REALM and NONCE), then the
 * authenticated one, once more on 438 Stale Nonce.  A 401 at the end means
 * the server does not accept these credentials.  -2: unusable password. */
static int
turnc_allocate(struct turnc *c, const char *user, const char *password, struct stun_msg *m,
	       struct doctor_turn_result *res)
{
	int code = turnc_request(c, STUN_ALLOCATE, user, 0, attrs_allocate, NULL, m);

	if (code != 401)
		return code;
	take_challenge(c, m);
	if (stun_longterm_key(user, c->realm, password, c->key) < 0) {
		snprintf(res->detail, sizeof(res->detail), "the password is not valid SASLprep text");
		return -2;
	}
	code = turnc_request(c, STUN_ALLOCATE, user, 1, attrs_allocate, NULL, m);
	if (code == 438) {
		take_challenge(c, m);
		code = turnc_request(c, STUN_ALLOCATE, user, 1, attrs_allocate, NULL, m);
	}
	return code;
}

/* A peer socket of ours sends to the relayed address; the datagram must
 * come back to us as a Data indication.  0 when it did. */
static int
turnc_relay_roundtrip(struct turnc *c, const char *user, const struct sockaddr_storage *relayed,
		      const struct sockaddr_storage *local_ip, struct doctor_turn_result *res)
{
	struct sockaddr_storage peer = *local_ip;
	socklen_t sl = sizeof(peer);
	struct stun_msg m;
	static const char probe[] = "portico doctor relay probe";
	int pfd = socket(relayed->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	addr_set_port(&peer, 0);
	if (pfd < 0 || bind(pfd, (struct sockaddr *)&peer, addr_len(&peer)) < 0 ||
	    getsockname(pfd, (struct sockaddr *)&peer, &sl) < 0)
		goto out;
	if (turnc_request(c, STUN_CREATE_PERMISSION, user, 1, attrs_peer, &peer, &m) != 0) {
		snprintf(res->detail, sizeof(res->detail), "CreatePermission for the test peer was refused");
		goto out;
	}
	for (int t = 0; t < TURNC_TRIES && ret < 0; t++) {
		sendto(pfd, probe, sizeof(probe), 0, (const struct sockaddr *)relayed, addr_len(relayed));
		while (ret < 0 && turnc_recv(c, &m) == 0)
			if (m.method == STUN_DATA && m.cls == STUN_INDICATION)
				ret = 0;
	}
	if (ret < 0)
		snprintf(res->detail, sizeof(res->detail), "nothing came back through the relayed address");
out:
	if (pfd >= 0)
		close(pfd);
	return ret;
}

static void
fill_addrs(const struct stun_msg *m, struct doctor_turn_result *res)
{
	const struct stun_attr *a = stun_msg_get(m, STUN_ATTR_XOR_RELAYED_ADDRESS);

	if (a)
		stun_attr_xor_addr(m, a, &res->relayed);
	a = stun_msg_get(m, STUN_ATTR_XOR_MAPPED_ADDRESS);
	if (a)
		stun_attr_xor_addr(m, a, &res->mapped);
}

int
doctor_turn_allocate(const struct sockaddr_storage *server, int tcp, const char *user,
		     const char *password, int relay_check, int timeout_ms,
		     struct doctor_turn_result *res)
{
	struct turnc c = { .fd = -1, .tcp = tcp, .timeout_ms = timeout_ms };
	struct sockaddr_storage local;
	socklen_t sl = sizeof(local);
	struct stun_msg m;
	int code;

	memset(res, 0, sizeof(*res));
	if (turnc_dial(&c, server, res) < 0)
		goto out;
	code = turnc_allocate(&c, user, password, &m, res);
	res->code = code;
	if (code == -1) {
		res->unreachable = 1;
		snprintf(res->detail, sizeof(res->detail), "no answer to Allocate");
	} else if (code == 0) {
		res->allocated = 1;
		fill_addrs(&m, res);
		getsockname(c.fd, (struct sockaddr *)&local, &sl);
		if (relay_check)
			res->relay_ok = turnc_relay_roundtrip(&c, user, &res->relayed, &local, res) == 0;
		turnc_request(&c, STUN_REFRESH, user, 1, attrs_lifetime0, NULL, &m);
	} else if (code > 0) {
		snprintf(res->detail, sizeof(res->detail), "Allocate refused with %d %s", code,
			 stun_reason(code));
	}
out:
	explicit_bzero(c.key, sizeof(c.key));
	if (c.fd >= 0)
		close(c.fd);
	return res->allocated ? 0 : -1;
}
