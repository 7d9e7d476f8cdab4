/*
 * peer.c: one participant on its worker, put together: the ICE agent
 * (ice.c) delivers datagrams here, which go to the DTLS handshake
 * (handshake.c) or, once SRTP is up, to forwarding (forward.c); gathering
 * done starts negotiation (negotiate.c), which reaches the transport
 * through the table below.  Lifetime and ICE restart.  Worker thread only.
 */
#include <string.h>

#include "common/plog.h"
#include "media/peer.h"

/* RFC 7983 demultiplexing on the one component: DTLS, then SRTP/SRTCP. */
static void
on_datagram(struct media_peer *p, uint8_t *b, size_t n)
{
	if (n < 2 || p->failed)
		return;
	if (b[0] >= 20 && b[0] <= 63)
		media_handshake_input(p, b, n);
	else if (b[0] >= 128 && b[0] <= 191 && p->secure && n <= MEDIA_MAX_PACKET) {
		if (media_rtp_is_rtcp(b, n))
			media_fwd_rtcp(p, b, (int)n);
		else
			media_fwd_rtp(p, b, (int)n);
	}
}

static void
on_gathered(struct media_peer *p)
{
	media_neg_offer(p);
}

static void
keyframe(struct media_peer *publisher)
{
	media_fwd_pli(publisher, MEDIA_VIDEO);
}

static const struct media_neg_ops neg_ops = {
	.local_ice = media_ice_local,
	.remote_ice = media_ice_remote,
	.keyframe = keyframe,
	.restart = media_peer_on_restart,
};

/* New local ICE credentials and an offer carrying them.  While an offer is
 * out, the restart waits for its answer: answers then always match the
 * offer they answer. */
void
media_peer_on_restart(struct media_peer *p)
{
	if (!media_neg_restart_now(p))
		return;
	if (p->failed && !p->secure && (p->relays || p->env->cfg->host_candidates)) {
		/* A leg that never connected gets a fresh try, DTLS included
		 * (not one without any candidate: a restart makes none). */
		p->failed = 0;
		media_handshake_reset(p);
	}
	media_ice_restart(p);
	p->dirty = 1;
	media_neg_offer(p);
}

struct media_peer *
media_peer_create(const struct media_peer_env *env, struct mroom *room, uint32_t id,
		  const char *label, const struct media_turn *turn, unsigned nturn)
{
	struct media_peer *p = g_new0(struct media_peer, 1);

	p->id = id;
	p->env = env;
	p->neg = &neg_ops;
	p->room = room;
	g_strlcpy(p->label, label, sizeof(p->label));
	if (nturn)
		memcpy(p->turn, turn, nturn * sizeof(*turn));
	p->nturn = nturn;
	p->cands = g_ptr_array_new_with_free_func(g_free);
	p->m = g_array_new(FALSE, TRUE, sizeof(struct mline));
	p->session_id = g_random_int() | (guint64)g_random_int_range(1, 0x7fffffff) << 32;
	p->own_ssrc = g_random_int();
	p->pub[MEDIA_AUDIO].level_min = p->pub[MEDIA_VIDEO].level_min = 127;
	p->level_peak = 127;
	media_neg_init(p);
	plog(PLOG_INFO, "media", "peer %u: setting up combined RTP session for DTLS (worker %u)",
	     id, env->worker);
	if (media_ice_setup(p, on_datagram, on_gathered) < 0) {
		plog(PLOG_ERROR, "media", "peer %u: ICE agent setup failed", id);
		media_peer_destroy(p);
		return NULL;
	}
	return p;
}

void
media_peer_destroy(struct media_peer *p)
{
	media_ice_free(p);
	media_handshake_free(p);
	explicit_bzero(p->turn, sizeof(p->turn));
	g_ptr_array_unref(p->cands);
	g_array_unref(p->m);
	g_free(p);
}
