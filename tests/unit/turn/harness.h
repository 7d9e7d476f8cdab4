/*
 * harness.h: one TURN worker context driven directly, for the unit tests
 * of the handler files (and the fuzzer).  No thread runs: the test feeds a
 * datagram to turn_handler_client_data as the worker's receive loop would,
 * flushes the transmit batch, and reads the answer from a real UDP socket
 * on loopback.  Relays are real sockets bound to 127.0.0.1.
 *
 * Header-only (static functions); include it once per test program.
 */
#ifndef PORTICO_TEST_TURN_HARNESS_H
#define PORTICO_TEST_TURN_HARNESS_H

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ini.h"
#include "turn/alloc.h"
#include "turn/handler.h"
#include "turn/io.h"
#include "turn/turn.h"
#include "turn/worker.h"

#define HX_USER "alice"
#define HX_PASSWORD "wonderland"
#define HX_REALM "example.org"

struct hx {
	struct turn_config *cfg;
	struct turn_shared sh;
	struct turn_worker w;
	int lfd;                       /* the "listener" the worker answers from */
	int cfd;                       /* the client's socket */
	struct client c;
	char nonce[TURN_NONCE_LEN + 1];
	uint8_t key[TURN_KEY_LEN];
	uint8_t qbuf[2048];            /* the request being built */
	struct stun_builder b;
	uint8_t tid[STUN_TID_LEN];
	uint8_t rbuf[70000];           /* the last answer */
	size_t rlen;
	struct stun_msg resp;
};

/* A UDP socket on 127.0.0.<host>, any port. */
static __attribute__((unused)) int
hx_udp_socket_at(unsigned host, struct sockaddr_storage *bound)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000000u | host) };
	socklen_t sl = sizeof(*bound);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)bound, &sl) < 0) {
		perror("harness: socket");
		exit(2);
	}
	return fd;
}

static __attribute__((unused)) int
hx_udp_socket(struct sockaddr_storage *bound)
{
	return hx_udp_socket_at(1, bound);
}

/* A config from [turn] lines (extra may be "") plus one user; listeners
 * are left out unless keep_listen (the worker test binds them). */
