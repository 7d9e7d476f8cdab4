/* Unit tests: src/media/twcc.c, transport-cc feedback (RTPFB FMT 15):
 * run-length and one- and two-bit status vector chunks, small, large and
 * negative receive deltas, the signed reference time, output capped at
 * max while every status is still counted, and the malformed packets the
 * parser refuses (wrong type, short, chunks or deltas missing, reserved
 * symbols). */
#include <string.h>

#include "media/media-internal.h"
#include "tap.h"

/* A feedback packet: header, fixed fields, chunks, deltas, padding.
 * Returns its length. */
static size_t
fb_build(uint8_t *b, uint16_t base, uint16_t count, uint32_t ref, const uint16_t *chunks,
	 unsigned nchunks, const uint8_t *deltas, size_t ndeltas)
{
	size_t len = 20 + 2 * (size_t)nchunks + ndeltas;

	len = (len + 3) & ~(size_t)3;
	memset(b, 0, len);
	b[0] = 0x8f;
	b[1] = 205;
	b[2] = (uint8_t)((len / 4 - 1) >> 8);
	b[3] = (uint8_t)(len / 4 - 1);
	b[7] = 0x11;                            /* sender 0x11 */
	b[11] = 0x22;                           /* media 0x22 */
	b[12] = (uint8_t)(base >> 8);
	b[13] = (uint8_t)base;
	b[14] = (uint8_t)(count >> 8);
	b[15] = (uint8_t)count;
	b[16] = (uint8_t)(ref >> 16);
	b[17] = (uint8_t)(ref >> 8);
	b[18] = (uint8_t)ref;
	b[19] = 3;                              /* feedback packet count */
	for (unsigned i = 0; i < nchunks; i++) {
		b[20 + 2 * i] = (uint8_t)(chunks[i] >> 8);
		b[21 + 2 * i] = (uint8_t)chunks[i];
	}
	if (ndeltas)
		memcpy(b + 20 + 2 * nchunks, deltas, ndeltas);
	return len;
}

static struct media_twcc fb;
static struct media_twcc_pkt pk[32];
static int walked;

static void
on_item(void *ctx, const struct media_rtcp *p)
{
	if (p->pt == 205 && p->fmt == 15)
		walked = media_twcc_parse(p, &fb, pk, 32);
}

static int
parse(const uint8_t *b, size_t n, unsigned max)
{
	walked = -2;
	if (media_rtcp_walk(b, n, on_item, NULL) < 0)
		return -3;
	if (walked >= 0 && max < 32)
		walked = media_twcc_parse(&(struct media_rtcp){ .pt = 205, .fmt = 15, .pkt = b,
								 .len = n }, &fb, pk, max);
	return walked;
}

static void
test_run_length(void)
{
	const uint16_t run[] = { 0x2005 };          /* 5 x received, small delta */
	const uint8_t d[] = { 4, 4, 4, 4, 4 };      /* 1 ms each */
	uint8_t b[64];
	size_t n = fb_build(b, 65534, 5, 10, run, 1, d, sizeof(d));

	is_int(parse(b, n, 32), 5, "run length: five packets");
	is_int(fb.base_seq, 65534, "base sequence number");
	is_int(fb.count, 5, "status count");
	is_int(fb.ref_time, 10, "reference time");
	is_int(fb.fb_count, 3, "feedback packet count");
	is_int(fb.received, 5, "all received");
	is_int(fb.lost, 0, "none lost");
	is_int(pk[2].seq, 0, "sequence numbers wrap");
	is_int(pk[0].arrival_us, 640000 + 1000, "first delta from the reference time");
	is_int(pk[4].arrival_us, 640000 + 5000, "deltas add up");
	is_int(fb.last_us - fb.first_us, 4000, "arrival span");
}

