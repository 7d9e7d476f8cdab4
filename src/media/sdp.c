/*
 * sdp.c: the server's offers and a bounded parser for the browser's
 * answers (RFC 8866, JSEP unified plan with BUNDLE and rtcp-mux).
 * Pure functions: no I/O, no globals; any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media/media-internal.h"

static const char *const dir_names[] = {
	[MEDIA_DIR_INACTIVE] = "inactive", [MEDIA_DIR_SENDONLY] = "sendonly",
	[MEDIA_DIR_RECVONLY] = "recvonly", [MEDIA_DIR_SENDRECV] = "sendrecv",
};

/* ---- offer ----------------------------------------------------------------- */

const char *
media_sdp_codec(int pt)
{
	return pt == MEDIA_PT_OPUS ? "opus" : pt == MEDIA_PT_VP8 ? "VP8" : pt == MEDIA_PT_H264 ? "H264"
										  : NULL;
}

static void
offer_video_codec(GString *s, int pt)
{
	if (pt == MEDIA_PT_VP8)
		g_string_append_printf(s, "a=rtpmap:%d VP8/90000\r\n", pt);
	else
		g_string_append_printf(s, "a=rtpmap:%d H264/90000\r\n"
				       "a=fmtp:%d level-asymmetry-allowed=1;packetization-mode=1;"
				       "profile-level-id=42e01f\r\n", pt, pt);
	g_string_append_printf(s, "a=rtcp-fb:%d ccm fir\r\na=rtcp-fb:%d nack\r\n"
			       "a=rtcp-fb:%d nack pli\r\na=rtcp-fb:%d goog-remb\r\n", pt, pt, pt, pt);
}

/* Codec attributes of an m-line: Opus; VP8 and H.264 for a publisher's
 * own video (VP8 preferred), or the one codec its source publishes. */
static void
offer_codecs(GString *s, const struct media_sdp_mline *m)
{
	if (m->kind == MEDIA_AUDIO) {
		g_string_append_printf(s,
			"a=extmap:%d urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
			"a=rtpmap:%d opus/48000/2\r\n"
			"a=fmtp:%d minptime=10;useinbandfec=1\r\n",
			MEDIA_EXT_AUDIO_LEVEL, MEDIA_PT_OPUS, MEDIA_PT_OPUS);
		return;
	}
	if (m->pt) {
		offer_video_codec(s, m->pt);
		return;
	}
	offer_video_codec(s, MEDIA_PT_VP8);
	offer_video_codec(s, MEDIA_PT_H264);
}

/* The payload types on the m= line. */
static void
offer_formats(GString *s, const struct media_sdp_mline *m)
{
	if (m->kind == MEDIA_AUDIO)
		g_string_append_printf(s, " %d", MEDIA_PT_OPUS);
	else if (m->pt)
		g_string_append_printf(s, " %d", m->pt);
	else
		g_string_append_printf(s, " %d %d", MEDIA_PT_VP8, MEDIA_PT_H264);
}

static void
offer_mline(GString *s, const struct media_sdp_offer *o, const struct media_sdp_mline *m,
	    int first)
{
	const char *kind = m->kind == MEDIA_AUDIO ? "audio" : "video";

	g_string_append_printf(s, "m=%s %d UDP/TLS/RTP/SAVPF", kind, m->rejected ? 0 : 9);
	offer_formats(s, m);
	g_string_append(s, "\r\nc=IN IP4 0.0.0.0\r\n");
	g_string_append_printf(s, "a=rtcp:9 IN IP4 0.0.0.0\r\n"
			       "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
			       "a=fingerprint:%s\r\na=setup:actpass\r\na=mid:%s\r\n",
			       o->ufrag, o->pwd, o->fingerprint, m->mid);
	if (m->rejected) {
		g_string_append(s, "a=inactive\r\na=rtcp-mux\r\n");
		offer_codecs(s, m);
		return;
	}
	g_string_append_printf(s, "a=%s\r\na=rtcp-mux\r\n", dir_names[m->dir]);
	if (m->kind == MEDIA_VIDEO)
		g_string_append(s, "a=rtcp-rsize\r\n");
	offer_codecs(s, m);
	if (m->dir == MEDIA_DIR_SENDONLY && m->ssrc) {
		g_string_append_printf(s, "a=msid:%s %s\r\n", m->stream, m->track);
		g_string_append_printf(s, "a=ssrc:%u cname:%s\r\n", m->ssrc, m->stream);
		g_string_append_printf(s, "a=ssrc:%u msid:%s %s\r\n", m->ssrc, m->stream, m->track);
	}
	if (!first)
		return;
	for (unsigned i = 0; i < o->ncandidates; i++)
		g_string_append_printf(s, "a=%s\r\n", o->candidates[i]);
	g_string_append(s, "a=end-of-candidates\r\n");
}

char *
media_sdp_offer(const struct media_sdp_offer *o)
{
	GString *s = g_string_sized_new(2048);
	int first = 1;

	g_string_append_printf(s, "v=0\r\no=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
			       " IN IP4 127.0.0.1\r\ns=portico\r\nt=0 0\r\na=group:BUNDLE",
			       o->session_id, o->version);
	for (unsigned i = 0; i < o->nm; i++)
		if (!o->m[i].rejected)
			g_string_append_printf(s, " %s", o->m[i].mid);
	g_string_append(s, "\r\na=ice-options:trickle\r\na=msid-semantic: WMS *\r\n");
	for (unsigned i = 0; i < o->nm; i++) {
		offer_mline(s, o, &o->m[i], first && !o->m[i].rejected);
		if (!o->m[i].rejected)
			first = 0;
	}
	return g_string_free(s, FALSE);
}

