/*
 * negotiate.c: a peer's offer/answer state.  The server makes every offer:
 * m-lines 0 and 1 receive the peer's own audio and video, then one
 * sendonly m-line per track of every other peer of the room, rejected
 * (port 0) once its source is gone.  One offer is outstanding at a time: a
 * change while it is out marks the peer dirty and the answer brings the
 * next offer; an ICE restart asked meanwhile waits for the answer too.
 * The transport is reached through p->neg (struct media_neg_ops).
 * Worker thread only.
 */
#include <string.h>

#include "common/plog.h"
#include "media/peer.h"

static struct mline *
mline_at(struct media_peer *p, guint i)
{
	return &g_array_index(p->m, struct mline, i);
}

static void
mline_add(struct media_peer *p, enum media_kind kind, uint32_t src, const char *stream,
	  uint32_t ssrc, uint8_t pt)
{
	struct mline m = { 0 };

	m.sdp.kind = kind;
	m.sdp.pt = kind == MEDIA_VIDEO ? pt : 0;
	g_snprintf(m.sdp.mid, sizeof(m.sdp.mid), "%u", p->next_mid++);
	m.sdp.dir = src ? MEDIA_DIR_SENDONLY : MEDIA_DIR_RECVONLY;
	m.sdp.ssrc = ssrc;
	m.src = src;
	if (src) {
		g_strlcpy(m.sdp.stream, stream, sizeof(m.sdp.stream));
		g_snprintf(m.sdp.track, sizeof(m.sdp.track), "%s-%s", stream,
			   kind == MEDIA_AUDIO ? "audio" : "video");
	}
	g_array_append_val(p->m, m);
}

void
media_neg_init(struct media_peer *p)
{
	mline_add(p, MEDIA_AUDIO, 0, NULL, 0, 0);
	mline_add(p, MEDIA_VIDEO, 0, NULL, 0, 0);
}

struct media_peer *
media_neg_room_peer(struct mroom *r, uint32_t id)
{
	for (guint i = 0; i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		if (q->id == id)
			return q;
	}
	return NULL;
}

struct mline *
media_neg_mline_for(struct media_peer *p, uint32_t src, enum media_kind kind)
{
	for (guint i = 0; i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		if (m->src == src && m->sdp.kind == kind && !m->sdp.rejected)
			return m;
	}
	return NULL;
}

/* Rejects the m-lines whose source left or changed its SSRC or codec. */
static int
mlines_reject_gone(struct media_peer *p)
{
	int changed = 0;

	for (guint i = 0; i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		struct media_peer *q;
		if (!m->src || m->sdp.rejected)
			continue;
		q = media_neg_room_peer(p->room, m->src);
		if (!q || q->pub[m->sdp.kind].ssrc != m->sdp.ssrc ||
		    (m->sdp.kind == MEDIA_VIDEO && q->pub[MEDIA_VIDEO].pt != m->sdp.pt)) {
			m->sdp.rejected = 1;
			m->negotiated = 0;
			changed = 1;
		}
	}
	return changed;
}

/* Brings p's m-lines in line with the room.  1 when something changed. */
static int
mlines_sync(struct media_peer *p)
{
	int changed = mlines_reject_gone(p);

	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		for (int k = MEDIA_AUDIO; q != p && k <= MEDIA_VIDEO; k++) {
			if (!q->pub[k].ssrc || media_neg_mline_for(p, q->id, k))
				continue;
			if (p->m->len >= MEDIA_SDP_MAX_MLINES)
				return changed;
			mline_add(p, k, q->id, q->label, q->pub[k].ssrc, q->pub[k].pt);
			changed = 1;
		}
	}
	return changed;
}

static void
offer_send(struct media_peer *p)
{
	struct media_sdp_offer o = { 0 };
	struct media_event ev = { .type = MEDIA_EV_OFFER };
	struct media_sdp_mline *ml = g_new0(struct media_sdp_mline, p->m->len);
	char *ufrag = NULL, *pwd = NULL, fp[140], *sdp;

	p->neg->local_ice(p, &ufrag, &pwd);
	g_snprintf(fp, sizeof(fp), "sha-256 %s", p->env->cert->fingerprint);
	for (guint i = 0; i < p->m->len; i++)
		ml[i] = mline_at(p, i)->sdp;
	o.session_id = p->session_id;
	o.version = ++p->version;
	o.ufrag = ufrag;
	o.pwd = pwd;
	o.fingerprint = fp;
	o.candidates = (const char *const *)p->cands->pdata;
	o.ncandidates = p->cands->len;
	o.m = ml;
	o.nm = p->m->len;
	sdp = media_sdp_offer(&o);
	ev.sdp = sdp;
	media_peer_emit(p, &ev);
	p->offer_out = 1;
	p->dirty = 0;
	g_free(sdp);
	g_free(ml);
	g_free(ufrag);
	g_free(pwd);
}

