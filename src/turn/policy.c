/*
 * policy.c: which peers a relay may talk to.  Deny by default; the order of
 * the rules below is the contract (docs/configuration-turn.md, "Peer policy");
 * the ranges themselves are common/addr.c addr_classify():
 *
 *  1. canonicalise (IPv4-mapped -> IPv4), so ::ffff:127.0.0.1 is judged as
 *     127.0.0.1 (CVE-2026-27624 class); the other forms that carry IPv4
 *     (NAT64, 6to4, Teredo ...) are classified by what they carry and
 *     checked against denied-peers with it;
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

static int
in_list(const struct cidr *v, unsigned n, const struct sockaddr_storage *a)
{
	for (unsigned i = 0; i < n; i++)
		if (cidr_match(&v[i], a))
			return 1;
	return 0;
}

/* denied-peers holds for a host reached through a translator too. */
static int
is_denied(const struct turn_config *cfg, const struct sockaddr_storage *a)
{
	struct sockaddr_storage v4[ADDR_MAX_CARRIED];
	int n = addr_carried_ipv4(a, v4);

	for (int i = 0; i < n; i++)
		if (in_list(cfg->denied, cfg->ndenied, &v4[i]))
			return 1;
	return in_list(cfg->denied, cfg->ndenied, a);
}

enum turn_peer_verdict
turn_policy_check(const struct turn_config *cfg, unsigned relay_families,
		  const struct sockaddr_storage *peer, struct sockaddr_storage *canon,
		  const char **why)
{
	const char *unused, *cls_why = "";
	enum addr_class cls;

	if (!why)
		why = &unused;
	*why = "";
	addr_canonical(peer, canon);
	if (canon->ss_family != AF_INET && canon->ss_family != AF_INET6) {
		*why = "not an IP address";
		return TURN_PEER_DENIED;
	}
	cls = addr_classify(canon, &cls_why);
	if (cls == ADDR_NEVER) {
		*why = cls_why;
		return TURN_PEER_DENIED;
	}
	if (is_denied(cfg, canon)) {
		*why = "listed in denied-peers";
		return TURN_PEER_DENIED;
	}
	if (cls != ADDR_PUBLIC && !in_list(cfg->allowed, cfg->nallowed, canon)) {
		*why = cls_why;
		return TURN_PEER_DENIED;
	}
	if (!(relay_families & (1u << turn_fam(canon->ss_family)))) {
		*why = "peer address family differs from the relay's";
		return TURN_PEER_FAMILY;
	}
	return TURN_PEER_OK;
}
