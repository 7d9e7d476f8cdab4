/*
 * peer.c: one participant on its worker: the libnice agent (full ICE,
 * controlling, relay candidates on the configured TURN servers), the DTLS
 * server and the two SRTP contexts, the m-lines of its offers, RTP
 * forwarding to the other peers of its room and RTCP handling (PLI/FIR
 * and NACK relayed to the publisher, receiver reports terminated here).
 * Worker thread only.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/plog.h"
#include "media/worker.h"

#define MAX_PACKET 1600
#define PLI_MIN_USEC (300 * 1000)

static void peer_offer(struct media_peer *p);

/* Timers live on the worker's context, not the default one. */
static void
timer_off(struct media_peer *p, guint *id)
{
	GSource *s = *id ? g_main_context_find_source_by_id(p->w->ctx, *id) : NULL;

	if (s)
		g_source_destroy(s);
	*id = 0;
}

/* ---- m-lines -------------------------------------------------------------------- */

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

static struct media_peer *
room_peer(struct mroom *r, uint32_t id)
{
	for (guint i = 0; i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		if (q->id == id)
			return q;
	}
	return NULL;
}

static struct mline *
mline_for(struct media_peer *p, uint32_t src, enum media_kind kind)
{
	for (guint i = 0; i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		if (m->src == src && m->sdp.kind == kind && !m->sdp.rejected)
			return m;
	}
	return NULL;
}

/* Brings p's m-lines in line with the room: one sendonly m-line per track
 * of each other peer, rejected (port 0) once its source is gone.  Returns
 * 1 when something changed. */
static int
mlines_sync(struct media_peer *p)
{
	int changed = 0;

	for (guint i = 0; i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		struct media_peer *q;
		if (!m->src || m->sdp.rejected)
			continue;
		q = room_peer(p->room, m->src);
		if (!q || q->pub[m->sdp.kind].ssrc != m->sdp.ssrc ||
		    (m->sdp.kind == MEDIA_VIDEO && q->pub[MEDIA_VIDEO].pt != m->sdp.pt)) {
			m->sdp.rejected = 1;
			m->negotiated = 0;
			changed = 1;
		}
	}
	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		for (int k = MEDIA_AUDIO; q != p && k <= MEDIA_VIDEO; k++) {
			if (!q->pub[k].ssrc || mline_for(p, q->id, k))
				continue;
			if (p->m->len >= MEDIA_SDP_MAX_MLINES)
				return changed;
			mline_add(p, k, q->id, q->label, q->pub[k].ssrc, q->pub[k].pt);
			changed = 1;
		}
	}
	return changed;
}

/* ---- sending ------------------------------------------------------------------- */

static void
peer_send_raw(struct media_peer *p, const uint8_t *b, size_t n)
{
	nice_agent_send(p->agent, p->stream, 1, (guint)n, (const gchar *)b);
}

static void
peer_send_rtcp(struct media_peer *p, const uint8_t *b, size_t n)
{
	uint8_t buf[MAX_PACKET + SRTP_MAX_TRAILER_LEN];
	int len = (int)n;

	if (!p->secure || n > MAX_PACKET)
		return;
	memcpy(buf, b, n);
	if (srtp_protect_rtcp(p->srtp_out, buf, &len) != srtp_err_status_ok)
		return;
	peer_send_raw(p, buf, (size_t)len);
}

static void
peer_pli(struct media_peer *p, enum media_kind kind)
{
	uint8_t b[12];
	gint64 now = g_get_monotonic_time();
	struct mtrack *t = &p->pub[kind];

	if (!t->ssrc || now - t->last_pli < PLI_MIN_USEC)
		return;
	t->last_pli = now;
	if (media_rtcp_pli(b, sizeof(b), p->own_ssrc, t->ssrc) > 0)
		peer_send_rtcp(p, b, sizeof(b));
}

