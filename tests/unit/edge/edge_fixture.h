/*
 * edge_fixture.h: a real edge_proc for the edge unit tests and the fuzz
 * harnesses (tests/fuzz/edge), without listeners or sockets to the
 * network: tunnels and guests sit on socketpairs whose far ends the test
 * may read (fx_far) or leave unread,
 * so portico's own role code (outside.c, ostream.c, guest.c, inside.c,
 * istream.c) runs on test or fuzzer input.  A broken invariant aborts.
 * One process, one main loop thread.
 */
#ifndef PORTICO_TEST_EDGE_FIXTURE_H
#define PORTICO_TEST_EDGE_FIXTURE_H

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/plog.h"
#include "edge/edge-proc.h"
#include "edge/edge-roles.h"
#include "edge/outside-internal.h"
#include "edge/inside-internal.h"

#define FX_HOST "cmsweb.example.com"
#define FX_MAX_FAR 16

static struct edge_config fx_cfg;
static struct edge_proc fx_p;
static int fx_far[FX_MAX_FAR];
static unsigned fx_nfar;

__attribute__((unused)) static void
fx_proc_init(void)
{
	static char host[] = FX_HOST, uri[] = "https://" FX_HOST, node[] = "fixture";

	if (fx_p.cfg)
		return;
	plog_set_level((enum plog_level)(PLOG_ERROR + 1));         /* silence: the harness judges, not the log */
	fx_cfg.node = node;
	fx_cfg.t_stream_window = 1u << 20;
	fx_cfg.t_conn_window = 64u << 20;
	fx_cfg.t_ping_interval = 5;
	fx_cfg.w_header_timeout = 10;
	fx_cfg.w_idle_timeout = 60;
	fx_cfg.w_max_head = 16384;
	fx_cfg.w_stream_buffer = 256u << 10;
	fx_cfg.w_max_connections = 10000;
	fx_cfg.w_response_timeout = 120;
	fx_cfg.w_connect_timeout = 5;
	fx_cfg.w_hosts.v[0] = host;
	fx_cfg.w_hosts.n = 1;
	fx_cfg.w_guest_host = host;
	fx_cfg.w_guest_uri = uri;
	fx_cfg.w_guest_port = 443;
	fx_cfg.w_verify_name = host;
	fx_p.cfg = &fx_cfg;
	fx_p.tunnels = g_ptr_array_new();
	fx_p.t_fd = fx_p.a_fd = -1;
	g_queue_init(&fx_p.guests);
	g_queue_init(&fx_p.bpool);
	snprintf(fx_p.resolution, sizeof(fx_p.resolution), "fixture: no web bridge");
	gnutls_certificate_allocate_credentials(&fx_p.w_creds);
	gnutls_certificate_allocate_credentials(&fx_p.b_creds);
	fx_cfg.w_health_interval = 10;
	fx_cfg.w_resolve_interval = 3600;
}

/* A loopback TCP port that was free a moment ago and has no listener:
 * connecting to it is refused. */
__attribute__((unused)) static int
fx_closed_port(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	bind(fd, (struct sockaddr *)&in, sizeof(in));
	getsockname(fd, (struct sockaddr *)&in, &sl);
	port = ntohs(in.sin_port);
	close(fd);
	return port;
}

/* One end of a fresh socketpair (non-blocking) for a conn; the far end is
 * kept until fx_proc_settle() closes it. */
__attribute__((unused)) static int
fx_socket(void)
{
	int sv[2];

	if (fx_nfar == FX_MAX_FAR || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	fx_far[fx_nfar++] = sv[1];
	return sv[0];
}

__attribute__((unused)) static void
fx_loop(void)
{
	for (int i = 0; i < 64 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

/* After one input: nothing of it may outlive the run. */
__attribute__((unused)) static void
fx_proc_settle(void)
{
	fx_loop();
	for (unsigned i = 0; i < fx_nfar; i++)
		close(fx_far[i]);
	fx_nfar = 0;
	fx_loop();
	if (fx_p.guests.length || fx_p.tunnels->len)
		abort();
}

/* An Active tunnel of the given role on a socketpair. */
__attribute__((unused)) static struct edge_tunnel *
fx_tunnel(const struct edge_tunnel_ops *ops)
{
	static const struct edge_conn_ops quiet = { NULL, NULL, NULL, NULL };
	struct edge_tunnel *t = edge_tunnel_new(&fx_p, &fx_cfg, ops, 1);

	g_strlcpy(t->peer, "192.0.2.1", sizeof(t->peer));
	g_strlcpy(t->guest_host, FX_HOST, sizeof(t->guest_host));
	t->conn = edge_conn_new(fx_socket(), NULL, 0, &quiet, t);
	g_ptr_array_add(fx_p.tunnels, t);
	if (edge_tunnel_h2_start(t) < 0)
		abort();
	edge_tunnel_set_state(t, EDGE_T_ACTIVE);
	return t;
}

/* Append one HTTP/2 frame to b (RFC 9113 4.1); returns the new length. */
__attribute__((unused)) static size_t
fx_frame(uint8_t *b, size_t len, uint8_t type, uint8_t flags, uint32_t sid, const void *pl, size_t n)
{
	uint8_t *h = b + len;

	h[0] = (uint8_t)(n >> 16), h[1] = (uint8_t)(n >> 8), h[2] = (uint8_t)n;
	h[3] = type, h[4] = flags;
	h[5] = (uint8_t)(sid >> 24), h[6] = (uint8_t)(sid >> 16), h[7] = (uint8_t)(sid >> 8);
	h[8] = (uint8_t)sid;
	if (n)
		memcpy(h + 9, pl, n);
	return len + 9 + n;
}

/* A guest connection as guest.c accepts it; its bytes arrive as if
 * decrypted (the TLS handshake never completes on the socketpair), in two
 * pieces split at cut.  The guest may be answered and freed on the way. */
__attribute__((unused)) static void
fx_guest(const uint8_t *d, size_t n, size_t cut)
{
	struct sockaddr_storage a;
	struct guest *g;
	unsigned before = fx_p.guests.length;

	addr_parse("198.51.100.7", 50000, &a);
	edge_guest_accept_one(&fx_p, fx_socket(), &a);
	if (fx_p.guests.length == before)
		return;
	g = g_queue_peek_tail(&fx_p.guests);
	cut = cut < n ? cut : n;
	if (cut)
		g->c->ops->data(g->c, d, cut);
	if (n > cut && fx_p.guests.length > before && g_queue_peek_tail(&fx_p.guests) == g && g->c)
		g->c->ops->data(g->c, d + cut, n - cut);
}

/* End a tunnel the way its role does when the link dies. */
__attribute__((unused)) static void
fx_end_tunnel(struct edge_tunnel *t)
{
	if (!g_ptr_array_find(fx_p.tunnels, t, NULL))
		return;                       /* the role dropped it already */
	fx_p.draining = 1;                  /* inside: no reconnect timer */
	t->ops->dead(t, "end of input");
	fx_p.draining = 0;
	if (g_ptr_array_remove(fx_p.tunnels, t))
		edge_tunnel_free(t);          /* inside tunnels stay listed */
}

/* Free what the input left: guests first, then settle. */
__attribute__((unused)) static void
fx_end(void)
{
	while (fx_p.guests.head)
		edge_guest_free(fx_p.guests.head->data);
	fx_proc_settle();
}

#endif
