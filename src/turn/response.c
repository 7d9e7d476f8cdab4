/*
 * response.c: answers to requests: built in the transmit arena, signed with
 * the request's key, cached on the allocation so a retransmission gets the
 * same bytes, and, while unauthenticated, held to the unauthenticated-rate
 * per source.  Worker thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"
#include "turn/limit.h"

#define LOGNAME_MAX 96

/* Printable copy of a wire string for logs (quotes and controls -> '?'). */
static const char *
loggable(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f || src[i] == '"') ? '?' : (char)src[i];
	dst[n] = '\0';
	return dst;
}

/* Rejections are logged at most REJECT_LOG_PER_SEC times a second per
 * worker (a password-guessing flood must not flood the log); the timer
 * reports how many were left out. */

void
turn_response_reject_log(struct turn_req *r, enum plog_level lvl, const char *why)
{
	char cs[ADDR_STRLEN + 8], realm[LOGNAME_MAX] = "", user[LOGNAME_MAX] = "";
	const struct stun_attr *u = stun_msg_get(r->m, STUN_ATTR_USERNAME);
	const struct stun_attr *rl = stun_msg_get(r->m, STUN_ATTR_REALM);

	if (!plog_enabled(lvl))
		return;
	if (r->w->log_budget == 0) {
		r->w->log_suppressed++;
		return;
	}
	r->w->log_budget--;
	if (u)
		loggable(user, sizeof(user), u->val, u->len);
	if (rl)
		loggable(realm, sizeof(realm), rl->val, rl->len);
	plog(lvl, "turn", "%s request rejected: %s: user=\"%s\" realm=\"%s\" client=%s",
	     stun_method_name(r->m->method), why, user, realm, turn_alloc_client_str(r->c, cs));
}

void
turn_response_fail(struct turn_req *r, enum turn_stat stat, enum plog_level lvl, const char *why, int code)
{
	turn_worker_count(r->w, stat);
	turn_response_reject_log(r, lvl, why);
	turn_response_error(r, code);
}

void
turn_response_begin(struct turn_req *r, uint16_t cls)
{
	stun_build_init(&r->b, turn_io_tx_slot(r->w), TX_SLOT, r->m->method, cls, r->m->tid);
}

/* Adds integrity and fingerprint; the response's length, or -1. */
long
turn_response_finish(struct turn_req *r)
{
	long n;

	if (r->key)
		stun_build_integrity(&r->b, r->key, TURN_KEY_LEN);
	if (r->m->fp >= 0)
		stun_build_fingerprint(&r->b);
	n = stun_build_finish(&r->b);
	if (n < 0)
		plog(PLOG_ERROR, "turn", "could not build a %s response: %s",
		     stun_method_name(r->m->method), strerror((int)-n));
	return n < 0 ? -1 : n;
}

void
turn_response_send(struct turn_req *r)
{
	long n = turn_response_finish(r);

	if (n < 0)
		return;
	if (r->key)   /* an authenticated answer: retransmissions get it again */
		turn_response_remember(r->w, r->c, r->m->tid, r->b.buf, (size_t)n);
	turn_io_send_client(r->w, r->c, r->b.buf, (size_t)n);
}

/* ------------------------------------------------------ retransmissions */

static struct resp_slot *
cache_slot(struct turn_worker *w, const uint8_t tid[STUN_TID_LEN])
{
	uint32_t h;

	memcpy(&h, tid, sizeof(h));   /* the client's random bits */
	return &w->cache[(h ^ w->hseed) % RESP_SLOTS];
}

static int
cache_match(const struct resp_slot *s, const struct client *c, const struct rl_key *ip,
	    const uint8_t tid[STUN_TID_LEN], uint64_t now)
{
	return s->len && s->expires > now && s->proto == c->proto && s->fd == c->fd &&
	       s->port == addr_port(&c->remote) && memcmp(s->tid, tid, STUN_TID_LEN) == 0 &&
	       memcmp(&s->ip, ip, sizeof(*ip)) == 0;
}

void
turn_response_remember(struct turn_worker *w, const struct client *c,
		       const uint8_t tid[STUN_TID_LEN], const uint8_t *buf, size_t len)
{
	struct resp_slot *s = cache_slot(w, tid);

	if (len > RESP_CACHE)
		return;
	memcpy(s->tid, tid, STUN_TID_LEN);
	s->proto = c->proto;
	s->fd = c->fd;
	s->port = (uint16_t)addr_port(&c->remote);
	turn_limit_key(&c->remote, 32, 128, &s->ip);
	s->expires = w->now + RESP_KEEP;
	memcpy(s->buf, buf, len);
	s->len = (uint16_t)len;
}

int
turn_response_replay(struct turn_worker *w, const struct client *c, const uint8_t tid[STUN_TID_LEN])
{
	struct resp_slot *s = cache_slot(w, tid);
	struct rl_key ip;

	if (!s->len)
		return 0;
	turn_limit_key(&c->remote, 32, 128, &ip);
	if (!cache_match(s, c, &ip, tid, w->now))
		return 0;
	turn_io_send_client(w, c, s->buf, s->len);
	return 1;
}

static void
add_challenge(struct turn_req *r)
{
	char nonce[TURN_NONCE_LEN + 1];

	turn_nonce_make(r->w->sh->nonce_secret, &r->c->remote, r->w->wallnow, nonce);
	stun_build_attr(&r->b, STUN_ATTR_REALM, r->w->cfg->realm, strlen(r->w->cfg->realm));
	stun_build_attr(&r->b, STUN_ATTR_NONCE, nonce, TURN_NONCE_LEN);
}

static int
unauth_allowed(struct turn_worker *w, const struct sockaddr_storage *from)
{
	if (turn_limit_allow(&w->limit, w->cfg, from, w->now_ms))
		return 1;
	turn_worker_count(w, STAT_DROP_RATELIMIT);
	return 0;
}

void
turn_response_error(struct turn_req *r, int code)
{
	if ((code == 401 || code == 438 || !r->key) && !unauth_allowed(r->w, &r->c->remote))
		return;
	turn_response_begin(r, STUN_ERROR);
	stun_build_error(&r->b, code, NULL);
	if (code == 401 || code == 438) {
		add_challenge(r);
		r->key = NULL;          /* a challenge carries no integrity */
	}
	if (code == 420)
		stun_build_unknown(&r->b, r->m->unknown, r->m->nunknown);
	turn_response_send(r);
}

void
turn_response_software(struct turn_req *r)
{
	stun_build_attr(&r->b, STUN_ATTR_SOFTWARE, TURN_SOFTWARE, sizeof(TURN_SOFTWARE) - 1);
}

/* A STUN request we could not parse still deserves a 400 when its header
 * is sound enough to answer (RFC 8489 6.3). */
void
turn_response_malformed(struct turn_worker *w, const struct client *c, const uint8_t *buf, size_t len)
{
	struct stun_builder b;
	uint16_t type;
	long n;

	if (len < STUN_HEADER_LEN || !stun_is_message(buf, len) || !unauth_allowed(w, &c->remote))
		return;
	type = (uint16_t)(buf[0] << 8 | buf[1]);
	if ((type & 0x0110) != STUN_REQUEST)
		return;
	uint16_t method = (uint16_t)((type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2));
	stun_build_init(&b, turn_io_tx_slot(w), TX_SLOT, method, STUN_ERROR, buf + 8);
	stun_build_error(&b, 400, NULL);
	n = stun_build_finish(&b);
	if (n > 0)
		turn_io_send_client(w, c, b.buf, (size_t)n);
}
