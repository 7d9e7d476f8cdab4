/*
 * Unit tests of src/turnc/turnc.c against a tiny STUN/TURN responder built
 * with src/stun, on real loopback sockets (UDP and TCP, port chosen by the
 * kernel), in a thread of this program.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "tap.h"
#include "turnc/turnc.h"

#define USER "alice"
#define PASSWORD "secret"
#define REALM "test.realm"

struct responder {
	int fd, tcp;
	struct sockaddr_storage addr;
	pthread_t th;
	atomic_int stop;
	/* behaviour */
	int drop_first;            /* ignore the first request (UDP: a retransmission must come) */
	int stale_once;            /* 438 to the first authenticated request */
	int noise;                 /* junk and strays before answers, an indication after */
	/* what it saw (read after the thread ended) */
	int requests, repeats, auth_ok, auth_bad, lifetime0, fingerprints;
	char nonce[32];
	uint8_t last_tid[STUN_TID_LEN];
};

static const struct sockaddr_storage *
relayed_addr(void)
{
	static struct sockaddr_storage ss;

	addr_parse("127.0.0.1:40000", 0, &ss);
	return &ss;
}

static void
challenge(struct stun_builder *b, int code, const char *nonce)
{
	stun_build_error(b, code, NULL);
	stun_build_attr(b, STUN_ATTR_REALM, REALM, strlen(REALM));
	stun_build_attr(b, STUN_ATTR_NONCE, nonce, strlen(nonce));
}

/* Checks the credentials; 0 when good, else the error code to answer. */
static int
check_auth(struct responder *r, const struct stun_msg *q)
{
	const struct stun_attr *u = stun_msg_get(q, STUN_ATTR_USERNAME);
	const struct stun_attr *n = stun_msg_get(q, STUN_ATTR_NONCE);
	char user[64] = "";
	uint8_t key[16];

	if (q->mi < 0 || !u || u->len >= sizeof(user))
		return 401;
	if (!n || n->len != strlen(r->nonce) || memcmp(n->val, r->nonce, n->len))
		return 438;
	if (r->stale_once) {
		r->stale_once = 0;
		strcpy(r->nonce, "nonce-2");
		return 438;
	}
	memcpy(user, u->val, u->len);
	if (stun_longterm_key(user, REALM, PASSWORD, key) < 0 ||
	    stun_check_integrity(q, key, sizeof(key)) != 0) {
		r->auth_bad++;
		return 401;
	}
	r->auth_ok++;
	return 0;
}

static void
answer_method(struct responder *r, const struct stun_msg *q, const struct sockaddr_storage *from,
	      struct stun_builder *b)
{
	const struct stun_attr *lt = stun_msg_get(q, STUN_ATTR_LIFETIME);
	uint32_t v = 1;

	switch (q->method) {
	case STUN_ALLOCATE:
		stun_build_xor_addr(b, STUN_ATTR_XOR_RELAYED_ADDRESS, (const struct sockaddr *)relayed_addr());
		stun_build_xor_addr(b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)from);
		stun_build_u32(b, STUN_ATTR_LIFETIME, 600);
		break;
	case STUN_REFRESH:
		if (lt && stun_attr_u32(lt, &v) == 0 && v == 0)
			r->lifetime0++;
		stun_build_u32(b, STUN_ATTR_LIFETIME, v);
		break;
	case STUN_CREATE_PERMISSION:
		break;
	}
}

/* The answer to q (from from) into out; its length, 0 for none. */
static long
answer(struct responder *r, const struct stun_msg *q, const struct sockaddr_storage *from,
       uint8_t *out, size_t cap)
{
	struct stun_builder b;
	int code = 0;

	r->repeats += r->requests && !memcmp(q->tid, r->last_tid, STUN_TID_LEN);
	memcpy(r->last_tid, q->tid, STUN_TID_LEN);
	r->fingerprints += q->fp >= 0 && stun_check_fingerprint(q) == 0;
	if (r->requests++ == 0 && r->drop_first)
		return 0;
	if (q->method != STUN_BINDING)
		code = check_auth(r, q);
	stun_build_init(&b, out, cap, q->method, code ? STUN_ERROR : STUN_SUCCESS, q->tid);
	if (code)
		challenge(&b, code, r->nonce);
	else if (q->method == STUN_BINDING)
		stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)from);
	else
		answer_method(r, q, from, &b);
	stun_build_fingerprint(&b);
	return stun_build_finish(&b);
}

