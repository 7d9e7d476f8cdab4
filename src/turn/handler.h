/*
 * handler.h: what the request handler offers the worker and TCP files.
 * Worker thread only.
 */
#ifndef PORTICO_TURN_HANDLER_H
#define PORTICO_TURN_HANDLER_H

#include "turn/types.h"

/* handler.c: one datagram or TCP frame from a client. */
void turn_handler_client_data(struct turn_worker *w, const struct client *c,
			      uint8_t *buf, size_t len);
/* TCP framing: like stun_frame_length, honouring legacy-channels. */
long turn_handler_frame_length(const struct turn_worker *w, const uint8_t *buf, size_t avail);
/* indication.c: data from a peer arrived on a relay socket; buf has
 * RX_HEADROOM before it and room after it for padding. */
void turn_indication_peer_data(struct turn_worker *w, struct relay *rl,
			       const struct sockaddr_storage *from, uint8_t *buf, size_t len);

#endif
