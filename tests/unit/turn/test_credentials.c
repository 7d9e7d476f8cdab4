/* Long-term and TURN REST authentication (src/turn/credentials.c). */
#include <glib.h>
#include <gnutls/crypto.h>
#include <inttypes.h>

#include "harness.h"
#include "turn/handler-internal.h"
#include "tap.h"

#define SECRET "0123456789abcdef-secret"

static int
allocate_as(struct hx *h, const char *user, const uint8_t *key)
{
	uint8_t udp[4] = { IPPROTO_UDP, 0, 0, 0 };

	hx_begin(h, STUN_ALLOCATE);
	stun_build_attr(&h->b, STUN_ATTR_REQUESTED_TRANSPORT, udp, 4);
	return hx_send_as(h, 1, user, key);
}

/* The key a TURN REST client derives for name. */
static void
rest_key(const char *name, uint8_t key[TURN_KEY_LEN])
{
	uint8_t mac[20];
	gchar *pw;

	gnutls_hmac_fast(GNUTLS_MAC_SHA1, SECRET, strlen(SECRET), name, strlen(name), mac);
	pw = g_base64_encode(mac, sizeof(mac));
	stun_longterm_key(name, HX_REALM, pw, key);
	g_free(pw);
}

static void
long_term(struct hx *h)
{
	uint8_t wrong[TURN_KEY_LEN];
	uint64_t before;

	hx_challenge(h);
	stun_longterm_key(HX_USER, HX_REALM, "not-it", wrong);
	before = hx_stat(h, STAT_AUTH_BAD_PASSWORD);
	is_int(allocate_as(h, HX_USER, wrong), 401, "wrong password: 401");
	is_int(hx_stat(h, STAT_AUTH_BAD_PASSWORD), before + 1, "counted as bad_password");
	is_int(allocate_as(h, "nobody", h->key), 401, "unknown user: 401");
	is_int(hx_stat(h, STAT_AUTH_UNKNOWN_USER), 1, "counted as unknown_user");

	memcpy(h->nonce, "00000000aaaaaaaaaaaaaaaa", TURN_NONCE_LEN);
	is_int(allocate_as(h, HX_USER, h->key), 438, "a nonce we never issued: 438");
	ok(h->nonce[0] != '0' || h->nonce[1] != '0', "438 brings a fresh nonce");

	hx_begin(h, STUN_REFRESH);
	stun_build_attr(&h->b, STUN_ATTR_USERNAME, HX_USER, strlen(HX_USER));
	stun_build_integrity(&h->b, h->key, TURN_KEY_LEN);
	is_int(hx_send(h, 0), 400, "integrity without REALM and NONCE: 400");

	is_int(allocate_as(h, HX_USER, h->key), 0, "right password: allocation");
	hx_begin(h, STUN_REFRESH);
	is_int(hx_send_as(h, 1, "mallory", h->key), 441, "another user on this allocation: 441");
	hx_begin(h, STUN_REFRESH);
	stun_build_u32(&h->b, STUN_ATTR_LIFETIME, 0);
	is_int(hx_send(h, 1), 0, "the owner may delete it");
}

static void
rest(void)
{
	struct hx h;
	char name[64];
	uint8_t key[TURN_KEY_LEN];

	hx_init(&h, "auth-secret = " SECRET);
	hx_challenge(&h);
	snprintf(name, sizeof(name), "%" PRIu64 ":bob", turn_wallclock() + 3600);
	rest_key(name, key);
	is_int(allocate_as(&h, name, key), 0, "REST name with a future expiry: allocation");
	ok(hx_alloc(&h) && hx_alloc(&h)->rest_expiry > turn_wallclock(), "expiry kept on the allocation");
	ok(hx_alloc(&h) && strcmp(hx_alloc(&h)->quota_user, "bob") == 0, "quota counts the user part");
	turn_alloc_destroy(&h.w, hx_alloc(&h), "test");

	snprintf(name, sizeof(name), "%" PRIu64 ":bob", turn_wallclock() - 10);
	rest_key(name, key);
	is_int(allocate_as(&h, name, key), 401, "expired REST name: 401");
	is_int(hx_stat(&h, STAT_AUTH_EXPIRED), 1, "counted as expired");

	snprintf(name, sizeof(name), "%" PRIu64 ":bob", turn_wallclock() + 3600);
	stun_longterm_key(name, HX_REALM, "guess", key);
	is_int(allocate_as(&h, name, key), 401, "REST name with a wrong password: 401");
	hx_free(&h);
}

static void
rest_parse(void)
{
	static const struct { const char *name, *why; } bad[] = {
		{ "-1:bob", "not 1 to 20" },
		{ "99999999999999999999:bob", "64 bits" },
		{ "18446744073709551616:bob", "64 bits" },
		{ "000000000000000000001:bob", "64 bits" },
		{ "+1700000000:bob", "not 1 to 20" },
		{ " 1700000000:bob", "not 1 to 20" },
		{ "1700000000:", "empty" },
		{ ":bob", "not 1 to 20" },
		{ "17000 00000:bob", "not followed" },
		{ "1700000000-bob", "not followed" },
		{ "0x10:bob", "not followed" },
	};
	uint64_t e = 0;
	const char *user = NULL, *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = turn_credentials_rest_parse(bad[i].name, ':', &e, &user);
		ok(why && strstr(why, bad[i].why), "\"%s\" refused: %s", bad[i].name, why ? why : "(accepted)");
	}
	is_int(turn_credentials_rest_parse("18446744073709551615:bob", ':', &e, &user) == NULL, 1,
	       "2^64-1 is the largest expiry");
	ok(e == UINT64_MAX && strcmp(user, "bob") == 0, "expiry and user returned");
	ok(turn_credentials_rest_parse("1700000000-a:b", '-', &e, &user) == NULL && e == 1700000000u &&
	   strcmp(user, "a:b") == 0, "the configured separator, the first one");
}

/* Over the wire: each malformed name gets 401 (whatever its password). */
static void
rest_refused(void)
{
	static const char *const names[] = { "-1:bob", "99999999999999999999:bob", "+T:bob", " T:bob", "T:" };
	struct hx h;
	uint8_t key[TURN_KEY_LEN];

	hx_init(&h, "auth-secret = " SECRET);
	hx_challenge(&h);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rest_key(names[i], key);   /* even with the right REST password */
		is_int(allocate_as(&h, names[i], key), 401, "\"%s\": 401", names[i]);
	}
	ok(hx_alloc(&h) == NULL, "and no allocation");
	is_int(hx_stat(&h, STAT_AUTH_UNKNOWN_USER), 5, "each counted as an authentication failure");
	hx_free(&h);
}

int
main(void)
{
	struct hx h;

	hx_init(&h, "");
	long_term(&h);
	hx_free(&h);
	rest();
	rest_parse();
	rest_refused();
	return tap_done();
}
