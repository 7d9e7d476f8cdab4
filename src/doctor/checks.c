/*
 * checks.c: doctor's checks, one function each, in the table at the end.
 * Each looks at the deployment the way the party concerned does (a
 * browser outside, the inside edge, the meeting server, an admin) and
 * says what is wrong and what to change, in the seed's words where the
 * seed has them.  Blocking, bounded probes; doctor's only thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>

#include "common/addr.h"
#include "common/netns.h"
#include "doctor/doctor-internal.h"
#include "httpc/httpc.h"

#define MAX_TARGETS 16

/* ---- helpers ------------------------------------------------------------ */

/* A GET over HTTPS to addr:port with SNI/Host name, as a guest does. */
static int
https_get(const struct doctor *d, const char *addr, int port, const char *name, const char *path,
	  int verify, struct httpc_resp *r)
{
	struct httpc_req q = {
		.addr = addr, .port = port, .tls = 1, .name = name, .ca_file = d->ca,
		.verify = verify, .path = path, .timeout_ms = d->timeout_ms,
	};

	return httpc_request(&q, r);
}

/* "host:port" of a listener key in a node config; port 0 when absent. */
static int
conf_listen(const struct ini *ini, const char *section, const char *key, char *host, size_t cap)
{
	const char *v = doctor_ini_get(ini, section, key);
	struct sockaddr_storage sa;
	char a[ADDR_STRLEN];

	if (!v || addr_parse(v, 0, &sa) < 0)
		return 0;
	g_strlcpy(host, addr_str(&sa, a, 0), cap);
	return addr_port(&sa);
}

/* The inside edge's /status as JSON, or NULL with err. */
static JsonNode *
inside_status(const struct doctor *d, char *err, size_t errlen)
{
	char host[64];
	int port = d->have_inside ? conf_listen(&d->inside, "admin", "listen", host, sizeof(host)) : 0;
	struct httpc_req q = { .addr = host, .port = port, .path = "/status", .timeout_ms = d->timeout_ms };
	struct httpc_resp r = { 0 };
	JsonNode *root = NULL;

	if (!port)
		snprintf(err, errlen, "the inside edge's [admin] listen is not known (--inside)");
	else if (httpc_request(&q, &r) < 0 || r.status != 200)
		snprintf(err, errlen, "the inside edge's status listener %s:%d does not answer (%s)", host,
			 port, r.err[0] ? r.err : "bad status");
	else if (!(root = json_from_string(r.body->str, NULL)))
		snprintf(err, errlen, "the inside edge's /status is not JSON");
	httpc_resp_clear(&r);
	return root;
}

static const char *
json_str(JsonObject *o, const char *member)
{
	return o && json_object_has_member(o, member) ? json_object_get_string_member(o, member) : NULL;
}

/* The host of an https:// URI, newly allocated. */
static char *
uri_host(const char *uri)
{
	GUri *u = uri ? g_uri_parse(uri, G_URI_FLAGS_NONE, NULL) : NULL;
	char *h = u && g_uri_get_host(u) ? g_strdup(g_uri_get_host(u)) : NULL;

	if (u)
		g_uri_unref(u);
	return h;
}

/* ---- DNS ---------------------------------------------------------------- */

static void
check_external_dns(const struct doctor *d, struct doctor_result *r)
{
	struct doctor_target t[MAX_TARGETS];
	char err[512] = "", got[512] = "";
	int n;

	if (!d->public_addr)
		return doctor_skip(r, "the edge's public address is not known (--public-address)");
	n = doctor_resolve(d, d->ext_resolver, d->external_name, t, MAX_TARGETS, err, sizeof(err));
	if (n < 0)
		return doctor_fail(r, "give a resolver doctor understands", "%s", err);
	for (int i = 0; i < n; i++) {
		if (!strcmp(t[i].addr, d->public_addr))
			return doctor_pass(r, "%s resolves to %s outside (%s), the edge's public address",
					   d->external_name, d->public_addr, d->ext_resolver);
		g_strlcat(got, i ? ", " : "", sizeof(got));
		g_strlcat(got, t[i].addr, sizeof(got));
	}
	doctor_fail(r, "publish an A record for the external name pointing at the edge's public "
		    "(static NAT) address in the external DNS",
		    "outside, %s resolves to %s, not to the edge's public address %s: browsers cannot reach "
		    "the edge", d->external_name, n ? got : "nothing", d->public_addr);
}

