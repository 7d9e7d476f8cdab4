/*
 * stats.c: once a second per peer: receive statistics of its published
 * tracks (RFC 3550 A.3 loss), receiver reports and a REMB sent to it as a
 * publisher, simulcast layer rates and each receiver's estimate and target
 * layer (simulcast.c), the stats event for the API (with what the peer reports as a
 * receiver: REMB, transport-cc loss), and the room's active speaker
 * from the audio level header (RFC 6464).  Worker thread only.
 */
#include <string.h>

#include "media/peer.h"

#define REMB_BPS 1500000u
#define REMB_SIM_BPS 2500000u       /* a simulcast publisher's three layers */

static void
rx_loss(struct mtrack *t)
{
	uint32_t extended = t->cycles + t->max_seq;
	uint32_t expected = extended - t->base_seq + 1;
	uint32_t exp_int = expected - t->expected_prior;
	uint32_t rec_int = t->received - t->received_prior;
	int32_t lost = (int32_t)(exp_int - rec_int);

	t->expected_prior = expected;
	t->received_prior = t->received;
	t->fraction = (exp_int == 0 || lost <= 0) ? 0 : (uint8_t)(((uint32_t)lost << 8) / exp_int);
	t->loss_percent = exp_int ? 100.0 * (lost > 0 ? lost : 0) / exp_int : 0;
}

/* What a publisher is asked to send.  One layer: the lowest recent
 * estimate of its receivers, capped at REMB_BPS (every receiver gets that
 * one stream).  Simulcast: the highest, capped at REMB_SIM_BPS, since each
 * receiver gets the layer its own estimate affords (the slow one no
 * longer holds the others down). */
static uint32_t
remb_for(const struct media_peer *p)
{
	if (p->nlayers > 1)
		return p->remb_max && p->remb_max < REMB_SIM_BPS ? p->remb_max : REMB_SIM_BPS;
	return p->remb_min && p->remb_min < REMB_BPS ? p->remb_min : REMB_BPS;
}

/* RR for the publisher's tracks, plus a REMB (remb_for). */
static void
send_reports(struct media_peer *p)
{
	struct media_rtcp_block b[2];
	uint32_t ssrcs[2];
	uint8_t buf[128];
	unsigned n = 0;
	int len, l2;

	for (int k = MEDIA_AUDIO; k <= MEDIA_VIDEO; k++) {
		struct mtrack *t = &p->pub[k];
		if (!t->ssrc || !t->started)
			continue;
		b[n].ssrc = t->ssrc;
		b[n].fraction = t->fraction;
		b[n].jitter = t->jitter >> 4;
		ssrcs[n++] = t->ssrc;
	}
	if (!n || !p->secure)
		return;
	len = media_rtcp_rr(buf, sizeof(buf), p->own_ssrc, b, n, NULL, NULL);
	if (len < 0)
		return;
	if (p->remb_min && g_get_monotonic_time() - p->remb_at > MEDIA_REMB_MAX_AGE_USEC)
		p->remb_min = 0;
	if (p->remb_max && g_get_monotonic_time() - p->remb_max_at > MEDIA_REMB_MAX_AGE_USEC)
		p->remb_max = 0;
	l2 = media_rtcp_remb(buf + len, sizeof(buf) - (size_t)len, p->own_ssrc, remb_for(p), ssrcs, n);
	if (l2 > 0)
		len += l2;
	media_fwd_send_rtcp(p, buf, (size_t)len);
}

static void
rx_stats(struct mtrack *t, struct media_dir_stats *d, const char *codec, double secs,
	 uint32_t rate)
{
	if (!t->ssrc || !t->started)
		return;
	g_strlcpy(d->codec, codec, sizeof(d->codec));
	d->bitrate = (uint32_t)((t->bytes - t->bytes_prev) * 8 / secs);
	d->packets = t->packets;
	d->loss_percent = t->loss_percent;
	d->jitter_ms = (double)(t->jitter >> 4) * 1000.0 / rate;
	d->width = t->width;
	d->height = t->height;
	d->frame_rate = (t->frames - t->frames_prev) / secs;
	t->bytes_prev = t->bytes;
	t->frames_prev = t->frames;
}

static void
tx_stats(struct media_peer *p, int k, struct media_dir_stats *d, const char *codec, double secs,
	 uint32_t rate)
{
	if (!p->tx_packets[k])
		return;
	g_strlcpy(d->codec, codec, sizeof(d->codec));
	d->bitrate = (uint32_t)((p->tx_bytes[k] - p->tx_bytes_prev[k]) * 8 / secs);
	d->packets = p->tx_packets[k];
	d->loss_percent = p->tx_fraction[k] * 100.0 / 256;
	d->jitter_ms = (double)p->tx_jitter[k] * 1000.0 / rate;
	p->tx_bytes_prev[k] = p->tx_bytes[k];
}

/* The receiver's own reports: its REMB while recent, and the share of
 * packets its transport-cc feedback said were lost this interval. */
static void
downlink_stats(struct media_peer *p, struct media_downlink_stats *d)
{
	struct mdownlink *l = &p->down;
	uint32_t reported = l->twcc_received + l->twcc_lost;

	if (l->remb_bps && g_get_monotonic_time() - l->remb_at > MEDIA_REMB_MAX_AGE_USEC)
		l->remb_bps = 0;
	if (reported)
		l->twcc_loss_percent = 100.0 * l->twcc_lost / reported;
	l->twcc_received = l->twcc_lost = 0;
	d->remb_bps = l->remb_bps;
	d->twcc_feedbacks = l->twcc_feedbacks;
	d->twcc_loss_percent = l->twcc_loss_percent;
}

