/*
 * test_checks.c: src/doctor/checks.c (the file is included to reach its
 * statics): the check table, the helpers that read configs, URIs and the
 * inside edge's JSON, and the checks themselves on what needs no running
 * deployment: DNS through map: resolvers, the certificate judge on a
 * self-signed certificate made here, the guest URI from the inside config,
 * the TURN client side against a closed loopback port, and every SKIP for
 * what doctor was not told.
 */
#include <unistd.h>

#include "../../../src/doctor/checks.c"
#include "tap.h"

#define NAME "cmsweb.octavio.com"

static void
load_ini(struct ini *ini, const char *text)
{
	char err[INI_ERR_MAX];

	if (ini_parse(ini, "test", text, strlen(text), err, sizeof(err)) < 0)
		ok(0, "test config parses: %s", err);
}

static void
test_table(void)
{
	size_t n;
	const struct doctor_check *c = doctor_check_table(&n);
	int good = n == 8;

	for (size_t i = 0; i < n; i++) {
		good = good && c[i].name && c[i].what && c[i].run;
		for (size_t j = 0; j < i; j++)
			good = good && strcmp(c[i].name, c[j].name);
	}
	ok(good, "eight checks, named, described, unique");
	is_str(c[0].name, "external-dns", "the external view's DNS comes first");
	ok(c[0].client && !c[1].client, "external-dns looks from the client side, internal-dns not");
}

static void
test_helpers(void)
{
	struct ini ini = { 0 };
	char host[64] = "", *h;
	JsonNode *rows = json_from_string("[{\"domain\":\"a.com\",\"state\":\"Active\"},"
					  "{\"domain\":\"b.com\",\"state\":\"Idle\",\"last_error\":\"bad credentials\"}]",
					  NULL);
	const char *why = NULL;
	struct doctor d = { .external_name = NAME };
	GPtrArray *want;

	h = uri_host("https://" NAME ":9443/x");
	is_str(h, NAME, "uri_host");
	g_free(h);
	ok(!uri_host("not a uri") && !uri_host(NULL), "uri_host: none for junk");
	load_ini(&ini, "[admin]\nlisten = 127.0.0.1:9446\n");
	is_int(conf_listen(&ini, "admin", "listen", host, sizeof(host)), 9446, "conf_listen: the port");
	is_str(host, "127.0.0.1", "conf_listen: the host");
	is_int(conf_listen(&ini, "admin", "other", host, sizeof(host)), 0, "conf_listen: 0 when absent");
	ini_free(&ini);

	ok(domain_active(json_node_get_array(rows), "A.COM", &why), "domain_active: Active row");
	ok(!domain_active(json_node_get_array(rows), "b.com", &why) && why && !strcmp(why, "bad credentials"),
	   "domain_active: not Active, its last error");
	json_node_unref(rows);
	ok(strstr(tunnel_fix("bad credentials"), "username/password") != NULL, "tunnel_fix: credentials");
	ok(strstr(tunnel_fix("certificate unknown"), "verify-subject-name") != NULL, "tunnel_fix: certificates");
	ok(strstr(tunnel_fix(NULL), "7001") != NULL, "tunnel_fix: otherwise the traversal port");

	load_ini(&d.inside, "[edge]\ndomain = a.com, b.com\n[webproxy]\nguest-uri = https://c.com/\n");
	d.have_inside = 1;
	want = wanted_domains(&d);
	ok(want->len == 3 && !strcmp(want->pdata[0], "a.com") && !strcmp(want->pdata[1], "b.com") &&
	   !strcmp(want->pdata[2], "c.com"), "wanted_domains: [edge] domain and the guest URI host");
	g_ptr_array_unref(want);
	ini_free(&d.inside);
}

static void
test_dns(void)
{
	struct doctor d = { .external_name = NAME, .ext_resolver = "map:" NAME "=203.0.113.156",
			    .int_resolver = "map:" NAME "=203.0.113.156", .guest_port = 443 };
	struct doctor_result r = { 0 };

	check_external_dns(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "external-dns: SKIP without the public address");
	d.public_addr = "203.0.113.156";
	check_external_dns(&d, &r);
	is_int(r.status, DOCTOR_PASS, "external-dns: PASS when it resolves to the public address");
	d.public_addr = "203.0.113.9";
	check_external_dns(&d, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "not to the edge's public address") && r.fix[0],
	   "external-dns: FAIL with a cause and a fix otherwise");
	d.ext_resolver = "bogus:";
	check_external_dns(&d, &r);
	is_int(r.status, DOCTOR_FAIL, "external-dns: FAIL for a resolver spec doctor does not know");

	d.public_addr = "203.0.113.156";
	check_internal_dns(&d, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "loop"), "internal-dns: the edge's address inside is a loop");
	d.int_resolver = "map:other.example=192.0.2.1";
	check_internal_dns(&d, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "does not resolve"), "internal-dns: no answer");
}

