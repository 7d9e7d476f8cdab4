/*
 * test_stun.c: unit tests for src/stun (TAP).
 *
 * The RFC 5769 vectors are the IETF's bytes; everything else is built with
 * the codec itself or written out by hand next to the assertion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "stun/stun.h"
#include "tap.h"

/* RFC 5769 section 2.1: sample request (USERNAME padded with 0x20). */
static const uint8_t rfc_req[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
	0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1,
	0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
	0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
	0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04,
	0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 section 2.2: IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const uint8_t rfc_resp4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08,
	0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
	0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
	0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 section 2.3: IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
static const uint8_t rfc_resp6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14,
	0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
	0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
	0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
	0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04,
	0xc8, 0xfb, 0x0b, 0x4c,
};

/* RFC 5769 section 2.4: long-term credentials request (zero padding). */
static const uint8_t rfc_lt[] = {
	0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42,
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0,
	0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12,
	0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83,
	0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3,
	0x82, 0xb9, 0x00, 0x00, 0x00, 0x15, 0x00, 0x1c,
	0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39,
	0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34,
	0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79,
	0x36, 0x34, 0x73, 0x41, 0x00, 0x14, 0x00, 0x0b,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x6f, 0x72, 0x67, 0x00, 0x00, 0x08, 0x00, 0x14,
	0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e,
	0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2,
	0x8c, 0xa8, 0x96, 0x66,
};

