/*
 * limit.c: the unauthenticated-answer limiter of one worker (limit.h).
 * Both tables are bounded and fixed at start: a flood of new sources
 * recycles bucket slots (a colliding prefix takes a slot over with a fresh
 * burst, which is what a new source would get anyway), and only a source
 * that authenticated can enter the proven table, so a spoofer cannot
 * evict anyone from it.  Worker thread only.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "turn/limit.h"

int
turn_limit_init(struct turn_limit *l, uint32_t seed)
{
	l->seed = seed;
	l->buckets = calloc(RL_SLOTS, sizeof(*l->buckets));
	l->proven = calloc((size_t)PROVEN_SETS * PROVEN_WAYS, sizeof(*l->proven));
	return l->buckets && l->proven ? 0 : -1;
}

void
turn_limit_free(struct turn_limit *l)
{
	free(l->buckets);
	free(l->proven);
	l->buckets = NULL;
	l->proven = NULL;
}

void
turn_limit_key(const struct sockaddr_storage *a, unsigned v4_bits, unsigned v6_bits,
	       struct rl_key *out)
{
	struct cidr c;

	memset(out, 0, sizeof(*out));
	if (addr_prefix(a, v4_bits, v6_bits, &c) < 0)   /* ::ffff:192.0.2.1 counts as 192.0.2.1 */
		return;
	out->fam = c.af == AF_INET ? 4 : 6;
	memcpy(out->b, c.net, c.af == AF_INET ? 4 : 16);
}

static uint32_t
key_hash(const struct rl_key *k, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;   /* FNV-1a, seeded per worker */

	h = (h ^ k->fam) * 16777619u;
	for (unsigned i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int
key_equal(const struct rl_key *a, const struct rl_key *b)
{
	return a->fam == b->fam && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static struct proven_slot *
proven_set(const struct turn_limit *l, const struct rl_key *ip)
{
	return &l->proven[(key_hash(ip, l->seed) % PROVEN_SETS) * PROVEN_WAYS];
}

int
turn_limit_proven(const struct turn_limit *l, const struct sockaddr_storage *from, uint64_t now)
{
	struct rl_key ip;
	const struct proven_slot *set;

	turn_limit_key(from, 32, 128, &ip);
	set = proven_set(l, &ip);
	for (int i = 0; i < PROVEN_WAYS; i++)
		if (set[i].expires > now && key_equal(&set[i].ip, &ip))
			return 1;
	return 0;
}

void
turn_limit_prove(struct turn_limit *l, const struct turn_config *cfg,
		 const struct sockaddr_storage *from, uint64_t now)
{
	struct rl_key ip;
	struct proven_slot *set, *slot;

	turn_limit_key(from, 32, 128, &ip);
	if (!ip.fam)
		return;
	set = proven_set(l, &ip);
	slot = &set[0];
	for (int i = 0; i < PROVEN_WAYS; i++) {
		if (key_equal(&set[i].ip, &ip)) {
			slot = &set[i];
			break;
		}
		if (set[i].expires < slot->expires)
			slot = &set[i];
	}
	slot->ip = ip;
	slot->expires = now + cfg->nonce_lifetime;
}

int
turn_limit_allow(struct turn_limit *l, const struct turn_config *cfg,
		 const struct sockaddr_storage *from, uint64_t now_ms)
{
	uint64_t rate = cfg->unauth_rate;
	struct rl_key key;
	struct rl_slot *s;

	if (!rate || turn_limit_proven(l, from, now_ms / 1000))
		return 1;
	turn_limit_key(from, cfg->unauth_v4_prefix, cfg->unauth_v6_prefix, &key);
	s = &l->buckets[key_hash(&key, l->seed) % RL_SLOTS];
	if (!key_equal(&s->key, &key)) {
		s->key = key;
		s->b.tokens = 2 * rate;
		s->b.stamp_ms = now_ms;
	}
	if (now_ms > s->b.stamp_ms) {
		uint64_t add = (now_ms - s->b.stamp_ms) * rate / 1000;
		s->b.tokens = s->b.tokens + add > 2 * rate ? 2 * rate : s->b.tokens + add;
		s->b.stamp_ms = now_ms;
	}
	if (!s->b.tokens)
		return 0;
	s->b.tokens--;
	return 1;
}
