/*
 * media-internal.h: the media module's parts, one prefix per file.
 *   sdp.c   media_sdp_*   offer builder and bounded answer parser (no I/O)
 *   rtp.c   media_rtp_*, media_rtcp_*   bounded RTP/RTCP parsers, RTCP builders
 *   twcc.c  media_twcc_*  bounded transport-cc feedback parser
 *   dtls.c  media_dtls_*  GnuTLS DTLS-SRTP server sessions, certificate
 *   the peer layer (peer.h) and engine.c on top of these parts
 * The parsers are pure functions over caller buffers: no allocation, no
 * globals, safe from any thread; the fuzzers in tests/fuzz/media call them.
 */
#ifndef PORTICO_MEDIA_INTERNAL_H
#define PORTICO_MEDIA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* ---- sdp.c -------------------------------------------------------------- */

#define MEDIA_SDP_MAX_LEN (128 * 1024)
#define MEDIA_SDP_MAX_LINE 2048
#define MEDIA_SDP_MAX_MLINES 64
#define MEDIA_SDP_MAX_CANDS 32

enum media_kind { MEDIA_AUDIO = 0, MEDIA_VIDEO = 1 };

/* Payload types and header extension ids the server offers everywhere, so a
 * publisher's packets are valid for every receiver without rewriting. */
#define MEDIA_PT_OPUS 111
#define MEDIA_PT_VP8 96
#define MEDIA_PT_H264 102   /* packetization-mode=1, constrained baseline */
#define MEDIA_EXT_AUDIO_LEVEL 1

enum media_dir { MEDIA_DIR_INACTIVE, MEDIA_DIR_SENDONLY, MEDIA_DIR_RECVONLY, MEDIA_DIR_SENDRECV };

/* One m-line of an offer the server builds. */
struct media_sdp_mline {
	enum media_kind kind;
	char mid[8];
	enum media_dir dir;         /* the server's side */
	int rejected;               /* port 0 (its source left) */
	uint32_t ssrc;              /* sendonly: the forwarded source */
	char stream[64], track[80]; /* msid of the forwarded source */
	uint8_t pt;                 /* video: the one codec offered (the
	                             * publisher's); 0 = VP8 and H.264 */
};

struct media_sdp_offer {
	uint64_t session_id, version;
	const char *ufrag, *pwd, *fingerprint;   /* "sha-256 AB:CD:..." */
	const char *const *candidates;           /* "candidate:..." lines */
	unsigned ncandidates;
	const struct media_sdp_mline *m;
	unsigned nm;
};

/* "VP8", "H264", "opus" for a payload type of ours, NULL for others. */
const char *media_sdp_codec(int pt);

/* Writes the offer to a new g_malloc'd string. */
char *media_sdp_offer(const struct media_sdp_offer *o);

/* An answer as parsed: pointers are copies inside the struct (bounded). */
struct media_sdp_answer_m {
	char mid[8];
	enum media_kind kind;
	int port;
	enum media_dir dir;         /* the answerer's side */
	uint32_t ssrc;              /* first a=ssrc, 0 if none */
	int pt;                     /* first payload type of the m= line, -1 if none */
};

struct media_sdp_answer {
	char ufrag[257], pwd[257];
	char fingerprint[128];      /* hex with colons, sha-256 only */
	char setup[16];
	struct media_sdp_answer_m m[MEDIA_SDP_MAX_MLINES];
	unsigned nm;
	char cands[MEDIA_SDP_MAX_CANDS][512];
	unsigned ncands;
};

enum media_sdp_err {
	MEDIA_SDP_OK = 0,
	MEDIA_SDP_TOO_LONG = -1,
	MEDIA_SDP_BAD = -2,
	MEDIA_SDP_TOO_MANY = -3,
};

/* Parses len bytes.  0 or a negative media_sdp_err; a is always left in a
 * defined state.  Bounded: MEDIA_SDP_MAX_LEN bytes, lines up to
 * MEDIA_SDP_MAX_LINE, MEDIA_SDP_MAX_MLINES m-lines, extra candidates
 * dropped. */
int media_sdp_parse_answer(const char *text, size_t len, struct media_sdp_answer *a);

/* ---- rtp.c -------------------------------------------------------------- */

