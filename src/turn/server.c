/* server.c: the control side of a TURN server: workers, reload, stop.
 * Control thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "turn/turn.h"
#include "turn/stats.h"
#include "turn/worker.h"

#define SETERR(...) snprintf(err, errlen, __VA_ARGS__)

struct turn_server {
	struct turn_config *cfg;
	struct turn_shared shared;
	int shared_ok;
	unsigned nworkers;
	struct turn_worker *workers;
};

static unsigned
nworkers_for(const struct turn_config *cfg)
{
	long n = cfg->workers ? (long)cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}

struct turn_server *
turn_server_start(struct turn_config *cfg, char *err, size_t errlen)
{
	struct turn_server *srv = calloc(1, sizeof(*srv));
	char ls[ADDR_STRLEN], rs[ADDR_STRLEN];

	if (!srv) {
		SETERR("out of memory");
		turn_config_free(cfg);
		return NULL;
	}
	srv->cfg = cfg;
	plog_set_level(cfg->log_level);
	if (turn_shared_init(&srv->shared, cfg) < 0) {
		SETERR("cannot initialise shared state (memory or random source)");
		goto fail;
	}
	srv->shared_ok = 1;
	srv->nworkers = nworkers_for(cfg);
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	if (!srv->workers) {
		SETERR("out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < srv->nworkers; i++) {
		if (turn_worker_init(&srv->workers[i], i, cfg, &srv->shared, err, errlen) < 0)
			goto fail;
		srv->workers[i].total_bps_share = cfg->max_total_bps / srv->nworkers;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (turn_worker_start(&srv->workers[i]) < 0) {
			SETERR("cannot start worker thread %u", i);
			goto fail;
		}
	for (unsigned i = 0; i < cfg->nlisten; i++)
		plog(PLOG_INFO, "turn", "listening on %s (UDP and TCP)", addr_str(&cfg->listen[i], ls, 1));
	for (unsigned i = 0; i < cfg->ntls; i++)
		plog(PLOG_INFO, "turn", "listening on %s (TLS)", addr_str(&cfg->tls_listen[i], ls, 1));
	for (int f = 0; f < 2; f++)
		if (cfg->relay_addr[f].ss_family)
			plog(PLOG_INFO, "turn", "relaying on %s ports %u-%u%s%s",
			     addr_str(&cfg->relay_addr[f], rs, 0), cfg->port_lo, cfg->port_hi,
			     cfg->external_addr[f].ss_family ? ", advertised as " : "",
			     cfg->external_addr[f].ss_family ? addr_str(&cfg->external_addr[f], ls, 0) : "");
	plog(PLOG_INFO, "turn", "started: realm=%s workers=%u users=%u", cfg->realm,
	     srv->nworkers, cfg->users->n);
	return srv;
fail:
	turn_server_stop(srv);
	return NULL;
}

int
turn_server_reload(struct turn_server *srv, struct turn_config *cfg, char *err, size_t errlen)
{
	if (strcmp(cfg->realm, srv->cfg->realm) != 0) {
		/* Keys are MD5(user:realm:password): a new realm needs new nonces,
		 * new keys and new clients at once, i.e. a restart. */
		SETERR("the realm changed (%s -> %s); restart to apply it", srv->cfg->realm, cfg->realm);
		turn_config_free(cfg);
		return -1;
	}
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct ctl_msg *m = calloc(1, sizeof(*m));
		if (!m) {
			SETERR("out of memory");
			turn_config_free(cfg);
			return -1;
		}
		m->type = CTL_USERS;
		m->users = turn_users_ref(cfg->users);
		turn_worker_post(&srv->workers[i], m);
	}
	plog(PLOG_NOTICE, "turn", "reloaded %s: %u users, %u REST secrets%s (listeners, relays and limits "
	     "change at restart)", cfg->path, cfg->users->n, cfg->users->nsecrets,
	     cfg->users->cert ? ", TLS certificate" : "");
	plog_set_level(cfg->log_level);
	/* The old config stays: workers read its other fields for their life. */
	turn_config_free(cfg);
	return 0;
}

void
turn_server_metrics(struct turn_server *srv, GString *out)
{
	turn_stats_metrics(srv->workers, srv->nworkers, srv->cfg->users->n, out);
}

int
turn_server_status(struct turn_server *srv, int text, GString *out)
{
	return turn_stats_status(srv->workers, srv->nworkers, srv->cfg->realm, text, out);
}

void
turn_server_stop(struct turn_server *srv)
{
	if (!srv)
		return;
	for (unsigned i = 0; i < srv->nworkers && srv->workers; i++)
		turn_worker_join_free(&srv->workers[i]);
	free(srv->workers);
	if (srv->shared_ok)
		turn_shared_free(&srv->shared);
	turn_config_free(srv->cfg);
	free(srv);
}
