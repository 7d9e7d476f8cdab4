/*
 * auth.c: API users.  Passwords are stored as PBKDF2-HMAC-SHA256 with a
 * random 16-byte salt and MEET_AUTH_ITERATIONS rounds; comparison is
 * constant-time.  A successful check is remembered for AUTH_CACHE_USEC
 * under an HMAC of the header value keyed by a per-process random key, so
 * the cache holds nothing a memory dump could replay elsewhere.
 * Loop thread only.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "common/plog.h"
#include "meet/meet-internal.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define AUTH_CACHE_USEC (60 * G_USEC_PER_SEC)
#define AUTH_CACHE_MAX 256

/* Process-wide on purpose: one per-process HMAC key and one cache for
 * every API listener of this process; owned by the loop thread (the only
 * caller of meet_auth_check), freed by meet_auth_shutdown. */
static struct {
	uint8_t key[32];
	int keyed;
	GHashTable *cache;          /* hex HMAC(header) -> gint64 expiry (boxed) + user */
} auth;

struct cached {
	gint64 expires;
	char *user;
};

static void
cached_free(gpointer p)
{
	struct cached *c = p;

	g_free(c->user);
	g_free(c);
}

static int
auth_hash(const char *password, const uint8_t *salt, size_t saltlen, unsigned iterations,
	  uint8_t out[HASH_LEN])
{
	gnutls_datum_t key = { (unsigned char *)password, (unsigned)strlen(password) };
	gnutls_datum_t s = { (unsigned char *)salt, (unsigned)saltlen };

	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &key, &s, iterations, out, HASH_LEN) < 0 ? -1 : 0;
}

static int
valid_user_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("._-", *p))
			return 0;
	return 1;
}

int
meet_auth_user_add(struct meet_store *st, const char *name, const char *password, char *err,
		   size_t errlen)
{
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	int ret = -1;

	if (!valid_user_name(name)) {
		g_snprintf(err, errlen, "user name \"%s\" must be 1-64 of A-Z a-z 0-9 . _ -", name);
		return -1;
	}
	if (strlen(password) < 8 || strlen(password) > 1024 || strchr(password, ':')) {
		g_snprintf(err, errlen, "the password must be 8-1024 bytes and contain no ':'");
		return -1;
	}
	if (gnutls_rnd(GNUTLS_RND_RANDOM, salt, sizeof(salt)) < 0 ||
	    auth_hash(password, salt, sizeof(salt), MEET_AUTH_ITERATIONS, hash) < 0) {
		g_snprintf(err, errlen, "cannot hash the password (GnuTLS failed)");
		goto out;
	}
	if (meet_store_begin(st) < 0 ||
	    meet_store_user_put(st, name, salt, sizeof(salt), MEET_AUTH_ITERATIONS, hash,
				sizeof(hash)) < 0 || meet_store_commit(st) < 0) {
		meet_store_rollback(st);
		g_snprintf(err, errlen, "cannot store user: %s", meet_store_errmsg(st));
		goto out;
	}
	ret = 0;
out:
	gnutls_memset(hash, 0, sizeof(hash));
	return ret;
}

/* Constant-time comparison of equal-length buffers. */
static int
auth_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static int
auth_verify(struct meet_store *st, const char *user, const char *password)
{
	uint8_t salt[64], hash[HASH_LEN], want[HASH_LEN];
	size_t saltlen = sizeof(salt), hashlen = sizeof(want);
	unsigned iterations;
	int found = meet_store_user_get(st, user, salt, &saltlen, &iterations, want, &hashlen);
	int ok;

	if (found != 0) {
		/* Unknown user: spend the same time as a known one. */
		memset(salt, 0, sizeof(salt));
		saltlen = SALT_LEN;
		iterations = MEET_AUTH_ITERATIONS;
		memset(want, 0xff, sizeof(want));
		hashlen = HASH_LEN;
	}
	ok = auth_hash(password, salt, saltlen, iterations, hash) == 0 && hashlen == HASH_LEN &&
	     auth_equal(hash, want, HASH_LEN) && found == 0;
	gnutls_memset(hash, 0, sizeof(hash));
	return ok;
}

static char *
auth_cache_key(const char *header)
{
	uint8_t mac[32];

	if (!auth.keyed) {
		if (gnutls_rnd(GNUTLS_RND_KEY, auth.key, sizeof(auth.key)) < 0)
			return NULL;
		auth.keyed = 1;
	}
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, auth.key, sizeof(auth.key), header,
			     strlen(header), mac) < 0)
		return NULL;
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, mac, sizeof(mac));
}

/* Split "Basic base64(user:password)"; returns 0 and new strings. */
static int
auth_parse(const char *header, char **user, char **password)
{
	gsize len = 0;
	guchar *raw;
	char *colon;

	if (!header || g_ascii_strncasecmp(header, "Basic ", 6) || strlen(header) > 2048)
		return -1;
	raw = g_base64_decode(header + 6, &len);
	if (!raw || len == 0 || memchr(raw, '\0', len)) {
		g_free(raw);
		return -1;
	}
	raw = g_realloc(raw, len + 1);
	raw[len] = '\0';
	colon = strchr((char *)raw, ':');
	if (!colon) {
		g_free(raw);
		return -1;
	}
	*user = g_strndup((char *)raw, (gsize)(colon - (char *)raw));
	*password = g_strdup(colon + 1);
	gnutls_memset(raw, 0, len);
	g_free(raw);
	return 0;
}

int
meet_auth_check(struct meet_store *st, const char *authorization, char **user)
{
	char *name = NULL, *password = NULL, *ck;
	struct cached *c;
	int ok = 0;

	*user = NULL;
	if (!authorization)
		return 0;
	if (!auth.cache)
		auth.cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
	ck = auth_cache_key(authorization);
	c = ck ? g_hash_table_lookup(auth.cache, ck) : NULL;
	if (c && c->expires > g_get_monotonic_time()) {
		*user = g_strdup(c->user);
		g_free(ck);
		return 1;
	}
	if (auth_parse(authorization, &name, &password) == 0 && auth_verify(st, name, password))
		ok = 1;
	if (ok && ck) {
		if (g_hash_table_size(auth.cache) >= AUTH_CACHE_MAX)
			g_hash_table_remove_all(auth.cache);
		c = g_new0(struct cached, 1);
		c->expires = g_get_monotonic_time() + AUTH_CACHE_USEC;
		c->user = g_strdup(name);
		g_hash_table_replace(auth.cache, ck, c);
		ck = NULL;
	}
	if (ok)
		*user = g_strdup(name);
	if (password)
		gnutls_memset(password, 0, strlen(password));
	g_free(password);
	g_free(name);
	g_free(ck);
	return ok;
}

void
meet_auth_shutdown(void)
{
	g_clear_pointer(&auth.cache, g_hash_table_unref);
	gnutls_memset(auth.key, 0, sizeof(auth.key));
	auth.keyed = 0;
}