static const char rfc_pw[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const char lt_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
/* "The\u00ADM\u00AAtr\u2168" in UTF-8: SASLprep gives "TheMatrIX". */
static const char lt_pw[] = "The\xc2\xad" "M\xc2\xaa" "tr\xe2\x85\xa8";
static const uint8_t tid0[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

static int attr_is(const struct stun_msg *m, uint16_t type, const char *s)
{
	const struct stun_attr *a = stun_msg_get(m, type);

	return a && a->len == strlen(s) && memcmp(a->val, s, a->len) == 0;
}

static int sa_is(const struct sockaddr_storage *ss, const char *ip, int port)
{
	char txt[INET6_ADDRSTRLEN] = "";
	const void *addr;
	int p;

	if (ss->ss_family == AF_INET) {
		addr = &((const struct sockaddr_in *)ss)->sin_addr;
		p = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		addr = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		p = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
	inet_ntop(ss->ss_family, addr, txt, sizeof(txt));
	return strcmp(txt, ip) == 0 && p == port;
}

static void make_sa(struct sockaddr_storage *ss, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
	}
}

static void test_rfc_request(void)
{
	static struct stun_msg m;
	uint8_t buf[sizeof(rfc_req)];
	const struct stun_attr *a;
	uint32_t v = 0;

	is_int(stun_parse(&m, rfc_req, sizeof(rfc_req)), 0, "5769 2.1: parses (0x20 padding tolerated)");
	is_int(m.method, STUN_BINDING, "5769 2.1: Binding");
	is_int(m.cls, STUN_REQUEST, "5769 2.1: request");
	is_int(m.nattrs, 6, "5769 2.1: six attributes");
	is_int(m.nunknown, 0, "5769 2.1: nothing unknown");
	ok(memcmp(m.tid, rfc_req + 8, 12) == 0, "5769 2.1: transaction id");
	ok(attr_is(&m, STUN_ATTR_SOFTWARE, "STUN test client"), "5769 2.1: SOFTWARE");
	ok(attr_is(&m, STUN_ATTR_USERNAME, "evtj:h6vY"), "5769 2.1: USERNAME, unpadded length 9");
	a = stun_msg_get(&m, STUN_ATTR_PRIORITY);
	ok(a && stun_attr_u32(a, &v) == 0 && v == 0x6e0001ff, "5769 2.1: PRIORITY");
	is_int(stun_check_integrity(&m, (const uint8_t *)rfc_pw, strlen(rfc_pw)), 0,
	       "5769 2.1: MESSAGE-INTEGRITY with short-term password");
	is_int(stun_check_fingerprint(&m), 0, "5769 2.1: FINGERPRINT");
	is_int(stun_check_integrity(&m, (const uint8_t *)"wrong", 5), -EBADMSG,
	       "5769 2.1: wrong password is -EBADMSG");

	/* coturn's rfc5769check flips byte 27 (inside SOFTWARE). */
	memcpy(buf, rfc_req, sizeof(buf));
	buf[27] ^= 0x01;
	is_int(stun_parse(&m, buf, sizeof(buf)), 0, "5769 2.1 flipped: still parses");
	is_int(stun_check_fingerprint(&m), -EBADMSG, "5769 2.1 flipped: FINGERPRINT mismatch");
	is_int(stun_check_integrity(&m, (const uint8_t *)rfc_pw, strlen(rfc_pw)), -EBADMSG,
	       "5769 2.1 flipped: MESSAGE-INTEGRITY mismatch");
	memcpy(buf, rfc_req, sizeof(buf));
	buf[sizeof(buf) - 1] ^= 0x80;
	stun_parse(&m, buf, sizeof(buf));
	is_int(stun_check_fingerprint(&m), -EBADMSG, "5769 2.1: flipped CRC byte detected");
	memcpy(buf, rfc_req, sizeof(buf));
	buf[73] = 0x00;
	stun_parse(&m, buf, sizeof(buf));
	is_int(stun_check_fingerprint(&m), -EBADMSG, "5769 2.1: padding bytes are covered by FINGERPRINT");
}

static void test_rfc_response(const uint8_t *msg, size_t len, const char *ip, const char *name)
{
	static struct stun_msg m;
	struct sockaddr_storage ss;
	const struct stun_attr *a;

	is_int(stun_parse(&m, msg, len), 0, "%s: parses", name);
	is_int(m.cls, STUN_SUCCESS, "%s: success response", name);
	is_int(m.method, STUN_BINDING, "%s: Binding", name);
	ok(attr_is(&m, STUN_ATTR_SOFTWARE, "test vector"), "%s: SOFTWARE (length 11)", name);
	a = stun_msg_get(&m, STUN_ATTR_XOR_MAPPED_ADDRESS);
	ok(a && stun_attr_xor_addr(&m, a, &ss) == 0 && sa_is(&ss, ip, 32853),
	   "%s: XOR-MAPPED-ADDRESS %s port 32853", name, ip);
	is_int(stun_check_integrity(&m, (const uint8_t *)rfc_pw, strlen(rfc_pw)), 0,
	       "%s: MESSAGE-INTEGRITY", name);
	is_int(stun_check_fingerprint(&m), 0, "%s: FINGERPRINT", name);
}

static void test_rfc_longterm(void)
{
	static const uint8_t want[16] = {
		0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51,
		0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9,
	};
	static struct stun_msg m;
	uint8_t key[16], key2[16], out[256];
	struct stun_builder b;
	long n;

	is_int(stun_parse(&m, rfc_lt, sizeof(rfc_lt)), 0, "5769 2.4: parses");
	ok(attr_is(&m, STUN_ATTR_USERNAME, lt_user), "5769 2.4: USERNAME");
	ok(attr_is(&m, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA"), "5769 2.4: NONCE");
	ok(attr_is(&m, STUN_ATTR_REALM, "example.org"), "5769 2.4: REALM");
	is_int(stun_longterm_key(lt_user, "example.org", lt_pw, key), 0, "5769 2.4: key derivation");
	ok(memcmp(key, want, 16) == 0, "5769 2.4: key is MD5(user:realm:TheMatrIX)");
	is_int(stun_longterm_key(lt_user, "example.org", "TheMatrIX", key2), 0, "SASLprep: plain password");
	ok(memcmp(key, key2, 16) == 0, "SASLprep maps The\\u00ADM\\u00AAtr\\u2168 to TheMatrIX");
	is_int(stun_check_integrity(&m, key, 16), 0, "5769 2.4: MESSAGE-INTEGRITY with long-term key");
	is_int(stun_check_fingerprint(&m), -ENOENT, "5769 2.4: no FINGERPRINT is -ENOENT");
	is_int(stun_longterm_key("u", "r", "bad\x07", key2), -EINVAL,
	       "SASLprep rejects a control character");

	/* The builder must reproduce 2.4 byte for byte (its padding is zero). */
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_REQUEST, rfc_lt + 8);
	stun_build_attr(&b, STUN_ATTR_USERNAME, lt_user, strlen(lt_user));
	stun_build_attr(&b, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA", 28);
	stun_build_attr(&b, STUN_ATTR_REALM, "example.org", 11);
	stun_build_integrity(&b, key, 16);
	n = stun_build_finish(&b);
	is_int(n, sizeof(rfc_lt), "5769 2.4 rebuilt: length");
	ok(n == (long)sizeof(rfc_lt) && memcmp(out, rfc_lt, sizeof(rfc_lt)) == 0,
	   "5769 2.4 rebuilt: identical bytes");
}

/* Build XOR-MAPPED-ADDRESS with the vectors' tid; compare to the RFC attribute bytes. */
static void test_rfc_xor_build(void)
{
	struct sockaddr_storage ss;
	struct stun_builder b;
	uint8_t out[64];

	make_sa(&ss, "192.0.2.1", 32853);
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_SUCCESS, rfc_resp4 + 8);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss);
	ok(stun_build_finish(&b) == 32 && memcmp(out + 20, rfc_resp4 + 36, 12) == 0,
	   "XOR-MAPPED-ADDRESS IPv4 encodes as in 5769 2.2");
	ok(memcmp(out, "\x01\x01\x00\x0c", 4) == 0, "success response type 0x0101, length 12");
	make_sa(&ss, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_SUCCESS, rfc_resp6 + 8);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss);
	ok(stun_build_finish(&b) == 44 && memcmp(out + 20, rfc_resp6 + 36, 24) == 0,
	   "XOR-MAPPED-ADDRESS IPv6 encodes as in 5769 2.3");
}

/* Every builder function, then parse and decode each attribute back. */
static void test_roundtrip(void)
{
	static const uint16_t unk[] = { 0x0031, 0x0032, 0x0033 };
	static const uint8_t key[] = "secret-key";
	static struct stun_msg m;
	struct sockaddr_storage s4, s6, got;
	const struct stun_attr *a;
	struct stun_builder b;
	uint8_t out[512];
	const char *reason;
	size_t rlen;
	uint32_t v;
	int code;
	long n;

	make_sa(&s4, "203.0.113.9", 3478);
	make_sa(&s6, "2001:db8::1", 49152);
	stun_build_init(&b, out, sizeof(out), STUN_ALLOCATE, STUN_ERROR, tid0);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "portico", 7);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, (struct sockaddr *)&s4);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (struct sockaddr *)&s6);
	stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, (struct sockaddr *)&s4);
	stun_build_addr(&b, STUN_ATTR_OTHER_ADDRESS, (struct sockaddr *)&s6);
	stun_build_error(&b, 420, NULL);
	stun_build_unknown(&b, unk, 3);
	stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	stun_build_integrity(&b, key, sizeof(key) - 1);
	stun_build_integrity_sha256(&b, key, sizeof(key) - 1);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ok(n > 0 && n % 4 == 0, "round trip: built %ld bytes", n);
	is_int(stun_parse(&m, out, (size_t)n), 0, "round trip: parses");
	is_int(m.method, STUN_ALLOCATE, "round trip: method");
	is_int(m.cls, STUN_ERROR, "round trip: class");
	is_int(m.nattrs, 12, "round trip: 12 attributes");
	ok(memcmp(m.tid, tid0, 12) == 0, "round trip: tid");
	ok(attr_is(&m, STUN_ATTR_SOFTWARE, "portico"), "round trip: raw attribute");
	a = stun_msg_get(&m, STUN_ATTR_LIFETIME);
	ok(a && stun_attr_u32(a, &v) == 0 && v == 600, "round trip: u32");
	a = stun_msg_get(&m, STUN_ATTR_XOR_RELAYED_ADDRESS);
	ok(a && stun_attr_xor_addr(&m, a, &got) == 0 && sa_is(&got, "203.0.113.9", 3478),
	   "round trip: xor address IPv4");
	a = stun_msg_get(&m, STUN_ATTR_XOR_PEER_ADDRESS);
	ok(a && stun_attr_xor_addr(&m, a, &got) == 0 && sa_is(&got, "2001:db8::1", 49152),
	   "round trip: xor address IPv6");
	ok(a && a->val[4] == (0x20 ^ 0x21), "round trip: IPv6 xor really applied");
	a = stun_msg_get(&m, STUN_ATTR_MAPPED_ADDRESS);
	ok(a && stun_attr_addr(a, &got) == 0 && sa_is(&got, "203.0.113.9", 3478),
	   "round trip: plain address IPv4");
	ok(a && a->val[4] == 203, "round trip: plain address not xored");
	a = stun_msg_get(&m, STUN_ATTR_OTHER_ADDRESS);
	ok(a && stun_attr_addr(a, &got) == 0 && sa_is(&got, "2001:db8::1", 49152),
	   "round trip: plain address IPv6");
	a = stun_msg_get(&m, STUN_ATTR_ERROR_CODE);
	ok(a && stun_attr_error(a, &code, &reason, &rlen) == 0 && code == 420 &&
	   rlen == strlen("Unknown Attribute") && memcmp(reason, "Unknown Attribute", rlen) == 0,
	   "round trip: error code and default reason");
	a = stun_msg_get(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES);
	ok(a && a->len == 6 && memcmp(a->val, "\x00\x31\x00\x32\x00\x33", 6) == 0,
	   "round trip: UNKNOWN-ATTRIBUTES as 16-bit types");
	a = stun_msg_get(&m, STUN_ATTR_DONT_FRAGMENT);
	ok(a && a->len == 0, "round trip: empty attribute");
	ok(m.mi == 9 && m.mi256 == 10 && m.fp == 11, "round trip: integrity indexes");
	is_int(stun_check_integrity(&m, key, sizeof(key) - 1), 0, "round trip: integrity (SHA256 checked)");
	is_int(stun_check_fingerprint(&m), 0, "round trip: fingerprint");
	out[(size_t)(m.attrs[m.mi256].val - out)] ^= 1;
	is_int(stun_check_integrity(&m, key, sizeof(key) - 1), -EBADMSG, "a flipped MI-SHA256 fails");
}

