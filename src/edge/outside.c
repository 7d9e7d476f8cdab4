/*
 * outside.c: the DMZ role's tunnel-server half and its listeners.
 *   traversal  inside nodes dial in (mutual TLS, hello with credentials),
 *              then this node is the HTTP/2 *client* of the tunnel
 *              (streams: ostream.c);
 *   webproxy   guests' HTTPS, accepted here and handed to guest.c.
 * Failed traversal logins are counted per address and rate limited.
 *
 * Ownership: proc owns tunnels and guests; a tunnel owns its ostreams.
 * Main loop thread only.
 */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "edge/edge-roles.h"
#include "edge/outside-internal.h"

#define MOD "edge"

static gboolean traversal_accept(gint fd, GIOCondition cond, gpointer data);
static gboolean guest_accept(gint fd, GIOCondition cond, gpointer data);

static void
tunnel_lost(struct edge_tunnel *t, const char *why)
{
	struct edge_proc *p = t->proc;
	struct ostream *s;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING)
		plog(PLOG_WARN, MOD, "tunnel %u from %s (node %s) down: %s", t->slot, t->peer,
		     t->remote_node, why);
	edge_tunnel_set_state(t, EDGE_T_FAILED);
	while ((s = g_queue_pop_head(&t->streams))) {
		s->link = NULL;
		s->t = NULL;
		edge_ostream_abort(s, "the tunnel to the inside node went down", 1);
		edge_guest_stream_free(s);
	}
	g_ptr_array_remove(p->tunnels, t);
	edge_tunnel_free(t);
}

const struct edge_tunnel_ops edge_outside_tunnel_ops = {
	.server = 0,
	.dead = tunnel_lost,
	.header = edge_ostream_on_header,
	.frame_recv = edge_ostream_on_frame,
	.data = edge_ostream_on_data,
	.stream_close = edge_ostream_on_close,
};

/* Networks remembered at once; beyond it, only expired ones make room. */
#define AUTHFAIL_MAX 10000

struct authfail {
	unsigned count;
	int64_t start;
};

/* Failed attempts count per network (auth-prefix-ipv4/-ipv6), not per
 * address: one IPv6 host owns a /64.  key: ADDR_STRLEN bytes. */
static void
auth_key(const struct edge_proc *p, const char *ip, char *key)
{
	struct sockaddr_storage ss;
	struct cidr c;

	g_strlcpy(key, ip, ADDR_STRLEN);
	if (addr_parse(ip, 0, &ss) == 0 &&
	    addr_prefix(&ss, p->cfg->t_auth_prefix4, p->cfg->t_auth_prefix6, &c) == 0)
		cidr_str(&c, key);
}

static int
auth_limited(struct edge_proc *p, const char *ip)
{
	char key[ADDR_STRLEN];
	struct authfail *f;
	int64_t now = edge_util_now_us();

	auth_key(p, ip, key);
	f = g_hash_table_lookup(p->auth_fail, key);
	if (!f)
		return 0;
	if (now - f->start > (int64_t)p->cfg->t_auth_window * 1000000) {
		g_hash_table_remove(p->auth_fail, key);
		return 0;
	}
	return f->count >= p->cfg->t_max_auth_failures;
}

/* Drops the entries whose window has passed; the table stays bounded
 * without forgetting the networks that are still failing. */
static gboolean
authfail_expired(gpointer key, gpointer value, gpointer data)
{
	const struct authfail *f = value;
	const int64_t *cutoff = data;

	(void)key;
	return f->start < *cutoff;
}

static void
auth_failed(struct edge_proc *p, const char *ip)
{
	char key[ADDR_STRLEN];
	struct authfail *f;

	auth_key(p, ip, key);
	f = g_hash_table_lookup(p->auth_fail, key);
	p->ctr.auth_failures++;
	if (!f) {
		if (g_hash_table_size(p->auth_fail) >= AUTHFAIL_MAX) {
			int64_t cutoff = edge_util_now_us() - (int64_t)p->cfg->t_auth_window * 1000000;
			g_hash_table_foreach_remove(p->auth_fail, authfail_expired, &cutoff);
		}
		if (g_hash_table_size(p->auth_fail) >= AUTHFAIL_MAX)
			return;    /* full of live entries: counted, not remembered */
		f = g_new0(struct authfail, 1);
		f->start = edge_util_now_us();
		g_hash_table_insert(p->auth_fail, g_strdup(key), f);
	}
	f->count++;
}

/* A successful login clears its network's failures. */
static void
auth_forget(struct edge_proc *p, const char *ip)
{
	char key[ADDR_STRLEN];

	auth_key(p, ip, key);
	g_hash_table_remove(p->auth_fail, key);
}

