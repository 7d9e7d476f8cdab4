/*
 * edge-base.h: the bottom layer of src/edge: return vocabulary, the capped
 * byte buffer (buf.c) and small helpers (util.c).  Uses nothing of edge.
 *
 * Layers (each header uses only those above it in this list):
 *   edge-base.h    buf.c util.c
 *   edge-http.h    http.c            HTTP/1.1 heads, chunked, methods
 *   edge-tls.h     tls.c             TLS credentials and peer checks
 *   edge-config.h  config.c
 *   edge-net.h     conn.c            one socket (+ TLS) on the main loop
 *   edge-tunnel.h  tunnel.c          hello, HTTP/2 session, PING
 *   edge-proc.h    the process state both roles and admin.c read
 *   edge-dns.h     dns.c             web bridge resolution and health
 *   outside-internal.h, inside-internal.h   the roles' own files
 *   edge-roles.h   what edge.c starts and stops
 *
 * Threads: everything in src/edge lives on the process's GLib main loop
 * thread (the control plane).  Nothing is shared with other threads; the
 * embedded TURN server is reached only through turn/turn.h.
 *
 * Return vocabulary for parsers (http.c, tunnel hello): > 0 bytes consumed,
 * EDGE_AGAIN (need more input), EDGE_ERROR (malformed; *why says why).
 */
#ifndef PORTICO_EDGE_BASE_H
#define PORTICO_EDGE_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/addr.h"

#define EDGE_AGAIN (-2)
#define EDGE_ERROR (-1)
#define EDGE_ERR_MAX 4096   /* --check: every problem, one a line */

/* ---- buf.c: growable byte buffer with a hard cap (curl dynbuf style) ---- */

struct edge_buf {
	uint8_t *data;
	size_t off;            /* first unread byte */
	size_t len;            /* end of data */
	size_t alloc;
	size_t max;            /* cap on len - off; 0 means "not initialised" */
};

void edge_buf_init(struct edge_buf *b, size_t max);
/* Append n bytes; -1 (buffer untouched) if the cap would be exceeded. */
int edge_buf_append(struct edge_buf *b, const void *p, size_t n);
int edge_buf_printf(struct edge_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void edge_buf_consume(struct edge_buf *b, size_t n);
/* Forget the last n unread bytes (all of them if fewer). */
void edge_buf_drop_tail(struct edge_buf *b, size_t n);
static inline size_t edge_buf_len(const struct edge_buf *b) { return b->len - b->off; }
static inline uint8_t *edge_buf_head(const struct edge_buf *b) { return b->data + b->off; }
static inline size_t edge_buf_room(const struct edge_buf *b) { return b->max - edge_buf_len(b); }
void edge_buf_free(struct edge_buf *b);

/* ---- shared helpers (util.c) ---- */

int64_t edge_util_now_us(void);
/* Full-jitter backoff: uniform in [0, min(max, initial * 2^attempt)] ms. */
unsigned edge_util_backoff_ms(unsigned initial_s, unsigned max_s, unsigned attempt, uint32_t rnd);
/* "host" part of an authority, lower-cased into out; port to *port (or -1). */
int edge_util_authority_host(const char *a, size_t alen, char *out, size_t outlen, int *port);
/* Parse "https://host[:port][/]" -> host (lower case), port. */
int edge_util_https_uri(const char *uri, char **host, int *port);
int edge_util_listen_tcp(const struct sockaddr_storage *a, char *err, size_t errlen);

#endif