/* With both MIs present, MI-SHA256 decides: give each a different key. */
static void test_both_mis(void)
{
	static struct stun_msg m;
	struct stun_builder b;
	uint8_t out[128];
	long n;

	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_REQUEST, tid0);
	stun_build_attr(&b, STUN_ATTR_USERNAME, "u", 1);
	stun_build_integrity(&b, (const uint8_t *)"sha1-key", 8);
	stun_build_integrity_sha256(&b, (const uint8_t *)"sha256-key", 10);
	n = stun_build_finish(&b);
	is_int(stun_parse(&m, out, (size_t)n), 0, "both MIs: parses");
	is_int(stun_check_integrity(&m, (const uint8_t *)"sha256-key", 10), 0,
	       "both MIs: MI-SHA256 is the one checked");
	is_int(stun_check_integrity(&m, (const uint8_t *)"sha1-key", 8), -EBADMSG,
	       "both MIs: the SHA1 MI's key does not pass");
}

/* Decoders and builders for the TURN-specific attributes. */
static void test_turn_attrs(void)
{
	static struct stun_msg m;
	struct stun_builder b;
	uint8_t out[256];
	const struct stun_attr *a;
	uint16_t chan = 0;
	uint8_t proto = 0;
	int af = 0, r = -1;
	long n;

	stun_build_init(&b, out, sizeof(out), STUN_CHANNEL_BIND, STUN_REQUEST, tid0);
	stun_build_u32(&b, STUN_ATTR_CHANNEL_NUMBER, 0x40010000u);
	stun_build_u32(&b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);
	stun_build_u32(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 0x02000000u);
	stun_build_u32(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, 0x01000000u);
	stun_build_attr(&b, STUN_ATTR_EVEN_PORT, "\x80", 1);
	n = stun_build_finish(&b);
	is_int(stun_parse(&m, out, (size_t)n), 0, "TURN attrs: parses");
	a = stun_msg_get(&m, STUN_ATTR_CHANNEL_NUMBER);
	ok(a && stun_attr_channel(a, &chan) == 0 && chan == 0x4001, "CHANNEL-NUMBER");
	a = stun_msg_get(&m, STUN_ATTR_REQUESTED_TRANSPORT);
	ok(a && stun_attr_transport(a, &proto) == 0 && proto == 17, "REQUESTED-TRANSPORT");
	a = stun_msg_get(&m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	ok(a && stun_attr_family(a, &af) == 0 && af == AF_INET6, "REQUESTED-ADDRESS-FAMILY IPv6");
	a = stun_msg_get(&m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY);
	ok(a && stun_attr_family(a, &af) == 0 && af == AF_INET, "ADDITIONAL-ADDRESS-FAMILY IPv4");
	a = stun_msg_get(&m, STUN_ATTR_EVEN_PORT);
	ok(a && a->len == 1 && stun_attr_even_port(a, &r) == 0 && r == 1, "EVEN-PORT R bit");
	ok(out[n - 3] == 0 && out[n - 2] == 0 && out[n - 1] == 0, "EVEN-PORT padded with zeros");
}

static void test_decoder_errors(void)
{
	static const uint8_t v4_bad_fam[8] = { 0, 3, 0, 1, 1, 2, 3, 4 };
	static const uint8_t v4_short[7] = { 0, 1, 0, 1, 1, 2, 3 };
	static const uint8_t v6_as_v4[8] = { 0, 2, 0, 1, 1, 2, 3, 4 };
	static const uint8_t fam3[4] = { 3, 0, 0, 0 };
	static const uint8_t err_299[4] = { 0, 0, 2, 99 };
	static const uint8_t err_x[4] = { 0, 0, 4, 100 };
	static const uint8_t err_ok[4] = { 0, 0, 6, 99 };
	static struct stun_msg m;
	struct sockaddr_storage ss;
	struct stun_attr a;
	const char *rs;
	size_t rl;
	uint32_t v;
	uint16_t c;
	uint8_t p;
	int i;

	memset(&m, 0, sizeof(m));
	a = (struct stun_attr){ STUN_ATTR_MAPPED_ADDRESS, 8, v4_bad_fam };
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "address: unknown family");
	a = (struct stun_attr){ STUN_ATTR_MAPPED_ADDRESS, 7, v4_short };
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "address: IPv4 too short");
	a = (struct stun_attr){ STUN_ATTR_XOR_MAPPED_ADDRESS, 8, v6_as_v4 };
	is_int(stun_attr_xor_addr(&m, &a, &ss), -EINVAL, "xor address: IPv6 family with 4 bytes");
	a = (struct stun_attr){ STUN_ATTR_XOR_MAPPED_ADDRESS, 3, v4_short };
	is_int(stun_attr_xor_addr(&m, &a, &ss), -EINVAL, "xor address: shorter than 4");
	a = (struct stun_attr){ STUN_ATTR_LIFETIME, 3, fam3 };
	is_int(stun_attr_u32(&a, &v), -EINVAL, "u32: length 3");
	is_int(stun_attr_channel(&a, &c), -EINVAL, "channel: length 3");
	is_int(stun_attr_transport(&a, &p), -EINVAL, "transport: length 3");
	is_int(stun_attr_family(&a, &i), -EINVAL, "family: length 3");
	a.len = 4;
	is_int(stun_attr_family(&a, &i), -EINVAL, "family: 0x03");
	is_int(stun_attr_even_port(&a, &i), -EINVAL, "even-port: length 4");
	a = (struct stun_attr){ STUN_ATTR_ERROR_CODE, 4, err_299 };
	is_int(stun_attr_error(&a, &i, &rs, &rl), -EINVAL, "error: class 2");
	a.val = err_x;
	is_int(stun_attr_error(&a, &i, &rs, &rl), -EINVAL, "error: number 100");
	a.val = err_ok;
	ok(stun_attr_error(&a, &i, &rs, &rl) == 0 && i == 699 && rl == 0, "error: 699, empty reason");
	a.len = 3;
	is_int(stun_attr_error(&a, &i, &rs, &rl), -EINVAL, "error: length 3");
}