void
media_peer_request_keyframe(struct media_peer *p)
{
	peer_pli(p, MEDIA_VIDEO);
}

/* ---- receiving: RTP --------------------------------------------------------------- */

/* RFC 3550 A.1 sequence accounting and A.8 jitter (90 kHz / 48 kHz). */
static void
track_update(struct mtrack *t, const struct media_rtp *r, size_t n, uint32_t rate)
{
	uint32_t arrival = (uint32_t)(g_get_monotonic_time() * (gint64)rate / G_USEC_PER_SEC);
	uint32_t transit = arrival - r->ts;

	if (!t->started) {
		t->started = 1;
		t->base_seq = r->seq;
		t->max_seq = r->seq;
	} else if ((uint16_t)(r->seq - t->max_seq) < 0x8000) {
		if (r->seq < t->max_seq)
			t->cycles += 0x10000;
		t->max_seq = r->seq;
	}
	if (t->have_transit) {
		int32_t d = (int32_t)(transit - t->transit);
		uint32_t ad = (uint32_t)(d < 0 ? -d : d);
		t->jitter += ad - ((t->jitter + 8) >> 4);
	}
	t->transit = transit;
	t->have_transit = 1;
	t->received++;
	t->packets++;
	t->bytes += n;
}

static void
forward_rtp(struct media_peer *p, enum media_kind kind, const uint8_t *b, size_t n)
{
	uint8_t buf[MAX_PACKET + SRTP_MAX_TRAILER_LEN];

	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		struct mline *m;
		int len = (int)n;
		if (q == p || !q->secure || !(m = mline_for(q, p->id, kind)) || !m->negotiated)
			continue;
		/* SRTP keys differ per leg, so each leg gets its own copy. */
		memcpy(buf, b, n);
		if (srtp_protect(q->srtp_out, buf, &len) != srtp_err_status_ok)
			continue;
		peer_send_raw(q, buf, (size_t)len);
		q->tx_bytes[kind] += n;
		q->tx_packets[kind]++;
	}
}

static void
on_rtp(struct media_peer *p, uint8_t *b, int len)
{
	struct media_rtp r;
	enum media_kind kind;
	struct mtrack *t;

	if (srtp_unprotect(p->srtp_in, b, &len) != srtp_err_status_ok || len > MAX_PACKET)
		return;
	if (media_rtp_parse(b, (size_t)len, MEDIA_EXT_AUDIO_LEVEL, &r) < 0)
		return;
	if (r.pt == MEDIA_PT_OPUS)
		kind = MEDIA_AUDIO;
	else if (r.pt == MEDIA_PT_VP8 || r.pt == MEDIA_PT_H264)
		kind = MEDIA_VIDEO;
	else
		return;
	t = &p->pub[kind];
	if (t->ssrc != r.ssrc || t->pt != r.pt) {
		/* First packet of a source (or codec) the answer did not declare. */
		memset(t, 0, sizeof(*t));
		t->ssrc = r.ssrc;
		t->pt = r.pt;
		t->level_min = 127;
		for (guint i = 0; i < p->room->peers->len; i++)
			media_peer_room_changed(g_ptr_array_index(p->room->peers, i));
	}
	track_update(t, &r, (size_t)len, kind == MEDIA_AUDIO ? 48000 : 90000);
	if (kind == MEDIA_AUDIO && r.level >= 0 && r.level < t->level_min)
		t->level_min = r.level;
	if (kind == MEDIA_VIDEO) {
		t->frames += (uint32_t)r.marker;
		if (r.pt == MEDIA_PT_VP8)
			media_rtp_vp8_keyframe(b + r.hdrlen, r.plen, &t->width, &t->height);
	}
	forward_rtp(p, kind, b, (size_t)len);
}

/* ---- receiving: RTCP ------------------------------------------------------------- */

