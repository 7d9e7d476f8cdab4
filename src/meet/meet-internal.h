/*
 * meet-internal.h: the pieces of `portico meet`, one prefix per file.
 *
 * Threads: everything here runs on the control-plane GLib main loop (the
 * thread that called meet_main) unless a comment says otherwise.  The only
 * other threads are the TURN status probes (probe.c), which own their
 * sockets and hand one result back to the loop through a GTask.
 */
#ifndef PORTICO_MEET_INTERNAL_H
#define PORTICO_MEET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <glib.h>
#include <gio/gio.h>

#include "common/addr.h"

/* ---- config.c (meet_config_*) ------------------------------------------ */

#define MEET_MAX_DOMAINS 8
#define MEET_MAX_PROXIES 16

struct meet_domains {
	char *d[MEET_MAX_DOMAINS];
	unsigned n;
};

/* Peers whose X-Forwarded-For is believed (none by default). */
struct meet_proxies {
	struct cidr c[MEET_MAX_PROXIES];
	unsigned n;
};

struct meet_config {
	char *state_dir;            /* [meet] state */
	char *database;             /* [meet] database: libpq URI, NULL = SQLite */
	char *node;                 /* [meet] node: this node's name (host name) */
	char *log_level;
	char *event_log;            /* file; default <state>/events.log */
	int seed;                   /* create the seed's space on an empty db */
	struct meet_domains seed_domains;
	char *guest_jid_domain;
	char *web_listen, *web_cert, *web_key, *web_root, *web_trust;
	char *web_url;              /* external Web Bridge URI, for webAddress */
	char *background_uri, *logo_uri;
	int allow_passcode_access, allow_hyperlinks;
	unsigned long guest_attempts, guest_window;
	unsigned long space_attempts, space_window, space_max_delay;  /* per-space ceiling */
	unsigned long guest_prefix4, guest_prefix6;
	struct meet_proxies web_proxies;    /* [webbridge] trusted-proxies */
	char *cb_cert;              /* [callbridge] certificate */
	unsigned long link_retry;
	unsigned long turn_udp_port;  /* UDP port of TURN servers (vendor: 3478) */
	char *api_listen, *api_cert, *api_key;
	unsigned long auth_attempts, auth_window;
	unsigned long auth_prefix4, auth_prefix6;
	struct meet_proxies api_proxies;    /* [api] trusted-proxies */
	unsigned long max_body, page_cap;
	unsigned long probe_timeout_ms;
	unsigned long media_workers;        /* [media] workers, 0 = CPUs */
	int media_host_candidates;          /* no: relay candidates only */
	unsigned long media_relay_timeout, media_ice_timeout;
	int media_browser_relay;            /* browsers get iceTransportPolicy relay */
	unsigned long media_port_min, media_port_max;
	char *media_addresses;              /* comma-separated IP literals */
	char *media_rest_secret;            /* browsers get TURN REST credentials */
	unsigned long media_rest_ttl;
	char *path;                         /* the file, for the status socket's name */
	char *status_listen;                /* [meet] status-listen (metrics.c) */
};

/* Load and validate FILE; -1 with err "file:line: ..." set. */
int meet_config_load(struct meet_config *cfg, const char *path, char *err, size_t errlen);
void meet_config_free(struct meet_config *cfg);
/* Calls cb once for every key whose value differs between a and b. */
typedef void (*meet_config_diff_cb)(const char *section, const char *key, void *ctx);
void meet_config_diff(const struct meet_config *a, const struct meet_config *b, meet_config_diff_cb cb,
		      void *ctx);

/* ---- events.c (meet_events_*, meet_alarm_*) ----------------------------- */

/* Event log: plog line + a bounded in-memory ring (for GET /system/log)
 * + an append-only file.  Loop thread. */
int meet_events_open(const char *path, char *err, size_t errlen);
void meet_events_close(void);
__attribute__((format(printf, 2, 3)))
void meet_event(int level, const char *fmt, ...);
/* Calls fn for each kept event, oldest first; returns how many kept. */
unsigned meet_events_foreach(void (*fn)(void *ctx, gint64 usec, int level, const char *text),
			     void *ctx);

