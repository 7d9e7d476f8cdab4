/*
 * rtp.c: bounded RTP (RFC 3550, one-byte header extensions RFC 8285,
 * audio level RFC 6464) and RTCP (RFC 3550, 4585, 5104) parsing, and the
 * few RTCP packets the SFU writes itself.  No allocation, any thread.
 */
#include <string.h>

#include "media/media-internal.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
media_rtp_is_rtcp(const uint8_t *b, size_t n)
{
	return n >= 2 && b[1] >= 192 && b[1] <= 223;
}

/* One-byte header extensions (0xBEDE): finds the audio level element. */
static void
rtp_ext_level(const uint8_t *e, size_t n, int ext_id, struct media_rtp *r)
{
	size_t i = 0;

	while (i < n) {
		uint8_t id = e[i] >> 4, len = (uint8_t)((e[i] & 0x0f) + 1);
		if (e[i] == 0) {            /* padding */
			i++;
			continue;
		}
		if (id == 15 || i + 1 + len > n)
			return;
		if (id == ext_id) {
			r->voice = e[i + 1] >> 7;
			r->level = e[i + 1] & 0x7f;
			return;
		}
		i += 1 + len;
	}
}

int
media_rtp_parse(const uint8_t *b, size_t n, int ext_id, struct media_rtp *r)
{
	size_t off = 12, pad = 0;

	memset(r, 0, sizeof(*r));
	r->level = -1;
	if (n < 12 || (b[0] >> 6) != 2 || media_rtp_is_rtcp(b, n))
		return -1;
	r->marker = b[1] >> 7;
	r->pt = b[1] & 0x7f;
	r->seq = rd16(b + 2);
	r->ts = rd32(b + 4);
	r->ssrc = rd32(b + 8);
	off += 4u * (b[0] & 0x0f);
	if (off > n)
		return -1;
	if (b[0] & 0x10) {
		size_t words;
		if (off + 4 > n)
			return -1;
		words = rd16(b + off + 2);
		if (off + 4 + 4 * words > n)
			return -1;
		if (ext_id && rd16(b + off) == 0xBEDE)
			rtp_ext_level(b + off + 4, 4 * words, ext_id, r);
		off += 4 + 4 * words;
	}
	if (b[0] & 0x20) {
		if (n == off)
			return -1;
		pad = b[n - 1];
		if (pad == 0 || off + pad > n)
			return -1;
	}
	r->hdrlen = off;
	r->plen = n - off - pad;
	return 0;
}

int
media_rtp_vp8_keyframe(const uint8_t *p, size_t n, uint32_t *w, uint32_t *h)
{
	size_t off = 1;

	/* Payload descriptor: X, S (start of partition), PID. */
	if (n < 1 || !(p[0] & 0x10) || (p[0] & 0x07))
		return 0;
	if (p[0] & 0x80) {
		uint8_t x;
		if (n < 2)
			return 0;
		x = p[1];
		off = 2;
		if (x & 0x80)               /* I: picture id, 7 or 15 bits */
			off += (off < n && (p[off] & 0x80)) ? 2 : 1;
		if (x & 0x40)               /* L */
			off++;
		if (x & 0x30)               /* T or K */
			off++;
	}
	/* VP8 frame tag (RFC 6386 9.1): key frame when bit 0 is 0, then the
	 * start code 9d 01 2a and 14-bit width and height. */
	if (off + 10 > n || (p[off] & 0x01))
		return 0;
	if (p[off + 3] != 0x9d || p[off + 4] != 0x01 || p[off + 5] != 0x2a)
		return 0;
	*w = (uint32_t)(p[off + 6] | p[off + 7] << 8) & 0x3fff;
	*h = (uint32_t)(p[off + 8] | p[off + 9] << 8) & 0x3fff;
	return 1;
}

/* ---- RTCP -------------------------------------------------------------------- */

static int
rtcp_one(const uint8_t *b, size_t n, struct media_rtcp *p)
{
	size_t len;

	if (n < 4 || (b[0] >> 6) != 2)
		return -1;
	len = 4 * ((size_t)rd16(b + 2) + 1);
	if (len > n)
		return -1;
	memset(p, 0, sizeof(*p));
	p->pkt = b;
	p->len = len;
	p->pt = b[1];
	p->fmt = b[0] & 0x1f;
	if (p->pt < 192 || p->pt > 223)
		return -1;
	if (len >= 8)
		p->sender = rd32(b + 4);
	p->body = b + (len >= 8 ? 8 : 4);
	if ((p->pt == 205 || p->pt == 206) && len >= 12) {
		p->media = rd32(b + 8);
		p->body = b + 12;
	}
	/* FIR (RFC 5104 4.3.1): the target is in the FCI. */
	if (p->pt == 206 && p->fmt == 4 && len >= 20)
		p->media = rd32(b + 12);
	return 0;
}

