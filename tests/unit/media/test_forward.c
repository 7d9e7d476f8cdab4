/* Unit tests: src/media/forward.c after decryption: the RTCP dispatch
 * table (receiver reports kept as the receiver's tx loss, REMB kept as the
 * receiver's estimate and the publisher's lowest, transport-cc feedback
 * counted for the receiver, PLI/FIR sent to the publisher they name,
 * the rest ignored), and RTP receive accounting (a new source re-offers
 * the room, audio level, VP8 key frame size, foreign payloads dropped). */
#include <string.h>

#include "peers.h"
#include "tap.h"

static size_t
rr(uint8_t *b, uint32_t sender, uint32_t ssrc, uint8_t fraction, uint32_t jitter)
{
	struct media_rtcp_block blk = { .ssrc = ssrc, .fraction = fraction, .jitter = jitter };

	return (size_t)media_rtcp_rr(b, 64, sender, &blk, 1, NULL, NULL);
}

static void
test_reports(struct media_peer *p, struct media_peer *q)
{
	uint8_t b[64];

	media_fwd_rtcp_plain(p, b, rr(b, 0x1001, q->pub[MEDIA_VIDEO].ssrc, 64, 77));
	is_int(p->tx_fraction[MEDIA_VIDEO], 64, "RR: loss of what p receives");
	is_int(p->tx_jitter[MEDIA_VIDEO], 77, "RR: jitter of what p receives");
	is_int(q->tx_fraction[MEDIA_VIDEO], 0, "not the publisher's");
	media_fwd_rtcp_plain(p, b, rr(b, 0x1001, 0xdead, 99, 1));
	is_int(p->tx_fraction[MEDIA_VIDEO], 64, "RR about an unknown source ignored");
}

static void
test_remb(struct media_peer *p, struct media_peer *q, struct media_peer *r)
{
	uint8_t b[64];
	uint32_t ssrc = q->pub[MEDIA_VIDEO].ssrc;

	media_fwd_rtcp_plain(p, b, (size_t)media_rtcp_remb(b, sizeof(b), 0x1001, 800000, &ssrc, 1));
	is_int(q->remb_min, 800000, "REMB kept by the publisher it names");
	media_fwd_rtcp_plain(r, b, (size_t)media_rtcp_remb(b, sizeof(b), 0x1003, 300000, &ssrc, 1));
	is_int(q->remb_min, 300000, "a lower estimate wins");
	media_fwd_rtcp_plain(p, b, (size_t)media_rtcp_remb(b, sizeof(b), 0x1001, 900000, &ssrc, 1));
	is_int(q->remb_min, 300000, "a higher recent one does not");
	media_fwd_rtcp_plain(q, b, (size_t)media_rtcp_remb(b, sizeof(b), 0x1002, 1000, &ssrc, 1));
	is_int(q->remb_min, 300000, "a publisher's estimate of itself ignored");
	is_int(p->down.remb_bps, 900000, "the receiver's latest REMB kept as its downlink estimate");
	is_int(r->down.remb_bps, 300000, "... each receiver its own");
}

static void
test_twcc(struct media_peer *p, struct media_peer *q)
{
	/* RTPFB 15: base 1, 4 statuses, run of 3 received (small) + 1 lost. */
	const uint8_t fb[28] = { 0x8f, 205, 0, 6, 0, 0, 0x10, 0x01, 0, 0, 0x20, 0x02,
		0, 1, 0, 4, 0, 0, 1, 0, 0x20, 0x03, 0x00, 0x01, 4, 4, 4, 0 };
	uint8_t bad[28];

	media_fwd_rtcp_plain(p, fb, sizeof(fb));
	is_int(p->down.twcc_feedbacks, 1, "transport-cc feedback counted for the receiver");
	is_int(p->down.twcc_received, 3, "received statuses");
	is_int(p->down.twcc_lost, 1, "lost statuses");
	is_int(q->down.twcc_feedbacks, 0, "not for the publisher");
	memcpy(bad, fb, sizeof(bad));
	bad[15] = 9;                            /* more statuses than chunks */
	media_fwd_rtcp_plain(p, bad, sizeof(bad));
	is_int(p->down.twcc_feedbacks, 1, "malformed feedback ignored");
}