static struct media_peer *
publisher_of(struct mroom *r, uint32_t ssrc, enum media_kind *kind)
{
	for (guint i = 0; ssrc && i < r->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(r->peers, i);
		for (int k = MEDIA_AUDIO; k <= MEDIA_VIDEO; k++)
			if (q->pub[k].ssrc == ssrc) {
				*kind = (enum media_kind)k;
				return q;
			}
	}
	return NULL;
}

/* A NACK for a publisher's packets: relayed with our sender SSRC. */
static void
relay_nack(struct media_peer *q, const struct media_rtcp *c)
{
	uint8_t buf[MAX_PACKET];

	if (c->len > sizeof(buf) || c->len < 12)
		return;
	memcpy(buf, c->pkt, c->len);
	buf[4] = (uint8_t)(q->own_ssrc >> 24);
	buf[5] = (uint8_t)(q->own_ssrc >> 16);
	buf[6] = (uint8_t)(q->own_ssrc >> 8);
	buf[7] = (uint8_t)q->own_ssrc;
	peer_send_rtcp(q, buf, c->len);
}

/* Receiver reports about what we send p: kept as p's tx loss and jitter,
 * not forwarded (each leg's reports end here). */
static void
take_reports(struct media_peer *p, const struct media_rtcp *c)
{
	struct media_rtcp_block blk[8];
	unsigned n = media_rtcp_blocks(c, blk, 8);
	enum media_kind kind;

	for (unsigned i = 0; i < n; i++)
		if (publisher_of(p->room, blk[i].ssrc, &kind)) {
			p->tx_fraction[kind] = blk[i].fraction;
			p->tx_jitter[kind] = blk[i].jitter;
		}
}

/* A receiver's bandwidth estimate: the publishers it names keep the lowest
 * recent one, so their encoders follow the worst receiver (stats.c). */
static void
take_remb(struct media_peer *p, const struct media_rtcp *c)
{
	uint32_t bitrate, ssrcs[8];
	int n = media_rtcp_remb_parse(c, &bitrate, ssrcs, 8);
	gint64 now = g_get_monotonic_time();
	enum media_kind kind;

	for (int i = 0; i < n; i++) {
		struct media_peer *q = publisher_of(p->room, ssrcs[i], &kind);
		if (!q || q == p)
			continue;
		if (!q->remb_min || bitrate < q->remb_min || now - q->remb_at > 3 * G_USEC_PER_SEC) {
			q->remb_min = bitrate;
			q->remb_at = now;
		}
	}
}

static void
rtcp_item(void *ctx, const struct media_rtcp *c)
{
	struct media_peer *p = ctx, *q;
	enum media_kind kind;

	if (c->pt == 200 || c->pt == 201) {
		take_reports(p, c);
		return;
	}
	if (c->pt == 206 && c->fmt == 15) {
		take_remb(p, c);
		return;
	}
	q = publisher_of(p->room, c->media, &kind);
	if (!q || q == p)
		return;
	if (c->pt == 206 && (c->fmt == 1 || c->fmt == 4))
		peer_pli(q, kind);          /* PLI, or FIR answered as PLI */
	else if (c->pt == 205 && c->fmt == 1)
		relay_nack(q, c);
}

static void
on_rtcp(struct media_peer *p, uint8_t *b, int len)
{
	if (srtp_unprotect_rtcp(p->srtp_in, b, &len) != srtp_err_status_ok)
		return;
	media_rtcp_walk(b, (size_t)len, rtcp_item, p);
}

/* ---- DTLS and SRTP ----------------------------------------------------------------- */

static void
dtls_send(void *ctx, const uint8_t *b, size_t n)
{
	peer_send_raw(ctx, b, n);
}

static int
srtp_make(srtp_t *s, enum media_srtp_profile prof, uint8_t *key, int inbound)
{
	srtp_policy_t pol;

	memset(&pol, 0, sizeof(pol));
	if (prof == MEDIA_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
	} else {
		srtp_crypto_policy_set_rtp_default(&pol.rtp);
		srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
	}
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = key;
	pol.window_size = 1024;
	pol.allow_repeat_tx = 1;    /* retransmissions the publisher sends */
	return srtp_create(s, &pol) == srtp_err_status_ok ? 0 : -1;
}

