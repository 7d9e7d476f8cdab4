/*
 * alloc.c: allocations of one worker: the 5-tuple table, lifetimes,
 * permissions and channels (RFC 8656 sections 7-12).  Worker thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/plog.h"
#include "turn/alloc.h"
#include "turn/io.h"

const char *
turn_alloc_client_str(const struct client *c, char buf[ADDR_STRLEN + 8])
{
	char a[ADDR_STRLEN];

	snprintf(buf, ADDR_STRLEN + 8, "%s:%s",
		 c->proto == IPPROTO_UDP ? "udp" : c->tcp && c->tcp->tls ? "tls" : "tcp",
		 addr_str(&c->remote, a, 1));
	return buf;
}

const char *
turn_alloc_relay_str(const struct alloc *a, char *buf, size_t cap)
{
	char s[ADDR_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (int f = 0; f < 2; f++) {
		if (!(a->families & (1u << f)))
			continue;
		int r = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", addr_str(&a->relay[f].adv, s, 1));
		if (r < 0 || (size_t)r >= cap - n)
			break;
		n += (size_t)r;
	}
	return buf;
}

unsigned
turn_alloc_lifetime(const struct turn_config *cfg, uint32_t requested)
{
	/* RFC 8656 7.2: min(requested, maximum), but never below the default. */
	uint32_t l = requested < cfg->max_lifetime ? requested : cfg->max_lifetime;

	return l > TURN_DEFAULT_LIFETIME ? l : TURN_DEFAULT_LIFETIME;
}

/* v (of *cap elements of size) grown to twice as many, or to first; the
 * new array with *cap updated, or NULL with v untouched. */
static void *
grow_array(void *v, unsigned *cap, size_t size, unsigned first)
{
	unsigned ncap = *cap ? *cap * 2 : first;
	void *n = realloc(v, ncap * size);

	if (n)
		*cap = ncap;
	return n;
}

static unsigned
bucket(const struct turn_worker *w, const struct client *c)
{
	return (addr_hash(&c->remote, w->hseed) ^ (uint32_t)c->fd * 2654435761u) & (w->hsize - 1);
}

static int
same_tuple(const struct client *a, const struct client *b)
{
	return a->proto == b->proto && a->fd == b->fd && addr_equal(&a->remote, &b->remote);
}

struct alloc *
turn_alloc_lookup(struct turn_worker *w, const struct client *c)
{
	if (c->proto == IPPROTO_TCP)
		return c->tcp ? c->tcp->alloc : NULL;
	for (struct alloc *a = w->htab[bucket(w, c)]; a; a = a->hnext)
		if (same_tuple(&a->client, c))
			return a;
	return NULL;
}

static int
grow(struct turn_worker *w)
{
	unsigned nsize = w->hsize * 2;
	struct alloc **n = calloc(nsize, sizeof(*n));
	struct alloc **old = w->htab;
	unsigned osize = w->hsize;

	if (!n)
		return -1;
	w->htab = n;
	w->hsize = nsize;
	for (unsigned i = 0; i < osize; i++) {
		struct alloc *a = old[i], *next;
		for (; a; a = next) {
			unsigned b = bucket(w, &a->client);
			next = a->hnext;
			a->hnext = n[b];
			n[b] = a;
		}
	}
	free(old);
	return 0;
}

int
turn_alloc_insert(struct turn_worker *w, struct alloc *a)
{
	if (a->client.proto == IPPROTO_UDP) {
		if (w->hcount >= w->hsize && grow(w) < 0)
			return -1;
		unsigned b = bucket(w, &a->client);
		a->hnext = w->htab[b];
		w->htab[b] = a;
		w->hcount++;
	} else {
		a->client.tcp->alloc = a;
	}
	a->next = w->allocs;
	a->prev = NULL;
	if (w->allocs)
		w->allocs->prev = a;
	w->allocs = a;
	atomic_fetch_add_explicit(&w->stats.allocs, 1, memory_order_relaxed);
	turn_worker_count(w, STAT_ALLOCS_CREATED);
	return 0;
}

static void
unlink_alloc(struct turn_worker *w, struct alloc *a)
{
	if (a->client.proto == IPPROTO_UDP) {
		struct alloc **p = &w->htab[bucket(w, &a->client)];
		for (; *p; p = &(*p)->hnext)
			if (*p == a) {
				*p = a->hnext;
				w->hcount--;
				break;
			}
	} else if (a->client.tcp) {
		a->client.tcp->alloc = NULL;
	}
	if (a->prev)
		a->prev->next = a->next;
	else
		w->allocs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	atomic_fetch_sub_explicit(&w->stats.allocs, 1, memory_order_relaxed);
}

/* What a (possibly half-built) allocation holds besides its memory. */
static void
release(struct turn_worker *w, struct alloc *a)
{
	for (int f = 0; f < 2; f++) {
		if (a->relay[f].ev.fd >= 0)
			turn_io_close(w, a->relay[f].ev.fd);
		if (a->relay[f].port > 0)
			turn_ports_release(w->sh, a->relay[f].port);
	}
	turn_quota_give(w->sh, a->quota_user);
	explicit_bzero(a->key, sizeof(a->key));
	free(a->quota_user);
	free(a->user);
	free(a->perms);
	free(a->chans);
	free(a);
}

