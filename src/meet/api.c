/*
 * api.c: the vendor-compatible REST API on the admin listener (/api/v1):
 * the one route table, dispatch, and the libsoup adapter.
 *
 * Request path: early handler (body cap, before the body is read) ->
 * handler: api_in from the message -> meet_api_handle: rate limit, Basic
 * auth, route table -> one function per route (api-*.c) -> api_out back
 * onto the message.  Status probes answer later (struct api_defer).  Loop
 * thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "common/plog.h"
#include "meet/api-internal.h"

/* ---- the route table ------------------------------------------------------ */

/* Pattern segments: literal, "*" any id, "#" a top-level schema collection.
 * First match wins: specific paths before the generic "#" ones. */
struct route {
	const char *method;
	const char *pattern;
	route_fn fn;
	int has_body;
};

static const struct route routes[] = {
	{ "GET", "system/status", api_system_status, 0 },
	{ "GET", "system/alarms", api_system_alarms, 0 },
	{ "GET", "system/log", api_system_log, 0 },
	{ "GET", "system/cdrReceivers", api_system_cdr_get, 0 },
	{ "PUT", "system/cdrReceivers", api_system_cdr_put, 1 },
	{ "GET", "system/cdrReceiver", api_system_cdr_get, 0 },
	{ "PUT", "system/cdrReceiver", api_system_cdr_put, 1 },
	{ "GET", "system/multipartyLicensing", api_system_licensing, 0 },
	{ "POST", "accessQuery", api_spaces_access_query, 1 },
	{ "GET", "calls", api_calls_list, 0 },
	{ "POST", "calls", api_calls_create, 1 },
	{ "GET", "calls/*", api_calls_get, 0 },
	{ "DELETE", "calls/*", api_calls_delete, 0 },
	{ "PUT", "calls/*", api_calls_put, 1 },
	{ "PUT", "calls/*/participants/*", api_calls_participants_put, 1 },
	{ "POST", "calls/*/participants", api_calls_participants_post, 1 },
	{ "PUT", "callLegs/*", api_calls_leg_put, 1 },
	{ "GET", "calls/*/callLegs", api_calls_legs, 0 },
	{ "GET", "calls/*/participants", api_calls_participants, 0 },
	{ "GET", "participants", api_calls_participants, 0 },
	{ "GET", "participants/*", api_calls_participant_get, 0 },
	{ "GET", "participants/*/callLegs", api_calls_participant_legs, 0 },
	{ "GET", "callLegs", api_calls_legs, 0 },
	{ "GET", "callLegs/*", api_calls_leg_get, 0 },
	{ "DELETE", "callLegs/*", api_calls_leg_delete, 0 },
	{ "GET", "coSpaces/*/meetingEntryDetail", api_spaces_entry_detail, 0 },
	{ "GET", "coSpaces/*/accessMethods", api_coll, 0 },
	{ "POST", "coSpaces/*/accessMethods", api_coll, 1 },
	{ "GET", "coSpaces/*/accessMethods/*", api_coll, 0 },
	{ "PUT", "coSpaces/*/accessMethods/*", api_coll, 1 },
	{ "DELETE", "coSpaces/*/accessMethods/*", api_coll, 0 },
	{ "GET", "turnServers/*/status", api_probe_turn, 0 },
	{ "GET", "webBridges/*/status", api_probe_web, 0 },
	{ "GET", "callBridges", api_cluster_list, 0 },
	{ "GET", "callBridges/*", api_cluster_get, 0 },
	{ "DELETE", "coSpaces", api_coll_delete_all, 0 },
	{ "POST", "ldapSyncs", api_ldap_sync_post, 1 },
	{ "POST", "users", api_ldap_users_refuse, 0 },
	{ "PUT", "users/*", api_ldap_users_refuse, 0 },
	{ "DELETE", "users/*", api_ldap_users_refuse, 0 },
	{ "GET", "#", api_coll, 0 },
	{ "POST", "#", api_coll, 1 },
	{ "GET", "#/*", api_coll, 0 },
	{ "PUT", "#/*", api_coll, 1 },
	{ "DELETE", "#/*", api_coll, 0 },
};

