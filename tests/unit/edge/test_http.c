/* Unit tests for src/edge/http.c: the guest request-head parser and the
 * chunked decoder, which stand between the internet and the tunnel. */
#include <string.h>

#include "edge/edge-http.h"
#include "edge/edge-tunnel.h"
#include "tap.h"

static int
req(const char *s, struct edge_http_msg *m, const char **why)
{
	return edge_http_parse_request(s, strlen(s), 16384, m, why);
}

static void
test_good(void)
{
	struct edge_http_msg m;
	const char *why = NULL;
	const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: cmsweb.octavio.com\r\n"
			"Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nX-Empty:\r\n\r\nBODY";

	is_int(req(s, &m, &why), (int)(strstr(s, "BODY") - s), "complete head: length returned");
	ok(m.method_len == 3 && !memcmp(m.method, "GET", 3), "method");
	ok(m.target_len == 15 && !memcmp(m.target, "/index.html?x=1", 15), "target");
	is_int(m.minor, 1, "HTTP/1.1");
	ok(m.host_len == 18 && !memcmp(m.host, "cmsweb.octavio.com", 18), "host");
	ok(m.conn_upgrade && m.upgrade_websocket && !m.conn_close, "connection tokens");
	is_int(m.content_length, -1, "no content-length");
	is_int(m.nheaders, 4, "four headers (an empty value is fine)");
	is_int(req("GET / HTTP/1.1\r\nHost: a\r\n", &m, &why), EDGE_AGAIN, "partial head: again");
	is_int(req("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &m, &why) > 0, 1,
	       "content-length");
	is_int(m.content_length, 12, "content-length value");
	is_int(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &m, &why) > 0, 1,
	       "chunked (case-insensitive)");
	ok(m.chunked, "chunked flag");
}

static void
test_refused(void)
{
	static const struct { const char *req, *name; } bad[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "CL+TE" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", "CL twice" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", "CL list" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "CL negative" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", "CL huge" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "TE gzip" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "TE twice" },
		{ "GET / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "TE on 1.0" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", "space before colon" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", "obs-fold" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n", "obs-fold tab" },
		{ "GET / HTTP/1.1\nHost: a\n\n", "bare LF" },
		{ "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "bare LF in the middle" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "Host twice" },
		{ "GET / HTTP/1.1\r\n\r\n", "no Host" },
		{ "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", "absolute-form" },
		{ "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", "authority-form" },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "asterisk-form" },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "HTTP/2.0 on the wire" },
		{ "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "space in target" },
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "bad method token" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", "control character in value" },
		{ "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", "empty header name" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "no colon" },
	};
	struct edge_http_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int rc = req(bad[i].req, &m, &why);
		ok(rc == EDGE_ERROR && why, "refused: %s (%s)", bad[i].name, why ? why : "-");
	}
}

static void
test_oversized(void)
{
	char big[20000];
	struct edge_http_msg m;
	const char *why = NULL;

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
	is_int(edge_http_parse_request(big, sizeof(big), 16384, &m, &why), EDGE_ERROR,
	       "head over max_head refused before its end arrives");
	is_int(edge_http_parse_request(big, 1000, 16384, &m, &why), EDGE_AGAIN, "under the cap: again");
}

static void
test_incremental(void)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\nBODY";
	size_t scanned = 0, total = strlen(s);
	const char *why = NULL;
	int rc = EDGE_AGAIN;

	for (size_t n = 1; n <= total && rc == EDGE_AGAIN; n++)
		rc = edge_http_head_end(s, n, 16384, &scanned, &why);
	is_int(rc, (int)(strstr(s, "BODY") - s), "byte-by-byte end-of-head search finds the end");
	scanned = 0;
	is_int(edge_http_head_end("GET / HTTP/1.1\r\nHost: a\n", 25, 16384, &scanned, &why), EDGE_ERROR,
	       "bare LF refused before the head ends");
	scanned = 0;
	is_int(edge_http_head_end("GET / HTTP/1.1\r\nHost: a\r\n", 25, 16384, &scanned, &why), EDGE_AGAIN,
	       "partial head: again");
	is_int(scanned, 25, "scanned advanced to the end of the input");
}

static void
test_response(void)
{
	struct edge_http_msg m;
	const char *why = NULL;
	const char *s = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

	ok(edge_http_parse_response(s, strlen(s), 4096, &m, &why) > 0 && m.status == 101, "101 response");
	s = "HTTP/1.1 200\r\nContent-Length: 5\r\n\r\n";
	ok(edge_http_parse_response(s, strlen(s), 4096, &m, &why) > 0 && m.status == 200 &&
	   m.content_length == 5, "status line without reason");
	s = "HTTP/1.1 20 OK\r\n\r\n";
	is_int(edge_http_parse_response(s, strlen(s), 4096, &m, &why), EDGE_ERROR, "bad status code");
}

static void
test_chunked(void)
{
	struct edge_chunked c;
	const char *in = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	uint8_t out[64];
	size_t outlen = 0, total = 0;
	const char *why = NULL;
	long used;

	memset(&c, 0, sizeof(c));
	used = edge_http_chunked(&c, (const uint8_t *)in, strlen(in), out, &outlen, &why);
	ok(c.done && outlen == 11 && !memcmp(out, "hello world", 11), "decode with extension and trailer");
	is_int(used, (long)(strstr(in, "NEXT") - in), "stops after the last CRLF");
	/* byte by byte gives the same */
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < strlen(in) && !c.done; i++) {
		size_t o = 0;
		if (edge_http_chunked(&c, (const uint8_t *)in + i, 1, out + total, &o, &why) < 0)
			break;
		total += o;
	}
	ok(c.done && total == 11 && !memcmp(out, "hello world", 11), "byte-at-a-time decode");
	static const char *const bad[] = { "zz\r\n", "5\nhello", "5\r\nhelloXX", "\r\n",
					   "fffffffffffffffffff\r\n", "5\r\nhello\r\n0\r\nX\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		ok(edge_http_chunked(&c, (const uint8_t *)bad[i], strlen(bad[i]), out, &outlen, &why) ==
		   EDGE_ERROR, "chunked refused: case %zu", i);
	}
}

