/*
 * test_attr.c: unit tests for src/stun/attr.c (TAP): the attribute value
 * decoders on hand-written values (every length and family bound), and the
 * builder byte for byte (header length kept current, padding, XOR masks,
 * sticky errors, capacity).  Wire bytes are written out next to each check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "stun/stun.h"
#include "tap.h"

static const uint8_t tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

static struct stun_attr
mk(uint16_t type, const uint8_t *val, size_t len)
{
	struct stun_attr a = { type, (uint16_t)len, val };
	return a;
}

static void
make_sa(struct sockaddr_storage *ss, const char *ip, int port)
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

static int
sa_is(const struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_storage want;

	make_sa(&want, ip, port);
	if (ss->ss_family != want.ss_family)
		return 0;
	if (ss->ss_family == AF_INET)
		return memcmp(ss, &want, sizeof(struct sockaddr_in)) == 0;
	return memcmp(ss, &want, sizeof(struct sockaddr_in6)) == 0;
}

/* A message with this file's tid, for the XOR decoders. */
static void
msg_with_tid(struct stun_msg *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->tid, tid, STUN_TID_LEN);
}

static void
test_small_decoders(void)
{
	static const uint8_t four[4] = { 0x11, 0x22, 0x33, 0x44 };
	static const uint8_t five[5] = { 0 };
	struct stun_attr a;
	uint32_t u = 7;
	uint16_t ch = 7;
	uint8_t proto = 7;
	int v = 7;

	a = mk(STUN_ATTR_LIFETIME, four, 4);
	is_int(stun_attr_u32(&a, &u), 0, "u32: 4 bytes");
	is_int(u, 0x11223344, "u32: network order");
	a = mk(STUN_ATTR_LIFETIME, four, 3);
	is_int(stun_attr_u32(&a, &u), -EINVAL, "u32: 3 bytes refused");
	a = mk(STUN_ATTR_LIFETIME, five, 5);
	is_int(stun_attr_u32(&a, &u), -EINVAL, "u32: 5 bytes refused");
	is_int(u, 0x11223344, "u32: output untouched on error");

	a = mk(STUN_ATTR_CHANNEL_NUMBER, (const uint8_t[]){ 0x40, 0x01, 0xff, 0xff }, 4);
	is_int(stun_attr_channel(&a, &ch), 0, "channel: 4 bytes");
	is_int(ch, 0x4001, "channel: the first 16 bits (RFFU ignored)");
	a = mk(STUN_ATTR_CHANNEL_NUMBER, (const uint8_t[]){ 0x40, 0x01 }, 2);
	is_int(stun_attr_channel(&a, &ch), -EINVAL, "channel: 2 bytes refused");

	a = mk(STUN_ATTR_REQUESTED_TRANSPORT, (const uint8_t[]){ 17, 0, 0, 0 }, 4);
	is_int(stun_attr_transport(&a, &proto), 0, "transport: 4 bytes");
	is_int(proto, 17, "transport: UDP");
	a = mk(STUN_ATTR_REQUESTED_TRANSPORT, (const uint8_t[]){ 17 }, 1);
	is_int(stun_attr_transport(&a, &proto), -EINVAL, "transport: 1 byte refused");

	a = mk(STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (const uint8_t[]){ 0x01, 0, 0, 0 }, 4);
	is_int(stun_attr_family(&a, &v), 0, "family 0x01");
	is_int(v, AF_INET, "is AF_INET");
	a = mk(STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (const uint8_t[]){ 0x02, 0, 0, 0 }, 4);
	is_int(stun_attr_family(&a, &v), 0, "family 0x02");
	is_int(v, AF_INET6, "is AF_INET6");
	a = mk(STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (const uint8_t[]){ 0x03, 0, 0, 0 }, 4);
	is_int(stun_attr_family(&a, &v), -EINVAL, "family 0x03 refused");
	a = mk(STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (const uint8_t[]){ 0x00, 0, 0, 0 }, 4);
	is_int(stun_attr_family(&a, &v), -EINVAL, "family 0x00 refused");
	a = mk(STUN_ATTR_REQUESTED_ADDRESS_FAMILY, (const uint8_t[]){ 0x01 }, 1);
	is_int(stun_attr_family(&a, &v), -EINVAL, "family: 1 byte refused");

	a = mk(STUN_ATTR_EVEN_PORT, (const uint8_t[]){ 0x80 }, 1);
	is_int(stun_attr_even_port(&a, &v), 0, "even-port: 1 byte");
	is_int(v, 1, "even-port: R bit set");
	a = mk(STUN_ATTR_EVEN_PORT, (const uint8_t[]){ 0x7f }, 1);
	stun_attr_even_port(&a, &v);
	is_int(v, 0, "even-port: R clear, reserved bits ignored");
	a = mk(STUN_ATTR_EVEN_PORT, four, 4);
	is_int(stun_attr_even_port(&a, &v), -EINVAL, "even-port: 4 bytes refused");
	a = mk(STUN_ATTR_EVEN_PORT, four, 0);
	is_int(stun_attr_even_port(&a, &v), -EINVAL, "even-port: empty refused");
}

