/*
 * handler.c: what the server does with each message from a client and each
 * datagram from a peer (RFC 8489, RFC 8656).  Requests are dispatched from
 * a table, one short function per method.  Worker thread only.
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/plog.h"
#include "turn/worker.h"

#define LOGNAME_MAX 96

struct req {
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

static void resp_error(struct req *r, int code);

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

static void
reject_log(struct req *r, enum plog_level lvl, const char *why)
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
	     stun_method_name(r->m->method), why, user, realm, client_str(r->c, cs));
}

static void
auth_fail(struct req *r, enum turn_stat stat, enum plog_level lvl, const char *why, int code)
{
	worker_count(r->w, stat);
	reject_log(r, lvl, why);
	resp_error(r, code);
}

static void
resp_begin(struct req *r, uint16_t cls)
{
	stun_build_init(&r->b, worker_tx_slot(r->w), TX_SLOT, r->m->method, cls, r->m->tid);
}

/* Adds integrity and fingerprint; the response's length, or -1. */
static long
resp_finish(struct req *r)
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

static void
resp_send(struct req *r)
{
	long n = resp_finish(r);

	if (n < 0)
		return;
	if (r->a && n <= RESP_CACHE) {  /* answer retransmissions identically */
		memcpy(r->a->last_tid, r->m->tid, STUN_TID_LEN);
		memcpy(r->a->last_resp, r->b.buf, (size_t)n);
		r->a->last_len = (uint16_t)n;
	}
	worker_send_client(r->w, r->c, r->b.buf, (size_t)n);
}

static void
add_challenge(struct req *r)
{
	char nonce[TURN_NONCE_LEN + 1];

	turn_nonce_make(r->w->sh->nonce_secret, &r->c->remote, r->w->wallnow, nonce);
	stun_build_attr(&r->b, STUN_ATTR_REALM, r->w->cfg->realm, strlen(r->w->cfg->realm));
	stun_build_attr(&r->b, STUN_ATTR_NONCE, nonce, TURN_NONCE_LEN);
}

/*
 * Answers to unauthenticated requests (challenges, 400s to garbage) are
 * limited per source address, so the server is no reflector for spoofed
 * floods: unauthenticated-rate a second, twice that in a burst.
 */
static int
unauth_allowed(struct turn_worker *w, const struct sockaddr_storage *from)
{
	uint64_t rate = w->cfg->unauth_rate;
	struct sockaddr_storage ip = *from;
	struct rl_slot *s;

	if (!rate)
		return 1;
	addr_set_port(&ip, 0);
	s = &w->rl[addr_hash(&ip, w->hseed) % RL_SLOTS];
	if (!addr_ip_equal(&s->ip, &ip)) {
		s->ip = ip;
		s->b.tokens = 2 * rate;
		s->b.stamp_ms = w->now_ms;
	}
	if (w->now_ms > s->b.stamp_ms) {
		uint64_t add = (w->now_ms - s->b.stamp_ms) * rate / 1000;
		s->b.tokens = s->b.tokens + add > 2 * rate ? 2 * rate : s->b.tokens + add;
		s->b.stamp_ms = w->now_ms;
	}
	if (!s->b.tokens) {
		worker_count(w, STAT_DROP_RATELIMIT);
		return 0;
	}
	s->b.tokens--;
	return 1;
}

static void
resp_error(struct req *r, int code)
{
	if ((code == 401 || code == 438 || !r->key) && !unauth_allowed(r->w, &r->c->remote))
		return;
	resp_begin(r, STUN_ERROR);
	stun_build_error(&r->b, code, NULL);
	if (code == 401 || code == 438) {
		add_challenge(r);
		r->key = NULL;          /* a challenge carries no integrity */
	}
	if (code == 420)
		stun_build_unknown(&r->b, r->m->unknown, r->m->nunknown);
	resp_send(r);
}

static void
add_software(struct req *r)
{
	stun_build_attr(&r->b, STUN_ATTR_SOFTWARE, TURN_SOFTWARE, sizeof(TURN_SOFTWARE) - 1);
}

/* ---------------------------------------------------------------- auth */

static int
copy_user(struct req *r, const struct stun_attr *u)
{
	if (u->len == 0 || u->len >= sizeof(r->user) || memchr(u->val, '\0', u->len))
		return -1;
	memcpy(r->user, u->val, u->len);
	r->user[u->len] = '\0';
	return 0;
}

