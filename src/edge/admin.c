/*
 * admin.c: the status listener (plain HTTP on its own address, loopback by
 * default: never on the guest listener, as the seed moves Expressway-E's
 * admin off 443).  GET /status (JSON), /status.txt (what `portico edge
 * status` prints), /metrics (Prometheus text), /healthz.
 * Requests are parsed by http.c with a small head cap and a short timeout.
 * Main loop thread only.
 */
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "edge/edge-http.h"
#include "edge/edge-roles.h"

#define MOD "edge"

struct admin_conn {
	struct edge_proc *p;
	struct edge_conn *c;
	struct edge_buf in;
	guint timer;
};

static void
json_str(GString *s, const char *v)
{
	g_string_append_c(s, '"');
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '"' || c == '\\')
			g_string_append_printf(s, "\\%c", c);
		else if (c < 0x20)
			g_string_append_printf(s, "\\u%04x", c);
		else
			g_string_append_c(s, (char)c);
	}
	g_string_append_c(s, '"');
}

static char *
iso_time(int64_t us)
{
	GDateTime *d = g_date_time_new_from_unix_utc(us / 1000000);
	char *s = g_date_time_format_iso8601(d);

	g_date_time_unref(d);
	return s;
}

/* The rows of a tunnel in the status, like Expressway's "Unified
 * Communications SSH tunnels status": one per domain plus the guest URI
 * host.  Caller frees with g_strfreev. */
static gchar **
row_domains(const struct edge_proc *p, const struct edge_tunnel *t)
{
	GPtrArray *a = g_ptr_array_new();
	const char *guest = p->cfg->role == EDGE_ROLE_INSIDE ? p->cfg->w_guest_host : t->guest_host;

	if (p->cfg->role == EDGE_ROLE_INSIDE) {
		for (unsigned i = 0; i < p->cfg->domains.n; i++)
			g_ptr_array_add(a, g_strdup(p->cfg->domains.v[i]));
	} else if (t->domains[0]) {
		gchar **v = g_strsplit(t->domains, ",", -1);
		for (gchar **x = v; *x; x++)
			g_ptr_array_add(a, g_strdup(*x));
		g_strfreev(v);
	}
	if (guest && *guest) {
		int seen = 0;
		for (guint i = 0; i < a->len; i++)
			seen |= !strcmp(g_ptr_array_index(a, i), guest);
		if (!seen)
			g_ptr_array_add(a, g_strdup(guest));
	}
	if (!a->len)
		g_ptr_array_add(a, g_strdup("-"));
	g_ptr_array_add(a, NULL);
	return (gchar **)g_ptr_array_free(a, FALSE);
}

static const char *
row_target(const struct edge_proc *p, const struct edge_tunnel *t)
{
	if (p->cfg->role == EDGE_ROLE_INSIDE)
		return p->cfg->t_server_name;
	return t->remote_node[0] ? t->remote_node : t->peer;
}

/* One row per (tunnel, domain), like Expressway's tunnels status page. */
static void
json_tunnels(GString *s, const struct edge_proc *p)
{
	int first = 1;

	g_string_append(s, "\"tunnels\":[");
	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		gchar **doms = row_domains(p, t);
		char *since = iso_time(t->since);
		for (unsigned d = 0; doms[d]; d++) {
			const char *dom = doms[d];
			g_string_append(s, first ? "{" : ",{");
			first = 0;
			g_string_append_printf(s, "\"connection\":%u,\"target\":", t->slot);
			json_str(s, row_target(p, t));
			g_string_append(s, ",\"peer\":");
			json_str(s, t->peer);
			g_string_append(s, ",\"node\":");
			json_str(s, t->remote_node);
			g_string_append(s, ",\"domain\":");
			json_str(s, dom);
			g_string_append(s, ",\"state\":");
			json_str(s, edge_tunnel_state_name(t->state));
			g_string_append(s, ",\"since\":");
			json_str(s, since);
			g_string_append_printf(s, ",\"rtt_ms\":%.3f,\"streams\":%u,\"streams_total\":%llu,"
					       "\"last_error\":", t->rtt_us < 0 ? -1.0 : t->rtt_us / 1000.0,
					       t->streams.length, (unsigned long long)t->streams_total);
			json_str(s, t->last_error);
			g_string_append(s, "}");
		}
		g_free(since);
		g_strfreev(doms);
	}
	g_string_append(s, "]");
}