static void
test_addr_decoders(void)
{
	/* MAPPED-ADDRESS 192.0.2.1:32853 (RFC 5769 2.2, un-XORed). */
	static const uint8_t plain4[8] = { 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01 };
	/* XOR-MAPPED-ADDRESS 192.0.2.1:32853: port ^ 0x2112, address ^ cookie. */
	static const uint8_t xor4[8] = { 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43 };
	/* XOR-MAPPED-ADDRESS 2001:db8:1234:5678:11:2233:4455:6677:32853 (RFC 5769 2.3). */
	static const uint8_t xor6[20] = {
		0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79,
		0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	};
	uint8_t bad[20];
	struct stun_msg m;
	struct stun_attr a;
	struct sockaddr_storage ss;

	msg_with_tid(&m);
	a = mk(STUN_ATTR_MAPPED_ADDRESS, plain4, sizeof(plain4));
	ok(stun_attr_addr(&a, &ss) == 0 && sa_is(&ss, "192.0.2.1", 32853), "plain IPv4 address");
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, xor4, sizeof(xor4));
	ok(stun_attr_xor_addr(&m, &a, &ss) == 0 && sa_is(&ss, "192.0.2.1", 32853), "XOR IPv4 address");
	ok(stun_attr_addr(&a, &ss) == 0 && !sa_is(&ss, "192.0.2.1", 32853), "XOR value read plain is not it");
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, xor6, sizeof(xor6));
	ok(stun_attr_xor_addr(&m, &a, &ss) == 0 &&
	   sa_is(&ss, "2001:db8:1234:5678:11:2233:4455:6677", 32853), "XOR IPv6 address uses the tid");
	m.tid[11] ^= 1;
	ok(stun_attr_xor_addr(&m, &a, &ss) == 0 &&
	   !sa_is(&ss, "2001:db8:1234:5678:11:2233:4455:6677", 32853), "another tid gives another IPv6 address");

	memcpy(bad, xor4, 8);
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 7);
	is_int(stun_attr_xor_addr(&m, &a, &ss), -EINVAL, "IPv4 value of 7 bytes refused");
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 3);
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "value shorter than the header refused");
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 0);
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "empty value refused");
	memcpy(bad, xor6, 20);
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 8);
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "IPv6 family with 4 address bytes refused");
	memcpy(bad, xor4, 8);
	memset(bad + 8, 0, 12);
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 20);
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "IPv4 family with 16 address bytes refused");
	bad[1] = 0x03;
	a = mk(STUN_ATTR_XOR_MAPPED_ADDRESS, bad, 8);
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "family 0x03 refused");
	bad[1] = 0x00;
	is_int(stun_attr_addr(&a, &ss), -EINVAL, "family 0x00 refused");
}

static void
test_error_decoder(void)
{
	uint8_t v[8] = { 0, 0, 4, 38, 'N', 'o', 'n', 'c' };
	struct stun_attr a;
	const char *reason = NULL;
	size_t rlen = 99;
	int code = 0;

	a = mk(STUN_ATTR_ERROR_CODE, v, 8);
	is_int(stun_attr_error(&a, &code, &reason, &rlen), 0, "ERROR-CODE 438");
	is_int(code, 438, "class 4 number 38");
	ok(rlen == 4 && reason == (const char *)v + 4, "reason points into the value, 4 bytes");
	a = mk(STUN_ATTR_ERROR_CODE, v, 4);
	is_int(stun_attr_error(&a, &code, &reason, &rlen), 0, "empty reason accepted");
	is_int(rlen, 0, "reason length 0");
	v[2] = 0xf8 | 5;          /* reserved bits above the class are ignored */
	v[3] = 8;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), 0, "reserved bits ignored");
	is_int(code, 508, "508");
	v[2] = 2;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), -EINVAL, "class 2 refused");
	v[2] = 7;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), -EINVAL, "class 7 refused");
	v[2] = 3;
	v[3] = 100;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), -EINVAL, "number 100 refused");
	v[3] = 99;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), 0, "399 accepted");
	v[2] = 6;
	is_int(stun_attr_error(&a, &code, &reason, &rlen), 0, "699 accepted");
	a = mk(STUN_ATTR_ERROR_CODE, v, 3);
	is_int(stun_attr_error(&a, &code, &reason, &rlen), -EINVAL, "3 bytes refused");
}