static void test_error_encoding(void)
{
	static const int codes[] = {
		300, 400, 401, 403, 405, 420, 437, 438, 440, 441, 442, 443,
		446, 447, 486, 500, 508,
	};
	static const uint8_t want[] = {
		0x00, 0x09, 0x00, 0x0f, 0x00, 0x00, 0x04, 0x26,
		'S', 't', 'a', 'l', 'e', ' ', 'N', 'o', 'n', 'c', 'e', 0x00,
	};
	struct stun_builder b;
	uint8_t out[128];
	size_t i;

	memset(out, 0xAA, sizeof(out));
	stun_build_init(&b, out, sizeof(out), STUN_ALLOCATE, STUN_ERROR, tid0);
	stun_build_error(&b, 438, NULL);
	is_int(stun_build_finish(&b), 40, "438: message length");
	ok(memcmp(out + 20, want, sizeof(want)) == 0,
	   "438: class 4, number 38, length 15 (unpadded), zero pad after");
	ok(out[0] == 0x01 && out[1] == 0x13, "Allocate error response type 0x0113");
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_ERROR, tid0);
	stun_build_error(&b, 599, "Custom");
	ok(stun_build_finish(&b) == 36 && out[26] == 5 && out[27] == 99 &&
	   memcmp(out + 28, "Custom", 6) == 0, "599 with a custom reason");
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_ERROR, tid0);
	stun_build_error(&b, 299, NULL);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "x", 1);
	is_int(stun_build_finish(&b), -EINVAL, "299 is -EINVAL, and sticky");
	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_ERROR, tid0);
	stun_build_error(&b, 700, NULL);
	is_int(stun_build_finish(&b), -EINVAL, "700 is -EINVAL");
	is_str(stun_reason(401), "Unauthenticated", "reason 401 (RFC 8489 name)");
	is_str(stun_reason(440), "Address Family not Supported", "reason 440");
	is_str(stun_reason(447), "Connection Timeout or Failure", "reason 447");
	is_str(stun_reason(499), "Error", "reason for an unlisted code");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		ok(strcmp(stun_reason(codes[i]), "Error") != 0, "reason phrase for %d", codes[i]);
	is_str(stun_method_name(STUN_CHANNEL_BIND), "ChannelBind", "method name ChannelBind");
	is_str(stun_method_name(0x0FF), "Unknown", "method name unknown");
}