/* Does addr:port answer as a web bridge (GET /api/guest/ping = ok)? */
static int
is_web_bridge(const struct doctor *d, const struct doctor_target *t, const char *name, char *why,
	      size_t cap)
{
	struct httpc_resp r;
	int ok = https_get(d, t->addr, t->port, name, "/api/guest/ping", 0, &r) == 0 &&
		 r.status == 200 && strstr(r.body->str, "ok");

	if (!ok)
		snprintf(why, cap, "%s", r.err[0] ? r.err : "it answers, but not as a web bridge");
	httpc_resp_clear(&r);
	return ok;
}

static void
check_internal_dns(const struct doctor *d, struct doctor_result *r)
{
	struct doctor_target t[MAX_TARGETS];
	char err[512] = "", why[300] = "";
	int n = doctor_resolve(d, d->int_resolver, d->external_name, t, MAX_TARGETS, err, sizeof(err));

	if (n < 0)
		return doctor_skip(r, "%s", err);
	if (n == 0)
		return doctor_fail(r, "add an internal A record (or SRV _cms-web._tls) for the external name "
				   "pointing at the web bridge", "inside, %s does not resolve: the inside "
				   "edge has nowhere to send guests", d->external_name);
	for (int i = 0; i < n; i++) {
		if (!t[i].port)
			t[i].port = 443;
		if (d->public_addr && !strcmp(t[i].addr, d->public_addr) && t[i].port == d->guest_port)
			return doctor_fail(r, "the internal DNS must give the web bridge's inside address, "
					   "not the edge's", "inside, %s resolves to the edge's public address "
					   "%s: guest requests would loop", d->external_name, t[i].addr);
		if (!is_web_bridge(d, &t[i], d->external_name, why, sizeof(why)))
			return doctor_fail(r, "point the internal record (A, or SRV _cms-web._tls) of the "
					   "external name at the web bridge",
					   "inside, %s resolves to %s:%d where no web bridge answers (%s)",
					   d->external_name, t[i].addr, t[i].port, why);
	}
	doctor_pass(r, "inside, %s resolves to %s:%d%s, a web bridge", d->external_name, t[0].addr,
		    t[0].port, n > 1 ? " and more" : "");
}

/* ---- the outside edge's certificate ------------------------------------ */

static int
self_signed(gnutls_x509_crt_t crt)
{
	gnutls_datum_t s = { NULL, 0 }, i = { NULL, 0 };
	int same = gnutls_x509_crt_get_raw_dn(crt, &s) >= 0 &&
		   gnutls_x509_crt_get_raw_issuer_dn(crt, &i) >= 0 &&
		   s.size == i.size && !memcmp(s.data, i.data, s.size);

	gnutls_free(s.data);
	gnutls_free(i.data);
	return same;
}

