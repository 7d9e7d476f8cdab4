/*
 * conf.c: lab_conf_*, the lab's secrets and node configurations.
 *
 * Secrets (API admin, TURN user, traversal user) are made once and kept
 * in <state>/secrets (0600), so a second run keeps working credentials.
 * The configuration files are rewritten on every run from the ports and
 * the --break fault of that run; every path in them is absolute.
 * <state>/lab.ini tells `portico doctor --lab` where everything is.
 * Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "lab/lab-internal.h"

static int
write_text(const struct lab *lab, const char *rel, const char *text, int mode, GError **err)
{
	char *path = lab_path(lab, rel);
	int ret = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, err)
		  ? 0 : -1;

	g_free(path);
	return ret;
}

/* The secret in <state>/secrets/<name>, made when absent: 16 random
 * bytes in hex (nothing a shell, Basic auth or an INI file would mangle). */
static char *
secret(const struct lab *lab, const char *name, GError **err)
{
	char *rel = g_build_filename("secrets", name, NULL), *path = lab_path(lab, rel), *s = NULL;
	unsigned char raw[16];

	if (g_file_get_contents(path, &s, NULL, NULL)) {
		g_strstrip(s);
		if (*s)
			goto out;
		g_free(s);
	}
	gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw));
	s = g_malloc(2 * sizeof(raw) + 1);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	if (write_text(lab, rel, s, 0600, err) < 0) {
		g_free(s);
		s = NULL;
	}
out:
	g_free(rel);
	g_free(path);
	return s;
}

int
lab_conf_secrets(struct lab *lab, GError **err)
{
	char *dir = lab_path(lab, "secrets");
	int ret = g_mkdir_with_parents(dir, 0700);

	g_free(dir);
	if (ret < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot create %s/secrets: %s", lab->state, g_strerror(errno));
		return -1;
	}
	lab->admin_password = secret(lab, "admin-password", err);
	if (lab->admin_password)
		lab->turn_password = secret(lab, "turn-password", err);
	if (lab->turn_password)
		lab->traversal_password = secret(lab, "traversal-password", err);
	return lab->traversal_password ? 0 : -1;
}

static const struct lab_net net_loopback = {
	.guest_addr = LAB_PUBLIC_ADDR, .guest_listen = LAB_PUBLIC_ADDR, .meet_addr = LAB_INSIDE_ADDR,
	.traversal_addr = LAB_PUBLIC_ADDR, .traversal_connect = LAB_PUBLIC_ADDR,
	.edge_admin = "127.0.0.1", .inside_admin = "127.0.0.1", .turn_inside = LAB_PUBLIC_ADDR,
	.relay_addr = LAB_PUBLIC_ADDR, .turn_client = LAB_PUBLIC_ADDR,
	.tunnel_allow = "127.0.0.0/8", .trusted_proxy = "127.0.0.0/8", .turn_peers = "127.0.0.0/8",
	.media_addr = LAB_PUBLIC_ADDR,
};

/* The seed's network with documentation ranges: internet 203.0.113.0/24
 * (static NAT .156), DMZ 192.0.2.0/24, inside 198.51.100.0/24 (the seed's
 * 172.16.85.x host numbers kept).  Those ranges are special-purpose, so
 * the TURN server must be told it may relay to them. */
static const struct lab_net net_netns = {
	.guest_addr = "203.0.113.156", .guest_listen = "192.0.2.61", .meet_addr = "198.51.100.180",
	.traversal_addr = "198.51.100.168", .traversal_connect = LAB_OUTSIDE_NAME,
	.edge_admin = "198.51.100.168", .inside_admin = "198.51.100.167",
	.turn_inside = "198.51.100.168", .turn_outside = "192.0.2.61", .relay_addr = "192.0.2.61",
	.external_addr = "203.0.113.156", .turn_client = "203.0.113.156",
	.tunnel_allow = "198.51.100.167/32", .trusted_proxy = "198.51.100.167",
	.turn_peers = "198.51.100.0/24, 203.0.113.0/24", .media_addr = "198.51.100.180",
	.ns_inet = "portico-inet", .ns_dmz = "portico-dmz", .ns_inside = "portico-cms",
	.ns_vcsc = "portico-vcsc",
	.ext_dns = "203.0.113.53", .int_dns = "198.51.100.53",
};

const struct lab_net *
lab_conf_net(int netns)
{
	return netns ? &net_netns : &net_loopback;
}

