/*
 * libFuzzer harness: src/media/rtp.c.  Every decrypted packet a guest sends
 * goes through these parsers: RTP header, extensions and padding, the
 * audio level element, the VP8 payload descriptor and key frame header, and
 * compound RTCP with its report blocks.  Results must stay inside the
 * packet; the builders must respect their capacity.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "media/media-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the walk saw of one input. */
struct walk {
	const uint8_t *end;
	size_t total;
};

static void
on_rtcp(void *ctx, const struct media_rtcp *p)
{
	struct walk *wk = ctx;
	const uint8_t *end = wk->end;
	struct media_rtcp_block b[31];
	unsigned n = media_rtcp_blocks(p, b, 31);
	uint32_t br, ssrcs[4];

	if (media_rtcp_remb_parse(p, &br, ssrcs, 4) > 4)
		__builtin_trap();

	if (p->pkt + p->len > end || p->body > p->pkt + p->len || n > 31)
		__builtin_trap();
	wk->total += p->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_rtp r;
	uint8_t out[64];
	uint32_t w, h, ssrcs[2] = { 1, 2 };
	struct media_rtcp_block blk = { 0 };
	struct walk wk = { data + size, 0 };

	if (media_rtp_parse(data, size, MEDIA_EXT_AUDIO_LEVEL, &r) == 0) {
		if (r.hdrlen + r.plen > size || r.level > 127)
			__builtin_trap();
		media_rtp_vp8_keyframe(data + r.hdrlen, r.plen, &w, &h);
	}
	if (media_rtcp_walk(data, size, on_rtcp, &wk) > 0 && wk.total > size)
		__builtin_trap();
	if (media_rtcp_pli(out, size % 16, 1, 2) > (int)(size % 16) ||
	    media_rtcp_rr(out, size % 64, 1, &blk, 1, NULL, NULL) > (int)(size % 64) ||
	    media_rtcp_remb(out, size % 64, 1, (uint32_t)size * 1000u, ssrcs, 2) > (int)(size % 64))
		__builtin_trap();
	return 0;
}