static void
judge_cert(const struct doctor *d, gnutls_x509_crt_t crt, unsigned status, struct doctor_result *r)
{
	time_t now = time(NULL);

	if (self_signed(crt))
		return doctor_fail(r, "give the outside edge ([webproxy] certificate) a certificate issued "
				   "by a CA the browsers trust", "the outside edge's certificate is "
				   "self-signed: browsers say \"not secure\"");
	if (!gnutls_x509_crt_check_hostname2(crt, d->external_name, 0))
		return doctor_fail(r, "reissue the outside edge's certificate with the external name "
				   "in its subjectAltName", "the outside edge's certificate does not name "
				   "%s in its SANs: browsers say \"not secure\"", d->external_name);
	if (gnutls_x509_crt_get_expiration_time(crt) < now ||
	    gnutls_x509_crt_get_activation_time(crt) > now)
		return doctor_fail(r, "renew the outside edge's certificate", "the outside edge's "
				   "certificate is expired or not yet valid: browsers say \"not secure\"");
	if (status)
		return doctor_fail(r, "serve the full chain ([webproxy] certificate may hold it) from a "
				   "CA the browsers trust", "the outside edge's certificate does not chain "
				   "to a trusted CA%s%s: browsers say \"not secure\"", d->ca ? " in " : "",
				   d->ca ? d->ca : "");
	doctor_pass(r, "the outside edge's certificate names %s, chains to a trusted CA, is valid "
		    "and not self-signed", d->external_name);
}

static void
check_certificate(const struct doctor *d, struct doctor_result *r)
{
	struct httpc_resp h;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t der;

	if (!d->public_addr || !d->guest_port)
		return doctor_skip(r, "the edge's public address and guest port are not known");
	if (https_get(d, d->public_addr, d->guest_port, d->external_name, "/", 0, &h) < 0 &&
	    (!h.chain || h.chain->len == 0)) {
		doctor_fail(r, "start the outside edge and open TCP to its guest port", "no TLS from "
			    "the outside edge at %s:%d: %s", d->public_addr, d->guest_port, h.err);
		goto out;
	}
	der.data = (unsigned char *)g_bytes_get_data(g_ptr_array_index(h.chain, 0), NULL);
	der.size = (unsigned)g_bytes_get_size(g_ptr_array_index(h.chain, 0));
	gnutls_x509_crt_init(&crt);
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) < 0)
		doctor_fail(r, "check [webproxy] certificate", "the outside edge sent a certificate "
			    "that does not parse");
	else
		judge_cert(d, crt, h.verify_status, r);
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	httpc_resp_clear(&h);
}

/* ---- the inside edge ---------------------------------------------------- */

static void
check_guest_uri(const struct doctor *d, struct doctor_result *r)
{
	char err[512] = "";
	JsonNode *st = inside_status(d, err, sizeof(err));
	const char *uri = st ? json_str(json_node_get_object(st), "guest_uri") : NULL;
	char *host;

	if (!uri && d->have_inside)
		uri = doctor_ini_get(&d->inside, "webproxy", "guest-uri");
	host = uri_host(uri);
	if (!host)
		doctor_skip(r, "the inside edge's Guest account client URI is not known (%s)", err);
	else if (g_ascii_strcasecmp(host, d->external_name))
		doctor_fail(r, "set the inside edge's [webproxy] guest-uri to the EXTERNAL URL "
			    "(https://<external name>) and restart it",
			    "Guest account client URI is %s, not the external name %s: guests get "
			    "\"Bad Request\"", uri, d->external_name);
	else
		doctor_pass(r, "Guest account client URI is %s, the external name", uri);
	g_free(host);
	if (st)
		json_node_unref(st);
}

/* Domains the inside serves and its guest URI host, each needing a tunnel
 * (a wrong guest URI is guest-uri's business, not this check's). */
static GPtrArray *
wanted_domains(const struct doctor *d)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	char *host;

	for (unsigned i = 0; d->have_inside && i < d->inside.n; i++) {
		const struct ini_entry *e = &d->inside.entries[i];
		if (strcmp(e->section, "edge") || strcmp(e->key, "domain"))
			continue;
		gchar **v = g_strsplit(e->value, ",", -1);
		for (unsigned j = 0; v[j]; j++)
			g_ptr_array_add(a, g_strdup(g_strstrip(v[j])));
		g_strfreev(v);
	}
	host = uri_host(d->have_inside ? doctor_ini_get(&d->inside, "webproxy", "guest-uri") : NULL);
	g_ptr_array_add(a, host ? host : g_strdup(d->external_name));
	return a;
}

