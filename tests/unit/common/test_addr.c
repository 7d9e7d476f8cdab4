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
	is_str(canon("::127.0.0.1", buf), "127.0.0.1", "IPv4-compatible canonicalised");
	is_str(canon("64:ff9b::7f00:1", buf), "127.0.0.1", "NAT64 canonicalised");
	is_str(canon("2002:7f00:1::1", buf), "127.0.0.1", "6to4 canonicalised");
	is_str(canon("::1", buf), "::1", "::1 stays IPv6");
	is_str(canon("::", buf), "::", ":: stays IPv6");
	is_str(canon("2001:db8::1", buf), "2001:db8::1", "ordinary v6 untouched");

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
	{
		const char *why = NULL;
		addr_parse("169.254.169.254", 0, &a);
		is_int(addr_classify(&a, &why), ADDR_NEVER, "metadata address: never");
		is_str(why, "link-local", "named link-local");
		addr_parse("127.0.0.5", 0, &a);
		is_int(addr_classify(&a, NULL), ADDR_LOOPBACK, "127/8: loopback");
		addr_parse("172.16.85.180", 0, &a);
		is_int(addr_classify(&a, &why), ADDR_SPECIAL, "172.16/12: special");
		is_str(why, "private range", "named private range");
		addr_parse("8.8.8.8", 0, &a);
		is_int(addr_classify(&a, NULL), ADDR_PUBLIC, "8.8.8.8: public");
		addr_parse("2001:db8::1", 0, &a);
		is_int(addr_classify(&a, NULL), ADDR_PUBLIC, "documentation IPv6 outside the table: public");
	}
	cidr_parse("::ffff:127.0.0.0/104", &c);
	is_int(cidr_canonical(&c), 1, "IPv4-mapped range canonicalised");
	is_str(cidr_str(&c, buf), "127.0.0.0/8", "as the IPv4 range");
	cidr_parse("::ffff:10.1.2.3", &c);
	cidr_canonical(&c);
	is_str(cidr_str(&c, buf), "10.1.2.3/32", "mapped single address");
	cidr_parse("64:ff9b::/96", &c);
	cidr_canonical(&c);
	is_str(cidr_str(&c, buf), "0.0.0.0/0", "NAT64 prefix is all of IPv4");
	cidr_parse("::/96", &c);
	is_int(cidr_canonical(&c), 0, "::/96 left as IPv6 (holds :: and ::1)");
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
