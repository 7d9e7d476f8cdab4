/*
 * fuzz_turn_handler.c: libFuzzer harness for the TURN request handler
 * (src/turn/handler.c and the method files under it), with state: each
 * input is a sequence of events played against ONE worker context (the
 * unit tests' harness: a worker with no thread, real loopback sockets), so
 * allocations, permissions, channels, caches and the limiter carry over
 * from one datagram to the next.
 *
 * Input: records of [op][len hi][len lo][len bytes]:
 *   op % 6 == 0  a raw datagram from the current client
 *             1  a request built from the record, signed with valid
 *                credentials and a valid nonce for the current client:
 *                [method hi][method lo] then attributes as [type hi]
 *                [type lo][len][value], type 0xFFFF meaning XOR-PEER-ADDRESS
 *                of peer value[0] % 4 (two IPv4 loopback peers, one private,
 *                one IPv6) so that the policy and permissions are reached
 *   2  a datagram from peer payload[0] % 2 to the current client's
 *      allocation (as the relay loop hands it over)
 *   3  time passes: payload[0] seconds, then the 1 s timer's expiry
 *   4  switch client: payload[0] % 4 (three UDP 5-tuples and one TCP
 *      connection, whose frames are cut as tcp.c does)
 *   5  the same request again (a retransmission of the last op-1 request)
 * Answers go to real sockets nobody reads (a full buffer drops, as on a
 * wire).  Everything is freed at the end of each input, so LeakSanitizer
 * sees what a run leaks.
 */
#include <stdint.h>
#include <sys/socket.h>

#include "common/plog.h"

#include "../../unit/turn/harness.h"

#define NCLIENTS 4

struct fz {
	struct hx h;
	struct client clients[NCLIENTS];
	int cfds[NCLIENTS], pair[2];
	struct tcp_conn tcp;
	struct sockaddr_storage peers[4];
	int peerfd[2];
	uint8_t last[2048];
	size_t lastlen;
};

static void
fz_init(struct fz *f)
{
	memset(f, 0, sizeof(*f));
	plog_set_level(PLOG_ERROR);   /* the info lines would cost more than the handler */
	hx_init(&f->h, "legacy-channels = yes\nunauthenticated-rate = 50\nmax-permissions = 8\n");
	f->h.w.rng = 0x2545f4914f6cdd1dull;   /* the same transaction IDs on every run */
	f->clients[0] = f->h.c;
	f->cfds[0] = f->h.cfd;
	for (int i = 1; i < 3; i++) {
		f->cfds[i] = hx_udp_socket_at(1 + (unsigned)i, &f->clients[i].remote);
		f->clients[i].proto = IPPROTO_UDP;
		f->clients[i].fd = f->h.lfd;
		f->clients[i].local = f->h.c.local;
	}
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->pair);
	f->tcp.ev.kind = EV_TCP;
	f->tcp.ev.fd = f->pair[0];
	addr_parse("127.0.0.5:40000", 0, &f->tcp.remote);
	f->tcp.local = f->h.c.local;
	f->tcp.want_out = 1;   /* never armed in epoll: keep writes buffered */
	f->clients[3] = (struct client){ .proto = IPPROTO_TCP, .fd = f->pair[0], .tcp = &f->tcp,
					 .remote = f->tcp.remote, .local = f->tcp.local };
	f->cfds[3] = -1;
	f->peerfd[0] = hx_udp_socket_at(1, &f->peers[0]);
	f->peerfd[1] = hx_udp_socket_at(2, &f->peers[1]);
	addr_parse("10.1.2.3:5000", 0, &f->peers[2]);
	addr_parse("[2001:db8::7]:5000", 0, &f->peers[3]);
}

static void
fz_free(struct fz *f)
{
	f->h.c = f->clients[0];
	f->h.cfd = f->cfds[0];
	for (int i = 1; i < 3; i++)
		close(f->cfds[i]);
	turn_worker_join_free(&f->h.w);   /* ends the TCP client's allocation too */
	turn_shared_free(&f->h.sh);
	turn_config_free(f->h.cfg);
	close(f->h.lfd);
	close(f->h.cfd);
	free(f->tcp.wbuf);
	close(f->pair[0]);
	close(f->pair[1]);
	close(f->peerfd[0]);
	close(f->peerfd[1]);
}

