/*
 * metrics.c: the meeting server's status listener and its /metrics, in
 * Prometheus text format, named like portico turn's and edge's
 * (portico_meet_*).  Never on the web bridge or API listeners.
 *
 * [meet] status-listen: "auto" (default: the unix socket named after the
 * configuration file in the runtime directory, datadir.h; a second server
 * whose socket is taken runs without one), a socket path, an address:port,
 * or "off".
 *
 * Counters are fed by one call at each place that knows the outcome
 * (webbridge.c guest logins, api.c requests and TURN probes); gauges are
 * read from the call bridge when scraped.  Main loop thread only.
 */
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/datadir.h"
#include "common/plog.h"
#include "meet/callbridge.h"
#include "meet/meet-internal.h"

#define METRICS_MAX_LABELS 64   /* distinct outcomes, statuses, TURN servers */

struct labelled {
	char *label;
	guint64 count;
	double value;                /* probe RTT (s); -1: unreachable */
};

struct meet_metrics {
	struct meet_server *srv;
	SoupServer *http;
	char *socket;                /* the unix socket we made, unlinked at stop */
	GPtrArray *logins;           /* struct labelled: guest logins by outcome */
	GPtrArray *api;              /* by HTTP status */
	GPtrArray *probes;           /* by turnServer id: last RTT */
	guint64 probe_runs;
};

static void
labelled_free(gpointer p)
{
	struct labelled *l = p;

	g_free(l->label);
	g_free(l);
}

/* The row of this label, made if new (NULL past the cap: a hostile
 * client must not grow the table). */
static struct labelled *
row(GPtrArray *a, const char *label)
{
	struct labelled *l;

	for (guint i = 0; i < a->len; i++)
		if (!strcmp(((struct labelled *)a->pdata[i])->label, label))
			return a->pdata[i];
	if (a->len >= METRICS_MAX_LABELS)
		return NULL;
	l = g_new0(struct labelled, 1);
	l->label = g_strdup(label);
	g_ptr_array_add(a, l);
	return l;
}

