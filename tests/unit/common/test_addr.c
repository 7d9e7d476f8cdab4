/* Unit tests for src/common/addr.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/addr.h"
#include "tap.h"

static const char *
canon(const char *in, char *buf)
{
	struct sockaddr_storage a, c;

	if (addr_parse(in, 9, &a) < 0)
		return "parse error";
	addr_canonical(&a, &c);
	return addr_str(&c, buf, 0);
}

struct want {
	const char *addr;
	enum addr_class cls;
	const char *why;       /* NULL: not checked */
};

static void
check_table(const struct want *w, size_t n)
{
	static const char *const names[] = {
		[ADDR_PUBLIC] = "public", [ADDR_NEVER] = "never",
		[ADDR_LOOPBACK] = "loopback", [ADDR_SPECIAL] = "special",
	};

	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage a, c;
		const char *why = NULL;

		if (addr_parse(w[i].addr, 9, &a) < 0) {
			ok(0, "%s parses", w[i].addr);
			continue;
		}
		addr_canonical(&a, &c);
		is_int(addr_classify(&c, &why), w[i].cls, "%s: %s", w[i].addr, names[w[i].cls]);
		if (w[i].why)
			is_str(why, w[i].why, "%s: named \"%s\"", w[i].addr, w[i].why);
	}
}

#define CHECK_TABLE(t) check_table(t, sizeof(t) / sizeof(t[0]))

/* IANA IPv4 special-purpose registry, multicast, broadcast, edges of ranges. */
static void
test_classify_v4(void)
{
	static const struct want t[] = {
		{ "0.0.0.0", ADDR_NEVER, "unspecified address" },
		{ "0.1.2.3", ADDR_NEVER, NULL },
		{ "10.0.0.1", ADDR_SPECIAL, "private range" },
		{ "11.0.0.1", ADDR_PUBLIC, NULL },
		{ "100.64.0.1", ADDR_SPECIAL, "shared address space" },
		{ "100.127.255.255", ADDR_SPECIAL, NULL },
		{ "100.128.0.1", ADDR_PUBLIC, NULL },
		{ "127.0.0.5", ADDR_LOOPBACK, "loopback" },
		{ "169.254.169.254", ADDR_NEVER, "link-local" },
		{ "172.16.85.180", ADDR_SPECIAL, "private range" },
		{ "172.32.0.1", ADDR_PUBLIC, NULL },
		{ "192.0.0.1", ADDR_SPECIAL, "IETF protocol assignments" },
		{ "192.0.0.170", ADDR_SPECIAL, NULL },
		{ "192.0.0.9", ADDR_PUBLIC, "PCP anycast" },
		{ "192.0.0.10", ADDR_PUBLIC, "TURN anycast" },
		{ "192.0.2.1", ADDR_PUBLIC, "documentation range" },
		{ "192.31.196.1", ADDR_PUBLIC, NULL },
		{ "192.52.193.1", ADDR_PUBLIC, NULL },
		{ "192.88.99.1", ADDR_SPECIAL, "deprecated 6to4 relay anycast" },
		{ "192.168.1.1", ADDR_SPECIAL, "private range" },
		{ "192.175.48.1", ADDR_PUBLIC, NULL },
		{ "198.18.0.1", ADDR_SPECIAL, "benchmarking range" },
		{ "198.19.255.255", ADDR_SPECIAL, NULL },
		{ "198.20.0.1", ADDR_PUBLIC, NULL },
		{ "198.51.100.7", ADDR_PUBLIC, "documentation range" },
		{ "203.0.113.5", ADDR_PUBLIC, "documentation range" },
		{ "224.0.0.1", ADDR_NEVER, "multicast" },
		{ "239.255.255.250", ADDR_NEVER, "multicast" },
		{ "240.0.0.1", ADDR_SPECIAL, "reserved range" },
		{ "255.255.255.254", ADDR_SPECIAL, "reserved range" },
		{ "255.255.255.255", ADDR_NEVER, "broadcast" },
		{ "8.8.8.8", ADDR_PUBLIC, "public address" },
	};
	CHECK_TABLE(t);
}

