/*
 * tls.c: GnuTLS credentials and the peer checks of the traversal zone.
 *
 * GnuTLS directly (not GTlsConnection) because the edge needs three things
 * GIO does not expose: SNI-selected server certificates on the guest
 * listener, a subjectAltName-only check of the inside's client certificate
 * (the seed's "TLS verify subject name": SAN, never the CN), and refusal
 * reasons precise enough for both nodes' logs.  Any thread; no state.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "edge/edge-tls.h"

int
edge_tls_creds(gnutls_certificate_credentials_t *out, const struct edge_pair *pairs,
	       unsigned npairs, const char *ca, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cr;
	int rc;

	if ((rc = gnutls_certificate_allocate_credentials(&cr)) < 0)
		goto fail_alloc;
	for (unsigned i = 0; i < npairs; i++) {
		rc = gnutls_certificate_set_x509_key_file(cr, pairs[i].certificate, pairs[i].key,
							  GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			snprintf(err, errlen, "cannot load certificate %s with key %s: %s",
				 pairs[i].certificate, pairs[i].key, gnutls_strerror(rc));
			goto fail;
		}
	}
	if (ca) {
		rc = gnutls_certificate_set_x509_trust_file(cr, ca, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "cannot load CA bundle %s: %s", ca,
				 rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
			goto fail;
		}
	}
	*out = cr;
	return 0;
fail_alloc:
	snprintf(err, errlen, "%s", gnutls_strerror(rc));
	return -1;
fail:
	gnutls_certificate_free_credentials(cr);
	return -1;
}

/* Every dNSName SAN of crt, passed to fn until it returns nonzero. */
static int
each_san(gnutls_x509_crt_t crt, int (*fn)(const char *san, void *ud), void *ud)
{
	for (unsigned i = 0;; i++) {
		char san[256];
		size_t len = sizeof(san) - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, san, &len, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return 0;
		if (type < 0)
			continue;
		san[len] = '\0';
		if (type == GNUTLS_SAN_DNSNAME && fn(san, ud))
			return 1;
	}
}

/* RFC 6125 matching, case-insensitive; "*." covers exactly one label. */
static int
san_matches(const char *san, void *ud)
{
	const char *name = ud, *dot;

	if (strcasecmp(san, name) == 0)
		return 1;
	if (strncmp(san, "*.", 2) != 0 || !(dot = strchr(name, '.')))
		return 0;
	return dot != name && strcasecmp(san + 1, dot) == 0;
}

int
edge_tls_der_has_san(const gnutls_datum_t *der, const char *name)
{
	gnutls_x509_crt_t crt;
	int found = 0;

	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) >= 0)
		found = each_san(crt, san_matches, (void *)name);
	gnutls_x509_crt_deinit(crt);
	return found;
}

struct san_list { char *buf; size_t len; };

static int
san_collect(const char *san, void *ud)
{
	struct san_list *l = ud;
	size_t used = strlen(l->buf);

	snprintf(l->buf + used, l->len - used, "%s%s", used ? ", " : "", san);
	return 0;
}

int
edge_tls_file_has_san(const char *path, const char *name, char *sans, size_t sanslen)
{
	gnutls_datum_t pem = { 0 };
	gnutls_x509_crt_t crt = NULL;
	struct san_list l = { sans, sanslen };
	int ret = -1;

	sans[0] = '\0';
	if (gnutls_load_file(path, &pem) < 0 || gnutls_x509_crt_init(&crt) < 0)
		goto out;
	if (gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0)
		goto out;
	each_san(crt, san_collect, &l);
	ret = each_san(crt, san_matches, (void *)name);
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	gnutls_free(pem.data);
	return ret;
}

int
edge_tls_check_peer(gnutls_session_t s, const char *expect, char *why, size_t whylen)
{
	const gnutls_datum_t *chain;
	unsigned n = 0, status = 0;
	gnutls_datum_t msg = { 0 };

	chain = gnutls_certificate_get_peers(s, &n);
	if (!chain || n == 0) {
		snprintf(why, whylen, "no client certificate presented");
		return -1;
	}
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status) {
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &msg, 0);
		snprintf(why, whylen, "certificate not trusted: %s",
			 msg.data ? (const char *)msg.data : "verification failed");
		gnutls_free(msg.data);
		return -1;
	}
	if (expect && !edge_tls_der_has_san(&chain[0], expect)) {
		snprintf(why, whylen, "certificate subjectAltName does not include %s", expect);
		return -1;
	}
	return 0;
}

int
edge_tls_secret_equal(const char *a, const char *b)
{
	guint8 da[32], db[32];
	gsize la = sizeof(da), lb = sizeof(db);
	GChecksum *ca = g_checksum_new(G_CHECKSUM_SHA256);
	GChecksum *cb = g_checksum_new(G_CHECKSUM_SHA256);

	/* Hash first so the compare is over equal, fixed lengths. */
	g_checksum_update(ca, (const guchar *)a, -1);
	g_checksum_update(cb, (const guchar *)b, -1);
	g_checksum_get_digest(ca, da, &la);
	g_checksum_get_digest(cb, db, &lb);
	g_checksum_free(ca);
	g_checksum_free(cb);
	return gnutls_memcmp(da, db, sizeof(da)) == 0;
}
