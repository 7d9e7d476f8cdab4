/*
 * alloc.h: one worker's allocations (alloc.c): the 5-tuple table,
 * lifetimes, permissions and channels.  Worker thread only; uses io.h and
 * types.h.
 */
#ifndef PORTICO_TURN_ALLOC_H
#define PORTICO_TURN_ALLOC_H

#include "turn/types.h"

struct alloc *turn_alloc_lookup(struct turn_worker *w, const struct client *c);
int turn_alloc_insert(struct turn_worker *w, struct alloc *a);
/* Unlinks and frees a; its relay ports and quota go back.  reason is logged. */
void turn_alloc_destroy(struct turn_worker *w, struct alloc *a, const char *reason);
/* Frees a half-built allocation that was never inserted (its relays,
 * ports, quota, and reserved, a port kept for a token, when >= 0). */
void turn_alloc_free_unlinked(struct turn_worker *w, struct alloc *a, int reserved);
/* "127.0.0.1:24000" or "127.0.0.1:24000,[::1]:24002" (advertised addresses). */
const char *turn_alloc_relay_str(const struct alloc *a, char *buf, size_t cap);
/* "udp:192.0.2.1:5000", "tcp:..." or "tls:..." */
const char *turn_alloc_client_str(const struct client *c, char buf[ADDR_STRLEN + 8]);
unsigned turn_alloc_lifetime(const struct turn_config *cfg, uint32_t requested);
struct perm *turn_alloc_perm_find(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now);
/* 0, or -1 when max permissions are installed (or out of memory). */
int turn_alloc_perm_install(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now,
			    unsigned max);
struct chan *turn_alloc_chan_by_num(struct alloc *a, uint16_t num, uint64_t now, int include_cooldown);
struct chan *turn_alloc_chan_by_peer(struct alloc *a, const struct sockaddr_storage *peer,
				     uint64_t now, int include_cooldown);
/* 0, or -1 when num or peer is bound to another (RFC 8656 11.2). */
int turn_alloc_chan_bind(struct alloc *a, uint16_t num, const struct sockaddr_storage *peer,
			 uint64_t now);
/* Ends expired allocations, drops expired permissions and channels. */
void turn_alloc_expire(struct turn_worker *w, uint64_t now);

#endif