/* A self-signed certificate for name, valid now. */
static gnutls_x509_crt_t
self_signed_cert(const char *name)
{
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	time_t now = time(NULL);

	gnutls_x509_privkey_init(&key);
	gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, "\x01", 1);
	gnutls_x509_crt_set_activation_time(crt, now - 60);
	gnutls_x509_crt_set_expiration_time(crt, now + 3600);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name, (unsigned)strlen(name));
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name),
					     GNUTLS_FSAN_SET);
	gnutls_x509_crt_set_key(crt, key);
	gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	gnutls_x509_privkey_deinit(key);
	return crt;
}

static void
test_certificate(void)
{
	struct doctor d = { .external_name = NAME, .timeout_ms = 1000 };
	struct doctor_result r = { 0 };
	gnutls_x509_crt_t crt = self_signed_cert(NAME);
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ok(self_signed(crt), "self_signed: subject is issuer");
	judge_cert(&d, crt, 0, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "self-signed"), "judge_cert: self-signed is FAIL");
	gnutls_x509_crt_deinit(crt);

	check_certificate(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "certificate: SKIP without the public address");
	/* A port that was just free: nothing listens, no TLS. */
	addr_parse("127.0.0.1:0", 0, &sa);
	bind(fd, (struct sockaddr *)&sa, addr_len(&sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	d.public_addr = "127.0.0.1";
	d.guest_port = addr_port(&sa);
	check_certificate(&d, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "no TLS from the outside edge"),
	   "certificate: FAIL when nothing answers on the guest port");
}

static void
test_inside_and_api(void)
{
	struct doctor d = { .external_name = NAME, .timeout_ms = 1000 };
	struct doctor_result r = { 0 };

	check_tunnels(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "tunnels: SKIP without the inside config");
	check_guest_uri(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "guest-uri: SKIP when the URI is not known");
	load_ini(&d.inside, "[webproxy]\nguest-uri = https://cmsweb.cms.octavio.local\n");
	d.have_inside = 1;
	check_guest_uri(&d, &r);
	ok(r.status == DOCTOR_FAIL && strstr(r.cause, "Bad Request"), "guest-uri: the internal name is FAIL");
	ini_free(&d.inside);
	load_ini(&d.inside, "[webproxy]\nguest-uri = https://" NAME "\n");
	check_guest_uri(&d, &r);
	is_int(r.status, DOCTOR_PASS, "guest-uri: the external name is PASS");
	ini_free(&d.inside);

	check_webbridge_link(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "webbridge-link: SKIP without the admin API");
	check_turn_server_side(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "turn-server-side: SKIP without the admin API");
	check_turn_client_side(&d, &r);
	is_int(r.status, DOCTOR_SKIP, "turn-client-side: SKIP without the outside config");
}

static void
test_turn_client(void)
{
	struct doctor d = { .external_name = NAME, .timeout_ms = 2000, .have_outside = 1 };
	struct doctor_result r = { 0 };
	struct turn_entry e = { .client = "127.0.0.1", .user = "turnuser" };
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char port[16];

	load_ini(&d.outside, "[users]\nother = x\n");
	ok(!turn_client_ok(&d, &e, &r) && strstr(r.cause, "not a TURN user of the edge"),
	   "turn-client-side: a user the edge does not know");
	ini_free(&d.outside);
	/* A UDP port nothing listens on: the port unreachable ends it. */
	addr_parse("127.0.0.1:0", 0, &sa);
	bind(fd, (struct sockaddr *)&sa, addr_len(&sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	snprintf(port, sizeof(port), "%d", addr_port(&sa));
	load_ini(&d.outside, "[users]\nturnuser = secret\n");
	d.have_meet = 1;
	{
		char *text = g_strdup_printf("[callbridge]\nturn-udp-port = %s\n", port);
		load_ini(&d.meet, text);
		g_free(text);
	}
	ok(!turn_client_ok(&d, &e, &r) && strstr(r.cause, "cannot allocate on TURN at clientAddress") &&
	   strstr(r.cause, "no answer to Allocate"), "turn-client-side: no TURN at clientAddress");
	ini_free(&d.outside);
	ini_free(&d.meet);
}

int
main(void)
{
	gnutls_global_init();
	test_table();
	test_helpers();
	test_dns();
	test_certificate();
	test_inside_and_api();
	test_turn_client();
	gnutls_global_deinit();
	return tap_done();
}