void
media_neg_offer(struct media_peer *p)
{
	if (!p->gathered)
		return;
	if (p->offer_out) {
		p->dirty = 1;
		return;
	}
	mlines_sync(p);
	offer_send(p);
}

void
media_neg_room_changed(struct media_peer *p)
{
	if (p->offer_out) {
		p->dirty = 1;
		return;
	}
	/* Only re-offer when the m-lines actually change. */
	if (mlines_sync(p)) {
		p->dirty = 1;
		media_neg_offer(p);
	}
}

void
media_neg_room_all(struct mroom *r, const struct media_peer *except)
{
	for (guint i = 0; i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		if (q != except)
			media_neg_room_changed(q);
	}
}

/* The codec a publisher's answer picked (its first format), if ours. */
static uint8_t
answer_pt(const struct media_sdp_answer_m *m)
{
	if (m->kind == MEDIA_AUDIO)
		return MEDIA_PT_OPUS;
	return m->pt == MEDIA_PT_H264 ? MEDIA_PT_H264 : MEDIA_PT_VP8;
}

/* The codec the guest sends on its own m-line.  A browser sends with the
 * first codec of the offer it answered, so when its answer prefers H.264
 * to our VP8-first offer, it still sends VP8 now; the next offer then
 * lists its codec alone and it switches. */
static uint8_t
own_codec(struct media_peer *p, struct mline *m, const struct media_sdp_answer_m *am)
{
	uint8_t chosen = answer_pt(am), sending;

	if (m->sdp.kind == MEDIA_AUDIO)
		return MEDIA_PT_OPUS;
	sending = m->sdp.pt ? chosen : MEDIA_PT_VP8;
	if (!m->sdp.pt && chosen != MEDIA_PT_VP8) {
		m->sdp.pt = chosen;
		p->dirty = 1;
	}
	return sending;
}

/* A receiving m-line answered: forwarding starts (with a key frame). */
static void
answer_receiving(struct media_peer *p, struct mline *m, const struct media_sdp_answer_m *am)
{
	struct media_peer *q = media_neg_room_peer(p->room, m->src);

	if (!m->negotiated && q && am->port)
		p->neg->keyframe(q);
	m->negotiated = am->port != 0;
}

/* The peer's own m-line answered: 1 when it now publishes another track. */
static int
answer_own(struct media_peer *p, struct mline *m, const struct media_sdp_answer_m *am)
{
	uint8_t sending = own_codec(p, m, am);
	struct mtrack *t = &p->pub[m->sdp.kind];

	if (!am->ssrc || (am->ssrc == t->ssrc && sending == t->pt))
		return 0;
	media_peer_track_reset(t, am->ssrc, sending);
	return 1;
}

static void
answer_tracks(struct media_peer *p, const struct media_sdp_answer *a)
{
	int room_changed = 0;

	for (unsigned i = 0; i < a->nm && i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		if (m->sdp.rejected)
			continue;
		if (m->src)
			answer_receiving(p, m, &a->m[i]);
		else
			room_changed |= answer_own(p, m, &a->m[i]);
	}
	if (room_changed)
		media_neg_room_all(p->room, p);
}

int
media_neg_answer(struct media_peer *p, const char *sdp)
{
	struct media_sdp_answer *a = g_new0(struct media_sdp_answer, 1);
	int rc = media_sdp_parse_answer(sdp, strlen(sdp), a);

	if (rc < 0 || !p->offer_out || a->nm != p->m->len || !*a->ufrag || !*a->fingerprint) {
		plog(PLOG_WARN, "media", "peer %u: answer refused (parse %d, %u m-lines for %u)",
		     p->id, rc, a->nm, p->m->len);
		rc = -1;
		goto out;
	}
	rc = 0;
	p->offer_out = 0;
	g_strlcpy(p->remote_fp, a->fingerprint, sizeof(p->remote_fp));
	p->neg->remote_ice(p, a);
	answer_tracks(p, a);
	if (p->restart_pending)
		p->neg->restart(p);
	else if (p->dirty)
		media_neg_offer(p);
out:
	g_free(a);
	return rc;
}

int
media_neg_restart_now(struct media_peer *p)
{
	if (!p->gathered)
		return 0;
	if (p->offer_out) {
		p->restart_pending = 1;
		return 0;
	}
	p->restart_pending = 0;
	return 1;
}
