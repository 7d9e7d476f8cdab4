/*
 * worker.h: engine.c and peer.c share these.  Not a public header.
 *
 * Ownership and threads: struct media_engine belongs to the control thread
 * except the fields marked shared.  Each struct mworker, its rooms and its
 * peers belong to that worker's thread alone; the control thread reaches
 * them only through commands queued on the worker's GMainContext
 * (g_main_context_invoke_full), and they answer with events queued on the
 * control context.
 */
#ifndef PORTICO_MEDIA_WORKER_H
#define PORTICO_MEDIA_WORKER_H

#include <nice/agent.h>
#include <srtp2/srtp.h>

#include "media/media.h"
#include "media/media-internal.h"

struct mworker;

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

/* One m-line of this peer's offers. */
struct mline {
	struct media_sdp_mline sdp;
	uint32_t src;               /* publishing peer (0 = the peer's own) */
	int negotiated;             /* answered: forwarding may start */
};

struct media_peer {
	uint32_t id;
	struct mroom *room;
	struct mworker *w;
	char label[64];
	struct media_turn turn[MEDIA_MAX_TURN];
	unsigned nturn;
	NiceAgent *agent;
	guint stream;
	GPtrArray *cands;           /* local "candidate:..." strings */
	int gathered;
	unsigned relays;
	guint relay_timer, ice_timer, dtls_timer;
	char remote_ufrag[257], remote_fp[128];
	struct media_dtls *dtls;
	srtp_t srtp_in, srtp_out;
	int secure, connected, failed;
	GArray *m;                  /* struct mline */
	unsigned next_mid;
	guint64 session_id, version;
	int offer_out, dirty;
	int restart_pending;        /* ICE restart asked while an offer was out */
	struct mtrack pub[2];       /* by enum media_kind */
	uint32_t own_ssrc;          /* sender SSRC of our RTCP */
	uint64_t tx_bytes[2], tx_bytes_prev[2];
	uint32_t tx_packets[2];
	uint8_t tx_fraction[2];
	uint32_t tx_jitter[2];
	char pair[96], profile[32];
	int level_peak;             /* last interval's loudest audio level */
	uint32_t remb_min;          /* as a publisher: lowest receiver estimate, 0 = none */
	gint64 remb_at;
};

struct mroom {
	uint32_t id;
	GPtrArray *peers;           /* struct media_peer * (owned by mworker.peers) */
	uint32_t speaker;
	unsigned ticks;             /* peers ticked since the last speaker decision */
};

struct mworker {
	struct media_engine *e;
	unsigned index;
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	GHashTable *peers;          /* id -> struct media_peer (owned) */
	GHashTable *rooms;          /* id -> struct mroom (owned) */
	guint tick;
};

struct media_engine {
	struct media_config cfg;
	struct media_cert cert;     /* read-only after start, shared */
	media_event_cb cb;
	void *cbctx;
	GMainContext *control;
	struct mworker *w;
	unsigned nw;
	GHashTable *where;          /* control thread: peer id -> room id */
	gint refs;                  /* shared: atomic; events in flight hold one */
	int closed;                 /* control thread */
};

/* engine.c: events to the control thread (any worker). */
void media_emit(struct media_engine *e, const struct media_event *ev);
void media_emit_text(struct media_peer *p, enum media_event_type type, const char *text);

/* peer.c, worker thread. */
struct media_peer *media_peer_create(struct mworker *w, struct mroom *room, uint32_t id,
				     const char *label, const struct media_turn *turn,
				     unsigned nturn);
void media_peer_destroy(struct media_peer *p);
void media_peer_on_answer(struct media_peer *p, const char *sdp);
void media_peer_on_candidate(struct media_peer *p, const char *cand);
void media_peer_on_restart(struct media_peer *p);
void media_peer_request_keyframe(struct media_peer *p);
/* Re-offer when the room changed (no-op if nothing changed for p). */
void media_peer_room_changed(struct media_peer *p);
/* Once a second: stats event, receiver reports to the publisher. */
void media_peer_tick(struct media_peer *p, double secs);

#endif
