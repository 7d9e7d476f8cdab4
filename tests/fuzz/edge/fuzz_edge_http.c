/*
 * libFuzzer harness for the outside edge's guest-facing parsers
 * (src/edge/http.c): request head, response head, and the chunked decoder
 * fed both at once and byte by byte (the two must agree).  The first input
 * byte picks the max-head cap so the "too large" paths are reached too.
 * Then the same bytes go to a real guest connection (guest.c: head
 * checks, Host and method rules, the HTTP/2 request built from the head,
 * body and chunked handling) with an Active tunnel behind it on every
 * other input, so accepted requests are submitted to nghttp2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge/edge-http.h"
#include "edge_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
chunked_both_ways(const uint8_t *in, size_t n)
{
	struct edge_chunked a, b;
	uint8_t *out1 = malloc(n + 1), *out2 = malloc(n + 1);
	size_t o1 = 0, o2 = 0, tot2 = 0;
	const char *why = NULL;
	long r1, used2 = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	r1 = edge_http_chunked(&a, in, n, out1, &o1, &why);
	for (size_t i = 0; i < n && !b.done; i++) {
		size_t o = 0;
		long r = edge_http_chunked(&b, in + i, 1, out2 + tot2, &o, &why);
		if (r < 0) {
			used2 = -1;
			break;
		}
		used2 += r;
		tot2 += o;
	}
	(void)o2;
	if (r1 >= 0 && used2 >= 0 && (a.done != b.done || o1 != tot2 || memcmp(out1, out2, o1)))
		abort();                   /* incremental and one-shot decoding disagree */
	free(out1);
	free(out2);
}

static void
guest_head(const uint8_t *d, size_t n, size_t cap)
{
	struct edge_tunnel *t = NULL;

	fx_proc_init();
	fx_cfg.w_max_head = (unsigned)cap;
	if (cap & 64)
		t = fx_tunnel(&edge_outside_tunnel_ops);
	fx_guest(d, n, cap % (n + 1));
	fx_loop();
	if (t)
		fx_end_tunnel(t);
	fx_end();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edge_http_msg m;
	const char *why = NULL;
	size_t cap;
	int rc;

	if (size < 1)
		return 0;
	cap = 64 + (size_t)data[0] * 64;
	data++, size--;
	{
		/* the incremental end-of-head search agrees with the one-shot one */
		size_t scanned = 0, s2 = 0;
		int one = edge_http_head_end((const char *)data, size, cap, &s2, &why), inc = EDGE_AGAIN;
		for (size_t n = 1; n <= size && inc == EDGE_AGAIN; n++)
			inc = edge_http_head_end((const char *)data, n, cap, &scanned, &why);
		if (one != inc && !(one == EDGE_AGAIN && inc == EDGE_AGAIN))
			abort();
	}
	rc = edge_http_parse_request((const char *)data, size, cap, &m, &why);
	if (rc > 0) {
		if ((size_t)rc > size || (size_t)rc > cap)
			abort();
		for (size_t i = 0; i < m.nheaders; i++)
			edge_http_hop_by_hop(&m, m.headers[i].name, m.headers[i].name_len);
		if (m.chunked && m.content_length != -1)
			abort();           /* the smuggling invariant */
		if (m.chunked)
			chunked_both_ways(data + rc, size - (size_t)rc);
	} else if (rc == EDGE_ERROR && !why) {
		abort();                   /* every refusal has a reason */
	}
	edge_http_parse_response((const char *)data, size, cap, &m, &why);
	chunked_both_ways(data, size);
	guest_head(data, size, cap);
	return 0;
}
