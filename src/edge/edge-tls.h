/*
 * edge-tls.h: GnuTLS credentials and peer checks (tls.c).
 */
#ifndef PORTICO_EDGE_TLS_H
#define PORTICO_EDGE_TLS_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "edge/edge-base.h"

/* A certificate file and its key file (paths). */
struct edge_pair {
	char *certificate, *key;
};

/* Load cert+key pairs into fresh credentials (several pairs: GnuTLS picks
 * by SNI), optional CA file for peer verification. */
int edge_tls_creds(gnutls_certificate_credentials_t *out, const struct edge_pair *pairs,
		   unsigned npairs, const char *ca, char *err, size_t errlen);
/* Does the certificate (DER) list name in a dNSName SAN (not the CN)? */
int edge_tls_der_has_san(const gnutls_datum_t *der, const char *name);
/* The first certificate of a PEM file: 1 if name is in its SANs, 0 not,
 * -1 unreadable; sans gets a comma list of its dNSName SANs. */
int edge_tls_file_has_san(const char *path, const char *name, char *sans, size_t sanslen);
/* After a handshake: verify the peer chain against the credentials' CA and
 * that its SAN names expect.  0 or -1 with a sentence in why. */
int edge_tls_check_peer(gnutls_session_t s, const char *expect, char *why, size_t whylen);
/* Constant-time equality of two strings of possibly different length. */
int edge_tls_secret_equal(const char *a, const char *b);

#endif
