/* Unit tests: src/meet/limit.c (failure limits by prefix, the space
 * ceiling, the client address behind trusted proxies). */
#include <string.h>

#include "meet/meet-internal.h"
#include "tap.h"

static void
test_limit(void)
{
	struct meet_limit *l = meet_limit_new(3, 3600, 32, 64);

	ok(!meet_limit_blocked(l, "192.0.2.1"), "fresh client not blocked");
	meet_limit_fail(l, "192.0.2.1");
	meet_limit_fail(l, "192.0.2.1");
	ok(!meet_limit_blocked(l, "192.0.2.1"), "2 of 3 failures: not blocked");
	meet_limit_fail(l, "192.0.2.1");
	ok(meet_limit_blocked(l, "192.0.2.1"), "3 failures: blocked");
	ok(!meet_limit_blocked(l, "192.0.2.2"), "other clients unaffected");
	for (int i = 0; i < 5000; i++) {
		char a[32];
		g_snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		meet_limit_fail(l, a);
	}
	ok(1, "the table stays bounded under many clients (no crash, ASan clean)");
	meet_limit_free(l);
}


static void
test_prefixes(void)
{
	struct meet_limit *l = meet_limit_new(3, 3600, 32, 64);
	char key[80];

	meet_limit_key("2001:db8:1:2:aaaa::1", 32, 64, key, sizeof(key));
	is_str(key, "2001:db8:1:2::/64", "IPv6 keyed by its /64");
	meet_limit_key("192.0.2.77", 24, 64, key, sizeof(key));
	is_str(key, "192.0.2.0/24", "IPv4 keyed by a configured /24");
	meet_limit_key("::ffff:192.0.2.77", 32, 64, key, sizeof(key));
	is_str(key, "192.0.2.77/32", "IPv4-mapped counts as IPv4");
	meet_limit_key("2001:db8::1", 32, 57, key, sizeof(key));
	is_str(key, "2001:db8::/57", "a prefix off the byte boundary");
	meet_limit_key("not-an-address", 32, 64, key, sizeof(key));
	is_str(key, "not-an-address", "no address: the string is its own key");
	meet_limit_fail(l, "2001:db8:1:2::1");
	meet_limit_fail(l, "2001:db8:1:2::2");
	meet_limit_fail(l, "2001:db8:1:2:ffff:ffff:ffff:ffff");
	ok(meet_limit_blocked(l, "2001:db8:1:2::9"), "three addresses of one /64 share one budget");
	ok(meet_limit_retry_after(l, "2001:db8:1:2::9") > 3500, "Retry-After is the rest of the window");
	ok(!meet_limit_blocked(l, "2001:db8:1:3::1"), "the next /64 is another client");
	is_int(meet_limit_retry_after(l, "2001:db8:1:3::1"), 0, "... with nothing to wait");
	meet_limit_free(l);
}

static void
test_space(void)
{
	struct meet_limit *s = meet_limit_space_new(4, 3600, 8);
	unsigned d[6];

	for (int i = 0; i < 4; i++)
		meet_limit_space_fail(s, "space-1");
	is_int(meet_limit_space_delay(s, "space-1"), 0, "up to the ceiling: no delay");
	for (int i = 0; i < 6; i++) {
		meet_limit_space_fail(s, "space-1");
		d[i] = meet_limit_space_delay(s, "space-1");
	}
	ok(d[0] == 1 && d[1] == 2 && d[2] == 4 && d[3] == 8, "past it the delay doubles: %u %u %u %u",
	   d[0], d[1], d[2], d[3]);
	ok(d[4] == 8 && d[5] == 8, "... up to space-max-delay, never a lockout");
	is_int(meet_limit_space_delay(s, "space-2"), 0, "other spaces are not slowed");
	meet_limit_free(s);
}

static void
test_client(void)
{
	struct meet_proxies p = { .n = 0 };
	char out[64];

	meet_limit_client("192.0.2.1", "203.0.113.5", &p, out, sizeof(out));
	is_str(out, "192.0.2.1", "no trusted proxies (the default): X-Forwarded-For is ignored");
	cidr_parse("::1", &p.c[p.n++]);
	cidr_parse("10.0.0.0/8", &p.c[p.n++]);
	meet_limit_client("::1", "2001:db8::7", &p, out, sizeof(out));
	is_str(out, "2001:db8::7", "from a trusted proxy: the forwarded address");
	meet_limit_client("::1", "198.51.100.9, 2001:db8::7, 10.1.2.3", &p, out, sizeof(out));
	is_str(out, "2001:db8::7", "a chain: the right-most hop that is not a trusted proxy");
	meet_limit_client("::1", "garbage", &p, out, sizeof(out));
	is_str(out, "::1", "garbage: the proxy itself");
	meet_limit_client("192.0.2.1", "2001:db8::7", &p, out, sizeof(out));
	is_str(out, "192.0.2.1", "from an untrusted peer: the peer");
	meet_limit_client("::1", NULL, &p, out, sizeof(out));
	is_str(out, "::1", "no header: the peer");
}

int
main(void)
{
	test_limit();
	test_prefixes();
	test_space();
	test_client();
	return tap_done();
}