/* The header length field must equal what was written after the header. */
static int
hlen_ok(const struct stun_builder *b)
{
	return ((size_t)(b->buf[2] << 8 | b->buf[3])) + STUN_HEADER_LEN == b->len;
}

static void
test_builder_header(void)
{
	static const uint8_t want[20] = {
		0x01, 0x13, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	};
	uint8_t buf[64];
	struct stun_builder b;

	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	is_int(stun_build_finish(&b), 20, "header only: 20 bytes");
	ok(memcmp(buf, want, 20) == 0, "Allocate error response type 0x0113, cookie, tid");
	stun_build_init(&b, buf, sizeof(buf), 0x0FFF, STUN_INDICATION, tid);
	is_int(stun_build_finish(&b), 20, "method 0x0FFF accepted");
	ok(buf[0] == 0x3e && buf[1] == 0xff, "method bits spread around the class bits (0x3EFF)");
	stun_build_init(&b, buf, sizeof(buf), 0x1000, STUN_REQUEST, tid);
	is_int(stun_build_finish(&b), -EINVAL, "13-bit method refused");
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, 0x0001, tid);
	is_int(stun_build_finish(&b), -EINVAL, "class outside the class bits refused");
	stun_build_init(&b, buf, 19, STUN_BINDING, STUN_REQUEST, tid);
	is_int(stun_build_finish(&b), -ENOBUFS, "capacity below a header: -ENOBUFS");
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 1);
	is_int(stun_build_finish(&b), -ENOBUFS, "and it stays the error");
}

static void
test_builder_attrs(void)
{
	static const uint8_t want[] = {
		0x00, 0x0d, 0x00, 0x04, 0x00, 0x00, 0x02, 0x58,         /* LIFETIME 600 */
		0x80, 0x22, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, /* SOFTWARE, padded */
		0x00, 0x13, 0x00, 0x00,                                 /* DATA, empty */
		0x00, 0x22, 0x00, 0x03, 0, 0, 0, 0,                     /* NULL value: zeros */
		0x00, 0x0a, 0x00, 0x06, 0x00, 0x01, 0x80, 0x2a, 0x00, 0x05, 0, 0,
	};
	static const uint16_t unknown[] = { 0x0001, 0x802a, 0x0005 };
	uint8_t buf[128];
	struct stun_builder b;
	int lens_ok = 1;

	memset(buf, 0xee, sizeof(buf));     /* padding must be written, not left */
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	lens_ok &= hlen_ok(&b);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "hello", 5);
	lens_ok &= hlen_ok(&b);
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, 0);
	lens_ok &= hlen_ok(&b);
	stun_build_attr(&b, STUN_ATTR_RESERVATION_TOKEN, NULL, 3);
	lens_ok &= hlen_ok(&b);
	stun_build_unknown(&b, unknown, 3);
	lens_ok &= hlen_ok(&b);
	is_int(stun_build_finish(&b), 20 + (long)sizeof(want), "attributes: total length");
	ok(memcmp(buf + 20, want, sizeof(want)) == 0, "attributes byte for byte, zero padding");
	ok(lens_ok, "header length field current after every attribute");

	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_unknown(&b, unknown, 0);
	is_int(stun_build_finish(&b), 24, "UNKNOWN-ATTRIBUTES with no type: header only");
}

static void
test_builder_addrs(void)
{
	static const uint8_t want4[] = {
		0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
		0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
	};
	uint8_t buf[128];
	struct stun_builder b;
	struct stun_msg m;
	struct sockaddr_storage s4, s6, got;
	struct sockaddr sa_unspec;

	make_sa(&s4, "192.0.2.1", 32853);
	make_sa(&s6, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&s4);
	stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, (struct sockaddr *)&s4);
	is_int(stun_build_finish(&b), 20 + (long)sizeof(want4), "two IPv4 addresses");
	ok(memcmp(buf + 20, want4, sizeof(want4)) == 0, "XOR and plain IPv4 byte for byte");

	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, (struct sockaddr *)&s6);
	stun_build_addr(&b, STUN_ATTR_OTHER_ADDRESS, (struct sockaddr *)&s6);
	is_int(stun_build_finish(&b), 20 + 24 + 24, "two IPv6 addresses");
	is_int(stun_parse(&m, buf, (size_t)b.len), 0, "the result parses");
	ok(stun_attr_xor_addr(&m, stun_msg_get(&m, STUN_ATTR_XOR_PEER_ADDRESS), &got) == 0 &&
	   sa_is(&got, "2001:db8:1234:5678:11:2233:4455:6677", 32853), "XOR IPv6 round trip");
	ok(stun_attr_addr(stun_msg_get(&m, STUN_ATTR_OTHER_ADDRESS), &got) == 0 &&
	   sa_is(&got, "2001:db8:1234:5678:11:2233:4455:6677", 32853), "plain IPv6 round trip");

	memset(&sa_unspec, 0, sizeof(sa_unspec));
	sa_unspec.sa_family = AF_UNIX;
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &sa_unspec);
	is_int(stun_build_finish(&b), -EINVAL, "XOR address of another family: -EINVAL");
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &sa_unspec);
	is_int(stun_build_finish(&b), -EINVAL, "plain address of another family: -EINVAL");
	is_int(b.len, 20, "nothing written for it");
}