/* Raw message writer for hostile inputs: header with the given length field. */
static size_t raw_header(uint8_t *buf, uint16_t type, uint16_t hlen)
{
	buf[0] = (uint8_t)(type >> 8);
	buf[1] = (uint8_t)type;
	buf[2] = (uint8_t)(hlen >> 8);
	buf[3] = (uint8_t)hlen;
	memcpy(buf + 4, "\x21\x12\xa4\x42", 4);
	memcpy(buf + 8, tid0, 12);
	return 20;
}

static size_t raw_attr(uint8_t *p, uint16_t type, uint16_t len, uint8_t fill)
{
	size_t padded = (len + 3u) & ~3u;

	p[0] = (uint8_t)(type >> 8);
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	memset(p + 4, fill, padded);
	return 4 + padded;
}

static void test_hostile(void)
{
	static struct stun_msg m;
	static uint8_t buf[2048];
	size_t i, n;

	for (i = 0; i < 20; i++)
		if (stun_parse(&m, rfc_req, i) != -EINVAL)
			break;
	is_int(i, 20, "truncated header (0..19 bytes) is -EINVAL");
	is_int(stun_parse(&m, rfc_req, sizeof(rfc_req) - 4), -EINVAL, "truncated body: length lies");
	memcpy(buf, rfc_req, sizeof(rfc_req));
	memset(buf + sizeof(rfc_req), 0, 4);
	is_int(stun_parse(&m, buf, sizeof(rfc_req) + 4), -EINVAL, "trailing bytes beyond length: -EINVAL");
	buf[3] = 0x59;
	is_int(stun_parse(&m, buf, sizeof(rfc_req) + 1), -EINVAL, "length not a multiple of 4");
	memcpy(buf, rfc_req, sizeof(rfc_req));
	buf[0] = 0x40;
	is_int(stun_parse(&m, buf, sizeof(rfc_req)), -EINVAL, "top bits set");
	memcpy(buf, rfc_req, sizeof(rfc_req));
	buf[5] = 0x13;
	is_int(stun_parse(&m, buf, sizeof(rfc_req)), -EINVAL, "bad magic cookie");
	is_int(stun_parse(&m, buf, STUN_MAX_MESSAGE + 1), -EMSGSIZE, "longer than STUN_MAX_MESSAGE");

	/* Attribute claims 8 bytes but only 4 remain. */
	n = raw_header(buf, 0x0001, 8);
	n += raw_attr(buf + n, STUN_ATTR_SOFTWARE, 4, 'x');
	buf[23] = 8;
	is_int(stun_parse(&m, buf, n), -EINVAL, "attribute overruns the message");
	buf[23] = 5;
	is_int(stun_parse(&m, buf, n), -EINVAL, "attribute padding overruns the message");
	buf[23] = 4;
	is_int(stun_parse(&m, buf, n), 0, "the same attribute, honest, parses");

	/* Header alone, no attributes. */
	n = raw_header(buf, 0x0001, 0);
	ok(stun_parse(&m, buf, n) == 0 && m.nattrs == 0, "empty message parses");
}

