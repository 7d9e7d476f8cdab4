/*
 * webbridge.c: the guest listener.  Serves the web app (web/), a small
 * JSON API for the Join call flow, invitation links (/invited.sf) and the
 * WebSocket that carries the participant list.  Everything it knows about
 * spaces and calls comes over link.h from the call bridge.
 *
 *   GET  /api/guest/config      {"link":bool, branding, access modes}
 *   POST /api/guest/resolve     callId, passcode | secret  -> {token, spaceName}
 *   POST /api/guest/login       token, name                -> {session, jid, spaceName}
 *   GET  /api/guest/ping        "ok" (webBridges/<id>/status)
 *   WS   /ws?session=...        server -> client {"type":"participants",...}, media
 *                               signalling both ways ({"type":"offer"|"answer"|...})
 *   GET  /invited.sf?id=&secret= -> 302 to the app with the link's values
 *
 * Loop thread only.  A guest request waiting for the call bridge is a
 * paused SoupServerMessage held in `pending` under its request number.
 */
#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include "common/plog.h"
#include "meet/link.h"
#include "meet/meet-internal.h"

#define WEB_MAX_BODY 8192
#define WEB_MAX_FILE (4u << 20)
#define WEB_MAX_SOCKETS 1024
#define NAME_MAX_CHARS 64
#define WEB_MAX_SIGNAL (64 * 1024)   /* an SDP answer with many m-lines */

struct meet_webbridge {
	struct meet_server *srv;
	SoupServer *server;
	GHashTable *pending;        /* req number -> SoupServerMessage (ref) */
	GHashTable *sockets;        /* session -> SoupWebsocketConnection (ref) */
	unsigned next_req;
};

static void
json_reply(SoupServerMessage *msg, unsigned status, const char *json)
{
	soup_server_message_set_status(msg, status, meet_api_reason(status));
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control", "no-store");
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json,
					 strlen(json));
}

static char *
json_str(const char *s)
{
	GString *o = g_string_new("\"");

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(o, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(o, "\\u%04x", *p);
		else
			g_string_append_c(o, (char)*p);
	}
	g_string_append_c(o, '"');
	return g_string_free(o, FALSE);
}

/* The guest's address (meet_limit_client): the TCP peer, or what trusted
 * proxies (the inside edge) say in X-Forwarded-For.  Rate limits and logs
 * use it; a guest cannot spoof it through an untrusted peer. */
static void
client_addr(struct meet_webbridge *wb, SoupServerMessage *msg, char *out, size_t cap)
{
	GSocketAddress *sa = soup_server_message_get_remote_address(msg);
	const char *xff = soup_message_headers_get_list(soup_server_message_get_request_headers(msg),
							"X-Forwarded-For");
	char *s = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));

	meet_limit_client(s, xff, &wb->srv->cfg.web_proxies, out, cap);
	g_free(s);
}

/* ---- static files ------------------------------------------------------ */

/* The app loads only its own scripts and styles; images may come from the
 * branding URIs; invitation URLs carry the space secret, so no Referer. */
static void
web_security_headers(SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

	soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
	soup_message_headers_replace(h, "X-Frame-Options", "DENY");
	soup_message_headers_replace(h, "Referrer-Policy", "no-referrer");
	soup_message_headers_replace(h, "Content-Security-Policy",
		"default-src 'self'; img-src 'self' https: data:; connect-src 'self'; "
		"style-src 'self'; script-src 'self'; frame-ancestors 'none'");
	soup_message_headers_replace(h, "Strict-Transport-Security", "max-age=31536000");
}

