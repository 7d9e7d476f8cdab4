/*
 * forward.c: what a secure peer sends the SFU.  RTP: receive accounting of
 * the peer's published tracks, then a copy to every receiver of the room
 * whose m-line for it is negotiated.  RTCP: PLI/FIR and NACK relayed to
 * the publisher they name; receiver reports, REMB and transport-cc
 * feedback kept (each leg's reports end here).  Also the RTCP the SFU writes itself (PLI).
 * Worker thread only.
 */
#include <string.h>

#include "media/peer.h"

void
media_fwd_send_rtcp(struct media_peer *p, const uint8_t *b, size_t n)
{
	uint8_t buf[MEDIA_MAX_PACKET + SRTP_MAX_TRAILER_LEN];
	int len = (int)n;

	if (!p->secure || n > MEDIA_MAX_PACKET)
		return;
	memcpy(buf, b, n);
	if (srtp_protect_rtcp(p->srtp_out, buf, &len) != srtp_err_status_ok)
		return;
	media_ice_send(p, buf, (size_t)len);
}

void
media_fwd_pli(struct media_peer *p, enum media_kind kind)
{
	uint8_t b[12];
	gint64 now = g_get_monotonic_time();
	struct mtrack *t = &p->pub[kind];

	if (!t->ssrc || now - t->last_pli < MEDIA_PLI_MIN_USEC)
		return;
	t->last_pli = now;
	if (media_rtcp_pli(b, sizeof(b), p->own_ssrc, t->ssrc) > 0)
		media_fwd_send_rtcp(p, b, sizeof(b));
}

/* ---- RTP ------------------------------------------------------------------- */

/* RFC 3550 A.1 sequence accounting and A.8 jitter (90 kHz / 48 kHz). */
static void
track_update(struct mtrack *t, const struct media_rtp *r, size_t n, uint32_t rate)
{
	uint32_t arrival = (uint32_t)(g_get_monotonic_time() * (gint64)rate / G_USEC_PER_SEC);
	uint32_t transit = arrival - r->ts;

	if (!t->started) {
		t->started = 1;
		t->base_seq = r->seq;
		t->max_seq = r->seq;
	} else if ((uint16_t)(r->seq - t->max_seq) < 0x8000) {
		if (r->seq < t->max_seq)
			t->cycles += 0x10000;
		t->max_seq = r->seq;
	}
	if (t->have_transit) {
		int32_t d = (int32_t)(transit - t->transit);
		uint32_t ad = (uint32_t)(d < 0 ? -d : d);
		t->jitter += ad - ((t->jitter + 8) >> 4);
	}
	t->transit = transit;
	t->have_transit = 1;
	t->received++;
	t->packets++;
	t->bytes += n;
}

/* PLI for one SSRC of publisher p's video (a simulcast layer), sharing
 * the track's rate limit. */
void
media_fwd_pli_ssrc(struct media_peer *p, uint32_t ssrc)
{
	uint8_t b[12];
	gint64 now = g_get_monotonic_time();
	struct mtrack *t = &p->pub[MEDIA_VIDEO];

	if (!ssrc || now - t->last_pli < MEDIA_PLI_MIN_USEC)
		return;
	t->last_pli = now;
	if (media_rtcp_pli(b, sizeof(b), p->own_ssrc, ssrc) > 0)
		media_fwd_send_rtcp(p, b, sizeof(b));
}

/* ---- simulcast ------------------------------------------------------------- */

/* The level (0 = lowest rate) of layer slot i of publisher p. */
static unsigned
layer_level(const struct media_peer *p, unsigned slot)
{
	for (unsigned j = 0; j < p->nlayers; j++)
		if (p->rank[j] == slot)
			return j;
	return 0;
}

/* The layer slot of an SSRC of p's video: 0 is the declared track; a
 * new SSRC of the same codec while the declared one flows (within 1 s)
 * is one more simulcast layer.  -1 when it is a new source instead, -2
 * when it would be a fourth layer. */
