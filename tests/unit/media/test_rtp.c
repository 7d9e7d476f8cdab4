/* Unit tests: src/media/rtp.c (RTP, audio level, VP8 key frames, RTCP). */
#include <string.h>

#include "media/media-internal.h"
#include "tap.h"

static unsigned plis, nacks, rrs;

static void
count(void *ctx, const struct media_rtcp *p)
{
	plis += p->pt == 206 && p->fmt == 1 && p->media == 2002;
	nacks += p->pt == 205 && p->fmt == 1 && p->media == 2002;
	rrs += p->pt == 201;
}

static void
test_rtp(void)
{
	const uint8_t opus[] = { 0x90, 111, 0, 1, 0, 0, 3, 0xc0, 0, 0, 0x03, 0xe9,
		0xbe, 0xde, 0, 1, 0x10, 0x85, 0, 0, 0xfc, 0xff };
	const uint8_t padded[] = { 0xa0, 96, 0, 8, 0, 0, 0, 1, 0, 0, 0x07, 0xd2, 1, 2, 0, 0, 3 };
	struct media_rtp r;

	is_int(media_rtp_parse(opus, sizeof(opus), MEDIA_EXT_AUDIO_LEVEL, &r), 0, "opus packet");
	is_int(r.pt, 111, "payload type");
	is_int((int)r.ssrc, 1001, "ssrc");
	is_int(r.level, 5, "audio level 5 -dBov");
	is_int(r.voice, 1, "voice activity bit");
	is_int((int)r.hdrlen, 20, "header with extension");
	is_int((int)r.plen, 2, "payload");
	is_int(media_rtp_parse(padded, sizeof(padded), 0, &r), 0, "padded packet");
	is_int((int)r.plen, 2, "padding removed");
	is_int(media_rtp_parse(opus, 11, 0, &r), -1, "short header");
	is_int(media_rtp_parse(opus, 15, 0, &r), -1, "extension past the end");
	ok(media_rtp_is_rtcp((const uint8_t[]){ 0x81, 201 }, 2), "PT 201 is RTCP");
	ok(!media_rtp_is_rtcp(opus, sizeof(opus)), "PT 111 is RTP");
}

static void
test_vp8(void)
{
	const uint8_t key[] = { 0x90, 0x80, 0x80, 0x01, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a,
		0x80, 0x02, 0xe0, 0x01 };
	const uint8_t delta[] = { 0x10, 0x51, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01 };
	uint32_t w = 0, h = 0;

	is_int(media_rtp_vp8_keyframe(key, sizeof(key), &w, &h), 1, "key frame");
	ok(w == 640 && h == 480, "640x480");
	is_int(media_rtp_vp8_keyframe(delta, sizeof(delta), &w, &h), 0, "inter frame");
	is_int(media_rtp_vp8_keyframe(key, 8, &w, &h), 0, "truncated");
}

static void
test_rtcp(void)
{
	uint8_t buf[256];
	struct media_rtcp_block b = { 2002, 26, 100 };
	uint32_t ssrc = 2002;
	int n = 0, k;

	k = media_rtcp_rr(buf, sizeof(buf), 9, &b, 1, NULL, NULL);
	is_int(k, 32, "RR with one block");
	n += k;
	n += media_rtcp_pli(buf + n, sizeof(buf) - (size_t)n, 9, 2002);
	k = media_rtcp_remb(buf + n, sizeof(buf) - (size_t)n, 9, 1500000, &ssrc, 1);
	is_int(k, 24, "REMB with one SSRC");
	n += k;
	is_int(media_rtcp_walk(buf, (size_t)n, count, NULL), 3, "compound of three");
	ok(plis == 1 && rrs == 1, "PLI for 2002 and one RR seen");
	{
		struct media_rtcp p;
		uint32_t br = 0, got[2] = { 0, 0 };
		memset(&p, 0, sizeof(p));
		p.pt = 206;
		p.fmt = 15;
		p.pkt = buf + 44;
		p.len = 24;
		is_int(media_rtcp_remb_parse(&p, &br, got, 2), 1, "REMB parses back");
		ok(br >= 1499000 && br <= 1500000 && got[0] == 2002, "REMB bitrate and SSRC");
		p.len = 19;
		is_int(media_rtcp_remb_parse(&p, &br, got, 2), -1, "short REMB refused");
	}
	is_int(media_rtcp_walk(buf, 3, count, NULL), -1, "truncated header");
	buf[3] = 200;   /* length beyond the buffer */
	is_int(media_rtcp_walk(buf, (size_t)n, count, NULL), -1, "length past the end");
	is_int(media_rtcp_pli(buf, 11, 1, 2), -1, "builder respects capacity");
	is_int(media_rtcp_rr(buf, 31, 1, &b, 1, NULL, NULL), -1, "RR capacity");
	{
		struct media_rtcp p;
		struct media_rtcp_block out[4];
		media_rtcp_rr(buf, sizeof(buf), 9, &b, 1, NULL, NULL);
		memset(&p, 0, sizeof(p));
		p.pt = 201;
		p.fmt = 1;
		p.pkt = buf;
		p.len = 32;
		is_int(media_rtcp_blocks(&p, out, 4), 1, "one report block");
		ok(out[0].ssrc == 2002 && out[0].fraction == 26 && out[0].jitter == 100, "block fields");
		p.len = 20;
		is_int(media_rtcp_blocks(&p, out, 4), 0, "block past the packet ignored");
	}
	(void)nacks;
}

int
main(void)
{
	test_rtp();
	test_vp8();
	test_rtcp();
	return tap_done();
}