/* The current client's view: h.c is the client, as the handler sees it. */
static void
deliver(struct fz *f, uint8_t *buf, size_t len)
{
	if (f->h.c.proto == IPPROTO_TCP) {
		size_t off = 0;
		while (off < len) {
			long n = turn_handler_frame_length(&f->h.w, buf + off, len - off);
			if (n <= 0 || (size_t)n > len - off)
				break;
			turn_handler_client_data(&f->h.w, &f->h.c, buf + off, (size_t)n);
			off += (size_t)n;
		}
		f->tcp.wlen = 0;   /* the client "read" everything */
	} else {
		turn_handler_client_data(&f->h.w, &f->h.c, buf, len);
	}
	turn_io_flush(&f->h.w);
}

static void
feed(struct fz *f, const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	memcpy(copy, p, n);
	deliver(f, copy, n);
	free(copy);
}

static void
request(struct fz *f, const uint8_t *p, size_t n)
{
	struct hx *h = &f->h;
	char nonce[TURN_NONCE_LEN + 1];
	long len;

	if (n < 2)
		return;
	hx_begin(h, (uint16_t)((p[0] << 8 | p[1]) & 0x0fff));
	for (size_t i = 2; i + 3 <= n;) {
		uint16_t type = (uint16_t)(p[i] << 8 | p[i + 1]);
		size_t alen = p[i + 2];
		if (i + 3 + alen > n)
			break;
		if (type == 0xFFFF)
			hx_peer_attr(h, &f->peers[alen ? p[i + 3] % 4 : 0]);
		else
			stun_build_attr(&h->b, type, p + i + 3, alen);
		i += 3 + alen;
	}
	turn_nonce_make(h->sh.nonce_secret, &h->c.remote, h->w.wallnow, nonce);
	stun_build_attr(&h->b, STUN_ATTR_USERNAME, HX_USER, strlen(HX_USER));
	stun_build_attr(&h->b, STUN_ATTR_REALM, HX_REALM, strlen(HX_REALM));
	stun_build_attr(&h->b, STUN_ATTR_NONCE, nonce, TURN_NONCE_LEN);
	stun_build_integrity(&h->b, h->key, TURN_KEY_LEN);
	stun_build_fingerprint(&h->b);
	len = stun_build_finish(&h->b);
	if (len <= 0 || (size_t)len > sizeof(f->last))
		return;
	memcpy(f->last, h->qbuf, (size_t)len);
	f->lastlen = (size_t)len;
	feed(f, f->last, f->lastlen);
}

static void
from_peer(struct fz *f, const uint8_t *p, size_t n)
{
	struct alloc *a = turn_alloc_lookup(&f->h.w, &f->h.c);
	uint8_t *slot;

	if (!a || !(a->families & 1) || n < 1 || n > 1500)
		return;
	slot = malloc(RX_HEADROOM + n + 4);
	memcpy(slot + RX_HEADROOM, p + 1, n - 1);
	turn_indication_peer_data(&f->h.w, &a->relay[0], &f->peers[p[0] % 2], slot + RX_HEADROOM, n - 1);
	turn_io_flush(&f->h.w);   /* the batch points into slot */
	f->tcp.wlen = 0;
	free(slot);
}

static void
tick(struct fz *f, const uint8_t *p, size_t n)
{
	struct turn_worker *w = &f->h.w;
	unsigned s = n ? p[0] : 1;

	w->now += s;
	w->wallnow += s;
	w->now_ms += (uint64_t)s * 1000;
	turn_alloc_expire(w, w->now);
	turn_resv_expire(w->sh, w->now);
}

static void
pick_client(struct fz *f, const uint8_t *p, size_t n)
{
	int i = n ? p[0] % NCLIENTS : 0;

	f->h.c = f->clients[i];
	if (f->cfds[i] >= 0)
		f->h.cfd = f->cfds[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;   /* large (the harness's buffers): not on the stack */
	size_t off = 0;

	fz_init(&f);
	while (off + 3 <= size) {
		unsigned op = data[off] % 6;
		size_t n = (size_t)(data[off + 1] << 8 | data[off + 2]);
		const uint8_t *p = data + off + 3;
		if (n > size - off - 3)
			n = size - off - 3;
		off += 3 + n;
		switch (op) {
		case 0: feed(&f, p, n); break;
		case 1: request(&f, p, n); break;
		case 2: from_peer(&f, p, n); break;
		case 3: tick(&f, p, n); break;
		case 4: pick_client(&f, p, n); break;
		case 5:
			if (f.lastlen)
				feed(&f, f.last, f.lastlen);
			break;
		}
	}
	fz_free(&f);
	return 0;
}
