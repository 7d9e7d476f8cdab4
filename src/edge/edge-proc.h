/*
 * edge-proc.h: the state of one `portico edge` process, shared by the
 * role files, admin.c (which reads it for status) and edge.c (which owns
 * it).  Main loop thread only.
 */
#ifndef PORTICO_EDGE_PROC_H
#define PORTICO_EDGE_PROC_H

#include "edge/edge-tunnel.h"

struct edge_target {
	char name[256];
	int port;
	unsigned prio, weight;
	struct sockaddr_storage addr;
	int healthy;                       /* -1 unknown, 0 failed, 1 ok */
	long cw;                           /* smooth weighted round-robin state */
	int64_t checked;                   /* wall µs */
	char why[200];
	void *probe;
};

struct edge_counters {
	uint64_t guest_conns, guest_conns_open, requests, websockets;
	uint64_t status[6];                /* 1xx..5xx by class */
	uint64_t refused_bad_request, refused_host, refused_method, refused_too_many;
	uint64_t timeouts, no_tunnel, retries;
	uint64_t tunnel_accepts, auth_failures, auth_rate_limited, peer_refused;
	uint64_t backend_errors, bytes_up, bytes_down;
	uint64_t backend_conns, backend_reused;   /* inside: new TLS connections, pool reuses */
};

struct edge_proc {
	struct edge_config *cfg;
	GMainLoop *loop;
	int draining;
	int64_t started;
	gnutls_certificate_credentials_t t_creds, w_creds, b_creds;
	GPtrArray *tunnels;                /* struct edge_tunnel *, owned */
	unsigned rr;
	struct edge_counters ctr;
	/* outside */
	int t_fd, w_fd[EDGE_MAX_LIST];
	guint t_src, w_src[EDGE_MAX_LIST];
	guint relisten_timer;              /* listeners paused after EMFILE */
	GHashTable *auth_fail;             /* peer address string -> struct authfail (outside.c) */
	unsigned tunnel_seq;
	GQueue guests;
	void *turn;                        /* struct turn_server * */
	/* inside */
	struct edge_target targets[32];
	unsigned ntargets;
	int64_t resolved_at;
	char resolution[512];              /* last outcome, for status and logs */
	int resolving;
	guint resolve_timer, health_timer;
	GQueue bpool;                      /* idle keep-alive connections to web bridges */
	GList *probes;                     /* dns.c: health checks in progress */
	/* admin */
	int a_fd;
	guint a_src;
};

#endif