static const struct {
	const char *ext, *type;
} mime[] = {
	{ ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" }, { ".svg", "image/svg+xml" },
	{ ".png", "image/png" }, { ".json", "application/json" }, { ".ico", "image/x-icon" },
};

static void
serve_file(struct meet_webbridge *wb, SoupServerMessage *msg, const char *path)
{
	char *rel = g_strdup(!strcmp(path, "/") ? "/index.html" : path);
	char *full = NULL, *data = NULL;
	const char *type = "application/octet-stream";
	gsize len = 0;

	/* Only [A-Za-z0-9._-/] and no "..": nothing outside web-root. */
	for (const char *p = rel; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._-/", *p))
			goto notfound;
	if (strstr(rel, "..") || strlen(rel) > 200)
		goto notfound;
	full = g_build_filename(wb->srv->cfg.web_root, rel, NULL);
	if (!g_file_test(full, G_FILE_TEST_IS_REGULAR) ||
	    !g_file_get_contents(full, &data, &len, NULL) || len > WEB_MAX_FILE)
		goto notfound;
	for (size_t i = 0; i < G_N_ELEMENTS(mime); i++)
		if (g_str_has_suffix(rel, mime[i].ext))
			type = mime[i].type;
	soup_server_message_set_status(msg, 200, NULL);
	web_security_headers(msg);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_TAKE, data, len);
	data = NULL;
	goto out;
notfound:
	soup_server_message_set_status(msg, 404, NULL);
out:
	g_free(data);
	g_free(full);
	g_free(rel);
}

/* ---- guest API ---------------------------------------------------------- */

static void
guest_config(struct meet_webbridge *wb, SoupServerMessage *msg)
{
	struct meet_config *c = &wb->srv->cfg;
	char *bg = json_str(c->background_uri ? c->background_uri : "");
	char *logo = json_str(c->logo_uri ? c->logo_uri : "");
	char *body = g_strdup_printf("{\"link\":%s,\"background\":%s,\"logo\":%s,"
				     "\"passcodeAccess\":%s,\"hyperlinks\":%s}",
				     meet_link_up(wb->srv->link) ? "true" : "false", bg, logo,
				     c->allow_passcode_access ? "true" : "false",
				     c->allow_hyperlinks ? "true" : "false");

	json_reply(msg, 200, body);
	g_free(body);
	g_free(bg);
	g_free(logo);
}

/* Parse the form body; 0, or -1 after replying 400. */
static int
guest_form(SoupServerMessage *msg, struct meet_form *form)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	GBytes *b = soup_message_body_flatten(body);
	const char *bad;
	int rc = meet_form_parse(form, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &bad);

	g_bytes_unref(b);
	if (rc) {
		json_reply(msg, 400, "{\"error\":\"badRequest\"}");
		return -1;
	}
	return 0;
}

/* Hold msg until the call bridge answers request number n. */
static void
guest_hold(struct meet_webbridge *wb, SoupServerMessage *msg, unsigned n)
{
	g_hash_table_insert(wb->pending, GUINT_TO_POINTER(n), g_object_ref(msg));
	soup_server_message_pause(msg);
}

/* Sends a request m (consumed) to the call bridge with the next request
 * number and the guest's address, and holds msg for the answer; 503 when
 * the link is down. */
static void
guest_ask(struct meet_webbridge *wb, SoupServerMessage *msg, const char *type, GHashTable *m)
{
	char client[64], req[16];

	client_addr(wb, msg, client, sizeof(client));
	g_snprintf(req, sizeof(req), "%u", ++wb->next_req);
	meet_link_set(m, "req", req);
	meet_link_set(m, "client", client);
	if (meet_link_send(wb->srv->link, MEET_LINK_WEBBRIDGE, type, m) < 0) {
		json_reply(msg, 503, "{\"error\":\"linkDown\"}");
		return;
	}
	guest_hold(wb, msg, wb->next_req);
}

static int
valid_digits(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return 0;
	for (; *s; s++)
		if (!g_ascii_isdigit(*s))
			return 0;
	return 1;
}

