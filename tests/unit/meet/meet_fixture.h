/*
 * meet_fixture.h: a `portico meet` server context for unit tests and the
 * API fuzzer: a temporary state directory, a config loaded from a
 * written file, the SQLite store, event log, limiters, an unstarted link
 * and the call bridge; no listener.  Header-only; loop thread.
 */
#ifndef PORTICO_MEET_FIXTURE_H
#define PORTICO_MEET_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meet/api-internal.h"
#include "meet/callbridge.h"
#include "meet/link.h"

#define FIX_USER "admin"
#define FIX_PASSWORD "unit-test-pw-1"
/* "Basic base64(admin:unit-test-pw-1)" */
#define FIX_AUTH "Basic YWRtaW46dW5pdC10ZXN0LXB3LTE="

struct fixture {
	char *dir;
	struct meet_server srv;
	struct api api;
};

/* extra: more INI lines (may be NULL).  0 or -1 with a message on stderr. */
__attribute__((unused))
static int
fixture_open(struct fixture *fx, const char *extra)
{
	char err[512], *conf, *text;
	int rc;

	memset(fx, 0, sizeof(*fx));
	fx->dir = g_dir_make_tmp("meet-unit-XXXXXX", NULL);
	conf = g_build_filename(fx->dir, "meet.conf", NULL);
	text = g_strdup_printf("[meet]\nstate = %s/state\nlog-level = error\n"
			       "[webbridge]\ncertificate = /nonexistent.crt\nkey = /nonexistent.key\n"
			       "[media]\nworkers = 1\n"
			       "[api]\ncertificate = /nonexistent.crt\nkey = /nonexistent.key\n%s",
			       fx->dir, extra ? extra : "");
	g_file_set_contents(conf, text, -1, NULL);
	g_free(text);
	rc = meet_config_load(&fx->srv.cfg, conf, err, sizeof(err));
	g_free(conf);
	if (rc < 0 || !(fx->srv.store = meet_store_open(fx->srv.cfg.state_dir, fx->srv.cfg.database, err, sizeof(err))) ||
	    meet_events_open(fx->srv.cfg.event_log, err, sizeof(err)) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	fx->srv.auth_limit = meet_limit_new((unsigned)fx->srv.cfg.auth_attempts,
					    (unsigned)fx->srv.cfg.auth_window,
					    (unsigned)fx->srv.cfg.auth_prefix4, (unsigned)fx->srv.cfg.auth_prefix6);
	fx->srv.guest_limit = meet_limit_new((unsigned)fx->srv.cfg.guest_attempts,
					     (unsigned)fx->srv.cfg.guest_window,
					     (unsigned)fx->srv.cfg.guest_prefix4, (unsigned)fx->srv.cfg.guest_prefix6);
	fx->srv.space_limit = meet_limit_space_new((unsigned)fx->srv.cfg.space_attempts,
						   (unsigned)fx->srv.cfg.space_window,
						   (unsigned)fx->srv.cfg.space_max_delay);
	fx->srv.started = g_get_monotonic_time();
	fx->srv.link = meet_link_new(1, "unit.test");
	fx->srv.cb = meet_cb_new(&fx->srv);
	fx->api.srv = &fx->srv;
	fx->api.offline = 1;
	fx->srv.api = &fx->api;
	return meet_auth_user_add(fx->srv.store, FIX_USER, FIX_PASSWORD, err, sizeof(err));
}

__attribute__((unused))
static void
fixture_close(struct fixture *fx)
{
	char *rm;

	meet_cb_free(fx->srv.cb);
	meet_link_free(fx->srv.link);
	meet_limit_free(fx->srv.auth_limit);
	meet_limit_free(fx->srv.guest_limit);
	meet_limit_free(fx->srv.space_limit);
	meet_store_close(fx->srv.store);
	meet_auth_shutdown();
	meet_events_close();
	meet_config_free(&fx->srv.cfg);
	rm = g_strdup_printf("rm -rf '%s'", fx->dir);
	if (system(rm) != 0)
		fprintf(stderr, "fixture: could not remove %s\n", fx->dir);
	g_free(rm);
	g_free(fx->dir);
}

/* One request with the right credentials from 192.0.2.10.  out is the
 * caller's (meet_api_out_clear). */
__attribute__((unused))
static unsigned
fixture_req(struct fixture *fx, const char *method, const char *path, const char *query,
	    const char *body, struct api_out *out)
{
	struct api_in in = { .method = method, .path = path, .query = query,
			     .authorization = FIX_AUTH, .body = body,
			     .body_len = body ? strlen(body) : 0, .peer = "192.0.2.10" };

	meet_api_handle(&fx->api, &in, out);
	return out->status;
}

#endif
