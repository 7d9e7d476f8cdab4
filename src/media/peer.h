/*
 * peer.h: one participant of a room, as the files of the peer layer share
 * it.  Not a public header (media.h is).
 *
 * Direction (each file calls only the ones below it; what must go up is a
 * callback):
 *   engine.c      workers, commands, events; owns rooms and peers
 *   peer.c        media_peer_*: lifetime and the engine's entry points;
 *                 wires the callbacks of the files below
 *   stats.c       media_stats_*: once a second: reports, stats, speaker
 *   handshake.c   media_handshake_*: DTLS on the ICE component, SRTP keys
 *   forward.c     media_fwd_*: RTP/RTCP received, forwarded, PLI and RTCP sent
 *   negotiate.c   media_neg_*: m-lines, offers, answers (transport through
 *                 struct media_neg_ops)
 *   ice.c         media_ice_*: the libnice agent, candidates, raw send
 *   this header   types and small helpers; uses nothing above it
 * sdp.c, rtp.c and dtls.c (media-internal.h) are pure parts under them all.
 *
 * Threads: a peer, its room and everything reachable from them belong to
 * the worker thread whose context is env->ctx; nothing here locks.
 */
#ifndef PORTICO_MEDIA_PEER_H
#define PORTICO_MEDIA_PEER_H

#include <string.h>

#include <nice/agent.h>
#include <srtp2/srtp.h>

#include "media/media.h"
#include "media/media-internal.h"

#define MEDIA_MAX_PACKET 1600
#define MEDIA_PLI_MIN_USEC (300 * 1000)
#define MEDIA_REMB_MAX_AGE_USEC (3 * G_USEC_PER_SEC)   /* older estimates are dropped */

struct media_peer;

/* What a worker gives its peers: read-only for them, owned by the engine
 * and alive as long as any peer of the worker.  emit(emit_ctx, ev) queues
 * an event for the control thread (ev copied); callable from the worker. */
struct media_peer_env {
	const struct media_config *cfg;
	const struct media_cert *cert;
	GMainContext *ctx;
	unsigned worker;
	void (*emit)(void *emit_ctx, const struct media_event *ev);
	void *emit_ctx;
	/* The worker's share of media_engine_counters: written by this
	 * worker only (atomic adds), read by the control thread. */
	struct media_fwd_counters *totals;
};

/*
 * What negotiation needs from the rest of the peer, so it can be driven
 * without an ICE agent (tests/unit/media/test_negotiate.c does).
 *   local_ice   the local ICE credentials, g_malloc'd (an offer carries them)
 *   remote_ice  the answer's ICE credentials and candidates
 *   keyframe    ask publisher for a key frame (a new receiver needs one)
 *   restart     an ICE restart that waited for the answer may run now
 */
struct media_neg_ops {
	void (*local_ice)(struct media_peer *p, char **ufrag, char **pwd);
	void (*remote_ice)(struct media_peer *p, const struct media_sdp_answer *a);
	void (*keyframe)(struct media_peer *publisher);
	void (*restart)(struct media_peer *p);
};

/* Called by the agent on the worker: a datagram of the component, and
 * candidate gathering finished (or gave up at the relay timeout). */
typedef void (*media_ice_recv_fn)(struct media_peer *p, uint8_t *b, size_t n);
typedef void (*media_ice_gathered_fn)(struct media_peer *p);

/* Receive-side state of one published track (RFC 3550 A.3, A.8). */
struct mtrack {
	uint32_t ssrc;
	uint8_t pt;                 /* codec the publisher sends (answer or first packet) */
	int started;
	uint16_t max_seq;
	uint32_t cycles, base_seq, received, expected_prior, received_prior;
	uint32_t transit, jitter;   /* jitter in timestamp units << 4 */
	int have_transit;
	uint64_t bytes, bytes_prev;
	uint32_t packets, frames, frames_prev;
	uint32_t width, height;
	uint8_t fraction;           /* of the last report */
	double loss_percent;
	int level_min;              /* loudest audio level this interval (-dBov), 127 = none */
	gint64 last_pli;
};

/* What a receiver reports about the SFU's path to it (REMB, transport-cc
 * feedback): recorded and shown in the stats, not acted on yet (issue 14:
 * layers per receiver will follow it). */
struct mdownlink {
	uint32_t remb_bps;          /* its latest REMB, 0 = none */
	gint64 remb_at;
	uint32_t twcc_feedbacks;    /* transport-cc feedback packets, total */
	uint32_t twcc_received, twcc_lost;  /* statuses since the last tick */
	double twcc_loss_percent;   /* of the last interval that had feedback */
};

