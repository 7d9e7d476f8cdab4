/*
 * Unit tests of src/edge/tunnel.c (the hello parser is in test_http.c):
 * two real tunnels, client and server, back to back on a socketpair:
 * state names, the HTTP/2 sessions with the ops' callbacks, a PING round
 * trip (RTT), a peer that stops answering PINGs found dead through
 * ops->dead, teardown.
 */
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge/edge-tunnel.h"
#include "tap.h"

static struct edge_config cfg;
static int dead_calls, frames_seen;
static char dead_why[200];

static void
on_dead(struct edge_tunnel *t, const char *why)
{
	dead_calls++;
	g_strlcpy(dead_why, why, sizeof(dead_why));
}

static int
on_frame(nghttp2_session *h2, const nghttp2_frame *f, void *ud)
{
	frames_seen++;
	return 0;
}

static const struct edge_tunnel_ops client_ops = { 0, on_dead, NULL, NULL, on_frame, NULL, NULL };
static const struct edge_tunnel_ops server_ops = { 1, on_dead, NULL, NULL, on_frame, NULL, NULL };

static int silent;                       /* the server stops reading */

static void
conn_data(struct edge_conn *c, const uint8_t *p, size_t n)
{
	struct edge_tunnel *t = c->ud;

	if (!(silent && t->ops->server))
		edge_tunnel_feed(t, p, n);
}

static void
conn_drained(struct edge_conn *c)
{
	edge_tunnel_flush(c->ud);
}

static void
conn_closed(struct edge_conn *c, const char *why)
{
	((struct edge_tunnel *)c->ud)->conn = NULL;
}

static const struct edge_conn_ops cops = { NULL, conn_data, conn_drained, conn_closed };

static void
spin(void)
{
	for (int i = 0; i < 100; i++)
		g_main_context_iteration(NULL, FALSE);
}

int
main(void)
{
	struct edge_tunnel *c, *s;
	int sv[2];
	int64_t since;
	nghttp2_nv nv = edge_tunnel_nv(":path", "/x");

	cfg.t_stream_window = 1u << 20;
	cfg.t_conn_window = 8u << 20;
	cfg.t_ping_interval = 1;
	is_str(edge_tunnel_state_name(EDGE_T_HELLO), "Connecting", "hello shows as Connecting");
	is_str(edge_tunnel_state_name(EDGE_T_DRAINING), "Draining", "state names from the table");
	ok(nv.namelen == 5 && nv.valuelen == 2 && nv.flags == NGHTTP2_NV_FLAG_NONE, "nv: lengths, copied");

	c = edge_tunnel_new(NULL, &cfg, &client_ops, 1);
	s = edge_tunnel_new(NULL, &cfg, &server_ops, 2);
	ok(c->state == EDGE_T_CONNECTING && c->rtt_us == -1 && !c->h2, "a new tunnel");
	since = c->since;
	while (g_get_real_time() <= since)
		;                   /* the clock moves on: a new stamp differs */
	edge_tunnel_set_state(c, EDGE_T_CONNECTING);
	is_int(c->since, since, "same state: since unchanged");
	edge_tunnel_set_state(c, EDGE_T_ACTIVE);
	ok(c->since > since, "a state change stamps since");

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	c->conn = edge_conn_new(sv[0], NULL, 0, &cops, c);
	s->conn = edge_conn_new(sv[1], NULL, 0, &cops, s);
	is_int(edge_tunnel_h2_start(c), 0, "client session");
	is_int(edge_tunnel_h2_start(s), 0, "server session");
	ok(nghttp2_session_check_server_session(s->h2) && !nghttp2_session_check_server_session(c->h2),
	   "ops->server picks the side");
	spin();
	ok(frames_seen >= 2, "SETTINGS reached the role's frame callback (%d)", frames_seen);
	is_int(nghttp2_session_get_remote_settings(c->h2, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL), 1,
	       "the server offers RFC 8441 extended CONNECT");
	edge_tunnel_ping_start(c);
	spin();
	ok(c->rtt_us >= 0 && c->ping_sent == 0, "PING answered: RTT measured");
	{
		struct edge_tunnel *x = edge_tunnel_new(NULL, &cfg, &server_ops, 3);
		const char junk[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
		edge_tunnel_h2_start(x);
		is_int(edge_tunnel_feed(x, (const uint8_t *)junk, sizeof(junk) - 1), -1,
		       "a server fed what is not HTTP/2: error");
		ok(strstr(x->last_error, "HTTP/2 error") != NULL, "with a reason: %s", x->last_error);
		edge_tunnel_free(x);
	}

	silent = 1;                        /* a link that stays open but says nothing */
	for (int i = 0; i < 100000 && !dead_calls; i++)
		g_main_context_iteration(NULL, TRUE);
	is_int(dead_calls, 1, "unanswered PINGs: ops->dead");
	ok(strstr(dead_why, "no answer to PING") != NULL, "with a reason: %s", dead_why);

	edge_tunnel_teardown(c);
	ok(!c->h2 && !c->conn && !c->ping_timer && !c->pump_idle, "teardown drops session, conn, timers");
	edge_tunnel_free(c);
	edge_tunnel_free(s);
	spin();
	return tap_done();
}
