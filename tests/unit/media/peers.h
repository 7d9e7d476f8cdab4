/*
 * peers.h: bare peers for the peer layer's unit tests (test_negotiate.c,
 * test_forward.c, test_ice.c): a worker environment whose emit callback
 * records events, a negotiation ops table that records what negotiation
 * asked of the transport, and peers built without an ICE agent.
 * Single-threaded: the test's thread plays the worker.
 */
#ifndef PORTICO_TEST_MEDIA_PEERS_H
#define PORTICO_TEST_MEDIA_PEERS_H

#include <string.h>

#include "media/peer.h"

#define TP_MAX_PEERS 8

struct tp_world {
	struct media_config cfg;
	struct media_cert cert;
	struct media_peer_env env;
	struct mroom room;
	/* emit */
	unsigned offers[TP_MAX_PEERS + 1];  /* by peer id */
	char *sdp[TP_MAX_PEERS + 1];        /* last offer of each peer */
	unsigned events[MEDIA_EV_LOG + 1];
	char *text;                         /* text of the last event that had one */
	struct media_event last;
	struct media_stats stats;           /* of the last stats event */
	struct media_fwd_counters totals;   /* env.totals */
	/* neg ops */
	unsigned remote_ice, restarts;
	uint32_t keyframe_from;             /* last publisher asked for a key frame */
	unsigned keyframes;
};

static struct tp_world *tp_w;

__attribute__((unused)) static void
tp_emit(void *ctx, const struct media_event *ev)
{
	struct tp_world *w = ctx;

	w->events[ev->type]++;
	w->last = *ev;
	w->last.sdp = w->last.text = NULL;
	w->last.stats = NULL;
	if (ev->stats)
		w->stats = *ev->stats;
	if (ev->text) {
		g_free(w->text);
		w->text = g_strdup(ev->text);
	}
	if (ev->type == MEDIA_EV_OFFER && ev->peer <= TP_MAX_PEERS) {
		w->offers[ev->peer]++;
		g_free(w->sdp[ev->peer]);
		w->sdp[ev->peer] = g_strdup(ev->sdp);
	}
}

__attribute__((unused)) static void
tp_local_ice(struct media_peer *p, char **ufrag, char **pwd)
{
	*ufrag = g_strdup_printf("uf%u", p->id);
	*pwd = g_strdup("0123456789abcdefghijklmn");
}

__attribute__((unused)) static void
tp_remote_ice(struct media_peer *p, const struct media_sdp_answer *a)
{
	tp_w->remote_ice++;
	g_strlcpy(p->remote_ufrag, a->ufrag, sizeof(p->remote_ufrag));
}

__attribute__((unused)) static void
tp_keyframe(struct media_peer *publisher)
{
	tp_w->keyframes++;
	tp_w->keyframe_from = publisher->id;
}

/* What peer.c's restart does, minus the agent. */
__attribute__((unused)) static void
tp_restart(struct media_peer *p)
{
	tp_w->restarts++;
	if (media_neg_restart_now(p)) {
		p->dirty = 1;
		media_neg_offer(p);
	}
}

static const struct media_neg_ops tp_ops = {
	.local_ice = tp_local_ice, .remote_ice = tp_remote_ice,
	.keyframe = tp_keyframe, .restart = tp_restart,
};

__attribute__((unused)) static void
tp_world_init(struct tp_world *w)
{
	memset(w, 0, sizeof(*w));
	tp_w = w;
	w->cfg.host_candidates = 1;
	g_strlcpy(w->cert.fingerprint, "AA:BB:CC", sizeof(w->cert.fingerprint));
	w->env = (struct media_peer_env){ .cfg = &w->cfg, .cert = &w->cert,
					  .ctx = g_main_context_default(), .emit = tp_emit,
					  .emit_ctx = w, .totals = &w->totals };
	w->room.id = 7;
	w->room.peers = g_ptr_array_new();
}

/* A peer in the room, gathered (ready to offer) unless told otherwise;
 * no agent, not secure. */
__attribute__((unused)) static struct media_peer *
tp_peer(struct tp_world *w, uint32_t id, int gathered)
{
	struct media_peer *p = g_new0(struct media_peer, 1);

	p->id = id;
	p->env = &w->env;
	p->neg = &tp_ops;
	p->room = &w->room;
	g_snprintf(p->label, sizeof(p->label), "leg-%u", id);
	p->cands = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(p->cands, g_strdup("candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host"));
	p->m = g_array_new(FALSE, TRUE, sizeof(struct mline));
	p->session_id = 1000 + id;
	p->own_ssrc = 0x5000 + id;
	p->pub[MEDIA_AUDIO].level_min = p->pub[MEDIA_VIDEO].level_min = 127;
	p->level_peak = 127;
	p->gathered = gathered;
	media_neg_init(p);
	g_ptr_array_add(w->room.peers, p);
	return p;
}

__attribute__((unused)) static void
tp_peer_free(struct tp_world *w, struct media_peer *p)
{
	g_ptr_array_remove(w->room.peers, p);
	g_ptr_array_unref(p->cands);
	g_array_unref(p->m);
	g_free(p);
}

__attribute__((unused)) static void
tp_world_free(struct tp_world *w)
{
	while (w->room.peers->len)
		tp_peer_free(w, g_ptr_array_index(w->room.peers, 0));
	g_ptr_array_unref(w->room.peers);
	for (unsigned i = 0; i <= TP_MAX_PEERS; i++)
		g_free(w->sdp[i]);
	g_free(w->text);
}

/* One m-line of an answer the tests write. */
struct tp_am {
	const char *kind;           /* "audio", "video" */
	int port;
	uint32_t ssrc;              /* 0: none */
	int pt;
};

/* A browser-like answer: ufrag, a sha-256 fingerprint unless fp is 0,
 * then the m-lines. g_free it. */
__attribute__((unused)) static char *
tp_answer(const char *ufrag, int fp, const struct tp_am *m, unsigned n)
{
	GString *s = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");

	g_string_append_printf(s, "a=ice-ufrag:%s\r\na=ice-pwd:0123456789abcdefghijklmn\r\n", ufrag);
	if (fp)
		g_string_append(s, "a=fingerprint:sha-256 12:34:56\r\na=setup:active\r\n");
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(s, "m=%s %d UDP/TLS/RTP/SAVPF %d\r\na=mid:%u\r\n", m[i].kind,
				       m[i].port, m[i].pt, i);
		if (m[i].ssrc)
			g_string_append_printf(s, "a=ssrc:%u cname:x\r\n", m[i].ssrc);
	}
	return g_string_free(s, FALSE);
}

#endif