static __attribute__((unused)) struct turn_config *
hx_config(const char *extra, int keep_listen)
{
	char text[4096], err[TURN_ERR_MAX];
	struct turn_config *cfg = NULL;
	struct ini ini;
	unsigned lo = 40000 + (unsigned)(getpid() % 400) * 50;

	snprintf(text, sizeof(text),
		 "[turn]\nlisten = 127.0.0.1:0\nrelay-address = 127.0.0.1\nrelay-ports = %u-%u\n"
		 "realm = " HX_REALM "\nallowed-peers = 127.0.0.0/8\n%s\n[users]\n" HX_USER " = " HX_PASSWORD "\n",
		 lo, lo + 49, extra);
	if (ini_parse(&ini, "harness.conf", text, strlen(text), err, sizeof(err)) < 0 ||
	    turn_config_from_ini(&cfg, &ini, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness: config: %s\n", err);
		exit(2);
	}
	ini_free(&ini);
	if (!keep_listen)
		cfg->nlisten = 0;
	return cfg;
}

static __attribute__((unused)) void
hx_init(struct hx *h, const char *extra)
{
	char err[TURN_ERR_MAX];
	struct sockaddr_storage laddr;

	memset(h, 0, sizeof(*h));
	h->cfg = hx_config(extra, 0);
	if (turn_shared_init(&h->sh, h->cfg) < 0 ||
	    turn_worker_init(&h->w, 0, h->cfg, &h->sh, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness: worker: %s\n", err);
		exit(2);
	}
	turn_worker_clock(&h->w);
	h->lfd = hx_udp_socket(&laddr);
	h->cfd = hx_udp_socket(&h->c.remote);
	h->c.proto = IPPROTO_UDP;
	h->c.fd = h->lfd;
	h->c.local = laddr;
	stun_longterm_key(HX_USER, HX_REALM, HX_PASSWORD, h->key);
}

static __attribute__((unused)) void
hx_free(struct hx *h)
{
	turn_worker_join_free(&h->w);
	turn_shared_free(&h->sh);
	turn_config_free(h->cfg);
	close(h->lfd);
	close(h->cfd);
}

/* What the receive loop does with one datagram from the client. */
static __attribute__((unused)) void
hx_feed(struct hx *h, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	turn_handler_client_data(&h->w, &h->c, copy, len);
	turn_io_flush(&h->w);
	free(copy);
}

/* Next datagram on fd within ms into buf; its length or -1. */
static __attribute__((unused)) long
hx_recv_on(int fd, uint8_t *buf, size_t cap, int ms, struct sockaddr_storage *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof(*from);

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &fl);
}

/* The next answer to the client: its STUN error code, 0 for a success,
 * -1 for nothing (within ms), -2 for a non-STUN datagram (rbuf holds it). */
static __attribute__((unused)) int
hx_answer(struct hx *h, int ms)
{
	struct sockaddr_storage from;
	long n = hx_recv_on(h->cfd, h->rbuf, sizeof(h->rbuf), ms, &from);
	const struct stun_attr *ec, *nonce;
	const char *reason;
	size_t rl;
	int code = 0;

	h->rlen = n > 0 ? (size_t)n : 0;
	if (n < 0)
		return -1;
	if (stun_parse(&h->resp, h->rbuf, (size_t)n) < 0)
		return -2;
	if ((nonce = stun_msg_get(&h->resp, STUN_ATTR_NONCE)) && nonce->len == TURN_NONCE_LEN) {
		memcpy(h->nonce, nonce->val, TURN_NONCE_LEN);
		h->nonce[TURN_NONCE_LEN] = '\0';
	}
	if (h->resp.cls == STUN_ERROR && (ec = stun_msg_get(&h->resp, STUN_ATTR_ERROR_CODE)))
		stun_attr_error(ec, &code, &reason, &rl);
	return h->resp.cls == STUN_ERROR && !code ? 999 : code;
}

static __attribute__((unused)) void
hx_begin(struct hx *h, uint16_t method)
{
	uint64_t r1 = turn_io_rand(&h->w), r2 = turn_io_rand(&h->w);

	memcpy(h->tid, &r1, 8);
	memcpy(h->tid + 8, &r2, 4);
	stun_build_init(&h->b, h->qbuf, sizeof(h->qbuf), method, STUN_REQUEST, h->tid);
}

/* Finishes the request (with credentials when auth), feeds it, returns
 * hx_answer().  user NULL: HX_USER. */
static __attribute__((unused)) int
hx_send_as(struct hx *h, int auth, const char *user, const uint8_t *key)
{
	long n;

	if (auth) {
		user = user ? user : HX_USER;
		stun_build_attr(&h->b, STUN_ATTR_USERNAME, user, strlen(user));
		stun_build_attr(&h->b, STUN_ATTR_REALM, HX_REALM, strlen(HX_REALM));
		stun_build_attr(&h->b, STUN_ATTR_NONCE, h->nonce, strlen(h->nonce));
		stun_build_integrity(&h->b, key ? key : h->key, TURN_KEY_LEN);
	}
	stun_build_fingerprint(&h->b);
	n = stun_build_finish(&h->b);
	if (n < 0)
		return -3;
	hx_feed(h, h->qbuf, (size_t)n);
	return hx_answer(h, 1000);
}

static __attribute__((unused)) int
hx_send(struct hx *h, int auth)
{
	return hx_send_as(h, auth, NULL, NULL);
}

/* Learns a nonce (an unauthenticated Binding is answered without one, so
 * this asks with an Allocate). */
static __attribute__((unused)) int
hx_challenge(struct hx *h)
{
	uint8_t udp[4] = { IPPROTO_UDP, 0, 0, 0 };

	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	return hx_send(h, 0);
}

/* An authenticated UDP Allocate: 0 with *relay set, or the error code. */
static __attribute__((unused)) int
hx_allocate(struct hx *h, struct sockaddr_storage *relay)
{
	uint8_t udp[4] = { IPPROTO_UDP, 0, 0, 0 };
	const struct stun_attr *ra;
	int code;

	if (!h->nonce[0])
		hx_challenge(h);
	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	code = hx_send(h, 1);
	if (code == 0 && relay && (ra = stun_msg_get(&h->resp, STUN_ATTR_XOR_RELAYED_ADDRESS)))
		stun_attr_xor_addr(&h->resp, ra, relay);
	return code;
}

static __attribute__((unused)) void
hx_peer_attr(struct hx *h, const struct sockaddr_storage *peer)
{
	stun_build_xor_addr(&h->b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)peer);
}

/* The allocation of the harness's client, or NULL. */
static __attribute__((unused)) struct alloc *
hx_alloc(struct hx *h)
{
	return turn_alloc_lookup(&h->w, &h->c);
}

static __attribute__((unused)) uint64_t
hx_stat(struct hx *h, enum turn_stat s)
{
	return atomic_load_explicit(&h->w.stats.v[s], memory_order_relaxed);
}

#endif
