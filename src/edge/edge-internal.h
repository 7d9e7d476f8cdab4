/*
 * edge-internal.h: types and internal APIs shared by the src/edge sources.
 *
 * Threads: everything here lives on the process's GLib main loop thread
 * (the control plane).  Nothing is shared with other threads; the embedded
 * TURN server is reached only through turn/turn.h.
 *
 * Return vocabulary for parsers (http.c, tunnel hello): > 0 bytes consumed,
 * EDGE_AGAIN (need more input), EDGE_ERROR (malformed; *why says why).
 */
#ifndef PORTICO_EDGE_INTERNAL_H
#define PORTICO_EDGE_INTERNAL_H

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
static inline size_t edge_buf_len(const struct edge_buf *b) { return b->len - b->off; }
static inline uint8_t *edge_buf_head(const struct edge_buf *b) { return b->data + b->off; }
static inline size_t edge_buf_room(const struct edge_buf *b) { return b->max - edge_buf_len(b); }
void edge_buf_free(struct edge_buf *b);

/* ---- http.c: HTTP/1.1 message heads, zero-copy, for hostile input ---- */

#define EDGE_HTTP_MAX_HEADERS 100

struct edge_http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct edge_http_msg {
	/* request line, or status line for responses */
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor;                     /* HTTP/1.minor */
	int status;                    /* responses only */
	struct edge_http_header headers[EDGE_HTTP_MAX_HEADERS];
	size_t nheaders;
	/* derived from the headers */
	int64_t content_length;        /* -1 when absent */
	int chunked;
	const char *host;              /* NULL when absent */
	size_t host_len;
	int conn_close, conn_upgrade, upgrade_websocket;
};

/* Incremental end-of-head search: > 0 head length, EDGE_AGAIN (and
 * *scanned advanced, so the next call only looks at new bytes: a client
 * dribbling its head costs linear, not quadratic, time), EDGE_ERROR. */
int edge_http_head_end(const char *buf, size_t len, size_t max_head, size_t *scanned,
		       const char **why);
/* Request head in buf[0..len).  > 0 head length, EDGE_AGAIN, EDGE_ERROR
 * (*why: one sentence for logs).  Heads longer than max_head are errors.
 * Refuses: obs-fold, bare LF, whitespace before ':', bad tokens/targets,
 * CL with TE, duplicate CL or Host, TE other than "chunked", TE on 1.0,
 * missing Host, absolute-form and authority-form targets. */
int edge_http_parse_request(const char *buf, size_t len, size_t max_head,
			    struct edge_http_msg *m, const char **why);
/* Response head ("HTTP/1.x NNN reason"), same rules where they apply. */
int edge_http_parse_response(const char *buf, size_t len, size_t max_head,
			     struct edge_http_msg *m, const char **why);
/* Is this header hop-by-hop (RFC 9110 7.6.1), or named by Connection? */
int edge_http_hop_by_hop(const struct edge_http_msg *m, const char *name, size_t len);
/* Case-insensitive token search in a comma list. */
int edge_http_list_has(const char *v, size_t vlen, const char *token);
const char *edge_http_reason(int status);
/* 1 for the methods guests may use through the edge, else 0. */
int edge_http_method_allowed(const char *method);

/* Incremental chunked-body decoder (RFC 9112 7.1).  Extensions and
 * trailers are skipped; a chunk-size line or trailer line is capped. */
struct edge_chunked {
	int state;
	uint64_t remaining;
	size_t line;
	int done;
};

/* Decode in[0..len) into out (out may equal in): returns bytes consumed
 * (>= 0) and sets *outlen, or EDGE_ERROR with *why.  c->done once the
 * last chunk and trailers are read; bytes after that are not consumed. */
long edge_http_chunked(struct edge_chunked *c, const uint8_t *in, size_t len,
		       uint8_t *out, size_t *outlen, const char **why);

/* Sec-WebSocket-Accept for a key (RFC 6455 4.2.2); out gets 29 bytes + NUL. */
void edge_http_ws_accept(const char *key, size_t key_len, char out[32]);

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

/* ---- config.c ---- */

enum edge_role { EDGE_ROLE_NONE, EDGE_ROLE_INSIDE, EDGE_ROLE_OUTSIDE };

#define EDGE_MAX_LIST 16

struct edge_strv {
	char *v[EDGE_MAX_LIST];
	unsigned n;
};

struct edge_pair {
	char *certificate, *key;
};