static int
layer_slot(struct media_peer *p, const struct media_rtp *r, gint64 now)
{
	struct mtrack *t = &p->pub[MEDIA_VIDEO];

	if (r->ssrc == t->ssrc)
		return 0;
	for (unsigned i = 1; i < p->nlayers; i++)
		if (p->layer[i].ssrc == r->ssrc)
			return (int)i;
	if (!t->ssrc || r->pt != t->pt || !p->layer[0].last_at ||
	    now - p->layer[0].last_at > G_USEC_PER_SEC)
		return -1;
	if (p->nlayers >= MEDIA_SIM_LAYERS)
		return -2;
	if (p->nlayers == 0)
		p->nlayers = 1;
	memset(&p->layer[p->nlayers], 0, sizeof(p->layer[0]));
	p->layer[p->nlayers].ssrc = r->ssrc;
	p->rank[p->nlayers] = p->nlayers;
	return (int)p->nlayers++;
}

/* A simulcast packet for receiver q's m-line m (b is q's copy): 1 when it
 * goes to q, rewritten as q's one stream. */
static int
sim_for(struct media_peer *p, struct mline *m, int level, int key, uint8_t *b, size_t n)
{
	struct media_rtp r;

	if (!m->sim.ssrc) {
		m->sim.ssrc = m->sdp.ssrc;
		m->sim.target = 0;
	}
	if (media_rtp_parse(b, n, 0, &r) < 0)
		return 0;
	if (media_sim_rewrite(&m->sim, (unsigned)level, &r, key, b, n))
		return 1;
	if ((unsigned)level == m->sim.target && !key)
		media_fwd_pli_ssrc(p, p->layer[p->rank[m->sim.target]].ssrc);
	return 0;
}

/* level: the packet's simulcast level, -1 when p sends one layer. */
static void
forward_rtp(struct media_peer *p, enum media_kind kind, const uint8_t *b, size_t n, int level,
	    int key)
{
	uint8_t buf[MEDIA_MAX_PACKET + SRTP_MAX_TRAILER_LEN];

	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		struct mline *m;
		int len = (int)n;
		if (q == p || !(m = media_neg_mline_for(q, p->id, kind)))
			continue;
		if (!q->secure || !m->negotiated) {
			media_peer_count(q, 1, n);      /* due, not deliverable yet */
			continue;
		}
		/* SRTP keys differ per leg, so each leg gets its own copy. */
		memcpy(buf, b, n);
		if (level >= 0 && !sim_for(p, m, level, key, buf, n))
			continue;               /* not its layer: by choice, not a drop */
		if (srtp_protect(q->srtp_out, buf, &len) != srtp_err_status_ok) {
			media_peer_count(q, 1, n);
			continue;
		}
		media_ice_send(q, buf, (size_t)len);
		media_peer_count(q, 0, n);
		q->tx_bytes[kind] += n;
		q->tx_packets[kind]++;
	}
}

static int
kind_of(uint8_t pt, enum media_kind *kind)
{
	if (pt == MEDIA_PT_OPUS)
		*kind = MEDIA_AUDIO;
	else if (pt == MEDIA_PT_VP8 || pt == MEDIA_PT_H264)
		*kind = MEDIA_VIDEO;
	else
		return -1;
	return 0;
}

