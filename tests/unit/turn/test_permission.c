/* CreatePermission and ChannelBind (src/turn/permission.c). */
#include "harness.h"
#include "turn/handler-internal.h"
#include "tap.h"

static void
peer(const char *s, struct sockaddr_storage *out)
{
	addr_parse(s, 0, out);
}

static void
create_permission(struct hx *h)
{
	struct sockaddr_storage p1, p2, priv, v6;
	struct alloc *a;

	peer("127.0.0.1:5000", &p1);
	peer("127.0.0.2:5000", &p2);
	peer("10.0.0.1:5000", &priv);
	peer("[2001:db8::1]:5000", &v6);

	hx_begin(h, STUN_CREATE_PERMISSION);
	is_int(hx_send(h, 1), 400, "CreatePermission without a peer: 400");

	hx_begin(h, STUN_CREATE_PERMISSION);
	hx_peer_attr(h, &p1);
	hx_peer_attr(h, &p2);
	is_int(hx_send(h, 1), 0, "two allowed peers (allowed-peers 127.0.0.0/8)");
	a = hx_alloc(h);
	ok(a && turn_alloc_perm_find(a, &p1, h->w.now) && turn_alloc_perm_find(a, &p2, h->w.now),
	   "both permissions installed");

	hx_begin(h, STUN_CREATE_PERMISSION);
	hx_peer_attr(h, &priv);
	is_int(hx_send(h, 1), 403, "private peer: 403");
	is_int(hx_stat(h, STAT_PEER_DENIED), 1, "counted as peer denied");

	hx_begin(h, STUN_CREATE_PERMISSION);
	hx_peer_attr(h, &v6);
	is_int(hx_send(h, 1), 443, "IPv6 peer on an IPv4 relay: 443");

	hx_begin(h, STUN_CREATE_PERMISSION);
	for (int i = 0; i < 33; i++)
		hx_peer_attr(h, &p1);
	is_int(hx_send(h, 1), 400, "more than 32 peers in one request: 400");
}

static void
channel_bind(struct hx *h)
{
	struct sockaddr_storage p1, p2;

	peer("127.0.0.3:7000", &p1);
	peer("127.0.0.4:7000", &p2);

	hx_begin(h, STUN_CHANNEL_BIND);
	hx_peer_attr(h, &p1);
	is_int(hx_send(h, 1), 400, "ChannelBind without CHANNEL-NUMBER: 400");

	hx_begin(h, STUN_CHANNEL_BIND);
	stun_build_u32(&h->b, STUN_ATTR_CHANNEL_NUMBER, 0x3FFFu << 16);
	hx_peer_attr(h, &p1);
	is_int(hx_send(h, 1), 400, "channel 0x3FFF: 400");

	hx_begin(h, STUN_CHANNEL_BIND);
	stun_build_u32(&h->b, STUN_ATTR_CHANNEL_NUMBER, 0x5000u << 16);
	hx_peer_attr(h, &p1);
	is_int(hx_send(h, 1), 400, "channel 0x5000 without legacy-channels: 400");

	hx_begin(h, STUN_CHANNEL_BIND);
	stun_build_u32(&h->b, STUN_ATTR_CHANNEL_NUMBER, 0x4000u << 16);
	hx_peer_attr(h, &p1);
	is_int(hx_send(h, 1), 0, "channel 0x4000 bound");
	ok(turn_alloc_chan_by_num(hx_alloc(h), 0x4000, h->w.now, 0) != NULL, "channel in the table");
	ok(turn_alloc_perm_find(hx_alloc(h), &p1, h->w.now) != NULL, "and a permission with it");

	hx_begin(h, STUN_CHANNEL_BIND);
	stun_build_u32(&h->b, STUN_ATTR_CHANNEL_NUMBER, 0x4000u << 16);
	hx_peer_attr(h, &p2);
	is_int(hx_send(h, 1), 400, "the same number for another peer: 400");
	ok(turn_permission_channel_max(&h->w) == STUN_CHANNEL_MAX, "channel range ends at 0x4FFF");
}

static void
limits(void)
{
	struct hx h;
	struct sockaddr_storage p;

	hx_init(&h, "max-permissions = 1");
	hx_allocate(&h, NULL);
	peer("127.0.0.1:1", &p);
	hx_begin(&h, STUN_CREATE_PERMISSION);
	hx_peer_attr(&h, &p);
	is_int(hx_send(&h, 1), 0, "first permission");
	peer("127.0.0.2:1", &p);
	hx_begin(&h, STUN_CREATE_PERMISSION);
	hx_peer_attr(&h, &p);
	is_int(hx_send(&h, 1), 508, "beyond max-permissions: 508");
	hx_free(&h);
}

int
main(void)
{
	struct hx h;

	hx_init(&h, "");
	is_int(hx_allocate(&h, NULL), 0, "allocation for the tests");
	create_permission(&h);
	channel_bind(&h);
	hx_free(&h);
	limits();
	return tap_done();
}