/* IANA IPv6 special-purpose registry and the space outside 2000::/3. */
static void
test_classify_v6(void)
{
	static const struct want t[] = {
		{ "::", ADDR_NEVER, "unspecified address" },
		{ "::1", ADDR_LOOPBACK, "loopback" },
		{ "::2", ADDR_SPECIAL, "reserved range" },
		{ "::ffff", ADDR_SPECIAL, "reserved range" },
		{ "::1:0:0:0", ADDR_SPECIAL, "reserved range" },
		{ "1::1", ADDR_SPECIAL, "reserved range" },
		{ "100::1", ADDR_SPECIAL, "discard-only range" },
		{ "100:0:0:1::1", ADDR_SPECIAL, "dummy prefix" },
		{ "2001:1::1", ADDR_PUBLIC, "PCP anycast" },
		{ "2001:1::2", ADDR_PUBLIC, "TURN anycast" },
		{ "2001:1::4", ADDR_SPECIAL, "IETF protocol assignments" },
		{ "2001:2::1", ADDR_SPECIAL, "benchmarking range" },
		{ "2001:3::1", ADDR_PUBLIC, "AMT" },
		{ "2001:4:112::1", ADDR_PUBLIC, "AS112" },
		{ "2001:10::1", ADDR_SPECIAL, "deprecated ORCHID" },
		{ "2001:20::1", ADDR_PUBLIC, "ORCHIDv2" },
		{ "2001:1ff::1", ADDR_SPECIAL, "IETF protocol assignments" },
		{ "2001:200::1", ADDR_PUBLIC, "public address" },
		{ "2001:db8::1", ADDR_PUBLIC, "documentation range" },
		{ "3fff::1", ADDR_PUBLIC, "documentation range" },
		{ "2606:4700::1111", ADDR_PUBLIC, "public address" },
		{ "2620:4f:8000::1", ADDR_PUBLIC, NULL },
		{ "4000::1", ADDR_SPECIAL, "reserved range" },
		{ "5f00::1", ADDR_SPECIAL, "SRv6 SIDs" },
		{ "8000::1", ADDR_SPECIAL, "reserved range" },
		{ "e000::1", ADDR_SPECIAL, "reserved range" },
		{ "fc00::1", ADDR_SPECIAL, "unique local range" },
		{ "fd12:3456::1", ADDR_SPECIAL, "unique local range" },
		{ "fe80::1", ADDR_NEVER, "link-local" },
		{ "febf::1", ADDR_NEVER, "link-local" },
		{ "fec0::1", ADDR_SPECIAL, "site-local range" },
		{ "ff02::1", ADDR_NEVER, "multicast" },
	};
	CHECK_TABLE(t);
}

/* Every IPv6 form that carries IPv4, with loopback, private, never and
 * public payloads: the first three refused, the public ones stay allowed. */
