/*
 * policy.c: which peers a relay may talk to.  Deny by default; the order of
 * the rules below is the contract (docs/configuration.md, "Peer policy"):
 *
 *  1. canonicalise (IPv4-mapped, IPv4-compatible, NAT64, 6to4 -> IPv4), so
 *     ::ffff:127.0.0.1 is judged as 127.0.0.1 (CVE-2026-27624 class);
 *  2. never: unspecified (0.0.0.0/8, ::), broadcast, multicast, link-local
 *     (169.254.0.0/16 including the 169.254.169.254 metadata service,
 *     fe80::/10), whatever allowed-peers says;
 *  3. denied-peers: refused;
 *  4. allowed-peers: admitted (this is how an administrator opts in to
 *     loopback or a private range, e.g. the meeting server's subnet);
 *  5. loopback, private and other special-purpose ranges: refused;
 *  6. everything else (public unicast): admitted.
 */
#include <string.h>

#include "turn/turn-internal.h"

struct range {
	const char *cidr;
	const char *why;
};

static const struct range never[] = {
	{ "0.0.0.0/8", "unspecified address" },
	{ "::/128", "unspecified address" },
	{ "255.255.255.255/32", "broadcast" },
	{ "224.0.0.0/4", "multicast" },
	{ "ff00::/8", "multicast" },
	{ "169.254.0.0/16", "link-local" },
	{ "fe80::/10", "link-local" },
};

static const struct range special[] = {
	{ "127.0.0.0/8", "loopback" },
	{ "::1/128", "loopback" },
	{ "10.0.0.0/8", "private range" },
	{ "172.16.0.0/12", "private range" },
	{ "192.168.0.0/16", "private range" },
	{ "100.64.0.0/10", "shared address space" },
	{ "192.0.0.0/24", "IETF protocol assignments" },
	{ "198.18.0.0/15", "benchmarking range" },
	{ "240.0.0.0/4", "reserved range" },
	{ "fc00::/7", "unique local range" },
	{ "fec0::/10", "site-local range" },
	{ "2001::/32", "Teredo" },
	{ "100::/64", "discard-only range" },
};

static int
in_table(const struct range *t, size_t n, const struct sockaddr_storage *a, const char **why)
{
	struct cidr c;

	for (size_t i = 0; i < n; i++) {
		if (cidr_parse(t[i].cidr, &c) == 0 && cidr_match(&c, a)) {
			*why = t[i].why;
			return 1;
		}
	}
	return 0;
}

static int
in_list(const struct cidr *v, unsigned n, const struct sockaddr_storage *a)
{
	for (unsigned i = 0; i < n; i++)
		if (cidr_match(&v[i], a))
			return 1;
	return 0;
}

enum turn_peer_verdict
turn_policy_check(const struct turn_config *cfg, unsigned relay_families,
		  const struct sockaddr_storage *peer, struct sockaddr_storage *canon,
		  const char **why)
{
	const char *unused;

	if (!why)
		why = &unused;
	*why = "";
	addr_canonical(peer, canon);
	if (canon->ss_family != AF_INET && canon->ss_family != AF_INET6) {
		*why = "not an IP address";
		return TURN_PEER_DENIED;
	}
	if (in_table(never, sizeof(never) / sizeof(never[0]), canon, why))
		return TURN_PEER_DENIED;
	if (in_list(cfg->denied, cfg->ndenied, canon)) {
		*why = "listed in denied-peers";
		return TURN_PEER_DENIED;
	}
	if (!in_list(cfg->allowed, cfg->nallowed, canon) &&
	    in_table(special, sizeof(special) / sizeof(special[0]), canon, why)) {
		return TURN_PEER_DENIED;
	}
	if (!(relay_families & (1u << turn_fam(canon->ss_family)))) {
		*why = "peer address family differs from the relay's";
		return TURN_PEER_FAMILY;
	}
	return TURN_PEER_OK;
}