/* The room's active speaker: the peer whose loudest packet of the last
 * interval (audio level header, -dBov) was the loudest in the room, if it
 * was above silence.  Each peer records its peak; the last peer of the
 * room to tick decides (ticks run in table order, once a second). */
#define SPEAKER_LEVEL 60

static void
speaker_update(struct media_peer *p)
{
	struct mroom *r = p->room;
	struct media_peer *best = NULL;
	int level = SPEAKER_LEVEL;

	p->level_peak = p->pub[MEDIA_AUDIO].level_min;
	p->pub[MEDIA_AUDIO].level_min = 127;
	if (++r->ticks < r->peers->len)
		return;
	r->ticks = 0;
	for (guint i = 0; i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		if (q->level_peak < level) {
			level = q->level_peak;
			best = q;
		}
	}
	if (!best || best->id == r->speaker)
		return;
	r->speaker = best->id;
	media_peer_emit_text(best, MEDIA_EV_SPEAKER, best->label);
}

/* What p receives: VP8, H264, or both ("VP8/H264") from different
 * publishers. */
static const char *
tx_video_codec(struct media_peer *p)
{
	int vp8 = 0, h264 = 0;

	for (guint i = 0; i < p->m->len; i++) {
		const struct mline *m = &g_array_index(p->m, struct mline, i);
		if (m->src && m->negotiated && !m->sdp.rejected && m->sdp.kind == MEDIA_VIDEO) {
			vp8 |= m->sdp.pt == MEDIA_PT_VP8;
			h264 |= m->sdp.pt == MEDIA_PT_H264;
		}
	}
	return vp8 && h264 ? "VP8/H264" : h264 ? "H264" : "VP8";
}

/* As a simulcast publisher: each layer's rate over the interval, and the
 * layers ranked by it (rank[0] = the lowest). */
static void
layers_tick(struct media_peer *p, double secs)
{
	for (unsigned i = 0; i < p->nlayers; i++) {
		struct mlayer *l = &p->layer[i];
		l->bps = (uint32_t)((l->bytes - l->bytes_prev) * 8 / secs);
		l->bytes_prev = l->bytes;
	}
	for (unsigned i = 1; i < p->nlayers; i++)
		for (unsigned j = i; j > 0 && p->layer[p->rank[j]].bps < p->layer[p->rank[j - 1]].bps; j--) {
			unsigned t = p->rank[j];
			p->rank[j] = p->rank[j - 1];
			p->rank[j - 1] = t;
		}
}

/* As a receiver: the next estimate of its downlink (simulcast.c), and the
 * layer it affords of each simulcast source; a new target asks the
 * source for a key frame of that layer (the switch waits for it). */
static unsigned
targets_tick(struct media_peer *p)
{
	double loss = p->down.twcc_feedbacks ? p->down.twcc_loss_percent / 100.0
					     : p->tx_fraction[MEDIA_VIDEO] / 256.0;
	unsigned shown = 0;

	p->estimate = media_sim_estimate(p->estimate, p->down.remb_bps, loss);
	for (guint i = 0; i < p->m->len; i++) {
		struct mline *m = &g_array_index(p->m, struct mline, i);
		struct media_peer *q;
		uint32_t bps[MEDIA_SIM_LAYERS] = { 0 };
		unsigned target;
		if (!m->src || m->sdp.kind != MEDIA_VIDEO || m->sdp.rejected ||
		    !(q = media_neg_room_peer(p->room, m->src)) || q->nlayers < 2)
			continue;
		for (unsigned j = 0; j < q->nlayers; j++)
			bps[j] = q->layer[q->rank[j]].bps;
		target = media_sim_pick(bps, q->nlayers, p->estimate);
		if (target != m->sim.target) {
			m->sim.target = target;
			media_fwd_pli_ssrc(q, q->layer[q->rank[target]].ssrc);
		}
		shown = m->sim.layer;
	}
	return shown;
}

void
media_stats_tick(struct media_peer *p, double secs)
{
	struct media_stats st;
	struct media_event ev = { .type = MEDIA_EV_STATS, .stats = &st };

	memset(&st, 0, sizeof(st));
	for (int k = MEDIA_AUDIO; k <= MEDIA_VIDEO; k++)
		if (p->pub[k].started)
			rx_loss(&p->pub[k]);
	send_reports(p);
	rx_stats(&p->pub[MEDIA_AUDIO], &st.rx_audio, "opus", secs, 48000);
	rx_stats(&p->pub[MEDIA_VIDEO], &st.rx_video, media_sdp_codec(p->pub[MEDIA_VIDEO].pt) ?: "VP8",
		 secs, 90000);
	tx_stats(p, MEDIA_AUDIO, &st.tx_audio, "opus", secs, 48000);
	tx_stats(p, MEDIA_VIDEO, &st.tx_video, tx_video_codec(p), secs, 90000);
	downlink_stats(p, &st.downlink);
	layers_tick(p, secs);
	st.video_layer = targets_tick(p);
	st.fwd = p->fwd;
	st.encrypted = p->secure;
	g_strlcpy(st.srtp_profile, p->profile, sizeof(st.srtp_profile));
	g_strlcpy(st.pair, p->pair, sizeof(st.pair));
	speaker_update(p);
	media_peer_emit(p, &ev);
}
