/*
 * limit.h: who gets unauthenticated answers (limit.c).  Answers to
 * requests that carry no valid credentials (401 challenges, 400s to
 * garbage) are what a spoofed-source flood would reflect; they are held to
 * unauthenticated-rate per source prefix.  A source address that completed
 * an authenticated request has shown it receives our answers (its nonce
 * came back), which a spoofed source cannot do: it is exempt until its
 * proof expires.  Worker thread only; uses types.h.
 */
#ifndef PORTICO_TURN_LIMIT_H
#define PORTICO_TURN_LIMIT_H

#include "turn/types.h"

int turn_limit_init(struct turn_limit *l, uint32_t seed);
void turn_limit_free(struct turn_limit *l);
/* May an unauthenticated answer go to from at now_ms?  Takes a token of
 * from's prefix bucket unless from is proven. */
int turn_limit_allow(struct turn_limit *l, const struct turn_config *cfg,
		     const struct sockaddr_storage *from, uint64_t now_ms);
/* from completed an authenticated request at now (seconds): proven for
 * nonce-lifetime seconds. */
void turn_limit_prove(struct turn_limit *l, const struct turn_config *cfg,
		      const struct sockaddr_storage *from, uint64_t now);
int turn_limit_proven(const struct turn_limit *l, const struct sockaddr_storage *from, uint64_t now);
/* The limiter's key of a: its canonical address masked to bits (IPv4
 * addresses count bits of 32, IPv6 of 128). */
void turn_limit_key(const struct sockaddr_storage *a, unsigned v4_bits, unsigned v6_bits,
		    struct rl_key *out);

#endif