struct media_rtp {
	uint8_t pt;
	int marker;
	uint16_t seq;
	uint32_t ts, ssrc;
	size_t hdrlen;              /* payload offset */
	size_t plen;                /* payload length (padding removed) */
	int level;                  /* audio level 0..127 (-dBov), -1 when absent */
	int voice;
};

/* 0 or -1 (not a valid RTP packet).  ext_id: one-byte extension id of the
 * audio level, 0 to skip. */
int media_rtp_parse(const uint8_t *b, size_t n, int ext_id, struct media_rtp *r);
/* 1 if the packet (RTP/RTCP multiplexed on one port) is RTCP (RFC 5761). */
int media_rtp_is_rtcp(const uint8_t *b, size_t n);
/* VP8 key frame dimensions from an RTP payload (RFC 7741): 1 and fills
 * w/h when the payload starts a key frame, else 0. */
int media_rtp_vp8_keyframe(const uint8_t *p, size_t n, uint32_t *w, uint32_t *h);

/* One RTCP packet of a compound packet. */
struct media_rtcp {
	uint8_t pt, fmt;            /* pt 200..206; fmt = report count / FMT */
	uint32_t sender;            /* sender SSRC */
	uint32_t media;             /* RTPFB/PSFB media source; FIR: the target SSRC */
	const uint8_t *body;        /* after the 8-byte header (4 for SDES/BYE) */
	size_t len;                 /* whole packet length in bytes */
	const uint8_t *pkt;
};

/* Calls fn for each packet of a compound RTCP packet; stops at the first
 * malformed one.  Returns how many packets were visited, -1 if the first
 * is malformed. */
int media_rtcp_walk(const uint8_t *b, size_t n,
		    void (*fn)(void *ctx, const struct media_rtcp *p), void *ctx);

/* A report block of an SR/RR. */
struct media_rtcp_block {
	uint32_t ssrc;
	uint8_t fraction;
	uint32_t jitter;
};
/* Report blocks of an SR or RR: fills up to max, returns the count. */
unsigned media_rtcp_blocks(const struct media_rtcp *p, struct media_rtcp_block *out,
			   unsigned max);

/* A REMB (PSFB FMT 15, draft-alvestrand-rmcat-remb): the bitrate and up
 * to max SSRCs.  The SSRC count, or -1 when p is not a valid REMB. */
int media_rtcp_remb_parse(const struct media_rtcp *p, uint32_t *bitrate, uint32_t *ssrcs,
			  unsigned max);

/* Builders: write into out (cap bytes), return the length or -1. */
int media_rtcp_pli(uint8_t *out, size_t cap, uint32_t sender, uint32_t media);
int media_rtcp_rr(uint8_t *out, size_t cap, uint32_t sender, const struct media_rtcp_block *b,
		  unsigned n, uint32_t *lsr, uint32_t *dlsr);
int media_rtcp_remb(uint8_t *out, size_t cap, uint32_t sender, uint32_t bitrate,
		    const uint32_t *ssrcs, unsigned n);

/* ---- twcc.c ------------------------------------------------------------- */

/* Packet status symbols of transport-cc feedback. */
enum media_twcc_status {
	MEDIA_TWCC_NOT_RECEIVED = 0,
	MEDIA_TWCC_SMALL = 1,       /* received, delta 0..63.75 ms */
	MEDIA_TWCC_LARGE = 2,       /* received, delta signed 16 bits */
};

/* One packet the feedback reports on. */
struct media_twcc_pkt {
	uint16_t seq;               /* transport-wide sequence number */
	uint8_t status;             /* enum media_twcc_status */
	int64_t arrival_us;         /* received: reference time + deltas (us); else 0 */
};

/* The feedback packet as a whole. */
struct media_twcc {
	uint16_t base_seq, count;   /* first sequence number, statuses reported */
	int32_t ref_time;           /* 64 ms units, sign-extended from 24 bits */
	uint8_t fb_count;           /* feedback packet counter */
	unsigned received, lost;
	int64_t first_us, last_us;  /* arrival of the first and last received packet */
};

/* Parses p (RTPFB FMT 15) into fb and up to max packets of out (out may be
 * NULL); every status is checked and counted even past max.  The number
 * of packets written, or -1 when p is not valid transport-cc feedback (fb
 * zeroed).  Bounded by p->len: at most 65535 statuses. */