/* Label values: [A-Za-z0-9._:-] kept, anything else '_'. */
static char *
label_clean(const char *v)
{
	char *s = g_strndup(v ? v : "", 64);

	for (char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._:-", *p))
			*p = '_';
	return s;
}

void
meet_metrics_guest_login(struct meet_server *srv, const char *outcome)
{
	struct meet_metrics *m = srv->metrics;
	char *o = label_clean(outcome);
	struct labelled *l = m ? row(m->logins, o) : NULL;

	if (l)
		l->count++;
	g_free(o);
}

static void
api_finished(SoupServerMessage *msg, gpointer data)
{
	struct meet_metrics *m = data;
	char st[16];
	struct labelled *l;

	g_snprintf(st, sizeof(st), "%u", soup_server_message_get_status(msg));
	if ((l = row(m->api, st)))
		l->count++;
}

void
meet_metrics_api_request(struct meet_server *srv, SoupServerMessage *msg)
{
	struct meet_metrics *m = srv->metrics;

	/* At "finished" the status is final, paused requests included. */
	if (m)
		g_signal_connect(msg, "finished", G_CALLBACK(api_finished), m);
}

void
meet_metrics_probe(struct meet_server *srv, const char *turn_id, const struct meet_probe_host *hosts,
		   unsigned n)
{
	struct meet_metrics *m = srv->metrics;
	char *id = label_clean(turn_id);
	struct labelled *l = m ? row(m->probes, id) : NULL;
	long best = -1;

	for (unsigned i = 0; i < n; i++)
		if (hosts[i].reachable && !hosts[i].auth_failure && (best < 0 || hosts[i].rtt_ms < best))
			best = hosts[i].rtt_ms;
	if (l) {
		l->count++;
		l->value = best < 0 ? -1 : best / 1000.0;
	}
	if (m)
		m->probe_runs++;
	g_free(id);
}

/* ---- rendering ---------------------------------------------------------- */

static void
head(GString *b, const char *name, const char *type, const char *help)
{
	g_string_append_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
counters(GString *b, GPtrArray *a, const char *name, const char *label, const char *help)
{
	head(b, name, "counter", help);
	for (guint i = 0; i < a->len; i++) {
		const struct labelled *l = a->pdata[i];
		g_string_append_printf(b, "%s{%s=\"%s\"} %" G_GUINT64_FORMAT "\n", name, label, l->label, l->count);
	}
}

/* The media engine's own counters: since start, legs gone included. */
static void
sfu_counters(GString *b, const struct media_fwd_counters *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} rows[] = {
		{ "portico_meet_sfu_forwarded_packets_total", "RTP packets the SFU forwarded to receivers.",
		  offsetof(struct media_fwd_counters, packets) },
		{ "portico_meet_sfu_forwarded_bytes_total", "RTP bytes (before SRTP) the SFU forwarded to receivers.",
		  offsetof(struct media_fwd_counters, bytes) },
		{ "portico_meet_sfu_dropped_packets_total",
		  "RTP packets the SFU dropped: unusable ones received, copies due to a receiver not sent.",
		  offsetof(struct media_fwd_counters, dropped_packets) },
		{ "portico_meet_sfu_dropped_bytes_total", "RTP bytes of the dropped packets.",
		  offsetof(struct media_fwd_counters, dropped_bytes) },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		head(b, rows[i].name, "counter", rows[i].help);
		g_string_append_printf(b, "%s %" G_GUINT64_FORMAT "\n", rows[i].name,
				       *(const uint64_t *)((const char *)c + rows[i].off));
	}
}

void
meet_metrics_render(struct meet_server *srv, GString *b)
{
	struct meet_metrics *m = srv->metrics;
	struct meet_cb_totals t = { 0 };
	unsigned calls = 0, legs = 0, max_legs = 0, completed = 0;

	if (srv->cb) {
		meet_cb_stats(srv->cb, &calls, &legs, &max_legs, &completed);
		meet_cb_totals(srv->cb, &t);
	}
	head(b, "portico_meet_uptime_seconds", "gauge", "Seconds since the meeting server started.");
	g_string_append_printf(b, "portico_meet_uptime_seconds %" G_GINT64_FORMAT "\n",
			       (g_get_monotonic_time() - srv->started) / 1000000);
	head(b, "portico_meet_calls", "gauge", "Live calls.");
	g_string_append_printf(b, "portico_meet_calls %u\n", calls);
	head(b, "portico_meet_calls_completed_total", "counter", "Calls that have ended.");
	g_string_append_printf(b, "portico_meet_calls_completed_total %u\n", completed);
	head(b, "portico_meet_call_legs", "gauge", "Live call legs.");
	g_string_append_printf(b, "portico_meet_call_legs %u\n", legs);
	head(b, "portico_meet_call_legs_max", "gauge", "Most call legs live at once since start.");
	g_string_append_printf(b, "portico_meet_call_legs_max %u\n", max_legs);
	head(b, "portico_meet_participants", "gauge", "Participants whose media is connected.");
	g_string_append_printf(b, "portico_meet_participants %u\n", t.connected);
	head(b, "portico_meet_sfu_packets_received", "gauge",
	     "RTP packets the SFU has received from the legs now live (audio and video).");
	g_string_append_printf(b, "portico_meet_sfu_packets_received %" G_GUINT64_FORMAT "\n", t.rx_packets);
	head(b, "portico_meet_sfu_packets_forwarded", "gauge",
	     "RTP packets the SFU has forwarded to the legs now live (audio and video).");
	g_string_append_printf(b, "portico_meet_sfu_packets_forwarded %" G_GUINT64_FORMAT "\n", t.tx_packets);
	head(b, "portico_meet_sfu_forwarded_bits_per_second", "gauge",
	     "Bit rate the SFU forwards to the live legs, over the last interval.");
	g_string_append_printf(b, "portico_meet_sfu_forwarded_bits_per_second %" G_GUINT64_FORMAT "\n", t.tx_bitrate);
	sfu_counters(b, &t.sfu);
	if (!m)
		return;
	counters(b, m->logins, "portico_meet_guest_logins_total", "outcome",
		 "Guest logins by outcome (ok, or the refusal's name).");
	counters(b, m->api, "portico_meet_api_requests_total", "status", "REST API requests by HTTP status.");
	head(b, "portico_meet_turn_probe_rtt_seconds", "gauge",
	     "Round-trip time of the last turnServers/<id>/status probe (-1: unreachable).");
	for (guint i = 0; i < m->probes->len; i++) {
		const struct labelled *l = m->probes->pdata[i];
		g_string_append_printf(b, "portico_meet_turn_probe_rtt_seconds{turn_server=\"%s\"} %.3f\n",
				       l->label, l->value);
	}
	head(b, "portico_meet_turn_probes_total", "counter", "TURN server status probes run.");
	g_string_append_printf(b, "portico_meet_turn_probes_total %" G_GUINT64_FORMAT "\n", m->probe_runs);
}

/* ---- the listener -------------------------------------------------------- */

static void
on_status(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
	struct meet_server *srv = data;
	const char *method = soup_server_message_get_method(msg);
	GString *b = g_string_new(NULL);
	const char *type = "text/plain";
	guint code = 200;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = 405;
		g_string_append(b, "only GET and HEAD\n");
	} else if (!strcmp(path, "/metrics")) {
		meet_metrics_render(srv, b);
		type = "text/plain; version=0.0.4";
	} else if (!strcmp(path, "/") || !strcmp(path, "/healthz")) {
		g_string_append(b, "portico meet: ok\n");
	} else {
		code = 404;
		g_string_append(b, "not found: try /metrics\n");
	}
	soup_server_message_set_status(msg, code, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
	soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, b->str, b->len);
	g_string_free(b, TRUE);
}