static void test_attr_limits(void)
{
	static struct stun_msg m;
	static uint8_t buf[2048];
	size_t n, i;

	n = 20;
	for (i = 0; i < STUN_MAX_ATTRS; i++)
		n += raw_attr(buf + n, STUN_ATTR_SOFTWARE, 1, 'a');
	raw_header(buf, 0x0001, (uint16_t)(n - 20));
	ok(stun_parse(&m, buf, n) == 0 && m.nattrs == STUN_MAX_ATTRS, "exactly STUN_MAX_ATTRS parse");
	n += raw_attr(buf + n, STUN_ATTR_SOFTWARE, 1, 'a');
	raw_header(buf, 0x0001, (uint16_t)(n - 20));
	is_int(stun_parse(&m, buf, n), -EMSGSIZE, "STUN_MAX_ATTRS + 1 is -EMSGSIZE");

	/* Attributes after MESSAGE-INTEGRITY do not count against the bound. */
	n = 20;
	n += raw_attr(buf + n, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0);
	for (i = 0; i < STUN_MAX_ATTRS + 10; i++)
		n += raw_attr(buf + n, STUN_ATTR_SOFTWARE, 1, 'a');
	raw_header(buf, 0x0001, (uint16_t)(n - 20));
	ok(stun_parse(&m, buf, n) == 0 && m.nattrs == 1, "ignored attributes are not stored");
}

static void test_padding(void)
{
	static struct stun_msg m;
	uint8_t buf[64];
	size_t n;

	n = raw_header(buf, 0x0001, 16);
	n += raw_attr(buf + n, STUN_ATTR_USERNAME, 5, 0xFF);
	memcpy(buf + 24, "alice", 5);
	n += raw_attr(buf + n, STUN_ATTR_DONT_FRAGMENT, 0, 0);
	ok(stun_parse(&m, buf, n) == 0 && attr_is(&m, STUN_ATTR_USERNAME, "alice"),
	   "non-zero padding (0xFF) tolerated, value excludes it");
	ok(m.nattrs == 2 && m.attrs[1].type == STUN_ATTR_DONT_FRAGMENT,
	   "next attribute found after the padding");
}

static void test_unknown(void)
{
	static struct stun_msg m;
	uint8_t buf[128];
	size_t n;

	n = 20;
	n += raw_attr(buf + n, 0x0030, 4, 0);
	n += raw_attr(buf + n, STUN_ATTR_USERNAME, 4, 'u');
	n += raw_attr(buf + n, 0x8050, 4, 0);   /* comprehension-optional */
	n += raw_attr(buf + n, 0x0007, 0, 0);   /* unassigned, required */
	n += raw_attr(buf + n, 0x0030, 4, 0);   /* duplicate */
	n += raw_attr(buf + n, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0);
	n += raw_attr(buf + n, 0x0031, 4, 0);   /* after MI: ignored */
	raw_header(buf, 0x0003, (uint16_t)(n - 20));
	is_int(stun_parse(&m, buf, n), 0, "unknown attributes still parse");
	is_int(m.nunknown, 2, "two distinct comprehension-required unknowns");
	ok(m.unknown[0] == 0x0030 && m.unknown[1] == 0x0007, "unknowns in wire order, deduplicated");
	is_int(m.nattrs, 6, "duplicates kept in attrs[]");
	ok(stun_msg_get(&m, 0x0030) == &m.attrs[0], "stun_msg_get returns the first duplicate");
	is_int(m.method, STUN_ALLOCATE, "Allocate request");
}

static void test_after_integrity(void)
{
	static const uint8_t key[] = "k";
	static struct stun_msg m;
	struct stun_builder b;
	uint8_t out[256];
	long n;

	stun_build_init(&b, out, sizeof(out), STUN_REFRESH, STUN_REQUEST, tid0);
	stun_build_attr(&b, STUN_ATTR_USERNAME, "bob", 3);
	stun_build_integrity(&b, key, 1);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "late", 4);       /* ignored */
	stun_build_attr(&b, STUN_ATTR_USERNAME, "mallory", 7);    /* ignored */
	stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY, "x", 1); /* second MI: ignored */
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	is_int(stun_parse(&m, out, (size_t)n), 0, "attributes after MI: parses");
	is_int(m.nattrs, 3, "only USERNAME, MI, FINGERPRINT kept");
	ok(stun_msg_get(&m, STUN_ATTR_SOFTWARE) == NULL, "SOFTWARE after MI is ignored");
	ok(attr_is(&m, STUN_ATTR_USERNAME, "bob"), "USERNAME after MI does not override");
	is_int(stun_check_integrity(&m, key, 1), 0, "MI length adjusted to end at MI");
	is_int(stun_check_fingerprint(&m), 0, "FINGERPRINT covers the ignored attributes");

	stun_build_init(&b, out, sizeof(out), STUN_REFRESH, STUN_REQUEST, tid0);
	stun_build_integrity_sha256(&b, key, 1);
	stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY, "x", 1); /* MI after MI256: ignored */
	n = stun_build_finish(&b);
	ok(stun_parse(&m, out, (size_t)n) == 0 && m.nattrs == 1 && m.mi == -1 && m.mi256 == 0,
	   "after MI-SHA256 only FINGERPRINT counts");
	is_int(stun_check_integrity(&m, key, 1), 0, "MI-SHA256 alone verifies");

	stun_build_init(&b, out, sizeof(out), STUN_REFRESH, STUN_REQUEST, tid0);
	stun_build_fingerprint(&b);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "x", 1);
	n = stun_build_finish(&b);
	is_int(stun_parse(&m, out, (size_t)n), -EINVAL, "FINGERPRINT not last is -EINVAL");

	stun_build_init(&b, out, sizeof(out), STUN_REFRESH, STUN_REQUEST, tid0);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "x", 1);
	n = stun_build_finish(&b);
	stun_parse(&m, out, (size_t)n);
	is_int(stun_check_integrity(&m, key, 1), -ENOENT, "no integrity attribute: -ENOENT");
}