static void
peer_fail(struct media_peer *p, const char *reason)
{
	if (p->failed)
		return;
	p->failed = 1;
	media_emit_text(p, MEDIA_EV_FAILED, reason);
}

static void
dtls_done(struct media_peer *p)
{
	struct media_srtp_keys k;
	const char *err = NULL;

	if (media_dtls_keys(p->dtls, p->remote_fp, &k, &err) < 0 ||
	    srtp_make(&p->srtp_in, k.profile, k.rx, 1) < 0 ||
	    srtp_make(&p->srtp_out, k.profile, k.tx, 0) < 0) {
		explicit_bzero(&k, sizeof(k));
		peer_fail(p, err ? err : "SRTP setup failed");
		return;
	}
	explicit_bzero(&k, sizeof(k));
	p->secure = 1;
	g_strlcpy(p->profile, k.profile == MEDIA_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM"
			      : "AES_CM_128_HMAC_SHA1_80", sizeof(p->profile));
	p->connected = 1;
	timer_off(p, &p->ice_timer);
	{
		char *t = g_strdup_printf("%s; SRTP %s", p->pair, p->profile);
		media_emit_text(p, MEDIA_EV_CONNECTED, t);
		g_free(t);
	}
	/* A new receiver needs key frames from every publisher it sees. */
	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		if (q != p)
			peer_pli(q, MEDIA_VIDEO);
	}
}

static void dtls_arm(struct media_peer *p);

static void
on_dtls(struct media_peer *p, const uint8_t *b, size_t n)
{
	const char *err = NULL;
	int rc;

	if (!p->dtls)
		p->dtls = media_dtls_new(&p->w->e->cert, dtls_send, p);
	if (!p->dtls)
		return;
	rc = media_dtls_input(p->dtls, b, n, &err);
	if (rc == 1)
		dtls_done(p);
	else if (rc < 0 && !p->secure)
		peer_fail(p, err);
	dtls_arm(p);
}

static gboolean
dtls_timer_cb(gpointer data)
{
	struct media_peer *p = data;

	p->dtls_timer = 0;
	on_dtls(p, NULL, 0);
	return G_SOURCE_REMOVE;
}

static void
dtls_arm(struct media_peer *p)
{
	int ms = p->dtls ? media_dtls_timeout(p->dtls) : -1;
	GSource *s;

	timer_off(p, &p->dtls_timer);
	if (ms < 0 || p->failed)
		return;
	s = g_timeout_source_new((guint)(ms > 0 ? ms : 1));
	g_source_set_callback(s, dtls_timer_cb, p, NULL);
	p->dtls_timer = g_source_attach(s, p->w->ctx);
	g_source_unref(s);
}

static void
on_recv(NiceAgent *agent, guint stream, guint comp, guint len, gchar *buf, gpointer data)
{
	struct media_peer *p = data;
	uint8_t *b = (uint8_t *)buf;

	if (len < 2 || p->failed)
		return;
	if (b[0] >= 20 && b[0] <= 63)
		on_dtls(p, b, len);
	else if (b[0] >= 128 && b[0] <= 191 && p->secure && len <= MAX_PACKET) {
		if (media_rtp_is_rtcp(b, len))
			on_rtcp(p, b, (int)len);
		else
			on_rtp(p, b, (int)len);
	}
}

/* ---- ICE ------------------------------------------------------------------------ */

static void
on_state(NiceAgent *agent, guint stream, guint comp, guint state, gpointer data)
{
	struct media_peer *p = data;

	if (state == NICE_COMPONENT_STATE_FAILED && !p->connected)
		peer_fail(p, p->nturn && !p->relays ? "ICE failure; relay candidate creation timeout"
						    : "ICE failure");
}

