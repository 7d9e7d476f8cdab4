/*
 * main.c: `portico meet` — arguments, config, first-start seed, the
 * control-plane main loop, and orderly teardown (every allocation freed,
 * so LeakSanitizer stays quiet).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gnutls/gnutls.h>

#include "common/plog.h"
#include "common/sdnotify.h"
#include "meet/callbridge.h"
#include "meet/cdr.h"
#include "meet/meet-ldap.h"
#include "meet/link.h"
#include "meet/meet-internal.h"
#include "meet/meet.h"

#define SEED_MARK "00000000-0000-0000-0000-00000000seed"

static void
usage(FILE *f)
{
	fprintf(f, "usage: portico meet -c FILE            run the meeting server\n"
		   "       portico meet --check -c FILE    validate the configuration\n"
		   "       portico meet -c FILE user add NAME   create an API user (password on stdin)\n");
}

struct args {
	const char *config;
	int check;
	const char *user_add;
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			a->config = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			a->check = 1;
		} else if (!strcmp(argv[i], "user") && i + 2 < argc && !strcmp(argv[i + 1], "add")) {
			a->user_add = argv[i + 2];
			i += 2;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "portico meet: unexpected argument \"%s\"\n", argv[i]);
			return -1;
		}
	}
	if (!a->config) {
		fprintf(stderr, "portico meet: -c FILE is required\n");
		return -1;
	}
	return 0;
}

/* --check: the certificates and keys must load too. */
static int
check_files(const struct meet_config *c)
{
	const char *pairs[][2] = { { c->web_cert, c->web_key }, { c->api_cert, c->api_key } };

	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		GError *e = NULL;
		GTlsCertificate *t = g_tls_certificate_new_from_files(pairs[i][0], pairs[i][1], &e);
		if (!t) {
			fprintf(stderr, "portico meet: %s / %s: %s\n", pairs[i][0], pairs[i][1], e->message);
			g_error_free(e);
			return -1;
		}
		g_object_unref(t);
	}
	return 0;
}

/* Reads one line (the password) from stdin; new string or NULL. */
static char *
read_password(void)
{
	char buf[1100];
	size_t n;

	if (!fgets(buf, sizeof(buf), stdin))
		return NULL;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	char *p = g_strdup(buf);
	gnutls_memset(buf, 0, sizeof(buf));
	return p;
}

