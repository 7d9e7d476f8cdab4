/*
 * tls.c: TURN over TLS (RFC 8656 3.1, port 5349 or 443) and plain TCP,
 * behind one pair of non-blocking stream calls for io.c and tcp.c.  GnuTLS is
 * driven directly on the socket in the worker thread; a session keeps a
 * reference on the credentials it started with, so SIGHUP can swap the
 * certificate while connections stay up.
 */
#include <errno.h>
#include <sys/socket.h>

#include "turn/tls.h"

int
turn_tls_start(struct tcp_conn *t, struct turn_users *cred)
{
	if (gnutls_init(&t->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0)
		return -1;
	if (gnutls_set_default_priority(t->tls) < 0 ||
	    gnutls_credentials_set(t->tls, GNUTLS_CRD_CERTIFICATE, cred->cert) < 0) {
		gnutls_deinit(t->tls);
		t->tls = NULL;
		return -1;
	}
	gnutls_certificate_server_set_request(t->tls, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(t->tls, t->ev.fd);
	gnutls_handshake_set_timeout(t->tls, 0);
	t->tls_cred = turn_users_ref(cred);
	t->handshaking = 1;
	return 0;
}

int
turn_tls_handshake(struct tcp_conn *t, const char **why)
{
	int rc = gnutls_handshake(t->tls);

	if (rc == GNUTLS_E_SUCCESS) {
		t->handshaking = 0;
		return 0;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	*why = gnutls_strerror(rc);
	return -EPROTO;
}

int
turn_tls_wants_write(const struct tcp_conn *t)
{
	return t->tls && gnutls_record_get_direction(t->tls) == 1;
}

ssize_t
turn_tls_recv(struct tcp_conn *t, uint8_t *buf, size_t cap)
{
	ssize_t n;

	if (!t->tls) {
		n = recv(t->ev.fd, buf, cap, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
		return n;
	}
	n = gnutls_record_recv(t->tls, buf, cap);
	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_REHANDSHAKE)
		return -EAGAIN;
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return -EPROTO;
}

ssize_t
turn_tls_send(struct tcp_conn *t, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (!t->tls) {
		n = send(t->ev.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
		return n;
	}
	if (t->tls_inflight) {
		/* GnuTLS holds a record it could not finish: resume it. */
		n = gnutls_record_send(t->tls, NULL, 0);
	} else {
		if (len > 16384)
			len = 16384;
		n = gnutls_record_send(t->tls, buf, len);
	}
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
		if (!t->tls_inflight)
			t->tls_inflight = len;
		return -EAGAIN;
	}
	if (n < 0)
		return -EPROTO;
	t->tls_inflight = 0;
	return n;
}

void
turn_tls_free(struct tcp_conn *t)
{
	if (t->tls) {
		gnutls_deinit(t->tls);
		t->tls = NULL;
	}
	turn_users_unref(t->tls_cred);
	t->tls_cred = NULL;
}
