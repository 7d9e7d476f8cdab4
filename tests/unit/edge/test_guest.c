/*
 * Unit tests of src/edge/guest.c (and the response side in ostream.c):
 * guests' request heads judged (Bad Request, unknown host, method), no
 * tunnel (502), a request submitted on an Active tunnel as an HTTP/2
 * stream, its response (a HEADERS frame from the "inside") completing it
 * and keeping the connection alive, the request body carried, draining.
 */
#include "edge_fixture.h"
#include "tap.h"

#define REQ(m, extra) m " /x HTTP/1.1\r\nHost: " FX_HOST "\r\n" extra "\r\n"

static void
send_guest(const char *s)
{
	fx_guest((const uint8_t *)s, strlen(s), strlen(s));
	fx_loop();
}

static void
test_refusals(void)
{
	struct edge_counters *k = &fx_p.ctr;

	send_guest("GET /x HTTP/1.1\nHost: " FX_HOST "\n\n");
	is_int(k->refused_bad_request, 1, "bare LF: Bad Request");
	send_guest("GET /x HTTP/1.1\r\nHost: evil.example.com\r\n\r\n");
	is_int(k->refused_host, 1, "a host not in [webproxy] hosts: refused");
	send_guest(REQ("TRACE", ""));
	is_int(k->refused_method, 1, "TRACE: refused");
	send_guest(REQ("GET", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
	is_int(k->refused_bad_request, 2, "a WebSocket upgrade without a key: Bad Request");
	send_guest(REQ("GET", ""));
	is_int(k->no_tunnel, 1, "no tunnel: 502");
	is_int(k->status[4], 4, "four 4xx answers");
	is_int(k->status[5], 1, "one 5xx");
	is_int(fx_p.guests.length, 0, "every refused guest is closed");
}

static void
test_forwarded(void)
{
	struct edge_tunnel *t = fx_tunnel(&edge_outside_tunnel_ops);
	uint8_t in[256];
	size_t n = 0;
	struct guest *g;
	const uint8_t status_200 = 0x88;   /* HPACK static table: :status 200 */

	send_guest(REQ("GET", "Connection: keep-alive\r\nX-Forwarded-For: 6.6.6.6\r\n"));
	is_int(t->streams.length, 1, "an accepted request is a stream on the tunnel");
	g = g_queue_peek_tail(&fx_p.guests);
	ok(g && g->s && g->st == G_WAIT, "the guest waits for the response");
	ok(g && g->nnva >= 8, "the HTTP/2 request carries the pseudo-headers and forwarding ones");
	for (size_t i = 0; g && i < g->nnva; i++)
		if (g->nva[i].namelen == 15 && !memcmp(g->nva[i].name, "x-forwarded-for", 15))
			ok(!memcmp(g->nva[i].value, "198.51.100.7", g->nva[i].valuelen),
			   "the guest's X-Forwarded-For is replaced by its address");
	n = fx_frame(in, n, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	n = fx_frame(in, n, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
		     &status_200, 1);
	is_int(edge_tunnel_feed(t, in, n), 0, "the inside answers 200");
	fx_loop();
	is_int(fx_p.ctr.status[2], 1, "a 2xx went to the guest");
	is_int(t->streams.length, 0, "the stream is done");
	ok(fx_p.guests.length == 1 && g->st == G_HEAD, "keep-alive: the guest waits for the next head");

	send_guest(REQ("POST", "Content-Length: 5\r\n") "hello");
	g = g_queue_peek_tail(&fx_p.guests);
	ok(g && g->has_body && g->body_eof, "the body was read to its end");
	fx_loop();
	ok(g && g->body_sent, "and sent down the stream");
	is_int(fx_p.ctr.bytes_up, 5, "five body bytes up");

	edge_guest_drain(&fx_p);
	is_int(fx_p.guests.length, 1, "draining keeps the guest mid-request, closes the idle one");
	fx_end_tunnel(t);
	fx_end();
}

int
main(void)
{
	fx_proc_init();
	test_refusals();
	test_forwarded();
	return tap_done();
}