static void
on_pair(NiceAgent *agent, guint stream, guint comp, NiceCandidate *l, NiceCandidate *r,
	gpointer data)
{
	static const char *const types[] = { "host", "srflx", "prflx", "relay" };
	struct media_peer *p = data;
	char la[NICE_ADDRESS_STRING_LEN], ra[NICE_ADDRESS_STRING_LEN];

	nice_address_to_string(&l->addr, la);
	nice_address_to_string(&r->addr, ra);
	g_snprintf(p->pair, sizeof(p->pair), "%s %s:%u <-> %s %s:%u",
		   types[l->type < 4 ? l->type : 0], la, nice_address_get_port(&l->addr),
		   types[r->type < 4 ? r->type : 0], ra, nice_address_get_port(&r->addr));
}

static void
gather_finish(struct media_peer *p)
{
	GSList *cands;

	if (p->gathered)
		return;
	p->gathered = 1;
	timer_off(p, &p->relay_timer);
	cands = nice_agent_get_local_candidates(p->agent, p->stream, 1);
	for (GSList *c = cands; c; c = c->next) {
		NiceCandidate *nc = c->data;
		char *line = nice_agent_generate_local_candidate_sdp(p->agent, nc);
		if (line && g_str_has_prefix(line, "a=") && p->cands->len < MEDIA_SDP_MAX_CANDS)
			g_ptr_array_add(p->cands, g_strdup(line + 2));
		g_free(line);
		p->relays += nc->type == NICE_CANDIDATE_TYPE_RELAYED;
	}
	g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
	if (p->nturn) {
		struct media_event ev = { .type = MEDIA_EV_RELAY, .room = p->room->id, .peer = p->id,
					  .relays = p->relays, .turn_expected = p->nturn };
		media_emit(p->w->e, &ev);
	}
	if (!p->relays && !p->w->e->cfg.host_candidates)
		peer_fail(p, "ICE failure; relay candidate creation timeout");
	peer_offer(p);
}

static void
on_gathered(NiceAgent *agent, guint stream, gpointer data)
{
	gather_finish(data);
}

static gboolean
relay_timeout(gpointer data)
{
	struct media_peer *p = data;

	p->relay_timer = 0;
	gather_finish(p);
	return G_SOURCE_REMOVE;
}

static gboolean
ice_timeout(gpointer data)
{
	struct media_peer *p = data;

	p->ice_timer = 0;
	if (!p->connected)
		peer_fail(p, p->nturn && !p->relays ? "ICE failure; relay candidate creation timeout"
						    : "ICE failure; no connectivity");
	return G_SOURCE_REMOVE;
}

static guint
timer_on(struct media_peer *p, unsigned ms, GSourceFunc fn)
{
	GSource *s = g_timeout_source_new(ms);
	guint id;

	g_source_set_callback(s, fn, p, NULL);
	id = g_source_attach(s, p->w->ctx);
	g_source_unref(s);
	return id;
}

/* TURN servers by address: names are resolved here, on the worker. */
static void
add_relays(struct media_peer *p)
{
	for (unsigned i = 0; i < p->nturn; i++) {
		struct media_turn *t = &p->turn[i];
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG }, *res;
		char ip[64];
		if (getaddrinfo(t->host, NULL, &hints, &res) != 0) {
			plog(PLOG_WARN, "media", "peer %u: TURN server %s does not resolve", p->id, t->host);
			continue;
		}
		getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST);
		freeaddrinfo(res);
		if (t->udp_port)
			nice_agent_set_relay_info(p->agent, p->stream, 1, ip, t->udp_port, t->username,
						  t->password, NICE_RELAY_TYPE_TURN_UDP);
		if (t->tcp_port)
			nice_agent_set_relay_info(p->agent, p->stream, 1, ip, t->tcp_port, t->username,
						  t->password, NICE_RELAY_TYPE_TURN_TCP);
	}
}