static void
base64(const uint8_t *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/*
 * TURN REST API names "<expiry>:<user>" (separator rest-separator): the
 * password is base64(HMAC-SHA1(secret, name)) for one of the configured
 * auth-secret values.  Returns 1 with r->key set, 0 when the name is not a
 * REST name, -1 after answering a failure.
 */
static int
authenticate_rest(struct req *r)
{
	const struct turn_config *cfg = r->w->cfg;
	const struct turn_users *cred = r->w->users;
	char *sep, *end, pw[32];
	unsigned long long expiry;
	uint8_t mac[20];

	if (!cred->nsecrets || !(sep = strchr(r->user, cfg->rest_separator)))
		return 0;
	expiry = strtoull(r->user, &end, 10);
	if (end != sep || end == r->user)
		return 0;
	snprintf(r->quota_user, sizeof(r->quota_user), "%s", sep + 1);
	if (expiry < r->w->wallnow) {
		char why[96];
		snprintf(why, sizeof(why), "expired REST username (expired %llu s ago)",
			 (unsigned long long)(r->w->wallnow - expiry));
		auth_fail(r, STAT_AUTH_EXPIRED, PLOG_WARN, why, 401);
		return -1;
	}
	for (unsigned i = 0; i < cred->nsecrets; i++) {
		gnutls_hmac_fast(GNUTLS_MAC_SHA1, cred->secrets[i], strlen(cred->secrets[i]),
				 r->user, strlen(r->user), mac);
		base64(mac, sizeof(mac), pw);
		if (stun_longterm_key(r->user, cfg->realm, pw, r->keybuf) == 0 &&
		    stun_check_integrity(r->m, r->keybuf, TURN_KEY_LEN) == 0) {
			explicit_bzero(pw, sizeof(pw));
			r->key = r->keybuf;
			r->rest_expiry = expiry;
			return 1;
		}
	}
	explicit_bzero(pw, sizeof(pw));
	auth_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
		  "integrity check failed: REST password does not match any auth-secret", 401);
	return -1;
}

/* Requests on an existing allocation use the credentials it was made with. */
static int
authenticate_on_alloc(struct req *r)
{
	if (strcmp(r->user, r->a->user) != 0) {
		auth_fail(r, STAT_AUTH_WRONG_CREDENTIALS, PLOG_WARN,
			  "wrong credentials: the allocation belongs to another user", 441);
		return -1;
	}
	if (r->a->rest_expiry && r->a->rest_expiry < r->w->wallnow) {
		auth_fail(r, STAT_AUTH_EXPIRED, PLOG_WARN, "expired REST username", 401);
		return -1;
	}
	if (stun_check_integrity(r->m, r->a->key, TURN_KEY_LEN) != 0) {
		auth_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
			  "integrity check failed: password does not match", 401);
		return -1;
	}
	r->key = r->a->key;
	return 0;
}

/*
 * Long-term credentials, in the order of RFC 8489 9.2.4.  Returns 0 with
 * r->key set, or -1 after answering.
 */
static int
authenticate(struct req *r)
{
	const struct stun_msg *m = r->m;
	const struct stun_attr *u, *realm, *nonce;
	const struct turn_config *cfg = r->w->cfg;
	const struct turn_user *tu;
	int rc;

	if (m->mi < 0 && m->mi256 < 0) {
		resp_error(r, 401);    /* the normal first round trip: no log */
		return -1;
	}
	u = stun_msg_get(m, STUN_ATTR_USERNAME);
	realm = stun_msg_get(m, STUN_ATTR_REALM);
	nonce = stun_msg_get(m, STUN_ATTR_NONCE);
	if (!u || !realm || !nonce || copy_user(r, u) < 0) {
		auth_fail(r, STAT_AUTH_MISSING_ATTR, PLOG_WARN,
			  "integrity without USERNAME, REALM or NONCE", 400);
		return -1;
	}
	rc = turn_nonce_check(r->w->sh->nonce_secret, &r->c->remote, r->w->wallnow,
			      cfg->nonce_lifetime, nonce->val, nonce->len);
	if (rc < 0) {
		auth_fail(r, STAT_AUTH_STALE_NONCE, PLOG_INFO,
			  rc == -ESTALE ? "stale nonce" : "nonce not issued to this client", 438);
		return -1;
	}
	if (realm->len != strlen(cfg->realm) || memcmp(realm->val, cfg->realm, realm->len) != 0) {
		auth_fail(r, STAT_AUTH_WRONG_REALM, PLOG_WARN, "wrong realm (this server's realm differs)", 401);
		return -1;
	}
	snprintf(r->quota_user, sizeof(r->quota_user), "%s", r->user);
	if (r->a && m->method != STUN_ALLOCATE)
		return authenticate_on_alloc(r);
	if ((tu = turn_users_find(r->w->users, r->user))) {
		if (stun_check_integrity(m, tu->key, TURN_KEY_LEN) != 0) {
			auth_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
				  "integrity check failed: password does not match", 401);
			return -1;
		}
		r->key = tu->key;
		return 0;
	}
	rc = authenticate_rest(r);
	if (rc == 0)
		auth_fail(r, STAT_AUTH_UNKNOWN_USER, PLOG_WARN, "unknown user", 401);
	return rc > 0 ? 0 : -1;
}

