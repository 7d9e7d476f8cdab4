/*
 * httpc.c: httpc_*, a blocking HTTP/1.1 client for probes (httpc.h).
 * One request per connection (Connection: close); answers up to
 * HTTP_MAX_ANSWER bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "common/addr.h"
#include "httpc/httpc.h"

#define HTTP_MAX_ANSWER (4u << 20)

struct http_conn {
	int fd;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
};

static void
seterr(struct httpc_resp *r, const char *fmt, const char *detail)
{
	snprintf(r->err, sizeof(r->err), fmt, detail);
}

/* Connect within timeout_ms; the socket is left blocking with send and
 * receive timeouts.  -1 with r->err set. */
static int
http_dial(const struct httpc_req *q, int timeout_ms, struct httpc_resp *r)
{
	struct sockaddr_storage sa;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct pollfd p;
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (addr_parse(q->addr, q->port, &sa) < 0) {
		seterr(r, "\"%s\" is not a numeric address", q->addr);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, addr_len(&sa)) < 0 && errno != EINPROGRESS)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, timeout_ms) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr) {
		errno = soerr;
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
fail:
	snprintf(r->err, sizeof(r->err), "cannot connect to %s port %d: %s", q->addr, q->port,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
is_numeric(const char *name)
{
	struct sockaddr_storage sa;

	return addr_parse(name, 0, &sa) == 0;
}

static void
keep_chain(gnutls_session_t s, struct httpc_resp *r)
{
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);

	r->chain = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (unsigned i = 0; certs && i < n; i++)
		g_ptr_array_add(r->chain, g_bytes_new(certs[i].data, certs[i].size));
}

/* TLS handshake; keeps the chain and verification result even when the
 * request does not ask to verify.  -1 with r->err set. */
static int
http_tls(struct http_conn *c, const struct httpc_req *q, const char *name, int timeout_ms,
	 struct httpc_resp *r)
{
	int ret;
	gnutls_datum_t out = { NULL, 0 };

	gnutls_certificate_allocate_credentials(&c->cred);
	if (q->ca_file)
		ret = gnutls_certificate_set_x509_trust_file(c->cred, q->ca_file, GNUTLS_X509_FMT_PEM);
	else
		ret = gnutls_certificate_set_x509_system_trust(c->cred);
	if (ret < 0) {
		seterr(r, "cannot load the CA bundle %s", q->ca_file ? q->ca_file : "(system)");
		return -1;
	}
	gnutls_init(&c->tls, GNUTLS_CLIENT);
	gnutls_set_default_priority(c->tls);
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred);
	if (!is_numeric(name))
		gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, name, strlen(name));
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, (unsigned)timeout_ms);
	do
		ret = gnutls_handshake(c->tls);
	while (ret < 0 && !gnutls_error_is_fatal(ret) && ret != GNUTLS_E_AGAIN);
	if (ret < 0) {
		seterr(r, "TLS handshake failed: %s", gnutls_strerror(ret));
		return -1;
	}
	keep_chain(c->tls, r);
	gnutls_certificate_verify_peers3(c->tls, name, &r->verify_status);
	if (!q->verify || r->verify_status == 0)
		return 0;
	gnutls_certificate_verification_status_print(r->verify_status, GNUTLS_CRT_X509, &out, 0);
	seterr(r, "certificate not trusted: %s", out.data ? (char *)out.data : "?");
	gnutls_free(out.data);
	return -1;
}