static int
agent_setup(struct media_peer *p)
{
	const struct media_config *cfg = &p->w->e->cfg;

	p->agent = nice_agent_new_full(p->w->ctx, NICE_COMPATIBILITY_RFC5245,
				       NICE_AGENT_OPTION_ICE_TRICKLE |
				       NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	if (!p->agent)
		return -1;
	g_object_set(p->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE,
		     "force-relay", !cfg->host_candidates, NULL);
	for (unsigned i = 0; i < cfg->naddresses; i++) {
		NiceAddress a;
		nice_address_init(&a);
		if (nice_address_set_from_string(&a, cfg->addresses[i]))
			nice_agent_add_local_address(p->agent, &a);
	}
	p->stream = nice_agent_add_stream(p->agent, 1);
	if (!p->stream)
		return -1;
	if (cfg->port_min && cfg->port_max)
		nice_agent_set_port_range(p->agent, p->stream, 1, cfg->port_min, cfg->port_max);
	add_relays(p);
	g_signal_connect(p->agent, "candidate-gathering-done", G_CALLBACK(on_gathered), p);
	g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state), p);
	g_signal_connect(p->agent, "new-selected-pair-full", G_CALLBACK(on_pair), p);
	nice_agent_attach_recv(p->agent, p->stream, 1, p->w->ctx, on_recv, p);
	if (!nice_agent_gather_candidates(p->agent, p->stream))
		return -1;
	return 0;
}

/* ---- offers and answers ------------------------------------------------------------ */

static void
peer_offer(struct media_peer *p)
{
	struct media_sdp_offer o = { 0 };
	struct media_sdp_mline *ml;
	gchar *ufrag = NULL, *pwd = NULL;
	char fp[140], *sdp;
	struct media_event ev = { .type = MEDIA_EV_OFFER, .room = p->room->id, .peer = p->id };

	if (!p->gathered)
		return;
	if (p->offer_out) {
		p->dirty = 1;
		return;
	}
	mlines_sync(p);
	nice_agent_get_local_credentials(p->agent, p->stream, &ufrag, &pwd);
	g_snprintf(fp, sizeof(fp), "sha-256 %s", p->w->e->cert.fingerprint);
	ml = g_new0(struct media_sdp_mline, p->m->len);
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
	media_emit(p->w->e, &ev);
	p->offer_out = 1;
	p->dirty = 0;
	g_free(sdp);
	g_free(ml);
	g_free(ufrag);
	g_free(pwd);
}

void
media_peer_room_changed(struct media_peer *p)
{
	if (p->offer_out) {
		p->dirty = 1;
		return;
	}
	/* Only re-offer when the m-lines actually change. */
	if (mlines_sync(p)) {
		p->dirty = 1;
		peer_offer(p);
	}
}

/*
 * A guest chooses the addresses the SFU sends ICE checks to: refuse those
 * no guest can own, so a crafted candidate cannot aim the meeting server at
 * its own network's special addresses (the checks carry no payload, but
 * deny by default).  Never: unspecified, multicast, broadcast, link-local
 * (169.254.169.254 included).  Loopback only when the SFU itself is set to
 * use a loopback address ([media] addresses, the one-machine lab).
 */
static const char *
remote_refused(const struct media_peer *p, const NiceCandidate *c)
{
	const struct media_config *cfg = &p->w->e->cfg;
	struct sockaddr_storage ss, canon;
	const char *why = "";
	int loop_ok = 0;

	memset(&ss, 0, sizeof(ss));
	nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&ss);
	addr_canonical(&ss, &canon);
	switch (addr_classify(&canon, &why)) {
	case ADDR_NEVER:
		return why;
	case ADDR_LOOPBACK:
		for (unsigned i = 0; i < cfg->naddresses; i++)
			loop_ok |= !strncmp(cfg->addresses[i], "127.", 4) || !strcmp(cfg->addresses[i], "::1");
		return loop_ok ? NULL : "loopback (the SFU is not set to use loopback)";
	default:
		return NULL;     /* guests on the LAN have private addresses */
	}
}