static void
json_targets(GString *s, const struct edge_proc *p)
{
	char a[ADDR_STRLEN];

	g_string_append(s, ",\"guest_uri\":");
	json_str(s, p->cfg->w_guest_uri);
	g_string_append(s, ",\"resolution\":");
	json_str(s, p->resolution);
	g_string_append(s, ",\"web_bridges\":[");
	for (unsigned i = 0; i < p->ntargets; i++) {
		const struct edge_target *t = &p->targets[i];
		g_string_append(s, i ? ",{\"name\":" : "{\"name\":");
		json_str(s, t->name);
		g_string_append(s, ",\"address\":");
		json_str(s, addr_str(&t->addr, a, 1));
		g_string_append_printf(s, ",\"priority\":%u,\"weight\":%u,\"health\":", t->prio, t->weight);
		json_str(s, t->healthy < 0 ? "Unknown" : t->healthy ? "Healthy" : "Failed");
		g_string_append(s, ",\"reason\":");
		json_str(s, t->why);
		g_string_append(s, "}");
	}
	g_string_append(s, "]");
}

#define COUNTERS(X) \
	X(guest_connections_total, guest_conns) X(guest_connections_open, guest_conns_open) \
	X(requests_total, requests) X(websockets_total, websockets) \
	X(refused_bad_request_total, refused_bad_request) X(refused_host_total, refused_host) \
	X(refused_method_total, refused_method) X(refused_too_many_total, refused_too_many) \
	X(timeouts_total, timeouts) X(no_tunnel_total, no_tunnel) X(retries_total, retries) \
	X(tunnel_accepts_total, tunnel_accepts) X(auth_failures_total, auth_failures) \
	X(auth_rate_limited_total, auth_rate_limited) X(peer_refused_total, peer_refused) \
	X(backend_errors_total, backend_errors) X(bytes_up_total, bytes_up) \
	X(bytes_down_total, bytes_down) X(backend_connections_total, backend_conns) \
	X(backend_reused_total, backend_reused)

static GString *
status_json(const struct edge_proc *p)
{
	GString *s = g_string_new("{\"role\":");

	json_str(s, p->cfg->role == EDGE_ROLE_INSIDE ? "inside" : "outside");
	g_string_append(s, ",\"node\":");
	json_str(s, p->cfg->node);
	g_string_append_printf(s, ",\"draining\":%s,", p->draining ? "true" : "false");
	json_tunnels(s, p);
	if (p->cfg->role == EDGE_ROLE_INSIDE)
		json_targets(s, p);
	g_string_append(s, ",\"counters\":{");
#define X(name, field) g_string_append_printf(s, "\"%s\":%llu,", #name, (unsigned long long)p->ctr.field);
	COUNTERS(X)
#undef X
	for (int c = 1; c <= 5; c++)
		g_string_append_printf(s, "\"responses_%dxx\":%llu%s", c,
				       (unsigned long long)p->ctr.status[c], c < 5 ? "," : "");
	g_string_append(s, "}}\n");
	return s;
}