/* A Data indication from the relayed address's peer (40001). */
static long
indication(uint8_t *out, size_t cap)
{
	static const uint8_t tid[STUN_TID_LEN] = { 9, 9, 9 };
	struct sockaddr_storage peer;
	struct stun_builder b;

	addr_parse("127.0.0.1:40001", 0, &peer);
	stun_build_init(&b, out, cap, STUN_DATA, STUN_INDICATION, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)&peer);
	stun_build_attr(&b, STUN_ATTR_DATA, "hello", 5);
	return stun_build_finish(&b);
}

/* A success answer with another transaction id: a stray the client must ignore. */
static long
stray(uint8_t *out, size_t cap)
{
	static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3 };
	struct stun_builder b;

	stun_build_init(&b, out, cap, STUN_BINDING, STUN_SUCCESS, tid);
	return stun_build_finish(&b);
}

static int
wait_readable(struct responder *r, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	while (!atomic_load(&r->stop))
		if (poll(&p, 1, 50) > 0)
			return 0;
	return -1;
}

static void
serve_udp(struct responder *r)
{
	uint8_t in[TURNC_BUF], out[TURNC_BUF];
	struct sockaddr_storage from;
	struct stun_msg q;

	while (wait_readable(r, r->fd) == 0) {
		socklen_t sl = sizeof(from);
		ssize_t n = recvfrom(r->fd, in, sizeof(in), 0, (struct sockaddr *)&from, &sl);
		long len;
		if (n <= 0 || stun_parse(&q, in, (size_t)n) < 0 || q.cls != STUN_REQUEST)
			continue;
		if ((len = answer(r, &q, &from, out, sizeof(out))) <= 0)
			continue;
		if (r->noise) {
			long s = stray(in, sizeof(in));
			sendto(r->fd, "junk", 4, 0, (struct sockaddr *)&from, sl);
			sendto(r->fd, in, (size_t)s, 0, (struct sockaddr *)&from, sl);
		}
		sendto(r->fd, out, (size_t)len, 0, (struct sockaddr *)&from, sl);
		if (r->noise && q.method == STUN_CREATE_PERMISSION) {
			long s = indication(in, sizeof(in));
			sendto(r->fd, in, (size_t)s, 0, (struct sockaddr *)&from, sl);
		}
	}
}

/* TCP: with noise, one write holds a ChannelData frame, a stray, the answer
 * and (after CreatePermission) a Data indication: framing is tested. */
static void
tcp_answer(struct responder *r, int fd, const struct stun_msg *q, const struct sockaddr_storage *from)
{
	uint8_t out[4 * TURNC_BUF];
	size_t o = 0;
	long len;

	if (r->noise) {
		stun_channel_header(out, 0x4000, 3);
		memcpy(out + 4, "abc\0", 4);
		o = 8;
		o += (size_t)stray(out + o, sizeof(out) - o);
	}
	if ((len = answer(r, q, from, out + o, TURNC_BUF)) <= 0)
		return;
	o += (size_t)len;
	if (r->noise && q->method == STUN_CREATE_PERMISSION)
		o += (size_t)indication(out + o, TURNC_BUF);
	send(fd, out, o, MSG_NOSIGNAL);
}