static void
add_remote(struct media_peer *p, const char *cand)
{
	char *line = g_str_has_prefix(cand, "a=") ? g_strdup(cand) : g_strconcat("a=", cand, NULL);
	NiceCandidate *c;
	GSList *l;

	/* ICE-TCP is off; mDNS (.local) names cannot be used. */
	if (strstr(line, " tcp ") || strstr(line, " TCP ") || strstr(line, ".local ")) {
		g_free(line);
		return;
	}
	c = nice_agent_parse_remote_candidate_sdp(p->agent, p->stream, line);
	g_free(line);
	if (!c)
		return;
	const char *why = remote_refused(p, c);
	if (why) {
		char a[NICE_ADDRESS_STRING_LEN];
		nice_address_to_string(&c->addr, a);
		plog(PLOG_WARN, "media", "guest candidate %s refused: %s", a, why);
		nice_candidate_free(c);
		return;
	}
	l = g_slist_append(NULL, c);
	nice_agent_set_remote_candidates(p->agent, p->stream, 1, l);
	g_slist_free_full(l, (GDestroyNotify)nice_candidate_free);
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

static void
answer_tracks(struct media_peer *p, const struct media_sdp_answer *a)
{
	int room_changed = 0;
	uint8_t sending;

	for (unsigned i = 0; i < a->nm && i < p->m->len; i++) {
		struct mline *m = mline_at(p, i);
		if (m->sdp.rejected)
			continue;
		if (m->src) {
			struct media_peer *q = room_peer(p->room, m->src);
			if (!m->negotiated && q && a->m[i].port)
				peer_pli(q, MEDIA_VIDEO);   /* key frame for the new receiver */
			m->negotiated = a->m[i].port != 0;
			continue;
		}
		sending = own_codec(p, m, &a->m[i]);
		if (a->m[i].ssrc && (a->m[i].ssrc != p->pub[m->sdp.kind].ssrc ||
				     sending != p->pub[m->sdp.kind].pt)) {
			struct mtrack *t = &p->pub[m->sdp.kind];
			memset(t, 0, sizeof(*t));
			t->ssrc = a->m[i].ssrc;
			t->pt = sending;
			t->level_min = 127;
			room_changed = 1;
		}
	}
	if (!room_changed)
		return;
	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		if (q != p)
			media_peer_room_changed(q);
	}
}

void
media_peer_on_answer(struct media_peer *p, const char *sdp)
{
	struct media_sdp_answer *a = g_new0(struct media_sdp_answer, 1);
	int rc = media_sdp_parse_answer(sdp, strlen(sdp), a);

	if (rc < 0 || !p->offer_out || a->nm != p->m->len || !*a->ufrag || !*a->fingerprint) {
		plog(PLOG_WARN, "media", "peer %u: answer refused (parse %d, %u m-lines for %u)",
		     p->id, rc, a->nm, p->m->len);
		goto out;
	}
	p->offer_out = 0;
	g_strlcpy(p->remote_fp, a->fingerprint, sizeof(p->remote_fp));
	if (strcmp(a->ufrag, p->remote_ufrag)) {
		g_strlcpy(p->remote_ufrag, a->ufrag, sizeof(p->remote_ufrag));
		nice_agent_set_remote_credentials(p->agent, p->stream, a->ufrag, a->pwd);
		if (!p->connected && !p->ice_timer && p->w->e->cfg.ice_timeout_ms)
			p->ice_timer = timer_on(p, p->w->e->cfg.ice_timeout_ms, ice_timeout);
	}
	for (unsigned i = 0; i < a->ncands; i++)
		add_remote(p, a->cands[i]);
	answer_tracks(p, a);
	if (p->restart_pending)
		media_peer_on_restart(p);
	else if (p->dirty)
		peer_offer(p);
out:
	g_free(a);
}