/* ---- answer ---------------------------------------------------------------- */

/* Copies the value after prefix into out when line starts with it. */
static int
take(const char *line, size_t n, const char *prefix, char *out, size_t cap)
{
	size_t pl = strlen(prefix);

	if (n < pl || memcmp(line, prefix, pl))
		return 0;
	n -= pl;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, line + pl, n);
	out[n] = 0;
	return 1;
}

/* "m=<kind> <port> ...": audio and video are kept; anything else
 * (application, text) is recorded as rejected since we never offer it. */
static int
parse_mline(const char *line, size_t n, struct media_sdp_answer_m *m)
{
	char buf[64], *end;
	size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
	const char *sp;
	long port;

	memcpy(buf, line, k);
	buf[k] = 0;
	sp = strchr(buf, ' ');
	if (!sp)
		return MEDIA_SDP_BAD;
	port = strtol(sp + 1, &end, 10);
	if (end == sp + 1 || port < 0 || port > 65535)
		return MEDIA_SDP_BAD;
	/* "<port> <proto> <fmt> ...": the first format is the codec in use. */
	m->pt = -1;
	sp = strchr(end, ' ') ? strchr(strchr(end, ' ') + 1, ' ') : NULL;
	if (sp && g_ascii_isdigit(sp[1])) {
		long pt = strtol(sp + 1, &end, 10);
		if (pt >= 0 && pt <= 127)
			m->pt = (int)pt;
	}
	m->dir = MEDIA_DIR_SENDRECV;
	m->kind = strncmp(buf, "m=video ", 8) ? MEDIA_AUDIO : MEDIA_VIDEO;
	m->port = (!strncmp(buf, "m=audio ", 8) || !strncmp(buf, "m=video ", 8)) ? (int)port : 0;
	return 0;
}

static void
parse_dir(const char *line, size_t n, enum media_dir *dir)
{
	static const struct { const char *s; enum media_dir d; } t[] = {
		{ "a=sendonly", MEDIA_DIR_SENDONLY }, { "a=recvonly", MEDIA_DIR_RECVONLY },
		{ "a=sendrecv", MEDIA_DIR_SENDRECV }, { "a=inactive", MEDIA_DIR_INACTIVE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
		if (n == strlen(t[i].s) && !memcmp(line, t[i].s, n))
			*dir = t[i].d;
}

static void
parse_ssrc(const char *line, size_t n, struct media_sdp_answer_m *m)
{
	char buf[16];
	size_t k = 0;

	if (n < 8 || memcmp(line, "a=ssrc:", 7) || m->ssrc)
		return;
	for (size_t i = 7; i < n && k < sizeof(buf) - 1 && g_ascii_isdigit(line[i]); i++)
		buf[k++] = line[i];
	buf[k] = 0;
	if (k && k <= 10) {
		unsigned long long v = strtoull(buf, NULL, 10);
		if (v <= 0xffffffffull)
			m->ssrc = (uint32_t)v;
	}
}

/* Session- or media-level attribute line. */
static int
parse_attr(struct media_sdp_answer *a, const char *line, size_t n)
{
	struct media_sdp_answer_m *m = a->nm ? &a->m[a->nm - 1] : NULL;
	char fp[160];

	if (take(line, n, "a=ice-ufrag:", a->ufrag, sizeof(a->ufrag)) ||
	    take(line, n, "a=ice-pwd:", a->pwd, sizeof(a->pwd)) ||
	    take(line, n, "a=setup:", a->setup, sizeof(a->setup)))
		return 0;
	if (take(line, n, "a=fingerprint:", fp, sizeof(fp))) {
		if (!g_ascii_strncasecmp(fp, "sha-256 ", 8))
			g_strlcpy(a->fingerprint, fp + 8, sizeof(a->fingerprint));
		return 0;
	}
	if (n >= 12 && !memcmp(line, "a=candidate:", 12)) {
		/* Extra candidates are dropped: trickle brings the rest. */
		if (a->ncands < MEDIA_SDP_MAX_CANDS &&
		    take(line, n, "a=", a->cands[a->ncands], sizeof(a->cands[0])))
			a->ncands++;
		return 0;
	}
	if (!m)
		return 0;
	if (take(line, n, "a=mid:", m->mid, sizeof(m->mid)))
		return 0;
	parse_dir(line, n, &m->dir);
	parse_ssrc(line, n, m);
	return 0;
}

int
media_sdp_parse_answer(const char *text, size_t len, struct media_sdp_answer *a)
{
	const char *p = text, *end = text + len;

	memset(a, 0, sizeof(*a));
	if (len > MEDIA_SDP_MAX_LEN)
		return MEDIA_SDP_TOO_LONG;
	if (len < 2 || memcmp(text, "v=", 2))
		return MEDIA_SDP_BAD;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		int rc = 0;

		if (n && p[n - 1] == '\r')
			n--;
		if (n > MEDIA_SDP_MAX_LINE)
			return MEDIA_SDP_TOO_LONG;
		if (n >= 2 && p[0] == 'm' && p[1] == '=') {
			if (a->nm >= MEDIA_SDP_MAX_MLINES)
				return MEDIA_SDP_TOO_MANY;
			rc = parse_mline(p, n, &a->m[a->nm++]);
		} else if (n >= 2 && p[0] == 'a' && p[1] == '=') {
			rc = parse_attr(a, p, n);
		}
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return a->nm ? MEDIA_SDP_OK : MEDIA_SDP_BAD;
}
