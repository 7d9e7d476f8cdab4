/*
 * allocate.c: Allocate and Refresh (RFC 8656 7, RFC 6156 dual
 * allocations, EVEN-PORT and RESERVATION-TOKEN).  Worker thread only.
 */
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"

static int
open_relay(struct turn_worker *w, struct relay *rl, int fam, int port, int dont_fragment)
{
	const struct sockaddr_storage *base = &w->cfg->relay_addr[fam];
	int fd = socket(base->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	rl->addr = *base;
	addr_set_port(&rl->addr, port);
	if (base->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&rl->addr, addr_len(&rl->addr)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (dont_fragment) {
		int v = IP_PMTUDISC_DO;
		if (base->ss_family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
	}
	rl->adv = rl->addr;
	if (w->cfg->external_addr[fam].ss_family) {
		rl->adv = w->cfg->external_addr[fam];
		addr_set_port(&rl->adv, port);
	}
	rl->ev.kind = EV_RELAY;
	rl->ev.fd = fd;
	rl->port = port;
	return 0;
}

/*
 * Claims a port and binds the relay of family slot fam.  The primary relay
 * honours EVEN-PORT and RESERVATION-TOKEN (primary != 0); *reserved gets
 * the port kept for a later RESERVATION-TOKEN, or -1.  Returns 0 or the
 * STUN error code to answer.
 */
static int
relay_for(struct turn_req *r, struct relay *rl, int fam, int primary, int *reserved)
{
	const struct stun_attr *tok = primary ? stun_msg_get(r->m, STUN_ATTR_RESERVATION_TOKEN) : NULL;
	const struct stun_attr *even = primary ? stun_msg_get(r->m, STUN_ATTR_EVEN_PORT) : NULL;
	int df = stun_msg_get(r->m, STUN_ATTR_DONT_FRAGMENT) != NULL;
	int reserve = 0, port, rc;

	*reserved = -1;
	if (even && stun_attr_even_port(even, &reserve) < 0)
		return 400;
	for (int tries = 0; tries < 16; tries++) {
		int tfam;
		if (tok)
			port = turn_resv_take(r->w->sh, tok->val, tok->len, r->w->now, &tfam);
		else
			port = turn_ports_claim(r->w->sh, even != NULL, reserve);
		if (port < 0)
			return 508;
		rc = open_relay(r->w, rl, fam, port, df);
		if (rc == 0) {
			if (reserve)
				*reserved = port + 1;
			return 0;
		}
		/* Taken by another program: leave it marked, try another. */
		if (reserve)
			turn_ports_release(r->w->sh, port + 1);
		if (rc != -EADDRINUSE || tok) {
			plog(PLOG_ERROR, "turn", "cannot bind a relay socket on port %d: %s", port, strerror(-rc));
			turn_ports_release(r->w->sh, port);
			return 508;
		}
	}
	return 508;
}

/*
 * Checks of an Allocate that need no resources (RFC 8656 7.2, RFC 6156).
 * Sets *fams to the relay families to open and *v6_refused when an
 * ADDITIONAL-ADDRESS-FAMILY IPv6 cannot be served.  0 or an error code.
 */
static int
allocate_precheck(struct turn_req *r, unsigned *fams, int *v6_refused)
{
	const struct stun_attr *rt = stun_msg_get(r->m, STUN_ATTR_REQUESTED_TRANSPORT);
	const struct stun_attr *raf = stun_msg_get(r->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *aaf = stun_msg_get(r->m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY);
	const struct stun_attr *tok = stun_msg_get(r->m, STUN_ATTR_RESERVATION_TOKEN);
	const struct turn_config *cfg = r->w->cfg;
	int af = AF_INET;
	uint8_t proto;

	*fams = 0;
	*v6_refused = 0;
	if (r->a)
		return 437;
	if (!rt || stun_attr_transport(rt, &proto) < 0)
		return 400;
	if (proto != IPPROTO_UDP)
		return 442;
	if (tok && (stun_msg_get(r->m, STUN_ATTR_EVEN_PORT) || raf || aaf))
		return 400;
	if (raf && (aaf || stun_attr_family(raf, &af) < 0))
		return 400;
	if (tok) {
		/* The token reserved a port of one family: the relay is that family. */
		int fam = turn_resv_family(r->w->sh, tok->val, tok->len, r->w->now);
		if (fam < 0)
			return 508;
		af = fam ? AF_INET6 : AF_INET;
	}
	if (!cfg->relay_addr[turn_fam(af)].ss_family)
		return 440;
	*fams = 1u << turn_fam(af);
	if (aaf) {
		int extra;
		if (stun_attr_family(aaf, &extra) < 0 || extra != AF_INET6)
			return 400;   /* only IPv6 may be additional (RFC 8656 7.2) */
		if (cfg->relay_addr[1].ss_family)
			*fams |= 2;
		else
			*v6_refused = 1;
	}
	return 0;
}

static void
allocate_respond(struct turn_req *r, struct alloc *a, const uint8_t *token, int v6_refused)
{
	turn_response_begin(r, STUN_SUCCESS);
	for (int f = 0; f < 2; f++)
		if (a->families & (1u << f))
			stun_build_xor_addr(&r->b, STUN_ATTR_XOR_RELAYED_ADDRESS,
					    (const struct sockaddr *)&a->relay[f].adv);
	if (v6_refused) {
		/* ADDRESS-ERROR-CODE: family IPv6, class 4, number 40. */
		static const char why[] = "Address Family not Supported";
		uint8_t v[4 + sizeof(why)] = { 0x02, 0, 4, 40 };
		memcpy(v + 4, why, sizeof(why) - 1);
		stun_build_attr(&r->b, STUN_ATTR_ADDRESS_ERROR_CODE, v, 4 + sizeof(why) - 1);
	}
	stun_build_u32(&r->b, STUN_ATTR_LIFETIME, (uint32_t)(a->expires - r->w->now));
	if (token)
		stun_build_attr(&r->b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	stun_build_xor_addr(&r->b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)&r->c->remote);
	turn_response_software(r);
	turn_response_send(r);
}

/* Opens every relay of fams; 0 or an error code (relays opened so far
 * stay in a->relay[] for alloc_free_unlinked). */
static int
open_relays(struct turn_req *r, struct alloc *a, unsigned fams, int *reserved)
{
	int primary = 1, code, unused;

	for (int f = 0; f < 2; f++) {
		if (!(fams & (1u << f)))
			continue;
		code = relay_for(r, &a->relay[f], f, primary, primary ? reserved : &unused);
		if (code)
			return code;
		a->relay[f].a = a;
		a->families |= 1u << f;
		if (turn_io_watch(r->w, &a->relay[f].ev, EPOLLIN) < 0)
			return 508;
		primary = 0;
	}
	return 0;
}

static struct alloc *
alloc_new(struct turn_req *r)
{
	struct alloc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->user = strdup(r->user);
	a->quota_user = strdup(r->quota_user);
	if (!a->user || !a->quota_user) {
		free(a->user);
		free(a->quota_user);
		free(a);
		return NULL;
	}
	a->relay[0].ev.fd = a->relay[1].ev.fd = -1;
	a->client = *r->c;
	memcpy(a->key, r->key, TURN_KEY_LEN);
	a->rest_expiry = r->rest_expiry;
	return a;
}

void
turn_allocate_request(struct turn_req *r)
{
	struct turn_worker *w = r->w;
	const struct stun_attr *lt = stun_msg_get(r->m, STUN_ATTR_LIFETIME);
	uint32_t want = TURN_DEFAULT_LIFETIME;
	uint8_t token[8];
	char cs[ADDR_STRLEN + 8], rs[2 * ADDR_STRLEN];
	struct alloc *a;
	unsigned fams;
	int code, v6_refused, reserved = -1;

	if (r->a && memcmp(r->a->alloc_tid, r->m->tid, STUN_TID_LEN) == 0) {
		/* A retransmission whose kept answer was pushed out of the
		 * cache: the allocation exists, so say so again (never 437). */
		allocate_respond(r, r->a, NULL, 0);
		return;
	}
	if ((code = allocate_precheck(r, &fams, &v6_refused)) != 0) {
		turn_response_error(r, code);
		return;
	}
	if ((code = turn_quota_take(w->sh, w->cfg, r->quota_user)) != 0) {
		turn_worker_count(w, code == 486 ? STAT_QUOTA_USER : STAT_QUOTA_TOTAL);
		turn_response_reject_log(r, PLOG_WARN, code == 486 ? "allocation quota reached for this user"
						     : "server allocation limit (total-quota) reached");
		turn_response_error(r, code);
		return;
	}
	if (!(a = alloc_new(r))) {
		turn_quota_give(w->sh, r->quota_user);
		turn_response_error(r, 508);
		return;
	}
	if ((code = open_relays(r, a, fams, &reserved)) != 0 || turn_alloc_insert(w, a) < 0) {
		if (code == 508 || !code) {
			turn_worker_count(w, STAT_NO_PORT);
			turn_response_reject_log(r, PLOG_ERROR, "no relay port free in relay-ports");
		}
		turn_alloc_free_unlinked(w, a, reserved);
		turn_response_error(r, code ? code : 508);
		return;
	}
	if (lt)
		stun_attr_u32(lt, &want);
	a->created = w->now;
	memcpy(a->alloc_tid, r->m->tid, STUN_TID_LEN);
	a->expires = w->now + turn_alloc_lifetime(w->cfg, want);
	if (reserved >= 0) {
		uint64_t t1 = turn_io_rand(w);
		memcpy(token, &t1, sizeof(token));
		turn_resv_add(w->sh, token, reserved, a->families & 1 ? 0 : 1, w->now);
	}
	r->a = a;
	plog(PLOG_INFO, "turn", "allocation created: user=%s client=%s relay=%s lifetime=%us",
	     a->user, turn_alloc_client_str(&a->client, cs), turn_alloc_relay_str(a, rs, sizeof(rs)),
	     (unsigned)(a->expires - w->now));
	allocate_respond(r, a, reserved >= 0 ? token : NULL, v6_refused);
}

void
turn_allocate_refresh(struct turn_req *r)
{
	const struct stun_attr *lt = stun_msg_get(r->m, STUN_ATTR_LIFETIME);
	const struct stun_attr *raf = stun_msg_get(r->m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	uint32_t want = TURN_DEFAULT_LIFETIME;
	char cs[ADDR_STRLEN + 8], rs[2 * ADDR_STRLEN];
	int af;

	if (raf && (stun_attr_family(raf, &af) < 0 || !(r->a->families & (1u << turn_fam(af))))) {
		turn_response_error(r, 443);
		return;
	}
	if (lt && stun_attr_u32(lt, &want) < 0) {
		turn_response_error(r, 400);
		return;
	}
	turn_response_begin(r, STUN_SUCCESS);
	if (want == 0) {
		/* RFC 8656 7.3: the allocation is gone when the success is sent,
		 * so its port and quota are released first (a client may allocate
		 * again at once, from another 5-tuple and so another worker). */
		struct alloc *a = r->a;
		uint8_t out[RESP_CACHE];
		long n;

		stun_build_u32(&r->b, STUN_ATTR_LIFETIME, 0);
		turn_response_software(r);
		n = turn_response_finish(r);
		if (n > 0 && (size_t)n <= sizeof(out))
			memcpy(out, r->b.buf, (size_t)n);
		r->a = NULL;
		turn_alloc_destroy(r->w, a, "client refreshed with lifetime 0");   /* recycles the slot */
		if (n > 0 && (size_t)n <= sizeof(out)) {
			uint8_t *slot = turn_io_tx_slot(r->w);
			memcpy(slot, out, (size_t)n);
			turn_response_remember(r->w, r->c, r->m->tid, slot, (size_t)n);
			turn_io_send_client(r->w, r->c, slot, (size_t)n);
		}
		return;
	}
	r->a->expires = r->w->now + turn_alloc_lifetime(r->w->cfg, want);
	plog(PLOG_INFO, "turn", "allocation refreshed: user=%s client=%s relay=%s lifetime=%us",
	     r->a->user, turn_alloc_client_str(&r->a->client, cs), turn_alloc_relay_str(r->a, rs, sizeof(rs)),
	     (unsigned)(r->a->expires - r->w->now));
	stun_build_u32(&r->b, STUN_ATTR_LIFETIME, (uint32_t)(r->a->expires - r->w->now));
	turn_response_software(r);
	turn_response_send(r);
}
