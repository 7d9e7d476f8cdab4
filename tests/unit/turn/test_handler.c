/* The request dispatch of src/turn/handler.c: the method table, the
 * checks every request goes through, and TCP framing. */
#include "harness.h"
#include "tap.h"

static void
binding(struct hx *h)
{
	const struct stun_attr *xa;
	struct sockaddr_storage got;

	hx_begin(h, STUN_BINDING);
	is_int(hx_send(h, 0), 0, "Binding without credentials succeeds");
	xa = stun_msg_get(&h->resp, STUN_ATTR_XOR_MAPPED_ADDRESS);
	ok(xa && stun_attr_xor_addr(&h->resp, xa, &got) == 0 && addr_equal(&got, &h->c.remote),
	   "XOR-MAPPED-ADDRESS is the client's address");
	ok(memcmp(h->resp.tid, h->tid, STUN_TID_LEN) == 0, "answer carries the request's transaction ID");
	ok(stun_check_fingerprint(&h->resp) == 0, "answer has a FINGERPRINT like the request");

	hx_begin(h, STUN_BINDING);
	stun_build_u32(&h->b, STUN_ATTR_CHANGE_REQUEST, 0x6);
	is_int(hx_send(h, 0), 420, "CHANGE-REQUEST: 420 (no alternate address)");
	ok(stun_msg_get(&h->resp, STUN_ATTR_UNKNOWN_ATTRIBUTES) != NULL, "420 lists UNKNOWN-ATTRIBUTES");
}

static void
checks(struct hx *h)
{
	uint8_t junk[24];
	uint64_t before;

	hx_begin(h, 0x00B);   /* no such method in the table */
	is_int(hx_send(h, 0), 400, "unknown method: 400");

	is_int(hx_challenge(h), 401, "Allocate without credentials: 401");
	ok(stun_msg_get(&h->resp, STUN_ATTR_REALM) && stun_msg_get(&h->resp, STUN_ATTR_NONCE),
	   "401 carries REALM and NONCE");
	ok(h->nonce[0] != 0, "nonce learnt");

	hx_begin(h, STUN_REFRESH);
	is_int(hx_send(h, 1), 437, "authenticated Refresh without an allocation: 437");
	ok(stun_check_integrity(&h->resp, h->key, TURN_KEY_LEN) == 0, "437 is signed with the user's key");

	hx_begin(h, STUN_CREATE_PERMISSION);
	stun_build_u32(&h->b, 0x0031, 1);   /* comprehension-required, unknown */
	is_int(hx_send(h, 1), 420, "unknown comprehension-required attribute: 420");

	/* A request header with an attribute running past the end: 400. */
	hx_begin(h, STUN_BINDING);
	stun_build_u32(&h->b, STUN_ATTR_LIFETIME, 1);
	memcpy(junk, h->qbuf, 20);
	junk[2] = 0;
	junk[3] = 4;
	memcpy(junk + 20, "\x00\x0d\x00\x08", 4);
	hx_feed(h, junk, sizeof(junk));
	is_int(hx_answer(h, 1000), 400, "unparsable request with a sound header: 400");

	before = hx_stat(h, STAT_DROP_NOT_REQUEST);
	stun_build_init(&h->b, h->qbuf, sizeof(h->qbuf), STUN_BINDING, STUN_SUCCESS, h->tid);
	hx_feed(h, h->qbuf, (size_t)stun_build_finish(&h->b));
	is_int(hx_answer(h, 100), -1, "a success response from a client is not answered");
	is_int(hx_stat(h, STAT_DROP_NOT_REQUEST), before + 1, "and counted as unexpected");

	before = hx_stat(h, STAT_DROP_MALFORMED);
	hx_begin(h, STUN_BINDING);
	stun_build_fingerprint(&h->b);
	{
		long n = stun_build_finish(&h->b);
		h->qbuf[n - 1] ^= 1;
		hx_feed(h, h->qbuf, (size_t)n);
	}
	is_int(hx_answer(h, 100), -1, "bad FINGERPRINT: silently dropped");
	is_int(hx_stat(h, STAT_DROP_MALFORMED), before + 1, "and counted as malformed");
}

static void
framing(struct hx *h)
{
	uint8_t ch[8] = { 0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0 };
	uint8_t legacy[4] = { 0x60, 0x00, 0x00, 0x00 };

	is_int(turn_handler_frame_length(&h->w, ch, 2), 0, "ChannelData header incomplete: need more");
	is_int(turn_handler_frame_length(&h->w, ch, 8), 8, "ChannelData padded to 4 over TCP");
	is_int(turn_handler_frame_length(&h->w, legacy, 4), -1, "channel 0x6000 without legacy-channels: framing error");
	hx_begin(h, STUN_BINDING);
	is_int(turn_handler_frame_length(&h->w, h->qbuf, (size_t)stun_build_finish(&h->b)), 20,
	       "STUN frame length from its header");
}

static void
binding_auth(void)
{
	struct hx h;

	hx_init(&h, "binding-requires-auth = yes");
	hx_begin(&h, STUN_BINDING);
	is_int(hx_send(&h, 0), 401, "binding-requires-auth: unauthenticated Binding gets 401");
	hx_begin(&h, STUN_BINDING);
	is_int(hx_send(&h, 1), 0, "and an authenticated one succeeds");
	hx_free(&h);

	hx_init(&h, "legacy-channels = yes");
	{
		uint8_t legacy[8] = { 0x60, 0x00, 0x00, 0x01, 9, 0, 0, 0 };
		is_int(turn_handler_frame_length(&h.w, legacy, 8), 8, "legacy-channels: 0x6000 frames");
	}
	hx_free(&h);
}

int
main(void)
{
	struct hx h;

	hx_init(&h, "");
	binding(&h);
	checks(&h);
	framing(&h);
	hx_free(&h);
	binding_auth();
	return tap_done();
}