/* Is some tunnel row for domain Active?  Else the last error seen for it. */
static int
domain_active(JsonArray *rows, const char *domain, const char **why)
{
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *o = json_array_get_object_element(rows, i);
		const char *dom = json_str(o, "domain"), *state = json_str(o, "state");
		const char *e = json_str(o, "last_error");
		if (!dom || g_ascii_strcasecmp(dom, domain))
			continue;
		if (state && !strcmp(state, "Active"))
			return 1;
		if (e && *e)
			*why = e;
	}
	return 0;
}

static const char *
tunnel_fix(const char *why)
{
	if (why && (strstr(why, "credential") || strstr(why, "password")))
		return "make [traversal] username/password on the inside edge match the outside edge's "
		       "[users] entry named in [traversal] accounts";
	if (why && strstr(why, "certificate"))
		return "the inside certificate must carry the outside's verify-subject-name and both "
		       "must chain to each other's [traversal] ca";
	return "check that the inside edge reaches the outside edge's traversal port (TCP 7001) "
	       "and read both edges' logs";
}

static void
check_tunnels(const struct doctor *d, struct doctor_result *r)
{
	char err[512] = "", down[512] = "";
	JsonNode *st = inside_status(d, err, sizeof(err));
	JsonObject *o = st ? json_node_get_object(st) : NULL;
	JsonArray *rows = o && json_object_has_member(o, "tunnels") ?
			  json_object_get_array_member(o, "tunnels") : NULL;
	GPtrArray *want = wanted_domains(d);
	const char *why = NULL;

	if (!d->have_inside) {
		doctor_skip(r, "the inside edge is not known (--inside)");
		goto out;
	}
	if (!rows) {
		doctor_fail(r, "start the inside edge with an [admin] listener", "%s", err);
		goto out;
	}
	for (guint i = 0; i < want->len; i++)
		if (!domain_active(rows, want->pdata[i], &why)) {
			g_strlcat(down, *down ? ", " : "", sizeof(down));
			g_strlcat(down, want->pdata[i], sizeof(down));
		}
	if (*down)
		doctor_fail(r, tunnel_fix(why), "no Active tunnel for %s%s%s", down,
			    why ? "; last error: " : "", why ? why : "");
	else
		doctor_pass(r, "tunnels Active for every domain (%u)", want->len);
out:
	g_ptr_array_unref(want);
	if (st)
		json_node_unref(st);
}

/* ---- the meeting server ------------------------------------------------- */

/* Checks that need the admin API say SKIP, not FAIL, when it is not given. */
static int
no_api(const struct doctor *d, struct doctor_result *r)
{
	if (d->api_host && d->api_user)
		return 0;
	doctor_skip(r, "the admin API is not given (--api, --api-user, --api-password-file)");
	return 1;
}

static void
check_webbridge_link(const struct doctor *d, struct doctor_result *r)
{
	char err[512] = "", *body = NULL;
	int st;
	static const char fix[] = "put the call bridge's certificate in the web bridge's trust "
				  "bundle ([webbridge] trust, the seed's \"webbridge trust\") and check the "
				  "web bridge URL";

	if (no_api(d, r))
		return;
	st = doctor_api_get(d, "/system/alarms", &body, err, sizeof(err));
	if (st == 200 && strstr(body, "webBridgeConnectionFailure"))
		doctor_fail(r, fix, "the web bridge has no trusted link to the call bridge (alarm "
			    "webBridgeConnectionFailure): guests see no \"Join call\" button");
	else if (st == 200)
		doctor_pass(r, "the web bridge's link to the call bridge is up (no "
			    "webBridgeConnectionFailure alarm)");
	else
		doctor_fail(r, "give doctor the admin API and credentials", "cannot read the alarms: %s",
			    err[0] ? err : "unexpected answer");
	g_free(body);
}

