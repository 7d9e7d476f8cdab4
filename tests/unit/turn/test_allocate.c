/* Allocate and Refresh (src/turn/allocate.c). */
#include "harness.h"
#include "tap.h"

static const uint8_t udp[4] = { IPPROTO_UDP, 0, 0, 0 };

static void
allocate(struct hx *h)
{
	struct sockaddr_storage relay;
	const struct stun_attr *lt;
	uint32_t life = 0;
	uint8_t first[512];
	size_t firstlen;

	is_int(hx_allocate(h, &relay), 0, "authenticated Allocate succeeds");
	ok(addr_port(&relay) >= 40000 && addr_port(&relay) < 60000, "relay port from relay-ports");
	lt = stun_msg_get(&h->resp, STUN_ATTR_LIFETIME);
	ok(lt && stun_attr_u32(lt, &life) == 0 && life == 600, "default lifetime 600 s");
	ok(stun_msg_get(&h->resp, STUN_ATTR_XOR_MAPPED_ADDRESS) != NULL, "XOR-MAPPED-ADDRESS included");
	ok(stun_check_integrity(&h->resp, h->key, TURN_KEY_LEN) == 0, "success is signed");
	ok(hx_alloc(h) != NULL, "allocation in the 5-tuple table");
	memcpy(first, h->rbuf, h->rlen);
	firstlen = h->rlen;

	/* The same request again (a retransmission): the same answer. */
	hx_feed(h, h->qbuf, (size_t)(20 + (h->qbuf[2] << 8 | h->qbuf[3])));
	is_int(hx_answer(h, 1000), 0, "retransmitted Allocate: success again");
	ok(h->rlen == firstlen && memcmp(first, h->rbuf, firstlen) == 0, "byte for byte the same answer");

	{
		/* Another request in between, then the Allocate once more. */
		uint8_t req[512];
		size_t reqlen = (size_t)(20 + (h->qbuf[2] << 8 | h->qbuf[3]));
		memcpy(req, h->qbuf, reqlen);
		hx_begin(h, STUN_REFRESH);
		is_int(hx_send(h, 1), 0, "a Refresh in between");
		hx_feed(h, req, reqlen);
		is_int(hx_answer(h, 1000), 0, "the Allocate retransmitted after it: success, not 437");
		ok(h->rlen == firstlen && memcmp(first, h->rbuf, firstlen) == 0, "still the same bytes");
		/* The answer pushed out of the cache: rebuilt from the allocation. */
		memset(h->w.cache, 0, RESP_SLOTS * sizeof(*h->w.cache));
		hx_feed(h, req, reqlen);
		is_int(hx_answer(h, 1000), 0, "retransmitted Allocate after its answer left the cache: success");
		ok(stun_msg_get(&h->resp, STUN_ATTR_XOR_RELAYED_ADDRESS) != NULL, "with the relay address");
	}

	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	is_int(hx_send(h, 1), 437, "a new Allocate on the same 5-tuple: 437");

	hx_begin(h, STUN_REFRESH);
	stun_build_u32(&h->b, STUN_ATTR_LIFETIME, 1200);
	is_int(hx_send(h, 1), 0, "Refresh 1200 s");
	lt = stun_msg_get(&h->resp, STUN_ATTR_LIFETIME);
	ok(lt && stun_attr_u32(lt, &life) == 0 && life == 1200, "lifetime granted 1200 s");

	hx_begin(h, STUN_REFRESH);
	stun_build_u32(&h->b, STUN_ATTR_LIFETIME, 0);
	is_int(hx_send(h, 1), 0, "Refresh 0 deletes");
	ok(hx_alloc(h) == NULL, "allocation gone");
	ok(stun_check_integrity(&h->resp, h->key, TURN_KEY_LEN) == 0, "the deleting answer is signed");
}

static void
refusals(struct hx *h)
{
	uint8_t tcp[4] = { IPPROTO_TCP, 0, 0, 0 }, v6[4] = { 0x02, 0, 0, 0 };

	hx_begin(h, STUN_ALLOCATE);
	is_int(hx_send(h, 1), 400, "no REQUESTED-TRANSPORT: 400");
	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, tcp, 4);
	is_int(hx_send(h, 1), 442, "TCP relay: 442");
	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6, 4);
	is_int(hx_send(h, 1), 440, "IPv6 relay on an IPv4-only server: 440");
	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	stun_build_attr(&h->b, STUN_ATTR_RESERVATION_TOKEN, "12345678", 8);
	is_int(hx_send(h, 1), 508, "unknown reservation token: 508");
}

static void
even_port(struct hx *h)
{
	uint8_t even[4] = { 0x80, 0, 0, 0 }, token[8];
	const struct stun_attr *tok;
	struct sockaddr_storage r1, r2;
	const struct stun_attr *ra;

	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	stun_build_attr(&h->b, STUN_ATTR_EVEN_PORT, even, 1);
	is_int(hx_send(h, 1), 0, "EVEN-PORT with R: success");
	tok = stun_msg_get(&h->resp, STUN_ATTR_RESERVATION_TOKEN);
	ra = stun_msg_get(&h->resp, STUN_ATTR_XOR_RELAYED_ADDRESS);
	ok(tok && tok->len == 8 && ra && stun_attr_xor_addr(&h->resp, ra, &r1) == 0, "token and relay");
	ok(addr_port(&r1) % 2 == 0, "even relay port");
	if (!tok || tok->len != 8)
		return;
	memcpy(token, tok->val, 8);
	/* Another client (a new 5-tuple) takes the reserved port. */
	close(h->cfd);
	h->cfd = hx_udp_socket(&h->c.remote);
	hx_challenge(h);
	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	stun_build_attr(&h->b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	is_int(hx_send(h, 1), 0, "RESERVATION-TOKEN: success");
	ra = stun_msg_get(&h->resp, STUN_ATTR_XOR_RELAYED_ADDRESS);
	ok(ra && stun_attr_xor_addr(&h->resp, ra, &r2) == 0 && addr_port(&r2) == addr_port(&r1) + 1,
	   "the reserved port, one above");
}

static void
quota(void)
{
	struct hx h;

	hx_init(&h, "user-quota = 1");
	is_int(hx_allocate(&h, NULL), 0, "first allocation within user-quota");
	close(h.cfd);
	h.cfd = hx_udp_socket(&h.c.remote);
	hx_challenge(&h);
	is_int(hx_allocate(&h, NULL), 486, "second allocation of the user: 486");
	is_int(hx_stat(&h, STAT_QUOTA_USER), 1, "counted as a quota hit");
	hx_free(&h);
}

int
main(void)
{
	struct hx h;

	hx_init(&h, "");
	allocate(&h);
	refusals(&h);
	even_port(&h);
	hx_free(&h);
	quota();
	return tap_done();
}