static void
tunnel_deny(struct edge_tunnel *t, const char *check, const char *why)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "PORTICO-TRAVERSAL/1 DENIED\r\ncheck: %s\r\nreason: %s\r\n\r\n",
			 check, why);

	plog(PLOG_WARN, MOD, "tunnel from %s refused: %s check failed: %s", t->peer, check, why);
	auth_failed(t->proc, t->peer);
	edge_conn_write(t->conn, msg, (size_t)n);
	edge_conn_close_after_flush(t->conn);
	t->conn = NULL;
	tunnel_lost(t, why);
}

static int
check_credentials(struct edge_proc *p, const char *user, const char *pass)
{
	const char *stored = NULL;
	int ok;

	for (unsigned i = 0; i < p->cfg->nusers; i++)
		if (!g_ascii_strcasecmp(p->cfg->users[i].name, user))
			stored = p->cfg->users[i].password;
	/* Compare even for unknown users, so timing does not reveal names. */
	ok = edge_tls_secret_equal(stored ? stored : "\x01unknown", pass);
	return ok && stored && edge_config_is_account(p->cfg, user);
}

static void
tunnel_accept_hello(struct edge_tunnel *t, const struct edge_hello *h, size_t used)
{
	struct edge_proc *p = t->proc;
	const char *user = edge_tunnel_hello_get(h, "user"), *pass = edge_tunnel_hello_get(h, "password");
	const char *gh = edge_tunnel_hello_get(h, "guest-host"), *node = edge_tunnel_hello_get(h, "node");
	char why[300], reply[1024];
	size_t rest = edge_buf_len(&t->hello) - used;
	int n;

	if (strcmp(h->verb, "HELLO"))
		return tunnel_deny(t, "protocol", "expected HELLO");
	if (edge_tls_check_peer(t->conn->tls, p->cfg->t_verify_name, why, sizeof(why)) < 0) {
		if (strstr(why, "subjectAltName"))
			g_strlcat(why, " (TLS verify subject name)", sizeof(why));
		return tunnel_deny(t, "certificate", why);
	}
	if (!user || !pass || !check_credentials(p, user, pass))
		return tunnel_deny(t, "credentials", user ?
				   "unknown traversal account or wrong password" : "no username given");
	auth_forget(p, t->peer);
	g_strlcpy(t->user, user, sizeof(t->user));
	g_strlcpy(t->remote_node, node ? node : "?", sizeof(t->remote_node));
	g_strlcpy(t->guest_host, gh ? gh : "", sizeof(t->guest_host));
	g_strlcpy(t->domains, edge_tunnel_hello_get(h, "domains") ? edge_tunnel_hello_get(h, "domains") : "",
		  sizeof(t->domains));
	n = snprintf(reply, sizeof(reply), "PORTICO-TRAVERSAL/1 OK\r\nnode: %s\r\nweb-proxy-hosts: ",
		     p->cfg->node);
	for (unsigned i = 0; i < p->cfg->w_hosts.n; i++)
		n += snprintf(reply + n, sizeof(reply) - (size_t)n, "%s%s", i ? "," : "",
			      p->cfg->w_hosts.v[i]);
	n += snprintf(reply + n, sizeof(reply) - (size_t)n, "\r\n\r\n");
	edge_conn_write(t->conn, reply, (size_t)n);
	if (t->timer)
		g_source_remove(t->timer), t->timer = 0;
	if (edge_tunnel_h2_start(t) < 0)
		return tunnel_lost(t, "cannot start HTTP/2");
	edge_tunnel_set_state(t, EDGE_T_ACTIVE);
	edge_tunnel_ping_start(t);
	plog(PLOG_NOTICE, MOD, "tunnel %u from %s up: node %s, account %s, domains %s, "
	     "guest account client URI host %s", t->slot, t->peer, t->remote_node, t->user,
	     t->domains[0] ? t->domains : "-", t->guest_host[0] ? t->guest_host : "-");
	if (rest && edge_tunnel_feed(t, edge_buf_head(&t->hello) + used, rest) < 0) {
		tunnel_lost(t, t->last_error);
		return;
	}
	explicit_bzero(t->hello.data, t->hello.alloc);     /* it held the password */
	edge_buf_free(&t->hello);
}

static void
traversal_data(struct edge_conn *c, const uint8_t *d, size_t n)
{
	struct edge_tunnel *t = c->ud;
	struct edge_hello h;
	const char *why = NULL;
	int rc;

	if (t->state == EDGE_T_ACTIVE || t->state == EDGE_T_DRAINING) {
		if (edge_tunnel_feed(t, d, n) < 0)
			tunnel_lost(t, t->last_error);
		return;
	}
	if (edge_buf_append(&t->hello, d, n) < 0)
		return tunnel_deny(t, "protocol", "hello too long");
	rc = edge_tunnel_hello_parse((const char *)edge_buf_head(&t->hello), edge_buf_len(&t->hello), &h, &why);
	if (rc == EDGE_AGAIN)
		return;
	if (rc < 0)
		return tunnel_deny(t, "protocol", why);
	tunnel_accept_hello(t, &h, (size_t)rc);
	explicit_bzero(&h, sizeof(h));
}

