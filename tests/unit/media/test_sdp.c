/* Unit tests: src/media/sdp.c (the server's offers, the browser's answers). */
#include <string.h>

#include <glib.h>

#include "media/media-internal.h"
#include "tap.h"

static const char answer[] =
	"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Xk3d\r\n"
	"a=ice-pwd:w5e8AqL3z0uN3pHqRkqv0f0b\r\n"
	"a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4B:8C:03:A8:4A:E2:4B:01:56:CB:11:32\r\n"
	"a=setup:active\r\na=mid:0\r\na=sendonly\r\na=ssrc:1001 cname:x\r\na=ssrc:1001 msid:a b\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\na=ssrc:2002 cname:x\r\n"
	"a=ssrc:2003 cname:x\r\n"
	"a=candidate:1 1 udp 2122260223 192.0.2.2 40000 typ host generation 0\r\n"
	"m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\n";

static void
test_answer(void)
{
	static struct media_sdp_answer a;

	is_int(media_sdp_parse_answer(answer, strlen(answer), &a), MEDIA_SDP_OK, "Chrome-like answer parses");
	is_int(a.nm, 3, "three m-lines");
	is_str(a.ufrag, "Xk3d", "ice-ufrag");
	is_str(a.pwd, "w5e8AqL3z0uN3pHqRkqv0f0b", "ice-pwd");
	ok(g_str_has_prefix(a.fingerprint, "4A:AD:B9") && strlen(a.fingerprint) == 95, "sha-256 fingerprint");
	is_str(a.setup, "active", "setup");
	is_int(a.m[0].kind, MEDIA_AUDIO, "m0 audio");
	is_int(a.m[0].dir, MEDIA_DIR_SENDONLY, "m0 sendonly");
	is_int((int)a.m[0].ssrc, 1001, "m0 first ssrc");
	is_int((int)a.m[1].ssrc, 2002, "m1: the first a=ssrc wins");
	is_int(a.m[0].pt, 111, "m0 codec: first format");
	is_int(a.m[1].pt, 96, "m1 codec: first format");
	is_int(a.m[2].port, 0, "m2 rejected");
	is_int(a.m[2].dir, MEDIA_DIR_INACTIVE, "m2 inactive");
	is_int(a.ncands, 1, "one candidate");
	ok(g_str_has_prefix(a.cands[0], "candidate:1 1 udp"), "candidate kept without a=");
	is_int(media_sdp_parse_answer("x=0\r\n", 5, &a), MEDIA_SDP_BAD, "must start with v=");
	is_int(media_sdp_parse_answer("v=0\r\n", 5, &a), MEDIA_SDP_BAD, "no m-line");
	is_int(media_sdp_parse_answer("v=0\r\nm=audio x\r\n", 16, &a), MEDIA_SDP_BAD, "bad port");
}

static void
test_bounds(void)
{
	static struct media_sdp_answer a;
	GString *s = g_string_new("v=0\r\n");
	char *line = g_strnfill(MEDIA_SDP_MAX_LINE + 1, 'a');

	for (int i = 0; i <= MEDIA_SDP_MAX_MLINES; i++)
		g_string_append(s, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
	is_int(media_sdp_parse_answer(s->str, s->len, &a), MEDIA_SDP_TOO_MANY, "m-line cap");
	g_string_assign(s, "v=0\r\nm=audio 9 P 1\r\n");
	g_string_append(s, line);
	is_int(media_sdp_parse_answer(s->str, s->len, &a), MEDIA_SDP_TOO_LONG, "line cap");
	is_int(media_sdp_parse_answer(s->str, MEDIA_SDP_MAX_LEN + 1, &a), MEDIA_SDP_TOO_LONG, "length cap");
	g_string_assign(s, "v=0\r\nm=audio 9 P 1\r\n");
	for (int i = 0; i < MEDIA_SDP_MAX_CANDS + 5; i++)
		g_string_append(s, "a=candidate:1 1 udp 1 192.0.2.2 1 typ host\r\n");
	is_int(media_sdp_parse_answer(s->str, s->len, &a), MEDIA_SDP_OK, "too many candidates: extra dropped");
	is_int(a.ncands, MEDIA_SDP_MAX_CANDS, "candidate cap");
	g_free(line);
	g_string_free(s, TRUE);
}

static void
test_offer(void)
{
	struct media_sdp_mline m[3] = {
		{ .kind = MEDIA_AUDIO, .mid = "0", .dir = MEDIA_DIR_RECVONLY },
		{ .kind = MEDIA_VIDEO, .mid = "1", .dir = MEDIA_DIR_SENDONLY, .ssrc = 77,
		  .stream = "leg-1", .track = "leg-1-video", .pt = MEDIA_PT_VP8 },
		{ .kind = MEDIA_AUDIO, .mid = "2", .rejected = 1 },
	};
	const char *cands[] = { "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host" };
	struct media_sdp_offer o = { 5, 3, "uf", "pw", "sha-256 AA:BB", cands, 1, m, 3 };
	char *sdp = media_sdp_offer(&o);

	ok(strstr(sdp, "a=group:BUNDLE 0 1\r\n") != NULL, "BUNDLE lists the live m-lines only");
	ok(strstr(sdp, "o=- 5 3 IN IP4") != NULL, "session id and version");
	ok(strstr(sdp, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n") != NULL, "a forwarded VP8 source: VP8 only");
	ok(strstr(sdp, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n") != NULL, "rejected m-line has port 0");
	ok(strstr(sdp, "a=ssrc:77 msid:leg-1 leg-1-video\r\n") != NULL, "forwarded SSRC declared with its msid");
	ok(strstr(sdp, "a=setup:actpass\r\n") != NULL, "actpass: the browser picks active");
	ok(strstr(sdp, "a=candidate:1 1 UDP") != NULL && strstr(sdp, "a=end-of-candidates") != NULL,
	   "candidates on the first m-line");
	ok(strstr(sdp, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level") != NULL, "audio level extension");
	ok(strstr(sdp, "a=rtcp-fb:96 nack pli") != NULL && strstr(sdp, "a=rtcp-fb:96 ccm fir") != NULL,
	   "PLI and FIR feedback");
	g_free(sdp);
	m[1].dir = MEDIA_DIR_RECVONLY;
	m[1].pt = 0;
	sdp = media_sdp_offer(&o);
	ok(strstr(sdp, "m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\n") != NULL, "own video: VP8 and H.264 offered");
	ok(strstr(sdp, "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f") != NULL,
	   "H.264 constrained baseline, packetization mode 1");
	g_free(sdp);
}

int
main(void)
{
	test_answer();
	test_bounds();
	test_offer();
	return tap_done();
}