/* MI-SHA256 truncated to 16 bytes (RFC 8489 section 14.6) verifies; 12 does not. */
static void test_mi256_truncated(void)
{
	static const uint8_t key[] = "trunc";
	static struct stun_msg m;
	uint8_t out[128], mac[32];
	struct stun_builder b;
	long n;

	stun_build_init(&b, out, sizeof(out), STUN_BINDING, STUN_REQUEST, tid0);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "t", 1);
	stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, NULL, 16);
	n = stun_build_finish(&b);
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, 5, out, 28, mac);
	memcpy(out + 32, mac, 16);
	ok(stun_parse(&m, out, (size_t)n) == 0 && stun_check_integrity(&m, key, 5) == 0,
	   "MI-SHA256 truncated to 16 bytes verifies");
	out[2] = 0;
	out[3] = 8 + 16;
	out[30] = 0;
	out[31] = 12;
	ok(stun_parse(&m, out, 44) == 0 && stun_check_integrity(&m, key, 5) == -EBADMSG,
	   "MI-SHA256 of 12 bytes is -EBADMSG");
}

static void test_builder_bounds(void)
{
	static const uint8_t tid[STUN_TID_LEN];
	struct sockaddr_storage ss;
	struct stun_builder b;
	uint8_t out[40];

	memset(out, 0xEE, sizeof(out));
	stun_build_init(&b, out, 32, STUN_BINDING, STUN_REQUEST, tid);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "12345678", 8);
	is_int(stun_build_finish(&b), 32, "fills the buffer exactly");
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "", 0);
	is_int(stun_build_finish(&b), -ENOBUFS, "one more attribute is -ENOBUFS");
	stun_build_fingerprint(&b);
	is_int(stun_build_finish(&b), -ENOBUFS, "error is sticky");
	ok(out[32] == 0xEE && out[39] == 0xEE, "nothing written past cap");
	stun_build_init(&b, out, 19, STUN_BINDING, STUN_REQUEST, tid);
	is_int(stun_build_finish(&b), -ENOBUFS, "cap below header size");
	stun_build_init(&b, out, 40, 0x1000, STUN_REQUEST, tid);
	is_int(stun_build_finish(&b), -EINVAL, "method wider than 12 bits");
	stun_build_init(&b, out, 40, STUN_BINDING, 0x0001, tid);
	is_int(stun_build_finish(&b), -EINVAL, "class with stray bits");
	stun_build_init(&b, out, 40, STUN_BINDING, STUN_REQUEST, tid);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss);
	is_int(stun_build_finish(&b), -EINVAL, "address of family AF_UNIX");
	stun_build_init(&b, out, 40, STUN_BINDING, STUN_REQUEST, tid);
	stun_build_integrity(&b, (const uint8_t *)"k", 1);
	is_int(stun_build_finish(&b), -ENOBUFS, "integrity without room");
}

/* All methods and classes survive build and parse (type bit interleaving). */
static void test_types(void)
{
	static const uint16_t cls[] = { STUN_REQUEST, STUN_INDICATION, STUN_SUCCESS, STUN_ERROR };
	static struct stun_msg m;
	struct stun_builder b;
	uint8_t out[20];
	unsigned meth, c, bad = 0;

	for (meth = 0; meth <= 0xFFF; meth++) {
		for (c = 0; c < 4; c++) {
			stun_build_init(&b, out, sizeof(out), (uint16_t)meth, cls[c], tid0);
			if (stun_build_finish(&b) != 20 || stun_parse(&m, out, 20) != 0 ||
			    m.method != meth || m.cls != cls[c])
				bad++;
		}
	}
	is_int(bad, 0, "all 4096 methods x 4 classes round-trip");
	stun_build_init(&b, out, sizeof(out), STUN_CONNECTION_ATTEMPT, STUN_INDICATION, tid0);
	ok(out[0] == 0x00 && out[1] == 0x1c, "ConnectionAttempt indication is 0x001C");
	stun_build_init(&b, out, sizeof(out), 0xFFF, STUN_ERROR, tid0);
	ok(out[0] == 0x3f && out[1] == 0xff, "method 0xFFF error is 0x3FFF");
	ok(stun_is_message(rfc_req, 8) && !stun_is_message(rfc_req, 7), "stun_is_message needs 8 bytes");
	ok(!stun_is_message((const uint8_t *)"\x40\x00\x00\x00\x21\x12\xa4\x42", 8),
	   "stun_is_message: ChannelData is not STUN");
}