/* Where to listen: a new address (NULL: nowhere) and, for a unix socket,
 * its path in *sock.  auto whose socket is live elsewhere: nowhere. */
static GSocketAddress *
listen_where(const char *spec, const char *config, char **sock, GError **err)
{
	struct sockaddr_storage ss;
	int is_auto = !spec || !strcmp(spec, "auto");

	*sock = NULL;
	if (spec && !strcmp(spec, "off"))
		return NULL;
	if (is_auto || spec[0] == '/') {
		char *p = is_auto ? datadir_socket(config, 1) : g_strdup(spec);
		if (!p || datadir_socket_live(p)) {
			if (!is_auto)
				g_set_error(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "%s: another server listens there", p);
			else
				plog(PLOG_WARN, "meet", "status listener off: %s", p ? "its socket belongs to another "
				     "running portico meet (set [meet] status-listen)" : "no runtime directory");
			free(p);
			return NULL;
		}
		unlink(p);
		*sock = g_strdup(p);
		free(p);
		return g_unix_socket_address_new(*sock);
	}
	if (addr_parse(spec, 0, &ss) < 0 || addr_port(&ss) == 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "status-listen \"%s\" is not an address:port", spec);
		return NULL;
	}
	return g_socket_address_new_from_native(&ss, addr_len(&ss));
}

int
meet_metrics_start(struct meet_server *srv, GError **err)
{
	struct meet_metrics *m = g_new0(struct meet_metrics, 1);
	GSocketAddress *sa;
	char *sock = NULL;

	m->srv = srv;
	m->logins = g_ptr_array_new_with_free_func(labelled_free);
	m->api = g_ptr_array_new_with_free_func(labelled_free);
	m->probes = g_ptr_array_new_with_free_func(labelled_free);
	srv->metrics = m;
	sa = listen_where(srv->cfg.status_listen, srv->cfg.path, &sock, err);
	if (!sa)
		return err && *err ? -1 : 0;
	m->http = soup_server_new("server-header", "portico-meet", NULL);
	soup_server_add_handler(m->http, NULL, on_status, srv, NULL);
	if (!soup_server_listen(m->http, sa, 0, err)) {
		g_object_unref(sa);
		g_free(sock);
		return -1;
	}
	g_object_unref(sa);
	m->socket = sock;
	plog(PLOG_INFO, "meet", "status listener on %s%s (/metrics)", sock ? "unix:" : "http://",
	     sock ? sock : srv->cfg.status_listen);
	return 0;
}

void
meet_metrics_stop(struct meet_server *srv)
{
	struct meet_metrics *m = srv->metrics;

	if (!m)
		return;
	if (m->http) {
		soup_server_disconnect(m->http);
		g_object_unref(m->http);
	}
	if (m->socket)
		unlink(m->socket);
	g_free(m->socket);
	g_ptr_array_free(m->logins, TRUE);
	g_ptr_array_free(m->api, TRUE);
	g_ptr_array_free(m->probes, TRUE);
	g_free(m);
	srv->metrics = NULL;
}
