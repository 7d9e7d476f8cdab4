/*
 * outside-internal.h: what the outside role's files share: outside.c
 * (tunnel server, listeners) on top, ostream.c (HTTP/2 client callbacks:
 * responses to guests) in the middle, guest.c (guest connections and
 * their requests) at the bottom; nothing here calls upwards.
 *
 * Ownership: proc->guests owns the guests, a tunnel's t->streams its
 * ostreams; guest and ostream point at each other and each clears the
 * other's pointer when it goes away.  Main loop thread only.
 */
#ifndef PORTICO_EDGE_OUTSIDE_INTERNAL_H
#define PORTICO_EDGE_OUTSIDE_INTERNAL_H

#include "edge/edge-http.h"
#include "edge/edge-proc.h"

#define RESP_HEAD_MAX (64u << 10)

enum guest_state { G_HEAD, G_BODY, G_WAIT, G_WS, G_DONE };

struct ostream;

struct guest {
	struct edge_proc *p;
	struct edge_conn *c;
	GList *link;                       /* in p->guests */
	struct edge_buf in;                /* raw bytes from the guest */
	enum guest_state st;
	struct ostream *s;
	guint timer;
	char ip[ADDR_STRLEN];
	/* current request */
	GPtrArray *nvstr;                  /* strings the nva points into */
	nghttp2_nv nva[EDGE_HTTP_MAX_HEADERS + 12];
	size_t nnva;
	char method[16], host[256], path[512];
	int ws, keepalive, is_head, has_body, retried, http10;
	char ws_accept[32];
	int64_t body_left;
	int chunked;
	struct edge_chunked ch;
	struct edge_buf body;              /* guest -> tunnel, capped */
	int body_eof, body_sent;
	int64_t t0;
	size_t scanned;                    /* head bytes already searched for its end */
	guint kick;                        /* idle: process buffered input */
};

struct ostream {
	struct guest *g;
	struct edge_tunnel *t;
	int32_t id;
	GList *link;                       /* in t->streams */
	GPtrArray *resp;                   /* name, value, name, value ... */
	size_t resp_bytes;
	int status, head_sent, resp_chunked, eof, unacked;
	uint64_t mark;                     /* guest conn's queue count before the head */
	char reason[200];                  /* x-portico-edge-reason from the inside */
};

/* ---- guest.c ---- */

/* Accept a guest connection (fd non-blocking, owned from here on). */
void edge_guest_accept_one(struct edge_proc *p, int fd, const struct sockaddr_storage *a);
/* Answer the guest with an error page, then close and free it. */
void edge_guest_error(struct guest *g, int status, const char *why);
/* Close and free (resets its stream, if any). */
void edge_guest_free(struct guest *g);
/* Process buffered input from the main loop, outside any nghttp2 call. */
void edge_guest_kick(struct guest *g);
/* The response ended: keep-alive for the next request, or close. */
void edge_guest_request_done(struct guest *g);
/* Submit g's request on a tunnel for its host; 0, or -1 (no tunnel). */
int edge_guest_submit(struct guest *g);
void edge_guest_stream_free(struct ostream *s);
/* Draining: close the idle keep-alive guests. */
void edge_guest_drain(struct edge_proc *p);

/* ---- ostream.c: nghttp2 client callbacks (user_data: the tunnel) ---- */

/* The stream ended without a complete response (lost: its whole tunnel
 * went down): retry, or answer or cut the guest. */
void edge_ostream_abort(struct ostream *s, const char *why, int lost);
int edge_ostream_on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
			   size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *ud);
int edge_ostream_on_frame(nghttp2_session *h2, const nghttp2_frame *f, void *ud);
int edge_ostream_on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
			 size_t len, void *ud);
int edge_ostream_on_close(nghttp2_session *h2, int32_t id, uint32_t code, void *ud);

/* ---- outside.c ---- */

/* The outside role's side of its tunnels (also used by the fuzzer). */
extern const struct edge_tunnel_ops edge_outside_tunnel_ops;

#endif
