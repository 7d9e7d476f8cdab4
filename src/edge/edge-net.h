/*
 * edge-net.h: edge_conn, one non-blocking socket with optional TLS on the main
 * loop (conn.c).
 */
#ifndef PORTICO_EDGE_NET_H
#define PORTICO_EDGE_NET_H

#include "edge/edge-tls.h"

/* ---- conn.c: a non-blocking socket (+ optional TLS) on the main loop ---- */

struct edge_conn;

/* Callbacks run from the main loop dispatch, never from inside an
 * edge_conn_* call.  After closed() returns the conn is freed. */
struct edge_conn_ops {
	void (*ready)(struct edge_conn *c);        /* connected / handshake done */
	void (*data)(struct edge_conn *c, const uint8_t *p, size_t n);
	void (*drained)(struct edge_conn *c);      /* output queue fell to low water */
	void (*closed)(struct edge_conn *c, const char *why);
};

struct edge_conn {
	int fd;
	gnutls_session_t tls;
	void *src;                     /* GSource */
	void *idle;                    /* GSource: resume reading buffered TLS */
	const struct edge_conn_ops *ops;
	void *ud;
	struct edge_buf out;
	size_t tls_retry;              /* length of an interrupted record send */
	unsigned connecting : 1, handshaking : 1, paused : 1, dead : 1,
		 close_after_flush : 1, eof : 1, ready_sent : 1;
	struct sockaddr_storage peer;
	char peer_str[ADDR_STRLEN];
	uint64_t queued;               /* bytes ever accepted by edge_conn_write */
	uint64_t sent;                 /* bytes ever handed to the socket or GnuTLS */
};

#define EDGE_CONN_OUT_MAX (4u << 20)
#define EDGE_CONN_LOW_WATER (64u << 10)

/* Takes ownership of fd (non-blocking) and tls (may be NULL).  connecting:
 * wait for a non-blocking connect() first.  tls: handshake before ready. */
struct edge_conn *edge_conn_new(int fd, gnutls_session_t tls, int connecting,
				const struct edge_conn_ops *ops, void *ud);
/* Start a non-blocking TCP connect to addr; NULL with err on immediate failure. */
struct edge_conn *edge_conn_connect(const struct sockaddr_storage *addr, gnutls_session_t tls,
				    const struct edge_conn_ops *ops, void *ud,
				    char *err, size_t errlen);
/* Queue bytes; -1 if the output cap would be exceeded (caller closes). */
int edge_conn_write(struct edge_conn *c, const void *p, size_t n);
size_t edge_conn_pending(const struct edge_conn *c);
/* A mark for edge_conn_unwrite: the count of bytes queued so far. */
uint64_t edge_conn_queued(const struct edge_conn *c);
/* Take back the bytes queued after mark if none of them has reached the
 * socket (or GnuTLS) yet: 0, or -1 (too late; nothing changed). */
int edge_conn_unwrite(struct edge_conn *c, uint64_t mark);
void edge_conn_pause(struct edge_conn *c, int paused);
/* Close now (owner's call): no callback follows; memory freed later. */
void edge_conn_close(struct edge_conn *c);
/* Close once the queue is flushed (owner's call): no callback follows. */
void edge_conn_close_after_flush(struct edge_conn *c);

#endif