int
media_rtcp_walk(const uint8_t *b, size_t n,
		void (*fn)(void *ctx, const struct media_rtcp *p), void *ctx)
{
	int count = 0;

	while (n > 0) {
		struct media_rtcp p;
		if (rtcp_one(b, n, &p) < 0)
			return count ? count : -1;
		if (fn)
			fn(ctx, &p);
		count++;
		b += p.len;
		n -= p.len;
	}
	return count ? count : -1;
}

unsigned
media_rtcp_blocks(const struct media_rtcp *p, struct media_rtcp_block *out, unsigned max)
{
	size_t off = p->pt == 200 ? 28 : p->pt == 201 ? 8 : 0;
	unsigned n = 0;

	if (!off)
		return 0;
	for (unsigned i = 0; i < p->fmt && n < max; i++, off += 24) {
		if (off + 24 > p->len)
			break;
		out[n].ssrc = rd32(p->pkt + off);
		out[n].fraction = p->pkt[off + 4];
		out[n].jitter = rd32(p->pkt + off + 12);
		n++;
	}
	return n;
}

int
media_rtcp_remb_parse(const struct media_rtcp *p, uint32_t *bitrate, uint32_t *ssrcs,
		      unsigned max)
{
	const uint8_t *f = p->pkt + 12;
	unsigned n, i;
	uint64_t v;

	if (p->pt != 206 || p->fmt != 15 || p->len < 20 || memcmp(f, "REMB", 4))
		return -1;
	n = f[4];
	if (20 + 4 * (size_t)n > p->len)
		return -1;
	v = (uint64_t)((f[5] & 0x03) << 16 | f[6] << 8 | f[7]) << (f[5] >> 2);
	*bitrate = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	for (i = 0; i < n && i < max; i++)
		ssrcs[i] = rd32(f + 8 + 4 * i);
	return (int)i;
}

static void
rtcp_header(uint8_t *o, uint8_t fmt, uint8_t pt, size_t len)
{
	o[0] = (uint8_t)(0x80 | fmt);
	o[1] = pt;
	wr16(o + 2, (uint16_t)(len / 4 - 1));
}

int
media_rtcp_pli(uint8_t *out, size_t cap, uint32_t sender, uint32_t media)
{
	if (cap < 12)
		return -1;
	rtcp_header(out, 1, 206, 12);
	wr32(out + 4, sender);
	wr32(out + 8, media);
	return 12;
}

int
media_rtcp_rr(uint8_t *out, size_t cap, uint32_t sender, const struct media_rtcp_block *b,
	      unsigned n, uint32_t *lsr, uint32_t *dlsr)
{
	size_t len = 8 + 24 * (size_t)n;

	if (n > 31 || cap < len)
		return -1;
	rtcp_header(out, (uint8_t)n, 201, len);
	wr32(out + 4, sender);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *r = out + 8 + 24 * i;
		memset(r, 0, 24);
		wr32(r, b[i].ssrc);
		r[4] = b[i].fraction;
		wr32(r + 12, b[i].jitter);
		wr32(r + 16, lsr ? lsr[i] : 0);
		wr32(r + 20, dlsr ? dlsr[i] : 0);
	}
	return (int)len;
}

int
media_rtcp_remb(uint8_t *out, size_t cap, uint32_t sender, uint32_t bitrate,
		const uint32_t *ssrcs, unsigned n)
{
	size_t len = 20 + 4 * (size_t)n;
	unsigned exp = 0;

	if (n > 255 || cap < len)
		return -1;
	while ((bitrate >> exp) > 0x3ffff)
		exp++;
	rtcp_header(out, 15, 206, len);
	wr32(out + 4, sender);
	wr32(out + 8, 0);
	memcpy(out + 12, "REMB", 4);
	out[16] = (uint8_t)n;
	out[17] = (uint8_t)(exp << 2 | ((bitrate >> exp) >> 16 & 0x03));
	wr16(out + 18, (uint16_t)(bitrate >> exp));
	for (unsigned i = 0; i < n; i++)
		wr32(out + 20 + 4 * i, ssrcs[i]);
	return (int)len;
}