static void
guest_resolve(struct meet_webbridge *wb, SoupServerMessage *msg, const struct meet_form *f)
{
	const char *cid = meet_form_get(f, "callId"), *pc = meet_form_get(f, "passcode");
	const char *secret = meet_form_get(f, "secret");
	GHashTable *m;

	cid = cid ? cid : "";
	pc = pc ? pc : "";
	secret = secret ? secret : "";
	if ((!*cid && !*secret) || !valid_digits(cid, 18) || !valid_digits(pc, 32) ||
	    strlen(secret) > 64 || (*secret && !wb->srv->cfg.allow_hyperlinks) ||
	    (!*secret && !wb->srv->cfg.allow_passcode_access)) {
		json_reply(msg, 400, "{\"error\":\"badRequest\"}");
		return;
	}
	m = meet_link_msg();
	meet_link_set(m, "callId", cid);
	meet_link_set(m, "passcode", pc);
	meet_link_set(m, "secret", secret);
	guest_ask(wb, msg, "resolve", m);
}

static void
guest_login(struct meet_webbridge *wb, SoupServerMessage *msg, const struct meet_form *f)
{
	const char *token = meet_form_get(f, "token"), *name = meet_form_get(f, "name");
	GHashTable *m;
	char *clean;

	if (!token || !name || strlen(token) > 64)
		goto bad;
	clean = g_strstrip(g_strdup(name));
	if (!*clean || g_utf8_strlen(clean, -1) > NAME_MAX_CHARS) {
		g_free(clean);
		goto bad;
	}
	m = meet_link_msg();
	meet_link_set(m, "token", token);
	meet_link_set(m, "name", clean);
	g_free(clean);
	guest_ask(wb, msg, "login", m);
	return;
bad:
	meet_metrics_guest_login(wb->srv, "badRequest");
	json_reply(msg, 400, "{\"error\":\"badRequest\"}");
}

static void
guest_invited(struct meet_webbridge *wb, SoupServerMessage *msg)
{
	GUri *uri = soup_server_message_get_uri(msg);
	const char *q = g_uri_get_query(uri), *bad;
	struct meet_form f;
	char *loc;

	if (!q || meet_form_parse(&f, q, strlen(q), &bad)) {
		soup_server_message_set_redirect(msg, 302, "/");
		return;
	}
	{
		const char *id = meet_form_get(&f, "id"), *secret = meet_form_get(&f, "secret");
		char *eid = g_uri_escape_string(id ? id : "", NULL, FALSE);
		char *esec = g_uri_escape_string(secret ? secret : "", NULL, FALSE);
		loc = g_strdup_printf("/?id=%s&secret=%s", eid, esec);
		g_free(eid);
		g_free(esec);
	}
	soup_server_message_set_redirect(msg, 302, loc);
	g_free(loc);
	meet_form_clear(&f);
}

static void
web_handler(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	    gpointer data)
{
	struct meet_webbridge *wb = data;
	const char *method = soup_server_message_get_method(msg);
	struct meet_form f;

	if (soup_server_message_get_status(msg) >= 400)
		return;
	if (!strcmp(method, "GET") && !strcmp(path, "/api/guest/config")) {
		guest_config(wb, msg);
	} else if (!strcmp(method, "GET") && !strcmp(path, "/api/guest/ping")) {
		json_reply(msg, 200, "{\"ok\":true}");
	} else if (!strcmp(method, "POST") && (!strcmp(path, "/api/guest/resolve") ||
					       !strcmp(path, "/api/guest/login"))) {
		if (guest_form(msg, &f) < 0)
			return;
		if (!strcmp(path, "/api/guest/resolve"))
			guest_resolve(wb, msg, &f);
		else
			guest_login(wb, msg, &f);
		meet_form_clear(&f);
	} else if (!strcmp(method, "GET") && !strcmp(path, "/invited.sf")) {
		guest_invited(wb, msg);
	} else if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
		serve_file(wb, msg, path);
	} else {
		soup_server_message_set_status(msg, 405, NULL);
	}
}

static void
web_early(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	  gpointer data)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);

	if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CHUNKED)
		soup_server_message_set_status(msg, 411, NULL);
	else if (soup_message_headers_get_content_length(h) > WEB_MAX_BODY)
		soup_server_message_set_status(msg, 413, NULL);
}