static void
test_classify_carried(void)
{
	static const struct want t[] = {
		/* IPv4-mapped (canonicalised to IPv4 first, as callers do) */
		{ "::ffff:127.0.0.1", ADDR_LOOPBACK, "loopback" },
		{ "::ffff:10.0.0.1", ADDR_SPECIAL, "private range" },
		{ "::ffff:169.254.169.254", ADDR_NEVER, "link-local" },
		{ "::ffff:8.8.8.8", ADDR_PUBLIC, NULL },
		/* IPv4-translated ::ffff:0:0:0/96 (issue 17) */
		{ "::ffff:0:127.0.0.1", ADDR_LOOPBACK, "loopback via IPv4-translated" },
		{ "::ffff:0:10.0.0.1", ADDR_SPECIAL, "private range via IPv4-translated" },
		{ "::ffff:0:169.254.169.254", ADDR_NEVER, "link-local via IPv4-translated" },
		{ "::ffff:0:0.0.0.0", ADDR_NEVER, "unspecified address via IPv4-translated" },
		{ "::ffff:0:8.8.8.8", ADDR_PUBLIC, "IPv4-translated" },
		/* NAT64 well-known prefix */
		{ "64:ff9b::7f00:1", ADDR_LOOPBACK, "loopback via NAT64" },
		{ "64:ff9b::a00:1", ADDR_SPECIAL, "private range via NAT64" },
		{ "64:ff9b::a9fe:a9fe", ADDR_NEVER, "link-local via NAT64" },
		{ "64:ff9b::e000:1", ADDR_NEVER, "multicast via NAT64" },
		{ "64:ff9b::808:808", ADDR_PUBLIC, "NAT64" },
		{ "64:ff9b::c633:6407", ADDR_PUBLIC, NULL },
		/* NAT64 local-use 64:ff9b:1::/48, IPv4 in the last 32 bits (issue 17) */
		{ "64:ff9b:1::7f00:1", ADDR_LOOPBACK, "loopback via local-use NAT64" },
		{ "64:ff9b:1::a00:1", ADDR_SPECIAL, "private range via local-use NAT64" },
		{ "64:ff9b:1:abcd::c0a8:101", ADDR_SPECIAL, "private range via local-use NAT64" },
		{ "64:ff9b:1::a9fe:a9fe", ADDR_NEVER, "link-local via local-use NAT64" },
		{ "64:ff9b:1::808:808", ADDR_PUBLIC, "local-use NAT64" },
		{ "64:ff9b:2::7f00:1", ADDR_SPECIAL, "reserved range" },
		/* 6to4: IPv4 in bits 16-47 */
		{ "2002:7f00:1::1", ADDR_LOOPBACK, "loopback via 6to4" },
		{ "2002:a00:1::1", ADDR_SPECIAL, "private range via 6to4" },
		{ "2002:c0a8:101:1::5", ADDR_SPECIAL, "private range via 6to4" },
		{ "2002:a9fe:a9fe::1", ADDR_NEVER, "link-local via 6to4" },
		{ "2002:c058:6301::1", ADDR_SPECIAL, "deprecated 6to4 relay anycast via 6to4" },
		{ "2002:808:808::1", ADDR_PUBLIC, "public address" },
		/* Teredo: server in bits 32-63, client in the last 32 inverted */
		{ "2001:0:4136:e378:8000:63bf:80ff:fffe", ADDR_LOOPBACK, "loopback via Teredo client" },
		{ "2001:0:4136:e378:8000:63bf:f5ff:fffe", ADDR_SPECIAL, "private range via Teredo client" },
		{ "2001:0:7f00:1::f7f7:f7f7", ADDR_LOOPBACK, "loopback via Teredo server" },
		{ "2001:0:a00:1::f7f7:f7f7", ADDR_SPECIAL, "private range via Teredo server" },
		{ "2001:0:7f00:1::f5ff:fffe", ADDR_LOOPBACK, "loopback via Teredo server" },
		{ "2001:0:a00:1::80ff:fffe", ADDR_LOOPBACK, "loopback via Teredo client" },
		{ "2001:0:4136:e378::5601:56fe", ADDR_NEVER, "link-local via Teredo client" },
		{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", ADDR_PUBLIC, "Teredo" },
		/* IPv4-compatible ::/96 (deprecated), not ::/112 */
		{ "::127.0.0.1", ADDR_LOOPBACK, "loopback via IPv4-compatible" },
		{ "::10.0.0.1", ADDR_SPECIAL, "private range via IPv4-compatible" },
		{ "::169.254.169.254", ADDR_NEVER, "link-local via IPv4-compatible" },
		{ "::0.1.0.0", ADDR_NEVER, "unspecified address via IPv4-compatible" },
		{ "::8.8.8.8", ADDR_PUBLIC, "IPv4-compatible" },
	};
	CHECK_TABLE(t);
}

static int
carried_is(const struct sockaddr_storage *a, const char *want)
{
	char buf[ADDR_STRLEN];
	return a->ss_family == AF_INET && strcmp(addr_str(a, buf, 1), want) == 0;
}

static void
test_carried(void)
{
	struct sockaddr_storage a, v4[ADDR_MAX_CARRIED];

	addr_parse("[2001:0:4136:e378:8000:63bf:3fff:fdd2]:3480", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 2, "Teredo carries two");
	ok(carried_is(&v4[0], "65.54.227.120:3480"), "Teredo server first, port kept");
	ok(carried_is(&v4[1], "192.0.2.45:3480"), "Teredo client, de-obfuscated");
	addr_parse("[64:ff9b:1::a00:1]:5", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 1, "local-use NAT64 carries one");
	ok(carried_is(&v4[0], "10.0.0.1:5"), "its last 32 bits");
	addr_parse("[::ffff:0:10.0.0.1]:5", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 1, "IPv4-translated carries one");
	ok(carried_is(&v4[0], "10.0.0.1:5"), "the translated address");
	addr_parse("[2002:cb00:7105::1]:5", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 1, "6to4 carries one");
	ok(carried_is(&v4[0], "203.0.113.5:5"), "bits 16-47");
	addr_parse("[::ffff:1.2.3.4]:5", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 1, "IPv4-mapped (not canonicalised) carries one");
	addr_parse("::1", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 0, "::1 carries none");
	addr_parse("::", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 0, ":: carries none");
	addr_parse("2001:db8::1", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 0, "ordinary IPv6 carries none");
	addr_parse("10.0.0.1", 0, &a);
	is_int(addr_carried_ipv4(&a, v4), 0, "IPv4 carries none");
}

static void
test_prefix(void)
{
	static const struct { const char *addr; unsigned v4, v6; const char *want; } w[] = {
		{ "192.0.2.77", 24, 64, "192.0.2.0/24" },
		{ "192.0.2.77", 32, 64, "192.0.2.77/32" },
		{ "192.0.2.77", 40, 64, "192.0.2.77/32" },          /* capped at the family's width */
		{ "::ffff:192.0.2.77", 24, 64, "192.0.2.0/24" },    /* mapped counts as IPv4 */
		{ "2001:db8:1:2:aaaa::1", 32, 64, "2001:db8:1:2::/64" },
		{ "2001:db8:1:2:aaaa::1", 32, 56, "2001:db8:1::/56" },
		{ "2001:db8:1:2:aaaa::1", 32, 61, "2001:db8:1::/61" },
	};
	struct sockaddr_storage a;
	struct cidr c;
	char buf[ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		addr_parse(w[i].addr, 0, &a);
		is_int(addr_prefix(&a, w[i].v4, w[i].v6, &c), 0, "%s has a prefix", w[i].addr);
		is_str(cidr_str(&c, buf), w[i].want, "%s /%u /%u", w[i].addr, w[i].v4, w[i].v6);
	}
	memset(&a, 0, sizeof(a));
	is_int(addr_prefix(&a, 32, 64, &c), -1, "no family, no prefix");
}

int
main(void)
{
	struct sockaddr_storage a, b;
	struct cidr c;
	char buf[ADDR_STRLEN];

	is_int(addr_parse("127.0.0.1:3478", 0, &a), 0, "v4 with port");
	is_str(addr_str(&a, buf, 1), "127.0.0.1:3478", "v4 printed");
	is_int(addr_parse("[::1]:5349", 0, &a), 0, "v6 with port");
	is_str(addr_str(&a, buf, 1), "[::1]:5349", "v6 printed");
	is_int(addr_parse("::1", 3478, &a), 0, "bare v6 gets default port");
	is_int(addr_port(&a), 3478, "default port");
	is_int(addr_parse("10.0.0.1", 7, &a), 0, "bare v4");
	is_int(addr_port(&a), 7, "bare v4 default port");
	is_int(addr_parse("1.2.3", 0, &a), -1, "short v4 rejected");
	is_int(addr_parse("1.2.3.4:99999", 0, &a), -1, "port out of range rejected");
	is_int(addr_parse("host.example:1", 0, &a), -1, "names rejected (numeric only)");
	is_int(addr_parse("[::1", 0, &a), -1, "unclosed bracket rejected");
	is_int(addr_parse("1.2.3.4:", 0, &a), -1, "empty port rejected");

	addr_parse("1.2.3.4:5", 0, &a);
	addr_parse("1.2.3.4:6", 0, &b);
	ok(addr_ip_equal(&a, &b) && !addr_equal(&a, &b), "ip equal, not equal with port");
	ok(addr_hash(&a, 1) != addr_hash(&b, 1), "port changes the hash");

	is_str(canon("::ffff:127.0.0.1", buf), "127.0.0.1", "IPv4-mapped canonicalised");
	addr_parse("[::ffff:10.1.2.3]:77", 0, &a);
	is_int(addr_canonical(&a, &b), 1, "mapped: rewritten");
	ok(b.ss_family == AF_INET && addr_port(&b) == 77, "as IPv4, port kept");
	/* The other carrier forms are IPv6 destinations (a translator, tunnel or
	 * relay router on the way): canonical leaves them, classify judges them. */
	is_str(canon("::ffff:0:127.0.0.1", buf), "::ffff:0:7f00:1", "IPv4-translated stays IPv6");
	is_str(canon("64:ff9b::7f00:1", buf), "64:ff9b::7f00:1", "NAT64 stays IPv6");
	is_str(canon("64:ff9b:1::7f00:1", buf), "64:ff9b:1::7f00:1", "local-use NAT64 stays IPv6");
	is_str(canon("2002:7f00:1::1", buf), "2002:7f00:1::1", "6to4 stays IPv6");
	addr_parse("::127.0.0.1", 0, &a);
	is_int(addr_canonical(&a, &b), 0, "IPv4-compatible stays IPv6");
	is_str(canon("::1", buf), "::1", "::1 stays IPv6");
	is_str(canon("::", buf), "::", ":: stays IPv6");
	is_str(canon("2001:db8::1", buf), "2001:db8::1", "ordinary v6 untouched");
	is_str(canon("8.8.8.8", buf), "8.8.8.8", "IPv4 untouched");

	is_int(cidr_parse("10.0.0.0/8", &c), 0, "cidr v4");
	addr_parse("10.200.1.1", 0, &a);
	ok(cidr_match(&c, &a), "10.200.1.1 in 10/8");
	addr_parse("11.0.0.1", 0, &a);
	ok(!cidr_match(&c, &a), "11.0.0.1 not in 10/8");
	is_int(cidr_parse("10.0.0.1/8", &c), -1, "host bits set rejected");
	is_int(cidr_parse("172.16.0.0/12", &c), 0, "non-octet prefix");
	addr_parse("172.31.255.255", 0, &a);
	ok(cidr_match(&c, &a), "172.31.255.255 in 172.16/12");
	addr_parse("172.32.0.0", 0, &a);
	ok(!cidr_match(&c, &a), "172.32.0.0 not in 172.16/12");
	is_int(cidr_parse("fe80::/10", &c), 0, "cidr v6");
	addr_parse("fe80::1", 0, &a);
	ok(cidr_match(&c, &a), "fe80::1 in fe80::/10");
	addr_parse("127.0.0.1", 0, &a);
	ok(!cidr_match(&c, &a), "family mismatch never matches");
	is_int(cidr_parse("1.2.3.4", &c), 0, "bare address is /32");
	is_int(c.prefix, 32, "prefix 32");
	is_str(cidr_str(&c, buf), "1.2.3.4/32", "cidr printed");
	is_int(cidr_parse("1.2.3.4/33", &c), -1, "prefix too long rejected");
	test_classify_v4();
	test_classify_v6();
	test_classify_carried();
	test_carried();
	test_prefix();
	cidr_parse("::ffff:127.0.0.0/104", &c);
	is_int(cidr_canonical(&c), 1, "IPv4-mapped range canonicalised");
	is_str(cidr_str(&c, buf), "127.0.0.0/8", "as the IPv4 range");
	cidr_parse("::ffff:10.1.2.3", &c);
	cidr_canonical(&c);
	is_str(cidr_str(&c, buf), "10.1.2.3/32", "mapped single address");
	/* Not all of IPv4 (0.0.0.0/0, the private ranges included), as it was. */
	cidr_parse("64:ff9b::/96", &c);
	is_int(cidr_canonical(&c), 0, "NAT64 prefix stays an IPv6 range");
	cidr_parse("::/96", &c);
	is_int(cidr_canonical(&c), 0, "::/96 left as IPv6 (holds :: and ::1)");
	cidr_parse("::ffff:0:0/96", &c);
	cidr_canonical(&c);
	is_str(cidr_str(&c, buf), "0.0.0.0/0", "all of IPv4-mapped is all of IPv4");
	cidr_parse("::ffff:0:0/95", &c);
	is_int(cidr_canonical(&c), 0, "a range wider than IPv4-mapped stays IPv6");
	cidr_parse("fe80::/10", &c);
	is_int(cidr_canonical(&c), 0, "ordinary IPv6 range untouched");
	cidr_parse("::1", &c);
	is_int(cidr_canonical(&c), 0, "::1 stays IPv6 loopback");
	cidr_parse("::", &c);
	is_int(cidr_canonical(&c), 0, ":: stays IPv6");
	is_int(cidr_parse("/8", &c), -1, "empty address rejected");
	is_int(cidr_parse("10.0.0.0/", &c), -1, "empty prefix rejected");
	return tap_done();
}
