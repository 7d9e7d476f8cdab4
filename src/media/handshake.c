/*
 * handshake.c: a peer's DTLS server session on its ICE component (dtls.c
 * does the GnuTLS part), the retransmit timer, and the two SRTP contexts
 * made from the exported keys once the browser's certificate matches the
 * answer's fingerprint.  Worker thread only.
 */
#include <string.h>

#include "media/peer.h"

static void
dtls_send(void *ctx, const uint8_t *b, size_t n)
{
	media_ice_send(ctx, b, n);
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

/* Secure and connected: the event, and key frames for the new receiver
 * from every publisher it sees. */
static void
connected(struct media_peer *p)
{
	char *t = g_strdup_printf("%s; SRTP %s", p->pair, p->profile);

	p->connected = 1;
	media_peer_timer_off(p, &p->ice_timer);
	media_peer_emit_text(p, MEDIA_EV_CONNECTED, t);
	g_free(t);
	for (guint i = 0; i < p->room->peers->len; i++) {
		struct media_peer *q = g_ptr_array_index(p->room->peers, i);
		if (q != p)
			media_fwd_pli(q, MEDIA_VIDEO);
	}
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
		media_peer_fail(p, err ? err : "SRTP setup failed");
		return;
	}
	explicit_bzero(&k, sizeof(k));
	p->secure = 1;
	g_strlcpy(p->profile, k.profile == MEDIA_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM"
			      : "AES_CM_128_HMAC_SHA1_80", sizeof(p->profile));
	connected(p);
}

static gboolean
dtls_timer_cb(gpointer data)
{
	struct media_peer *p = data;

	p->dtls_timer = 0;
	media_handshake_input(p, NULL, 0);
	return G_SOURCE_REMOVE;
}

static void
dtls_arm(struct media_peer *p)
{
	int ms = p->dtls ? media_dtls_timeout(p->dtls) : -1;

	media_peer_timer_off(p, &p->dtls_timer);
	if (ms < 0 || p->failed)
		return;
	p->dtls_timer = media_peer_timer_on(p, (unsigned)(ms > 0 ? ms : 1), dtls_timer_cb);
}

void
media_handshake_input(struct media_peer *p, const uint8_t *b, size_t n)
{
	const char *err = NULL;
	int rc;

	if (!p->dtls)
		p->dtls = media_dtls_new(p->env->cert, dtls_send, p);
	if (!p->dtls)
		return;
	rc = media_dtls_input(p->dtls, b, n, &err);
	if (rc == 1)
		dtls_done(p);
	else if (rc < 0 && !p->secure)
		media_peer_fail(p, err);
	dtls_arm(p);
}

void
media_handshake_reset(struct media_peer *p)
{
	media_dtls_free(p->dtls);
	p->dtls = NULL;
	media_peer_timer_off(p, &p->dtls_timer);
}

void
media_handshake_free(struct media_peer *p)
{
	media_handshake_reset(p);
	if (p->srtp_in)
		srtp_dealloc(p->srtp_in);
	if (p->srtp_out)
		srtp_dealloc(p->srtp_out);
	p->srtp_in = p->srtp_out = NULL;
}