/* ---- link messages from the call bridge ---------------------------------------- */

static SoupServerMessage *
take_pending(struct meet_webbridge *wb, GHashTable *in)
{
	guint64 n = g_ascii_strtoull(meet_link_get(in, "req"), NULL, 10);
	SoupServerMessage *msg = NULL;

	g_hash_table_steal_extended(wb->pending, GUINT_TO_POINTER((guint)n), NULL, (gpointer *)&msg);
	return msg;
}

static unsigned
status_http(const char *status)
{
	if (!strcmp(status, "ok"))
		return 200;
	if (!strcmp(status, "rateLimited"))
		return 429;
	if (!strcmp(status, "notFound") || !strcmp(status, "expired"))
		return 404;
	if (!strcmp(status, "error"))
		return 500;
	return 403;
}

static void
wb_on_resolved(struct meet_webbridge *wb, GHashTable *in)
{
	SoupServerMessage *msg = take_pending(wb, in);
	const char *status = meet_link_get(in, "status");
	char *name, *token, *body;

	if (!msg)
		return;
	name = json_str(meet_link_get(in, "spaceName"));
	token = json_str(meet_link_get(in, "token"));
	body = !strcmp(status, "ok") ? g_strdup_printf("{\"token\":%s,\"spaceName\":%s}", token, name)
				     : g_strdup_printf("{\"error\":\"%s\"}", status);
	if (*meet_link_get(in, "retryAfter"))
		soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
					     meet_link_get(in, "retryAfter"));
	json_reply(msg, status_http(status), body);
	soup_server_message_unpause(msg);
	g_object_unref(msg);
	g_free(body);
	g_free(token);
	g_free(name);
}

static void
wb_on_logged_in(struct meet_webbridge *wb, GHashTable *in)
{
	SoupServerMessage *msg = take_pending(wb, in);
	const char *status = meet_link_get(in, "status");
	char *a, *b, *c, *body;

	if (!msg)
		return;
	a = json_str(meet_link_get(in, "session"));
	b = json_str(meet_link_get(in, "jid"));
	c = json_str(meet_link_get(in, "spaceName"));
	body = !strcmp(status, "ok")
		? g_strdup_printf("{\"session\":%s,\"jid\":%s,\"spaceName\":%s}", a, b, c)
		: g_strdup_printf("{\"error\":\"%s\"}", status);
	json_reply(msg, status_http(status), body);
	meet_metrics_guest_login(wb->srv, status);
	plog(PLOG_INFO, "meet", "web bridge link %u: guest login request %s: response written",
	     meet_link_number(wb->srv->link), meet_link_get(in, "req"));
	soup_server_message_unpause(msg);
	g_object_unref(msg);
	g_free(body);
	g_free(a);
	g_free(b);
	g_free(c);
}

