/*
 * test_certs.c: src/lab/certs.c in a temporary state directory: every
 * certificate chains to the lab CA (GnuTLS verification), names are SANs,
 * the SPKI pin is SHA-256 of the DER SubjectPublicKeyInfo, a second run
 * reuses everything, --break self-signed gives a certificate outside the
 * CA; and fault names round-trip.
 */
#include <stdlib.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "../../../src/lab/certs.c"
#include "tap.h"

static gnutls_x509_crt_t
load(const char *dir, const char *name)
{
	char *p = g_strdup_printf("%s/certs/%s.crt", dir, name);
	gnutls_datum_t d = { NULL, 0 };
	gnutls_x509_crt_t c = NULL;

	if (load_file(p, &d) == 0) {
		gnutls_x509_crt_init(&c);
		gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM);
	}
	gnutls_free(d.data);
	g_free(p);
	return c;
}

static int
self_signed_check(gnutls_x509_crt_t c)
{
	gnutls_datum_t s = { NULL, 0 }, i = { NULL, 0 };
	int same;

	gnutls_x509_crt_get_raw_dn(c, &s);
	gnutls_x509_crt_get_raw_issuer_dn(c, &i);
	same = s.size == i.size && !memcmp(s.data, i.data, s.size);
	gnutls_free(s.data);
	gnutls_free(i.data);
	return same;
}

static int
chains(gnutls_x509_crt_t ca, gnutls_x509_crt_t leaf)
{
	unsigned st = 1;

	gnutls_x509_crt_verify(leaf, &ca, 1, 0, &st);
	return st == 0;
}

static char *
spki_of(gnutls_x509_crt_t c)
{
	gnutls_pubkey_t k;
	gnutls_datum_t der = { NULL, 0 };
	unsigned char h[32];
	char *b64;

	gnutls_pubkey_init(&k);
	gnutls_pubkey_import_x509(k, c, 0);
	gnutls_pubkey_export2(k, GNUTLS_X509_FMT_DER, &der);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, h);
	b64 = g_base64_encode(h, sizeof(h));
	gnutls_free(der.data);
	gnutls_pubkey_deinit(k);
	return b64;
}

static void
test_fresh(struct lab *lab)
{
	GError *err = NULL;
	gnutls_x509_crt_t ca, leaf;
	static const char *names[] = { "vcse", "vcsc", "webbridge", "callbridge", "admin" };
	char *spki;

	ok(lab_certs_ensure(lab, &err) == 0, "certificates made");
	ca = load(lab->state, "ca");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		leaf = load(lab->state, names[i]);
		ok(leaf && chains(ca, leaf), "%s chains to the lab CA", names[i]);
		if (leaf)
			gnutls_x509_crt_deinit(leaf);
	}
	leaf = load(lab->state, "vcse");
	ok(gnutls_x509_crt_check_hostname(leaf, "cmsweb.octavio.com"), "outside names cmsweb.octavio.com");
	ok(gnutls_x509_crt_check_hostname(leaf, "vcse.octavio.com"), "outside names vcse.octavio.com");
	spki = spki_of(leaf);
	is_str(lab->spki, spki, "SPKI pin is SHA-256 of the SubjectPublicKeyInfo");
	g_free(spki);
	gnutls_x509_crt_deinit(leaf);
	leaf = load(lab->state, "vcsc");
	ok(gnutls_x509_crt_check_hostname(leaf, "vcsc.octavio.local"), "inside names vcsc.octavio.local");
	gnutls_x509_crt_deinit(leaf);
	leaf = load(lab->state, "admin");
	ok(gnutls_x509_crt_check_hostname(leaf, LAB_INSIDE_ADDR), "admin certificate covers its address");
	gnutls_x509_crt_deinit(leaf);
	leaf = load(lab->state, "vcse-selfsigned");
	ok(leaf && !chains(ca, leaf) && self_signed_check(leaf), "the --break certificate is self-signed");
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(ca);
}

static void
test_reuse(struct lab *lab)
{
	char *p = g_strdup_printf("%s/certs/ca.crt", lab->state), *before = NULL, *after = NULL;
	char *spki = g_strdup(lab->spki);
	GError *err = NULL;

	g_file_get_contents(p, &before, NULL, NULL);
	g_free(lab->spki);
	lab->spki = NULL;
	ok(lab_certs_ensure(lab, &err) == 0, "second run");
	g_file_get_contents(p, &after, NULL, NULL);
	ok(before && after && !strcmp(before, after), "second run keeps the CA");
	is_str(lab->spki, spki, "second run keeps the guest key");
	lab->fault = LAB_FAULT_SELF_SIGNED;
	g_free(lab->spki);
	lab->spki = NULL;
	lab_certs_ensure(lab, &err);
	ok(strcmp(lab->spki, spki) != 0, "--break self-signed pins another key");
	g_free(before);
	g_free(after);
	g_free(spki);
	g_free(p);
}

static void
test_faults(void)
{
	enum lab_fault f;

	ok(lab_fault_parse("turn-password", &f) == 0 && f == LAB_FAULT_TURN_PASSWORD, "fault parsed");
	is_str(lab_fault_name(LAB_FAULT_GUEST_URI), "guest-uri", "fault named");
	ok(lab_fault_parse("nonsense", &f) < 0, "unknown fault refused");
}

int
main(void)
{
	struct lab lab = { 0 };
	char *rm;

	lab.state = g_dir_make_tmp("portico-lab-certs-XXXXXX", NULL);
	test_fresh(&lab);
	test_reuse(&lab);
	test_faults();
	rm = g_strdup_printf("rm -rf '%s'", lab.state);
	ok(system(rm) == 0, "state removed");
	g_free(rm);
	g_free(lab.spki);
	g_free(lab.state);
	return tap_done();
}
