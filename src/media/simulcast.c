/*
 * simulcast.c: the pure parts of per-receiver simulcast (issue 14), for
 * forward.c to drive: which layer a receiver's estimate affords, a simple
 * downlink estimator, and the rewriter that makes a receiver see one
 * continuous stream across layer switches.  No allocation, any thread.
 *
 * Estimator (documented, deliberately simple; not goog_cc): the receiver's
 * REMB is the ceiling; under it a loss-based controller over each
 * interval's transport-cc (or receiver report) loss: above 10 % loss the
 * estimate falls by half the loss share, under 2 % it grows by 8 % (plus
 * 10 kbit/s so it climbs from low values), in between it holds.  It never
 * falls under MEDIA_SIM_MIN_BPS so audio and the lowest layer keep flowing.
 *
 * Layer choice: the highest layer whose measured bitrate fits in 85 % of
 * the estimate (headroom for audio and bursts); going up needs the higher
 * layer to fit, going down happens as soon as the current one does not;
 * layer 0 always fits (a low layer rather than a freeze).
 *
 * Rewriting: the receiver's m-line declares one SSRC; every layer is sent
 * with it, and sequence numbers, timestamps and the VP8 picture ID are
 * offset at each switch so they continue from the last packet sent.  A
 * switch happens only on a key frame of the target layer (the caller asks
 * the publisher for one with a PLI when the target changes).
 */
#include <string.h>

#include "media/media-internal.h"

unsigned
media_sim_pick(const uint32_t *layer_bps, unsigned n, uint32_t estimate_bps)
{
	uint64_t budget = (uint64_t)estimate_bps * 85 / 100;
	unsigned best = 0;

	for (unsigned i = 1; i < n && i < MEDIA_SIM_LAYERS; i++)
		if (layer_bps[i] && layer_bps[i] <= budget)
			best = i;
	return best;
}

uint32_t
media_sim_estimate(uint32_t current, uint32_t remb_bps, double loss)
{
	uint64_t e = current ? current : MEDIA_SIM_START_BPS;

	if (loss > 0.10)
		e = (uint64_t)((double)e * (1.0 - 0.5 * loss));
	else if (loss < 0.02)
		e = e * 108 / 100 + 10000;
	if (remb_bps && e > remb_bps)
		e = remb_bps;
	if (e < MEDIA_SIM_MIN_BPS)
		e = MEDIA_SIM_MIN_BPS;
	return e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}

/* Offset of the VP8 picture ID in a payload, its width in bytes (1 or 2),
 * or 0 when absent. */
static size_t
vp8_pid(const uint8_t *p, size_t n, size_t *width)
{
	*width = 0;
	if (n < 3 || !(p[0] & 0x80) || !(p[1] & 0x80))
		return 0;
	*width = (p[2] & 0x80) ? 2 : 1;
	if (2 + *width > n)
		*width = 0;
	return *width ? 2 : 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A switch: offsets so this packet follows the last one sent. */
static void
sim_switch(struct media_sim_out *o, unsigned layer, const struct media_rtp *r, int have_pid,
	   uint16_t pid)
{
	if (o->started) {
		o->seq_off = (uint16_t)(o->last_seq + 1 - r->seq);
		o->ts_off = o->last_ts + MEDIA_SIM_TS_GAP - r->ts;
		o->pid_off = have_pid ? (uint16_t)(o->last_pid + 1 - pid) : o->pid_off;
	} else {
		o->seq_off = 0;
		o->ts_off = 0;
		o->pid_off = 0;
	}
	o->started = 1;
	o->layer = layer;
	o->switches++;
}

int
media_sim_rewrite(struct media_sim_out *o, unsigned layer, const struct media_rtp *r, int keyframe,
		  uint8_t *b, size_t n)
{
	size_t pw, po = r->hdrlen + vp8_pid(b + r->hdrlen, r->plen, &pw);
	uint16_t pid = 0, seq, out_pid;
	uint32_t ts;

	if (r->hdrlen + r->plen > n || r->hdrlen < 12)
		return 0;
	if (pw)
		pid = pw == 2 ? (uint16_t)((b[po] & 0x7f) << 8 | b[po + 1]) : b[po] & 0x7f;
	if (layer != o->layer || !o->started) {
		/* Another layer: taken only when it is the target and starts a
		 * key frame; otherwise not this receiver's. */
		if (layer != o->target || !keyframe)
			return 0;
		sim_switch(o, layer, r, pw != 0, pid);
	}
	seq = (uint16_t)(r->seq + o->seq_off);
	ts = r->ts + o->ts_off;
	out_pid = (uint16_t)(pid + o->pid_off);
	put16(b + 2, seq);
	put32(b + 4, ts);
	put32(b + 8, o->ssrc);
	if (pw == 2)
		put16(b + po, (uint16_t)(0x8000 | (out_pid & 0x7fff)));
	else if (pw == 1)
		b[po] = (uint8_t)(out_pid & 0x7f);
	if ((uint16_t)(seq - o->last_seq) < 0x8000 || !o->have_last) {
		o->last_seq = seq;
		o->last_ts = ts;
		o->have_last = 1;
	}
	if (pw)
		o->last_pid = pw == 2 ? (uint16_t)(out_pid & 0x7fff) : (uint16_t)(out_pid & 0x7f);
	return 1;
}
