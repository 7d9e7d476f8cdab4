/*
 * turn.c: `portico turn`, the standalone server.  The main thread runs a
 * GLib main loop for signals (SIGTERM/SIGINT stop, SIGHUP reloads users);
 * the data plane runs in the server's worker threads.
 */
#include <glib.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "turn/turn.h"

struct turn_cli {
	GMainLoop *loop;
	struct turn_server *srv;
	const char *path;
};

static gboolean
on_stop(gpointer data)
{
	struct turn_cli *cli = data;

	plog(PLOG_NOTICE, "turn", "stopping on signal");
	g_main_loop_quit(cli->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_reload(gpointer data)
{
	struct turn_cli *cli = data;
	struct turn_config *cfg;
	char err[TURN_ERR_MAX];

	if (turn_config_load(&cfg, cli->path, err, sizeof(err)) < 0) {
		plog(PLOG_ERROR, "turn", "reload refused, keeping the running configuration: %s", err);
		return G_SOURCE_CONTINUE;
	}
	if (turn_server_reload(cli->srv, cfg, err, sizeof(err)) < 0)
		plog(PLOG_ERROR, "turn", "reload failed: %s", err);
	return G_SOURCE_CONTINUE;
}

int
turn_main(int argc, char **argv)
{
	gchar *path = NULL;
	gboolean check = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &path, "configuration file", "FILE" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &check, "validate the configuration and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *oc = g_option_context_new("- STUN/TURN server");
	GError *gerr = NULL;
	struct turn_cli cli = { 0 };
	struct turn_config *cfg;
	char err[TURN_ERR_MAX];
	int ret = 1;

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(oc, "Configuration keys: docs/configuration.md.  "
					 "SIGHUP reloads [users]; SIGTERM stops.");
	if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
		fprintf(stderr, "portico turn: %s\n", gerr->message);
		g_error_free(gerr);
		ret = 2;
		goto out;
	}
	if (argc > 1) {
		fprintf(stderr, "portico turn: unexpected argument \"%s\"\n", argv[1]);
		ret = 2;
		goto out;
	}
	if (!path) {
		fprintf(stderr, "portico turn: a configuration file is required (-c FILE; see conf/turn.conf)\n");
		ret = 2;
		goto out;
	}
	if (turn_config_load(&cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico turn: %s\n", err);
		goto out;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		turn_config_free(cfg);
		ret = 0;
		goto out;
	}
	cli.path = path;
	cli.srv = turn_server_start(cfg, err, sizeof(err));
	if (!cli.srv) {
		fprintf(stderr, "portico turn: %s\n", err);
		goto out;
	}
	cli.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_stop, &cli);
	g_unix_signal_add(SIGINT, on_stop, &cli);
	g_unix_signal_add(SIGHUP, on_reload, &cli);
	g_main_loop_run(cli.loop);
	turn_server_stop(cli.srv);
	g_main_loop_unref(cli.loop);
	plog(PLOG_NOTICE, "turn", "stopped");
	ret = 0;
out:
	g_option_context_free(oc);
	g_free(path);
	return ret;
}
