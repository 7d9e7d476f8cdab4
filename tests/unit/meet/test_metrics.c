/* The meeting server's metrics (src/meet/metrics.c): counters and their
 * label cap, Prometheus rendering, the status listener's placement (off,
 * a unix socket path, auto, an address) and its routes. */
#include "../../../src/meet/metrics.c"
#include "meet_fixture.h"
#include "tap.h"

struct probe {
	GMainLoop *loop;
	const char *socket;
	guint codes[6];
	char *metrics;
};

static void
set_listen(struct fixture *fx, const char *spec)
{
	g_free(fx->srv.cfg.status_listen);
	fx->srv.cfg.status_listen = g_strdup(spec);
}

static int
has(const GString *b, const char *line)
{
	return strstr(b->str, line) != NULL;
}

static gboolean
quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

/* Stands in for an API route: counted by meet_metrics_api_request. */
static void
on_api(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
	meet_metrics_api_request(data, msg);
	soup_server_message_set_status(msg, 201, NULL);
}

/* Client thread: the main thread runs the listener's loop meanwhile. */
static gpointer
client(gpointer data)
{
	struct probe *p = data;
	static const char *const req[][2] = {
		{ "GET", "/" }, { "GET", "/healthz" }, { "GET", "/nope" }, { "POST", "/metrics" },
		{ "GET", "/api" }, { "GET", "/metrics" },
	};
	GSocketAddress *sa = g_unix_socket_address_new(p->socket);
	SoupSession *s = soup_session_new_with_options("timeout", 10, "remote-connectable", sa, NULL);

	for (unsigned i = 0; i < G_N_ELEMENTS(req); i++) {
		char *url = g_strconcat("http://localhost", req[i][1], NULL);
		SoupMessage *m = soup_message_new(req[i][0], url);
		GBytes *b = soup_session_send_and_read(s, m, NULL, NULL);

		p->codes[i] = soup_message_get_status(m);
		if (b && i == G_N_ELEMENTS(req) - 1)
			p->metrics = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
		if (b)
			g_bytes_unref(b);
		g_object_unref(m);
		g_free(url);
	}
	g_object_unref(s);
	g_object_unref(sa);
	g_idle_add(quit_loop, p->loop);
	return NULL;
}

static void
test_counters(struct fixture *fx)
{
	struct meet_probe_host hosts[3] = {
		{ .reachable = 1, .rtt_ms = 40 },
		{ .reachable = 1, .auth_failure = 1, .rtt_ms = 5 },
		{ .reachable = 0 },
	};
	GString *b = g_string_new(NULL);
	GError *err = NULL;
	unsigned rows = 0;

	meet_metrics_guest_login(&fx->srv, "ok");           /* no metrics yet: no-ops */
	meet_metrics_probe(&fx->srv, "t1", hosts, 3);
	meet_metrics_render(&fx->srv, b);
	ok(has(b, "portico_meet_calls 0\n") && has(b, "# TYPE portico_meet_uptime_seconds gauge\n"),
	   "gauges render before the listener starts");
	ok(!has(b, "guest_logins"), "no counters before start");
	ok(has(b, "# TYPE portico_meet_sfu_forwarded_packets_total counter\n") &&
	   has(b, "portico_meet_sfu_forwarded_bytes_total ") &&
	   has(b, "portico_meet_sfu_dropped_packets_total ") && has(b, "portico_meet_sfu_dropped_bytes_total "),
	   "SFU forwarded and dropped counters (packets, bytes) render");

	set_listen(fx, "off");
	is_int(meet_metrics_start(&fx->srv, &err), 0, "status-listen off starts");
	ok(fx->srv.metrics && !fx->srv.metrics->http, "off: counters, no listener");
	meet_metrics_guest_login(&fx->srv, "ok");
	meet_metrics_guest_login(&fx->srv, "ok");
	meet_metrics_guest_login(&fx->srv, "bad pin\"}");
	meet_metrics_probe(&fx->srv, "t1", hosts, 3);
	meet_metrics_probe(&fx->srv, "down one", hosts + 2, 1);
	for (int i = 0; i < METRICS_MAX_LABELS + 10; i++) {
		char o[16];
		g_snprintf(o, sizeof(o), "o%d", i);
		meet_metrics_guest_login(&fx->srv, o);
	}
	g_string_truncate(b, 0);
	meet_metrics_render(&fx->srv, b);
	ok(has(b, "portico_meet_guest_logins_total{outcome=\"ok\"} 2\n"), "logins counted by outcome");
	ok(has(b, "portico_meet_guest_logins_total{outcome=\"bad_pin__\"} 1\n"), "label values cleaned");
	ok(has(b, "portico_meet_turn_probe_rtt_seconds{turn_server=\"t1\"} 0.040\n"),
	   "probe RTT: best reachable host without auth failure");
	ok(has(b, "portico_meet_turn_probe_rtt_seconds{turn_server=\"down_one\"} -1.000\n"),
	   "probe with nothing reachable: -1");
	ok(has(b, "portico_meet_turn_probes_total 2\n"), "probe runs counted");
	for (const char *p = b->str; (p = strstr(p, "portico_meet_guest_logins_total{")); p++)
		rows++;
	is_int(rows, METRICS_MAX_LABELS, "distinct labels capped");
	meet_metrics_stop(&fx->srv);
	ok(!fx->srv.metrics, "stop clears the context");
	meet_metrics_stop(&fx->srv);
	ok(1, "stop twice is harmless");
	g_string_free(b, TRUE);
}

