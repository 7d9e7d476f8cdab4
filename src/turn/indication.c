/*
 * indication.c: the data path.  Client to peer: Send indications and
 * ChannelData; peer to client: ChannelData when a channel is bound, else
 * a Data indication, written in the headroom in front of the received
 * bytes (never copied).  Bandwidth caps per allocation and server.
 * Worker thread only.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"
#include "turn/handler.h"

static int
channel_parse(const struct turn_worker *w, const uint8_t *buf, size_t len,
	      uint16_t *num, const uint8_t **data, size_t *dlen)
{
	if (len < 4)
		return -1;
	*num = (uint16_t)(buf[0] << 8 | buf[1]);
	*dlen = (size_t)(buf[2] << 8 | buf[3]);
	*data = buf + 4;
	if (*num < STUN_CHANNEL_MIN || *num > turn_permission_channel_max(w) || *dlen > len - 4)
		return -1;
	return 0;
}


/* Token bucket: rate in bytes per second, one second of burst. */
static int
bucket_take(struct bucket *b, uint64_t rate, uint64_t now_ms, size_t n)
{
	if (!rate)
		return 1;
	if (now_ms > b->stamp_ms) {
		uint64_t add = (now_ms - b->stamp_ms) * rate / 1000;
		b->tokens = b->tokens + add > rate ? rate : b->tokens + add;
		b->stamp_ms = now_ms;
	}
	if (b->tokens < n)
		return 0;
	b->tokens -= n;
	return 1;
}

/* Per-allocation and server-wide bandwidth caps, per direction (dir 0:
 * client to peer, 1: peer to client). */
static int
within_bandwidth(struct turn_worker *w, struct alloc *a, int dir, size_t n)
{
	if (!bucket_take(&a->bw[dir], w->cfg->max_alloc_bps, w->now_ms, n) ||
	    !bucket_take(&w->bw[dir], w->total_bps_share, w->now_ms, n)) {
		turn_worker_count(w, STAT_DROP_BANDWIDTH);
		return 0;
	}
	return 1;
}

static void
relay_to_peer(struct turn_worker *w, struct alloc *a, const struct sockaddr_storage *peer,
	      const uint8_t *data, size_t len)
{
	int f = turn_fam(peer->ss_family);

	if (!(a->families & (1u << f)) || !turn_alloc_perm_find(a, peer, w->now)) {
		turn_worker_count(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	if (!within_bandwidth(w, a, 0, len))
		return;
	turn_io_send_udp(w, a->relay[f].ev.fd, data, len, peer);
	a->c2p_pkts++;
	a->c2p_bytes += len;
	turn_worker_count(w, STAT_C2P_PKTS);
	turn_worker_add(w, STAT_C2P_BYTES, len);
}

void
turn_indication_send(struct turn_worker *w, const struct client *c, const struct stun_msg *m)
{
	const struct stun_attr *pa = stun_msg_get(m, STUN_ATTR_XOR_PEER_ADDRESS);
	const struct stun_attr *data = stun_msg_get(m, STUN_ATTR_DATA);
	struct alloc *a = turn_alloc_lookup(w, c);
	struct sockaddr_storage peer, canon;

	if (!a) {
		turn_worker_count(w, STAT_DROP_NO_ALLOCATION);
		return;
	}
	if (!pa || !data || stun_attr_xor_addr(m, pa, &peer) < 0) {
		turn_worker_count(w, STAT_DROP_MALFORMED);
		return;
	}
	addr_canonical(&peer, &canon);
	relay_to_peer(w, a, &canon, data->val, data->len);
}

void
turn_indication_channel(struct turn_worker *w, const struct client *c, const uint8_t *buf, size_t len)
{
	struct alloc *a = turn_alloc_lookup(w, c);
	const uint8_t *data;
	size_t dlen;
	uint16_t num;
	struct chan *ch;

	if (!a) {
		turn_worker_count(w, STAT_DROP_NO_ALLOCATION);
		return;
	}
	if (channel_parse(w, buf, len, &num, &data, &dlen) < 0) {
		turn_worker_count(w, STAT_DROP_MALFORMED);
		return;
	}
	if (!(ch = turn_alloc_chan_by_num(a, num, w->now, 0))) {
		turn_worker_count(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	relay_to_peer(w, a, &ch->peer, data, dlen);
}

static void
send_channel_data(struct turn_worker *w, struct alloc *a, uint16_t num, uint8_t *buf, size_t len)
{
	uint8_t *start = buf - 4;
	size_t total = 4 + len;

	stun_channel_header(start, num, (uint16_t)len);
	if (a->client.proto == IPPROTO_TCP)
		while (total & 3)
			start[total++] = 0;    /* RFC 8656 12.5: padded over streams */
	turn_io_send_client(w, &a->client, start, total);
}

static void
send_data_indication(struct turn_worker *w, struct alloc *a, const struct sockaddr_storage *from,
		     uint8_t *buf, size_t len)
{
	size_t addrlen = from->ss_family == AF_INET6 ? 20 : 8;
	size_t hdr = STUN_HEADER_LEN + 4 + addrlen + 4;
	uint8_t *start = buf - hdr;
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	uint64_t r1 = turn_io_rand(w), r2 = turn_io_rand(w);
	size_t total, body;

	memcpy(tid, &r1, 8);
	memcpy(tid + 8, &r2, 4);
	stun_build_init(&b, start, hdr, STUN_DATA, STUN_INDICATION, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)from);
	if (stun_build_finish(&b) != (long)(hdr - 4)) {
		turn_worker_count(w, STAT_DROP_MALFORMED);
		return;
	}
	start[hdr - 4] = STUN_ATTR_DATA >> 8;
	start[hdr - 3] = STUN_ATTR_DATA & 0xff;
	start[hdr - 2] = (uint8_t)(len >> 8);
	start[hdr - 1] = (uint8_t)len;
	total = hdr + len;
	while (total & 3)
		start[total++] = 0;
	body = total - STUN_HEADER_LEN;
	start[2] = (uint8_t)(body >> 8);
	start[3] = (uint8_t)body;
	turn_io_send_client(w, &a->client, start, total);
}

void
turn_indication_peer_data(struct turn_worker *w, struct relay *rl, const struct sockaddr_storage *from,
		  uint8_t *buf, size_t len)
{
	struct alloc *a = rl->a;
	struct chan *ch;

	if (!turn_alloc_perm_find(a, from, w->now)) {
		turn_worker_count(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	if (!within_bandwidth(w, a, 1, len))
		return;
	a->p2c_pkts++;
	a->p2c_bytes += len;
	turn_worker_count(w, STAT_P2C_PKTS);
	turn_worker_add(w, STAT_P2C_BYTES, len);
	ch = turn_alloc_chan_by_peer(a, from, w->now, 0);
	if (ch)
		send_channel_data(w, a, ch->num, buf, len);
	else
		send_data_indication(w, a, from, buf, len);
}
