/*
 * tls.h: stream I/O for TCP and TLS clients (tls.c).  Worker thread; uses
 * only types.h.  recv/send return bytes, 0 at EOF (recv), -EAGAIN, or
 * another negative error.
 */
#ifndef PORTICO_TURN_TLS_H
#define PORTICO_TURN_TLS_H

#include <sys/types.h>

#include "turn/types.h"

/* Starts a server session on t's socket holding a reference on cred. */
int turn_tls_start(struct tcp_conn *t, struct turn_users *cred);
/* 0 done, -EAGAIN in progress, -EPROTO failed with *why set. */
int turn_tls_handshake(struct tcp_conn *t, const char **why);
/* Does the handshake in progress want the socket writable? */
int turn_tls_wants_write(const struct tcp_conn *t);
ssize_t turn_tls_recv(struct tcp_conn *t, uint8_t *buf, size_t cap);
ssize_t turn_tls_send(struct tcp_conn *t, const uint8_t *buf, size_t len);
/* Ends the session and drops the credentials; NULL-session safe. */
void turn_tls_free(struct tcp_conn *t);

#endif