static char *
meet_conf(const struct lab *lab)
{
	const struct lab_ports *p = &lab->port;
	const struct lab_net *n = lab->net;
	const char *trust = lab->fault == LAB_FAULT_TRUST ? "admin" : "callbridge";
	const char *s = lab->state;
	char port[16] = "";

	if (p->webproxy != 443)
		snprintf(port, sizeof(port), ":%d", p->webproxy);
	return g_strdup_printf(
		"; portico lab: the meeting server (the seed's CMS).  Rewritten on each run.\n"
		"[meet]\nstate = %s/meet\nlog-level = info\nseed = yes\n"
		"seed-domains = cms.octavio.local, octavio.com\nguest-jid-domain = cms.octavio.local\n"
		"[webbridge]\nlisten = %s:%d\ncertificate = %s/certs/webbridge.crt\n"
		"key = %s/certs/webbridge.key\nweb-root = %s\nurl = https://%s%s\n"
		"trust = %s/certs/%s.crt\ntrusted-proxies = %s\n"
		"[callbridge]\ncertificate = %s/certs/callbridge.crt\nlink-retry = 1\nturn-udp-port = %d\n"
		"[api]\nlisten = %s:%d\ncertificate = %s/certs/admin.crt\nkey = %s/certs/admin.key\n"
		"auth-attempts = 1000\n"
		"[media]\nhost-candidates = no\naddresses = %s\nbrowser-relay-only = yes\n",
		s, n->meet_addr, p->webbridge, s, s, lab->web_root, LAB_EXTERNAL_NAME, port,
		s, trust, n->trusted_proxy, s, p->turn, n->meet_addr, p->api, s, s, n->media_addr);
}

static char *
turn_section(const struct lab *lab)
{
	const struct lab_net *n = lab->net;
	const struct lab_ports *p = &lab->port;
	GString *t = g_string_new("[turn]\n");

	g_string_append_printf(t, "listen = %s:%d\n", n->turn_inside, p->turn);
	if (n->turn_outside)
		g_string_append_printf(t, "listen = %s:%d\n", n->turn_outside, p->turn);
	g_string_append_printf(t, "relay-address = %s\n", n->relay_addr);
	if (n->external_addr)
		g_string_append_printf(t, "external-address = %s\n", n->external_addr);
	g_string_append_printf(t, "relay-ports = %d-%d\nrealm = octavio.com\nallowed-peers = %s\n"
			       "admin-listen = %s:%d\n", p->relay_lo, p->relay_hi, n->turn_peers,
			       n->edge_admin, p->turn_admin);
	return g_string_free(t, FALSE);
}

static char *
outside_conf(const struct lab *lab)
{
	const struct lab_ports *p = &lab->port;
	const struct lab_net *n = lab->net;
	const char *s = lab->state, *g = lab_certs_guest_name(lab);
	char *turn = turn_section(lab), *text;

	text = g_strdup_printf(
		"; portico lab: the outside edge (the seed's Expressway-E).  Rewritten on each run.\n"
		"[edge]\nrole = outside\nname = vcse\ndomain = octavio.com\nlog-level = info\n"
		"[traversal]\nlisten = %s:%d\ncertificate = %s/certs/vcse.crt\nkey = %s/certs/vcse.key\n"
		"ca = %s/certs/ca.crt\nverify-subject-name = %s\naccounts = %s\nallow = %s\n"
		"max-auth-failures = 1000\nping-interval = 2\ndrain-timeout = 5\n"
		"[users]\n%s = %s\n%s = %s\n"
		"[webproxy]\nlisten = %s:%d\nhosts = %s\ncertificate = %s/certs/%s.crt\nkey = %s/certs/%s.key\n"
		"[admin]\nlisten = %s:%d\n%s",
		n->traversal_addr, p->traversal, s, s, s, LAB_INSIDE_NAME, LAB_TRAVERSAL_USER,
		n->tunnel_allow, LAB_TRAVERSAL_USER, lab->traversal_password, LAB_TURN_USER,
		lab->turn_password, n->guest_listen, p->webproxy, LAB_EXTERNAL_NAME, s, g, s, g,
		n->edge_admin, p->admin_out, turn);
	g_free(turn);
	return text;
}

/* The inside's [dns]: what the internal DNS answers in the seed (the
 * external name resolves to the web bridge), or with --break dns an
 * address where no web bridge listens.  Under --netns a real internal
 * DNS server answers instead (dnsmasq), so there is no [dns]. */
static char *
inside_dns(const struct lab *lab)
{
	const char *wb = lab->fault == LAB_FAULT_DNS ? "127.0.0.3" : LAB_INSIDE_ADDR;

	if (lab->net->int_dns)
		return g_strdup("");
	return g_strdup_printf("[dns]\n_cms-web._tls.%s = 10 10 %d %s\n%s = %s\n"
			       "_cms-web._tls.%s = 10 10 %d %s\n%s = %s\n",
			       LAB_EXTERNAL_NAME, lab->port.webbridge, LAB_EXTERNAL_NAME,
			       LAB_EXTERNAL_NAME, wb, LAB_INTERNAL_WEB_NAME, lab->port.webbridge,
			       LAB_INTERNAL_WEB_NAME, LAB_INTERNAL_WEB_NAME, LAB_INSIDE_ADDR);
}

