/*
 * worker.h: one TURN data-plane thread (worker.c), as the control thread
 * sees it: start, post a control message, stop.  Used by server.c and
 * stats.c.
 */
#ifndef PORTICO_TURN_WORKER_H
#define PORTICO_TURN_WORKER_H

#include "turn/types.h"

/* Binds w's listeners (SO_REUSEPORT) and allocates its buffers.  Control
 * thread, before start; -1 with err set. */
int turn_worker_init(struct turn_worker *w, unsigned id, const struct turn_config *cfg,
		     struct turn_shared *sh, char *err, size_t errlen);
int turn_worker_start(struct turn_worker *w);
/* Queues m for the worker (which frees it).  Any thread. */
void turn_worker_post(struct turn_worker *w, struct ctl_msg *m);
/* Stops the thread (if started) and frees everything w holds. */
void turn_worker_join_free(struct turn_worker *w);
/* Drops one reference of s, whose lock the caller holds (and which this
 * releases); the last one frees s. */
void turn_snapshot_unref_locked(struct snapshot *s);
/* Reads the clocks into w (now, now_ms, wallnow). */
void turn_worker_clock(struct turn_worker *w);

#endif