static GString *
status_text(const struct edge_proc *p)
{
	GString *s = g_string_new(NULL);
	char a[ADDR_STRLEN];

	g_string_append_printf(s, "portico edge, %s node %s%s\n\nTunnels\n  %-4s %-24s %-22s %-11s %-22s %s\n",
			       p->cfg->role == EDGE_ROLE_INSIDE ? "inside" : "outside", p->cfg->node,
			       p->draining ? " (draining)" : "", "conn", "target", "domain", "status",
			       "since", "rtt");
	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		gchar **doms = row_domains(p, t);
		char *since = iso_time(t->since);
		for (unsigned d = 0; doms[d]; d++) {
			char rtt[32] = "-";
			if (t->rtt_us >= 0)
				snprintf(rtt, sizeof(rtt), "%.1f ms", t->rtt_us / 1000.0);
			g_string_append_printf(s, "  %-4u %-24s %-22s %-11s %-22s %s%s%s\n", t->slot,
					       row_target(p, t), doms[d],
					       edge_tunnel_state_name(t->state), since, rtt,
					       t->last_error[0] ? "  last error: " : "", t->last_error);
		}
		g_free(since);
		g_strfreev(doms);
	}
	if (p->cfg->role == EDGE_ROLE_INSIDE) {
		g_string_append_printf(s, "\nGuest account client URI %s\n  %s\n\nWeb bridges\n",
				       p->cfg->w_guest_uri, p->resolution);
		for (unsigned i = 0; i < p->ntargets; i++)
			g_string_append_printf(s, "  %-28s %-22s %s%s%s\n", p->targets[i].name,
					       addr_str(&p->targets[i].addr, a, 1),
					       p->targets[i].healthy < 0 ? "Unknown" :
					       p->targets[i].healthy ? "Healthy" : "Failed",
					       p->targets[i].why[0] ? ": " : "", p->targets[i].why);
	}
	g_string_append_printf(s, "\nRequests %llu, websockets %llu, 2xx %llu, 4xx %llu, 5xx %llu, "
			       "refused host %llu, no tunnel %llu\n",
			       (unsigned long long)p->ctr.requests, (unsigned long long)p->ctr.websockets,
			       (unsigned long long)p->ctr.status[2], (unsigned long long)p->ctr.status[4],
			       (unsigned long long)p->ctr.status[5], (unsigned long long)p->ctr.refused_host,
			       (unsigned long long)p->ctr.no_tunnel);
	return s;
}

static GString *
metrics(const struct edge_proc *p)
{
	GString *s = g_string_new(NULL);
	unsigned active = 0;

	for (guint i = 0; i < p->tunnels->len; i++)
		active += ((struct edge_tunnel *)g_ptr_array_index(p->tunnels, i))->state == EDGE_T_ACTIVE;
	g_string_append_printf(s, "# TYPE portico_edge_tunnels_active gauge\nportico_edge_tunnels_active %u\n",
			       active);
	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		if (t->rtt_us >= 0)
			g_string_append_printf(s, "portico_edge_tunnel_rtt_seconds{connection=\"%u\"} %.6f\n",
					       t->slot, t->rtt_us / 1e6);
	}
#define X(name, field) g_string_append_printf(s, "# TYPE portico_edge_%s %s\nportico_edge_%s %llu\n", \
	#name, strstr(#name, "_total") ? "counter" : "gauge", #name, (unsigned long long)p->ctr.field);
	COUNTERS(X)
#undef X
	for (int c = 1; c <= 5; c++)
		g_string_append_printf(s, "portico_edge_responses_total{class=\"%dxx\"} %llu\n", c,
				       (unsigned long long)p->ctr.status[c]);
	for (unsigned i = 0; i < p->ntargets; i++) {
		char a[ADDR_STRLEN];
		g_string_append_printf(s, "portico_edge_web_bridge_healthy{name=\"%s\",address=\"%s\"} %d\n",
				       p->targets[i].name, addr_str(&p->targets[i].addr, a, 1),
				       p->targets[i].healthy == 1);
	}
	return s;
}

static const struct {
	const char *path;
	GString *(*fn)(const struct edge_proc *p);
	const char *type;
} routes[] = {
	{ "/status", status_json, "application/json" },
	{ "/status.txt", status_text, "text/plain; charset=utf-8" },
	{ "/metrics", metrics, "text/plain; version=0.0.4" },
};

static void
admin_free(struct admin_conn *a)
{
	if (a->timer)
		g_source_remove(a->timer);
	edge_buf_free(&a->in);
	g_free(a);
}

static void
admin_reply(struct admin_conn *a, int status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, edge_http_reason(status), type, len);

	edge_conn_write(a->c, head, (size_t)n);
	edge_conn_write(a->c, body, len);
	edge_conn_close_after_flush(a->c);
	admin_free(a);
}

