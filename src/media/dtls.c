/*
 * dtls.c: DTLS 1.2 server for DTLS-SRTP (RFC 5763/5764) with GnuTLS.
 * The browser is always the DTLS client (our offers say actpass, Chrome
 * answers active).  Records go out through the caller's send function
 * (libnice); datagrams come in through media_dtls_input.  Non-blocking:
 * GnuTLS pulls from a one-datagram slot and gets EAGAIN otherwise.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/x509.h>

#include "media/media-internal.h"

#define DTLS_MTU 1200
/* GnuTLS 3.7 (Debian bookworm) knows no AEAD SRTP profile; with a GnuTLS
 * that does, add "SRTP_AEAD_AES_128_GCM:" in front (srtp_make has the
 * libsrtp side). */
#define DTLS_SRTP_PROFILES "SRTP_AES128_CM_HMAC_SHA1_80"

struct media_dtls {
	gnutls_session_t s;
	media_dtls_send_fn send;
	void *ctx;
	const uint8_t *in;          /* the datagram being fed, or NULL */
	size_t inlen;
	int done;
};

/* ---- certificate ------------------------------------------------------------ */

static int
cert_fingerprint(gnutls_x509_crt_t crt, char *out, size_t cap)
{
	uint8_t fp[32];
	size_t n = sizeof(fp);

	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) < 0 || n != 32)
		return -1;
	for (size_t i = 0; i < n && 3 * i + 3 <= cap; i++)
		g_snprintf(out + 3 * i, cap - 3 * i, "%02X%s", fp[i], i + 1 < n ? ":" : "");
	return 0;
}