/* Alarms: raised once per (type, key), cleared when the condition goes. */
void meet_alarm_raise(const char *type, const char *key, const char *reason);
void meet_alarm_clear(const char *type, const char *key);
int meet_alarm_active(const char *type, const char *key);
void meet_alarm_foreach(void (*fn)(void *ctx, const char *id, const char *type,
				   const char *key, const char *reason, gint64 since),
			void *ctx);
unsigned meet_alarm_count(void);

/* ---- store.c (meet_store_*) -------------------------------------------- */

/* Generic object store over SQLite (WAL, synchronous=FULL), or PostgreSQL
 * shared by several nodes when [meet] database is set (store-pg.c).  Objects are
 * (id GUID, collection, parent id or NULL) with string properties.  Every
 * write runs inside meet_store_begin/commit (BEGIN IMMEDIATE); a failed
 * request calls meet_store_rollback, so nothing is half-written. */
struct meet_store;

/* database: NULL for SQLite in dir/meet.db, else a libpq URI
 * (postgresql://...) naming a database shared by several nodes. */
struct meet_store *meet_store_open(const char *dir, const char *database, char *err,
				   size_t errlen);
void meet_store_close(struct meet_store *st);
int meet_store_begin(struct meet_store *st);
int meet_store_commit(struct meet_store *st);
void meet_store_rollback(struct meet_store *st);
/* New object; id must be a fresh GUID.  0 or -1. */
int meet_store_insert(struct meet_store *st, const char *coll, const char *id,
		      const char *parent);
int meet_store_set(struct meet_store *st, const char *id, const char *name,
		   const char *value);
int meet_store_unset(struct meet_store *st, const char *id, const char *name);
/* Deletes the object, its properties and its children. */
int meet_store_delete(struct meet_store *st, const char *id);
/* 1 if the object exists in coll (and under parent when parent != NULL). */
int meet_store_exists(struct meet_store *st, const char *coll, const char *id,
		      const char *parent);
/* Properties of one object: a new GHashTable name->value (caller unrefs),
 * or NULL when absent. */
GHashTable *meet_store_get(struct meet_store *st, const char *id);
/* Ids of objects of coll (under parent if not NULL), creation order: a new
 * GPtrArray of strings (caller unrefs). */
GPtrArray *meet_store_list(struct meet_store *st, const char *coll, const char *parent);
/* Ids of objects in colls[] (NULL-terminated) having a property in
 * names[] whose value equals value (case-insensitive). */
GPtrArray *meet_store_find(struct meet_store *st, const char *const *colls,
			   const char *const *names, const char *value);
/* How many objects in coll. */
long meet_store_count(struct meet_store *st, const char *coll);
/* The connection, for modules with their own tables (cdr-queue.c). */
sqlite3 *meet_store_sqlite(struct meet_store *st);
/* API users. */
int meet_store_user_put(struct meet_store *st, const char *name, const uint8_t *salt,
			size_t saltlen, unsigned iterations, const uint8_t *hash, size_t hashlen);
/* 0 found (buffers filled), 1 no such user, -1 error. */
int meet_store_user_get(struct meet_store *st, const char *name, uint8_t *salt,
			size_t *saltlen, unsigned *iterations, uint8_t *hash, size_t *hashlen);
/* Guest accounts. */
int meet_store_guest_put(struct meet_store *st, const char *jid, const char *display,
			 const char *space_id);
const char *meet_store_errmsg(struct meet_store *st);

/* ---- form.c (meet_form_*) ----------------------------------------------- */

/* application/x-www-form-urlencoded (and query strings).  Bounded: at most
 * MEET_FORM_MAX_FIELDS fields, names up to MEET_FORM_MAX_NAME bytes, values
 * up to MEET_FORM_MAX_VALUE bytes after decoding; invalid %-escapes, NUL,
 * control characters or invalid UTF-8 are errors.  No I/O, no globals. */
#define MEET_FORM_MAX_FIELDS 64
#define MEET_FORM_MAX_NAME 64
#define MEET_FORM_MAX_VALUE 4096

struct meet_form_field {
	char *name;
	char *value;
};

struct meet_form {
	struct meet_form_field f[MEET_FORM_MAX_FIELDS];
	unsigned n;
};

