/*
 * credentials.c: long-term credentials (RFC 8489 9.2.4) against [users],
 * and TURN REST API names against the auth-secret values.  Worker thread
 * only.  Logs say why a request was refused, never a password or key.
 */
#include <gnutls/crypto.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"
#include "turn/limit.h"

/* ---------------------------------------------------------------- auth */

static int
copy_user(struct turn_req *r, const struct stun_attr *u)
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

const char *
turn_credentials_rest_parse(const char *name, char sep, uint64_t *expiry, const char **user)
{
	const char *p = name;
	uint64_t v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (p - name == 20 || v > (UINT64_MAX - d) / 10)
			return "the expiry does not fit in 64 bits";
		v = v * 10 + d;
	}
	if (p == name)
		return "the expiry is not 1 to 20 ASCII digits";
	if (*p != sep)
		return "the expiry is not followed by rest-separator";
	if (p[1] == '\0')
		return "the user part after rest-separator is empty";
	*expiry = v;
	*user = p + 1;
	return NULL;
}

/*
 * TURN REST API names "<expiry>:<user>" (separator rest-separator): the
 * password is base64(HMAC-SHA1(secret, name)) for one of the configured
 * auth-secret values.  A name with the separator is taken for a REST name
 * and must be one exactly (turn_credentials_rest_parse).  Returns 1 with
 * r->key set, 0 when the name is not a REST name, -1 after answering a
 * failure.
 */
static int
authenticate_rest(struct turn_req *r)
{
	const struct turn_config *cfg = r->w->cfg;
	const struct turn_users *cred = r->w->users;
	const char *user, *bad;
	char pw[32], why[128];
	uint64_t expiry;
	uint8_t mac[20];

	if (!cred->nsecrets || !strchr(r->user, cfg->rest_separator))
		return 0;
	if ((bad = turn_credentials_rest_parse(r->user, cfg->rest_separator, &expiry, &user))) {
		snprintf(why, sizeof(why), "malformed REST username: %s", bad);
		turn_response_fail(r, STAT_AUTH_UNKNOWN_USER, PLOG_WARN, why, 401);
		return -1;
	}
	snprintf(r->quota_user, sizeof(r->quota_user), "%s", user);
	if (expiry < r->w->wallnow) {
		snprintf(why, sizeof(why), "expired REST username (expired %llu s ago)",
			 (unsigned long long)(r->w->wallnow - expiry));
		turn_response_fail(r, STAT_AUTH_EXPIRED, PLOG_WARN, why, 401);
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
	turn_response_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
		  "integrity check failed: REST password does not match any auth-secret", 401);
	return -1;
}

/* Requests on an existing allocation use the credentials it was made with. */
static int
authenticate_on_alloc(struct turn_req *r)
{
	if (strcmp(r->user, r->a->user) != 0) {
		turn_response_fail(r, STAT_AUTH_WRONG_CREDENTIALS, PLOG_WARN,
			  "wrong credentials: the allocation belongs to another user", 441);
		return -1;
	}
	if (r->a->rest_expiry && r->a->rest_expiry < r->w->wallnow) {
		turn_response_fail(r, STAT_AUTH_EXPIRED, PLOG_WARN, "expired REST username", 401);
		return -1;
	}
	if (stun_check_integrity(r->m, r->a->key, TURN_KEY_LEN) != 0) {
		turn_response_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
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
authenticate(struct turn_req *r)
{
	const struct stun_msg *m = r->m;
	const struct stun_attr *u, *realm, *nonce;
	const struct turn_config *cfg = r->w->cfg;
	const struct turn_user *tu;
	int rc;

	if (m->mi < 0 && m->mi256 < 0) {
		turn_response_error(r, 401);    /* the normal first round trip: no log */
		return -1;
	}
	u = stun_msg_get(m, STUN_ATTR_USERNAME);
	realm = stun_msg_get(m, STUN_ATTR_REALM);
	nonce = stun_msg_get(m, STUN_ATTR_NONCE);
	if (!u || !realm || !nonce || copy_user(r, u) < 0) {
		turn_response_fail(r, STAT_AUTH_MISSING_ATTR, PLOG_WARN,
			  "integrity without USERNAME, REALM or NONCE", 400);
		return -1;
	}
	rc = turn_nonce_check(r->w->sh->nonce_secret, &r->c->remote, r->w->wallnow,
			      cfg->nonce_lifetime, nonce->val, nonce->len);
	if (rc < 0) {
		turn_response_fail(r, STAT_AUTH_STALE_NONCE, PLOG_INFO,
			  rc == -ESTALE ? "stale nonce" : "nonce not issued to this client", 438);
		return -1;
	}
	if (realm->len != strlen(cfg->realm) || memcmp(realm->val, cfg->realm, realm->len) != 0) {
		turn_response_fail(r, STAT_AUTH_WRONG_REALM, PLOG_WARN, "wrong realm (this server's realm differs)", 401);
		return -1;
	}
	snprintf(r->quota_user, sizeof(r->quota_user), "%s", r->user);
	if (r->a && m->method != STUN_ALLOCATE)
		return authenticate_on_alloc(r);
	if ((tu = turn_users_find(r->w->users, r->user))) {
		if (stun_check_integrity(m, tu->key, TURN_KEY_LEN) != 0) {
			turn_response_fail(r, STAT_AUTH_BAD_PASSWORD, PLOG_WARN,
				  "integrity check failed: password does not match", 401);
			return -1;
		}
		r->key = tu->key;
		return 0;
	}
	rc = authenticate_rest(r);
	if (rc == 0)
		turn_response_fail(r, STAT_AUTH_UNKNOWN_USER, PLOG_WARN, "unknown user", 401);
	return rc > 0 ? 0 : -1;
}

int
turn_credentials_check(struct turn_req *r)
{
	if (authenticate(r) < 0)
		return -1;
	/* Its nonce came back with a valid MAC: this address receives our
	 * answers, so it is no source a spoofer could name (limit.h). */
	turn_limit_prove(&r->w->limit, r->w->cfg, &r->c->remote, r->w->now);
	return 0;
}