struct edge_dns_rr {
	char *name;                    /* lower case */
	int srv;                       /* 1: SRV targets, 0: addresses */
	struct edge_strv values;       /* "prio weight port target" or addresses */
};

struct edge_config {
	char *path;
	enum edge_role role;
	char *node;                    /* [edge] name */
	struct edge_strv domains;
	int log_level;

	/* [traversal] */
	struct sockaddr_storage t_listen;      /* outside */
	char *t_connect_host;                  /* inside */
	int t_connect_port;
	char *t_server_name;                   /* inside: SAN the outside's cert must hold */
	char *t_username, *t_password;         /* inside */
	char *t_verify_name;                   /* outside */
	char *t_cert, *t_key, *t_ca;
	struct edge_strv t_accounts;           /* outside: traversal accounts in [users] */
	struct cidr t_allow[EDGE_MAX_LIST];
	unsigned t_nallow;
	unsigned t_connections;                /* inside */
	unsigned t_ping_interval;              /* seconds */
	unsigned t_backoff_initial, t_backoff_max;
	unsigned t_max_auth_failures, t_auth_window;
	unsigned t_stream_window, t_conn_window;
	unsigned t_handshake_timeout;
	unsigned t_drain_timeout;

	/* [users] (outside): name -> password, all accounts */
	struct { char *name, *password; } users[64];
	unsigned nusers;

	/* [webproxy] */
	struct sockaddr_storage w_listen[EDGE_MAX_LIST];   /* outside */
	unsigned w_nlisten;
	struct edge_strv w_hosts;                          /* outside, lower case */
	struct edge_pair w_certs[EDGE_MAX_LIST];           /* outside, SNI */
	unsigned w_ncerts;
	unsigned w_header_timeout, w_idle_timeout;
	unsigned w_max_head, w_stream_buffer, w_max_connections;
	char *w_guest_uri;                                 /* inside */
	char *w_guest_host;                                /* parsed, lower case */
	int w_guest_port;
	char *w_ca;                                        /* inside */
	char *w_verify_name;                               /* inside; default guest host */
	unsigned w_health_interval, w_resolve_interval, w_connect_timeout, w_response_timeout;
	char *w_health_path;

	/* [admin] */
	struct sockaddr_storage a_listen;
	int a_enabled;

	/* [dns] (inside) */
	struct edge_dns_rr dns[64];
	unsigned ndns;

	/* [turn] present (outside embeds portico turn) */
	int has_turn;
};

struct ini;
int edge_config_load(struct edge_config **out, const char *path, struct ini *ini_out,
		     char *err, size_t errlen);
/* The deeper checks of --check: certificate files load, SANs cover the
 * web-proxy hosts, keys match.  0 or -1 with err. */
int edge_config_check_files(const struct edge_config *cfg, char *err, size_t errlen);
void edge_config_free(struct edge_config *cfg);
/* SIGHUP: take next's users, accounts and traversal credentials into cur
 * (next gets cur's old ones, freed and wiped with it). */
void edge_config_swap_credentials(struct edge_config *cur, struct edge_config *next);
/* Is user a traversal account (listed in [traversal] accounts)? */
int edge_config_is_account(const struct edge_config *cfg, const char *user);
/* Copy of ini without [turn]/[users]' traversal accounts, for turn_config_from_ini. */
int edge_config_turn_view(const struct edge_config *cfg, const struct ini *ini, struct ini *view);

/* ---- tls.c: GnuTLS credentials and peer checks ---- */

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* Load cert+key pairs into fresh credentials (several pairs: GnuTLS picks
 * by SNI), optional CA file for peer verification. */
int edge_tls_creds(gnutls_certificate_credentials_t *out, const struct edge_pair *pairs,
		   unsigned npairs, const char *ca, char *err, size_t errlen);
/* Does the certificate (DER) list name in a dNSName SAN (not the CN)? */
int edge_tls_der_has_san(const gnutls_datum_t *der, const char *name);
/* The first certificate of a PEM file: 1 if name is in its SANs, 0 not,
 * -1 unreadable; sans gets a comma list of its dNSName SANs. */
int edge_tls_file_has_san(const char *path, const char *name, char *sans, size_t sanslen);
/* After a handshake: verify the peer chain against the credentials' CA and
 * that its SAN names expect.  0 or -1 with a sentence in why. */