static void
test_placement(struct fixture *fx)
{
	struct meet_server other = { 0 };
	char *sock = g_build_filename(fx->dir, "meet.sock", NULL);
	GError *err = NULL;

	set_listen(fx, "127.0.0.1");
	is_int(meet_metrics_start(&fx->srv, &err), -1, "an address without a port is refused");
	ok(err && err->code == G_IO_ERROR_INVALID_ARGUMENT, "refusal says why");
	g_clear_error(&err);
	meet_metrics_stop(&fx->srv);

	g_setenv("RUNTIME_DIRECTORY", fx->dir, TRUE);
	set_listen(fx, "auto");
	g_free(fx->srv.cfg.path);
	fx->srv.cfg.path = g_build_filename(fx->dir, "meet.conf", NULL);
	is_int(meet_metrics_start(&fx->srv, &err), 0, "auto starts");
	is_str(fx->srv.metrics->socket, sock, "auto: the runtime directory's socket named after the config");
	other.cfg.status_listen = "auto";
	other.cfg.path = fx->srv.cfg.path;
	is_int(meet_metrics_start(&other, &err), 0, "a second auto server starts");
	ok(other.metrics && !other.metrics->http, "second auto server: no listener");
	meet_metrics_stop(&other);
	other.cfg.status_listen = sock;
	is_int(meet_metrics_start(&other, &err), -1, "an explicit socket in use is refused");
	ok(err && err->code == G_IO_ERROR_ADDRESS_IN_USE, "in use");
	g_clear_error(&err);
	meet_metrics_stop(&other);
	meet_metrics_stop(&fx->srv);
	ok(!datadir_socket_live(sock), "stop unlinks the socket");
	g_unsetenv("RUNTIME_DIRECTORY");
	g_free(sock);
}

static void
test_routes(struct fixture *fx)
{
	char *sock = g_build_filename(fx->dir, "status.sock", NULL);
	struct probe p = { .socket = sock };
	GError *err = NULL;
	GThread *th;

	set_listen(fx, sock);
	if (!ok(meet_metrics_start(&fx->srv, &err) == 0, "listens on a socket path")) {
		g_clear_error(&err);
		goto out;
	}
	soup_server_add_handler(fx->srv.metrics->http, "/api", on_api, &fx->srv, NULL);
	meet_metrics_guest_login(&fx->srv, "ok");
	p.loop = g_main_loop_new(NULL, FALSE);
	th = g_thread_new("client", client, &p);
	g_main_loop_run(p.loop);
	g_thread_join(th);
	g_main_loop_unref(p.loop);
	is_int(p.codes[0], 200, "GET /");
	is_int(p.codes[1], 200, "GET /healthz");
	is_int(p.codes[2], 404, "GET of an unknown path");
	is_int(p.codes[3], 405, "POST refused");
	is_int(p.codes[4], 201, "an API request");
	is_int(p.codes[5], 200, "GET /metrics");
	ok(p.metrics && strstr(p.metrics, "portico_meet_api_requests_total{status=\"201\"} 1\n"),
	   "API requests counted by final status");
	ok(p.metrics && strstr(p.metrics, "portico_meet_guest_logins_total{outcome=\"ok\"} 1\n"),
	   "scrape shows the counters");
	g_free(p.metrics);
	meet_metrics_stop(&fx->srv);
out:
	g_free(sock);
}

int
main(void)
{
	struct fixture fx;

	if (!ok(fixture_open(&fx, NULL) == 0, "fixture opens"))
		return tap_done();
	test_counters(&fx);
	test_placement(&fx);
	test_routes(&fx);
	fixture_close(&fx);
	return tap_done();
}
