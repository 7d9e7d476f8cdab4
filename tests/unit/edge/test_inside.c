/*
 * Unit tests of src/edge/inside.c: the inside role's tunnel ops
 * (edge_inside_tunnel_ops) on a real HTTP/2 server session, fed what an
 * outside node sends: requests for another host (400), a method guests
 * may not use (405), a path that is not origin-form (400), a good request
 * with no web bridge (502); busy, drain (GOAWAY), a lost tunnel.
 */
#include "edge_fixture.h"
#include "tap.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* HPACK, no Huffman: indexed :method GET (2) or a literal method, :scheme
 * https (7), a literal :path (name index 4), a literal :authority (1). */
static size_t
request(uint8_t *b, const char *method, const char *path, const char *authority)
{
	size_t n = 0;

	if (!strcmp(method, "GET"))
		b[n++] = 0x82;
	else
		b[n++] = 0x02, b[n++] = (uint8_t)strlen(method), memcpy(b + n, method, strlen(method)),
		n += strlen(method);
	b[n++] = 0x87;
	b[n++] = 0x04, b[n++] = (uint8_t)strlen(path), memcpy(b + n, path, strlen(path)), n += strlen(path);
	b[n++] = 0x01, b[n++] = (uint8_t)strlen(authority);
	memcpy(b + n, authority, strlen(authority));
	return n + strlen(authority);
}

static void
ask(struct edge_tunnel *t, uint32_t sid, const char *method, const char *path, const char *host)
{
	uint8_t hb[256], in[512];
	size_t hl = request(hb, method, path, host), n = 0;

	if (sid == 1) {
		memcpy(in, preface, sizeof(preface) - 1);
		n = fx_frame(in, sizeof(preface) - 1, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	}
	n = fx_frame(in, n, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, sid, hb, hl);
	if (edge_tunnel_feed(t, in, n) < 0)
		printf("# feed: %s\n", t->last_error);
	fx_loop();
}

int
main(void)
{
	struct edge_tunnel *t;
	struct edge_counters *k = &fx_p.ctr;

	fx_proc_init();
	t = fx_tunnel(&edge_inside_tunnel_ops);
	ok(nghttp2_session_check_server_session(t->h2), "the inside is the HTTP/2 server");
	ask(t, 1, "GET", "/", "evil.example.com");
	is_int(k->status[4], 1, "another host: 400");
	ask(t, 3, "TRACE", "/", FX_HOST);
	is_int(k->status[4], 2, "TRACE: 405");
	ask(t, 5, "GET", "/\xc3\xa9", FX_HOST);
	is_int(k->status[4], 3, "a path with bytes over 0x7e: 400");
	ask(t, 7, "GET", "/ok", FX_HOST);
	is_int(k->status[5], 1, "a good request, no web bridge: 502");
	is_int(k->requests, 4, "four requests counted");
	ok(!edge_inside_busy(&fx_p) || t->streams.length, "busy only with streams or output queued");
	edge_inside_drain(&fx_p);
	is_int(t->state, EDGE_T_DRAINING, "drain: GOAWAY, the tunnel is draining");
	fx_end_tunnel(t);
	is_int(fx_p.tunnels->len, 0, "the tunnel is gone");
	edge_inside_stop(&fx_p);
	fx_end();
	return tap_done();
}
