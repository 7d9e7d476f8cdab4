/*
 * turn.c: `portico turn`, the standalone server, and `portico turn status`.
 * The main thread runs a GLib main loop: signals (SIGTERM/SIGINT stop,
 * SIGHUP reloads users and secrets) and the admin HTTP listener
 * (/metrics, /status).  The data plane runs in the server's worker threads.
 */
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/datadir.h"
#include "common/plog.h"
#include "common/sdnotify.h"
#include "turn/turn-internal.h"
#include "turn/turn.h"

struct turn_cli {
	GMainLoop *loop;
	struct turn_server *srv;
	SoupServer *admin;
	const char *path;
	char *admin_socket;     /* the unix socket we made, unlinked at exit */
};

/* Where the admin listener is, copied out of the configuration (which the
 * server owns once started): an address, or a unix socket path (auto: the
 * runtime directory's one named after the config file). */
struct admin_where {
	struct sockaddr_storage addr;
	char *socket;
	int is_auto;
};

static void
admin_where_get(struct admin_where *w, const struct turn_config *cfg, int server)
{
	w->addr = cfg->admin_addr;
	w->is_auto = cfg->admin_auto;
	w->socket = cfg->admin_auto ? datadir_socket(cfg->path, server)
		    : cfg->admin_socket ? g_strdup(cfg->admin_socket) : NULL;
}

static gboolean
on_stop(gpointer data)
{
	struct turn_cli *cli = data;

	plog(PLOG_NOTICE, "turn", "stopping on signal");
	sdnotify_stopping();
	g_main_loop_quit(cli->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_reload(gpointer data)
{
	struct turn_cli *cli = data;
	struct turn_config *cfg;
	char err[TURN_ERR_MAX];

	sdnotify_reloading();
	if (turn_config_load(&cfg, cli->path, err, sizeof(err)) < 0)
		plog(PLOG_ERROR, "turn", "reload refused, keeping the running configuration: %s", err);
	else if (turn_server_reload(cli->srv, cfg, err, sizeof(err)) < 0)
		plog(PLOG_ERROR, "turn", "reload failed: %s", err);
	sdnotify_ready(NULL);
	return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ admin HTTP */

static void
admin_reply(SoupServerMessage *msg, guint status, const char *type, GString *body)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Cache-Control", "no-store");
	soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body->str, body->len);
}

static void
on_admin(SoupServer *server, SoupServerMessage *msg, const char *path,
	 GHashTable *query, gpointer data)
{
	struct turn_cli *cli = data;
	const char *method = soup_server_message_get_method(msg);
	GString *body = g_string_new(NULL);
	const char *fmt = query ? g_hash_table_lookup(query, "format") : NULL;
	int text = fmt && strcmp(fmt, "text") == 0;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		g_string_append(body, "only GET and HEAD\n");
		admin_reply(msg, 405, "text/plain", body);
	} else if (strcmp(path, "/metrics") == 0) {
		turn_server_metrics(cli->srv, body);
		admin_reply(msg, 200, "text/plain; version=0.0.4", body);
	} else if (strcmp(path, "/status") == 0) {
		if (turn_server_status(cli->srv, text, body) < 0) {
			g_string_assign(body, "a worker did not answer within 2 s\n");
			admin_reply(msg, 503, "text/plain", body);
		} else {
			admin_reply(msg, 200, text ? "text/plain" : "application/json", body);
		}
	} else if (strcmp(path, "/") == 0) {
		g_string_append(body, "portico turn: ok\n");
		admin_reply(msg, 200, "text/plain", body);
	} else {
		g_string_append(body, "not found: try /metrics or /status\n");
		admin_reply(msg, 404, "text/plain", body);
	}
	g_string_free(body, TRUE);
}

/* The listener on a unix socket.  1: listening, 0: skipped (the automatic
 * socket is another live server's: this one runs without, it must not fail
 * a second instance), -1: error. */
static int
admin_listen_unix(struct turn_cli *cli, const char *path, int is_auto, GError **gerr)
{
	GSocketAddress *sa;
	gboolean ok;

	if (datadir_socket_live(path)) {
		if (!is_auto) {
			g_set_error(gerr, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "another server listens there");
			return -1;
		}
		plog(PLOG_WARN, "turn", "admin listener off: %s belongs to another running portico turn "
		     "(set admin-listen to a path or an address)", path);
		return 0;
	}
	unlink(path);
	sa = g_unix_socket_address_new(path);
	ok = soup_server_listen(cli->admin, sa, 0, gerr);
	g_object_unref(sa);
	if (!ok)
		return -1;
	cli->admin_socket = g_strdup(path);
	return 1;
}

