/*
 * dns.c: the inside node's view of the web bridges.
 *
 * Resolution of the Guest account client URI with the inside (system)
 * resolver, as Expressway-C does: SRV _cms-web._tls.<host> first (targets
 * ordered by priority), else the host itself; then A/AAAA for every
 * target.  [dns] entries override both, per name, so a lab or a test never
 * edits the machine's resolver.  Re-resolved every resolve-interval.
 * Health: every health-interval each target gets an HTTPS GET of
 * health-path, certificate verified; a 5xx, a refused connection or a bad
 * certificate marks it Failed until the next good probe.
 * Main loop thread only; GResolver's async calls complete on it.
 */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "edge/edge-dns.h"
#include "edge/edge-http.h"

#define MOD "edge"

struct srv_entry {
	char name[256];
	int port;
	unsigned prio, weight;
};

struct resolve_job {
	struct edge_proc *p;
	struct srv_entry srv[16];
	unsigned nsrv;
	struct edge_target out[32];
	unsigned nout;
	unsigned pending;
	char how[64];
};

static const struct edge_dns_rr *
dns_override(const struct edge_config *cfg, const char *name, int srv)
{
	for (unsigned i = 0; i < cfg->ndns; i++)
		if (cfg->dns[i].srv == srv && !g_ascii_strcasecmp(cfg->dns[i].name, name))
			return &cfg->dns[i];
	return NULL;
}

static void
job_add(struct resolve_job *j, const struct srv_entry *e, const struct sockaddr_storage *a)
{
	struct edge_target *t;

	if (j->nout >= G_N_ELEMENTS(j->out))
		return;
	t = &j->out[j->nout++];
	memset(t, 0, sizeof(*t));
	g_strlcpy(t->name, e->name, sizeof(t->name));
	t->port = e->port;
	t->prio = e->prio;
	t->weight = e->weight;
	t->addr = *a;
	addr_set_port(&t->addr, e->port);
	t->healthy = -1;
}

static void
job_finish(struct resolve_job *j)
{
	struct edge_proc *p = j->p;
	char line[512], a[ADDR_STRLEN];
	int n = 0;

	/* Keep what the health checks learnt about targets that stay. */
	for (unsigned i = 0; i < j->nout; i++)
		for (unsigned k = 0; k < p->ntargets; k++)
			if (!strcmp(p->targets[k].name, j->out[i].name) &&
			    addr_equal(&p->targets[k].addr, &j->out[i].addr)) {
				j->out[i].healthy = p->targets[k].healthy;
				j->out[i].checked = p->targets[k].checked;
				memcpy(j->out[i].why, p->targets[k].why, sizeof(j->out[i].why));
				j->out[i].probe = p->targets[k].probe;
			}
	memcpy(p->targets, j->out, sizeof(j->out[0]) * j->nout);
	p->ntargets = j->nout;
	p->resolved_at = g_get_real_time();
	p->resolving = 0;
	line[0] = '\0';
	for (unsigned i = 0; i < j->nout && n < (int)sizeof(line) - 1; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s %s", i ? ", " : "",
			      j->out[i].name, addr_str(&j->out[i].addr, a, 1));
	if (j->nout)
		snprintf(p->resolution, sizeof(p->resolution), "%s resolved (%s) to the following "
			 "targets: %.300s", p->cfg->w_guest_host, j->how, line);
	else
		snprintf(p->resolution, sizeof(p->resolution), "%s did not resolve (%s)",
			 p->cfg->w_guest_host, j->how);
	plog(j->nout ? PLOG_NOTICE : PLOG_ERROR, MOD, "guest account client URI %s: %s",
	     p->cfg->w_guest_uri, p->resolution);
	g_free(j);
	edge_dns_health_start(p);
}

struct name_req {
	struct resolve_job *j;
	unsigned idx;
};

static void
name_req_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct name_req *r = data;
	struct resolve_job *j = r->j;
	GError *err = NULL;
	GList *l = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &err);

	if (err) {
		plog(PLOG_WARN, MOD, "cannot resolve web bridge %s: %s", j->srv[r->idx].name, err->message);
		g_error_free(err);
	}
	for (GList *x = l; x; x = x->next) {
		GSocketAddress *sa = g_inet_socket_address_new(x->data, 0);
		struct sockaddr_storage a;
		g_socket_address_to_native(sa, &a, sizeof(a), NULL);
		g_object_unref(sa);
		job_add(j, &j->srv[r->idx], &a);
	}
	g_resolver_free_addresses(l);
	g_free(r);
	if (--j->pending == 0)
		job_finish(j);
}

