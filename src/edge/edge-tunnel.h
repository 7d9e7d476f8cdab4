/*
 * edge-tunnel.h: what both roles share about a traversal tunnel (tunnel.c):
 * the hello exchanged before HTTP/2, the nghttp2 session over an
 * edge_conn, the PING heartbeat.  A role plugs in through one const
 * struct edge_tunnel_ops: its nghttp2 stream callbacks and what to do when
 * the link is found dead; tunnel.c never calls a role by name.
 *
 * Ownership: the tunnel object is owned by the role's tunnel list
 * (proc->tunnels); its streams (t->streams) are the role's objects.
 */
#ifndef PORTICO_EDGE_TUNNEL_H
#define PORTICO_EDGE_TUNNEL_H

#include <glib.h>
#include <nghttp2/nghttp2.h>

#include "edge/edge-config.h"
#include "edge/edge-net.h"

/* ---- tunnel hello (tunnel.c): the traversal handshake before HTTP/2 ---- */

#define EDGE_HELLO_MAX 4096
#define EDGE_HELLO_MAX_FIELDS 32

struct edge_hello {
	char verb[16];                 /* HELLO, OK, DENIED */
	struct { char name[32]; char value[256]; } f[EDGE_HELLO_MAX_FIELDS];
	unsigned n;
};

/* Parse "PORTICO-TRAVERSAL/1 VERB\r\n(name: value\r\n)*\r\n". */
int edge_tunnel_hello_parse(const char *buf, size_t len, struct edge_hello *h, const char **why);
const char *edge_tunnel_hello_get(const struct edge_hello *h, const char *name);

struct edge_proc;                      /* edge-proc.h: the roles' business */
struct edge_tunnel;

enum edge_tunnel_state { EDGE_T_CONNECTING, EDGE_T_HELLO, EDGE_T_ACTIVE, EDGE_T_DRAINING,
			 EDGE_T_FAILED };

/* A role's side of its tunnels; user_data of every nghttp2 callback is the
 * tunnel.  frame_recv runs after tunnel.c has looked at the frame (PING
 * answers).  NULL callbacks are not installed. */
struct edge_tunnel_ops {
	int server;                        /* 1: HTTP/2 server (inside), 0: client */
	/* PINGs went unanswered: the role tears the tunnel down (may free t). */
	void (*dead)(struct edge_tunnel *t, const char *why);
	nghttp2_on_begin_headers_callback begin_headers;
	nghttp2_on_header_callback header;
	nghttp2_on_frame_recv_callback frame_recv;
	nghttp2_on_data_chunk_recv_callback data;
	nghttp2_on_stream_close_callback stream_close;
};

struct edge_tunnel {
	struct edge_proc *proc;            /* the role's process state */
	const struct edge_config *cfg;
	const struct edge_tunnel_ops *ops;
	struct edge_conn *conn;            /* NULL while waiting to reconnect */
	nghttp2_session *h2;               /* from EDGE_T_ACTIVE on */
	enum edge_tunnel_state state;
	unsigned slot;                     /* inside: connection number; outside: sequence */
	int64_t since;                     /* wall clock, µs, of the last state change */
	int64_t rtt_us;                    /* -1 until the first PING answer */
	int64_t ping_sent;                 /* monotonic µs; 0: none outstanding */
	guint ping_timer, timer;           /* timer: handshake timeout or reconnect */
	unsigned attempt;                  /* inside: failed attempts in a row */
	struct edge_buf hello;
	char peer[ADDR_STRLEN];
	char remote_node[64], user[64];
	char guest_host[256];              /* outside: what the inside serves */
	char domains[512];                 /* outside: the inside's domains */
	char last_error[256];
	GQueue streams;                    /* role's stream objects */
	int in_recv;                       /* inside nghttp2_session_mem_recv */
	guint pump_idle;                   /* deferred send scheduled */
	void *lookup;                      /* inside: pending name lookup of the outside */
	struct sockaddr_storage addrs[8];  /* inside: the outside's addresses, tried in order */
	unsigned naddrs, addr_i;
	uint64_t streams_total;
};

/* A new tunnel in EDGE_T_CONNECTING; the caller owns it. */
struct edge_tunnel *edge_tunnel_new(struct edge_proc *p, const struct edge_config *cfg,
				    const struct edge_tunnel_ops *ops, unsigned slot);
void edge_tunnel_set_state(struct edge_tunnel *t, enum edge_tunnel_state st);
/* Start the HTTP/2 session with t->ops' callbacks; 0 or -1. */
int edge_tunnel_h2_start(struct edge_tunnel *t);
/* Feed tunnel bytes to nghttp2; then pump.  -1: protocol error (fail it). */
int edge_tunnel_feed(struct edge_tunnel *t, const uint8_t *p, size_t n);
/* Move nghttp2's pending frames into the connection's queue: pump from
 * the next main loop iteration; flush now (only from a conn callback of
 * the tunnel itself, where no role object is on the stack). */
void edge_tunnel_pump(struct edge_tunnel *t);
void edge_tunnel_flush(struct edge_tunnel *t);
void edge_tunnel_ping_start(struct edge_tunnel *t);
/* Drop the connection and the h2 session (streams are the role's job). */
void edge_tunnel_teardown(struct edge_tunnel *t);
/* Teardown, then free t (the caller has removed it from its list). */
void edge_tunnel_free(struct edge_tunnel *t);
const char *edge_tunnel_state_name(enum edge_tunnel_state st);

/* A name/value pair for nghttp2 (copied by nghttp2 at submit). */
nghttp2_nv edge_tunnel_nv(const char *name, const char *value);

#endif
