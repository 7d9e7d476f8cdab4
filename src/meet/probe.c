/*
 * probe.c: GET /api/v1/turnServers/<id>/status really asks the TURN server.
 *
 * Per transport (UDP always, TCP when tcpPortNumberOverride is set): an
 * Allocate without credentials (expecting 401 with REALM and NONCE), the
 * authenticated Allocate (long-term key), then Refresh with LIFETIME 0 so
 * the probe leaves no allocation behind.  A 401 to the authenticated
 * request is an authentication failure (the seed's "Integrity Check
 * Failure" case); no answer at all is unreachable.  Without a username, or
 * when the server refuses Allocate for another reason, a Binding request
 * measures reachability and the mapped address instead.
 *
 * Threads: meet_probe_start runs the blocking exchange on a GTask worker
 * thread; that thread owns its sockets and the request; the callback runs
 * on the loop thread (the GTask's context) with the results.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "common/addr.h"
#include "common/plog.h"
#include "meet/meet-internal.h"
#include "stun/stun.h"

#define PROBE_BUF 2048
#define PROBE_MAX_HOSTS 4

struct probe_job {
	struct meet_probe_req *req;
	struct meet_probe_host hosts[PROBE_MAX_HOSTS];
	unsigned n;
	meet_probe_cb cb;
	void *ctx;
};

/* One transport's state for a probe run. */
struct conn {
	int fd;
	int tcp;
	unsigned timeout_ms;
	char realm[256], nonce[256];
	uint8_t key[16];
	int have_key;
};

void
meet_probe_req_free(struct meet_probe_req *req)
{
	if (!req)
		return;
	g_free(req->server);
	g_free(req->username);
	if (req->password)
		gnutls_memset(req->password, 0, strlen(req->password));
	g_free(req->password);
	g_free(req);
}

static void
new_tid(uint8_t tid[STUN_TID_LEN])
{
	gnutls_rnd(GNUTLS_RND_NONCE, tid, STUN_TID_LEN);
}

/* Read one framed STUN message from a TCP stream within timeout. */
static long
tcp_read_msg(int fd, uint8_t *buf, size_t cap, gint64 deadline)
{
	size_t have = 0;
	long need = 0;

	for (;;) {
		int wait = (int)((deadline - g_get_monotonic_time()) / 1000);
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		if (wait <= 0 || poll(&p, 1, wait) <= 0)
			return -ETIMEDOUT;
		r = read(fd, buf + have, cap - have);
		if (r <= 0)
			return -ECONNRESET;
		have += (size_t)r;
		if (have >= 8 && need == 0) {
			need = stun_frame_length(buf, have);
			if (need < 0 || (size_t)need > cap)
				return -EINVAL;
		}
		if (need > 0 && have >= (size_t)need)
			return need;
	}
}

/* Send req and wait for the response with the same transaction id.  UDP
 * retransmits with doubling intervals (RFC 8489 section 6.2.1) until the
 * deadline.  Returns the response length and the round trip of the first
 * answered send, or -ETIMEDOUT. */
