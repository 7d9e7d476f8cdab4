/*
 * io.h: what the data plane writes (io.c): the worker's transmit batch
 * (sendmmsg), TCP clients' write buffers, epoll registration and the
 * worker's cheap random numbers.  Worker thread only; uses tls.h and
 * types.h, nothing above.
 */
#ifndef PORTICO_TURN_IO_H
#define PORTICO_TURN_IO_H

#include "turn/types.h"

/* Queue a datagram (buf must stay valid until the batch is flushed, i.e.
 * until the current event has been handled) or write to a TCP client. */
void turn_io_send_client(struct turn_worker *w, const struct client *c,
			 const uint8_t *buf, size_t len);
void turn_io_send_udp(struct turn_worker *w, int fd, const uint8_t *buf, size_t len,
		      const struct sockaddr_storage *to);
/* Sends the batch and recycles the arena (turn_io_flush's slow half). */
void turn_io_send_batch(struct turn_worker *w);

/* Send everything queued now (before a socket or buffer goes away).
 * Inline: the loop calls it after every event, mostly with nothing queued. */
static inline void
turn_io_flush(struct turn_worker *w)
{
	if (w->ntx || w->ntxbuf)
		turn_io_send_batch(w);
}
/* A response slot from the transmit arena (valid until flush). */
uint8_t *turn_io_tx_slot(struct turn_worker *w);
/* Writes what t's buffer holds; -1 when the connection failed. */
int turn_io_tcp_write(struct turn_worker *w, struct tcp_conn *t);
/* Arms EPOLLOUT on t when want differs from what is armed. */
void turn_io_want_out(struct turn_worker *w, struct tcp_conn *t, int want);
int turn_io_watch(struct turn_worker *w, struct ev *ev, uint32_t events);
/* Removes and closes a registered socket. */
void turn_io_close(struct turn_worker *w, int fd);
uint64_t turn_io_rand(struct turn_worker *w);

#endif
