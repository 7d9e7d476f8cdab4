/*
 * Unit tests of src/edge/dns.c: smooth weighted round-robin by SRV
 * priority and weight over healthy targets (edge_dns_pick), resolution
 * from [dns] overrides (SRV then addresses), health checks that mark a
 * web bridge nobody listens for as Failed.
 */
#include <netinet/in.h>

#include "edge/edge-dns.h"
#include "edge_fixture.h"
#include "tap.h"

static void
target(struct edge_target *t, const char *name, unsigned prio, unsigned weight, int healthy)
{
	memset(t, 0, sizeof(*t));
	g_strlcpy(t->name, name, sizeof(t->name));
	t->prio = prio;
	t->weight = weight;
	t->healthy = healthy;
	addr_parse("127.0.0.1", 443, &t->addr);
}

static void
test_pick(void)
{
	struct edge_proc *p = &fx_p;
	int a = 0, b = 0;

	target(&p->targets[0], "a", 10, 3, 1);
	target(&p->targets[1], "b", 10, 1, -1);
	target(&p->targets[2], "c", 20, 1, 1);
	p->ntargets = 3;
	for (int i = 0; i < 8; i++) {
		struct edge_target *t = edge_dns_pick(p);
		a += t == &p->targets[0];
		b += t == &p->targets[1];
	}
	ok(a == 6 && b == 2, "weights 3:1 at the best priority (%d:%d), unknown health usable", a, b);
	p->targets[0].healthy = p->targets[1].healthy = 0;
	ok(edge_dns_pick(p) == &p->targets[2], "both failed: the next priority");
	p->targets[2].healthy = 0;
	ok(edge_dns_pick(p) == NULL, "none usable: NULL");
	p->targets[1].weight = 0;
	p->targets[1].healthy = 1;
	ok(edge_dns_pick(p) == &p->targets[1], "weight 0 counts as 1");
	p->ntargets = 0;
	ok(edge_dns_pick(p) == NULL, "no targets: NULL");
}

static void
test_resolve_and_health(void)
{
	static char srvname[] = "_cms-web._tls." FX_HOST, srv1[64], srv2[] = "20 1 443 192.0.2.9";
	static char wb[] = "wb1.example.com", wba[] = "127.0.0.1";
	struct edge_proc *p = &fx_p;

	snprintf(srv1, sizeof(srv1), "10 5 %d wb1.example.com", fx_closed_port());
	fx_cfg.dns[0].name = srvname;
	fx_cfg.dns[0].srv = 1;
	fx_cfg.dns[0].values.v[0] = srv1;
	fx_cfg.dns[0].values.v[1] = srv2;
	fx_cfg.dns[0].values.n = 2;
	fx_cfg.dns[1].name = wb;
	fx_cfg.dns[1].values.v[0] = wba;
	fx_cfg.dns[1].values.n = 1;
	fx_cfg.ndns = 2;
	edge_dns_resolve(p);
	is_int(p->ntargets, 2, "two targets from the [dns] SRV override");
	is_str(p->targets[0].name, "wb1.example.com", "best priority first");
	is_int(p->targets[0].prio, 10, "its priority");
	is_int(p->targets[1].port, 443, "a literal address target keeps its port");
	ok(strstr(p->resolution, "resolved (SRV _cms-web._tls from [dns])") != NULL,
	   "the outcome is told: %s", p->resolution);
	ok(!p->resolving, "resolution done");
	for (int i = 0; i < 1000 && p->targets[0].healthy != 0; i++)
		g_main_context_iteration(NULL, TRUE);
	is_int(p->targets[0].healthy, 0, "a web bridge nobody listens for is Failed");
	ok(p->targets[0].why[0] != '\0', "with a reason: %s", p->targets[0].why);
	edge_dns_health_stop(p);
	ok(p->probes == NULL && !p->health_timer, "health checks stopped");
	fx_cfg.ndns = 0;
	p->ntargets = 0;
}

int
main(void)
{
	fx_proc_init();
	test_pick();
	test_resolve_and_health();
	fx_loop();
	return tap_done();
}
