/* The unauthenticated-answer limiter (src/turn/limit.c): prefix keys,
 * token buckets, proven sources. */
#include "tap.h"
#include "turn/limit.h"

static struct sockaddr_storage
a(const char *s)
{
	struct sockaddr_storage x;

	addr_parse(s, 0, &x);
	return x;
}

static int
allowed(struct turn_limit *l, const struct turn_config *cfg, const char *src, uint64_t ms, int n)
{
	struct sockaddr_storage s = a(src);
	int got = 0;

	for (int i = 0; i < n; i++)
		got += turn_limit_allow(l, cfg, &s, ms);
	return got;
}

static void
keys(void)
{
	struct rl_key k1, k2;
	struct sockaddr_storage x = a("192.0.2.77:1000"), y = a("[::ffff:192.0.2.77]:5");

	turn_limit_key(&x, 24, 64, &k1);
	ok(k1.fam == 4 && k1.b[0] == 192 && k1.b[2] == 2 && k1.b[3] == 0, "IPv4 /24 masks the last byte");
	turn_limit_key(&y, 24, 64, &k2);
	ok(memcmp(&k1, &k2, sizeof(k1)) == 0, "IPv4-mapped IPv6 counts as IPv4");
	x = a("[2001:db8:1:2:3:4:5:6]:1");
	turn_limit_key(&x, 32, 64, &k1);
	ok(k1.fam == 6 && k1.b[7] == 2 && k1.b[8] == 0 && k1.b[15] == 0, "IPv6 /64 keeps the first 8 bytes");
	turn_limit_key(&x, 32, 60, &k1);
	is_int(k1.b[7], 0, "IPv6 /60 masks half a byte");
	is_int(k1.b[6], 0, "and keeps the one before it");
	turn_limit_key(&x, 32, 128, &k2);
	is_int(k2.b[15], 6, "/128 keeps everything");
}

int
main(void)
{
	struct turn_config cfg = { .unauth_rate = 5, .unauth_v4_prefix = 32, .unauth_v6_prefix = 64,
				   .nonce_lifetime = 600 };
	struct turn_limit l;
	struct sockaddr_storage p;

	keys();
	is_int(turn_limit_init(&l, 1234), 0, "init");
	is_int(allowed(&l, &cfg, "198.51.100.1:1", 1000000, 50), 10, "burst: twice the rate");
	is_int(allowed(&l, &cfg, "198.51.100.1:2", 1000000, 1), 0, "any port of the address shares it");
	is_int(allowed(&l, &cfg, "198.51.100.1:2", 1001000, 50), 5, "one second refills the rate");
	is_int(allowed(&l, &cfg, "198.51.100.2:1", 1001000, 1), 1, "another address has its own");
	is_int(allowed(&l, &cfg, "[2001:db8::1]:1", 1001000, 50), 10, "an IPv6 source");
	is_int(allowed(&l, &cfg, "[2001:db8::ffff:1]:1", 1001000, 5), 0, "the same /64: the same bucket");
	is_int(allowed(&l, &cfg, "[2001:db8:0:1::1]:1", 1001000, 1), 1, "the next /64: its own");

	p = a("198.51.100.1:9");
	ok(!turn_limit_proven(&l, &p, 1001), "not proven yet");
	turn_limit_prove(&l, &cfg, &p, 1001);
	ok(turn_limit_proven(&l, &p, 1001), "proven after an authenticated request");
	is_int(allowed(&l, &cfg, "198.51.100.1:4000", 1001000, 1000), 1000,
	       "a proven address is not held to the rate (any port)");
	is_int(allowed(&l, &cfg, "198.51.100.3:1", 1001000, 50), 10, "an unproven neighbour still is");
	ok(!turn_limit_proven(&l, &p, 1001 + 600), "proof expires after nonce-lifetime");
	is_int(allowed(&l, &cfg, "198.51.100.1:1", (1001 + 600) * 1000ull, 50), 10, "then limited again");
	/* A full set: the entry closest to expiry goes, the fresh ones stay. */
	for (unsigned i = 0; i < 4 * PROVEN_SETS * PROVEN_WAYS; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000000u + i) };
		struct sockaddr_storage q = { 0 };
		memcpy(&q, &sin, sizeof(sin));
		turn_limit_prove(&l, &cfg, &q, 2000 + i / 1000);
	}
	turn_limit_prove(&l, &cfg, &p, 3000);
	ok(turn_limit_proven(&l, &p, 3000), "a new proof enters a full table");
	cfg.unauth_rate = 0;
	is_int(allowed(&l, &cfg, "203.0.113.1:1", 1001000, 100), 100, "rate 0: no limit");
	turn_limit_free(&l);
	return tap_done();
}
