/*
 * handler-internal.h: the request handler's files, one per method family,
 * under handler.c's method table.  Worker thread only.
 *
 *   response.c     answers: build, cache, send; unauthenticated-rate limit
 *   credentials.c  long-term and TURN REST authentication
 *   allocate.c     Allocate and Refresh
 *   permission.c   CreatePermission and ChannelBind
 *   indication.c   Send/Data indications and ChannelData (the data path)
 *   handler.c      the method table and the entry points (handler.h)
 *
 * Each uses the files above it in this list (and alloc.h, io.h), never
 * one below it.
 */
#ifndef PORTICO_TURN_HANDLER_INTERNAL_H
#define PORTICO_TURN_HANDLER_INTERNAL_H

#include "common/plog.h"
#include "turn/alloc.h"
#include "turn/io.h"
#include "turn/types.h"

/* One request being answered; lives on handler.c's stack. */
struct turn_req {
	struct turn_worker *w;
	const struct client *c;
	const struct stun_msg *m;
	struct alloc *a;               /* the 5-tuple's allocation, if any */
	const uint8_t *key;            /* set once authenticated */
	uint8_t keybuf[TURN_KEY_LEN];  /* a key derived for this request (REST) */
	uint64_t rest_expiry;          /* TURN REST name: its expiry, else 0 */
	char user[TURN_USER_MAX];
	char quota_user[TURN_USER_MAX];
	struct stun_builder b;
};

/* response.c */
void turn_response_begin(struct turn_req *r, uint16_t cls);
/* Adds integrity and fingerprint; the response's length, or -1. */
long turn_response_finish(struct turn_req *r);
/* Finishes, caches (retransmissions get the same bytes) and sends. */
void turn_response_send(struct turn_req *r);
/* Keeps an answer to (c, tid) for RESP_KEEP seconds (the cache is
 * bounded: a newer answer may take its slot earlier). */
void turn_response_remember(struct turn_worker *w, const struct client *c,
			    const uint8_t tid[STUN_TID_LEN], const uint8_t *buf, size_t len);
/* Sends the kept answer to a retransmitted request; 1 if there was one. */
int turn_response_replay(struct turn_worker *w, const struct client *c,
			 const uint8_t tid[STUN_TID_LEN]);
/* An error answer (401/438 carry a challenge); unauthenticated ones are
 * held to the unauthenticated-rate. */
void turn_response_error(struct turn_req *r, int code);
void turn_response_software(struct turn_req *r);
/* A rejection for the log, at most REJECT_LOG_PER_SEC lines a second. */
void turn_response_reject_log(struct turn_req *r, enum plog_level lvl, const char *why);
/* Counts stat, logs why and answers code. */
void turn_response_fail(struct turn_req *r, enum turn_stat stat, enum plog_level lvl,
			const char *why, int code);
/* 400 to a request that did not parse, when its header allows an answer. */
void turn_response_malformed(struct turn_worker *w, const struct client *c,
			     const uint8_t *buf, size_t len);

/* credentials.c: a TURN REST name "<expiry><sep><user>": NULL with
 * *expiry and *user (into name) set, or why it is not one: the expiry must
 * be 1-20 ASCII digits that fit in 64 bits (no sign, no space), followed
 * by sep and a non-empty user. */
const char *turn_credentials_rest_parse(const char *name, char sep, uint64_t *expiry,
					const char **user);
/* credentials.c: RFC 8489 9.2 long-term credentials (and TURN REST names).
 * 0 with r->key set, or -1 after answering. */
int turn_credentials_check(struct turn_req *r);

/* allocate.c */
void turn_allocate_request(struct turn_req *r);
void turn_allocate_refresh(struct turn_req *r);

/* permission.c */
void turn_permission_create(struct turn_req *r);
void turn_permission_channel_bind(struct turn_req *r);
/* The highest channel number accepted: RFC 8656 narrowed channel numbers
 * to 0x4000-0x4FFF; RFC 5766 clients (coturn <= 4.6 turnutils, libre)
 * still pick up to 0x7FFF (legacy-channels).  Inline: the data path asks. */
static inline uint16_t
turn_permission_channel_max(const struct turn_worker *w)
{
	return w->cfg->legacy_channels ? 0x7FFF : STUN_CHANNEL_MAX;
}

/* indication.c: client to peer */
void turn_indication_send(struct turn_worker *w, const struct client *c, const struct stun_msg *m);
void turn_indication_channel(struct turn_worker *w, const struct client *c,
			     const uint8_t *buf, size_t len);

#endif
