/* Peer policy (src/turn/policy.c): every bypass form in
 * shared/reference/turn.md section 3 must be refused. */
#include <string.h>

#include "tap.h"
#include "turn/turn-internal.h"

static enum turn_peer_verdict
judge(const struct turn_config *cfg, const char *peer, char *canon_out)
{
	struct sockaddr_storage a, c;
	const char *why;
	enum turn_peer_verdict v;

	if (addr_parse(peer, 3480, &a) < 0)
		return (enum turn_peer_verdict)-1;
	v = turn_policy_check(cfg, 1, &a, &c, &why);
	if (canon_out)
		addr_str(&c, canon_out, 0);
	return v;
}

int
main(void)
{
	static const char *const always_denied[] = {
		"127.0.0.1", "127.1.2.3", "0.0.0.0", "0.1.2.3", "::", "::1",
		"::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1",
		"::ffff:0.0.0.0", "224.0.0.1", "239.255.255.250", "ff02::1",
		"255.255.255.255", "169.254.169.254", "::ffff:169.254.169.254",
		"fe80::1", "10.0.0.1", "172.16.85.180", "192.168.1.1", "::ffff:10.0.0.1",
		"100.64.0.1", "fc00::1", "fd12::1", "198.18.0.1", "240.0.0.1",
	};
	struct turn_config cfg;
	char canon[ADDR_STRLEN];

	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < sizeof(always_denied) / sizeof(always_denied[0]); i++)
		is_int(judge(&cfg, always_denied[i], NULL), TURN_PEER_DENIED, "default denies %s", always_denied[i]);
	is_int(judge(&cfg, "8.8.8.8", NULL), TURN_PEER_OK, "public IPv4 allowed");
	is_int(judge(&cfg, "::ffff:8.8.8.8", canon), TURN_PEER_OK, "mapped public IPv4 allowed");
	is_str(canon, "8.8.8.8", "mapped form canonicalised to IPv4");
	is_int(judge(&cfg, "2001:db8::1", NULL), TURN_PEER_FAMILY, "IPv6 peer on an IPv4 relay: 443");

	/* Opt-in: loopback and the meeting server's subnet. */
	cidr_parse("127.0.0.0/8", &cfg.allowed[cfg.nallowed++]);
	cidr_parse("172.16.85.0/24", &cfg.allowed[cfg.nallowed++]);
	is_int(judge(&cfg, "127.0.0.1", NULL), TURN_PEER_OK, "allowed-peers opts in loopback");
	is_int(judge(&cfg, "::ffff:127.0.0.1", NULL), TURN_PEER_OK, "and its mapped form, judged the same");
	is_int(judge(&cfg, "172.16.85.180", NULL), TURN_PEER_OK, "allowed-peers opts in a private range");
	is_int(judge(&cfg, "172.16.86.1", NULL), TURN_PEER_DENIED, "the rest of 172.16/12 stays denied");
	is_int(judge(&cfg, "::1", NULL), TURN_PEER_DENIED, "::1 not opted in by 127/8");

	/* Never overridable. */
	cidr_parse("0.0.0.0/0", &cfg.allowed[cfg.nallowed++]);
	is_int(judge(&cfg, "0.0.0.0", NULL), TURN_PEER_DENIED, "0.0.0.0 denied even with 0/0 allowed");
	is_int(judge(&cfg, "169.254.169.254", NULL), TURN_PEER_DENIED, "metadata address denied even when allowed");
	is_int(judge(&cfg, "224.0.0.1", NULL), TURN_PEER_DENIED, "multicast denied even when allowed");
	is_int(judge(&cfg, "10.1.1.1", NULL), TURN_PEER_OK, "0/0 opts in private ranges");

	/* denied-peers wins over allowed-peers. */
	cidr_parse("10.1.0.0/16", &cfg.denied[cfg.ndenied++]);
	is_int(judge(&cfg, "10.1.1.1", NULL), TURN_PEER_DENIED, "denied-peers overrides allowed-peers");
	is_int(judge(&cfg, "::ffff:10.1.1.1", NULL), TURN_PEER_DENIED, "also in mapped form");
	is_int(judge(&cfg, "10.2.1.1", NULL), TURN_PEER_OK, "outside denied-peers still allowed");
	return tap_done();
}
