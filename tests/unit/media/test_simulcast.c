/* Unit tests: src/media/simulcast.c: layer choice from an estimate, the
 * loss-based estimator under its REMB ceiling and floor, and the rewriter
 * (one SSRC, continuous sequence numbers, timestamps and VP8 picture IDs
 * across a switch, which waits for the target layer's key frame). */
#include <string.h>

#include "media/media-internal.h"
#include "tap.h"

/* A VP8 packet: extended descriptor with a 15-bit picture ID. */
static size_t
vp8(uint8_t *b, uint32_t ssrc, uint16_t seq, uint32_t ts, uint16_t pid, int key)
{
	const uint8_t head[] = { 0x80, 96 };
	const uint8_t frame[] = { 0x00, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01 };

	memcpy(b, head, 2);
	b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24), b[5] = (uint8_t)(ts >> 16), b[6] = (uint8_t)(ts >> 8), b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24), b[9] = (uint8_t)(ssrc >> 16), b[10] = (uint8_t)(ssrc >> 8), b[11] = (uint8_t)ssrc;
	b[12] = 0x90;                   /* X, S */
	b[13] = 0x80;                   /* I */
	b[14] = (uint8_t)(0x80 | pid >> 8);
	b[15] = (uint8_t)pid;
	memcpy(b + 16, frame, sizeof(frame));
	if (!key)
		b[16] = 0x01;
	return 16 + sizeof(frame);
}

static int
send1(struct media_sim_out *o, unsigned layer, uint8_t *b, size_t n, int key)
{
	struct media_rtp r;

	if (media_rtp_parse(b, n, 0, &r) < 0)
		return -1;
	return media_sim_rewrite(o, layer, &r, key, b, n);
}

static void
test_pick(void)
{
	const uint32_t bps[3] = { 150000, 500000, 1500000 };
	const uint32_t part[3] = { 150000, 0, 1500000 };

	is_int(media_sim_pick(bps, 3, 2000000), 2, "a wide estimate takes the top layer");
	is_int(media_sim_pick(bps, 3, 700000), 1, "the middle one fits 700 kbit/s");
	is_int(media_sim_pick(bps, 3, 550000), 0, "no headroom for the middle one: lowest");
	is_int(media_sim_pick(bps, 3, 50000), 0, "nothing fits: still the lowest, never none");
	is_int(media_sim_pick(part, 3, 700000), 0, "a layer with no measured rate is skipped");
	is_int(media_sim_pick(bps, 1, 2000000), 0, "one layer: that one");
}

static void
test_estimate(void)
{
	uint32_t e = media_sim_estimate(0, 0, 0);

	ok(e > MEDIA_SIM_START_BPS, "no loss: grows from the start value");
	is_int(media_sim_estimate(1000000, 0, 0.05), 1000000, "2-10 %% loss: holds");
	is_int(media_sim_estimate(1000000, 0, 0.20), 900000, "20 %% loss: falls by half of it");
	is_int(media_sim_estimate(1000000, 400000, 0), 400000, "REMB is the ceiling");
	is_int(media_sim_estimate(120000, 0, 0.9), MEDIA_SIM_MIN_BPS, "never under the floor");
	e = MEDIA_SIM_START_BPS;
	for (int i = 0; i < 50; i++)
		e = media_sim_estimate(e, 380000, i % 5 ? 0 : 0.15);
	ok(e <= 380000 && e >= 300000, "a 380 kbit/s receiver settles near its REMB");
}

static void
test_rewrite(void)
{
	struct media_sim_out o = { .ssrc = 0xabc, .target = 0 };
	uint8_t b[64];
	size_t n;
	struct media_rtp r;
	uint16_t seq;
	uint32_t ts;

	n = vp8(b, 0x111, 100, 9000, 500, 0);
	is_int(send1(&o, 0, b, n, 0), 0, "nothing before a key frame of the target");
	n = vp8(b, 0x111, 101, 12000, 501, 1);
	is_int(send1(&o, 0, b, n, 1), 1, "the target's key frame starts the stream");
	media_rtp_parse(b, n, 0, &r);
	is_int(r.ssrc, 0xabc, "sent with the receiver's SSRC");
	is_int(r.seq, 101, "first layer: numbers kept");
	n = vp8(b, 0x222, 7000, 500000, 30000, 0);
	is_int(send1(&o, 1, b, n, 0), 0, "another layer is not sent");
	o.target = 1;
	n = vp8(b, 0x222, 7001, 503000, 30001, 0);
	is_int(send1(&o, 1, b, n, 0), 0, "the target waits for its key frame");
	n = vp8(b, 0x111, 102, 15000, 502, 0);
	is_int(send1(&o, 0, b, n, 0), 1, "... while the old layer goes on");
	n = vp8(b, 0x222, 7002, 506000, 30002, 1);
	is_int(send1(&o, 1, b, n, 1), 1, "switch on the target's key frame");
	media_rtp_parse(b, n, 0, &r);
	is_int(r.seq, 103, "sequence continues across the switch");
	is_int(r.ts, 15000 + MEDIA_SIM_TS_GAP, "timestamp continues one frame later");
	is_int(r.ssrc, 0xabc, "same SSRC after the switch");
	is_int(((b[14] & 0x7f) << 8) | b[15], 503, "picture ID continues");
	is_int(o.layer, 1, "now on layer 1");
	n = vp8(b, 0x111, 103, 18000, 503, 1);
	is_int(send1(&o, 0, b, n, 1), 0, "the old layer stops, key frame or not");
	n = vp8(b, 0x222, 7003, 509000, 30003, 0);
	send1(&o, 1, b, n, 0);
	media_rtp_parse(b, n, 0, &r);
	seq = r.seq;
	ts = r.ts;
	is_int(seq, 104, "next packet numbered on");
	is_int(ts, 15000 + MEDIA_SIM_TS_GAP + 3000, "next timestamp on by the layer's own spacing");
	is_int(o.switches, 2, "two switches: start and up");
	n = vp8(b, 0x222, 7004, 509000, 30003, 0);
	r.hdrlen = 12;
	r.plen = 500;
	is_int(media_sim_rewrite(&o, 1, &r, 0, b, n), 0, "lengths past the buffer refused");
}

int
main(void)
{
	test_pick();
	test_estimate();
	test_rewrite();
	return tap_done();
}