static int
http_send(struct http_conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = c->tls ? gnutls_record_send(c->tls, buf, len) : send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n == GNUTLS_E_INTERRUPTED || (n < 0 && !c->tls && errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the peer closes; 0, or -1 on timeout/error before EOF. */
static int
http_recv_all(struct http_conn *c, GString *in)
{
	char buf[16384];

	for (;;) {
		ssize_t n = c->tls ? gnutls_record_recv(c->tls, buf, sizeof(buf)) : recv(c->fd, buf, sizeof(buf), 0);
		if (n == GNUTLS_E_INTERRUPTED || (n < 0 && !c->tls && errno == EINTR))
			continue;
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (n < 0 || in->len + (size_t)n > HTTP_MAX_ANSWER)
			return -1;
		g_string_append_len(in, buf, n);
	}
}

static GString *
http_request_text(const struct httpc_req *q, const char *name)
{
	GString *s = g_string_new(NULL);
	const char *def = q->tls ? ":443" : ":80";
	char port[16];

	snprintf(port, sizeof(port), ":%d", q->port);
	g_string_append_printf(s, "%s %s HTTP/1.1\r\nHost: %s%s\r\nConnection: close\r\n"
			       "User-Agent: portico-probe\r\n", q->method ? q->method : "GET", q->path,
			       name, strcmp(port, def) ? port : "");
	if (q->accept)
		g_string_append_printf(s, "Accept: %s\r\n", q->accept);
	if (q->user) {
		char *up = g_strdup_printf("%s:%s", q->user, q->password ? q->password : "");
		char *b64 = g_base64_encode((const guchar *)up, strlen(up));
		g_string_append_printf(s, "Authorization: Basic %s\r\n", b64);
		explicit_bzero(up, strlen(up));
		g_free(up);
		g_free(b64);
	}
	if (q->body)
		g_string_append_printf(s, "Content-Type: application/x-www-form-urlencoded\r\n"
				       "Content-Length: %zu\r\n", strlen(q->body));
	else if (q->method && (!strcmp(q->method, "POST") || !strcmp(q->method, "PUT")))
		g_string_append(s, "Content-Length: 0\r\n");
	g_string_append(s, "\r\n");
	if (q->body)
		g_string_append(s, q->body);
	return s;
}

/* Decodes a chunked body in place; -1 when malformed. */
static int
http_dechunk(GString *b)
{
	GString *out = g_string_new(NULL);
	const char *p = b->str, *end = b->str + b->len;

	for (;;) {
		char *e;
		unsigned long n = strtoul(p, &e, 16);
		const char *nl = g_strstr_len(p, end - p, "\r\n");
		if (!nl || e == p || (size_t)(end - (nl + 2)) < n) {
			g_string_free(out, TRUE);
			return -1;
		}
		if (n == 0)
			break;
		g_string_append_len(out, nl + 2, (gssize)n);
		p = nl + 2 + n + 2;
		if (p > end) {
			g_string_free(out, TRUE);
			return -1;
		}
	}
	g_string_assign(b, out->str);
	g_string_free(out, TRUE);
	return 0;
}

/* Splits "HTTP/1.1 200 ...\r\nheaders\r\n\r\nbody".  -1 when malformed. */
static int
http_parse(GString *in, struct httpc_resp *r)
{
	char *eoh = strstr(in->str, "\r\n\r\n");
	int chunked = 0;
	gchar **lines;

	if (!eoh || sscanf(in->str, "HTTP/1.%*d %d", &r->status) != 1)
		return -1;
	*eoh = '\0';
	lines = g_strsplit(in->str, "\r\n", -1);
	for (unsigned i = 1; lines[i]; i++) {
		if (!g_ascii_strncasecmp(lines[i], "transfer-encoding:", 18) && strstr(lines[i], "chunked"))
			chunked = 1;
		if (!g_ascii_strncasecmp(lines[i], "location:", 9))
			g_strlcpy(r->location, g_strstrip(lines[i] + 9), sizeof(r->location));
	}
	g_strfreev(lines);
	r->body = g_string_new(eoh + 4);
	return chunked ? http_dechunk(r->body) : 0;
}

static void
http_close(struct http_conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->fd >= 0)
		close(c->fd);
}

int
httpc_request(const struct httpc_req *q, struct httpc_resp *r)
{
	struct http_conn c = { .fd = -1 };
	const char *name = q->name ? q->name : q->addr;
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms : 5000;
	GString *req = NULL, *in = g_string_new(NULL);
	int ret = -1;

	memset(r, 0, sizeof(*r));
	c.fd = http_dial(q, timeout_ms, r);
	if (c.fd < 0)
		goto out;
	if (q->tls && http_tls(&c, q, name, timeout_ms, r) < 0)
		goto out;
	req = http_request_text(q, name);
	if (http_send(&c, req->str, req->len) < 0) {
		seterr(r, "sending the request to %s failed", name);
		goto out;
	}
	if (http_recv_all(&c, in) < 0 && in->len == 0) {
		seterr(r, "no answer from %s (timeout or connection reset)", name);
		goto out;
	}
	if (http_parse(in, r) < 0) {
		seterr(r, "malformed HTTP answer from %s", name);
		goto out;
	}
	ret = 0;
out:
	if (req) {
		explicit_bzero(req->str, req->len);
		g_string_free(req, TRUE);
	}
	g_string_free(in, TRUE);
	http_close(&c);
	return ret;
}

void
httpc_resp_clear(struct httpc_resp *r)
{
	if (r->body)
		g_string_free(r->body, TRUE);
	if (r->chain)
		g_ptr_array_unref(r->chain);
	r->body = NULL;
	r->chain = NULL;
}

char *
httpc_form_escape(const char *value)
{
	GString *s = g_string_new(NULL);

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (g_ascii_isalnum(*p) || strchr("-._~", *p))
			g_string_append_c(s, (char)*p);
		else
			g_string_append_printf(s, "%%%02X", *p);
	}
	return g_string_free(s, FALSE);
}