/* ------------------------------------------------------------- channels */

/* RFC 8656 narrowed channel numbers to 0x4000-0x4FFF; RFC 5766 clients
 * (coturn <= 4.6 turnutils, libre) still pick up to 0x7FFF. */
static uint16_t
channel_max(const struct turn_worker *w)
{
	return w->cfg->legacy_channels ? 0x7FFF : STUN_CHANNEL_MAX;
}

static int
channel_parse(const struct turn_worker *w, const uint8_t *buf, size_t len,
	      uint16_t *num, const uint8_t **data, size_t *dlen)
{
	if (len < 4)
		return -1;
	*num = (uint16_t)(buf[0] << 8 | buf[1]);
	*dlen = (size_t)(buf[2] << 8 | buf[3]);
	*data = buf + 4;
	if (*num < STUN_CHANNEL_MIN || *num > channel_max(w) || *dlen > len - 4)
		return -1;
	return 0;
}

long
handler_frame_length(const struct turn_worker *w, const uint8_t *buf, size_t avail)
{
	uint16_t num;

	if (avail == 0 || (buf[0] >> 6) != 1)
		return stun_frame_length(buf, avail);
	if (avail < 4)
		return 0;
	num = (uint16_t)(buf[0] << 8 | buf[1]);
	if (num > channel_max(w))
		return -1;
	return (long)((4 + (size_t)(buf[2] << 8 | buf[3]) + 3) & ~(size_t)3);
}

/* ------------------------------------------------------------- methods */

static void
do_binding(struct req *r)
{
	const struct stun_attr *cr = stun_msg_get(r->m, STUN_ATTR_CHANGE_REQUEST);
	uint32_t flags = 0;

	if (cr && stun_attr_u32(cr, &flags) == 0 && flags != 0) {
		/* No alternate address: tell RFC 5780 clients we cannot. */
		struct stun_msg *m = (struct stun_msg *)r->m;
		m->unknown[0] = STUN_ATTR_CHANGE_REQUEST;
		m->nunknown = 1;
		resp_error(r, 420);
		return;
	}
	resp_begin(r, STUN_SUCCESS);
	stun_build_xor_addr(&r->b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)&r->c->remote);
	add_software(r);
	resp_send(r);
}

