/*
 * stats.h: metrics and /status (stats.c).  Control thread; uses worker.h.
 */
#ifndef PORTICO_TURN_STATS_H
#define PORTICO_TURN_STATS_H

#include <glib.h>

#include "turn/types.h"

void turn_stats_metrics(const struct turn_worker *w, unsigned n, unsigned users, GString *out);
/* -ETIMEDOUT when a worker did not answer within 2 s. */
int turn_stats_status(struct turn_worker *w, unsigned n, const char *realm, int text, GString *out);

#endif
