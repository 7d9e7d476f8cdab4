/*
 * httpc.h: httpc_*, a small blocking HTTP/1.1 client over TCP or TLS (GnuTLS),
 * for `portico lab` (health checks, seeding through the REST API) and
 * `portico doctor` (probes that must see exactly what a guest or an admin
 * sees: which address is dialled, which SNI is sent, which certificate
 * comes back).
 *
 * Why not libsoup: a probe must connect to a numeric address while sending
 * another name in SNI and Host (the lab's names resolve nowhere), and
 * doctor must see the peer's chain even when it does not verify.
 *
 * Blocking, bounded by timeout_ms on every socket operation; call it from
 * a worker thread, never from a main loop callback.  Reentrant; no global
 * state besides GnuTLS's own (gnutls_global_init is reference counted).
 */
#ifndef PORTICO_HTTPC_H
#define PORTICO_HTTPC_H

#include <stddef.h>

#include <glib.h>

struct httpc_req {
	const char *addr;          /* numeric address to dial ("127.0.0.1") */
	int port;
	int tls;                   /* 1: HTTPS */
	const char *name;          /* SNI, Host header and name to verify; NULL: addr */
	const char *ca_file;       /* PEM bundle to verify against; NULL: system trust */
	int verify;                /* 1: a chain or name failure is an error */
	const char *method;        /* "GET" when NULL */
	const char *path;
	const char *user, *password;  /* Basic auth when user != NULL */
	const char *body;          /* form body (application/x-www-form-urlencoded) */
	const char *accept;        /* Accept header, or NULL */
	int timeout_ms;            /* per operation; 5000 when 0 */
};

struct httpc_resp {
	int status;                /* HTTP status, 0 when no answer */
	GString *body;             /* owned; NULL until an answer */
	unsigned verify_status;    /* GnuTLS verification bits (TLS only) */
	GPtrArray *chain;          /* GBytes of the peer chain in DER (TLS only) */
	char location[256];        /* Location header, if any */
	char err[256];             /* what failed, in words, when the call returns -1 */
};

/* Performs one request.  Returns 0 when an HTTP answer arrived (any status),
 * -1 with resp->err set otherwise.  resp must be released with
 * httpc_resp_clear() in both cases. */
int httpc_request(const struct httpc_req *req, struct httpc_resp *resp);
void httpc_resp_clear(struct httpc_resp *resp);

/* Form-encodes value (RFC 1866) into a new string. */
char *httpc_form_escape(const char *value);

#endif
