/*
 * inside-internal.h: what the inside role's files share: inside.c (tunnel
 * client, HTTP/2 server callbacks, request checks) on top, backend.c (the
 * web bridge side of a stream) below it, then istream.c (a stream and its
 * response on the tunnel) and bpool.c (idle web bridge connections).
 * Nothing here calls upwards.
 *
 * Ownership: a tunnel's t->streams owns its istreams; an istream owns its
 * web bridge conn; proc->bpool owns the idle ones.  Main loop thread only.
 */
#ifndef PORTICO_EDGE_INSIDE_INTERNAL_H
#define PORTICO_EDGE_INSIDE_INTERNAL_H

#include "edge/edge-http.h"
#include "edge/edge-proc.h"

#define REQ_HEAD_MAX (64u << 10)

struct istream {
	struct edge_tunnel *t;
	int32_t id;
	GList *link;
	GPtrArray *hdr;                    /* name, value, ... (regular headers) */
	size_t hdr_bytes;
	char *method, *path, *authority, *protocol;
	int ws, req_eof, req_chunked, has_cl;
	struct edge_conn *b;               /* web bridge connection */
	struct edge_target *tgt;
	char tgt_name[300];
	guint timer;
	struct edge_buf head;              /* response head from the web bridge */
	int head_done, status, resp_chunked, resp_eof, responded, is_head;
	int64_t resp_left;
	struct edge_chunked ch;
	struct edge_buf resp;              /* body waiting for the tunnel, capped */
	size_t unacked;                    /* request bytes not yet acknowledged */
	int body_seen;                     /* request body bytes went to a web bridge */
	int resp_close;                    /* the web bridge said Connection: close */
	int reused;                        /* s->b came from the keep-alive pool */
	unsigned attempts;                 /* web bridges tried */
	char ws_key[32];
};

/* ---- istream.c ---- */

/* Unlink from the tunnel, close the web bridge conn, free. */
void edge_istream_free(struct istream *s);
/* More response body is buffered: let nghttp2 send it. */
void edge_istream_resume(struct istream *s);
/* Submit the response head (hdr: name, value, ...); body from s->resp
 * unless end.  Once per stream. */
void edge_istream_submit(struct istream *s, int status, GPtrArray *hdr, int end);
/* Answer the stream with a short text error (and x-portico-edge-reason). */
void edge_istream_respond_error(struct istream *s, int status, const char *why);

/* ---- bpool.c ---- */

/* Keep c (its response ended cleanly) for the next request to addr. */
void edge_bpool_put(struct edge_proc *p, struct edge_conn *c, const struct sockaddr_storage *addr);
/* An idle connection to addr, or NULL; stale ones are closed on the way. */
struct edge_conn *edge_bpool_take(struct edge_proc *p, const struct sockaddr_storage *addr);
void edge_bpool_clear(struct edge_proc *p);

/* ---- backend.c ---- */

/* Send the checked request to a web bridge (or answer 502). */
void edge_backend_forward(struct istream *s);

/* ---- inside.c ---- */

/* The inside role's side of its tunnels (also used by the fuzzer). */
extern const struct edge_tunnel_ops edge_inside_tunnel_ops;

#endif
