/*
 * tcp.h: TCP and TLS clients (tcp.c): accepting, reading frames into the
 * handler, closing.  Worker thread only; worker.c is the only user.
 */
#ifndef PORTICO_TURN_TCP_H
#define PORTICO_TURN_TCP_H

#include "turn/types.h"

/* Accepts every pending connection of listener ev (tls: a tls-listen one);
 * local is the listener's configured address. */
void turn_tcp_accept(struct turn_worker *w, struct ev *ev, const struct sockaddr_storage *local,
		     int tls);
/* Handles epoll events on t (which may be freed on return). */
void turn_tcp_event(struct turn_worker *w, struct tcp_conn *t, uint32_t events);
/* Ends t (and its allocation); why is logged. */
void turn_tcp_close(struct turn_worker *w, struct tcp_conn *t, const char *why);
/* Once a second: closes broken connections and idle ones without an allocation. */
void turn_tcp_sweep(struct turn_worker *w);

#endif