static void
wb_on_participants(struct meet_webbridge *wb, GHashTable *in)
{
	SoupWebsocketConnection *ws = g_hash_table_lookup(wb->sockets, meet_link_get(in, "session"));
	char *space, *body;

	if (!ws || soup_websocket_connection_get_state(ws) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	space = json_str(meet_link_get(in, "spaceName"));
	body = g_strdup_printf("{\"type\":\"participants\",\"call\":\"%s\",\"spaceName\":%s,"
			       "\"participants\":%s}", meet_link_get(in, "call"), space,
			       meet_link_get(in, "list"));
	soup_websocket_connection_send_text(ws, body);
	g_free(body);
	g_free(space);
}

static void
wb_on_disconnect(struct meet_webbridge *wb, GHashTable *in)
{
	SoupWebsocketConnection *ws = g_hash_table_lookup(wb->sockets, meet_link_get(in, "session"));
	char *body;

	if (!ws || soup_websocket_connection_get_state(ws) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	body = g_strdup_printf("{\"type\":\"disconnected\",\"reason\":\"%s\"}",
			       meet_link_get(in, "reason"));
	soup_websocket_connection_send_text(ws, body);
	g_free(body);
	/* The session is over on the call bridge side: forget it here so the
	 * close does not send "leave" for a leg that no longer exists. */
	g_object_set_data(G_OBJECT(ws), "session", NULL);
	soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_NORMAL, "disconnected");
}

/* Media signalling for the page (offers, speaker, failures): JSON made by
 * the call bridge, sent as is. */
static void
wb_on_signal(struct meet_webbridge *wb, GHashTable *in)
{
	SoupWebsocketConnection *ws = g_hash_table_lookup(wb->sockets, meet_link_get(in, "session"));

	if (!ws || soup_websocket_connection_get_state(ws) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	soup_websocket_connection_send_text(ws, meet_link_get(in, "data"));
}

static void
wb_recv(void *ctx, const char *type, GHashTable *msg)
{
	static const struct {
		const char *type;
		void (*fn)(struct meet_webbridge *, GHashTable *);
	} handlers[] = {
		{ "resolved", wb_on_resolved },
		{ "loggedIn", wb_on_logged_in },
		{ "participants", wb_on_participants },
		{ "disconnect", wb_on_disconnect },
		{ "signal", wb_on_signal },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(handlers); i++)
		if (!strcmp(type, handlers[i].type)) {
			handlers[i].fn(ctx, msg);
			return;
		}
	plog(PLOG_WARN, "meet", "web bridge: unknown link message \"%s\" ignored", type);
}

/* Link went down: answer every waiting guest now rather than never, and
 * end the in-call pages (their call legs are gone on the other side). */
static void
wb_link_state(void *ctx, int up)
{
	struct meet_webbridge *wb = ctx;
	GHashTableIter it;
	gpointer v;
	GList *socks;

	if (up || !wb->pending)
		return;
	socks = g_hash_table_get_values(wb->sockets);
	for (GList *s = socks; s; s = s->next) {
		g_object_set_data(G_OBJECT(s->data), "session", NULL);
		if (soup_websocket_connection_get_state(s->data) == SOUP_WEBSOCKET_STATE_OPEN) {
			soup_websocket_connection_send_text(s->data, "{\"type\":\"disconnected\",\"reason\":\"linkDown\"}");
			soup_websocket_connection_close(s->data, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "link down");
		}
	}
	g_list_free(socks);
	g_hash_table_iter_init(&it, wb->pending);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		json_reply(v, 503, "{\"error\":\"linkDown\"}");
		soup_server_message_unpause(v);
		g_object_unref(v);
		g_hash_table_iter_remove(&it);
	}
}

/* ---- WebSocket ---------------------------------------------------------------- */

static void
ws_closed(SoupWebsocketConnection *ws, gpointer data)
{
	struct meet_webbridge *wb = data;
	const char *session = g_object_get_data(G_OBJECT(ws), "key");
	const char *live = g_object_get_data(G_OBJECT(ws), "session");

	if (live) {
		GHashTable *m = meet_link_msg();
		meet_link_set(m, "session", live);
		meet_link_send(wb->srv->link, MEET_LINK_WEBBRIDGE, "leave", m);
	}
	if (session && g_hash_table_lookup(wb->sockets, session) == ws)
		g_hash_table_remove(wb->sockets, session);
}

/* Media signalling from the page (answer, candidates, ICE restart): passed
 * to the call bridge as is; it parses and validates. */
static void
ws_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	struct meet_webbridge *wb = data;
	const char *live = g_object_get_data(G_OBJECT(ws), "session");
	gsize n;
	const char *b = g_bytes_get_data(message, &n);
	GHashTable *m;
	char *text;

	if (!live || type != SOUP_WEBSOCKET_DATA_TEXT || n > WEB_MAX_SIGNAL || memchr(b, 0, n))
		return;
	text = g_strndup(b, n);
	m = meet_link_msg();
	meet_link_set(m, "session", live);
	meet_link_set(m, "data", text);
	meet_link_send(wb->srv->link, MEET_LINK_WEBBRIDGE, "signal", m);
	g_free(text);
}