static void
serve_tcp_conn(struct responder *r, int fd, const struct sockaddr_storage *from)
{
	uint8_t in[TURNC_BUF];
	size_t have = 0;
	struct stun_msg q;

	while (wait_readable(r, fd) == 0) {
		ssize_t n = recv(fd, in + have, sizeof(in) - have, 0);
		long want;
		if (n <= 0)
			return;
		have += (size_t)n;
		while ((want = stun_frame_length(in, have)) > 0 && (size_t)want <= have) {
			if (stun_parse(&q, in, (size_t)want) == 0 && q.cls == STUN_REQUEST)
				tcp_answer(r, fd, &q, from);
			memmove(in, in + want, have - (size_t)want);
			have -= (size_t)want;
		}
		if (want < 0)
			return;
	}
}

static void
serve_tcp(struct responder *r)
{
	while (wait_readable(r, r->fd) == 0) {
		struct sockaddr_storage from;
		socklen_t sl = sizeof(from);
		int fd = accept(r->fd, (struct sockaddr *)&from, &sl);
		if (fd < 0)
			continue;
		serve_tcp_conn(r, fd, &from);
		close(fd);
	}
}

static void *
serve(void *arg)
{
	struct responder *r = arg;

	if (r->tcp)
		serve_tcp(r);
	else
		serve_udp(r);
	return NULL;
}

/* Binds a socket on 127.0.0.1, port chosen by the kernel. */
static int
bind_loopback(int tcp, struct sockaddr_storage *addr)
{
	socklen_t sl = sizeof(*addr);
	int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);

	addr_parse("127.0.0.1:0", 0, addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, addr_len(addr)) < 0 ||
	    (tcp && listen(fd, 4) < 0) || getsockname(fd, (struct sockaddr *)addr, &sl) < 0)
		return -1;
	return fd;
}

static void
responder_start(struct responder *r, int tcp)
{
	r->tcp = tcp;
	strcpy(r->nonce, "nonce-1");
	r->fd = bind_loopback(tcp, &r->addr);
	atomic_store(&r->stop, 0);
	pthread_create(&r->th, NULL, serve, r);
}

static void
responder_stop(struct responder *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
	close(r->fd);
}

static void
test_binding(int tcp)
{
	struct responder r = { .noise = 1 };
	struct turnc c;
	struct stun_msg m;
	struct sockaddr_storage mapped, local;
	socklen_t sl = sizeof(local);
	const char *t = tcp ? "tcp" : "udp";

	responder_start(&r, tcp);
	ok(turnc_open(&c, &r.addr, tcp, 2000) == 0, "%s: open", t);
	is_int(turnc_binding(&c, &m), 0, "%s: Binding answered, strays and junk skipped", t);
	getsockname(c.fd, (struct sockaddr *)&local, &sl);
	ok(turnc_xor_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped) == 0 &&
	   addr_equal(&mapped, &local), "%s: XOR-MAPPED-ADDRESS is our socket's address", t);
	is_int(turnc_xor_addr(&m, STUN_ATTR_XOR_RELAYED_ADDRESS, &mapped), -ENOENT,
	       "%s: absent attribute is -ENOENT", t);
	ok(c.answered && c.first_rtt_ms >= 0 && c.rtt_ms >= 0, "%s: answer and round trip recorded", t);
	turnc_close(&c);
	responder_stop(&r);
	is_int(r.fingerprints, 1, "%s: the request carried a valid FINGERPRINT", t);
}