void
media_fwd_rtp_plain(struct media_peer *p, uint8_t *b, size_t n)
{
	struct media_rtp r;
	enum media_kind kind;
	struct mtrack *t;
	gint64 now = g_get_monotonic_time();
	uint32_t w, h;
	int slot, key = 0;

	if (n > MEDIA_MAX_PACKET || media_rtp_parse(b, n, MEDIA_EXT_AUDIO_LEVEL, &r) < 0 ||
	    kind_of(r.pt, &kind) < 0) {
		media_peer_count(p, 1, n);
		return;
	}
	if (kind == MEDIA_VIDEO && (slot = layer_slot(p, &r, now)) != 0) {
		if (slot == -2) {
			media_peer_count(p, 1, n);
			return;
		}
		if (slot > 0) {
			struct mlayer *l = &p->layer[slot];
			l->bytes += n;
			l->last_at = now;
			key = r.pt == MEDIA_PT_VP8 && media_rtp_vp8_keyframe(b + r.hdrlen, r.plen, &w, &h);
			forward_rtp(p, kind, b, n, (int)layer_level(p, (unsigned)slot), key);
			return;
		}
	}
	t = &p->pub[kind];
	if (t->ssrc != r.ssrc || t->pt != r.pt) {
		if (kind == MEDIA_VIDEO)
			p->nlayers = 0;         /* a new source: its layers start over */
		/* First packet of a source (or codec) the answer did not declare. */
		media_peer_track_reset(t, r.ssrc, r.pt);
		media_neg_room_all(p->room, NULL);
	}
	track_update(t, &r, n, kind == MEDIA_AUDIO ? 48000 : 90000);
	if (kind == MEDIA_AUDIO && r.level >= 0 && r.level < t->level_min)
		t->level_min = r.level;
	if (kind == MEDIA_VIDEO) {
		t->frames += (uint32_t)r.marker;
		if (r.pt == MEDIA_PT_VP8 && media_rtp_vp8_keyframe(b + r.hdrlen, r.plen, &w, &h)) {
			t->width = w;
			t->height = h;
			key = 1;
		}
		p->layer[0].ssrc = t->ssrc;
		p->layer[0].bytes += n;
		p->layer[0].last_at = now;
	}
	if (!(p->fwd_off & (kind == MEDIA_AUDIO ? MEDIA_FWD_AUDIO : MEDIA_FWD_VIDEO)))
		forward_rtp(p, kind, b, n, kind == MEDIA_VIDEO && p->nlayers > 1 ? (int)layer_level(p, 0) : -1,
			    key);
}

void
media_fwd_rtp(struct media_peer *p, uint8_t *b, int len)
{
	if (srtp_unprotect(p->srtp_in, b, &len) != srtp_err_status_ok) {
		media_peer_count(p, 1, (size_t)(len > 0 ? len : 0));
		return;
	}
	media_fwd_rtp_plain(p, b, (size_t)len);
}

/* ---- RTCP ------------------------------------------------------------------ */

static struct media_peer *
publisher_of(struct mroom *r, uint32_t ssrc, enum media_kind *kind)
{
	for (guint i = 0; ssrc && i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		for (int k = MEDIA_AUDIO; k <= MEDIA_VIDEO; k++)
			if (q->pub[k].ssrc == ssrc) {
				*kind = (enum media_kind)k;
				return q;
			}
	}
	return NULL;
}

/* Receiver reports about what we send p: kept as p's tx loss and jitter. */
static void
take_reports(struct media_peer *p, const struct media_rtcp *c)
{
	struct media_rtcp_block blk[8];
	unsigned n = media_rtcp_blocks(c, blk, 8);
	enum media_kind kind;

	for (unsigned i = 0; i < n; i++)
		if (publisher_of(p->room, blk[i].ssrc, &kind)) {
			p->tx_fraction[kind] = blk[i].fraction;
			p->tx_jitter[kind] = blk[i].jitter;
		}
}

/* A receiver's bandwidth estimate: kept as its downlink estimate, and the
 * publishers it names keep the lowest and the highest recent one: a
 * single-layer publisher's encoder follows the lowest, a simulcast one's
 * the highest (each receiver then gets the layer it affords; stats.c). */
