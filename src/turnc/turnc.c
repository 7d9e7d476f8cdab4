/*
 * turnc.c: turnc_*, the blocking STUN/TURN client of turnc.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "common/addr.h"
#include "turnc/turnc.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
turnc_open(struct turnc *c, const struct sockaddr_storage *server, int tcp, unsigned timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int err;

	memset(c, 0, sizeof(*c));
	c->tcp = tcp;
	c->timeout_ms = timeout_ms;
	c->first_rtt_ms = -1;
	c->fd = socket(server->ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	/* On Linux the send timeout bounds a blocking connect too. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (const struct sockaddr *)server, addr_len(server)) == 0)
		return 0;
	err = errno == EINPROGRESS ? ETIMEDOUT : errno;
	close(c->fd);
	c->fd = -1;
	return -err;
}

void
turnc_close(struct turnc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	explicit_bzero(c->key, sizeof(c->key));
	c->have_key = 0;
}

/* TCP: hands out the next complete STUN frame of rbuf (1), or says more
 * bytes are needed (0).  ChannelData frames are skipped. */
static int
tcp_frame(struct turnc *c, struct stun_msg *m)
{
	for (;;) {
		long want;
		if (c->roff) {
			memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
			c->rlen -= c->roff;
			c->roff = 0;
		}
		want = stun_frame_length(c->rbuf, c->rlen);
		if (want < 0 || (size_t)want > sizeof(c->rbuf))
			return -EMSGSIZE;
		if (want == 0 || (size_t)want > c->rlen)
			return 0;
		c->roff = (size_t)want;
		if (stun_parse(m, c->rbuf, (size_t)want) == 0)
			return 1;
	}
}

/* Waits for readable input until deadline (monotonic ms). */
static int
wait_input(int fd, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		int r;
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0 || errno != EINTR)
			return -ETIMEDOUT;
	}
}

static int
recv_until(struct turnc *c, struct stun_msg *m, int64_t deadline)
{
	for (;;) {
		ssize_t n;
		int r = c->tcp ? tcp_frame(c, m) : 0;
		if (r != 0)
			return r > 0 ? 0 : r;
		if ((r = wait_input(c->fd, deadline)) < 0)
			return r;
		if (!c->tcp) {
			/* A port unreachable ends the wait; other errors and
			 * datagrams that are not STUN do not. */
			n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
			if (n > 0 && stun_parse(m, c->rbuf, (size_t)n) == 0)
				return 0;
			if (n < 0 && errno == ECONNREFUSED)
				return -ECONNREFUSED;
			continue;
		}
		n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
		if (n <= 0)
			return -ECONNRESET;
		c->rlen += (size_t)n;
	}
}

int
turnc_recv(struct turnc *c, struct stun_msg *m, unsigned wait_ms)
{
	return recv_until(c, m, now_ms() + wait_ms);
}

static int
send_all(struct turnc *c, const uint8_t *req, size_t len)
{
	ssize_t n = send(c->fd, req, len, MSG_NOSIGNAL);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EIO;
}

/* Sends req and waits for the answer with its transaction id; over UDP
 * retransmits after TURNC_RTO_MS, doubling, until timeout_ms. */