static void
ws_opened(SoupServer *server, SoupServerMessage *msg, const char *path,
	  SoupWebsocketConnection *ws, gpointer data)
{
	struct meet_webbridge *wb = data;
	GUri *uri = soup_server_message_get_uri(msg);
	const char *q = g_uri_get_query(uri), *bad, *session;
	struct meet_form f = { 0 };
	GHashTable *m;

	if (!q || meet_form_parse(&f, q, strlen(q), &bad) || !(session = meet_form_get(&f, "session")) ||
	    strlen(session) > 64 || g_hash_table_contains(wb->sockets, session) ||
	    g_hash_table_size(wb->sockets) >= WEB_MAX_SOCKETS) {
		soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "bad session");
		meet_form_clear(&f);
		return;
	}
	g_object_set_data_full(G_OBJECT(ws), "key", g_strdup(session), g_free);
	g_object_set_data_full(G_OBJECT(ws), "session", g_strdup(session), g_free);
	g_hash_table_insert(wb->sockets, g_strdup(session), g_object_ref(ws));
	g_signal_connect(ws, "closed", G_CALLBACK(ws_closed), wb);
	g_signal_connect(ws, "message", G_CALLBACK(ws_message), wb);
	soup_websocket_connection_set_max_incoming_payload_size(ws, WEB_MAX_SIGNAL);
	m = meet_link_msg();
	meet_link_set(m, "session", session);
	if (meet_link_send(wb->srv->link, MEET_LINK_WEBBRIDGE, "join", m) < 0)
		soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "link down");
	meet_form_clear(&f);
}

/* ---- lifetime ---------------------------------------------------------------- */

int
meet_web_start(struct meet_server *srv, GError **error)
{
	struct meet_webbridge *wb = g_new0(struct meet_webbridge, 1);

	wb->srv = srv;
	wb->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_object_unref);
	wb->sockets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	wb->server = meet_api_tls_server(srv->cfg.web_cert, srv->cfg.web_key, error);
	if (!wb->server)
		goto fail;
	soup_server_add_early_handler(wb->server, NULL, web_early, wb, NULL);
	soup_server_add_websocket_handler(wb->server, "/ws", NULL, NULL, ws_opened, wb, NULL);
	soup_server_add_handler(wb->server, NULL, web_handler, wb, NULL);
	if (meet_api_listen(wb->server, srv->cfg.web_listen, error) < 0)
		goto fail;
	meet_link_attach(srv->link, MEET_LINK_WEBBRIDGE, wb_recv, wb_link_state, wb);
	srv->wb = wb;
	plog(PLOG_INFO, "meet", "web bridge listening on https://%s/", srv->cfg.web_listen);
	return 0;
fail:
	g_clear_object(&wb->server);
	g_hash_table_unref(wb->pending);
	g_hash_table_unref(wb->sockets);
	g_free(wb);
	return -1;
}

static void
ws_forget(gpointer key, gpointer value, gpointer data)
{
	g_signal_handlers_disconnect_by_data(value, data);
}

void
meet_web_stop(struct meet_server *srv)
{
	struct meet_webbridge *wb = srv->wb;

	if (!wb)
		return;
	meet_link_attach(srv->link, MEET_LINK_WEBBRIDGE, NULL, NULL, NULL);
	g_hash_table_foreach(wb->sockets, ws_forget, wb);
	soup_server_disconnect(wb->server);
	g_object_unref(wb->server);
	g_hash_table_unref(wb->sockets);
	g_hash_table_unref(wb->pending);
	g_free(wb);
	srv->wb = NULL;
}

SoupServer *
meet_web_server(struct meet_server *srv)
{
	return srv->wb ? srv->wb->server : NULL;
}
