/*
 * libFuzzer harness: src/media/sdp.c.  The browser's answer is hostile
 * input (it crosses the guest WebSocket); the parser must stay within its
 * bounds and leave NUL-terminated fields, and the offer builder must cope
 * with whatever the parser let through (m-line ids, candidates).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "media/media-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	if (memchr(s, 0, cap) == NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct media_sdp_answer a;
	struct media_sdp_mline m[MEDIA_SDP_MAX_MLINES];
	const char *cands[MEDIA_SDP_MAX_CANDS];
	struct media_sdp_offer o = { .ufrag = a.ufrag, .pwd = a.pwd, .fingerprint = a.fingerprint };
	char *sdp;

	if (media_sdp_parse_answer((const char *)data, size, &a) != MEDIA_SDP_OK)
		return 0;
	if (a.nm > MEDIA_SDP_MAX_MLINES || a.ncands > MEDIA_SDP_MAX_CANDS)
		__builtin_trap();
	check_str(a.ufrag, sizeof(a.ufrag));
	check_str(a.pwd, sizeof(a.pwd));
	check_str(a.fingerprint, sizeof(a.fingerprint));
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < a.nm; i++) {
		check_str(a.m[i].mid, sizeof(a.m[i].mid));
		m[i].kind = a.m[i].kind;
		memcpy(m[i].mid, a.m[i].mid, sizeof(m[i].mid));
		m[i].dir = a.m[i].dir;
		m[i].rejected = a.m[i].port == 0;
		m[i].ssrc = a.m[i].ssrc;
	}
	for (unsigned i = 0; i < a.ncands; i++) {
		check_str(a.cands[i], sizeof(a.cands[i]));
		cands[i] = a.cands[i];
	}
	o.m = m;
	o.nm = a.nm;
	o.candidates = cands;
	o.ncandidates = a.ncands;
	sdp = media_sdp_offer(&o);
	g_free(sdp);
	return 0;
}