static void
test_allocate(int tcp)
{
	struct responder r = { .noise = 1 };
	struct turnc c;
	struct stun_msg m;
	struct sockaddr_storage relayed, peer;
	const char *t = tcp ? "tcp" : "udp";

	responder_start(&r, tcp);
	turnc_open(&c, &r.addr, tcp, 2000);
	is_int(turnc_allocate(&c, USER, PASSWORD, &m), 0, "%s: Allocate after the 401 challenge", t);
	is_str(c.realm, REALM, "%s: realm taken from the challenge", t);
	ok(turnc_xor_addr(&m, STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed) == 0 &&
	   addr_equal(&relayed, relayed_addr()), "%s: XOR-RELAYED-ADDRESS", t);
	addr_parse("127.0.0.1:40001", 0, &peer);
	is_int(turnc_permission(&c, &peer, &m), 0, "%s: CreatePermission", t);
	ok(turnc_recv(&c, &m, 2000) == 0 && m.method == STUN_DATA && m.cls == STUN_INDICATION,
	   "%s: the Data indication that followed the answer is received", t);
	is_int(turnc_release(&c, &m), 0, "%s: Refresh LIFETIME 0", t);
	turnc_close(&c);
	ok(c.fd == -1 && !c.have_key, "%s: close forgets socket and key", t);
	responder_stop(&r);
	is_int(r.auth_ok, 3, "%s: Allocate, CreatePermission, Refresh authenticated", t);
	is_int(r.lifetime0, 1, "%s: the release asked LIFETIME 0", t);
}

static void
test_credentials(void)
{
	struct responder r = { 0 };
	struct turnc c;
	struct stun_msg m;

	responder_start(&r, 0);
	turnc_open(&c, &r.addr, 0, 2000);
	is_int(turnc_allocate(&c, USER, "wrong", &m), 401, "wrong password: 401 to the authenticated Allocate");
	turnc_close(&c);
	turnc_open(&c, &r.addr, 0, 2000);
	is_int(turnc_allocate(&c, USER, "bad\x07", &m), -EINVAL, "password SASLprep refuses: -EINVAL");
	ok(c.answered, "... after the challenge was answered");
	turnc_close(&c);
	responder_stop(&r);
	is_int(r.auth_bad, 1, "the responder saw one bad integrity");

	memset(&r, 0, sizeof(r));
	r.stale_once = 1;
	responder_start(&r, 0);
	turnc_open(&c, &r.addr, 0, 2000);
	is_int(turnc_allocate(&c, USER, PASSWORD, &m), 0, "438 Stale Nonce: one more Allocate");
	is_str(c.nonce, "nonce-2", "the new nonce is kept");
	turnc_close(&c);
	responder_stop(&r);
}

static void
test_retransmit(void)
{
	struct responder r = { .drop_first = 1 };
	struct turnc c;
	struct stun_msg m;

	responder_start(&r, 0);
	turnc_open(&c, &r.addr, 0, 5000);
	is_int(turnc_binding(&c, &m), 0, "UDP: answered after a retransmission");
	turnc_close(&c);
	responder_stop(&r);
	ok(r.repeats >= 1, "the retransmission kept the transaction id");
}

static void
test_unreachable(void)
{
	struct sockaddr_storage addr;
	int fd = bind_loopback(0, &addr), lfd;
	struct turnc c;
	struct stun_msg m;

	turnc_open(&c, &addr, 0, 300);
	is_int(turnc_allocate(&c, USER, PASSWORD, &m), -ETIMEDOUT, "UDP: silence is -ETIMEDOUT");
	ok(!c.answered && c.first_rtt_ms == -1, "nothing answered");
	is_int(turnc_recv(&c, &m, 50), -ETIMEDOUT, "turnc_recv bounded");
	turnc_close(&c);
	close(fd);

	fd = bind_loopback(0, &addr);
	close(fd);         /* nothing listens there: ICMP port unreachable */
	turnc_open(&c, &addr, 0, 5000);
	is_int(turnc_binding(&c, &m), -ECONNREFUSED, "UDP: port unreachable is -ECONNREFUSED");
	turnc_close(&c);

	lfd = bind_loopback(1, &addr);
	close(lfd);        /* the port is now closed */
	is_int(turnc_open(&c, &addr, 1, 300), -ECONNREFUSED, "TCP: closed port refused");
	turnc_close(&c);
	ok(c.fd == -1, "close after a failed open is safe");
}

int
main(void)
{
	test_binding(0);
	test_binding(1);
	test_allocate(0);
	test_allocate(1);
	test_credentials();
	test_retransmit();
	test_unreachable();
	return tap_done();
}
