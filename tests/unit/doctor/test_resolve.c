/*
 * test_resolve.c: src/doctor/resolve.c (the resolvers doctor is told to
 * use) and doctor_xml_text (the API leaves doctor reads): map specs, the
 * inside edge's [dns] overrides as the inside applies them (SRV with its
 * port first, then A; several targets), unknown specs, XML leaves.
 */
#include "../../../src/doctor/resolve.c"
#include "tap.h"

static const char inside[] =
	"[edge]\nrole = inside\n"
	"[dns]\n"
	"_cms-web._tls.cmsweb.octavio.com = 10 10 8443 wb1.cms.octavio.local, 20 10 9443 wb2.cms.octavio.local\n"
	"wb1.cms.octavio.local = 172.16.85.180\n"
	"wb2.cms.octavio.local = 172.16.85.181, 172.16.85.182\n"
	"plain.octavio.com = 192.0.2.7\n";

static void
test_map(struct doctor *d)
{
	struct doctor_target t[4];
	char err[128] = "";

	is_int(doctor_resolve(d, "map:cmsweb.octavio.com=203.0.113.5", "cmsweb.octavio.com", t, 4, err,
			      sizeof(err)), 1, "map: one answer");
	is_str(t[0].addr, "203.0.113.5", "map: the address");
	is_int(doctor_resolve(d, "map:a.example=192.0.2.1, CMSWEB.octavio.com = 192.0.2.2",
			      "cmsweb.octavio.com", t, 4, err, sizeof(err)), 1, "map: case-insensitive, spaces");
	is_str(t[0].addr, "192.0.2.2", "map: the matching pair");
	is_int(doctor_resolve(d, "map:a.example=192.0.2.1", "cmsweb.octavio.com", t, 4, err, sizeof(err)),
	       0, "map: no answer for another name");
}

static void
test_config(struct doctor *d)
{
	struct doctor_target t[8];
	char err[128] = "";

	is_int(doctor_resolve(d, "config", "cmsweb.octavio.com", t, 8, err, sizeof(err)), 3,
	       "config: SRV targets expanded to their addresses");
	ok(!strcmp(t[0].addr, "172.16.85.180") && t[0].port == 8443, "config: first SRV target and port");
	ok(!strcmp(t[2].addr, "172.16.85.182") && t[2].port == 9443, "config: second target's second address");
	is_int(doctor_resolve(d, "config", "plain.octavio.com", t, 8, err, sizeof(err)), 1,
	       "config: no SRV, the name's addresses");
	is_int(t[0].port, 443, "config: no SRV means the guest URI port (443)");
	is_int(doctor_resolve(d, "config", "cmsweb.octavio.com", t, 2, err, sizeof(err)), 2,
	       "config: bounded by the caller's room");
}

static void
test_errors(struct doctor *d)
{
	struct doctor_target t[2];
	char err[128] = "";

	is_int(doctor_resolve(d, "dns-over-carrier-pigeon", "x", t, 2, err, sizeof(err)), -1, "unknown spec");
	ok(strstr(err, "unknown resolver") != NULL, "unknown spec named: %s", err);
	d->have_inside = 0;
	is_int(doctor_resolve(d, "config", "x", t, 2, err, sizeof(err)), -1, "config without --inside");
	ok(strstr(err, "--inside") != NULL, "says what to give: %s", err);
}

/* The UDP resolver's parsing of answers (hostile input from the network). */
static void
test_dns(void)
{
	uint8_t q[512], m[600];
	struct doctor_target t[4];
	int qlen = dns_query("cmsweb.octavio.com", q, sizeof(q), 0x1234), n;
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 156 };
	static const uint8_t cname[] = { 0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 0x0c };

	is_int(qlen, 12 + 20 + 4, "query: header, name, type and class");
	ok(q[0] == 0x12 && q[1] == 0x34 && q[2] == 0x01 && q[5] == 1, "query: id, RD, one question");
	memcpy(m, q, (size_t)qlen);
	m[2] |= 0x80;                                  /* a response */
	m[7] = 2;                                      /* two answers: a CNAME, then an A */
	memcpy(m + qlen, cname, sizeof(cname));
	memcpy(m + qlen + sizeof(cname), rr, sizeof(rr));
	n = dns_answers(m, (size_t)qlen + sizeof(cname) + sizeof(rr), 0x1234, "cmsweb.octavio.com", t, 4);
	is_int(n, 1, "answer: the A record, the CNAME skipped");
	is_str(n == 1 ? t[0].addr : "", "203.0.113.156", "answer: its address");
	is_int(dns_answers(m, (size_t)qlen + sizeof(cname) + sizeof(rr), 0x4321, "x", t, 4), -1,
	       "answer to another query id refused");
	is_int(dns_answers(m, (size_t)qlen + sizeof(cname) + 5, 0x1234, "x", t, 4), -1,
	       "truncated answer refused");
	m[3] = 3;                                      /* NXDOMAIN */
	is_int(dns_answers(m, (size_t)qlen, 0x1234, "x", t, 4), 0, "NXDOMAIN: no address");
	is_int(dns_answers(m, (size_t)qlen, 0x9999, "x", t, 4), -1, "NXDOMAIN for another query id refused");
	m[3] = 0;
	m[qlen] = 0x3f;                                /* a label running off the end */
	m[7] = 1;
	is_int(dns_answers(m, (size_t)qlen + 2, 0x1234, "x", t, 4), -1, "name past the end refused");
	ok(dns_query("a..b", q, sizeof(q), 1) < 0, "empty label refused in a query");
}

static void
test_xml(void)
{
	static const char x[] = "<?xml version=\"1.0\"?><turnServer id=\"1\"><serverAddress>172.16.85.168"
				"</serverAddress><username>turnuser</username></turnServer>";
	char *v = doctor_xml_text(x, "username"), *none = doctor_xml_text(x, "password");

	is_str(v, "turnuser", "XML leaf");
	ok(none == NULL, "absent leaf is NULL (the API never returns the password)");
	g_free(v);
}

int
main(void)
{
	struct doctor d = { 0 };
	char err[INI_ERR_MAX];

	ok(ini_parse(&d.inside, "inside.conf", inside, sizeof(inside) - 1, err, sizeof(err)) == 0,
	   "inside config parsed");
	d.have_inside = 1;
	test_map(&d);
	test_config(&d);
	test_errors(&d);
	test_dns();
	test_xml();
	ini_free(&d.inside);
	return tap_done();
}
