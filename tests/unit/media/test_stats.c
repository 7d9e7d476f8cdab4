/* Unit tests: src/media/stats.c, the once-a-second tick without a
 * transport: receive statistics of a published track, and what a peer
 * reports as a receiver (its REMB estimate while recent, the share of
 * packets its transport-cc feedback said were lost), in the stats event;
 * and the active speaker. */
#include <string.h>

#include "peers.h"
#include "tap.h"

static void
feed_twcc(struct media_peer *p, uint16_t received, uint16_t lost)
{
	/* Two run-length chunks: received (small delta 0), then lost. */
	uint8_t b[256] = { 0x8f, 205, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 0 };
	size_t len = 24 + received;
	uint16_t count = (uint16_t)(received + lost);

	len = (len + 3) & ~(size_t)3;
	b[3] = (uint8_t)(len / 4 - 1);
	b[14] = (uint8_t)(count >> 8);
	b[15] = (uint8_t)count;
	b[20] = (uint8_t)(0x20 | received >> 8);
	b[21] = (uint8_t)received;
	b[22] = (uint8_t)(lost >> 8);
	b[23] = (uint8_t)lost;
	media_fwd_rtcp_plain(p, b, len);
}

static void
test_downlink(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	uint8_t b[64];
	uint32_t ssrc = q->pub[MEDIA_VIDEO].ssrc;

	media_stats_tick(p, 1.0);
	is_int(w->events[MEDIA_EV_STATS], 1, "a stats event");
	is_int(w->last.peer, p->id, "about the peer");
	is_int(w->stats.downlink.remb_bps, 0, "no REMB yet");
	is_int(w->stats.downlink.twcc_feedbacks, 0, "no feedback yet");
	media_fwd_rtcp_plain(p, b, (size_t)media_rtcp_remb(b, sizeof(b), 0x1001, 420000, &ssrc, 1));
	feed_twcc(p, 8, 2);
	feed_twcc(p, 7, 3);
	media_stats_tick(p, 1.0);
	is_int(w->stats.downlink.remb_bps, 420000, "the receiver's REMB estimate");
	is_int(w->stats.downlink.twcc_feedbacks, 2, "feedback packets counted");
	is_int((int)(w->stats.downlink.twcc_loss_percent + 0.5), 25, "5 of 20 reported lost");
	media_stats_tick(p, 1.0);
	is_int((int)(w->stats.downlink.twcc_loss_percent + 0.5), 25, "no feedback: last figure kept");
	feed_twcc(p, 10, 0);
	media_stats_tick(p, 1.0);
	is_int((int)w->stats.downlink.twcc_loss_percent, 0, "a clean interval: no loss");
	p->down.remb_at -= MEDIA_REMB_MAX_AGE_USEC + 1;
	media_stats_tick(p, 1.0);
	is_int(w->stats.downlink.remb_bps, 0, "an old REMB is dropped");
}

static void
test_rx_and_speaker(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	/* Opus, audio level 20 -dBov. */
	uint8_t opus[] = { 0x90, 111, 0, 1, 0, 0, 3, 0xc0, 0, 0, 0x0a, 0x0a,
		0xbe, 0xde, 0, 1, 0x10, 0x94, 0, 0, 0xfc, 0xff };

	w->room.ticks = 0;                      /* the room decides when all have ticked */
	media_fwd_rtp_plain(p, opus, sizeof(opus));
	opus[3] = 3;                            /* seq 2 lost */
	media_fwd_rtp_plain(p, opus, sizeof(opus));
	media_stats_tick(q, 1.0);
	media_stats_tick(p, 1.0);
	is_str(w->stats.rx_audio.codec, "opus", "received audio codec");
	is_int(w->stats.rx_audio.packets, 2, "received packets");
	is_int((int)(w->stats.rx_audio.loss_percent + 0.5), 33, "1 of 3 lost");
	is_int(w->stats.rx_audio.bitrate, 2 * sizeof(opus) * 8, "bitrate over the interval");
	is_int(w->events[MEDIA_EV_SPEAKER], 1, "the loud peer becomes the speaker");
	is_str(w->text, p->label, "speaker event names it");
	media_stats_tick(q, 1.0);
	media_stats_tick(p, 1.0);
	is_int(w->events[MEDIA_EV_SPEAKER], 1, "silence: no new speaker");
}

int
main(void)
{
	struct tp_world w;
	struct media_peer *p, *q;

	tp_world_init(&w);
	p = tp_peer(&w, 1, 1);
	q = tp_peer(&w, 2, 1);
	media_peer_track_reset(&q->pub[MEDIA_VIDEO], 0x2002, MEDIA_PT_VP8);
	test_downlink(&w, p, q);
	q->pub[MEDIA_VIDEO].ssrc = 0;
	test_rx_and_speaker(&w, p, q);
	tp_world_free(&w);
	return tap_done();
}