static int
admin_start(struct turn_cli *cli, const struct admin_where *w)
{
	GError *gerr = NULL;
	GSocketAddress *sa;
	char as[ADDR_STRLEN];
	const char *where = w->socket;
	int rc;

	if (!w->addr.ss_family && !w->socket) {
		if (w->is_auto)
			plog(PLOG_WARN, "turn", "admin listener off: no runtime directory for its socket");
		return 0;
	}
	cli->admin = soup_server_new("server-header", "portico-turn", NULL);
	soup_server_add_handler(cli->admin, NULL, on_admin, cli, NULL);
	if (w->socket) {
		rc = admin_listen_unix(cli, w->socket, w->is_auto, &gerr);
	} else {
		where = addr_str(&w->addr, as, 1);
		sa = g_socket_address_new_from_native((gpointer)&w->addr, addr_len(&w->addr));
		rc = soup_server_listen(cli->admin, sa, 0, &gerr) ? 1 : -1;
		g_object_unref(sa);
	}
	if (rc < 0) {
		fprintf(stderr, "portico turn: admin-listen %s: %s\n", where, gerr->message);
		g_error_free(gerr);
		return -1;
	}
	if (rc > 0)
		plog(PLOG_INFO, "turn", "admin listener on %s%s (/metrics, /status)",
		     w->socket ? "unix:" : "http://", where);
	return 0;
}

/* ---------------------------------------------------------------- status */

/* `portico turn status`: the admin listener's /status as a table. */
static int
status_main(const struct admin_where *w)
{
	char as[ADDR_STRLEN], url[ADDR_STRLEN + 40];
	SoupSession *session;
	SoupMessage *msg;
	GBytes *body;
	GError *gerr = NULL;
	int ret = 1;

	if (!w->addr.ss_family && !w->socket) {
		fprintf(stderr, "portico turn status: admin-listen is off in this configuration\n");
		return 1;
	}
	if (w->socket) {
		/* The host is a placeholder: the connection goes to the socket. */
		GSocketAddress *sa = g_unix_socket_address_new(w->socket);
		snprintf(url, sizeof(url), "http://localhost/status?format=text");
		session = soup_session_new_with_options("timeout", 5, "remote-connectable", sa, NULL);
		g_object_unref(sa);
	} else {
		snprintf(url, sizeof(url), "http://%s/status?format=text", addr_str(&w->addr, as, 1));
		session = soup_session_new_with_options("timeout", 5, NULL);
	}
	msg = soup_message_new("GET", url);
	body = soup_session_send_and_read(session, msg, NULL, &gerr);
	if (!body) {
		fprintf(stderr, "portico turn status: %s: %s (is portico turn running with this configuration?)\n",
			w->socket ? w->socket : url, gerr->message);
		g_error_free(gerr);
	} else {
		fwrite(g_bytes_get_data(body, NULL), 1, g_bytes_get_size(body), stdout);
		ret = soup_message_get_status(msg) == 200 ? 0 : 1;
		g_bytes_unref(body);
	}
	g_object_unref(msg);
	g_object_unref(session);
	return ret;
}

/* ------------------------------------------------------------------ main */

static int
serve(struct turn_cli *cli, struct turn_config *cfg)
{
	struct admin_where admin;
	char err[TURN_ERR_MAX];
	int ret = 1;

	/* Signals first: a SIGTERM that arrives while the workers or the admin
	 * listener start is handled as soon as the loop runs, a clean stop. */
	cli->loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_stop, cli);
	g_unix_signal_add(SIGINT, on_stop, cli);
	g_unix_signal_add(SIGHUP, on_reload, cli);
	admin_where_get(&admin, cfg, 1);
	cli->srv = turn_server_start(cfg, err, sizeof(err));
	if (!cli->srv) {
		fprintf(stderr, "portico turn: %s\n", err);
		g_free(admin.socket);
		g_main_loop_unref(cli->loop);
		return 1;
	}
	if (admin_start(cli, &admin) < 0)
		goto out;
	sdnotify_ready("serving");
	g_main_loop_run(cli->loop);
	ret = 0;
out:
	if (cli->admin) {
		soup_server_disconnect(cli->admin);
		g_object_unref(cli->admin);
	}
	if (cli->admin_socket)
		unlink(cli->admin_socket);
	g_free(cli->admin_socket);
	g_free(admin.socket);
	turn_server_stop(cli->srv);
	g_main_loop_unref(cli->loop);
	if (ret == 0)
		plog(PLOG_NOTICE, "turn", "stopped");
	return ret;
}

static const struct cli_role turn_cli_role = {
	.role = "turn",
	.summary = "STUN/TURN server",
	.check_help = "validate the configuration and exit",
	.description = "`portico turn -c FILE status` prints the running server's allocations.  "
		       "Configuration keys: docs/configuration-turn.md.  "
		       "SIGHUP reloads [users] and auth-secret; SIGTERM stops.",
	.conf_hint = "conf/turn.conf",
};

int
turn_main(int argc, char **argv)
{
	char *path = NULL;
	struct turn_cli cli = { 0 };
	struct turn_config *cfg;
	char err[TURN_ERR_MAX];
	int ret = 1, check, status;

	if (cli_role_parse(&turn_cli_role, argc, argv, &path, &check, &status) != 0)
		return 2;
	if (turn_config_load(&cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico turn: %s\n", err);
		goto out;
	}
	if (check || status) {
		if (check)
			printf("%s: configuration OK\n", path);
		if (status) {
			struct admin_where w;
			admin_where_get(&w, cfg, 0);
			ret = status_main(&w);
			g_free(w.socket);
		} else {
			ret = 0;
		}
		turn_config_free(cfg);
		goto out;
	}
	cli.path = path;
	ret = serve(&cli, cfg);
out:
	g_free(path);
	return ret;
}