/* One m-line of this peer's offers. */
struct mline {
	struct media_sdp_mline sdp;
	uint32_t src;               /* publishing peer (0 = the peer's own) */
	int negotiated;             /* answered: forwarding may start */
	struct media_sim_out sim;   /* video from a simulcast source (forward.c) */
};

/* A simulcast layer of a publisher's video beyond its declared track: an
 * SSRC of the same codec that arrives while the declared one flows. */
struct mlayer {
	uint32_t ssrc;
	uint64_t bytes, bytes_prev;
	uint32_t bps;               /* last interval */
	gint64 last_at;
};

struct mroom {
	uint32_t id;
	GPtrArray *peers;           /* struct media_peer * (owned by the engine's worker) */
	uint32_t speaker;
	unsigned ticks;             /* peers ticked since the last speaker decision */
};

struct media_peer {
	uint32_t id;
	struct mroom *room;
	const struct media_peer_env *env;
	const struct media_neg_ops *neg;
	char label[64];
	struct media_turn turn[MEDIA_MAX_TURN];
	unsigned nturn;
	/* ice.c */
	NiceAgent *agent;
	media_ice_recv_fn ice_recv;         /* given to media_ice_setup */
	media_ice_gathered_fn ice_gathered;
	guint stream;
	GPtrArray *cands;           /* local "candidate:..." strings */
	int gathered;
	unsigned relays;
	guint relay_timer, ice_timer, dtls_timer;
	char remote_ufrag[257], pair[96];
	/* handshake.c */
	char remote_fp[128], profile[32];
	struct media_dtls *dtls;
	srtp_t srtp_in, srtp_out;
	int secure, connected, failed;
	/* negotiate.c */
	GArray *m;                  /* struct mline */
	unsigned next_mid;
	guint64 session_id, version;
	int offer_out, dirty;
	int restart_pending;        /* ICE restart asked while an offer was out */
	int presentation_denied;    /* media_peer_set_presentation(.., 0): no screen track */
	/* forward.c and stats.c */
	struct mtrack pub[2];       /* by enum media_kind */
	uint32_t own_ssrc;          /* sender SSRC of our RTCP */
	uint64_t tx_bytes[2], tx_bytes_prev[2];
	uint32_t tx_packets[2];
	uint8_t tx_fraction[2];
	uint32_t tx_jitter[2];
	int level_peak;             /* last interval's loudest audio level */
	uint32_t remb_min;          /* as a publisher: lowest receiver estimate, 0 = none */
	gint64 remb_at;
	struct mdownlink down;      /* as a receiver: what it reports */
	unsigned fwd_off;           /* MEDIA_FWD_* kinds not forwarded (muted by a host) */
	struct media_fwd_counters fwd;  /* forwarded to it, dropped (media.h) */
	/* simulcast (forward.c, stats.c): as a publisher, its video layers
	 * (layer[0] is the declared track pub[MEDIA_VIDEO]), ranked by rate
	 * into rank[] (rank[0] = lowest); as a receiver, its estimate */
	struct mlayer layer[MEDIA_SIM_LAYERS];
	unsigned nlayers;
	unsigned rank[MEDIA_SIM_LAYERS];
	uint32_t remb_max;          /* as a publisher: highest recent receiver estimate */
	gint64 remb_max_at;
	uint32_t estimate;          /* as a receiver: media_sim_estimate, bits/s */
};

/* ---- small helpers every file of the layer uses ------------------------- */

static inline void
media_peer_emit(struct media_peer *p, struct media_event *ev)
{
	ev->room = p->room->id;
	ev->peer = p->id;
	p->env->emit(p->env->emit_ctx, ev);
}

static inline void
media_peer_emit_text(struct media_peer *p, enum media_event_type type, const char *text)
{
	struct media_event ev = { .type = type, .text = text };

	media_peer_emit(p, &ev);
}

/* Counts n bytes forwarded to p (dropped = 0) or dropped, in p's counters
 * and its worker's totals. */