static void
test_keyframes(struct media_peer *p, struct media_peer *q)
{
	uint8_t b[64];
	uint8_t fir[20] = { 0x84, 206, 0, 4, 0, 0, 0x10, 0x01, 0, 0, 0, 0 };
	uint8_t sdes[8] = { 0x81, 202, 0, 1, 0, 0, 0x10, 0x01 };

	media_fwd_rtcp_plain(p, b, (size_t)media_rtcp_pli(b, sizeof(b), 0x1001, 0xdead));
	ok(!q->pub[MEDIA_VIDEO].last_pli, "PLI for an unknown source ignored");
	media_fwd_rtcp_plain(p, b, (size_t)media_rtcp_pli(b, sizeof(b), 0x1001, q->pub[MEDIA_VIDEO].ssrc));
	ok(q->pub[MEDIA_VIDEO].last_pli > 0, "PLI sent on to the publisher");
	q->pub[MEDIA_VIDEO].last_pli = 0;
	fir[12] = (uint8_t)(q->pub[MEDIA_VIDEO].ssrc >> 24);
	fir[13] = (uint8_t)(q->pub[MEDIA_VIDEO].ssrc >> 16);
	fir[14] = (uint8_t)(q->pub[MEDIA_VIDEO].ssrc >> 8);
	fir[15] = (uint8_t)q->pub[MEDIA_VIDEO].ssrc;
	media_fwd_rtcp_plain(p, fir, sizeof(fir));
	ok(q->pub[MEDIA_VIDEO].last_pli > 0, "FIR answered as a PLI to the publisher");
	q->pub[MEDIA_VIDEO].last_pli = 0;
	media_fwd_rtcp_plain(q, b, (size_t)media_rtcp_pli(b, sizeof(b), 0x1002, q->pub[MEDIA_VIDEO].ssrc));
	ok(!q->pub[MEDIA_VIDEO].last_pli, "a publisher's PLI about itself ignored");
	media_fwd_rtcp_plain(p, sdes, sizeof(sdes));
	ok(!q->pub[MEDIA_VIDEO].last_pli && !p->tx_packets[0], "SDES: no entry, ignored");
}

static uint64_t
r_dropped(struct tp_world *w)
{
	uint64_t n = 0;

	for (guint i = 2; i < w->room.peers->len; i++)
		n += ((struct media_peer *)g_ptr_array_index(w->room.peers, i))->fwd.dropped_packets;
	return n;
}