static int
open_relay(struct turn_worker *w, struct relay *rl, int fam, int port, int dont_fragment)
{
	const struct sockaddr_storage *base = &w->cfg->relay_addr[fam];
	int fd = socket(base->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	rl->addr = *base;
	addr_set_port(&rl->addr, port);
	if (base->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&rl->addr, addr_len(&rl->addr)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (dont_fragment) {
		int v = IP_PMTUDISC_DO;
		if (base->ss_family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
	}
	rl->adv = rl->addr;
	if (w->cfg->external_addr[fam].ss_family) {
		rl->adv = w->cfg->external_addr[fam];
		addr_set_port(&rl->adv, port);
	}
	rl->ev.kind = EV_RELAY;
	rl->ev.fd = fd;
	rl->port = port;
	return 0;
}

/*
 * Claims a port and binds the relay of family slot fam.  The primary relay
 * honours EVEN-PORT and RESERVATION-TOKEN (primary != 0); *reserved gets
 * the port kept for a later RESERVATION-TOKEN, or -1.  Returns 0 or the
 * STUN error code to answer.
 */
static int
relay_for(struct req *r, struct relay *rl, int fam, int primary, int *reserved)
{
	const struct stun_attr *tok = primary ? stun_msg_get(r->m, STUN_ATTR_RESERVATION_TOKEN) : NULL;
	const struct stun_attr *even = primary ? stun_msg_get(r->m, STUN_ATTR_EVEN_PORT) : NULL;
	int df = stun_msg_get(r->m, STUN_ATTR_DONT_FRAGMENT) != NULL;
	int reserve = 0, port, rc;

	*reserved = -1;
	if (even && stun_attr_even_port(even, &reserve) < 0)
		return 400;
	for (int tries = 0; tries < 16; tries++) {
		int tfam;
		if (tok)
			port = turn_resv_take(r->w->sh, tok->val, tok->len, r->w->now, &tfam);
		else
			port = turn_ports_claim(r->w->sh, even != NULL, reserve);
		if (port < 0)
			return 508;
		rc = open_relay(r->w, rl, fam, port, df);
		if (rc == 0) {
			if (reserve)
				*reserved = port + 1;
			return 0;
		}
		/* Taken by another program: leave it marked, try another. */
		if (reserve)
			turn_ports_release(r->w->sh, port + 1);
		if (rc != -EADDRINUSE || tok) {
			plog(PLOG_ERROR, "turn", "cannot bind a relay socket on port %d: %s", port, strerror(-rc));
			turn_ports_release(r->w->sh, port);
			return 508;
		}
	}
	return 508;
}

/*
 * Checks of an Allocate that need no resources (RFC 8656 7.2, RFC 6156).
 * Sets *fams to the relay families to open and *v6_refused when an
 * ADDITIONAL-ADDRESS-FAMILY IPv6 cannot be served.  0 or an error code.
 */
static int
allocate_precheck(struct req *r, unsigned *fams, int *v6_refused)
{
	const struct stun_attr *rt = stun_msg_get(r->m, STUN_ATTR_REQUESTED_TRANSPORT);
	const struct stun_attr *raf = stun_msg_get(r->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *aaf = stun_msg_get(r->m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY);
	const struct stun_attr *tok = stun_msg_get(r->m, STUN_ATTR_RESERVATION_TOKEN);
	const struct turn_config *cfg = r->w->cfg;
	int af = AF_INET;
	uint8_t proto;

	*fams = 0;
	*v6_refused = 0;
	if (r->a)
		return 437;
	if (!rt || stun_attr_transport(rt, &proto) < 0)
		return 400;
	if (proto != IPPROTO_UDP)
		return 442;
	if (tok && (stun_msg_get(r->m, STUN_ATTR_EVEN_PORT) || raf || aaf))
		return 400;
	if (raf && (aaf || stun_attr_family(raf, &af) < 0))
		return 400;
	if (tok) {
		/* The token reserved a port of one family: the relay is that family. */
		int fam = turn_resv_family(r->w->sh, tok->val, tok->len, r->w->now);
		if (fam < 0)
			return 508;
		af = fam ? AF_INET6 : AF_INET;
	}
	if (!cfg->relay_addr[turn_fam(af)].ss_family)
		return 440;
	*fams = 1u << turn_fam(af);
	if (aaf) {
		int extra;
		if (stun_attr_family(aaf, &extra) < 0 || extra != AF_INET6)
			return 400;   /* only IPv6 may be additional (RFC 8656 7.2) */
		if (cfg->relay_addr[1].ss_family)
			*fams |= 2;
		else
			*v6_refused = 1;
	}
	return 0;
}

static void
allocate_respond(struct req *r, struct alloc *a, const uint8_t *token, int v6_refused)
{
	resp_begin(r, STUN_SUCCESS);
	for (int f = 0; f < 2; f++)
		if (a->families & (1u << f))
			stun_build_xor_addr(&r->b, STUN_ATTR_XOR_RELAYED_ADDRESS,
					    (const struct sockaddr *)&a->relay[f].adv);
	if (v6_refused) {
		/* ADDRESS-ERROR-CODE: family IPv6, class 4, number 40. */
		static const char why[] = "Address Family not Supported";
		uint8_t v[4 + sizeof(why)] = { 0x02, 0, 4, 40 };
		memcpy(v + 4, why, sizeof(why) - 1);
		stun_build_attr(&r->b, STUN_ATTR_ADDRESS_ERROR_CODE, v, 4 + sizeof(why) - 1);
	}
	stun_build_u32(&r->b, STUN_ATTR_LIFETIME, (uint32_t)(a->expires - r->w->now));
	if (token)
		stun_build_attr(&r->b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	stun_build_xor_addr(&r->b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)&r->c->remote);
	add_software(r);
	resp_send(r);
}

/* Opens every relay of fams; 0 or an error code (relays opened so far
 * stay in a->relay[] for alloc_free_unlinked). */
static int
open_relays(struct req *r, struct alloc *a, unsigned fams, int *reserved)
{
	int primary = 1, code, unused;

	for (int f = 0; f < 2; f++) {
		if (!(fams & (1u << f)))
			continue;
		code = relay_for(r, &a->relay[f], f, primary, primary ? reserved : &unused);
		if (code)
			return code;
		a->relay[f].a = a;
		a->families |= 1u << f;
		if (worker_watch(r->w, &a->relay[f].ev, EPOLLIN) < 0)
			return 508;
		primary = 0;
	}
	return 0;
}

/* Undo a half-built allocation that was never inserted. */
static void
alloc_free_unlinked(struct turn_worker *w, struct alloc *a, int reserved)
{
	for (int f = 0; f < 2; f++) {
		if (a->relay[f].ev.fd >= 0) {
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, a->relay[f].ev.fd, NULL);
			close(a->relay[f].ev.fd);
		}
		if (a->relay[f].port > 0)
			turn_ports_release(w->sh, a->relay[f].port);
	}
	if (reserved >= 0)
		turn_ports_release(w->sh, reserved);
	turn_quota_give(w->sh, a->quota_user);
	free(a->quota_user);
	free(a->user);
	free(a);
}

static struct alloc *
alloc_new(struct req *r)
{
	struct alloc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->user = strdup(r->user);
	a->quota_user = strdup(r->quota_user);
	if (!a->user || !a->quota_user) {
		free(a->user);
		free(a->quota_user);
		free(a);
		return NULL;
	}
	a->relay[0].ev.fd = a->relay[1].ev.fd = -1;
	a->client = *r->c;
	memcpy(a->key, r->key, TURN_KEY_LEN);
	a->rest_expiry = r->rest_expiry;
	return a;
}

static void
do_allocate(struct req *r)
{
	struct turn_worker *w = r->w;
	const struct stun_attr *lt = stun_msg_get(r->m, STUN_ATTR_LIFETIME);
	uint32_t want = TURN_DEFAULT_LIFETIME;
	uint8_t token[8];
	char cs[ADDR_STRLEN + 8], rs[2 * ADDR_STRLEN];
	struct alloc *a;
	unsigned fams;
	int code, v6_refused, reserved = -1;

	if ((code = allocate_precheck(r, &fams, &v6_refused)) != 0) {
		resp_error(r, code);
		return;
	}
	if ((code = turn_quota_take(w->sh, w->cfg, r->quota_user)) != 0) {
		worker_count(w, code == 486 ? STAT_QUOTA_USER : STAT_QUOTA_TOTAL);
		reject_log(r, PLOG_WARN, code == 486 ? "allocation quota reached for this user"
						     : "server allocation limit (total-quota) reached");
		resp_error(r, code);
		return;
	}
	if (!(a = alloc_new(r))) {
		turn_quota_give(w->sh, r->quota_user);
		resp_error(r, 508);
		return;
	}
	if ((code = open_relays(r, a, fams, &reserved)) != 0 || alloc_insert(w, a) < 0) {
		if (code == 508 || !code) {
			worker_count(w, STAT_NO_PORT);
			reject_log(r, PLOG_ERROR, "no relay port free in relay-ports");
		}
		alloc_free_unlinked(w, a, reserved);
		resp_error(r, code ? code : 508);
		return;
	}
	if (lt)
		stun_attr_u32(lt, &want);
	a->created = w->now;
	a->expires = w->now + alloc_lifetime(w->cfg, want);
	if (reserved >= 0) {
		uint64_t t1 = worker_rand(w);
		memcpy(token, &t1, sizeof(token));
		turn_resv_add(w->sh, token, reserved, a->families & 1 ? 0 : 1, w->now);
	}
	r->a = a;
	plog(PLOG_INFO, "turn", "allocation created: user=%s client=%s relay=%s lifetime=%us",
	     a->user, client_str(&a->client, cs), alloc_relay_str(a, rs, sizeof(rs)),
	     (unsigned)(a->expires - w->now));
	allocate_respond(r, a, reserved >= 0 ? token : NULL, v6_refused);
}

static void
do_refresh(struct req *r)
{
	const struct stun_attr *lt = stun_msg_get(r->m, STUN_ATTR_LIFETIME);
	const struct stun_attr *raf = stun_msg_get(r->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	uint32_t want = TURN_DEFAULT_LIFETIME;
	char cs[ADDR_STRLEN + 8], rs[2 * ADDR_STRLEN];
	int af;

	if (raf && (stun_attr_family(raf, &af) < 0 || !(r->a->families & (1u << turn_fam(af))))) {
		resp_error(r, 443);
		return;
	}
	if (lt && stun_attr_u32(lt, &want) < 0) {
		resp_error(r, 400);
		return;
	}
	resp_begin(r, STUN_SUCCESS);
	if (want == 0) {
		/* RFC 8656 7.3: the allocation is gone when the success is sent,
		 * so its port and quota are released first (a client may allocate
		 * again at once, from another 5-tuple and so another worker). */
		struct alloc *a = r->a;
		uint8_t out[RESP_CACHE];
		long n;

		stun_build_u32(&r->b, STUN_ATTR_LIFETIME, 0);
		add_software(r);
		n = resp_finish(r);
		if (n > 0 && (size_t)n <= sizeof(out))
			memcpy(out, r->b.buf, (size_t)n);
		r->a = NULL;
		alloc_destroy(r->w, a, "client refreshed with lifetime 0");   /* recycles the slot */
		if (n > 0 && (size_t)n <= sizeof(out)) {
			uint8_t *slot = worker_tx_slot(r->w);
			memcpy(slot, out, (size_t)n);
			worker_send_client(r->w, r->c, slot, (size_t)n);
		}
		return;
	}
	r->a->expires = r->w->now + alloc_lifetime(r->w->cfg, want);
	plog(PLOG_INFO, "turn", "allocation refreshed: user=%s client=%s relay=%s lifetime=%us",
	     r->a->user, client_str(&r->a->client, cs), alloc_relay_str(r->a, rs, sizeof(rs)),
	     (unsigned)(r->a->expires - r->w->now));
	stun_build_u32(&r->b, STUN_ATTR_LIFETIME, (uint32_t)(r->a->expires - r->w->now));
	add_software(r);
	resp_send(r);
}

/* Decode and judge one XOR-PEER-ADDRESS: 0 with *canon set, or an error code. */
static int
peer_ok(struct req *r, const struct stun_attr *pa, struct sockaddr_storage *canon)
{
	struct sockaddr_storage peer;
	const char *why;
	char ps[ADDR_STRLEN], cs[ADDR_STRLEN + 8];

	if (stun_attr_xor_addr(r->m, pa, &peer) < 0)
		return 400;
	switch (turn_policy_check(r->w->cfg, r->a->families, &peer, canon, &why)) {
	case TURN_PEER_OK:
		return 0;
	case TURN_PEER_FAMILY:
		return 443;
	case TURN_PEER_DENIED:
	default:
		worker_count(r->w, STAT_PEER_DENIED);
		plog(PLOG_WARN, "turn", "%s refused: peer %s is not allowed (%s): user=%s client=%s",
		     stun_method_name(r->m->method), addr_str(&peer, ps, 0), why, r->a->user,
		     client_str(r->c, cs));
		return 403;
	}
}

#define MAX_PEERS_PER_REQUEST 32

static void
do_create_permission(struct req *r)
{
	struct sockaddr_storage peers[MAX_PEERS_PER_REQUEST];
	unsigned n = 0;
	int code;

	for (unsigned i = 0; i < r->m->nattrs; i++) {
		const struct stun_attr *at = &r->m->attrs[i];
		if (at->type != STUN_ATTR_XOR_PEER_ADDRESS)
			continue;
		if (n == MAX_PEERS_PER_REQUEST) {
			resp_error(r, 400);
			return;
		}
		if ((code = peer_ok(r, at, &peers[n++])) != 0) {
			resp_error(r, code);   /* all or nothing (RFC 8656 9.2) */
			return;
		}
	}
	if (n == 0) {
		resp_error(r, 400);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (alloc_perm_install(r->a, &peers[i], r->w->now, r->w->cfg->max_permissions) < 0) {
			reject_log(r, PLOG_WARN, "too many permissions on this allocation (max-permissions)");
			resp_error(r, 508);
			return;
		}
	resp_begin(r, STUN_SUCCESS);
	add_software(r);
	resp_send(r);
}

static void
do_channel_bind(struct req *r)
{
	const struct stun_attr *cn = stun_msg_get(r->m, STUN_ATTR_CHANNEL_NUMBER);
	const struct stun_attr *pa = stun_msg_get(r->m, STUN_ATTR_XOR_PEER_ADDRESS);
	struct sockaddr_storage peer;
	uint16_t num;
	int code;

	if (!cn || !pa || stun_attr_channel(cn, &num) < 0) {
		reject_log(r, PLOG_INFO, "ChannelBind needs CHANNEL-NUMBER and XOR-PEER-ADDRESS");
		resp_error(r, 400);
		return;
	}
	if (num < STUN_CHANNEL_MIN || num > channel_max(r->w)) {
		char why[160];
		snprintf(why, sizeof(why), "channel number 0x%04x is outside 0x4000-0x%04x%s", num,
			 channel_max(r->w), r->w->cfg->legacy_channels ? "" :
			 " (RFC 8656; RFC 5766 clients need legacy-channels = yes)");
		reject_log(r, PLOG_WARN, why);
		resp_error(r, 400);
		return;
	}
	if ((code = peer_ok(r, pa, &peer)) != 0) {
		resp_error(r, code);
		return;
	}
	if (alloc_chan_bind(r->a, num, &peer, r->w->now) < 0) {
		reject_log(r, PLOG_INFO, "channel number or peer already bound to another");
		resp_error(r, 400);
		return;
	}
	if (alloc_perm_install(r->a, &peer, r->w->now, r->w->cfg->max_permissions) < 0) {
		resp_error(r, 508);
		return;
	}
	resp_begin(r, STUN_SUCCESS);
	add_software(r);
	resp_send(r);
}

enum { NO_AUTH, AUTH, AUTH_IF_CONFIGURED };

static const struct method_handler {
	uint16_t method;
	int auth;
	int needs_alloc;
	void (*fn)(struct req *r);
} handlers[] = {
	{ STUN_BINDING, AUTH_IF_CONFIGURED, 0, do_binding },
	{ STUN_ALLOCATE, AUTH, 0, do_allocate },
	{ STUN_REFRESH, AUTH, 1, do_refresh },
	{ STUN_CREATE_PERMISSION, AUTH, 1, do_create_permission },
	{ STUN_CHANNEL_BIND, AUTH, 1, do_channel_bind },
};

static void
handle_request(struct req *r)
{
	const struct method_handler *h = NULL;

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].method == r->m->method)
			h = &handlers[i];
	if (r->a && r->a->last_len && memcmp(r->a->last_tid, r->m->tid, STUN_TID_LEN) == 0) {
		worker_send_client(r->w, r->c, r->a->last_resp, r->a->last_len);
		return;
	}
	if (!h) {
		resp_error(r, 400);
		return;
	}
	if ((h->auth == AUTH || (h->auth == AUTH_IF_CONFIGURED && r->w->cfg->binding_auth)) &&
	    authenticate(r) < 0)
		return;
	if (r->m->nunknown) {
		resp_error(r, 420);
		return;
	}
	if (h->needs_alloc && !r->a) {
		resp_error(r, 437);
		return;
	}
	h->fn(r);
}

/* ---------------------------------------------------------------- data */

static void
count_drop(struct turn_worker *w, enum turn_stat why)
{
	worker_count(w, why);
}

/* Token bucket: rate in bytes per second, one second of burst. */
static int
bucket_take(struct bucket *b, uint64_t rate, uint64_t now_ms, size_t n)
{
	if (!rate)
		return 1;
	if (now_ms > b->stamp_ms) {
		uint64_t add = (now_ms - b->stamp_ms) * rate / 1000;
		b->tokens = b->tokens + add > rate ? rate : b->tokens + add;
		b->stamp_ms = now_ms;
	}
	if (b->tokens < n)
		return 0;
	b->tokens -= n;
	return 1;
}

/* Per-allocation and server-wide bandwidth caps, per direction (dir 0:
 * client to peer, 1: peer to client). */
static int
within_bandwidth(struct turn_worker *w, struct alloc *a, int dir, size_t n)
{
	if (!bucket_take(&a->bw[dir], w->cfg->max_alloc_bps, w->now_ms, n) ||
	    !bucket_take(&w->bw[dir], w->total_bps_share, w->now_ms, n)) {
		count_drop(w, STAT_DROP_BANDWIDTH);
		return 0;
	}
	return 1;
}

static void
relay_to_peer(struct turn_worker *w, struct alloc *a, const struct sockaddr_storage *peer,
	      const uint8_t *data, size_t len)
{
	int f = turn_fam(peer->ss_family);

	if (!(a->families & (1u << f)) || !alloc_perm_find(a, peer, w->now)) {
		count_drop(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	if (!within_bandwidth(w, a, 0, len))
		return;
	worker_send_udp(w, a->relay[f].ev.fd, data, len, peer);
	a->c2p_pkts++;
	a->c2p_bytes += len;
	worker_count(w, STAT_C2P_PKTS);
	worker_add(w, STAT_C2P_BYTES, len);
}

static void
handle_send(struct turn_worker *w, const struct client *c, const struct stun_msg *m)
{
	const struct stun_attr *pa = stun_msg_get(m, STUN_ATTR_XOR_PEER_ADDRESS);
	const struct stun_attr *data = stun_msg_get(m, STUN_ATTR_DATA);
	struct alloc *a = alloc_lookup(w, c);
	struct sockaddr_storage peer, canon;

	if (!a) {
		count_drop(w, STAT_DROP_NO_ALLOCATION);
		return;
	}
	if (!pa || !data || stun_attr_xor_addr(m, pa, &peer) < 0) {
		count_drop(w, STAT_DROP_MALFORMED);
		return;
	}
	addr_canonical(&peer, &canon);
	relay_to_peer(w, a, &canon, data->val, data->len);
}

static void
handle_channel(struct turn_worker *w, const struct client *c, const uint8_t *buf, size_t len)
{
	struct alloc *a = alloc_lookup(w, c);
	const uint8_t *data;
	size_t dlen;
	uint16_t num;
	struct chan *ch;

	if (!a) {
		count_drop(w, STAT_DROP_NO_ALLOCATION);
		return;
	}
	if (channel_parse(w, buf, len, &num, &data, &dlen) < 0) {
		count_drop(w, STAT_DROP_MALFORMED);
		return;
	}
	if (!(ch = alloc_chan_by_num(a, num, w->now, 0))) {
		count_drop(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	relay_to_peer(w, a, &ch->peer, data, dlen);
}

/* A STUN request we could not parse still deserves a 400 when its header
 * is sound enough to answer (RFC 8489 6.3). */
static void
answer_malformed(struct turn_worker *w, const struct client *c, const uint8_t *buf, size_t len)
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
	stun_build_init(&b, worker_tx_slot(w), TX_SLOT, method, STUN_ERROR, buf + 8);
	stun_build_error(&b, 400, NULL);
	n = stun_build_finish(&b);
	if (n > 0)
		worker_send_client(w, c, b.buf, (size_t)n);
}

void
handler_client_data(struct turn_worker *w, const struct client *c, uint8_t *buf, size_t len)
{
	struct stun_msg m;
	struct req r;

	if (len >= 4 && (buf[0] >> 6) == 1) {
		handle_channel(w, c, buf, len);
		return;
	}
	if (stun_parse(&m, buf, len) < 0) {
		count_drop(w, STAT_DROP_MALFORMED);
		answer_malformed(w, c, buf, len);
		return;
	}
	if (m.fp >= 0 && stun_check_fingerprint(&m) != 0) {
		count_drop(w, STAT_DROP_MALFORMED);    /* not STUN after all, or damaged: silently dropped */
		return;
	}
	if (m.cls == STUN_INDICATION) {
		if (m.method == STUN_SEND)
			handle_send(w, c, &m);
		else
			count_drop(w, STAT_DROP_NOT_REQUEST);
		return;
	}
	if (m.cls != STUN_REQUEST) {
		count_drop(w, STAT_DROP_NOT_REQUEST);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.c = c;
	r.m = &m;
	r.a = alloc_lookup(w, c);
	handle_request(&r);
}

static void
send_channel_data(struct turn_worker *w, struct alloc *a, uint16_t num, uint8_t *buf, size_t len)
{
	uint8_t *start = buf - 4;
	size_t total = 4 + len;

	stun_channel_header(start, num, (uint16_t)len);
	if (a->client.proto == IPPROTO_TCP)
		while (total & 3)
			start[total++] = 0;    /* RFC 8656 12.5: padded over streams */
	worker_send_client(w, &a->client, start, total);
}

static void
send_data_indication(struct turn_worker *w, struct alloc *a, const struct sockaddr_storage *from,
		     uint8_t *buf, size_t len)
{
	size_t addrlen = from->ss_family == AF_INET6 ? 20 : 8;
	size_t hdr = STUN_HEADER_LEN + 4 + addrlen + 4;
	uint8_t *start = buf - hdr;
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	uint64_t r1 = worker_rand(w), r2 = worker_rand(w);
	size_t total, body;

	memcpy(tid, &r1, 8);
	memcpy(tid + 8, &r2, 4);
	stun_build_init(&b, start, hdr, STUN_DATA, STUN_INDICATION, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (const struct sockaddr *)from);
	if (stun_build_finish(&b) != (long)(hdr - 4)) {
		count_drop(w, STAT_DROP_MALFORMED);
		return;
	}
	start[hdr - 4] = STUN_ATTR_DATA >> 8;
	start[hdr - 3] = STUN_ATTR_DATA & 0xff;
	start[hdr - 2] = (uint8_t)(len >> 8);
	start[hdr - 1] = (uint8_t)len;
	total = hdr + len;
	while (total & 3)
		start[total++] = 0;
	body = total - STUN_HEADER_LEN;
	start[2] = (uint8_t)(body >> 8);
	start[3] = (uint8_t)body;
	worker_send_client(w, &a->client, start, total);
}

void
handler_peer_data(struct turn_worker *w, struct relay *rl, const struct sockaddr_storage *from,
		  uint8_t *buf, size_t len)
{
	struct alloc *a = rl->a;
	struct chan *ch;

	if (!alloc_perm_find(a, from, w->now)) {
		count_drop(w, STAT_DROP_NO_PERMISSION);
		return;
	}
	if (!within_bandwidth(w, a, 1, len))
		return;
	a->p2c_pkts++;
	a->p2c_bytes += len;
	worker_count(w, STAT_P2C_PKTS);
	worker_add(w, STAT_P2C_BYTES, len);
	ch = alloc_chan_by_peer(a, from, w->now, 0);
	if (ch)
		send_channel_data(w, a, ch->num, buf, len);
	else
		send_data_indication(w, a, from, buf, len);
}