enum meet_form_err {
	MEET_FORM_OK = 0,
	MEET_FORM_TOO_MANY = -1,
	MEET_FORM_TOO_LONG = -2,
	MEET_FORM_BAD_ENCODING = -3,
	MEET_FORM_DUPLICATE = -4,
};

/* Parses len bytes of text.  On error *bad names the offending field (a
 * pointer into form, or NULL) and form is left empty.  form is owned by
 * the caller: meet_form_clear frees it. */
int meet_form_parse(struct meet_form *form, const char *text, size_t len,
		    const char **bad);
void meet_form_clear(struct meet_form *form);
const char *meet_form_get(const struct meet_form *form, const char *name);

/* ---- out.c (meet_node_*) ----------------------------------------------- */

/* A small element tree rendered as the vendor's XML or as JSON. */
struct meet_node;

struct meet_node *meet_node_new(const char *name);
/* Child element (owned by parent). */
struct meet_node *meet_node_add(struct meet_node *parent, const char *name);
struct meet_node *meet_node_text(struct meet_node *parent, const char *name,
				 const char *text);
/* XML attribute (also a JSON member). */
void meet_node_attr(struct meet_node *n, const char *name, const char *value);
/* JSON: children with this element name form an array even when single. */
void meet_node_list(struct meet_node *n, const char *child_name);
void meet_node_free(struct meet_node *n);
/* Removes and returns parent's first child (now owned by the caller). */
struct meet_node *meet_node_detach(struct meet_node *parent);
/* New string; caller g_free()s. */
char *meet_node_xml(const struct meet_node *n);
char *meet_node_json(const struct meet_node *n);

/* ---- access.c (meet_access_*) ------------------------------------------ */

/* The object a guest's call ID + passcode open (passcode "" or NULL: none
 * given).  0: *space_id (the coSpace) and *access_id (the access method,
 * NULL when the space itself matched) set, caller frees; 1: the call ID
 * exists but no object has that passcode (ask for it / wrong); -1: no such
 * call ID.  Loop thread. */
int meet_access_resolve(struct meet_store *st, const char *call_id, const char *passcode,
			char **space_id, char **access_id);

/* ---- schema.c (meet_schema_*) ------------------------------------------- */

enum meet_ftype { MEET_F_STR, MEET_F_INT, MEET_F_BOOL, MEET_F_ENUM, MEET_F_REF,
		  MEET_F_HOST };

enum {
	MEET_F_LIST = 1 << 0,       /* shown in the collection listing */
	MEET_F_WRITEONLY = 1 << 1,  /* accepted, never returned (passwords) */
	MEET_F_REQUIRED = 1 << 2,   /* POST needs it */
	MEET_F_URI = 1 << 3,        /* unique space URI user part */
	MEET_F_CALLID = 1 << 4,     /* unique numeric call ID */
	MEET_F_FILTER = 1 << 5,     /* searched by filter= */
	MEET_F_ACTION = 1 << 6,     /* verb, not stored (regenerateSecret) */
	MEET_F_READONLY = 1 << 7,   /* returned, never accepted */
	/* Effect classes: every field is exactly one of effective (neither
	 * flag: some module reads it), UNSUPPORTED (a vendor feature portico
	 * lacks: 400 parameterError "unrecognised", never stored) or
	 * EFFECT_PENDING (accepted; its consumer lands with another branch
	 * this round).  tests/unit/meet/test_schema.c walks the table. */
	MEET_F_UNSUPPORTED = 1 << 8,
	MEET_F_EFFECT_PENDING = 1 << 9,
};

struct meet_field {
	const char *name;
	enum meet_ftype type;
	unsigned flags;
	unsigned maxlen;            /* strings */
	long min, max;              /* integers */
	const char *const *enums;   /* NULL-terminated */
	const char *ref;            /* MEET_F_REF: referenced collection */
};

struct meet_coll {
	const char *name;           /* "coSpaces" */
	const char *elem;           /* "coSpace" */
	const char *parent;         /* "coSpaces" for accessMethods, else NULL */
	const char *missing;        /* "coSpaceDoesNotExist" */
	const struct meet_field *fields;
	unsigned nfields;
	/* After a create or update, inside the transaction; fills computed
	 * properties (secret).  May be NULL. */
	void (*complete)(struct meet_store *st, const char *id, int created,
			 GHashTable *props);
};