static long
txn(struct conn *c, const uint8_t *req, size_t len, uint8_t *resp, size_t cap, long *rtt_ms)
{
	gint64 start = g_get_monotonic_time(), deadline = start + (gint64)c->timeout_ms * 1000;
	gint64 sent = start;
	int rto = 200;

	if (send(c->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -errno;
	if (c->tcp) {
		long n = tcp_read_msg(c->fd, resp, cap, deadline);
		*rtt_ms = (long)((g_get_monotonic_time() - sent) / 1000);
		return n;
	}
	for (;;) {
		gint64 now = g_get_monotonic_time();
		int wait = (int)MIN((deadline - now) / 1000, rto);
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, wait > 0 ? wait : 1) > 0) {
			ssize_t r = recv(c->fd, resp, cap, 0);
			if (r >= STUN_HEADER_LEN && !memcmp(resp + 8, req + 8, STUN_TID_LEN)) {
				*rtt_ms = (long)((g_get_monotonic_time() - sent) / 1000);
				return r;
			}
			continue;       /* stray or ICMP error: keep waiting */
		}
		rto *= 2;
		sent = g_get_monotonic_time();
		if (send(c->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
			return -errno;
	}
}

static void
copy_attr_str(const struct stun_msg *m, uint16_t type, char *out, size_t cap)
{
	const struct stun_attr *a = stun_msg_get(m, type);
	size_t n = a ? MIN(a->len, cap - 1) : 0;

	if (a)
		memcpy(out, a->val, n);
	out[n] = '\0';
}

static void
build_auth(struct stun_builder *b, struct conn *c, const char *user)
{
	stun_build_attr(b, STUN_ATTR_USERNAME, user, strlen(user));
	stun_build_attr(b, STUN_ATTR_REALM, c->realm, strlen(c->realm));
	stun_build_attr(b, STUN_ATTR_NONCE, c->nonce, strlen(c->nonce));
	stun_build_integrity(b, c->key, sizeof(c->key));
	stun_build_fingerprint(b);
}

static void
record_mapped(struct meet_probe_host *h, const struct stun_msg *m)
{
	const struct stun_attr *a = stun_msg_get(m, STUN_ATTR_XOR_MAPPED_ADDRESS);
	struct sockaddr_storage ss;
	char buf[ADDR_STRLEN];

	if (a && stun_attr_xor_addr(m, a, &ss) == 0) {
		g_strlcpy(h->mapped_address, addr_str(&ss, buf, 0), sizeof(h->mapped_address));
		h->mapped_port = addr_port(&ss);
	}
}

/* Parse a response; returns its class, error code in *code. */
static int
parse_resp(struct stun_msg *m, const uint8_t *buf, long n, int *code)
{
	const struct stun_attr *e;
	const char *reason;
	size_t rlen;

	*code = 0;
	if (n < 0 || stun_parse(m, buf, (size_t)n) < 0)
		return -1;
	if (m->cls == STUN_ERROR && (e = stun_msg_get(m, STUN_ATTR_ERROR_CODE)))
		stun_attr_error(e, code, &reason, &rlen);
	return m->cls;
}

static int
probe_binding(struct conn *c, struct meet_probe_host *h)
{
	uint8_t req[256], resp[PROBE_BUF], tid[STUN_TID_LEN];
	struct stun_builder b;
	struct stun_msg m;
	long n, len;
	int code;

	new_tid(tid);
	stun_build_init(&b, req, sizeof(req), STUN_BINDING, STUN_REQUEST, tid);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	n = txn(c, req, (size_t)len, resp, sizeof(resp), &h->rtt_ms);
	h->method = "binding";
	if (parse_resp(&m, resp, n, &code) < 0) {
		g_snprintf(h->detail, sizeof(h->detail), "no answer to Binding");
		return -1;
	}
	h->reachable = 1;
	if (m.cls == STUN_SUCCESS)
		record_mapped(h, &m);
	else
		g_snprintf(h->detail, sizeof(h->detail), "Binding answered with error %d", code);
	return 0;
}

/* Refresh with LIFETIME 0 (retried once on 438 Stale Nonce): the probe
 * leaves no allocation behind. */
static void
probe_release(struct conn *c, struct meet_probe_req *rq)
{
	uint8_t req[512], resp[PROBE_BUF], tid[STUN_TID_LEN];
	struct stun_builder b;
	struct stun_msg m;
	long n, len, rtt;
	int code;

	for (int round = 0; round < 2; round++) {
		new_tid(tid);
		stun_build_init(&b, req, sizeof(req), STUN_REFRESH, STUN_REQUEST, tid);
		stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
		build_auth(&b, c, rq->username);
		len = stun_build_finish(&b);
		n = txn(c, req, (size_t)len, resp, sizeof(resp), &rtt);
		if (parse_resp(&m, resp, n, &code) != STUN_ERROR || code != 438)
			return;
		copy_attr_str(&m, STUN_ATTR_NONCE, c->nonce, sizeof(c->nonce));
	}
}

/* Allocate (+ auth round) then Refresh 0.  Returns 0 when the server
 * answered (reachable, maybe auth failure), 1 to fall back to Binding,
 * -1 when nothing answered. */
static int
probe_allocate(struct conn *c, struct meet_probe_req *rq, struct meet_probe_host *h)
{
	uint8_t req[512], resp[PROBE_BUF], tid[STUN_TID_LEN];
	struct stun_builder b;
	struct stun_msg m;
	long n, len, rtt;
	int code;

	h->method = "allocate";
	for (int round = 0; round < 3; round++) {
		new_tid(tid);
		stun_build_init(&b, req, sizeof(req), STUN_ALLOCATE, STUN_REQUEST, tid);
		stun_build_u32(&b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);
		if (c->have_key)
			build_auth(&b, c, rq->username);
		else
			stun_build_fingerprint(&b);
		len = stun_build_finish(&b);
		n = txn(c, req, (size_t)len, resp, sizeof(resp), &rtt);
		if (parse_resp(&m, resp, n, &code) < 0)
			return round == 0 ? -1 : 0;
		h->reachable = 1;
		if (round == 0)
			h->rtt_ms = rtt;
		if (m.cls == STUN_SUCCESS)
			break;
		if ((code == 401 && !c->have_key) || code == 438) {
			copy_attr_str(&m, STUN_ATTR_REALM, c->realm, sizeof(c->realm));
			copy_attr_str(&m, STUN_ATTR_NONCE, c->nonce, sizeof(c->nonce));
			if (stun_longterm_key(rq->username, c->realm, rq->password ? rq->password : "",
					      c->key) < 0)
				return 1;
			c->have_key = 1;
			continue;
		}
		if (code == 401) {
			h->auth_failure = 1;
			g_snprintf(h->detail, sizeof(h->detail),
				   "401 Unauthorized to authenticated Allocate: check username and password");
			return 0;
		}
		g_snprintf(h->detail, sizeof(h->detail), "Allocate refused with error %d", code);
		return 1;
	}
	if (m.cls != STUN_SUCCESS)
		return 1;
	record_mapped(h, &m);
	probe_release(c, rq);
	return 0;
}

static int
probe_connect(const char *host, int port, int tcp, unsigned timeout_ms, char *addr_out,
	      size_t addr_cap, char *why, size_t whylen)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char portstr[8];
	int fd = -1, rc;

	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	g_snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		g_snprintf(why, whylen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0 && tcp) {
		struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		g_snprintf(why, whylen, "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else {
		struct sockaddr_storage ss;
		char buf[ADDR_STRLEN];
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		g_strlcpy(addr_out, addr_str(&ss, buf, 0), addr_cap);
	}
	freeaddrinfo(res);
	return fd;
}

static void
probe_host(struct meet_probe_req *rq, int tcp, int port, struct meet_probe_host *h)
{
	struct conn c = { .tcp = tcp, .timeout_ms = rq->timeout_ms };
	int r = 1;

	g_strlcpy(h->address, rq->server, sizeof(h->address));
	h->port = port;
	h->transport = tcp ? "tcp" : "udp";
	h->method = rq->username && *rq->username ? "allocate" : "binding";
	c.fd = probe_connect(rq->server, port, tcp, rq->timeout_ms, h->address, sizeof(h->address),
			     h->detail, sizeof(h->detail));
	if (c.fd < 0)
		return;
	if (rq->username && *rq->username)
		r = probe_allocate(&c, rq, h);
	if (r == 1 && !h->auth_failure) {
		/* Binding on a fresh connection: TCP servers may close after an error. */
		if (tcp) {
			close(c.fd);
			c.fd = probe_connect(rq->server, port, tcp, rq->timeout_ms, h->address,
					     sizeof(h->address), h->detail, sizeof(h->detail));
		}
		if (c.fd >= 0)
			probe_binding(&c, h);
	} else if (r < 0) {
		g_snprintf(h->detail, sizeof(h->detail), "no answer within %u ms", rq->timeout_ms);
	}
	if (c.fd >= 0)
		close(c.fd);
	gnutls_memset(c.key, 0, sizeof(c.key));
}

static void
probe_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	struct probe_job *j = data;

	probe_host(j->req, 0, j->req->type_port, &j->hosts[j->n++]);
	if (j->req->tcp_port)
		probe_host(j->req, 1, j->req->tcp_port, &j->hosts[j->n++]);
	g_task_return_boolean(task, TRUE);
}

static void
probe_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct probe_job *j = g_task_get_task_data(G_TASK(res));

	for (unsigned i = 0; i < j->n; i++)
		plog(PLOG_INFO, "meet", "TURN status probe %s %s:%d: %s%s%s", j->hosts[i].transport,
		     j->hosts[i].address, j->hosts[i].port,
		     j->hosts[i].auth_failure ? "authentication failure" :
		     j->hosts[i].reachable ? "reachable" : "unreachable",
		     j->hosts[i].detail[0] ? ": " : "", j->hosts[i].detail);
	j->cb(j->ctx, j->hosts, j->n);
}

static void
job_free(gpointer p)
{
	struct probe_job *j = p;

	meet_probe_req_free(j->req);
	g_free(j);
}

void
meet_probe_start(struct meet_probe_req *req, meet_probe_cb cb, void *ctx)
{
	struct probe_job *j = g_new0(struct probe_job, 1);
	GTask *t = g_task_new(NULL, NULL, probe_done, NULL);

	j->req = req;
	j->cb = cb;
	j->ctx = ctx;
	g_task_set_task_data(t, j, job_free);
	g_task_run_in_thread(t, probe_thread);
	g_object_unref(t);
}