static inline void
media_peer_count(struct media_peer *p, int dropped, size_t n)
{
	struct media_fwd_counters *t = p->env->totals;

	if (dropped) {
		p->fwd.dropped_packets++;
		p->fwd.dropped_bytes += n;
	} else {
		p->fwd.packets++;
		p->fwd.bytes += n;
	}
	if (!t)
		return;
	__atomic_add_fetch(dropped ? &t->dropped_packets : &t->packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(dropped ? &t->dropped_bytes : &t->bytes, n, __ATOMIC_RELAXED);
}

/* The first failure is reported; later ones are the same failure. */
static inline void
media_peer_fail(struct media_peer *p, const char *reason)
{
	if (p->failed)
		return;
	p->failed = 1;
	media_peer_emit_text(p, MEDIA_EV_FAILED, reason);
}

/* Timers live on the worker's context, not the default one. */
static inline guint
media_peer_timer_on(struct media_peer *p, unsigned ms, GSourceFunc fn)
{
	GSource *s = g_timeout_source_new(ms);
	guint id;

	g_source_set_callback(s, fn, p, NULL);
	id = g_source_attach(s, p->env->ctx);
	g_source_unref(s);
	return id;
}

static inline void
media_peer_timer_off(struct media_peer *p, guint *id)
{
	GSource *s = *id ? g_main_context_find_source_by_id(p->env->ctx, *id) : NULL;

	if (s)
		g_source_destroy(s);
	*id = 0;
}

/* A publisher's track starts over: a new source or codec. */
static inline void
media_peer_track_reset(struct mtrack *t, uint32_t ssrc, uint8_t pt)
{
	memset(t, 0, sizeof(*t));
	t->ssrc = ssrc;
	t->pt = pt;
	t->level_min = 127;
}

/* ---- ice.c ---------------------------------------------------------------- */

/* A controlling full-ICE agent on env->ctx, gathering at once.  0 or -1. */
int media_ice_setup(struct media_peer *p, media_ice_recv_fn recv, media_ice_gathered_fn gathered);
void media_ice_free(struct media_peer *p);
void media_ice_send(struct media_peer *p, const uint8_t *b, size_t n);
void media_ice_local(struct media_peer *p, char **ufrag, char **pwd);
/* The answer's credentials (new ones start the ICE timer) and candidates. */
void media_ice_remote(struct media_peer *p, const struct media_sdp_answer *a);
/* One trickled candidate; "" = the browser's end of candidates. */
void media_ice_candidate(struct media_peer *p, const char *cand);
void media_ice_restart(struct media_peer *p);

/* ---- negotiate.c ------------------------------------------------------------ */

/* The peer's own two m-lines (audio, video it receives). */
void media_neg_init(struct media_peer *p);
/* Offers now, or marks the peer dirty while an offer is out. */
void media_neg_offer(struct media_peer *p);
/* Re-offer when the room changed (no-op if nothing changed for p). */
void media_neg_room_changed(struct media_peer *p);
/* Every peer of room r but except (NULL: none) re-checks its m-lines. */
void media_neg_room_all(struct mroom *r, const struct media_peer *except);
/* The answer to the outstanding offer; refused (logged) when it does not
 * match.  0 or -1. */
int media_neg_answer(struct media_peer *p, const char *sdp);
/* 1 when an ICE restart may run now; 0 when it must wait (then the
 * answer runs it through neg->restart) or the peer has not gathered. */
int media_neg_restart_now(struct media_peer *p);
/* The m-line of p that carries src's track of kind, if any. */
struct mline *media_neg_mline_for(struct media_peer *p, uint32_t src, enum media_kind kind);
struct media_peer *media_neg_room_peer(struct mroom *r, uint32_t id);

/* ---- forward.c ------------------------------------------------------------- */

/* A received SRTP/SRTCP datagram of a secure peer (unprotected in place). */
void media_fwd_rtp(struct media_peer *p, uint8_t *b, int len);
void media_fwd_rtcp(struct media_peer *p, uint8_t *b, int len);
/* The same after decryption (the tests feed these). */
void media_fwd_rtp_plain(struct media_peer *p, uint8_t *b, size_t n);
void media_fwd_rtcp_plain(struct media_peer *p, const uint8_t *b, size_t n);
/* Protects and sends one RTCP packet (no-op before SRTP is up). */
void media_fwd_send_rtcp(struct media_peer *p, const uint8_t *b, size_t n);
/* PLI to publisher p for its track of kind, at most every PLI_MIN_USEC. */
void media_fwd_pli(struct media_peer *p, enum media_kind kind);
/* The same for one SSRC of its video (a simulcast layer). */
void media_fwd_pli_ssrc(struct media_peer *p, uint32_t ssrc);

/* ---- handshake.c ----------------------------------------------------------- */

/* One DTLS datagram from the component (NULL: the retransmit timer). */
void media_handshake_input(struct media_peer *p, const uint8_t *b, size_t n);
/* Forgets a handshake that never finished, for a fresh try. */
void media_handshake_reset(struct media_peer *p);
void media_handshake_free(struct media_peer *p);

/* ---- stats.c --------------------------------------------------------------- */

void media_stats_tick(struct media_peer *p, double secs);

/* ---- peer.c: lifetime; the engine calls the files above directly ------- */

struct media_peer *media_peer_create(const struct media_peer_env *env, struct mroom *room,
				     uint32_t id, const char *label,
				     const struct media_turn *turn, unsigned nturn);
void media_peer_destroy(struct media_peer *p);
/* ICE restart (new local credentials, new offer); waits for an outstanding
 * answer. */
void media_peer_on_restart(struct media_peer *p);

#endif