/* Vendor path segments are case-insensitive ("cospaces", "COSPACES/<id>/
 * ACCESSMETHODS"); ids ("*") stay exact.  On a match each literal or
 * collection segment is rewritten to the schema's spelling, so handlers
 * only ever see canonical names. */
static int
route_match(struct req *r, const char *pattern)
{
	gchar **p = g_strsplit(pattern, "/", -1);
	unsigned n = g_strv_length(p);
	const char *canon[API_MAX_SEGS] = { 0 };
	int ok = n == r->nsegs;

	for (unsigned i = 0; ok && i < n; i++) {
		if (!strcmp(p[i], "#")) {
			const struct meet_coll *c = meet_schema_find(r->segs[i]);
			ok = c != NULL;
			canon[i] = c ? c->name : NULL;
		} else if (strcmp(p[i], "*")) {
			ok = !g_ascii_strcasecmp(p[i], r->segs[i]);
			canon[i] = p[i];
		}
	}
	for (unsigned i = 0; ok && i < n; i++) {
		if (canon[i] && strcmp(canon[i], r->segs[i])) {
			g_free(r->segs[i]);
			r->segs[i] = g_strdup(canon[i]);
		}
	}
	g_strfreev(p);
	return ok;
}

/* Split "/api/v1/a/b" into segments; -1 when not under /api/v1 or too deep. */
static int
split_path(struct req *r, const char *path)
{
	gchar **parts;
	int ret = -1;
	size_t len = strlen(path);
	char *trimmed;

	if (!g_str_has_prefix(path, "/api/v1/"))
		return -1;
	/* One trailing slash is accepted ("coSpaces/<id>/accessMethods/"). */
	trimmed = g_strndup(path + 8, len - 8 - (len > 8 && path[len - 1] == '/'));
	parts = g_strsplit(trimmed, "/", API_MAX_SEGS + 1);
	g_free(trimmed);
	for (unsigned i = 0; parts[i]; i++) {
		if (i == API_MAX_SEGS || !*parts[i] || strlen(parts[i]) > API_MAX_SEG_LEN)
			goto out;
	}
	for (unsigned i = 0; parts[i]; i++)
		r->segs[r->nsegs++] = g_strdup(parts[i]);
	ret = r->nsegs ? 0 : -1;
out:
	g_strfreev(parts);
	return ret;
}

/* One form (query or body) into f; 0 or -1 (400 sent, naming what). */
static int
read_form(struct req *r, struct meet_form *f, const char *text, size_t len, const char *what)
{
	const char *bad = NULL;
	int rc = meet_form_parse(f, text, len, &bad);

	if (rc)
		api_reply_param(r, bad ? bad : what, api_form_error_word(rc));
	return rc ? -1 : 0;
}

static int
read_forms(struct req *r, const struct route *rt)
{
	const char *q = r->in->query;

	if (q && read_form(r, &r->query, q, strlen(q), "query") < 0)
		return -1;
	if (!rt->has_body)
		return 0;
	return read_form(r, &r->body, r->in->body ? r->in->body : "", r->in->body_len, "body");
}

static void
dispatch(struct req *r)
{
	int path_found = 0;

	if (split_path(r, r->in->path) < 0) {
		api_reply_fail(r, 404, "unrecognizedObject");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
		if (!route_match(r, routes[i].pattern))
			continue;
		path_found = 1;
		if (strcmp(routes[i].method, r->method))
			continue;
		if (read_forms(r, &routes[i]) == 0)
			routes[i].fn(r);
		return;
	}
	if (path_found)
		api_reply_status(r, 405);
	else
		api_reply_fail(r, 404, "unrecognizedObject");
}

/* ---- authentication -------------------------------------------------------- */

/* Basic auth.  A request without credentials is the challenge round-trip
 * clients make before sending them: 401, never counted.  Only wrong
 * credentials count towards the client prefix's limit. */
