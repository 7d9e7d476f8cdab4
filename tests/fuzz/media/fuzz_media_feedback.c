/*
 * libFuzzer harness: src/media/twcc.c and the REMB parser of rtp.c, the
 * congestion-control feedback every receiver sends the SFU.  The input is
 * walked as compound RTCP, and also handed to the transport-cc parser as
 * one packet of any length.  Every status must be accounted for, the
 * output must stay within max and describe consecutive sequence numbers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "media/media-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 64

static void
check_twcc(const struct media_rtcp *p)
{
	struct media_twcc fb;
	struct media_twcc_pkt out[OUT_MAX];
	int n = media_twcc_parse(p, &fb, out, OUT_MAX);
	unsigned want;

	if (n < 0) {
		if (fb.count || fb.received || fb.lost)
			__builtin_trap();
		return;
	}
	want = fb.count < OUT_MAX ? fb.count : OUT_MAX;
	if ((unsigned)n != want || fb.received + fb.lost != fb.count)
		__builtin_trap();
	for (int i = 0; i < n; i++) {
		if (out[i].seq != (uint16_t)(fb.base_seq + i) || out[i].status > MEDIA_TWCC_LARGE)
			__builtin_trap();
		if (out[i].status == MEDIA_TWCC_NOT_RECEIVED && out[i].arrival_us)
			__builtin_trap();
	}
	if (media_twcc_parse(p, &fb, NULL, 0) != 0)
		__builtin_trap();
}

static void
on_rtcp(void *ctx, const struct media_rtcp *p)
{
	uint32_t bitrate, ssrcs[4];

	if (media_rtcp_remb_parse(p, &bitrate, ssrcs, 4) > 4)
		__builtin_trap();
	check_twcc(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_rtcp one = { .pt = 205, .fmt = 15, .pkt = data, .len = size };

	media_rtcp_walk(data, size, on_rtcp, NULL);
	check_twcc(&one);
	return 0;
}
