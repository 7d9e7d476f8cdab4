/* The data path (src/turn/indication.c): Send and Data indications,
 * ChannelData both ways, permissions and bandwidth caps. */
#include "harness.h"
#include "tap.h"

struct peer {
	int fd;
	struct sockaddr_storage addr;
};

static void
permit(struct hx *h, const struct sockaddr_storage *p, uint16_t chan)
{
	hx_begin(h, chan ? STUN_CHANNEL_BIND : STUN_CREATE_PERMISSION);
	if (chan)
		stun_build_u32(&h->b, STUN_ATTR_CHANNEL_NUMBER, (uint32_t)chan << 16);
	hx_peer_attr(h, p);
	hx_send(h, 1);
}

static long
peer_recv(struct peer *p, uint8_t *buf, size_t cap, int ms)
{
	struct sockaddr_storage from;

	return hx_recv_on(p->fd, buf, cap, ms, &from);
}

/* A datagram from the peer as the worker's relay loop hands it over. */
static void
from_peer(struct hx *h, struct peer *p, const char *data)
{
	static uint8_t slot[RX_HEADROOM + 256];
	size_t n = strlen(data);

	memcpy(slot + RX_HEADROOM, data, n);
	turn_indication_peer_data(&h->w, &hx_alloc(h)->relay[0], &p->addr, slot + RX_HEADROOM, n);
	turn_io_flush(&h->w);
}

static void
send_indication(struct hx *h, struct peer *p, const char *data)
{
	uint8_t buf[256];
	struct stun_builder b;

	stun_build_init(&b, buf, sizeof(buf), STUN_SEND, STUN_INDICATION, h->tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)&p->addr);
	stun_build_attr(&b, STUN_ATTR_DATA, data, strlen(data));
	hx_feed(h, buf, (size_t)stun_build_finish(&b));
}

static void
client_to_peer(struct hx *h, struct peer *p)
{
	uint8_t buf[256], ch[8] = { 0x40, 0x01, 0x00, 0x04, 'p', 'i', 'n', 'g' };
	uint64_t before = hx_stat(h, STAT_DROP_NO_PERMISSION);

	send_indication(h, p, "early");
	is_int(peer_recv(p, buf, sizeof(buf), 100), -1, "Send before a permission: nothing relayed");
	is_int(hx_stat(h, STAT_DROP_NO_PERMISSION), before + 1, "counted as no_permission");
	permit(h, &p->addr, 0);
	send_indication(h, p, "hello");
	ok(peer_recv(p, buf, sizeof(buf), 1000) == 5 && memcmp(buf, "hello", 5) == 0,
	   "Send indication relayed to the peer");
	permit(h, &p->addr, 0x4001);
	hx_feed(h, ch, sizeof(ch));
	ok(peer_recv(p, buf, sizeof(buf), 1000) == 4 && memcmp(buf, "ping", 4) == 0,
	   "ChannelData relayed to the peer");
	ch[1] = 0x02;
	hx_feed(h, ch, sizeof(ch));
	is_int(peer_recv(p, buf, sizeof(buf), 100), -1, "ChannelData on an unbound channel: dropped");
	is_int(hx_alloc(h)->c2p_pkts, 2, "two packets counted client to peer");
}

static void
peer_to_client(struct hx *h, struct peer *p, struct peer *stranger)
{
	const struct stun_attr *d;

	from_peer(h, stranger, "spam");
	is_int(hx_answer(h, 100), -1, "a peer without permission: dropped");
	from_peer(h, p, "pong");
	is_int(hx_answer(h, 1000), -2, "a bound peer's data arrives as ChannelData");
	ok(h->rlen == 8 && h->rbuf[0] == 0x40 && h->rbuf[1] == 0x01 && memcmp(h->rbuf + 4, "pong", 4) == 0,
	   "channel 0x4001, length 4, the bytes");
	/* Unbind by expiry: the peer then gets a Data indication. */
	hx_alloc(h)->chans[0].expires = h->w.now;
	from_peer(h, p, "data");
	is_int(hx_answer(h, 1000), 0, "without a channel: a Data indication");
	ok(h->resp.method == STUN_DATA && h->resp.cls == STUN_INDICATION, "method Data, class indication");
	d = stun_msg_get(&h->resp, STUN_ATTR_DATA);
	ok(d && d->len == 4 && memcmp(d->val, "data", 4) == 0, "DATA carries the bytes");
}

static void
bandwidth(void)
{
	struct hx h;
	struct peer p;
	uint8_t big[300], buf[400];
	struct stun_builder b;

	hx_init(&h, "max-allocation-kbps = 1");
	p.fd = hx_udp_socket(&p.addr);
	hx_allocate(&h, NULL);
	permit(&h, &p.addr, 0);
	memset(big, 'x', sizeof(big));
	stun_build_init(&b, buf, sizeof(buf), STUN_SEND, STUN_INDICATION, h.tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)&p.addr);
	stun_build_attr(&b, STUN_ATTR_DATA, big, sizeof(big));
	hx_feed(&h, buf, (size_t)stun_build_finish(&b));
	is_int(peer_recv(&p, big, sizeof(big), 100), -1, "300 bytes over a 125 byte/s cap: dropped");
	is_int(hx_stat(&h, STAT_DROP_BANDWIDTH), 1, "counted as bandwidth");
	close(p.fd);
	hx_free(&h);
}

int
main(void)
{
	struct hx h;
	struct peer p, stranger;

	hx_init(&h, "");
	p.fd = hx_udp_socket(&p.addr);
	stranger.fd = hx_udp_socket_at(9, &stranger.addr);   /* another IP */
	hx_allocate(&h, NULL);
	client_to_peer(&h, &p);
	peer_to_client(&h, &p, &stranger);
	close(p.fd);
	close(stranger.fd);
	hx_free(&h);
	bandwidth();
	return tap_done();
}