static int
authorised(struct req *r)
{
	char *user = NULL;
	unsigned wait = meet_limit_retry_after(r->srv->auth_limit, r->client);

	if (wait > 0) {
		api_reply_status(r, 429);
		r->out->retry_after = wait;
		return 0;
	}
	if (!r->in->authorization || !*r->in->authorization) {
		api_reply_status(r, 401);
		r->out->challenge = 1;
		return 0;
	}
	if (!meet_auth_check(r->srv->store, r->in->authorization, &user)) {
		meet_limit_fail(r->srv->auth_limit, r->client);
		meet_event(PLOG_WARN, "API: authentication failure from %s", r->client);
		api_reply_status(r, 401);
		r->out->challenge = 1;
		return 0;
	}
	g_free(user);
	return 1;
}

static void
req_clear(struct req *r)
{
	for (unsigned i = 0; i < r->nsegs; i++)
		g_free(r->segs[i]);
	meet_form_clear(&r->query);
	meet_form_clear(&r->body);
}

void
meet_api_handle(struct api *api, const struct api_in *in, struct api_out *out)
{
	struct req r = { 0 };

	memset(out, 0, sizeof(*out));
	r.api = api;
	r.srv = api->srv;
	r.in = in;
	r.out = out;
	r.method = in->method;
	/* Before auth: every answer, errors included, follows Accept. */
	r.json = in->accept && strstr(in->accept, "application/json") && !strstr(in->accept, "xml");
	meet_limit_client(in->peer ? in->peer : "", in->forwarded_for, &api->srv->cfg.api_proxies,
			  r.client, sizeof(r.client));
	if (authorised(&r))
		dispatch(&r);
	req_clear(&r);
}

void
meet_api_out_clear(struct api_out *out)
{
	g_clear_pointer(&out->body, g_free);
	g_clear_pointer(&out->location, g_free);
	out->defer = NULL;
}

void
meet_api_defer_done(struct api_defer *d, struct meet_node *doc)
{
	d->api->outstanding--;
	if (d->send)
		d->send(d, doc);
	else
		meet_node_free(doc);
	g_free(d->id);
	g_free(d);
}

/* ---- libsoup adapter --------------------------------------------------------- */

const char *
meet_api_reason(unsigned status)
{
	return status == 429 ? "Too Many Requests" : NULL;
}

static void
out_to_msg(SoupServerMessage *msg, struct api_out *out)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
	char buf[16];

	soup_server_message_set_status(msg, out->status, meet_api_reason(out->status));
	if (out->location)
		soup_message_headers_replace(h, "Location", out->location);
	if (out->retry_after) {
		g_snprintf(buf, sizeof(buf), "%u", out->retry_after);
		soup_message_headers_replace(h, "Retry-After", buf);
	}
	if (out->challenge)
		soup_message_headers_replace(h, "WWW-Authenticate", "Basic realm=\"portico meet\"");
	if (out->body) {
		soup_server_message_set_response(msg, out->content_type, SOUP_MEMORY_TAKE, out->body,
						 out->body_len);
		out->body = NULL;
	} else if (out->status == 200) {
		soup_server_message_set_response(msg, NULL, SOUP_MEMORY_STATIC, "", 0);
	}
}

/* The deferred answer of a status probe reaches its paused message. */
static void
defer_send(struct api_defer *d, struct meet_node *doc)
{
	SoupServerMessage *msg = d->msg;
	struct api_out out = { 0 };

	api_render(&out, d->json, 200, doc);
	out_to_msg(msg, &out);
	meet_api_out_clear(&out);
	soup_server_message_unpause(msg);
	g_object_unref(msg);
}

static char *
peer_string(SoupServerMessage *msg)
{
	GSocketAddress *sa = soup_server_message_get_remote_address(msg);

	return g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));
}

