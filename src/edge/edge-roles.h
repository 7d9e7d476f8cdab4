/*
 * edge-roles.h: what edge.c starts, drains and stops: the outside role
 * (outside.c), the inside role (inside.c), the status listener (admin.c).
 * Main loop thread only.
 */
#ifndef PORTICO_EDGE_ROLES_H
#define PORTICO_EDGE_ROLES_H

#include "edge/edge-proc.h"

int edge_outside_start(struct edge_proc *p, char *err, size_t errlen);
void edge_outside_drain(struct edge_proc *p);
int edge_outside_busy(const struct edge_proc *p);
void edge_outside_stop(struct edge_proc *p);
int edge_inside_start(struct edge_proc *p, char *err, size_t errlen);
void edge_inside_drain(struct edge_proc *p);
int edge_inside_busy(const struct edge_proc *p);
void edge_inside_stop(struct edge_proc *p);
int edge_admin_start(struct edge_proc *p, char *err, size_t errlen);
void edge_admin_stop(struct edge_proc *p);
int edge_admin_status_main(const struct edge_config *cfg);

#endif
