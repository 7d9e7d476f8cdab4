/*
 * certs.c: lab_certs_*, the lab's private CA and certificates (GnuTLS).
 *
 * Made once in <state>/certs and reused while the CA is there: a second
 * run keeps the CA the operator already trusts.  Keys are ECDSA P-256,
 * written 0600.  Every leaf carries serverAuth and clientAuth (the inside
 * edge's certificate is a TLS client certificate) and its names as
 * dNSName SANs, never only the CN.  Main thread.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "lab/lab-internal.h"

#define CA_DAYS 3650
#define LEAF_DAYS 825

struct leaf {
	const char *file;         /* certs/<file>.crt, certs/<file>.key */
	const char *cn;
	const char *dns[8];
	const char *ip[2];        /* iPAddress SANs (loopback and --netns), or NULL */
	int self_signed;          /* not issued by the lab CA (--break self-signed) */
	int expired;              /* expired yesterday (--break expired) */
};

/* The seed's certificates.  vcse: the Expressway-E's SAN list, verbatim. */
static const struct leaf leaves[] = {
	{ "vcse", LAB_OUTSIDE_NAME, { LAB_OUTSIDE_NAME, "vcse.octavio.local", LAB_EXTERNAL_NAME,
	  "cmsweb.octavio.local", "octavio.local", "cms.octavio.local", "octavio.com" }, { NULL }, 0, 0 },
	{ "vcsc", LAB_INSIDE_NAME, { LAB_INSIDE_NAME }, { NULL }, 0, 0 },
	{ "webbridge", LAB_EXTERNAL_NAME, { LAB_EXTERNAL_NAME, LAB_INTERNAL_WEB_NAME, "localhost" },
	  { LAB_INSIDE_ADDR, "198.51.100.180" }, 0, 0 },
	{ "callbridge", LAB_CALLBRIDGE_NAME, { LAB_CALLBRIDGE_NAME }, { NULL }, 0, 0 },
	{ "admin", LAB_ADMIN_NAME, { LAB_ADMIN_NAME, "localhost" }, { LAB_INSIDE_ADDR, "198.51.100.180" }, 0, 0 },
	/* --break self-signed, expired: guest certificates browsers refuse.  (A guest
	 * certificate without the external name cannot be shown: portico edge
	 * refuses to start with one.) */
	{ "vcse-selfsigned", LAB_OUTSIDE_NAME, { LAB_OUTSIDE_NAME, LAB_EXTERNAL_NAME }, { NULL }, 1, 0 },
	{ "vcse-expired", LAB_OUTSIDE_NAME, { LAB_OUTSIDE_NAME, LAB_EXTERNAL_NAME }, { NULL }, 0, 1 },
};

struct ca {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
};

static int
gerr(GError **err, const char *what, int ret)
{
	g_set_error(err, LAB_ERROR, 1, "%s: %s", what, gnutls_strerror(ret));
	return -1;
}

static int
write_datum(const char *path, const gnutls_datum_t *d, int mode, GError **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, d->data, d->size) != (ssize_t)d->size) {
		g_set_error(err, LAB_ERROR, 1, "cannot write %s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

/* <base>.crt and <base>.key: their paths and PEM contents (GnuTLS
 * allocates the contents, whether exported or loaded). */
struct pem_pair {
	char *crt_path, *key_path;
	gnutls_datum_t crt, key;
};

static void
pem_pair_init(struct pem_pair *p, const char *base)
{
	*p = (struct pem_pair){ g_strconcat(base, ".crt", NULL), g_strconcat(base, ".key", NULL),
				{ NULL, 0 }, { NULL, 0 } };
}

static void
pem_pair_clear(struct pem_pair *p)
{
	if (p->key.data)
		explicit_bzero(p->key.data, p->key.size);
	gnutls_free(p->crt.data);
	gnutls_free(p->key.data);
	g_free(p->crt_path);
	g_free(p->key_path);
}

static int
export_pair(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *base, GError **err)
{
	struct pem_pair p;
	int ret = -1;

	pem_pair_init(&p, base);
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &p.crt) < 0 ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &p.key) < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot export %s", base);
		goto out;
	}
	/* Key first: a certificate on disk always has its key. */
	if (write_datum(p.key_path, &p.key, 0600, err) < 0 ||
	    write_datum(p.crt_path, &p.crt, 0644, err) < 0)
		goto out;
	ret = 0;