static void
test_misc(void)
{
	char acc[32], host[64];
	struct edge_http_msg m;
	const char *why = NULL;
	int port;
	char *h = NULL;

	edge_http_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
	is_str(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Accept (RFC 6455 example)");
	req("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\n\r\n", &m, &why);
	ok(edge_http_hop_by_hop(&m, "x-secret", 8), "header named by Connection is hop-by-hop");
	ok(edge_http_hop_by_hop(NULL, "Keep-Alive", 10), "keep-alive is hop-by-hop");
	ok(!edge_http_hop_by_hop(&m, "cookie", 6), "cookie is end-to-end");
	ok(edge_util_authority_host("CMSweb.Octavio.com:8443", 23, host, sizeof(host), &port) == 0 &&
	   !strcmp(host, "cmsweb.octavio.com") && port == 8443, "authority: host lower-cased, port");
	ok(edge_util_authority_host("a:99999", 7, host, sizeof(host), &port) < 0, "authority: bad port");
	ok(edge_util_authority_host("a b", 3, host, sizeof(host), &port) < 0, "authority: bad character");
	ok(edge_util_https_uri("https://cmsweb.octavio.com", &h, &port) == 0 && !strcmp(h, "cmsweb.octavio.com") &&
	   port == 443, "guest URI");
	g_free(h);
	ok(edge_util_https_uri("http://cmsweb.octavio.com", &h, &port) < 0, "guest URI must be https");
	ok(edge_util_https_uri("https://cmsweb.octavio.com/path", &h, &port) < 0, "guest URI without a path");
}

static void
test_backoff_and_secrets(void)
{
	int in_range = 1;

	for (unsigned a = 0; a < 40; a++)
		for (uint32_t r = 0; r < 100000; r += 7919)
			in_range &= edge_util_backoff_ms(1, 60, a, r) <= (a < 6 ? (1000u << a) : 60000u);
	ok(in_range, "full-jitter backoff stays within min(max, initial * 2^n)");
	is_int(edge_util_backoff_ms(1, 60, 3, 8000), 8000, "upper bound reachable");
	ok(edge_tls_secret_equal("cisco", "cisco"), "secret compare: equal");
	ok(!edge_tls_secret_equal("cisco", "cisc0") && !edge_tls_secret_equal("cisco", "ciscoo"),
	   "secret compare: different");
}

static void
test_hello(void)
{
	struct edge_hello h;
	const char *why = NULL;
	const char *s = "PORTICO-TRAVERSAL/1 HELLO\r\nuser: Tuser\r\npassword: p w\r\n\r\nPRI";

	is_int(edge_tunnel_hello_parse(s, strlen(s), &h, &why), (int)(strstr(s, "PRI") - s), "hello parsed");
	is_str(h.verb, "HELLO", "verb");
	is_str(edge_tunnel_hello_get(&h, "User"), "Tuser", "field lookup case-insensitive");
	is_str(edge_tunnel_hello_get(&h, "password"), "p w", "value with a space");
	is_int(edge_tunnel_hello_parse("PORTICO-TRAV", 12, &h, &why), EDGE_AGAIN, "partial magic");
	is_int(edge_tunnel_hello_parse("GET / HTTP/1.1\r\n\r\n", 18, &h, &why), EDGE_ERROR, "not a hello");
	s = "PORTICO-TRAVERSAL/1 HELLO\r\nuser: a\r\n folded\r\n\r\n";
	is_int(edge_tunnel_hello_parse(s, strlen(s), &h, &why), EDGE_ERROR, "folded hello line refused");
}

/* Issue 17: "411 Status".  Every phrase the edge can emit is a real one. */
static void
test_reasons(void)
{
	int bad = 0;

	is_str(edge_http_reason(411), "Length Required", "411 Length Required");
	is_str(edge_http_reason(421), "Misdirected Request", "421 Misdirected Request");
	is_str(edge_http_reason(429), "Too Many Requests", "429 Too Many Requests");
	is_str(edge_http_reason(413), "Content Too Large", "413 Content Too Large");
	is_str(edge_http_reason(299), "Successful", "an unregistered 2xx gets its class");
	is_str(edge_http_reason(599), "Server Error", "an unregistered 5xx gets its class");
	is_str(edge_http_reason(42), "Unknown", "out of range");
	for (int c = 100; c <= 599; c++)
		bad += !strcmp(edge_http_reason(c), "Status") || !edge_http_reason(c)[0];
	is_int(bad, 0, "no code answers the placeholder \"Status\"");
	ok(edge_http_method_idempotent("GET") && edge_http_method_idempotent("PUT") &&
	   !edge_http_method_idempotent("POST"), "idempotent methods (retry after a lost tunnel)");
}

int
main(void)
{
	test_reasons();
	test_good();
	test_refused();
	test_oversized();
	test_incremental();
	test_response();
	test_chunked();
	test_misc();
	test_backoff_and_secrets();
	test_hello();
	return tap_done();
}