const struct meet_coll *meet_schema_find(const char *name);
const struct meet_coll *meet_schema_child(const char *parent, const char *name);
const struct meet_field *meet_schema_field(const struct meet_coll *c, const char *name);
/* i-th collection of the table, NULL past the end (tests walk it). */
const struct meet_coll *meet_schema_coll_at(size_t i);
/* Validate one value; 0 or -1 with *error set to the vendor's error word
 * ("invalidValue", "valueTooLong"). */
int meet_schema_check(const struct meet_field *f, const char *value, const char **error);
/* Booleans normalised to "true"/"false"; other values returned as is. */
const char *meet_schema_norm(const struct meet_field *f, const char *value);

/* ---- auth.c (meet_auth_*) ----------------------------------------------- */

#define MEET_AUTH_ITERATIONS 200000

/* Create or replace an API user; the password is hashed with PBKDF2-SHA256
 * and a random 16-byte salt.  0 or -1 with err set. */
int meet_auth_user_add(struct meet_store *st, const char *name, const char *password,
		       char *err, size_t errlen);
/* Verify a Basic "Authorization" header value.  1 ok, 0 refused.  Results
 * of slow hashes are cached by an HMAC of the header under a per-process
 * key for 60 s so that scripts do not pay PBKDF2 per request.  Loop thread. */
int meet_auth_check(struct meet_store *st, const char *authorization, char **user);
void meet_auth_shutdown(void);

/* ---- limit.c (meet_limit_*) --------------------------------------------- */

/* Failure counter per client prefix: at most max failures per window
 * seconds, then refused until the window passes.  Addresses are grouped
 * by prefix4 (IPv4) / prefix6 (IPv6) bits; IPv4-in-IPv6 forms count as
 * IPv4.  Loop thread. */
struct meet_limit;

struct meet_limit *meet_limit_new(unsigned max, unsigned window_s, unsigned prefix4,
				  unsigned prefix6);
void meet_limit_free(struct meet_limit *l);
/* 1 if the address's prefix is currently locked out. */
int meet_limit_blocked(struct meet_limit *l, const char *addr);
/* Seconds until the address may try again; 0 when it may now. */
unsigned meet_limit_retry_after(struct meet_limit *l, const char *addr);
void meet_limit_fail(struct meet_limit *l, const char *addr);
/* The counting key of addr: "2001:db8:1:2::/64", "192.0.2.0/24"; a string
 * that is no address is its own key. */
void meet_limit_key(const char *addr, unsigned prefix4, unsigned prefix6, char *out, size_t cap);

/* Per-space ceiling across all addresses: after ceiling failures within
 * window seconds, each further failure makes the space wait 1, 2, 4 ...
 * seconds (at most max_delay) before the next attempt.  Never a lockout. */
struct meet_limit *meet_limit_space_new(unsigned ceiling, unsigned window_s, unsigned max_delay_s);
/* Seconds the space must still wait; 0 = an attempt may be checked. */
unsigned meet_limit_space_delay(struct meet_limit *l, const char *space);
void meet_limit_space_fail(struct meet_limit *l, const char *space);

/* The client's address: peer, or when peer is one of the trusted proxies,
 * the right-most X-Forwarded-For entry (xff, may be NULL) that is not
 * itself a trusted proxy.  A client cannot spoof it through an untrusted
 * peer. */
void meet_limit_client(const char *peer, const char *xff, const struct meet_proxies *p, char *out,
		       size_t cap);

/* ---- probe.c (meet_probe_*) --------------------------------------------- */

struct meet_probe_host {
	char address[64];
	int port;
	const char *transport;      /* "udp" / "tcp" */
	int reachable;
	int auth_failure;           /* 401 after credentials */
	long rtt_ms;
	char mapped_address[64];
	int mapped_port;
	const char *method;         /* "allocate" or "binding" */
	char detail[128];
};

struct meet_probe_req {
	char *server;               /* serverAddress */
	char *username, *password;
	int type_port;              /* default port for the type */
	int tcp_port;               /* tcpPortNumberOverride, 0 = none */
	unsigned timeout_ms;
};

/* Runs the probe on a worker thread; cb is called on the loop thread with
 * the result array (owned by the callee until cb returns).  Takes
 * ownership of req. */
