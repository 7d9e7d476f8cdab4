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
 * measures reachability and the mapped address instead.  The exchanges
 * are src/turnc's, the client doctor uses too.
 *
 * Threads: meet_probe_start runs the blocking exchange on a GTask worker
 * thread; that thread owns its sockets and the request; the callback runs
 * on the loop thread (the GTask's context) with the results.
 */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "common/addr.h"
#include "common/plog.h"
#include "meet/meet-internal.h"
#include "turnc/turnc.h"

#define PROBE_MAX_HOSTS 4

struct probe_job {
	struct meet_probe_req *req;
	struct meet_probe_host hosts[PROBE_MAX_HOSTS];
	unsigned n;
	meet_probe_cb cb;
	void *ctx;
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
record_mapped(struct meet_probe_host *h, const struct stun_msg *m)
{
	struct sockaddr_storage ss;
	char buf[ADDR_STRLEN];

	if (turnc_xor_addr(m, STUN_ATTR_XOR_MAPPED_ADDRESS, &ss) == 0) {
		g_strlcpy(h->mapped_address, addr_str(&ss, buf, 0), sizeof(h->mapped_address));
		h->mapped_port = addr_port(&ss);
	}
}

static int
probe_binding(struct turnc *c, struct meet_probe_host *h)
{
	struct stun_msg m;
	int code = turnc_binding(c, &m);

	h->method = "binding";
	if (code < 0) {
		g_snprintf(h->detail, sizeof(h->detail), "no answer to Binding");
		return -1;
	}
	h->rtt_ms = c->rtt_ms;
	h->reachable = 1;
	if (code == 0)
		record_mapped(h, &m);
	else
		g_snprintf(h->detail, sizeof(h->detail), "Binding answered with error %d", code);
	return 0;
}

/* Allocate (+ auth round) then Refresh 0.  Returns 0 when the server
 * answered (reachable, maybe auth failure), 1 to fall back to Binding,
 * -1 when nothing answered. */
static int
probe_allocate(struct turnc *c, struct meet_probe_req *rq, struct meet_probe_host *h)
{
	struct stun_msg m;
	int code = turnc_allocate(c, rq->username, rq->password, &m);

	h->method = "allocate";
	if (c->answered) {
		h->reachable = 1;
		h->rtt_ms = c->first_rtt_ms;
	}
	if (code == -EINVAL)
		return 1;       /* a password SASLprep refuses: Binding says the rest */
	if (code < 0)
		return c->answered ? 0 : -1;
	if (code == 401) {
		h->auth_failure = 1;
		g_snprintf(h->detail, sizeof(h->detail),
			   "401 Unauthorized to authenticated Allocate: check username and password");
		return 0;
	}
	if (code) {
		g_snprintf(h->detail, sizeof(h->detail), "Allocate refused with error %d", code);
		return 1;
	}
	record_mapped(h, &m);
	turnc_release(c, &m);
	return 0;
}

/* Resolves host and connects c to it; the address dialled in addr_out. */
static int
probe_connect(struct turnc *c, const char *host, int port, int tcp, unsigned timeout_ms,
	      char *addr_out, size_t addr_cap, char *why, size_t whylen)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	struct sockaddr_storage ss = { 0 };
	char portstr[8], buf[ADDR_STRLEN];
	int rc;

	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	g_snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		g_snprintf(why, whylen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(&ss, res->ai_addr, MIN(res->ai_addrlen, sizeof(ss)));
	freeaddrinfo(res);
	if ((rc = turnc_open(c, &ss, tcp, timeout_ms)) < 0) {
		g_snprintf(why, whylen, "connect: %s", g_strerror(-rc));
		return -1;
	}
	g_strlcpy(addr_out, addr_str(&ss, buf, 0), addr_cap);
	return 0;
}

static void
probe_host(struct meet_probe_req *rq, int tcp, int port, struct meet_probe_host *h)
{
	struct turnc c = { .fd = -1 };
	int auth = rq->username && *rq->username, r = 1;

	g_strlcpy(h->address, rq->server, sizeof(h->address));
	h->port = port;
	h->transport = tcp ? "tcp" : "udp";
	h->method = auth ? "allocate" : "binding";
	if (probe_connect(&c, rq->server, port, tcp, rq->timeout_ms, h->address, sizeof(h->address),
			  h->detail, sizeof(h->detail)) < 0)
		return;
	if (auth)
		r = probe_allocate(&c, rq, h);
	if (r == 1 && !h->auth_failure) {
		/* Binding on a fresh connection: TCP servers may close after an error. */
		if (tcp) {
			turnc_close(&c);
			probe_connect(&c, rq->server, port, tcp, rq->timeout_ms, h->address,
				      sizeof(h->address), h->detail, sizeof(h->detail));
		}
		if (c.fd >= 0)
			probe_binding(&c, h);
	} else if (r < 0) {
		g_snprintf(h->detail, sizeof(h->detail), "no answer within %u ms", rq->timeout_ms);
	}
	turnc_close(&c);
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