static void test_channel(void)
{
	uint8_t buf[16] = { 0x40, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
	const uint8_t *data = NULL;
	uint16_t chan = 0;
	uint8_t hdr[4];
	size_t dlen = 0;

	ok(stun_is_channel(buf, 4) && !stun_is_channel(buf, 3), "is_channel needs 4 bytes");
	ok(stun_channel_parse(buf, 9, &chan, &data, &dlen) == 0 && chan == 0x4000 &&
	   dlen == 5 && data == buf + 4, "ChannelData parses exactly");
	is_int(stun_channel_parse(buf, 12, &chan, &data, &dlen), 0, "ChannelData with padding");
	is_int(stun_channel_parse(buf, 8, &chan, &data, &dlen), -EINVAL, "ChannelData shorter than length");
	is_int(stun_channel_parse(buf, 3, &chan, &data, &dlen), -EINVAL, "ChannelData under 4 bytes");
	buf[0] = 0x3f;
	buf[1] = 0xff;
	is_int(stun_channel_parse(buf, 9, &chan, &data, &dlen), -EINVAL, "channel 0x3FFF rejected");
	buf[0] = 0x50;
	buf[1] = 0x00;
	is_int(stun_channel_parse(buf, 9, &chan, &data, &dlen), -EINVAL, "channel 0x5000 rejected");
	buf[0] = 0x4f;
	buf[1] = 0xff;
	ok(stun_channel_parse(buf, 9, &chan, &data, &dlen) == 0 && chan == 0x4fff, "channel 0x4FFF accepted");
	stun_channel_header(hdr, 0x4abc, 0x1234);
	ok(memcmp(hdr, "\x4a\xbc\x12\x34", 4) == 0, "channel header encoding");
}

static void test_frame_length(void)
{
	uint8_t cd[4] = { 0x40, 0x01, 0x00, 0x05 };
	uint8_t s[20];
	size_t i;

	for (i = 0; i < 8; i++)
		if (stun_frame_length(rfc_req, i) != 0)
			break;
	is_int(i, 8, "STUN prefix under 8 bytes: need more");
	is_int(stun_frame_length(rfc_req, 8), sizeof(rfc_req), "STUN frame is 20 + length");
	is_int(stun_frame_length(rfc_req, sizeof(rfc_req)), sizeof(rfc_req), "STUN frame, whole");
	memcpy(s, rfc_req, 20);
	s[3] = 0x5a;
	is_int(stun_frame_length(s, 20), -EINVAL, "STUN length not a multiple of 4");
	s[3] = 0x58;
	s[5] = 0x00;
	is_int(stun_frame_length(s, 6), -EINVAL, "bad cookie prefix rejected early");
	is_int(stun_frame_length(s, 5), 0, "matching cookie prefix: need more");
	s[2] = 0xff;
	s[3] = 0xfc;
	s[5] = 0x12;
	is_int(stun_frame_length(s, 8), -EINVAL, "STUN frame beyond STUN_MAX_MESSAGE");
	is_int(stun_frame_length(cd, 1), 0, "ChannelData, 1 byte: need more");
	is_int(stun_frame_length(cd, 3), 0, "ChannelData, 3 bytes: need more");
	is_int(stun_frame_length(cd, 4), 12, "ChannelData 5 bytes: 4 + 8 (padded)");
	cd[3] = 8;
	is_int(stun_frame_length(cd, 4), 12, "ChannelData 8 bytes: no extra padding");
	cd[3] = 0;
	is_int(stun_frame_length(cd, 4), 4, "ChannelData of 0 bytes");
	cd[0] = 0x4f;
	cd[1] = 0xff;
	is_int(stun_frame_length(cd, 4), 4, "channel 0x4FFF frames");
	cd[0] = 0x50;
	cd[1] = 0x00;
	is_int(stun_frame_length(cd, 2), -EINVAL, "channel 0x5000: -EINVAL");
	cd[0] = 0x7f;
	is_int(stun_frame_length(cd, 4), -EINVAL, "channel 0x7F00: -EINVAL");
	cd[0] = 0x40;
	cd[2] = 0xff;
	cd[3] = 0xff;
	is_int(stun_frame_length(cd, 4), -EINVAL, "ChannelData beyond STUN_MAX_MESSAGE");
	cd[0] = 0x80;
	is_int(stun_frame_length(cd, 1), -EINVAL, "first bits 10: -EINVAL");
	cd[0] = 0xc0;
	is_int(stun_frame_length(cd, 1), -EINVAL, "first bits 11: -EINVAL");
	is_int(stun_frame_length(cd, 0), 0, "nothing yet: need more");
}

int main(void)
{
	test_rfc_request();
	test_rfc_response(rfc_resp4, sizeof(rfc_resp4), "192.0.2.1", "5769 2.2");
	test_rfc_response(rfc_resp6, sizeof(rfc_resp6),
			  "2001:db8:1234:5678:11:2233:4455:6677", "5769 2.3");
	test_rfc_longterm();
	test_rfc_xor_build();
	test_roundtrip();
	test_both_mis();
	test_turn_attrs();
	test_decoder_errors();
	test_error_encoding();
	test_hostile();
	test_attr_limits();
	test_padding();
	test_unknown();
	test_after_integrity();
	test_mi256_truncated();
	test_builder_bounds();
	test_types();
	test_channel();
	test_frame_length();
	return tap_done();
}