typedef void (*meet_probe_cb)(void *ctx, const struct meet_probe_host *hosts, unsigned n);
void meet_probe_start(struct meet_probe_req *req, meet_probe_cb cb, void *ctx);
void meet_probe_req_free(struct meet_probe_req *req);

/* ---- api.c (meet_api_*) ------------------------------------------------- */

struct meet_server;
int meet_api_start(struct meet_server *srv, GError **error);
/* A libsoup server with the certificate and key (PEM files), and a TLS
 * listener on a numeric "address:port"; shared with the web bridge. */
struct _SoupServer *meet_api_tls_server(const char *cert, const char *key, GError **error);
int meet_api_listen(struct _SoupServer *server, const char *hostport, GError **error);
void meet_api_stop(struct meet_server *srv);
/* The PEM certificate and key as a new GTlsCertificate, or NULL with error. */
struct _GTlsCertificate *meet_api_cert_load(const char *cert, const char *key, GError **error);
/* The API's and the web bridge's servers (NULL before start). */
struct _SoupServer *meet_api_server(struct meet_server *srv);
/* The reason phrase portico sends for status (libsoup lacks some, e.g.
 * 429), or NULL for libsoup's own. */
const char *meet_api_reason(unsigned status);

/* ---- webbridge.c (meet_web_*) ------------------------------------------- */

int meet_web_start(struct meet_server *srv, GError **error);
void meet_web_stop(struct meet_server *srv);
struct _SoupServer *meet_web_server(struct meet_server *srv);

/* ---- reload.c (meet_reload) --------------------------------------------- */

/* SIGHUP: re-read cfg.path.  Applied at once: log-level and the web
 * bridge's and the API's certificates (re-read even when their paths are
 * unchanged, for renewals); every other changed key is logged as taking
 * effect at the next restart.  A file that does not load changes nothing
 * (the problems are logged).  Loop thread. */
void meet_reload(struct meet_server *srv);

/* ---- the process ------------------------------------------------------- */

struct meet_callbridge;
struct meet_webbridge;
struct meet_link;

struct meet_server {
	struct meet_config cfg;
	struct meet_store *store;
	GMainLoop *loop;
	gint64 started;             /* monotonic usec */
	struct meet_callbridge *cb;
	struct meet_webbridge *wb;
	struct meet_link *link;
	void *api;                  /* api.c private */
	struct meet_limit *auth_limit, *guest_limit;
	struct meet_limit *space_limit;     /* guest failures per space, all addresses */
	struct meet_metrics *metrics;       /* metrics.c */
	struct meet_cdr *cdr;               /* cdr.c */
	struct meet_cluster *cluster;       /* cluster.c: this node's heartbeat */
	struct meet_ldap *ldap;             /* ldap.c, made on the first sync */
};

/* ---- cluster.c (meet_cluster_*): node registration and heartbeat -------- */

/* Registers [meet] node in the store and starts its heartbeat on the main
 * loop; NULL with err when the first write fails. */
struct meet_cluster *meet_cluster_start(struct meet_server *srv, char *err, size_t errlen);
/* Stops the heartbeat and marks the node down (NULL is fine). */
void meet_cluster_stop(struct meet_cluster *c);

/* ---- metrics.c (meet_metrics_*): the status listener's /metrics --------- */

struct meet_probe_host;
typedef struct _SoupServerMessage SoupServerMessage;
/* Listen as [meet] status-listen says (default: the runtime directory's
 * unix socket named after the config).  -1 with err on an explicit
 * address or path that cannot be used; an automatic socket that another
 * live server holds leaves this one without (a warning, not an error). */
int meet_metrics_start(struct meet_server *srv, GError **err);
void meet_metrics_stop(struct meet_server *srv);
/* One guest login answered: "ok" or the refusal's name. */
void meet_metrics_guest_login(struct meet_server *srv, const char *outcome);
/* One API request: counted by its final status when it finishes. */
void meet_metrics_api_request(struct meet_server *srv, SoupServerMessage *msg);
/* A turnServers/<id>/status probe's result: the best RTT of the hosts. */
void meet_metrics_probe(struct meet_server *srv, const char *turn_id,
			const struct meet_probe_host *hosts, unsigned n);
void meet_metrics_render(struct meet_server *srv, GString *out);

#endif