int edge_tls_check_peer(gnutls_session_t s, const char *expect, char *why, size_t whylen);
/* Constant-time equality of two strings of possibly different length. */
int edge_tls_secret_equal(const char *a, const char *b);

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
void edge_conn_pause(struct edge_conn *c, int paused);
/* Close now (owner's call): no callback follows; memory freed later. */
void edge_conn_close(struct edge_conn *c);
/* Close once the queue is flushed (owner's call): no callback follows. */
void edge_conn_close_after_flush(struct edge_conn *c);

/* ---- shared helpers (util.c) ---- */

int64_t edge_util_now_us(void);
/* Full-jitter backoff: uniform in [0, min(max, initial * 2^attempt)] ms. */
unsigned edge_util_backoff_ms(unsigned initial_s, unsigned max_s, unsigned attempt, uint32_t rnd);
/* "host" part of an authority, lower-cased into out; port to *port (or -1). */
int edge_util_authority_host(const char *a, size_t alen, char *out, size_t outlen, int *port);
/* Parse "https://host[:port][/]" -> host (lower case), port. */
int edge_util_https_uri(const char *uri, char **host, int *port);
int edge_util_listen_tcp(const struct sockaddr_storage *a, char *err, size_t errlen);

/* ---- the process (edge.c) and its tunnels (tunnel.c) ---- */

#include <glib.h>
#include <nghttp2/nghttp2.h>

struct edge_proc;

enum edge_tunnel_state { EDGE_T_CONNECTING, EDGE_T_HELLO, EDGE_T_ACTIVE, EDGE_T_DRAINING,
			 EDGE_T_FAILED };

struct edge_tunnel {
	struct edge_proc *proc;
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
	GHashTable *auth_fail;             /* peer address string -> struct edge_authfail */
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
	/* admin */
	int a_fd;
	guint a_src;
};

/* tunnel.c: shared by both roles.  The tunnel is owned by proc->tunnels. */
struct edge_tunnel *edge_tunnel_new(struct edge_proc *p, unsigned slot);
void edge_tunnel_set_state(struct edge_tunnel *t, enum edge_tunnel_state st);
int edge_tunnel_h2_start(struct edge_tunnel *t, nghttp2_session_callbacks *cbs, int server);
/* Feed tunnel bytes to nghttp2; then pump.  -1: protocol error (fail it). */
int edge_tunnel_feed(struct edge_tunnel *t, const uint8_t *p, size_t n);
/* Move nghttp2's pending frames into the connection's queue: pump from
 * the next main loop iteration; flush now (only from a conn callback of
 * the tunnel itself, where no role object is on the stack). */
void edge_tunnel_pump(struct edge_tunnel *t);
void edge_tunnel_flush(struct edge_tunnel *t);
void edge_tunnel_ping_start(struct edge_tunnel *t);
/* Every received frame goes through here first (PING answers -> RTT). */
void edge_tunnel_on_frame(struct edge_tunnel *t, const nghttp2_frame *f);
/* Drop the connection and the h2 session (streams are the role's job). */
void edge_tunnel_teardown(struct edge_tunnel *t);
const char *edge_tunnel_state_name(enum edge_tunnel_state st);
/* Called by tunnel.c when PINGs go unanswered; implemented per role. */
extern void (*edge_tunnel_dead_hook)(struct edge_tunnel *t, const char *why);

/* A name/value pair for nghttp2 (copied by nghttp2 at submit). */
nghttp2_nv edge_tunnel_nv(const char *name, const char *value);

/* outside.c / inside.c / admin.c / dns.c */
int edge_outside_start(struct edge_proc *p, char *err, size_t errlen);
void edge_outside_drain(struct edge_proc *p);
int edge_outside_busy(const struct edge_proc *p);
void edge_outside_stop(struct edge_proc *p);
int edge_inside_start(struct edge_proc *p, char *err, size_t errlen);
void edge_inside_drain(struct edge_proc *p);
int edge_inside_busy(const struct edge_proc *p);
void edge_inside_stop(struct edge_proc *p);
int edge_admin_start(struct edge_proc *p, char *err, size_t errlen);
void edge_admin_stop(struct edge_proc *p);
int edge_admin_status_main(const struct edge_config *cfg);
void edge_dns_resolve(struct edge_proc *p);
struct edge_target *edge_dns_pick(struct edge_proc *p);
void edge_dns_health_start(struct edge_proc *p);
void edge_dns_health_stop(struct edge_proc *p);

#endif