static void
test_builder_error(void)
{
	static const uint8_t want[] = {
		0x00, 0x09, 0x00, 0x13, 0, 0, 4, 1, 'U', 'n', 'a', 'u', 't', 'h', 'e', 'n',
		't', 'i', 'c', 'a', 't', 'e', 'd', 0,
	};
	char long_reason[800];
	uint8_t buf[1024];
	struct stun_builder b;
	struct stun_msg m;
	const char *reason;
	size_t rlen;
	int code;

	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 401, NULL);
	is_int(stun_build_finish(&b), 20 + (long)sizeof(want), "401 with the standard reason");
	ok(memcmp(buf + 20, want, sizeof(want)) == 0, "401 byte for byte (RFC 8489's reason; length without padding)");
	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 699, "x");
	is_int(stun_build_finish(&b), 20 + 4 + 8, "699 with a 1-byte reason, padded");
	ok(stun_parse(&m, buf, (size_t)b.len) == 0 &&
	   stun_attr_error(stun_msg_get(&m, STUN_ATTR_ERROR_CODE), &code, &reason, &rlen) == 0 &&
	   code == 699 && rlen == 1 && reason[0] == 'x', "and decodes back");
	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 299, "x");
	is_int(stun_build_finish(&b), -EINVAL, "code 299 refused");
	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 700, "x");
	is_int(stun_build_finish(&b), -EINVAL, "code 700 refused");
	memset(long_reason, 'a', sizeof(long_reason));
	long_reason[763] = '\0';
	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 500, long_reason);
	is_int(stun_build_finish(&b), 20 + 4 + 768, "a 763-byte reason is the longest (RFC 8489 14.8)");
	long_reason[763] = 'a';
	long_reason[764] = '\0';
	stun_build_init(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_build_error(&b, 500, long_reason);
	is_int(stun_build_finish(&b), -EINVAL, "764 bytes refused");
}

static void
test_builder_bounds(void)
{
	static uint8_t big[STUN_MAX_MESSAGE + 64];
	uint8_t buf[32];
	struct stun_builder b;

	/* 20 header + 8 = 28 fits in 32; 4 more bytes do not fit. */
	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 1);
	is_int(stun_build_finish(&b), 28, "one attribute fits");
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, 1);
	is_int(stun_build_finish(&b), -ENOBUFS, "attribute past the capacity: -ENOBUFS");
	is_int(b.len, 28, "nothing written past it");
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 2);
	is_int(stun_build_finish(&b), -ENOBUFS, "errors are sticky");
	is_int(b.len, 28, "and later attributes are not written");

	stun_build_init(&b, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, 8);
	is_int(stun_build_finish(&b), 32, "exactly full");

	stun_build_init(&b, big, sizeof(big), STUN_SEND, STUN_INDICATION, tid);
	is_int(b.cap, STUN_MAX_MESSAGE, "capacity capped at STUN_MAX_MESSAGE");
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, STUN_MAX_MESSAGE - 20 - 4 - 3);
	is_int(stun_build_finish(&b), STUN_MAX_MESSAGE - 3, "largest DATA that fits, padded");
	stun_build_init(&b, big, sizeof(big), STUN_SEND, STUN_INDICATION, tid);
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, STUN_MAX_MESSAGE - 20 - 4 - 2);
	is_int(stun_build_finish(&b), -ENOBUFS, "one more byte (padded past the bound) refused");
	stun_build_init(&b, big, sizeof(big), STUN_SEND, STUN_INDICATION, tid);
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, 0x10000);
	is_int(stun_build_finish(&b), -EMSGSIZE, "a value over 16 bits of length: -EMSGSIZE");
	stun_build_init(&b, big, sizeof(big), STUN_SEND, STUN_INDICATION, tid);
	/* Refused before any type is read: one element is enough. */
	stun_build_unknown(&b, (const uint16_t[]){ 1 }, 0x8000);
	is_int(stun_build_finish(&b), -EMSGSIZE, "UNKNOWN-ATTRIBUTES of 0x8000 types: -EMSGSIZE");
}

int
main(void)
{
	test_small_decoders();
	test_addr_decoders();
	test_error_decoder();
	test_builder_header();
	test_builder_attrs();
	test_builder_addrs();
	test_builder_error();
	test_builder_bounds();
	return tap_done();
}
