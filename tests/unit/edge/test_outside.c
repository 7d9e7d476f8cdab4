/*
 * Unit tests of src/edge/outside.c: the outside role's tunnel ops
 * (edge_outside_tunnel_ops): a tunnel lost with requests in flight (the
 * guests get 502), a tunnel lost after a response head came but before
 * any of it left the node (the request is retried on the other tunnel:
 * the edge-resilience flake), GOAWAY (draining), busy/drain/stop, and a
 * start that fails on a missing certificate.
 */
#include "edge_fixture.h"
#include "tap.h"

#define GET "GET /x HTTP/1.1\r\nHost: " FX_HOST "\r\n\r\n"

static void
guest_get(void)
{
	fx_guest((const uint8_t *)GET, strlen(GET), strlen(GET));
	fx_loop();
}

static void
test_lost(void)
{
	struct edge_tunnel *t = fx_tunnel(&edge_outside_tunnel_ops);

	guest_get();
	is_int(t->streams.length, 1, "a request in flight");
	ok(edge_outside_busy(&fx_p), "busy with a guest");
	t->ops->dead(t, "test: link dead");
	is_int(fx_p.tunnels->len, 0, "the lost tunnel is dropped");
	is_int(fx_p.ctr.status[5], 1, "no other tunnel: the guest gets 502");
	is_int(fx_p.guests.length, 0, "and is closed");
	fx_loop();
}

static void
test_take_back(void)
{
	struct edge_tunnel *a = fx_tunnel(&edge_outside_tunnel_ops), *b = fx_tunnel(&edge_outside_tunnel_ops);
	struct edge_tunnel *used, *other;
	const uint8_t status_200 = 0x88;
	uint8_t in[64];
	size_t n = 0;
	struct guest *g;
	uint64_t retries = fx_p.ctr.retries;

	guest_get();
	used = a->streams.length ? a : b;
	other = used == a ? b : a;
	g = g_queue_peek_tail(&fx_p.guests);
	n = fx_frame(in, n, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	n = fx_frame(in, n, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, &status_200, 1);
	edge_tunnel_feed(used, in, n);     /* the head, not the end of the stream */
	ok(g && g->c && edge_conn_pending(g->c) > 0, "the response head waits in the guest's queue");
	used->ops->dead(used, "test: reset");
	is_int(fx_p.ctr.retries - retries, 1, "the tunnel reset before any of it left: retried");
	is_int(other->streams.length, 1, "on the other tunnel");
	ok(fx_p.guests.length == 1 && g->c && edge_conn_pending(g->c) == 0,
	   "the guest is still there, its queue taken back");
	is_int(fx_p.ctr.status[2], 0, "the taken-back 200 is not counted");
	n = fx_frame(in, 0, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	n = fx_frame(in, n, NGHTTP2_GOAWAY, 0, 0, "\0\0\0\0\0\0\0\0", 8);
	edge_tunnel_feed(other, in, n);
	is_int(other->state, EDGE_T_DRAINING, "GOAWAY: the tunnel is draining");
	other->ops->dead(other, "end");
	fx_end();
}

static void
test_start_stop(void)
{
	char err[512] = "";
	static char missing[] = "/nonexistent/cert.pem";

	fx_cfg.t_cert = fx_cfg.t_key = missing;
	is_int(edge_outside_start(&fx_p, err, sizeof(err)), -1, "a missing certificate: start fails");
	ok(strstr(err, "nonexistent") != NULL, "naming the file: %s", err);
	edge_outside_drain(&fx_p);
	ok(!edge_outside_busy(&fx_p), "nothing in flight");
	fx_p.t_fd = -1;
	edge_outside_stop(&fx_p);
	is_int(fx_p.tunnels->len, 0, "stopped");
}

int
main(void)
{
	fx_proc_init();
	test_lost();
	test_take_back();
	test_start_stop();
	fx_loop();
	return tap_done();
}