void
media_peer_on_candidate(struct media_peer *p, const char *cand)
{
	if (!*cand) {
		nice_agent_peer_candidate_gathering_done(p->agent, p->stream);
		return;
	}
	if (strlen(cand) < 512)
		add_remote(p, cand);
}

/* New local ICE credentials and an offer carrying them.  While an offer is
 * out, the restart waits for its answer: answers then always match the
 * offer they answer. */
void
media_peer_on_restart(struct media_peer *p)
{
	if (!p->gathered)
		return;
	if (p->offer_out) {
		p->restart_pending = 1;
		return;
	}
	p->restart_pending = 0;
	if (p->failed && !p->secure && (p->relays || p->w->e->cfg.host_candidates)) {
		/* A leg that never connected gets a fresh try, DTLS included
		 * (not one without any candidate: a restart makes none). */
		p->failed = 0;
		media_dtls_free(p->dtls);
		p->dtls = NULL;
		timer_off(p, &p->dtls_timer);
	}
	nice_agent_restart_stream(p->agent, p->stream);
	p->remote_ufrag[0] = 0;
	p->dirty = 1;
	peer_offer(p);
}

/* ---- lifetime ---------------------------------------------------------------------- */

struct media_peer *
media_peer_create(struct mworker *w, struct mroom *room, uint32_t id, const char *label,
		  const struct media_turn *turn, unsigned nturn)
{
	struct media_peer *p = g_new0(struct media_peer, 1);

	p->id = id;
	p->w = w;
	p->room = room;
	g_strlcpy(p->label, label, sizeof(p->label));
	if (nturn)
		memcpy(p->turn, turn, nturn * sizeof(*turn));
	p->nturn = nturn;
	p->cands = g_ptr_array_new_with_free_func(g_free);
	p->m = g_array_new(FALSE, TRUE, sizeof(struct mline));
	p->session_id = g_random_int() | (guint64)g_random_int_range(1, 0x7fffffff) << 32;
	p->own_ssrc = g_random_int();
	p->pub[MEDIA_AUDIO].level_min = p->pub[MEDIA_VIDEO].level_min = 127;
	p->level_peak = 127;
	mline_add(p, MEDIA_AUDIO, 0, NULL, 0, 0);
	mline_add(p, MEDIA_VIDEO, 0, NULL, 0, 0);
	plog(PLOG_INFO, "media", "peer %u: setting up combined RTP session for DTLS (worker %u)",
	     id, w->index);
	if (agent_setup(p) < 0) {
		plog(PLOG_ERROR, "media", "peer %u: ICE agent setup failed", id);
		media_peer_destroy(p);
		return NULL;
	}
	p->relay_timer = timer_on(p, w->e->cfg.relay_timeout_ms ? w->e->cfg.relay_timeout_ms : 5000,
				  relay_timeout);
	return p;
}

void
media_peer_destroy(struct media_peer *p)
{
	timer_off(p, &p->relay_timer);
	timer_off(p, &p->ice_timer);
	timer_off(p, &p->dtls_timer);
	if (p->agent) {
		if (p->stream)
			nice_agent_attach_recv(p->agent, p->stream, 1, p->w->ctx, NULL, NULL);
		g_signal_handlers_disconnect_by_data(p->agent, p);
		g_object_unref(p->agent);
	}
	if (p->srtp_in)
		srtp_dealloc(p->srtp_in);
	if (p->srtp_out)
		srtp_dealloc(p->srtp_out);
	media_dtls_free(p->dtls);
	explicit_bzero(p->turn, sizeof(p->turn));
	g_ptr_array_unref(p->cands);
	g_array_unref(p->m);
	g_free(p);
}
