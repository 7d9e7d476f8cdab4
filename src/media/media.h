/*
 * media.h: the SFU media engine, the only door into src/media.
 *
 * One engine per process.  It runs N worker threads, each with its own
 * GMainContext holding the libnice agents, DTLS sessions and SRTP contexts
 * of the participants placed on it.  A room (one call) lives on one worker
 * (room id modulo N), so every participant of a call shares that worker and
 * RTP is forwarded between them without locks (the mediasoup "router in one
 * worker" model); different calls spread over the workers.
 *
 * Threads: every function here is called from the control thread (the one
 * that created the engine); each hands a command to the peer's worker and
 * returns at once.  Events come back on the control thread's main context
 * through the callback given to media_engine_new, never from a worker.
 *
 * Signalling model: the server makes every offer.  media_peer_add gathers
 * candidates and emits MEDIA_EV_OFFER; the caller sends it to the browser
 * and feeds back the answer (media_peer_answer) and the browser's trickled
 * candidates (media_peer_candidate).  When participants join or leave, the
 * engine re-offers to the others (one offer outstanding per peer: a change
 * during an offer waits for its answer, so there is no glare).
 */
#ifndef PORTICO_MEDIA_H
#define PORTICO_MEDIA_H

#include <stdint.h>
#include <glib.h>

#define MEDIA_MAX_TURN 4
#define MEDIA_MAX_ADDRESSES 8

/* A TURN server the engine allocates relay candidates on (the vendor's
 * turnServers entry: serverAddress and its credentials).  Copied. */
struct media_turn {
	char host[256];             /* name or address literal */
	uint16_t udp_port;          /* 0 = no UDP relay */
	uint16_t tcp_port;          /* 0 = no TCP relay */
	char username[256];
	char password[256];
};

struct media_config {
	unsigned workers;           /* 0 = number of CPUs */
	int host_candidates;        /* 0: relay candidates only (libnice force-relay) */
	unsigned relay_timeout_ms;  /* candidate gathering gives up after this */
	unsigned ice_timeout_ms;    /* no ICE connection after the answer: failure */
	unsigned port_min, port_max;  /* host candidate ports, 0 = any */
	/* Local addresses for host candidates and TURN client sockets; none =
	 * every interface but loopback (libnice's choice). */
	char addresses[MEDIA_MAX_ADDRESSES][64];
	unsigned naddresses;
};

/* Per-direction statistics of one kind (audio or video) of a peer. */
struct media_dir_stats {
	char codec[16];             /* "opus", "VP8"; "" when nothing flows */
	uint32_t bitrate;           /* bits/s over the last interval */
	uint32_t packets;           /* total */
	double loss_percent;        /* rx: measured; tx: from receiver reports */
	double jitter_ms;
	uint32_t width, height;     /* video, from key frames; 0 if unknown */
	double frame_rate;
};

/* What the peer, as a receiver, reports about the SFU's path to it.
 * Recorded only: forwarding does not follow it yet. */
struct media_downlink_stats {
	uint32_t remb_bps;          /* its latest REMB estimate; 0 = none in the last 3 s */
	uint32_t twcc_feedbacks;    /* transport-cc feedback packets, total */
	double twcc_loss_percent;   /* reported lost, last interval with feedback */
};

/* What the SFU forwarded and dropped, RTP packets and their bytes (before
 * SRTP).  Forwarded: copies sent to receivers.  Dropped: packets received
 * and not usable (SRTP or parse failure, unknown payload type), and copies
 * due to a receiver that were not sent (its m-line not yet negotiated,
 * SRTP failure, a simulcast layer switch waiting for its key frame).
 * Layers a receiver was not given by choice are neither. */
struct media_fwd_counters {
	uint64_t packets, bytes;
	uint64_t dropped_packets, dropped_bytes;
};