static void
resolve_names(struct resolve_job *j)
{
	GResolver *res = g_resolver_get_default();

	j->pending = 1;                    /* held until the loop below ends */
	for (unsigned i = 0; i < j->nsrv; i++) {
		const struct edge_dns_rr *rr = dns_override(j->p->cfg, j->srv[i].name, 0);
		struct sockaddr_storage a;
		if (rr) {
			for (unsigned k = 0; k < rr->values.n; k++)
				if (addr_parse(rr->values.v[k], 0, &a) == 0)
					job_add(j, &j->srv[i], &a);
		} else if (addr_parse(j->srv[i].name, 0, &a) == 0) {
			job_add(j, &j->srv[i], &a);
		} else {
			struct name_req *r = g_new0(struct name_req, 1);
			r->j = j;
			r->idx = i;
			j->pending++;
			g_resolver_lookup_by_name_async(res, j->srv[i].name, NULL, name_req_done, r);
		}
	}
	g_object_unref(res);
	if (--j->pending == 0)
		job_finish(j);
}

static int
srv_cmp(const void *a, const void *b)
{
	const struct srv_entry *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->weight > y->weight ? -1 : x->weight < y->weight;
}

static void
srv_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct resolve_job *j = data;
	GList *l = g_resolver_lookup_service_finish(G_RESOLVER(src), res, NULL);

	for (GList *x = l; x && j->nsrv < G_N_ELEMENTS(j->srv); x = x->next) {
		struct srv_entry *e = &j->srv[j->nsrv++];
		g_strlcpy(e->name, g_srv_target_get_hostname(x->data), sizeof(e->name));
		e->port = g_srv_target_get_port(x->data);
		e->prio = g_srv_target_get_priority(x->data);
		e->weight = g_srv_target_get_weight(x->data);
	}
	if (l) {
		snprintf(j->how, sizeof(j->how), "SRV _cms-web._tls");
		g_resolver_free_targets(l);
	} else {
		struct srv_entry *e = &j->srv[j->nsrv++];
		g_strlcpy(e->name, j->p->cfg->w_guest_host, sizeof(e->name));
		e->port = j->p->cfg->w_guest_port;
		snprintf(j->how, sizeof(j->how), "no SRV record; A/AAAA");
	}
	resolve_names(j);
}

void
edge_dns_resolve(struct edge_proc *p)
{
	struct resolve_job *j;
	const struct edge_dns_rr *rr;
	char srvname[300];

	if (p->resolving)
		return;
	p->resolving = 1;
	j = g_new0(struct resolve_job, 1);
	j->p = p;
	snprintf(srvname, sizeof(srvname), "_cms-web._tls.%s", p->cfg->w_guest_host);
	if ((rr = dns_override(p->cfg, srvname, 1))) {
		for (unsigned i = 0; i < rr->values.n && j->nsrv < G_N_ELEMENTS(j->srv); i++) {
			struct srv_entry *e = &j->srv[j->nsrv];
			if (sscanf(rr->values.v[i], "%u %u %d %255s", &e->prio, &e->weight, &e->port,
				   e->name) == 4)
				j->nsrv++;
		}
		qsort(j->srv, j->nsrv, sizeof(j->srv[0]), srv_cmp);
		snprintf(j->how, sizeof(j->how), "SRV _cms-web._tls from [dns]");
		resolve_names(j);
		return;
	}
	{
		GResolver *res = g_resolver_get_default();
		g_resolver_lookup_service_async(res, "cms-web", "tls", p->cfg->w_guest_host, NULL,
						srv_done, j);
		g_object_unref(res);
	}
}

/* Smooth weighted round-robin (nginx's) over the usable targets of the best
 * SRV priority: every target is chosen in turn, in proportion to its SRV
 * weight (0 counts as 1).  Unknown health counts as usable. */
struct edge_target *
edge_dns_pick(struct edge_proc *p)
{
	unsigned best = G_MAXUINT;
	long total = 0;
	struct edge_target *pick = NULL;

	for (unsigned i = 0; i < p->ntargets; i++)
		if (p->targets[i].healthy != 0 && p->targets[i].prio < best)
			best = p->targets[i].prio;
	for (unsigned i = 0; i < p->ntargets; i++) {
		struct edge_target *t = &p->targets[i];
		long w = t->weight ? (long)t->weight : 1;
		if (t->healthy == 0 || t->prio != best)
			continue;
		t->cw += w;
		total += w;
		if (!pick || t->cw > pick->cw)
			pick = t;
	}
	if (pick)
		pick->cw -= total;
	return pick;
}

/* ---- health checks ---- */

struct probe {
	struct edge_proc *p;
	char name[256];
	struct sockaddr_storage addr;
	struct edge_conn *c;
	struct edge_buf in;
	guint timer;
};