/* The ids of every turnServers entry, or NULL with the failure in r. */
static gchar **
turn_ids(const struct doctor *d, struct doctor_result *r)
{
	char err[512] = "", *body = NULL;
	GPtrArray *ids = g_ptr_array_new();
	const char *p;

	if (doctor_api_get(d, "/turnServers", &body, err, sizeof(err)) != 200) {
		doctor_fail(r, "give doctor the admin API and credentials", "cannot list turnServers: %s",
			    err[0] ? err : "unexpected answer");
		g_ptr_array_free(ids, TRUE);
		g_free(body);
		return NULL;
	}
	for (p = strstr(body, "<turnServer id=\""); p; p = strstr(p + 1, "<turnServer id=\"")) {
		const char *s = p + 16, *e = strchr(s, '"');
		if (e)
			g_ptr_array_add(ids, g_strndup(s, (gsize)(e - s)));
	}
	g_ptr_array_add(ids, NULL);
	g_free(body);
	if (!ids->pdata[0])
		doctor_fail(r, "POST /api/v1/turnServers with serverAddress, clientAddress, username, "
			    "password (the seed's TURN step)", "no turnServers entry: browsers get no "
			    "relay and calls from outside time out");
	return (gchar **)g_ptr_array_free(ids, FALSE);
}

/* One entry's status as the meeting server probes it.  1 when good. */
static int
turn_status_ok(const struct doctor *d, const char *id, struct doctor_result *r)
{
	char err[512] = "", *path = g_strdup_printf("/turnServers/%s/status", id), *body = NULL;
	int ok = 0;

	if (doctor_api_get(d, path, &body, err, sizeof(err)) != 200)
		doctor_fail(r, "give doctor the admin API", "turnServers/%s/status: %s", id, err);
	else if (strstr(body, "authenticationFailure"))
		doctor_fail(r, "set the same TURN username and password in the turnServers entry "
			    "(PUT /api/v1/turnServers/<id>) and in the edge's [users]",
			    "TURN username or password differs between the meeting server and the edge "
			    "(turnServer %s: 401 to the authenticated Allocate)", id);
	else if (!strstr(body, "<reachable>true</reachable>") || strstr(body, "connectFailure"))
		doctor_fail(r, "open UDP/TCP 3478 from the meeting server to the edge's inside address "
			    "and check serverAddress", "the meeting server cannot reach TURN at "
			    "serverAddress (turnServer %s)", id);
	else
		ok = 1;
	g_free(body);
	g_free(path);
	return ok;
}

static void
check_turn_server_side(const struct doctor *d, struct doctor_result *r)
{
	gchar **ids;
	unsigned n = 0;

	if (no_api(d, r) || !(ids = turn_ids(d, r)))
		return;
	for (; ids[n]; n++)
		if (!turn_status_ok(d, ids[n], r))
			goto out;
	if (n)
		doctor_pass(r, "the meeting server allocates on every TURN server (%u) with its "
			    "credentials", n);
out:
	g_strfreev(ids);
}

struct turn_entry {
	char *client, *user, *tcp_port;
};

static void
turn_entry_clear(struct turn_entry *e)
{
	g_free(e->client);
	g_free(e->user);
	g_free(e->tcp_port);
}

static int
turn_entry_get(const struct doctor *d, const char *id, struct turn_entry *e)
{
	char err[512], *path = g_strdup_printf("/turnServers/%s", id), *body = NULL;
	int st = doctor_api_get(d, path, &body, err, sizeof(err));

	if (st == 200) {
		e->client = doctor_xml_text(body, "clientAddress");
		e->user = doctor_xml_text(body, "username");
		e->tcp_port = doctor_xml_text(body, "tcpPortNumberOverride");
	}
	g_free(body);
	g_free(path);
	return st == 200 && e->client && e->user ? 0 : -1;
}