static void
test_two_bit(void)
{
	/* small, lost, large +64 ms, large -1 ms, small, lost, lost */
	const uint16_t vec[] = { 0xc000 | 1 << 12 | 0 << 10 | 2 << 8 | 2 << 6 | 1 << 4 };
	const uint8_t d[] = { 8, 0x01, 0x00, 0xff, 0xfc, 0 };
	uint8_t b[64];
	size_t n = fb_build(b, 100, 7, 0xffffff, vec, 1, d, sizeof(d));

	is_int(parse(b, n, 32), 7, "two-bit vector: seven statuses");
	is_int(fb.ref_time, -1, "negative reference time");
	is_int(fb.received, 4, "four received");
	is_int(fb.lost, 3, "three lost");
	is_int(pk[1].status, MEDIA_TWCC_NOT_RECEIVED, "second lost");
	is_int(pk[0].arrival_us, -64000 + 2000, "small delta");
	is_int(pk[2].arrival_us, -64000 + 2000 + 64000, "large delta");
	is_int(pk[3].arrival_us, -64000 + 2000 + 64000 - 1000, "negative delta");
	is_int(pk[4].arrival_us, pk[3].arrival_us, "zero delta");
	is_int(pk[6].seq, 106, "last sequence number");
}

static void
test_one_bit_and_max(void)
{
	/* 14 x 1,0,1,0,... then a run of 3 lost. */
	const uint16_t ch[] = { 0x8000 | 0x2aaa, 0x0003 };
	const uint8_t d[] = { 1, 1, 1, 1, 1, 1, 1 };
	uint8_t b[64];
	size_t n = fb_build(b, 1, 17, 0, ch, 2, d, sizeof(d));

	is_int(parse(b, n, 32), 17, "one-bit vector then a run: seventeen statuses");
	is_int(fb.received, 7, "seven received");
	is_int(fb.lost, 10, "ten lost");
	is_int(pk[16].seq, 17, "the run follows the vector");
	is_int(parse(b, n, 4), 4, "output capped at max");
	is_int(fb.received, 7, "... every status still counted");
	n = fb_build(b, 1, 10, 0, ch, 1, d, 5);
	is_int(parse(b, n, 32), 10, "a vector's symbols past the count are ignored");
	is_int(fb.received, 5, "... five received of ten");
	n = fb_build(b, 1, 0, 0, NULL, 0, NULL, 0);
	is_int(parse(b, n, 32), 0, "zero statuses: valid, empty");
}

static void
test_refused(void)
{
	const uint16_t run[] = { 0x2005 };
	const uint16_t reserved[] = { 0xc000 | 3 << 12 };
	const uint16_t reserved_run[] = { 0x6002 };
	const uint8_t d[] = { 4, 4, 4, 4, 4 };
	uint8_t b[64];
	size_t n;
	struct media_rtcp pli = { .pt = 206, .fmt = 1, .pkt = b, .len = 20 };

	n = fb_build(b, 1, 5, 0, run, 1, d, sizeof(d));
	is_int(media_twcc_parse(&pli, &fb, pk, 32), -1, "not RTPFB 15: refused");
	is_int(media_twcc_parse(&(struct media_rtcp){ .pt = 205, .fmt = 15, .pkt = b, .len = 16 },
				&fb, pk, 32), -1, "shorter than the fixed fields: refused");
	n = fb_build(b, 1, 9, 0, run, 1, d, sizeof(d));
	is_int(parse(b, n, 32), -1, "chunks cover fewer statuses than the count: refused");
	n = fb_build(b, 1, 5, 0, run, 1, d, 2);     /* 2 deltas of 5 */
	is_int(parse(b, n, 32), -1, "deltas missing: refused");
	n = fb_build(b, 1, 1, 0, reserved, 1, NULL, 0);
	is_int(parse(b, n, 32), -1, "reserved symbol in a vector: refused");
	n = fb_build(b, 1, 2, 0, reserved_run, 1, NULL, 0);
	is_int(parse(b, n, 32), -1, "reserved symbol in a run: refused");
	is_int(fb.received + fb.count, 0, "refused feedback leaves fb zeroed");
}

int
main(void)
{
	test_run_length();
	test_two_bit();
	test_one_bit_and_max();
	test_refused();
	return tap_done();
}