int
media_cert_new(struct media_cert *c, const char **err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	uint8_t serial[8];
	time_t now = time(NULL);
	int rc = -1;

	memset(c, 0, sizeof(*c));
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	if (gnutls_x509_privkey_init(&key) < 0 || gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0) {
		*err = "cannot generate the DTLS key (ECDSA P-256)";
		goto out;
	}
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 86400) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "portico", 7) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0 ||
	    cert_fingerprint(crt, c->fingerprint, sizeof(c->fingerprint)) < 0) {
		*err = "cannot make the DTLS certificate";
		goto out;
	}
	if (gnutls_certificate_allocate_credentials(&c->cred) < 0 ||
	    gnutls_certificate_set_x509_key(c->cred, &crt, 1, key) < 0) {
		*err = "cannot load the DTLS certificate";
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && c->cred) {
		gnutls_certificate_free_credentials(c->cred);
		c->cred = NULL;
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

void
media_cert_free(struct media_cert *c)
{
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	c->cred = NULL;
}

/* ---- transport callbacks ----------------------------------------------------- */

static ssize_t
dtls_push(gnutls_transport_ptr_t p, const void *b, size_t n)
{
	struct media_dtls *d = p;

	d->send(d->ctx, b, n);
	return (ssize_t)n;
}

static ssize_t
dtls_pull(gnutls_transport_ptr_t p, void *b, size_t n)
{
	struct media_dtls *d = p;
	size_t k;

	if (!d->in) {
		gnutls_transport_set_errno(d->s, EAGAIN);
		return -1;
	}
	k = d->inlen < n ? d->inlen : n;
	memcpy(b, d->in, k);
	d->in = NULL;
	return (ssize_t)k;
}

static int
dtls_pull_timeout(gnutls_transport_ptr_t p, unsigned ms)
{
	struct media_dtls *d = p;

	return d->in ? 1 : 0;
}

struct media_dtls *
media_dtls_new(const struct media_cert *c, media_dtls_send_fn send, void *ctx)
{
	struct media_dtls *d = g_new0(struct media_dtls, 1);

	d->send = send;
	d->ctx = ctx;
	if (gnutls_init(&d->s, GNUTLS_SERVER | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK) < 0)
		goto fail;
	if (gnutls_priority_set_direct(d->s, "NORMAL:-VERS-ALL:+VERS-DTLS1.2", NULL) < 0 ||
	    gnutls_credentials_set(d->s, GNUTLS_CRD_CERTIFICATE, c->cred) < 0 ||
	    gnutls_srtp_set_profile_direct(d->s, DTLS_SRTP_PROFILES, NULL) < 0)
		goto fail;
	gnutls_certificate_server_set_request(d->s, GNUTLS_CERT_REQUIRE);
	gnutls_dtls_set_mtu(d->s, DTLS_MTU);
	gnutls_dtls_set_timeouts(d->s, 1000, 30000);
	gnutls_transport_set_ptr(d->s, d);
	gnutls_transport_set_push_function(d->s, dtls_push);
	gnutls_transport_set_pull_function(d->s, dtls_pull);
	gnutls_transport_set_pull_timeout_function(d->s, dtls_pull_timeout);
	return d;
fail:
	media_dtls_free(d);
	return NULL;
}

void
media_dtls_free(struct media_dtls *d)
{
	if (!d)
		return;
	if (d->s)
		gnutls_deinit(d->s);
	g_free(d);
}

int
media_dtls_input(struct media_dtls *d, const uint8_t *b, size_t n, const char **err)
{
	int rc;

	d->in = b;
	d->inlen = n;
	if (d->done) {
		uint8_t buf[2048];
		/* After the handshake: alerts, retransmitted Finished; no data
		 * channels are offered, so application data is dropped. */
		rc = (int)gnutls_record_recv(d->s, buf, sizeof(buf));
		d->in = NULL;
		if (rc == 0 || (rc < 0 && gnutls_error_is_fatal(rc))) {
			*err = rc == 0 ? "DTLS closed by the peer" : gnutls_strerror(rc);
			return -1;
		}
		return 0;
	}
	rc = gnutls_handshake(d->s);
	d->in = NULL;
	if (rc == GNUTLS_E_SUCCESS) {
		d->done = 1;
		return 1;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(rc))
		return 0;
	*err = gnutls_strerror(rc);
	return -1;
}

int
media_dtls_timeout(struct media_dtls *d)
{
	return d->done ? -1 : (int)gnutls_dtls_get_timeout(d->s);
}

static int
dtls_check_peer(struct media_dtls *d, const char *want)
{
	const gnutls_datum_t *certs;
	unsigned n = 0;
	uint8_t fp[32];
	size_t fplen = sizeof(fp);
	char hex[100];

	certs = gnutls_certificate_get_peers(d->s, &n);
	if (!certs || n == 0)
		return -1;
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &certs[0], fp, &fplen) < 0 || fplen != 32)
		return -1;
	for (size_t i = 0; i < fplen; i++)
		g_snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02X%s", fp[i], i + 1 < fplen ? ":" : "");
	return g_ascii_strcasecmp(hex, want) ? -1 : 0;
}

int
media_dtls_keys(struct media_dtls *d, const char *fingerprint, struct media_srtp_keys *k,
		const char **err)
{
	gnutls_srtp_profile_t prof;
	gnutls_datum_t ck, cs, sk, ss;
	uint8_t km[2 * (16 + 14)];

	if (dtls_check_peer(d, fingerprint) < 0) {
		*err = "the browser's DTLS certificate does not match its SDP fingerprint";
		return -1;
	}
	if (gnutls_srtp_get_selected_profile(d->s, &prof) < 0) {
		*err = "no SRTP profile negotiated";
		return -1;
	}
	if (prof != GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80) {
		*err = "unexpected SRTP profile negotiated";
		return -1;
	}
	k->profile = MEDIA_SRTP_AES_CM_80;
	if (gnutls_srtp_get_keys(d->s, km, sizeof(km), &ck, &cs, &sk, &ss) < 0 ||
	    ck.size + cs.size > sizeof(k->rx) || sk.size + ss.size > sizeof(k->tx)) {
		*err = "cannot export the SRTP keys";
		return -1;
	}
	/* The browser (client) writes with the client key; we with the server's. */
	memcpy(k->rx, ck.data, ck.size);
	memcpy(k->rx + ck.size, cs.data, cs.size);
	memcpy(k->tx, sk.data, sk.size);
	memcpy(k->tx + sk.size, ss.data, ss.size);
	gnutls_memset(km, 0, sizeof(km));
	return 0;
}