static void
traversal_ready(struct edge_conn *c)
{
	struct edge_tunnel *t = c->ud;

	edge_tunnel_set_state(t, EDGE_T_HELLO);
}

static void
traversal_drained(struct edge_conn *c)
{
	edge_tunnel_flush(c->ud);
}

static void
traversal_closed(struct edge_conn *c, const char *why)
{
	struct edge_tunnel *t = c->ud;

	t->conn = NULL;
	if (t->state == EDGE_T_CONNECTING || t->state == EDGE_T_HELLO) {
		plog(PLOG_WARN, MOD, "tunnel from %s failed before authentication: %s", t->peer, why);
		if (t->state == EDGE_T_CONNECTING)
			auth_failed(t->proc, t->peer);
	}
	tunnel_lost(t, why);
}

static const struct edge_conn_ops traversal_ops = {
	traversal_ready, traversal_data, traversal_drained, traversal_closed,
};

static gboolean
traversal_timeout(gpointer data)
{
	struct edge_tunnel *t = data;

	t->timer = 0;
	plog(PLOG_WARN, MOD, "tunnel from %s: no hello within %u s, closed", t->peer,
	     t->proc->cfg->t_handshake_timeout);
	tunnel_lost(t, "handshake timeout");
	return G_SOURCE_REMOVE;
}

static int
peer_allowed(const struct edge_config *cfg, const struct sockaddr_storage *a)
{
	struct sockaddr_storage canon;

	if (!cfg->t_nallow)
		return 1;
	addr_canonical(a, &canon);
	for (unsigned i = 0; i < cfg->t_nallow; i++)
		if (cfg->t_allow[i].af == canon.ss_family && cidr_match(&cfg->t_allow[i], &canon))
			return 1;
	return 0;
}

#define TUNNEL_PENDING_MAX 32u      /* connections still in TLS or hello */
#define TUNNEL_MAX 256u

static unsigned
pending_tunnels(const struct edge_proc *p)
{
	unsigned n = 0;

	for (guint i = 0; i < p->tunnels->len; i++) {
		const struct edge_tunnel *t = g_ptr_array_index(p->tunnels, i);
		n += t->state == EDGE_T_CONNECTING || t->state == EDGE_T_HELLO;
	}
	return n;
}

static void
traversal_accept_one(struct edge_proc *p, int fd, const struct sockaddr_storage *a)
{
	gnutls_session_t tls;
	struct edge_tunnel *t;
	char ip[ADDR_STRLEN];

	addr_str(a, ip, 0);
	if (!peer_allowed(p->cfg, a)) {
		p->ctr.peer_refused++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: not in [traversal] allow", ip);
		close(fd);
		return;
	}
	if (auth_limited(p, ip)) {
		p->ctr.auth_rate_limited++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: too many failed attempts "
		     "(%u in %u s)", ip, p->cfg->t_max_auth_failures, p->cfg->t_auth_window);
		close(fd);
		return;
	}
	if (pending_tunnels(p) >= TUNNEL_PENDING_MAX || p->tunnels->len >= TUNNEL_MAX) {
		p->ctr.peer_refused++;
		plog(PLOG_WARN, MOD, "tunnel connection from %s refused: too many tunnel connections "
		     "(%u, of which %u unauthenticated)", ip, p->tunnels->len, pending_tunnels(p));
		close(fd);
		return;
	}
	if (p->draining || gnutls_init(&tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	gnutls_set_default_priority(tls);
	gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, p->t_creds);
	/* Ask for the client certificate but judge it ourselves after the
	 * handshake, so the refusal can say which check failed. */
	gnutls_certificate_server_set_request(tls, GNUTLS_CERT_REQUEST);
	gnutls_certificate_send_x509_rdn_sequence(tls, 1);
	p->ctr.tunnel_accepts++;
	t = edge_tunnel_new(p, p->cfg, &edge_outside_tunnel_ops, ++p->tunnel_seq);
	g_strlcpy(t->peer, ip, sizeof(t->peer));
	g_ptr_array_add(p->tunnels, t);
	t->conn = edge_conn_new(fd, tls, 0, &traversal_ops, t);
	t->timer = g_timeout_add_seconds(p->cfg->t_handshake_timeout, traversal_timeout, t);
}

