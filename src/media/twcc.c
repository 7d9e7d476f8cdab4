/*
 * twcc.c: a bounded parser for transport-wide congestion control feedback
 * (RTPFB FMT 15, draft-holmer-rmcat-transport-wide-cc-extensions-01), the
 * per-packet arrival report a browser sends about what it received.
 * Pure: no allocation, no globals, any thread; fuzzed by
 * tests/fuzz/media/fuzz_media_feedback.c.
 *
 * Layout after the 12-byte RTPFB header: base sequence number (16),
 * packet status count (16), reference time (24, signed, 64 ms units),
 * feedback packet count (8); then 16-bit packet chunks covering `count`
 * statuses (run length, or a vector of 14 one-bit or 7 two-bit symbols);
 * then one receive delta per received packet (8 bits unsigned for "small",
 * 16 bits signed for "large"), in 250 us units.
 */
#include <string.h>

#include "media/media-internal.h"

#define TWCC_FIXED 20               /* RTPFB header + the fixed fields */
#define TWCC_DELTA_US 250

/* What a walk over the statuses does with each symbol. */
struct twcc_walk {
	/* counting pass */
	unsigned small, large, lost, reserved;
	/* reading pass (deltas != NULL) */
	const uint8_t *deltas;
	size_t doff;
	uint16_t seq;
	int64_t arrival_us;
	struct media_twcc *fb;
	struct media_twcc_pkt *out;
	unsigned max, n;
};

static void
twcc_count(struct twcc_walk *w, unsigned sym)
{
	w->small += sym == MEDIA_TWCC_SMALL;
	w->large += sym == MEDIA_TWCC_LARGE;
	w->lost += sym == MEDIA_TWCC_NOT_RECEIVED;
	w->reserved += sym > MEDIA_TWCC_LARGE;
}

static void
twcc_read(struct twcc_walk *w, unsigned sym)
{
	int64_t d = 0;

	if (sym == MEDIA_TWCC_SMALL) {
		d = w->deltas[w->doff++];
	} else if (sym == MEDIA_TWCC_LARGE) {
		int v = w->deltas[w->doff] << 8 | w->deltas[w->doff + 1];
		d = v >= 0x8000 ? v - 0x10000 : v;
		w->doff += 2;
	}
	if (sym != MEDIA_TWCC_NOT_RECEIVED) {
		w->arrival_us += d * TWCC_DELTA_US;
		if (!w->fb->received++)
			w->fb->first_us = w->arrival_us;
		w->fb->last_us = w->arrival_us;
	}
	if (w->n < w->max) {
		w->out[w->n].seq = w->seq;
		w->out[w->n].status = (uint8_t)sym;
		w->out[w->n].arrival_us = sym == MEDIA_TWCC_NOT_RECEIVED ? 0 : w->arrival_us;
		w->n++;
	}
	w->seq++;
}

static void
twcc_symbol(struct twcc_walk *w, unsigned sym)
{
	if (w->deltas)
		twcc_read(w, sym);
	else
		twcc_count(w, sym);
}

/* Walks the chunks of b[0..len) until count statuses are covered.  The
 * offset just past the last chunk, or 0 when the chunks run past len. */
static size_t
twcc_chunks(const uint8_t *b, size_t len, unsigned count, struct twcc_walk *w)
{
	size_t off = TWCC_FIXED;
	unsigned done = 0;

	while (done < count) {
		uint16_t c;
		if (off + 2 > len)
			return 0;
		c = (uint16_t)(b[off] << 8 | b[off + 1]);
		off += 2;
		if (!(c & 0x8000)) {                    /* run length */
			for (unsigned i = 0; i < (c & 0x1fffu) && done < count; i++, done++)
				twcc_symbol(w, (c >> 13) & 3);
		} else if (!(c & 0x4000)) {             /* 14 one-bit symbols */
			for (int i = 13; i >= 0 && done < count; i--, done++)
				twcc_symbol(w, (c >> i) & 1);
		} else {                                /* 7 two-bit symbols */
			for (int i = 6; i >= 0 && done < count; i--, done++)
				twcc_symbol(w, (c >> (2 * i)) & 3);
		}
	}
	return off;
}

static void
twcc_fixed(const uint8_t *b, struct media_twcc *fb)
{
	int32_t ref = b[16] << 16 | b[17] << 8 | b[18];

	memset(fb, 0, sizeof(*fb));
	fb->base_seq = (uint16_t)(b[12] << 8 | b[13]);
	fb->count = (uint16_t)(b[14] << 8 | b[15]);
	fb->ref_time = ref & 0x800000 ? ref - 0x1000000 : ref;
	fb->fb_count = b[19];
}

int
media_twcc_parse(const struct media_rtcp *p, struct media_twcc *fb, struct media_twcc_pkt *out,
		 unsigned max)
{
	struct twcc_walk w = { 0 };
	size_t end;

	memset(fb, 0, sizeof(*fb));
	if (p->pt != 205 || p->fmt != 15 || p->len < TWCC_FIXED)
		return -1;
	twcc_fixed(p->pkt, fb);
	end = twcc_chunks(p->pkt, p->len, fb->count, &w);
	if (!end || w.reserved || end + w.small + 2 * (size_t)w.large > p->len)
		goto bad;
	fb->lost = w.lost;
	w = (struct twcc_walk){ .deltas = p->pkt + end, .seq = fb->base_seq,
				.arrival_us = (int64_t)fb->ref_time * 64000, .fb = fb,
				.out = out, .max = out ? max : 0 };
	twcc_chunks(p->pkt, p->len, fb->count, &w);
	return (int)w.n;
bad:
	memset(fb, 0, sizeof(*fb));
	return -1;
}
