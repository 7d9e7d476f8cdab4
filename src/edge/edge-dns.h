/*
 * edge-dns.h: the inside role's web bridges (dns.c): resolving the Guest
 * account client URI ([dns] overrides, SRV, then addresses), picking one
 * (smooth weighted round-robin over healthy targets) and health checks.
 * Main loop thread only.
 */
#ifndef PORTICO_EDGE_DNS_H
#define PORTICO_EDGE_DNS_H

#include "edge/edge-proc.h"

void edge_dns_resolve(struct edge_proc *p);
/* The next web bridge to use, or NULL when none is usable. */
struct edge_target *edge_dns_pick(struct edge_proc *p);
void edge_dns_health_start(struct edge_proc *p);
void edge_dns_health_stop(struct edge_proc *p);

#endif