static int
accept_fd(int lfd, struct sockaddr_storage *a)
{
	socklen_t sl = sizeof(*a);

	return accept4(lfd, (struct sockaddr *)a, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static void
listeners_watch(struct edge_proc *p)
{
	if (p->t_fd >= 0 && !p->t_src)
		p->t_src = g_unix_fd_add(p->t_fd, G_IO_IN, traversal_accept, p);
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_fd[i] >= 0 && !p->w_src[i])
			p->w_src[i] = g_unix_fd_add(p->w_fd[i], G_IO_IN, guest_accept, p);
}

static void
listeners_unwatch(struct edge_proc *p)
{
	if (p->t_src)
		g_source_remove(p->t_src), p->t_src = 0;
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_src[i])
			g_source_remove(p->w_src[i]), p->w_src[i] = 0;
}

static gboolean
relisten(gpointer data)
{
	struct edge_proc *p = data;

	p->relisten_timer = 0;
	listeners_watch(p);
	return G_SOURCE_REMOVE;
}

/* After an accept loop: out of descriptors means the listener stays
 * readable; stop watching for a second instead of spinning. */
static gboolean
accept_done(struct edge_proc *p)
{
	if (errno != EMFILE && errno != ENFILE)
		return G_SOURCE_CONTINUE;
	plog(PLOG_WARN, MOD, "out of file descriptors (%s): not accepting for 1 s", strerror(errno));
	listeners_unwatch(p);
	if (!p->relisten_timer)
		p->relisten_timer = g_timeout_add_seconds(1, relisten, p);
	return G_SOURCE_REMOVE;
}

/* Accept every pending connection on a listener, hand each to one(). */
static gboolean
accept_all(struct edge_proc *p, int fd,
	   void (*one)(struct edge_proc *p, int fd, const struct sockaddr_storage *a))
{
	struct sockaddr_storage a;
	int cfd;

	while ((cfd = accept_fd(fd, &a)) >= 0)
		one(p, cfd, &a);
	return accept_done(p);
}

static gboolean
traversal_accept(gint fd, GIOCondition cond, gpointer data)
{
	return accept_all(data, fd, traversal_accept_one);
}

static gboolean
guest_accept(gint fd, GIOCondition cond, gpointer data)
{
	return accept_all(data, fd, edge_guest_accept_one);
}

/* ---------------------------------------------------------------- */

int
edge_outside_start(struct edge_proc *p, char *err, size_t errlen)
{
	const struct edge_config *cfg = p->cfg;
	struct edge_pair t = { cfg->t_cert, cfg->t_key };
	char s[ADDR_STRLEN];

	p->auth_fail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (edge_tls_creds(&p->t_creds, &t, 1, cfg->t_ca, err, errlen) < 0 ||
	    edge_tls_creds(&p->w_creds, cfg->w_certs, cfg->w_ncerts, NULL, err, errlen) < 0)
		return -1;
	if ((p->t_fd = edge_util_listen_tcp(&cfg->t_listen, err, errlen)) < 0)
		return -1;
	plog(PLOG_NOTICE, MOD, "traversal listener on %s (verify subject name %s)",
	     addr_str(&cfg->t_listen, s, 1), cfg->t_verify_name);
	for (unsigned i = 0; i < cfg->w_nlisten; i++) {
		if ((p->w_fd[i] = edge_util_listen_tcp(&cfg->w_listen[i], err, errlen)) < 0)
			return -1;
		plog(PLOG_NOTICE, MOD, "web proxy listener on %s for %s%s", addr_str(&cfg->w_listen[i], s, 1),
		     cfg->w_hosts.v[0], cfg->w_hosts.n > 1 ? " and others" : "");
	}
	listeners_watch(p);
	return 0;
}

static void
close_listeners(struct edge_proc *p)
{
	listeners_unwatch(p);
	if (p->relisten_timer)
		g_source_remove(p->relisten_timer), p->relisten_timer = 0;
	if (p->t_fd >= 0)
		close(p->t_fd), p->t_fd = -1;
	for (unsigned i = 0; i < p->cfg->w_nlisten; i++)
		if (p->w_fd[i] >= 0)
			close(p->w_fd[i]), p->w_fd[i] = -1;
}

void
edge_outside_drain(struct edge_proc *p)
{
	close_listeners(p);
	edge_guest_drain(p);
}

int
edge_outside_busy(const struct edge_proc *p)
{
	return p->guests.length > 0;
}

void
edge_outside_stop(struct edge_proc *p)
{
	close_listeners(p);
	while (p->guests.head)
		edge_guest_free(p->guests.head->data);
	while (p->tunnels->len)
		tunnel_lost(g_ptr_array_index(p->tunnels, 0), "shutting down");
	if (p->auth_fail)
		g_hash_table_destroy(p->auth_fail);
	if (p->t_creds)
		gnutls_certificate_free_credentials(p->t_creds);
	if (p->w_creds)
		gnutls_certificate_free_credentials(p->w_creds);
}