static int
user_add(struct meet_config *cfg, const char *name)
{
	char err[512];
	struct meet_store *st = meet_store_open(cfg->state_dir, cfg->database, err, sizeof(err));
	char *pw;
	int ret = 1;

	if (!st) {
		fprintf(stderr, "portico meet: %s\n", err);
		return 1;
	}
	if (isatty(0))
		fprintf(stderr, "password for %s: ", name);
	pw = read_password();
	if (!pw) {
		fprintf(stderr, "portico meet: no password on standard input\n");
	} else if (meet_auth_user_add(st, name, pw, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico meet: %s\n", err);
	} else {
		printf("API user \"%s\" saved\n", name);
		ret = 0;
	}
	if (pw)
		gnutls_memset(pw, 0, strlen(pw));
	g_free(pw);
	meet_store_close(st);
	return ret;
}

/* First start: the seed's space and inbound rules for both domains. */
static int
seed_db(struct meet_server *srv)
{
	struct meet_store *st = srv->store;
	char *space = g_uuid_string_random();
	int ok;

	if (!srv->cfg.seed || meet_store_exists(st, "_meta", SEED_MARK, NULL) ||
	    meet_store_count(st, "coSpaces") > 0 || meet_store_count(st, "inboundDialPlanRules") > 0) {
		g_free(space);
		return 0;
	}
	ok = meet_store_begin(st) == 0 && meet_store_insert(st, "_meta", SEED_MARK, NULL) == 0 &&
	     meet_store_insert(st, "coSpaces", space, NULL) == 0 &&
	     meet_store_set(st, space, "name", "Proxy webRTC") == 0 &&
	     meet_store_set(st, space, "uri", "proxywebrtc") == 0 &&
	     meet_store_set(st, space, "callId", "100101") == 0;
	if (ok) {
		const struct meet_coll *c = meet_schema_find("coSpaces");
		GHashTable *none = g_hash_table_new(g_str_hash, g_str_equal);
		c->complete(st, space, 1, none);
		g_hash_table_unref(none);
	}
	for (unsigned i = 0; ok && i < srv->cfg.seed_domains.n; i++) {
		char *rule = g_uuid_string_random();
		ok = meet_store_insert(st, "inboundDialPlanRules", rule, NULL) == 0 &&
		     meet_store_set(st, rule, "domain", srv->cfg.seed_domains.d[i]) == 0 &&
		     meet_store_set(st, rule, "priority", "0") == 0 &&
		     meet_store_set(st, rule, "resolveTocoSpaces", "true") == 0;
		g_free(rule);
	}
	g_free(space);
	if (!ok || meet_store_commit(st) < 0) {
		meet_store_rollback(st);
		return -1;
	}
	meet_event(PLOG_INFO, "first start: created space \"Proxy webRTC\" (proxywebrtc, call ID 100101)"
		   " and inbound rules for %u domains", srv->cfg.seed_domains.n);
	return 0;
}

static gboolean
on_signal(gpointer data)
{
	struct meet_server *srv = data;

	plog(PLOG_INFO, "meet", "stopping");
	sdnotify_stopping();
	g_main_loop_quit(srv->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_reload(gpointer data)
{
	struct meet_server *srv = data;

	sdnotify_reloading();
	meet_reload(srv);
	sdnotify_ready("serving");
	return G_SOURCE_CONTINUE;
}

static int
start(struct meet_server *srv)
{
	char err[512];
	GError *e = NULL;

	if (!(srv->store = meet_store_open(srv->cfg.state_dir, srv->cfg.database, err, sizeof(err))) ||
	    meet_events_open(srv->cfg.event_log, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico meet: %s\n", err);
		return -1;
	}
	if (seed_db(srv) < 0) {
		fprintf(stderr, "portico meet: first-start seed failed: %s\n", meet_store_errmsg(srv->store));
		return -1;
	}
	if (!(srv->cluster = meet_cluster_start(srv, err, sizeof(err)))) {
		fprintf(stderr, "portico meet: %s\n", err);
		return -1;
	}
	srv->auth_limit = meet_limit_new((unsigned)srv->cfg.auth_attempts, (unsigned)srv->cfg.auth_window,
					 (unsigned)srv->cfg.auth_prefix4, (unsigned)srv->cfg.auth_prefix6);
	srv->guest_limit = meet_limit_new((unsigned)srv->cfg.guest_attempts, (unsigned)srv->cfg.guest_window,
					  (unsigned)srv->cfg.guest_prefix4, (unsigned)srv->cfg.guest_prefix6);
	srv->space_limit = meet_limit_space_new((unsigned)srv->cfg.space_attempts,
						(unsigned)srv->cfg.space_window,
						(unsigned)srv->cfg.space_max_delay);
	srv->link = meet_link_new(1, srv->cfg.guest_jid_domain);
	srv->cdr = meet_cdr_new(srv);
	srv->cb = meet_cb_new(srv);
	if (meet_web_start(srv, &e) < 0 || meet_api_start(srv, &e) < 0 || meet_metrics_start(srv, &e) < 0) {
		fprintf(stderr, "portico meet: cannot listen: %s\n", e->message);
		g_error_free(e);
		return -1;
	}
	meet_link_start(srv->link, srv->cfg.web_trust, srv->cfg.cb_cert, (unsigned)srv->cfg.link_retry);
	return 0;
}

static void
stop(struct meet_server *srv)
{
	meet_metrics_stop(srv);
	meet_api_stop(srv);
	meet_ldap_free(srv->ldap);
	meet_web_stop(srv);
	meet_cb_free(srv->cb);
	meet_cdr_free(srv->cdr);
	meet_link_free(srv->link);
	meet_limit_free(srv->auth_limit);
	meet_limit_free(srv->guest_limit);
	meet_limit_free(srv->space_limit);
	meet_cluster_stop(srv->cluster);
	meet_store_close(srv->store);
	meet_auth_shutdown();
	meet_events_close();
}

static int
run(struct meet_server *srv)
{
	guint s1, s2, s3;
	int ret = 1;

	signal(SIGPIPE, SIG_IGN);
	srv->loop = g_main_loop_new(NULL, FALSE);
	srv->started = g_get_monotonic_time();
	if (start(srv) == 0) {
		s1 = g_unix_signal_add(SIGINT, on_signal, srv);
		s2 = g_unix_signal_add(SIGTERM, on_signal, srv);
		s3 = g_unix_signal_add(SIGHUP, on_reload, srv);
		plog(PLOG_INFO, "meet", "portico meet %s ready", PORTICO_MEET_VERSION);
		sdnotify_ready("serving");
		g_main_loop_run(srv->loop);
		g_source_remove(s1);
		g_source_remove(s2);
		g_source_remove(s3);
		ret = 0;
	}
	stop(srv);
	/* Let pending idle/GTask completions release their references. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_main_loop_unref(srv->loop);
	return ret;
}

int
meet_main(int argc, char **argv)
{
	struct meet_server srv;
	struct args a;
	char err[4096];   /* every configuration problem, one a line */
	int ret;

	memset(&srv, 0, sizeof(srv));
	if (parse_args(argc, argv, &a) < 0) {
		usage(stderr);
		return 2;
	}
	if (meet_config_load(&srv.cfg, a.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico meet: %s\n", err);
		return 1;
	}
	plog_set_level(plog_level_parse(srv.cfg.log_level));
	if (a.check) {
		ret = check_files(&srv.cfg);
		if (ret == 0)
			printf("%s: ok\n", a.config);
		ret = ret ? 1 : 0;
	} else if (a.user_add) {
		ret = user_add(&srv.cfg, a.user_add);
	} else {
		ret = run(&srv);
	}
	meet_config_free(&srv.cfg);
	return ret;
}