int media_twcc_parse(const struct media_rtcp *p, struct media_twcc *fb, struct media_twcc_pkt *out,
		     unsigned max);

/* ---- simulcast.c -------------------------------------------------------- */

#define MEDIA_SIM_LAYERS 3
#define MEDIA_SIM_MIN_BPS 100000u      /* the estimate's floor */
#define MEDIA_SIM_START_BPS 300000u    /* before any feedback */
#define MEDIA_SIM_TS_GAP 3000u         /* 90 kHz ticks between the last frame
                                        * of a layer and the first of the next */

/* The highest layer (0 = lowest) whose bitrate (0 = unknown, skipped)
 * fits in 85 % of estimate_bps; layer 0 when none does. */
unsigned media_sim_pick(const uint32_t *layer_bps, unsigned n, uint32_t estimate_bps);
/* The next interval's downlink estimate from the current one (0 = none
 * yet), the receiver's REMB (0 = none: no ceiling) and the interval's loss
 * share 0..1 (simulcast.c describes the rule). */
uint32_t media_sim_estimate(uint32_t current, uint32_t remb_bps, double loss);

/* One receiver's view of one simulcast publisher.  Set ssrc (what the
 * receiver's m-line declares) and target; zero the rest. */
struct media_sim_out {
	uint32_t ssrc;
	unsigned target;            /* layer wanted; the caller sets it */
	unsigned layer;             /* layer being sent */
	int started, have_last;
	uint16_t seq_off, pid_off, last_seq, last_pid;
	uint32_t ts_off, last_ts;
	unsigned switches;
};

/* Packet r (parsed from b, n bytes, of the given layer): 1 when it is for
 * this receiver, then b is rewritten in place (SSRC, sequence number,
 * timestamp, VP8 picture ID); 0 when it is not (another layer, or the
 * target's packets before its key frame).  keyframe: the packet starts a
 * key frame. */
int media_sim_rewrite(struct media_sim_out *o, unsigned layer, const struct media_rtp *r, int keyframe,
		      uint8_t *b, size_t n);

/* ---- dtls.c ------------------------------------------------------------- */

#include <gnutls/gnutls.h>

/* The engine's certificate: ECDSA P-256, self-signed, made at start.
 * Read-only after media_cert_new, shared by every worker (GnuTLS
 * credentials are safe to use from several sessions at once). */
struct media_cert {
	gnutls_certificate_credentials_t cred;
	char fingerprint[128];      /* "AB:CD:..." SHA-256 of the DER */
};

int media_cert_new(struct media_cert *c, const char **err);
void media_cert_free(struct media_cert *c);

/* SRTP keys out of a finished handshake (RFC 5764). */
enum media_srtp_profile { MEDIA_SRTP_AES_CM_80 = 1, MEDIA_SRTP_AEAD_AES_128_GCM = 2 };

struct media_srtp_keys {
	enum media_srtp_profile profile;
	uint8_t rx[32], tx[32];     /* key || salt, for srtp_policy_t.key */
};

/* A DTLS server session over an unreliable transport (the ICE component):
 * send is called with each record to write.  One per peer, owned by the
 * peer's worker thread. */
typedef void (*media_dtls_send_fn)(void *ctx, const uint8_t *b, size_t n);
struct media_dtls;

struct media_dtls *media_dtls_new(const struct media_cert *c, media_dtls_send_fn send, void *ctx);
void media_dtls_free(struct media_dtls *d);
/* Feed one received datagram (or NULL to retransmit on a timer).
 * Returns 1 when the handshake has just completed, 0 while in progress or
 * after completion, -1 on a fatal error (*err static). */
int media_dtls_input(struct media_dtls *d, const uint8_t *b, size_t n, const char **err);
/* Milliseconds until media_dtls_input(NULL) should run again; -1 when none. */
int media_dtls_timeout(struct media_dtls *d);
/* After completion: checks the peer certificate against the SDP fingerprint
 * (hex with colons, any case) and exports the keys.  0 or -1. */
int media_dtls_keys(struct media_dtls *d, const char *fingerprint, struct media_srtp_keys *k,
		    const char **err);

#endif