out:
	pem_pair_clear(&p);
	return ret;
}

/* Common fields: key, serial, validity, subject CN, SKI. */
static int
crt_base(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn, int days)
{
	unsigned char serial[16], id[64];
	size_t idlen = sizeof(id);
	time_t now = time(NULL);

	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	serial[0] |= 0x01;
	if (gnutls_x509_crt_set_key(crt, key) < 0 || gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)) < 0)
		return -1;
	if (gnutls_x509_crt_get_key_id(crt, 0, id, &idlen) < 0)
		return -1;
	return gnutls_x509_crt_set_subject_key_id(crt, id, idlen);
}

static int
new_key(gnutls_x509_privkey_t *key)
{
	gnutls_x509_privkey_init(key);
	return gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
					    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
}

static int
ca_create(struct ca *ca, const char *base, GError **err)
{
	int ret;

	gnutls_x509_crt_init(&ca->crt);
	if ((ret = new_key(&ca->key)) < 0)
		return gerr(err, "CA key", ret);
	if (crt_base(ca->crt, ca->key, "portico lab CA", CA_DAYS) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(ca->crt, 1, 0) < 0 ||
	    gnutls_x509_crt_set_key_usage(ca->crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN) < 0)
		return gerr(err, "CA certificate", GNUTLS_E_INTERNAL_ERROR);
	if ((ret = gnutls_x509_crt_sign2(ca->crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0)) < 0)
		return gerr(err, "CA self-signature", ret);
	return export_pair(ca->crt, ca->key, base, err);
}

/* The whole file into d (to be released with gnutls_free).  0 or -1. */
static int
load_file(const char *path, gnutls_datum_t *d)
{
	return gnutls_load_file(path, d) < 0 ? -1 : 0;
}

/* 0 when <base>.crt and <base>.key load, 1 when absent, -1 when broken. */
static int
ca_load(struct ca *ca, const char *base)
{
	struct pem_pair p;
	int ret = 1;

	pem_pair_init(&p, base);
	if (load_file(p.crt_path, &p.crt) < 0 || load_file(p.key_path, &p.key) < 0)
		goto out;
	gnutls_x509_crt_init(&ca->crt);
	gnutls_x509_privkey_init(&ca->key);
	ret = gnutls_x509_crt_import(ca->crt, &p.crt, GNUTLS_X509_FMT_PEM) < 0 ||
	      gnutls_x509_privkey_import(ca->key, &p.key, GNUTLS_X509_FMT_PEM) < 0 ? -1 : 0;
out:
	pem_pair_clear(&p);
	return ret;
}

static void
ca_free(struct ca *ca)
{
	if (ca->crt)
		gnutls_x509_crt_deinit(ca->crt);
	if (ca->key)
		gnutls_x509_privkey_deinit(ca->key);
}

static int
leaf_names(gnutls_x509_crt_t crt, const struct leaf *l)
{
	unsigned char ip[16];

	for (unsigned i = 0; i < G_N_ELEMENTS(l->dns) && l->dns[i]; i++)
		if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, l->dns[i],
							 strlen(l->dns[i]), GNUTLS_FSAN_APPEND) < 0)
			return -1;
	for (unsigned i = 0; i < G_N_ELEMENTS(l->ip) && l->ip[i]; i++)
		if (inet_pton(AF_INET, l->ip[i], ip) != 1 ||
		    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
							 GNUTLS_FSAN_APPEND) < 0)
			return -1;
	return 0;
}

