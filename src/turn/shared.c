/* shared.c: state every worker shares: relay ports (lock-free bitmap),
 * EVEN-PORT reservations and allocation quotas (one mutex, taken only when
 * an allocation starts or ends). */
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "turn/turn-internal.h"

int
turn_shared_init(struct turn_shared *sh, const struct turn_config *cfg)
{
	size_t nports = cfg->port_hi - cfg->port_lo + 1;

	memset(sh, 0, sizeof(*sh));
	if (gnutls_rnd(GNUTLS_RND_KEY, sh->nonce_secret, sizeof(sh->nonce_secret)) < 0)
		return -EIO;
	sh->port_lo = cfg->port_lo;
	sh->port_hi = cfg->port_hi;
	sh->port_bits = calloc((nports + 63) / 64, sizeof(*sh->port_bits));
	if (!sh->port_bits)
		return -ENOMEM;
	atomic_init(&sh->total_allocs, 0);
	pthread_mutex_init(&sh->lock, NULL);
	return 0;
}

void
turn_shared_free(struct turn_shared *sh)
{
	for (size_t i = 0; i < 256; i++) {
		struct turn_quota_entry *q = sh->quota[i], *next;
		for (; q; q = next) {
			next = q->next;
			free(q->user);
			free(q);
		}
	}
	free(sh->port_bits);
	pthread_mutex_destroy(&sh->lock);
	explicit_bzero(sh->nonce_secret, sizeof(sh->nonce_secret));
}

static int
bit_claim(struct turn_shared *sh, unsigned idx)
{
	_Atomic uint64_t *w = &sh->port_bits[idx / 64];
	uint64_t m = (uint64_t)1 << (idx % 64);

	return !(atomic_fetch_or(w, m) & m);
}

static void
bit_clear(struct turn_shared *sh, unsigned idx)
{
	atomic_fetch_and(&sh->port_bits[idx / 64], ~((uint64_t)1 << (idx % 64)));
}

int
turn_ports_claim(struct turn_shared *sh, int even, int reserve)
{
	unsigned n = sh->port_hi - sh->port_lo + 1;
	unsigned start;

	gnutls_rnd(GNUTLS_RND_NONCE, &start, sizeof(start));
	start %= n;
	for (unsigned i = 0; i < n; i++) {
		unsigned idx = (start + i) % n;
		unsigned port = sh->port_lo + idx;

		if ((even || reserve) && (port & 1))
			continue;
		if (reserve && (port + 1 > sh->port_hi))
			continue;
		if (!bit_claim(sh, idx))
			continue;
		if (reserve && !bit_claim(sh, idx + 1)) {
			bit_clear(sh, idx);
			continue;
		}
		return (int)port;
	}
	return -1;
}

void
turn_ports_release(struct turn_shared *sh, int port)
{
	if (port < (int)sh->port_lo || port > (int)sh->port_hi)
		return;
	bit_clear(sh, (unsigned)port - sh->port_lo);
}

void
turn_resv_add(struct turn_shared *sh, const uint8_t token[8], int port, int fam, uint64_t now)
{
	pthread_mutex_lock(&sh->lock);
	if (sh->nresv < sizeof(sh->resv) / sizeof(sh->resv[0])) {
		struct turn_reservation *r = &sh->resv[sh->nresv++];
		memcpy(r->token, token, 8);
		r->port = port;
		r->fam = fam;
		r->expires = now + TURN_RESERVATION_LIFETIME;
		port = -1;
	}
	pthread_mutex_unlock(&sh->lock);
	if (port >= 0)   /* table full: the reservation is simply not kept */
		turn_ports_release(sh, port);
}

int
turn_resv_family(struct turn_shared *sh, const uint8_t *token, size_t len, uint64_t now)
{
	int fam = -1;

	if (len != 8)
		return -1;
	pthread_mutex_lock(&sh->lock);
	for (unsigned i = 0; i < sh->nresv; i++)
		if (memcmp(sh->resv[i].token, token, 8) == 0 && sh->resv[i].expires >= now)
			fam = sh->resv[i].fam;
	pthread_mutex_unlock(&sh->lock);
	return fam;
}

int
turn_resv_take(struct turn_shared *sh, const uint8_t *token, size_t len, uint64_t now, int *fam)
{
	int port = -1;

	if (len != 8)
		return -1;
	pthread_mutex_lock(&sh->lock);
	for (unsigned i = 0; i < sh->nresv; i++) {
		if (memcmp(sh->resv[i].token, token, 8) != 0 || sh->resv[i].expires < now)
			continue;
		port = sh->resv[i].port;
		*fam = sh->resv[i].fam;
		sh->resv[i] = sh->resv[--sh->nresv];
		break;
	}
	pthread_mutex_unlock(&sh->lock);
	return port;
}

void
turn_resv_expire(struct turn_shared *sh, uint64_t now)
{
	pthread_mutex_lock(&sh->lock);
	for (unsigned i = 0; i < sh->nresv;) {
		if (sh->resv[i].expires < now) {
			turn_ports_release(sh, sh->resv[i].port);
			sh->resv[i] = sh->resv[--sh->nresv];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

static unsigned
name_hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 ^ (unsigned char)*s++;
	return h & 255;
}

int
turn_quota_take(struct turn_shared *sh, const struct turn_config *cfg, const char *user)
{
	struct turn_quota_entry *q;
	int ret = 0;

	/* The server-wide cap is capacity (508); the per-user cap is a quota (486). */
	if (cfg->total_quota && atomic_fetch_add(&sh->total_allocs, 1) >= cfg->total_quota) {
		atomic_fetch_sub(&sh->total_allocs, 1);
		return 508;
	}
	if (!cfg->total_quota)
		atomic_fetch_add(&sh->total_allocs, 1);
	pthread_mutex_lock(&sh->lock);
	unsigned h = name_hash(user);
	for (q = sh->quota[h]; q && strcmp(q->user, user); q = q->next)
		;
	if (!q && (q = calloc(1, sizeof(*q)))) {
		if ((q->user = strdup(user))) {
			q->next = sh->quota[h];
			sh->quota[h] = q;
		} else {
			free(q);
			q = NULL;
		}
	}
	if (!q)
		ret = 508;
	else if (cfg->user_quota && q->count >= cfg->user_quota)
		ret = 486;
	else
		q->count++;
	pthread_mutex_unlock(&sh->lock);
	if (ret)
		atomic_fetch_sub(&sh->total_allocs, 1);
	return ret;
}

void
turn_quota_give(struct turn_shared *sh, const char *user)
{
	struct turn_quota_entry *q;

	atomic_fetch_sub(&sh->total_allocs, 1);
	pthread_mutex_lock(&sh->lock);
	for (q = sh->quota[name_hash(user)]; q && strcmp(q->user, user); q = q->next)
		;
	if (q && q->count)
		q->count--;
	pthread_mutex_unlock(&sh->lock);
}