/* Allocate from here on clientAddress, UDP (relay round trip) and TCP. */
static int
turn_client_ok(const struct doctor *d, const struct turn_entry *e, struct doctor_result *r)
{
	const char *pw = doctor_ini_get(&d->outside, "users", e->user);
	const char *udp = d->have_meet ? doctor_ini_get(&d->meet, "callbridge", "turn-udp-port") : NULL;
	struct sockaddr_storage sa;
	struct doctor_turn_result t;
	const char *how[2] = { "UDP", "TCP" };
	int ports[2] = { udp ? atoi(udp) : 3478, e->tcp_port ? atoi(e->tcp_port) : 0 };

	if (!pw) {
		doctor_fail(r, "add the turnServers username to the edge's [users] (not to [traversal] "
			    "accounts)", "TURN username %s is not a TURN user of the edge: TURN username or "
			    "password differs between the meeting server and the edge", e->user);
		return 0;
	}
	for (int tcp = 0; tcp < 2; tcp++) {
		if (!ports[tcp] || addr_parse(e->client, ports[tcp], &sa) < 0)
			continue;
		/* The entry came from the API (inside view); the Allocate is a
		 * browser's (client view). */
		if (d->client_netns)
			netns_enter(d->client_netns);
		doctor_turn_allocate(&sa, tcp, e->user, pw, !tcp, d->timeout_ms, &t);
		if (d->client_netns)
			netns_enter(d->netns);
		if (!t.allocated) {
			doctor_fail(r, "open TCP+UDP 3478 from the internet to the edge's public address "
				    "and check clientAddress", "a browser cannot allocate on TURN at "
				    "clientAddress %s port %d over %s: %s", e->client, ports[tcp],
				    how[tcp], t.detail);
			return 0;
		}
		if (!tcp && !t.relay_ok) {
			char a[ADDR_STRLEN];
			doctor_fail(r, "open the relay port range (UDP 24000-29999 in the seed) to and from "
				    "the edge's public address", "allocation on %s works but a datagram sent to "
				    "the relayed address %s never came back: the relay port range is closed, "
				    "media would not flow", e->client, addr_str(&t.relayed, a, 1));
			return 0;
		}
	}
	return 1;
}

static void
check_turn_client_side(const struct doctor *d, struct doctor_result *r)
{
	gchar **ids;
	unsigned n = 0;

	if (!d->have_outside)
		return doctor_skip(r, "the TURN users are not known (--outside)");
	if (no_api(d, r) || !(ids = turn_ids(d, r)))
		return;
	for (; ids[n]; n++) {
		struct turn_entry e = { 0 };
		int ok = turn_entry_get(d, ids[n], &e) == 0 && turn_client_ok(d, &e, r);
		if (!ok && r->status != DOCTOR_FAIL)
			doctor_fail(r, "check the turnServers entry", "cannot read turnServers/%s", ids[n]);
		turn_entry_clear(&e);
		if (!ok)
			goto out;
	}
	if (n)
		doctor_pass(r, "from the client side, every clientAddress (%u) allocates with the edge's "
			    "TURN user over UDP%s and relays back", n, "/TCP");
out:
	g_strfreev(ids);
}

/* ---- the table ---------------------------------------------------------- */

static const struct doctor_check checks[] = {
	{ "external-dns", "the external name resolves to the edge's public address (outside view)", 1, check_external_dns },
	{ "internal-dns", "the external name resolves to a web bridge (inside view)", 0, check_internal_dns },
	{ "certificate", "the outside edge's certificate: name, chain, validity, not self-signed", 1, check_certificate },
	{ "guest-uri", "Guest account client URI is the external name", 0, check_guest_uri },
	{ "tunnels", "a tunnel is Active for every domain", 0, check_tunnels },
	{ "webbridge-link", "the web bridge has a trusted link to the call bridge", 0, check_webbridge_link },
	{ "turn-server-side", "each turnServers entry allocates from the meeting server", 0, check_turn_server_side },
	{ "turn-client-side", "each clientAddress allocates and relays from the client side", 0, check_turn_client_side },
};

const struct doctor_check *
doctor_check_table(size_t *n)
{
	*n = G_N_ELEMENTS(checks);
	return checks;
}