static int
leaf_create(const struct ca *ca, const struct leaf *l, const char *base, GError **err)
{
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key = NULL;
	unsigned char id[64];
	size_t idlen = sizeof(id);
	int ret = -1;

	gnutls_x509_crt_init(&crt);
	if (new_key(&key) < 0 || crt_base(crt, key, l->cn, LEAF_DAYS) < 0 ||
	    leaf_names(crt, l) < 0 || gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot build the certificate %s", l->file);
		goto out;
	}
	if (l->expired && (gnutls_x509_crt_set_activation_time(crt, time(NULL) - 2 * 86400) < 0 ||
			   gnutls_x509_crt_set_expiration_time(crt, time(NULL) - 86400) < 0)) {
		g_set_error(err, LAB_ERROR, 1, "cannot date the certificate %s", l->file);
		goto out;
	}
	if (l->self_signed)
		ret = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	else if (gnutls_x509_crt_get_subject_key_id(ca->crt, id, &idlen, NULL) >= 0 &&
		 gnutls_x509_crt_set_authority_key_id(crt, id, idlen) >= 0)
		ret = gnutls_x509_crt_sign2(crt, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0);
	if (ret < 0) {
		gerr(err, l->file, ret);
		goto out;
	}
	ret = export_pair(crt, key, base, err);
out:
	gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return ret;
}

/* base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate: what
 * Chromium's --ignore-certificate-errors-spki-list wants. */
static char *
spki_hash(const char *crt_path, GError **err)
{
	gnutls_datum_t c = { NULL, 0 };
	gnutls_x509_crt_t crt;
	unsigned char id[32];
	size_t idlen = sizeof(id);
	char *out = NULL;

	if (load_file(crt_path, &c) < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot read %s", crt_path);
		return NULL;
	}
	gnutls_x509_crt_init(&crt);
	if (gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM) >= 0 &&
	    gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &idlen) >= 0)
		out = g_base64_encode(id, idlen);
	else
		g_set_error(err, LAB_ERROR, 1, "cannot read the public key of %s", crt_path);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(c.data);
	return out;
}

/* The CA: loaded, or made (and then every leaf is remade under it). */
static int
certs_ca(struct ca *ca, const char *dir, int *fresh, GError **err)
{
	char *base = g_build_filename(dir, "ca", NULL);
	int ret = ca_load(ca, base);

	*fresh = 0;
	if (ret < 0)
		g_set_error(err, LAB_ERROR, 1, "%s.crt/.key exist but do not load: remove them to make "
			    "a new CA", base);
	if (ret == 1) {
		ca_free(ca);
		memset(ca, 0, sizeof(*ca));
		ret = ca_create(ca, base, err);
		*fresh = 1;
	}
	g_free(base);
	return ret;
}

int
lab_certs_ensure(struct lab *lab, GError **err)
{
	char *dir = lab_path(lab, "certs"), *guest = NULL;
	struct ca ca = { NULL, NULL };
	int fresh, ret = -1;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot create %s: %s", dir, g_strerror(errno));
		goto out;
	}
	if (certs_ca(&ca, dir, &fresh, err) < 0)
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(leaves); i++) {
		char *base = g_build_filename(dir, leaves[i].file, NULL);
		char *crt = g_strconcat(base, ".crt", NULL);
		int have = !fresh && g_file_test(crt, G_FILE_TEST_EXISTS);
		int r = have ? 0 : leaf_create(&ca, &leaves[i], base, err);
		g_free(crt);
		g_free(base);
		if (r < 0)
			goto out;
	}
	guest = g_strdup_printf("%s/%s.crt", dir, lab_certs_guest_name(lab));
	lab->spki = spki_hash(guest, err);
	ret = lab->spki ? 0 : -1;
out:
	ca_free(&ca);
	g_free(guest);
	g_free(dir);
	return ret;
}

const char *
lab_certs_guest_name(const struct lab *lab)
{
	if (lab->fault == LAB_FAULT_SELF_SIGNED)
		return "vcse-selfsigned";
	if (lab->fault == LAB_FAULT_EXPIRED)
		return "vcse-expired";
	return "vcse";
}