struct media_stats {
	struct media_dir_stats rx_audio, tx_audio, rx_video, tx_video;
	struct media_downlink_stats downlink;
	struct media_fwd_counters fwd;  /* since the peer joined: sent to it, and
	                                 * dropped of its own and of copies due to it */
	unsigned video_layer;           /* simulcast layer it receives (0 = lowest) */
	int encrypted;              /* DTLS-SRTP established */
	char srtp_profile[32];
	char pair[96];              /* "relay 10.0.0.1:24001 <-> ..." */
};

enum media_event_type {
	MEDIA_EV_OFFER,             /* sdp: send to the browser */
	MEDIA_EV_CONNECTED,         /* ICE and DTLS up; text: selected pair */
	MEDIA_EV_FAILED,            /* text: reason ("ICE failure; relay candidate creation timeout") */
	MEDIA_EV_RELAY,             /* relay gathering result: relays = number made, turn_failed set */
	MEDIA_EV_STATS,             /* stats (about once a second) */
	MEDIA_EV_SPEAKER,           /* peer is the room's active speaker */
	MEDIA_EV_LOG,               /* text: a line for the event log about peer */
};

struct media_event {
	enum media_event_type type;
	uint32_t room, peer;
	const char *sdp;
	const char *text;
	unsigned relays;            /* MEDIA_EV_RELAY */
	unsigned turn_expected;     /* relay allocations asked for */
	const struct media_stats *stats;
};

/* Called on the control thread; ev and its strings live for the call only. */
typedef void (*media_event_cb)(void *ctx, const struct media_event *ev);

struct media_engine;

/* Starts the workers.  NULL with *err (static string) on failure.  The
 * engine calls cb(ctx, ...) on the thread default main context of the
 * caller. */
struct media_engine *media_engine_new(const struct media_config *cfg, media_event_cb cb,
				      void *ctx, const char **err);
/* Stops the workers (every peer torn down, agents freed) and frees.  No
 * callback runs after this returns. */
void media_engine_free(struct media_engine *e);

/* The SFU's forwarding counters since the engine started, every peer and
 * call, gone ones included (read with atomic loads; workers keep adding). */
void media_engine_counters(struct media_engine *e, struct media_fwd_counters *out);

/* A participant joins room.  peer is the caller's unique non-zero id; label
 * names its stream in other peers' SDP (msid, [A-Za-z0-9-]).  turn[n] are
 * copied.  -1 if the id is taken. */
int media_peer_add(struct media_engine *e, uint32_t room, uint32_t peer, const char *label,
		   const struct media_turn *turn, unsigned nturn);
void media_peer_remove(struct media_engine *e, uint32_t peer);
/* The browser's answer to the last offer (SDP text, copied). */
void media_peer_answer(struct media_engine *e, uint32_t peer, const char *sdp);
/* One trickled candidate ("candidate:..." as in RTCIceCandidate.candidate);
 * an empty string means end of candidates. */
void media_peer_candidate(struct media_engine *e, uint32_t peer, const char *cand);
/* ICE restart (the guest's network changed): new credentials, new offer. */
void media_peer_restart(struct media_engine *e, uint32_t peer);
/* Ask the publisher for a key frame of its video (PLI). */
void media_peer_keyframe(struct media_engine *e, uint32_t peer);
/* Whether the peer may contribute a presentation (screen share): the
 * presentationContributionAllowed of its leg's effective callLegProfile.
 * Allowed until told otherwise; a refused peer's screen track is not
 * forwarded. */
void media_peer_set_presentation(struct media_engine *e, uint32_t peer, int allowed);
/* Which of peer's published kinds the SFU forwards to the rest of its room:
 * a mask of MEDIA_FWD_AUDIO | MEDIA_FWD_VIDEO (a new peer forwards both).
 * The moderator's mute: what is not forwarded is still received and counted. */
#define MEDIA_FWD_AUDIO 1u
#define MEDIA_FWD_VIDEO 2u
void media_peer_set_forward(struct media_engine *e, uint32_t peer, unsigned mask);

#endif