static void
test_rtp(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	/* Opus, one-byte extension: audio level 5 (id 1). */
	uint8_t opus[] = { 0x90, 111, 0, 1, 0, 0, 3, 0xc0, 0, 0, 0x0a, 0x0a,
		0xbe, 0xde, 0, 1, 0x10, 0x85, 0, 0, 0xfc, 0xff };
	/* VP8 key frame 640x360, marker set. */
	uint8_t vp8[] = { 0x80, 0x80 | 96, 0, 9, 0, 0, 0, 9, 0, 0, 0x0b, 0x0b,
		0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 0 };
	uint8_t other[] = { 0x80, 0x7f, 0, 2, 0, 0, 0, 1, 0, 0, 0x0a, 0x0a, 1 };
	unsigned offers = w->offers[q->id];

	media_fwd_rtp_plain(p, opus, sizeof(opus));
	is_int(p->pub[MEDIA_AUDIO].ssrc, 0x0a0a, "first packet of an undeclared source");
	is_int(p->pub[MEDIA_AUDIO].packets, 1, "counted");
	is_int(p->pub[MEDIA_AUDIO].level_min, 5, "audio level kept");
	is_int(w->offers[q->id], offers + 1, "the room is re-offered the new source");
	opus[3] = 2;
	media_fwd_rtp_plain(p, opus, sizeof(opus));
	is_int(p->pub[MEDIA_AUDIO].packets, 2, "second packet counted");
	is_int(p->pub[MEDIA_AUDIO].max_seq, 2, "sequence followed");
	is_int(w->offers[q->id], offers + 1, "same source: no offer");
	media_fwd_rtp_plain(p, vp8, sizeof(vp8));
	is_int(p->pub[MEDIA_VIDEO].width, 640, "VP8 key frame width");
	is_int(p->pub[MEDIA_VIDEO].height, 360, "VP8 key frame height");
	is_int(p->pub[MEDIA_VIDEO].frames, 1, "frame counted at the marker");
	media_fwd_rtp_plain(p, other, sizeof(other));
	is_int(p->pub[MEDIA_AUDIO].packets + p->pub[MEDIA_VIDEO].packets, 3, "foreign payload type dropped");
	media_fwd_rtp_plain(p, opus, 5);
	is_int(p->pub[MEDIA_AUDIO].packets, 2, "truncated packet dropped");
	is_int(p->fwd.dropped_packets, 2, "foreign and truncated packets counted as dropped by the publisher");
	is_int(p->fwd.dropped_bytes, sizeof(other) + 5, "... with their bytes");
	ok(q->fwd.dropped_packets >= 2 && !q->fwd.packets,
	   "copies due to a receiver whose m-line is not negotiated: dropped, not forwarded");
	is_int(w->totals.dropped_packets, p->fwd.dropped_packets + q->fwd.dropped_packets +
	       r_dropped(w), "the worker's totals add every peer's drops");
}

/* A second and third SSRC of the same codec while the declared video
 * flows: simulcast layers, not new sources (no re-offer); a fourth is
 * dropped; a receiver is given the target layer from its key frame on. */
static void
test_layers(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	uint8_t vp8[] = { 0x80, 96, 0, 20, 0, 0, 0, 9, 0, 0, 0x0b, 0x0b,
		0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, 0 };
	unsigned offers = w->offers[q->id];
	uint64_t dropped = p->fwd.dropped_packets;

	media_fwd_rtp_plain(p, vp8, sizeof(vp8));     /* the declared track (0x0b0b) */
	for (uint8_t s = 0x0c; s <= 0x0e; s++) {
		vp8[11] = s;
		media_fwd_rtp_plain(p, vp8, sizeof(vp8));
	}
	is_int(p->nlayers, 3, "two more SSRCs of the codec: three simulcast layers");
	is_int(p->layer[1].ssrc, 0x0b0c, "second layer's SSRC");
	is_int(p->pub[MEDIA_VIDEO].ssrc, 0x0b0b, "the declared track stays");
	is_int(w->offers[q->id], offers, "no re-offer for a layer");
	is_int(p->fwd.dropped_packets, dropped + 1, "a fourth layer dropped");
	ok(p->layer[2].bytes == sizeof(vp8), "layer bytes counted");
}

int
main(void)
{
	struct tp_world w;
	struct media_peer *p, *q, *r;

	tp_world_init(&w);
	p = tp_peer(&w, 1, 1);
	q = tp_peer(&w, 2, 1);
	r = tp_peer(&w, 3, 1);
	media_peer_track_reset(&q->pub[MEDIA_AUDIO], 0x2001, MEDIA_PT_OPUS);
	media_peer_track_reset(&q->pub[MEDIA_VIDEO], 0x2002, MEDIA_PT_VP8);
	test_reports(p, q);
	test_remb(p, q, r);
	test_twcc(p, q);
	test_keyframes(p, q);
	test_rtp(&w, p, q);
	test_layers(&w, p, q);
	tp_world_free(&w);
	return tap_done();
}
