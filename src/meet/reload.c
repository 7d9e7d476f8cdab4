/*
 * reload.c: SIGHUP for `portico meet`.  What an administrator changes
 * while calls run: the log level, and certificates (renewed in place, so
 * they are re-read even when their paths did not change).  Listeners,
 * media workers and the rest are bound at start: a changed key among those
 * is named in the log as waiting for a restart, so an edit is never
 * silently ignored.  Loop thread.
 */
#include <stddef.h>
#include <string.h>

#include <libsoup/soup.h>

#include "common/plog.h"
#include "meet/meet-internal.h"

/* Keys reload applies itself (below), and where they live; every other
 * changed key waits for a restart. */
static const struct {
	const char *section, *key;
	size_t off;                 /* a char * in struct meet_config */
} live_keys[] = {
	{ "meet", "log-level", offsetof(struct meet_config, log_level) },
	{ "webbridge", "certificate", offsetof(struct meet_config, web_cert) },
	{ "webbridge", "key", offsetof(struct meet_config, web_key) },
	{ "api", "certificate", offsetof(struct meet_config, api_cert) },
	{ "api", "key", offsetof(struct meet_config, api_key) },
};

static int
reload_is_live(const char *section, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(live_keys); i++)
		if (!strcmp(live_keys[i].section, section) && !strcmp(live_keys[i].key, key))
			return 1;
	return 0;
}

static void
reload_note(const char *section, const char *key, void *ctx)
{
	unsigned *restart = ctx;

	if (reload_is_live(section, key)) {
		plog(PLOG_INFO, "meet", "reload: [%s] %s changed: applied", section, key);
		return;
	}
	plog(PLOG_WARN, "meet", "reload: [%s] %s changed: takes effect at the next restart", section, key);
	(*restart)++;
}

/* Loads one listener's new certificate; NULL (logged) when it fails. */
static GTlsCertificate *
reload_cert(SoupServer *server, const char *what, const char *cert, const char *key)
{
	GError *e = NULL;
	GTlsCertificate *tls;

	if (!server)
		return NULL;
	if (!(tls = meet_api_cert_load(cert, key, &e))) {
		plog(PLOG_ERROR, "meet", "reload: %s certificate %s not loaded: %s", what, cert, e->message);
		g_error_free(e);
	}
	return tls;
}

/* Both certificates or neither: new TLS connections get the new ones,
 * open connections keep theirs.  0, or -1 when either failed to load. */
static int
reload_certs(struct meet_server *srv, const struct meet_config *next)
{
	SoupServer *web = meet_web_server(srv), *api = meet_api_server(srv);
	GTlsCertificate *w = reload_cert(web, "web bridge", next->web_cert, next->web_key);
	GTlsCertificate *a = reload_cert(api, "API", next->api_cert, next->api_key);
	int ok = (w || !web) && (a || !api);

	if (ok && w)
		g_object_set(web, "tls-certificate", w, NULL);
	if (ok && a)
		g_object_set(api, "tls-certificate", a, NULL);
	if (ok)
		plog(PLOG_INFO, "meet", "reload: certificates loaded (web bridge %s, API %s)",
		     next->web_cert, next->api_cert);
	g_clear_object(&w);
	g_clear_object(&a);
	return ok ? 0 : -1;
}

/* Moves the live keys of next into cur (each owns its strings). */
static void
reload_take(struct meet_config *cur, struct meet_config *next)
{
	for (size_t i = 0; i < G_N_ELEMENTS(live_keys); i++) {
		char **a = (char **)((char *)cur + live_keys[i].off);
		char **b = (char **)((char *)next + live_keys[i].off);
		char *t = *a;

		*a = *b;
		*b = t;
	}
}

void
meet_reload(struct meet_server *srv)
{
	struct meet_config next;
	char err[4096];
	unsigned restart = 0;
	int bad;

	memset(&next, 0, sizeof(next));
	plog(PLOG_INFO, "meet", "reload: reading %s", srv->cfg.path);
	if (meet_config_load(&next, srv->cfg.path, err, sizeof(err)) < 0) {
		plog(PLOG_ERROR, "meet", "reload refused, the running configuration stays: %s", err);
		return;
	}
	meet_config_diff(&srv->cfg, &next, reload_note, &restart);
	bad = reload_certs(srv, &next) < 0;
	if (!bad) {
		reload_take(&srv->cfg, &next);
		plog_set_level(plog_level_parse(srv->cfg.log_level));
	}
	plog(bad ? PLOG_ERROR : PLOG_INFO, "meet", "reload %s; %u changed key%s wait%s for a restart",
	     bad ? "refused: certificates and log level unchanged" : "done", restart,
	     restart == 1 ? "" : "s", restart == 1 ? "s" : "");
	meet_config_free(&next);
}
