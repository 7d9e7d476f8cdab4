/*
 * edge.c: `portico edge`: command line, start-up checks, signals.
 *
 *   portico edge -c FILE            run the node (role from [edge] role)
 *   portico edge --check -c FILE    validate, certificates and SANs included
 *   portico edge status -c FILE     ask the running node for its status
 *
 * SIGTERM/SIGINT drain: the outside stops accepting and lets in-flight
 * guests finish; the inside sends GOAWAY on every tunnel so the outside
 * sends new requests elsewhere, finishes what is in flight, then exits
 * (bounded by [traversal] drain-timeout).  A second signal stops at once.
 * SIGHUP reloads credentials only (on_reload).
 * One GLib main loop on the calling thread (docs/edge.md).
 */
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "common/ini.h"
#include "common/plog.h"
#include "common/sdnotify.h"
#include "edge/edge-roles.h"
#include "edge/edge.h"
#include "turn/turn.h"

#define MOD "edge"

struct edge_cli {
	struct edge_proc p;
	guint drain_timer;
	int64_t drain_deadline;
	const char *path;
};

static gboolean
drain_tick(gpointer data)
{
	struct edge_cli *cli = data;
	struct edge_proc *p = &cli->p;
	int busy = p->cfg->role == EDGE_ROLE_INSIDE ? edge_inside_busy(p) : edge_outside_busy(p);

	if (busy && edge_util_now_us() < cli->drain_deadline)
		return G_SOURCE_CONTINUE;
	plog(PLOG_NOTICE, MOD, busy ? "drain timeout: stopping with requests in flight" :
	     "drained: nothing in flight");
	cli->drain_timer = 0;
	g_main_loop_quit(p->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
on_stop(gpointer data)
{
	struct edge_cli *cli = data;
	struct edge_proc *p = &cli->p;

	sdnotify_stopping();
	if (p->draining) {
		plog(PLOG_NOTICE, MOD, "second signal: stopping now");
		g_main_loop_quit(p->loop);
		return G_SOURCE_CONTINUE;
	}
	plog(PLOG_NOTICE, MOD, "draining on signal (at most %u s)", p->cfg->t_drain_timeout);
	p->draining = 1;
	if (p->cfg->role == EDGE_ROLE_INSIDE)
		edge_inside_drain(p);
	else
		edge_outside_drain(p);
	cli->drain_deadline = edge_util_now_us() + (int64_t)p->cfg->t_drain_timeout * 1000000;
	cli->drain_timer = g_timeout_add(100, drain_tick, cli);
	return G_SOURCE_CONTINUE;
}

/* SIGHUP: re-read the file and apply what can change without dropping
 * anything: the local user database and traversal accounts (outside, and
 * the embedded TURN server's users), the traversal credentials (inside:
 * used from the next connection).  Everything else needs a restart, and
 * a file that does not validate changes nothing. */
static gboolean
on_reload(gpointer data)
{
	struct edge_cli *cli = data;
	struct edge_proc *p = &cli->p;
	struct edge_config *n = NULL;
	struct ini ini = { 0 };
	char err[EDGE_ERR_MAX];

	sdnotify_reloading();
	if (edge_config_load(&n, cli->path, &ini, err, sizeof(err)) < 0 || n->role != p->cfg->role) {
		plog(PLOG_ERROR, MOD, "reload refused, keeping the running configuration: %s",
		     n ? "the role changed (restart instead)" : err);
		goto out;
	}
	if (p->turn && n->has_turn) {
		struct turn_config *tc;
		struct ini view;
		edge_config_turn_view(n, &ini, &view);
		if (turn_config_from_ini(&tc, &view, err, sizeof(err)) < 0 ||
		    turn_server_reload(p->turn, tc, err, sizeof(err)) < 0) {
			plog(PLOG_ERROR, MOD, "reload of the TURN users refused: %s", err);
			g_free(view.entries);
			goto out;
		}
		g_free(view.entries);
	}
	edge_config_swap_credentials(p->cfg, n);
	plog(PLOG_NOTICE, MOD, "reloaded: %s", p->cfg->role == EDGE_ROLE_OUTSIDE ?
	     "local user database and traversal accounts" : "traversal credentials (next connection)");
out:
	sdnotify_ready(NULL);
	edge_config_free(n);
	ini_free(&ini);
	return G_SOURCE_CONTINUE;
}

static int
start_turn(struct edge_proc *p, const struct ini *ini, char *err, size_t errlen)
{
	struct turn_config *tc;
	struct ini view;
	int rc;

	if (!p->cfg->has_turn)
		return 0;
	edge_config_turn_view(p->cfg, ini, &view);
	rc = turn_config_from_ini(&tc, &view, err, errlen);
	g_free(view.entries);
	if (rc < 0)
		return -1;
	if (!(p->turn = turn_server_start(tc, err, errlen)))
		return -1;
	plog(PLOG_NOTICE, MOD, "embedded TURN server started ([turn]; traversal accounts are not "
	     "TURN users)");
	return 0;
}

static int
check_turn(const struct edge_config *cfg, const struct ini *ini, char *err, size_t errlen)
{
	struct turn_config *tc;
	struct ini view;
	int rc;

	if (!cfg->has_turn)
		return 0;
	edge_config_turn_view(cfg, ini, &view);
	rc = turn_config_from_ini(&tc, &view, err, errlen);
	g_free(view.entries);
	if (rc == 0)
		turn_config_free(tc);
	return rc;
}

/* Guests and WebSockets are file descriptors: use the hard limit. */
static void
raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	if (getrlimit(RLIMIT_NOFILE, &r) == 0)
		plog(PLOG_INFO, MOD, "file descriptor limit %llu", (unsigned long long)r.rlim_cur);
}

static int
run(struct edge_config *cfg, struct ini *ini)
{
	struct edge_cli cli;
	struct edge_proc *p = &cli.p;
	char err[EDGE_ERR_MAX];
	int ret = 1, rc;

	memset(&cli, 0, sizeof(cli));
	cli.path = cfg->path;
	p->cfg = cfg;
	p->started = g_get_real_time();
	p->tunnels = g_ptr_array_new();
	p->t_fd = p->a_fd = -1;
	for (unsigned i = 0; i < EDGE_MAX_LIST; i++)
		p->w_fd[i] = -1;
	g_queue_init(&p->guests);
	snprintf(p->resolution, sizeof(p->resolution), "not resolved yet");
	p->loop = g_main_loop_new(NULL, FALSE);
	/* Signals before the listeners: a SIGTERM during startup is handled
	 * as soon as the loop runs, a clean stop. */
	g_unix_signal_add(SIGTERM, on_stop, &cli);
	g_unix_signal_add(SIGINT, on_stop, &cli);
	g_unix_signal_add(SIGHUP, on_reload, &cli);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	rc = start_turn(p, ini, err, sizeof(err));
	ini_free(ini);
	if (rc < 0 || (cfg->role == EDGE_ROLE_INSIDE ? edge_inside_start(p, err, sizeof(err))
						      : edge_outside_start(p, err, sizeof(err))) < 0 ||
	    edge_admin_start(p, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico edge: %s\n", err);
		plog(PLOG_ERROR, MOD, "cannot start: %s", err);
		goto out;
	}
	sdnotify_ready(cfg->role == EDGE_ROLE_INSIDE ? "inside edge running" : "outside edge running");
	g_main_loop_run(p->loop);
	ret = 0;
out:
	if (cli.drain_timer)
		g_source_remove(cli.drain_timer);
	edge_admin_stop(p);
	if (cfg->role == EDGE_ROLE_INSIDE)
		edge_inside_stop(p);
	else
		edge_outside_stop(p);
	turn_server_stop(p->turn);
	/* Let the conns' deferred frees run. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_ptr_array_free(p->tunnels, TRUE);
	g_main_loop_unref(p->loop);
	plog(PLOG_NOTICE, MOD, "stopped");
	return ret;
}

static const struct cli_role edge_cli_role = {
	.role = "edge",
	.summary = "traversal edge, inside or outside role",
	.check_help = "validate the configuration (and its certificates) and exit",
	.description = "Configuration keys: docs/configuration-edge.md; how it works: docs/edge.md.",
	.conf_hint = "conf/edge-outside.conf and conf/edge-inside.conf",
};

int
edge_main(int argc, char **argv)
{
	char *path = NULL;
	struct edge_config *cfg = NULL;
	struct ini ini = { 0 };
	char err[EDGE_ERR_MAX];
	int ret = 1, check, status;

	if (cli_role_parse(&edge_cli_role, argc, argv, &path, &check, &status) != 0)
		return 2;
	if (edge_config_load(&cfg, path, &ini, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico edge: %s\n", err);
		goto out;
	}
	plog_set_level(cfg->log_level);
	if (status) {
		ini_free(&ini);
		ret = edge_admin_status_main(cfg);
		goto out;
	}
	if (edge_config_check_files(cfg, err, sizeof(err)) < 0 ||
	    check_turn(cfg, &ini, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico edge: %s\n", err);
		ini_free(&ini);
		goto out;
	}
	if (check) {
		printf("%s: configuration OK (%s role)\n", path,
		       cfg->role == EDGE_ROLE_INSIDE ? "inside" : "outside");
		ini_free(&ini);
		ret = 0;
		goto out;
	}
	ret = run(cfg, &ini);
out:
	edge_config_free(cfg);
	g_free(path);
	return ret;
}