static void
take_remb(struct media_peer *p, const struct media_rtcp *c)
{
	uint32_t bitrate, ssrcs[8];
	int n = media_rtcp_remb_parse(c, &bitrate, ssrcs, 8);
	gint64 now = g_get_monotonic_time();
	enum media_kind kind;

	if (n >= 0) {
		p->down.remb_bps = bitrate;
		p->down.remb_at = now;
	}
	for (int i = 0; i < n; i++) {
		struct media_peer *q = publisher_of(p->room, ssrcs[i], &kind);
		if (!q || q == p)
			continue;
		if (!q->remb_min || bitrate < q->remb_min || now - q->remb_at > MEDIA_REMB_MAX_AGE_USEC) {
			q->remb_min = bitrate;
			q->remb_at = now;
		}
		if (bitrate > q->remb_max || now - q->remb_max_at > MEDIA_REMB_MAX_AGE_USEC) {
			q->remb_max = bitrate;
			q->remb_max_at = now;
		}
	}
}

/* Transport-cc feedback about what the SFU sends p: counted for p's
 * downlink (stats.c), nothing forwarded. */
static void
take_twcc(struct media_peer *p, const struct media_rtcp *c)
{
	struct media_twcc fb;

	if (media_twcc_parse(c, &fb, NULL, 0) < 0)
		return;
	p->down.twcc_feedbacks++;
	p->down.twcc_received += fb.received;
	p->down.twcc_lost += fb.lost;
}

/* PLI, or FIR answered as PLI: to the publisher of the media SSRC. */
static void
take_keyframe(struct media_peer *p, const struct media_rtcp *c)
{
	enum media_kind kind;
	struct media_peer *q = publisher_of(p->room, c->media, &kind);

	if (q && q != p)
		media_fwd_pli(q, kind);
}

/* A NACK for a publisher's packets: relayed with our sender SSRC. */
static void
take_nack(struct media_peer *p, const struct media_rtcp *c)
{
	enum media_kind kind;
	struct media_peer *q = publisher_of(p->room, c->media, &kind);
	uint8_t buf[MEDIA_MAX_PACKET];

	if (!q || q == p || c->len > sizeof(buf) || c->len < 12)
		return;
	memcpy(buf, c->pkt, c->len);
	buf[4] = (uint8_t)(q->own_ssrc >> 24);
	buf[5] = (uint8_t)(q->own_ssrc >> 16);
	buf[6] = (uint8_t)(q->own_ssrc >> 8);
	buf[7] = (uint8_t)q->own_ssrc;
	media_fwd_send_rtcp(q, buf, c->len);
}

/* RTCP packet types the SFU acts on; fmt -1 matches any. */
static const struct {
	uint8_t pt;
	int fmt;
	void (*fn)(struct media_peer *p, const struct media_rtcp *c);
} rtcp_table[] = {
	{ 200, -1, take_reports },      /* SR */
	{ 201, -1, take_reports },      /* RR */
	{ 206, 15, take_remb },         /* PSFB REMB */
	{ 206, 1, take_keyframe },      /* PSFB PLI */
	{ 206, 4, take_keyframe },      /* PSFB FIR */
	{ 205, 1, take_nack },          /* RTPFB generic NACK */
	{ 205, 15, take_twcc },         /* RTPFB transport-cc feedback */
};

static void
rtcp_item(void *ctx, const struct media_rtcp *c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rtcp_table); i++)
		if (rtcp_table[i].pt == c->pt && (rtcp_table[i].fmt < 0 || rtcp_table[i].fmt == c->fmt)) {
			rtcp_table[i].fn(ctx, c);
			return;
		}
}

void
media_fwd_rtcp_plain(struct media_peer *p, const uint8_t *b, size_t n)
{
	media_rtcp_walk(b, n, rtcp_item, p);
}

void
media_fwd_rtcp(struct media_peer *p, uint8_t *b, int len)
{
	if (srtp_unprotect_rtcp(p->srtp_in, b, &len) != srtp_err_status_ok)
		return;
	media_fwd_rtcp_plain(p, b, (size_t)len);
}