void
turn_alloc_free_unlinked(struct turn_worker *w, struct alloc *a, int reserved)
{
	if (reserved >= 0)
		turn_ports_release(w->sh, reserved);
	release(w, a);
}

void
turn_alloc_destroy(struct turn_worker *w, struct alloc *a, const char *reason)
{
	char cs[ADDR_STRLEN + 8], rs[2 * ADDR_STRLEN];

	turn_io_flush(w);   /* queued datagrams may name its relay socket */
	unlink_alloc(w, a);
	plog(PLOG_INFO, "turn",
	     "allocation deleted (%s): user=%s client=%s relay=%s age=%llus "
	     "client-to-peer=%llu packets/%llu bytes peer-to-client=%llu packets/%llu bytes",
	     reason, a->user, turn_alloc_client_str(&a->client, cs), turn_alloc_relay_str(a, rs, sizeof(rs)),
	     (unsigned long long)(w->now - a->created),
	     (unsigned long long)a->c2p_pkts, (unsigned long long)a->c2p_bytes,
	     (unsigned long long)a->p2c_pkts, (unsigned long long)a->p2c_bytes);
	release(w, a);
}

struct perm *
turn_alloc_perm_find(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now)
{
	for (unsigned i = 0; i < a->nperms; i++)
		if (a->perms[i].expires > now && addr_ip_equal(&a->perms[i].ip, ip))
			return &a->perms[i];
	return NULL;
}

int
turn_alloc_perm_install(struct alloc *a, const struct sockaddr_storage *ip, uint64_t now, unsigned max)
{
	struct perm *p = NULL;

	for (unsigned i = 0; i < a->nperms && !p; i++)
		if (addr_ip_equal(&a->perms[i].ip, ip))
			p = &a->perms[i];
	if (!p) {
		if (a->nperms >= max)
			return -1;
		if (a->nperms == a->capperms) {
			struct perm *n = grow_array(a->perms, &a->capperms, sizeof(*n), 4);
			if (!n)
				return -1;
			a->perms = n;
		}
		p = &a->perms[a->nperms++];
		p->ip = *ip;
		addr_set_port(&p->ip, 0);
	}
	p->expires = now + TURN_PERMISSION_LIFETIME;
	return 0;
}

struct chan *
turn_alloc_chan_by_num(struct alloc *a, uint16_t num, uint64_t now, int include_cooldown)
{
	uint64_t extra = include_cooldown ? TURN_CHANNEL_COOLDOWN : 0;

	for (unsigned i = 0; i < a->nchans; i++)
		if (a->chans[i].num == num && a->chans[i].expires + extra > now)
			return &a->chans[i];
	return NULL;
}

struct chan *
turn_alloc_chan_by_peer(struct alloc *a, const struct sockaddr_storage *peer, uint64_t now,
		   int include_cooldown)
{
	uint64_t extra = include_cooldown ? TURN_CHANNEL_COOLDOWN : 0;

	for (unsigned i = 0; i < a->nchans; i++)
		if (a->chans[i].expires + extra > now && addr_equal(&a->chans[i].peer, peer))
			return &a->chans[i];
	return NULL;
}

int
turn_alloc_chan_bind(struct alloc *a, uint16_t num, const struct sockaddr_storage *peer, uint64_t now)
{
	struct chan *c = turn_alloc_chan_by_num(a, num, now, 1);
	struct chan *byp = turn_alloc_chan_by_peer(a, peer, now, 1);

	/* RFC 8656 11.2: a number is bound to one peer and a peer to one
	 * number, also during the cool-down after expiry. */
	if (c != byp)
		return -1;
	if (!c) {
		if (a->nchans == a->capchans) {
			struct chan *n = grow_array(a->chans, &a->capchans, sizeof(*n), 2);
			if (!n)
				return -1;
			a->chans = n;
		}
		c = &a->chans[a->nchans++];
		c->num = num;
		c->peer = *peer;
	}
	c->expires = now + TURN_CHANNEL_LIFETIME;
	return 0;
}

/* Drop expired permissions and channels past their cool-down. */
static void
compact(struct alloc *a, uint64_t now)
{
	unsigned j = 0;

	for (unsigned i = 0; i < a->nperms; i++)
		if (a->perms[i].expires > now)
			a->perms[j++] = a->perms[i];
	a->nperms = j;
	j = 0;
	for (unsigned i = 0; i < a->nchans; i++)
		if (a->chans[i].expires + TURN_CHANNEL_COOLDOWN > now)
			a->chans[j++] = a->chans[i];
	a->nchans = j;
}

void
turn_alloc_expire(struct turn_worker *w, uint64_t now)
{
	struct alloc *a = w->allocs, *next;

	for (; a; a = next) {
		next = a->next;
		if (a->expires <= now)
			turn_alloc_destroy(w, a, "lifetime expired");
		else
			compact(a, now);
	}
}