static struct edge_target *
probe_target(struct probe *pr)
{
	for (unsigned i = 0; i < pr->p->ntargets; i++)
		if (!strcmp(pr->p->targets[i].name, pr->name) &&
		    addr_equal(&pr->p->targets[i].addr, &pr->addr))
			return &pr->p->targets[i];
	return NULL;
}

static void
probe_end(struct probe *pr, int healthy, const char *why)
{
	struct edge_target *t = probe_target(pr);
	char a[ADDR_STRLEN];

	if (t) {
		if (t->healthy != healthy)
			plog(healthy ? PLOG_NOTICE : PLOG_WARN, MOD, "web bridge %s (%s): %s%s%s",
			     t->name, addr_str(&t->addr, a, 1), healthy ? "healthy" : "Failed",
			     healthy ? "" : ": ", healthy ? "" : why);
		t->healthy = healthy;
		t->checked = g_get_real_time();
		g_strlcpy(t->why, healthy ? "" : why, sizeof(t->why));
		t->probe = NULL;
	}
	if (pr->timer)
		g_source_remove(pr->timer);
	edge_conn_close(pr->c);
	edge_buf_free(&pr->in);
	pr->p->probes = g_list_remove(pr->p->probes, pr);
	g_free(pr);
}

static void
probe_ready(struct edge_conn *c)
{
	struct probe *pr = c->ud;
	char why[300], req[512];
	int n;

	if (edge_tls_check_peer(c->tls, pr->p->cfg->w_verify_name, why, sizeof(why)) < 0)
		return probe_end(pr, 0, why);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: portico-edge "
		     "health check\r\nConnection: close\r\n\r\n", pr->p->cfg->w_health_path,
		     pr->p->cfg->w_guest_host);
	edge_conn_write(c, req, (size_t)n);
}

static void
probe_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct probe *pr = c->ud;
	struct edge_http_msg m;
	const char *why = "malformed response";
	char msg[64];
	int rc;

	edge_buf_append(&pr->in, d, n < edge_buf_room(&pr->in) ? n : edge_buf_room(&pr->in));
	rc = edge_http_parse_response((const char *)edge_buf_head(&pr->in), edge_buf_len(&pr->in),
				      pr->in.max, &m, &why);
	if (rc == EDGE_AGAIN)
		return;
	if (rc < 0)
		return probe_end(pr, 0, why);
	snprintf(msg, sizeof(msg), "health check answered %d", m.status);
	probe_end(pr, m.status < 500, msg);
}

static void
probe_closed(struct edge_conn *c, const char *why)
{
	struct probe *pr = c->ud;

	pr->c = NULL;
	probe_end(pr, 0, why);
}

static const struct edge_conn_ops probe_ops = { probe_ready, probe_data, NULL, probe_closed };

static gboolean
probe_timeout(gpointer data)
{
	struct probe *pr = data;

	pr->timer = 0;
	probe_end(pr, 0, "health check timed out");
	return G_SOURCE_REMOVE;
}

static void
probe_start(struct edge_proc *p, struct edge_target *t)
{
	struct probe *pr = g_new0(struct probe, 1);
	gnutls_session_t tls;
	char err[256];

	pr->p = p;
	g_strlcpy(pr->name, t->name, sizeof(pr->name));
	pr->addr = t->addr;
	edge_buf_init(&pr->in, 8192);
	t->probe = pr;
	p->probes = g_list_prepend(p->probes, pr);
	gnutls_init(&tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->b_creds);
	gnutls_server_name_set(tls, GNUTLS_NAME_DNS, p->cfg->w_verify_name, strlen(p->cfg->w_verify_name));
	pr->c = edge_conn_connect(&t->addr, tls, &probe_ops, pr, err, sizeof(err));
	if (!pr->c)
		return probe_end(pr, 0, err);
	pr->timer = g_timeout_add_seconds(p->cfg->w_connect_timeout, probe_timeout, pr);
}

static gboolean
health_tick(gpointer data)
{
	struct edge_proc *p = data;

	for (unsigned i = 0; i < p->ntargets; i++)
		if (!p->targets[i].probe)
			probe_start(p, &p->targets[i]);
	if (!p->resolving && g_get_real_time() - p->resolved_at >
	    (int64_t)p->cfg->w_resolve_interval * 1000000)
		edge_dns_resolve(p);
	return G_SOURCE_CONTINUE;
}

void
edge_dns_health_start(struct edge_proc *p)
{
	if (!p->health_timer)
		p->health_timer = g_timeout_add_seconds(p->cfg->w_health_interval, health_tick, p);
	health_tick(p);
}

void
edge_dns_health_stop(struct edge_proc *p)
{
	if (p->health_timer)
		g_source_remove(p->health_timer);
	p->health_timer = 0;
	while (p->probes)
		probe_end(p->probes->data, 0, "stopping");
}