static char *
inside_conf(const struct lab *lab)
{
	const struct lab_ports *p = &lab->port;
	const struct lab_net *n = lab->net;
	const char *s = lab->state;
	const char *guest = lab->fault == LAB_FAULT_GUEST_URI ? LAB_INTERNAL_WEB_NAME : LAB_EXTERNAL_NAME;
	char *dns = inside_dns(lab), *text;

	text = g_strdup_printf(
		"; portico lab: the inside edge (the seed's Expressway-C).  Rewritten on each run.\n"
		"[edge]\nrole = inside\nname = vcsc\ndomain = octavio.local\ndomain = octavio.com\n"
		"log-level = info\n"
		"[traversal]\nconnect = %s:%d\nserver-name = %s\nusername = %s\npassword = %s%s\n"
		"certificate = %s/certs/vcsc.crt\nkey = %s/certs/vcsc.key\nca = %s/certs/ca.crt\n"
		"ping-interval = 2\nbackoff-initial = 1\nbackoff-max = 2\ndrain-timeout = 5\n"
		"[webproxy]\nguest-uri = https://%s\nca = %s/certs/ca.crt\nhealth-interval = 1\n"
		"[admin]\nlisten = %s:%d\n%s",
		n->traversal_connect, p->traversal, LAB_OUTSIDE_NAME, LAB_TRAVERSAL_USER,
		lab->fault == LAB_FAULT_TUNNEL ? "wrong-" : "", lab->traversal_password, s, s, s,
		guest, s, n->inside_admin, p->admin_in, dns);
	g_free(dns);
	return text;
}

/* How doctor reaches things: namespaces and real resolvers under --netns,
 * loopback and fixed answers otherwise. */
static char *
lab_ini_net(const struct lab *lab)
{
	const struct lab_net *n = lab->net;

	if (!n->ns_inet)
		return g_strdup_printf("external-resolver = map:%s=%s\ninternal-resolver = config\n",
				       LAB_EXTERNAL_NAME, n->guest_addr);
	return g_strdup_printf("external-resolver = udp:%s\ninternal-resolver = udp:%s\n"
			       "netns = %s\nclient-netns = %s\n", n->ext_dns, n->int_dns,
			       n->ns_inside, n->ns_inet);
}

/* For `portico doctor --lab DIR`: where things are and how names resolve. */
static char *
lab_ini(const struct lab *lab)
{
	const struct lab_ports *p = &lab->port;
	char *net = lab_ini_net(lab), *text;

	text = g_strdup_printf(
		"; portico lab: read by `portico doctor --lab %s`.  Rewritten on each run.\n"
		"[lab]\nexternal-name = %s\npublic-address = %s\n%s"
		"outside = %s/edge-outside.conf\ninside = %s/edge-inside.conf\nmeet = %s/meet.conf\n"
		"api = https://%s:%d\napi-name = %s\napi-user = %s\napi-password-file = %s/secrets/admin-password\n"
		"ca = %s/certs/ca.crt\nturn-port = %d\nrelay-ports = %d-%d\nfault = %s\n",
		lab->state, LAB_EXTERNAL_NAME, lab->net->guest_addr, net, lab->state, lab->state,
		lab->state, lab->net->meet_addr, p->api, LAB_ADMIN_NAME, LAB_ADMIN_USER, lab->state,
		lab->state, p->turn, p->relay_lo, p->relay_hi, lab_fault_name(lab->fault));
	g_free(net);
	return text;
}

int
lab_conf_write(const struct lab *lab, GError **err)
{
	static const struct {
		const char *file;
		char *(*make)(const struct lab *lab);
		int mode;
	} files[] = {
		{ "meet.conf", meet_conf, 0600 },
		{ "edge-outside.conf", outside_conf, 0600 },  /* holds [users] passwords */
		{ "edge-inside.conf", inside_conf, 0600 },
		{ "lab.ini", lab_ini, 0644 },
	};
	char *logs = lab_path(lab, "logs");
	int ret = g_mkdir_with_parents(logs, 0700);

	g_free(logs);
	if (ret < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot create %s/logs: %s", lab->state, g_strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(files) && ret == 0; i++) {
		char *text = files[i].make(lab);
		ret = write_text(lab, files[i].file, text, files[i].mode, err);
		explicit_bzero(text, strlen(text));
		g_free(text);
	}
	return ret;
}
