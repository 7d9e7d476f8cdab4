/*
 * libFuzzer harness for the HTTP/2 tunnel between the edges: the input is
 * what the peer edge sends, fed to a real nghttp2 session with portico's
 * own stream callbacks (edge_outside_tunnel_ops / edge_inside_tunnel_ops).
 *
 * Byte 0: bit 0 the role (0 outside: HTTP/2 client with guests' requests
 * in flight; 1 inside: HTTP/2 server, streams become web bridge
 * requests, answered 502 here as no web bridge is configured); bits 1-2
 * the number of guests (outside); bits 3-7 the chunk size the rest is fed
 * in.  Byte 1: the kind of each guest's request (2 bits each: GET, POST
 * with a body, HEAD, WebSocket upgrade).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const requests[] = {
	"GET /a HTTP/1.1\r\nHost: " FX_HOST "\r\n\r\n",
	"POST /b HTTP/1.1\r\nHost: " FX_HOST "\r\nContent-Length: 5\r\n\r\nhello",
	"HEAD /c HTTP/1.0\r\nHost: " FX_HOST "\r\n\r\n",
	"GET /ws HTTP/1.1\r\nHost: " FX_HOST "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
};

static void
add_guest(unsigned kind)
{
	fx_guest((const uint8_t *)requests[kind], strlen(requests[kind]), strlen(requests[kind]));
}

static void
feed(struct edge_tunnel *t, const uint8_t *d, size_t n, size_t chunk)
{
	for (size_t off = 0; off < n && g_ptr_array_find(fx_p.tunnels, t, NULL) && t->h2;) {
		size_t k = n - off < chunk ? n - off : chunk;
		if (edge_tunnel_feed(t, d + off, k) < 0) {
			t->ops->dead(t, t->last_error);
			return;
		}
		off += k;
		fx_loop();                  /* pumps: frames out, streams closed */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int inside;
	unsigned nguests, kinds;
	size_t chunk;
	struct edge_tunnel *t;

	if (size < 2)
		return 0;
	fx_proc_init();
	inside = data[0] & 1;
	nguests = 1 + ((data[0] >> 1) & 3) % 3;
	chunk = 1 + (size_t)(data[0] >> 3) * 97;
	kinds = data[1];
	t = fx_tunnel(inside ? &edge_inside_tunnel_ops : &edge_outside_tunnel_ops);
	for (unsigned i = 0; !inside && i < nguests; i++)
		add_guest((kinds >> (2 * i)) & 3);
	fx_loop();
	feed(t, data + 2, size - 2, chunk);
	fx_end_tunnel(t);
	fx_end();
	return 0;
}