static void
admin_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct admin_conn *a = c->ud;
	struct edge_http_msg m;
	const char *why = NULL;
	int rc;

	if (edge_buf_append(&a->in, d, n) < 0)
		return admin_reply(a, 400, "text/plain", "too large\n", 10);
	rc = edge_http_parse_request((const char *)edge_buf_head(&a->in), edge_buf_len(&a->in), 8192, &m, &why);
	if (rc == EDGE_AGAIN)
		return;
	if (rc < 0)
		return admin_reply(a, 400, "text/plain", "bad request\n", 12);
	if (m.method_len != 3 || memcmp(m.method, "GET", 3))
		return admin_reply(a, 405, "text/plain", "GET only\n", 9);
	if (m.target_len == 8 && !memcmp(m.target, "/healthz", 8))
		return admin_reply(a, 200, "text/plain", "ok\n", 3);
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++)
		if (m.target_len == strlen(routes[i].path) && !memcmp(m.target, routes[i].path, m.target_len)) {
			GString *s = routes[i].fn(a->p);
			admin_reply(a, 200, routes[i].type, s->str, s->len);
			g_string_free(s, TRUE);
			return;
		}
	admin_reply(a, 404, "text/plain", "not found\n", 10);
}

static void
admin_closed(struct edge_conn *c, const char *why)
{
	admin_free(c->ud);
}

static const struct edge_conn_ops admin_ops = { NULL, admin_data, NULL, admin_closed };

static gboolean
admin_timeout(gpointer data)
{
	struct admin_conn *a = data;

	a->timer = 0;
	edge_conn_close(a->c);
	admin_free(a);
	return G_SOURCE_REMOVE;
}

static gboolean
admin_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int cfd;

	while ((cfd = accept4(fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct admin_conn *a = g_new0(struct admin_conn, 1);
		a->p = data;
		edge_buf_init(&a->in, 8192);
		a->c = edge_conn_new(cfd, NULL, 0, &admin_ops, a);
		a->timer = g_timeout_add_seconds(5, admin_timeout, a);
		sl = sizeof(sa);
	}
	return G_SOURCE_CONTINUE;
}

int
edge_admin_start(struct edge_proc *p, char *err, size_t errlen)
{
	char s[ADDR_STRLEN];

	p->a_fd = -1;
	if (!p->cfg->a_enabled)
		return 0;
	if ((p->a_fd = edge_util_listen_tcp(&p->cfg->a_listen, err, errlen)) < 0)
		return -1;
	p->a_src = g_unix_fd_add(p->a_fd, G_IO_IN, admin_accept, p);
	plog(PLOG_NOTICE, MOD, "status listener on http://%s/status (and /metrics)",
	     addr_str(&p->cfg->a_listen, s, 1));
	return 0;
}

void
edge_admin_stop(struct edge_proc *p)
{
	if (p->a_src)
		g_source_remove(p->a_src);
	if (p->a_fd >= 0)
		close(p->a_fd);
	p->a_src = 0;
	p->a_fd = -1;
}

/* `portico edge status -c FILE`: ask the running node's status listener. */
int
edge_admin_status_main(const struct edge_config *cfg)
{
	GSocketClient *cl;
	GSocketConnection *conn;
	GSocketAddress *sa;
	GError *err = NULL;
	char s[ADDR_STRLEN], buf[4096];
	static const char req[] = "GET /status.txt HTTP/1.1\r\nHost: status\r\nConnection: close\r\n\r\n";
	GString *out = g_string_new(NULL);
	gssize n;
	int ret = 1;
	const char *body;

	if (!cfg->a_enabled) {
		fprintf(stderr, "portico edge status: %s has no [admin] listen\n", cfg->path);
		goto out;
	}
	cl = g_socket_client_new();
	g_socket_client_set_timeout(cl, 5);
	sa = g_socket_address_new_from_native((gpointer)&cfg->a_listen, addr_len(&cfg->a_listen));
	conn = g_socket_client_connect(cl, G_SOCKET_CONNECTABLE(sa), NULL, &err);
	g_object_unref(sa);
	g_object_unref(cl);
	if (!conn) {
		fprintf(stderr, "portico edge status: cannot reach the node at %s: %s (is it running?)\n",
			addr_str(&cfg->a_listen, s, 1), err->message);
		g_error_free(err);
		goto out;
	}
	g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req, sizeof(req) - 1,
				  NULL, NULL, NULL);
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
					sizeof(buf), NULL, NULL)) > 0 && out->len < (1u << 20))
		g_string_append_len(out, buf, n);
	g_object_unref(conn);
	body = strstr(out->str, "\r\n\r\n");
	if (body) {
		fputs(body + 4, stdout);
		ret = 0;
	}
out:
	g_string_free(out, TRUE);
	return ret;
}