static int
exchange(struct turnc *c, const uint8_t *req, size_t len, struct stun_msg *m)
{
	int64_t sent = now_ms(), deadline = sent + c->timeout_ms;
	int64_t rto = TURNC_RTO_MS;
	int r = send_all(c, req, len);

	while (r == 0) {
		r = recv_until(c, m, c->tcp || sent + rto > deadline ? deadline : sent + rto);
		if (r == 0 && (memcmp(m->tid, req + 8, STUN_TID_LEN) || m->cls == STUN_INDICATION))
			continue;
		if (r == 0) {
			c->rtt_ms = (long)(now_ms() - sent);
			if (c->first_rtt_ms < 0)
				c->first_rtt_ms = c->rtt_ms;
			c->answered = 1;
			return 0;
		}
		if (r != -ETIMEDOUT || c->tcp || now_ms() >= deadline)
			return r;
		rto *= 2;
		sent = now_ms();
		r = send_all(c, req, len);
	}
	return r;
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
build_auth(struct stun_builder *b, const struct turnc *c)
{
	const char *user = c->user ? c->user : "";

	stun_build_attr(b, STUN_ATTR_USERNAME, user, strlen(user));
	stun_build_attr(b, STUN_ATTR_REALM, c->realm, strlen(c->realm));
	stun_build_attr(b, STUN_ATTR_NONCE, c->nonce, strlen(c->nonce));
	stun_build_integrity(b, c->key, sizeof(c->key));
}

int
turnc_request(struct turnc *c, uint16_t method, int auth, turnc_attrs_fn attrs, const void *arg,
	      struct stun_msg *m)
{
	uint8_t req[TURNC_BUF], tid[STUN_TID_LEN];
	struct stun_builder b;
	long len;
	int r;

	if (gnutls_rnd(GNUTLS_RND_NONCE, tid, sizeof(tid)) < 0)
		return -EIO;
	stun_build_init(&b, req, sizeof(req), method, STUN_REQUEST, tid);
	if (attrs)
		attrs(&b, arg);
	if (auth && c->have_key)
		build_auth(&b, c);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	if (len < 0)
		return (int)len;
	r = exchange(c, req, (size_t)len, m);
	return r < 0 ? r : error_code(m);
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

/* REALM and NONCE of a 401 or 438 answer, and the key they give. */
static int
take_challenge(struct turnc *c, const struct stun_msg *m, const char *password)
{
	copy_attr(m, STUN_ATTR_REALM, c->realm, sizeof(c->realm));
	copy_attr(m, STUN_ATTR_NONCE, c->nonce, sizeof(c->nonce));
	if (stun_longterm_key(c->user, c->realm, password ? password : "", c->key) < 0)
		return -EINVAL;
	c->have_key = 1;
	return 0;
}

static void
attrs_allocate(struct stun_builder *b, const void *arg)
{
	stun_build_u32(b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);   /* UDP */
}

int
turnc_allocate(struct turnc *c, const char *user, const char *password, struct stun_msg *m)
{
	int code;

	c->user = user;
	code = turnc_request(c, STUN_ALLOCATE, 1, attrs_allocate, NULL, m);
	for (int round = 0; round < 2 && (code == 438 || (code == 401 && round == 0)); round++) {
		if (take_challenge(c, m, password) < 0)
			return -EINVAL;
		code = turnc_request(c, STUN_ALLOCATE, 1, attrs_allocate, NULL, m);
	}
	return code;
}

static void
attrs_lifetime0(struct stun_builder *b, const void *arg)
{
	stun_build_u32(b, STUN_ATTR_LIFETIME, 0);
}

int
turnc_release(struct turnc *c, struct stun_msg *m)
{
	int code = turnc_request(c, STUN_REFRESH, 1, attrs_lifetime0, NULL, m);

	if (code == 438) {
		copy_attr(m, STUN_ATTR_NONCE, c->nonce, sizeof(c->nonce));
		code = turnc_request(c, STUN_REFRESH, 1, attrs_lifetime0, NULL, m);
	}
	return code;
}

static void
attrs_peer(struct stun_builder *b, const void *arg)
{
	stun_build_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, arg);
}

int
turnc_permission(struct turnc *c, const struct sockaddr_storage *peer, struct stun_msg *m)
{
	return turnc_request(c, STUN_CREATE_PERMISSION, 1, attrs_peer, peer, m);
}

int
turnc_binding(struct turnc *c, struct stun_msg *m)
{
	return turnc_request(c, STUN_BINDING, 0, NULL, NULL, m);
}

int
turnc_xor_addr(const struct stun_msg *m, uint16_t type, struct sockaddr_storage *out)
{
	const struct stun_attr *a = stun_msg_get(m, type);

	return a ? stun_attr_xor_addr(m, a, out) : -ENOENT;
}
