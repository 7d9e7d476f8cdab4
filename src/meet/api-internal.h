/*
 * api-internal.h: the pieces of the admin REST API (/api/v1), shared by
 * api.c (route table, dispatch, libsoup adapter) and the route files:
 *   api-reply.c    responses, query checks, paging
 *   api-coll.c     generic schema collections (coSpaces, accessMethods,
 *                  profiles, TURN servers, web bridges, users, ...)
 *   api-spaces.c   meetingEntryDetail, accessQuery
 *   api-calls.c    calls and callLegs (live objects of the call bridge)
 *   api-system.c   system/status, system/alarms, system/log
 *   api-probe.c    turnServers/<id>/status, webBridges/<id>/status
 *
 * A request is handled without libsoup: meet_api_handle takes a struct
 * api_in and fills a struct api_out, so unit tests and the fuzzer drive
 * the handlers against a temporary store.  Loop thread only.
 */
#ifndef PORTICO_MEET_API_INTERNAL_H
#define PORTICO_MEET_API_INTERNAL_H

#include "meet/meet-internal.h"

#define API_MAX_SEGS 6
#define API_MAX_SEG_LEN 64

struct _SoupServer;

struct api {
	struct meet_server *srv;
	struct _SoupServer *server; /* NULL when driven by meet_api_handle only */
	unsigned outstanding;       /* status probes awaiting their answer */
	int offline;                /* no status probes (unit tests, fuzzer): 503 */
};

/* One request as it arrived (borrowed strings, any may be NULL but method
 * and path). */
struct api_in {
	const char *method;
	const char *path;           /* "/api/v1/coSpaces" (decoded) */
	const char *query;          /* raw query string, without '?' */
	const char *authorization, *accept, *forwarded_for;
	const char *body;
	size_t body_len;
	const char *peer;           /* numeric TCP peer address */
};

/* A route that answers later (status probes): api.c's adapter pauses the
 * message and finish() is called once, on the loop thread, with the reply
 * document (ownership passes to finish). */
struct api_defer;
typedef void (*api_defer_fn)(struct api_defer *d, struct meet_node *doc);

/* The answer.  Strings are owned by the struct (api_out_clear). */
struct api_out {
	unsigned status;
	const char *content_type;   /* static */
	char *body;
	size_t body_len;
	char *location;             /* Location header, or NULL */
	unsigned retry_after;       /* seconds; 0 = no Retry-After */
	int challenge;              /* WWW-Authenticate: Basic */
	struct api_defer *defer;    /* the reply comes later (probes) */
};

struct api_defer {
	struct api *api;
	int json;
	void *msg;                  /* the adapter's paused message */
	api_defer_fn send;          /* set by the adapter */
	char *id;                   /* object id of the probe */
};

/* Handles one request; out is filled (and owned by the caller). */
void meet_api_handle(struct api *api, const struct api_in *in, struct api_out *out);
void meet_api_out_clear(struct api_out *out);
/* Completes a deferred request with doc (200) and frees d. */
void meet_api_defer_done(struct api_defer *d, struct meet_node *doc);

struct req {
	struct meet_server *srv;
	struct api *api;
	const struct api_in *in;
	struct api_out *out;
	const char *method;
	char *segs[API_MAX_SEGS];
	unsigned nsegs;
	struct meet_form query, body;
	int json;
	char client[64];
};

typedef void (*route_fn)(struct req *r);
/* cluster.c: GET callBridges and callBridges/<id>. */
void api_cluster_list(struct req *r);
void api_cluster_get(struct req *r);

/* ---- api-reply.c ---------------------------------------------------------- */

/* Each sets r->out; the node is consumed. */
void api_reply_node(struct req *r, unsigned status, struct meet_node *n);
void api_reply_fail(struct req *r, unsigned status, const char *reason);
void api_reply_param(struct req *r, const char *param, const char *error);
void api_reply_ok(struct req *r, const char *location);
void api_reply_status(struct req *r, unsigned status);
/* Renders n into out as XML or JSON (consumes n). */
void api_render(struct api_out *out, int json, unsigned status, struct meet_node *n);
const char *api_form_error_word(int rc);
/* Only the names in allowed (NULL-terminated) may appear in form;
 * 0 or -1 (400 sent). */
int api_names_check(struct req *r, const struct meet_form *form, const char *const *allowed);
int api_query_check(struct req *r, const char *const *allowed);
/* offset/limit: 0 or -1 (400 sent); limit is capped by page-limit. */
int api_paging(struct req *r, long *offset, long *limit);
void api_text_long(struct meet_node *n, const char *name, long long v);

/* ---- api-coll.c ------------------------------------------------------------ */

/* Object of the top-level collection segs[0] named by segs[1]; 404 sent
 * and NULL when absent. */
const struct meet_coll *api_top_obj(struct req *r);
/* "#", "#/<id>" and "coSpaces/<id>/accessMethods[/<id>]" alike: list,
 * create, get, update, delete by method. */
void api_coll(struct req *r);
void api_coll_delete_all(struct req *r);

/* ---- api-spaces.c ---------------------------------------------------------- */

void api_spaces_entry_detail(struct req *r);
void api_spaces_access_query(struct req *r);

/* ---- api-calls.c ----------------------------------------------------------- */

void api_calls_list(struct req *r);
void api_calls_create(struct req *r);
void api_calls_get(struct req *r);
void api_calls_delete(struct req *r);
void api_calls_legs(struct req *r);
void api_calls_leg_get(struct req *r);
void api_calls_leg_delete(struct req *r);
/* PUT calls/<id>, calls/<id>/participants/<*>, callLegs/<id>; POST
 * calls/<id>/participants (no dial-out: 400). */
void api_calls_put(struct req *r);
/* participants (all calls or calls/<id>/participants), participants/<id>,
 * participants/<id>/callLegs. */
void api_calls_participants(struct req *r);
void api_calls_participant_get(struct req *r);
void api_calls_participant_legs(struct req *r);
void api_calls_participants_put(struct req *r);
void api_calls_participants_post(struct req *r);
void api_calls_leg_put(struct req *r);

/* ---- api-system.c ---------------------------------------------------------- */

void api_system_status(struct req *r);
void api_system_alarms(struct req *r);
void api_system_log(struct req *r);
void api_system_cdr_get(struct req *r);
void api_system_cdr_put(struct req *r);
void api_system_licensing(struct req *r);

/* ---- api-ldap.c ------------------------------------------------------------ */

void api_ldap_sync_post(struct req *r);
void api_ldap_users_refuse(struct req *r);

/* ---- api-probe.c ----------------------------------------------------------- */

void api_probe_turn(struct req *r);
void api_probe_web(struct req *r);

#endif