static void
api_handler(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	    gpointer data)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
	GBytes *b = NULL;
	struct api_in in = { 0 };
	struct api_out out;

	if (soup_server_message_get_status(msg) >= 400)
		return;             /* refused by the early handler */
	meet_metrics_api_request(((struct api *)data)->srv, msg);
	b = soup_message_body_flatten(soup_server_message_get_request_body(msg));
	in.method = soup_server_message_get_method(msg);
	in.path = g_uri_get_path(soup_server_message_get_uri(msg));
	in.query = g_uri_get_query(soup_server_message_get_uri(msg));
	in.authorization = soup_message_headers_get_one(h, "Authorization");
	in.accept = soup_message_headers_get_one(h, "Accept");
	in.forwarded_for = soup_message_headers_get_list(h, "X-Forwarded-For");
	in.body = g_bytes_get_data(b, &in.body_len);
	in.peer = peer_string(msg);
	meet_api_handle(data, &in, &out);
	if (out.defer) {
		out.defer->msg = g_object_ref(msg);
		out.defer->send = defer_send;
		soup_server_message_pause(msg);
	} else {
		out_to_msg(msg, &out);
	}
	meet_api_out_clear(&out);
	g_free((char *)in.peer);
	g_bytes_unref(b);
}

/* Before the body is read: refuse what is too big, or of unknown size. */
static void
api_early(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	  gpointer data)
{
	struct api *api = data;
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
	goffset len = soup_message_headers_get_content_length(h);

	if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CHUNKED) {
		soup_server_message_set_status(msg, 411, NULL);
		return;
	}
	if (len > (goffset)api->srv->cfg.max_body)
		soup_server_message_set_status(msg, 413, NULL);
}

static GTlsCertificate *
load_cert(const char *cert, const char *key, GError **error)
{
	return g_tls_certificate_new_from_files(cert, key, error);
}

/* Listen on "addr:port" (numeric) with TLS. */
static int
listen_tls(SoupServer *server, const char *hostport, GError **error)
{
	GSocketAddress *sa = NULL;
	char *host = NULL;
	guint16 port = 0;
	int ret = -1;
	GSocketConnectable *c = g_network_address_parse(hostport, 0, error);

	if (!c)
		return -1;
	host = g_strdup(g_network_address_get_hostname(G_NETWORK_ADDRESS(c)));
	port = g_network_address_get_port(G_NETWORK_ADDRESS(c));
	sa = g_inet_socket_address_new_from_string(host, port);
	if (!sa) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is not numeric", hostport);
		goto out;
	}
	if (soup_server_listen(server, sa, SOUP_SERVER_LISTEN_HTTPS, error))
		ret = 0;
out:
	g_clear_object(&sa);
	g_free(host);
	g_object_unref(c);
	return ret;
}

SoupServer *
meet_api_tls_server(const char *cert, const char *key, GError **error)
{
	GTlsCertificate *tls = load_cert(cert, key, error);
	SoupServer *s;

	if (!tls)
		return NULL;
	s = soup_server_new("tls-certificate", tls, "server-header", "portico", NULL);
	g_object_unref(tls);
	return s;
}

GTlsCertificate *
meet_api_cert_load(const char *cert, const char *key, GError **error)
{
	return load_cert(cert, key, error);
}

SoupServer *
meet_api_server(struct meet_server *srv)
{
	struct api *api = srv->api;

	return api ? api->server : NULL;
}

int
meet_api_listen(SoupServer *server, const char *hostport, GError **error)
{
	return listen_tls(server, hostport, error);
}

int
meet_api_start(struct meet_server *srv, GError **error)
{
	struct api *api = g_new0(struct api, 1);

	api->srv = srv;
	api->server = meet_api_tls_server(srv->cfg.api_cert, srv->cfg.api_key, error);
	if (!api->server)
		goto fail;
	soup_server_add_early_handler(api->server, "/api", api_early, api, NULL);
	soup_server_add_handler(api->server, "/api", api_handler, api, NULL);
	if (listen_tls(api->server, srv->cfg.api_listen, error) < 0)
		goto fail;
	srv->api = api;
	plog(PLOG_INFO, "meet", "admin API listening on https://%s/api/v1", srv->cfg.api_listen);
	return 0;
fail:
	g_clear_object(&api->server);
	g_free(api);
	return -1;
}

void
meet_api_stop(struct meet_server *srv)
{
	struct api *api = srv->api;

	if (!api)
		return;
	/* Probes end within their timeouts: let them answer before the
	 * server and this struct go away. */
	while (api->outstanding > 0)
		g_main_context_iteration(NULL, TRUE);
	soup_server_disconnect(api->server);
	g_object_unref(api->server);
	g_free(api);
	srv->api = NULL;
}
