/*
 * attr.c: attribute value decoders and the message builder.
 *
 * Decoders check the value length exactly and never read outside a->val.
 * The builder never writes past min(cap, STUN_MAX_MESSAGE) and keeps the
 * header length field equal to the bytes written so far, so integrity and
 * fingerprint can be appended at any point (integrity.c).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "stun/stun.h"
#include "stun/stun-internal.h"

#define FAMILY_IPV4 0x01
#define FAMILY_IPV6 0x02
/* RFC 8489 section 14.8: reason phrase under 128 characters, 763 bytes. */
#define REASON_MAX 763

int stun_attr_u32(const struct stun_attr *a, uint32_t *out)
{
	if (a->len != 4)
		return -EINVAL;
	*out = stun__get32(a->val);
	return 0;
}

/*
 * Shared address decoder; mask is XORed over port and address bytes
 * (all zero for a plain address, cookie || tid for XOR-*-ADDRESS).
 */
static int decode_addr(const struct stun_attr *a, const uint8_t mask[16],
		       struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	uint8_t ip[16];
	uint16_t port;
	size_t n, i;

	if (a->len < 4)
		return -EINVAL;
	n = a->val[1] == FAMILY_IPV4 ? 4 : a->val[1] == FAMILY_IPV6 ? 16 : 0;
	if (n == 0 || a->len != 4 + n)
		return -EINVAL;
	port = stun__get16(a->val + 2) ^ stun__get16(mask);
	for (i = 0; i < n; i++)
		ip[i] = a->val[4 + i] ^ mask[i];
	memset(out, 0, sizeof(*out));
	if (n == 4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip, 16);
	}
	return 0;
}

/* The XOR mask of RFC 8489 section 14.2: magic cookie then transaction id. */
static void xor_mask(const uint8_t tid[STUN_TID_LEN], uint8_t mask[16])
{
	stun__put32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, tid, STUN_TID_LEN);
}

int stun_attr_xor_addr(const struct stun_msg *m, const struct stun_attr *a,
		       struct sockaddr_storage *out)
{
	uint8_t mask[16];

	xor_mask(m->tid, mask);
	return decode_addr(a, mask, out);
}

int stun_attr_addr(const struct stun_attr *a, struct sockaddr_storage *out)
{
	static const uint8_t zero[16];

	return decode_addr(a, zero, out);
}

int stun_attr_error(const struct stun_attr *a, int *code,
		    const char **reason, size_t *reason_len)
{
	int cls, num;

	if (a->len < 4)
		return -EINVAL;
	cls = a->val[2] & 0x07;
	num = a->val[3];
	if (cls < 3 || cls > 6 || num > 99)
		return -EINVAL;
	*code = cls * 100 + num;
	*reason = (const char *)a->val + 4;
	*reason_len = a->len - 4u;
	return 0;
}

int stun_attr_channel(const struct stun_attr *a, uint16_t *chan)
{
	if (a->len != 4)
		return -EINVAL;
	*chan = stun__get16(a->val);
	return 0;
}

int stun_attr_transport(const struct stun_attr *a, uint8_t *proto)
{
	if (a->len != 4)
		return -EINVAL;
	*proto = a->val[0];
	return 0;
}

int stun_attr_family(const struct stun_attr *a, int *af)
{
	if (a->len != 4)
		return -EINVAL;
	if (a->val[0] == FAMILY_IPV4)
		*af = AF_INET;
	else if (a->val[0] == FAMILY_IPV6)
		*af = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int stun_attr_even_port(const struct stun_attr *a, int *reserve)
{
	if (a->len != 1)
		return -EINVAL;
	*reserve = a->val[0] >> 7;
	return 0;
}

/* Builder. */

static void fail(struct stun_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
}

void stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap,
		     uint16_t method, uint16_t cls, const uint8_t tid[STUN_TID_LEN])
{
	uint16_t type;

	b->buf = buf;
	b->cap = cap < STUN_MAX_MESSAGE ? cap : STUN_MAX_MESSAGE;
	b->len = 0;
	b->err = 0;
	if (method > 0x0FFF || (cls & ~0x0110) != 0) {
		fail(b, -EINVAL);
		return;
	}
	if (b->cap < STUN_HEADER_LEN) {
		fail(b, -ENOBUFS);
		return;
	}
	type = (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
			  ((method & 0x0F80) << 2) | cls);
	stun__put16(buf, type);
	stun__put16(buf + 2, 0);
	stun__put32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HEADER_LEN;
}

uint8_t *stun__reserve(struct stun_builder *b, uint16_t type, size_t len)
{
	size_t padded = stun__pad4(len);
	uint8_t *p;

	if (b->err)
		return NULL;
	if (len > 0xFFFF) {
		fail(b, -EMSGSIZE);
		return NULL;
	}
	if (b->cap - b->len < 4 + padded) {
		fail(b, -ENOBUFS);
		return NULL;
	}
	p = b->buf + b->len;
	stun__put16(p, type);
	stun__put16(p + 2, (uint16_t)len);
	memset(p + 4 + len, 0, padded - len);
	b->len += 4 + padded;
	stun__put16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	return p + 4;
}

void stun_build_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len)
{
	uint8_t *p = stun__reserve(b, type, len);

	if (!p || len == 0)
		return;
	if (val)
		memcpy(p, val, len);
	else
		memset(p, 0, len);
}

void stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t *p = stun__reserve(b, type, 4);

	if (p)
		stun__put32(p, v);
}

/* Shared address encoder; mask as in decode_addr. */
static void encode_addr(struct stun_builder *b, uint16_t type,
			const struct sockaddr *sa, const uint8_t mask[16])
{
	const uint8_t *ip, *port;
	uint8_t family;
	size_t n, i;
	uint8_t *p;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ip = (const uint8_t *)&sin->sin_addr;
		port = (const uint8_t *)&sin->sin_port;
		family = FAMILY_IPV4;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		ip = (const uint8_t *)&sin6->sin6_addr;
		port = (const uint8_t *)&sin6->sin6_port;
		family = FAMILY_IPV6;
		n = 16;
	} else {
		fail(b, -EINVAL);
		return;
	}
	p = stun__reserve(b, type, 4 + n);
	if (!p)
		return;
	p[0] = 0;
	p[1] = family;
	/* sin_port is already in network order: XOR it bytewise. */
	p[2] = port[0] ^ mask[0];
	p[3] = port[1] ^ mask[1];
	for (i = 0; i < n; i++)
		p[4 + i] = ip[i] ^ mask[i];
}

void stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct sockaddr *sa)
{
	uint8_t mask[16];

	if (b->err)
		return;
	xor_mask(b->buf + 8, mask);
	encode_addr(b, type, sa, mask);
}

void stun_build_addr(struct stun_builder *b, uint16_t type, const struct sockaddr *sa)
{
	static const uint8_t zero[16];

	encode_addr(b, type, sa, zero);
}

/*
 * ERROR-CODE: 21 reserved bits, class (hundreds), number (0-99), then the
 * UTF-8 reason.  The declared length covers the reason exactly; padding
 * follows outside it (a bug coturn fixed only recently).
 */
void stun_build_error(struct stun_builder *b, int code, const char *reason)
{
	size_t rlen;
	uint8_t *p;

	if (code < 300 || code > 699) {
		fail(b, -EINVAL);
		return;
	}
	if (!reason)
		reason = stun_reason(code);
	rlen = strlen(reason);
	if (rlen > REASON_MAX) {
		fail(b, -EINVAL);
		return;
	}
	p = stun__reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (!p)
		return;
	p[0] = 0;
	p[1] = 0;
	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	memcpy(p + 4, reason, rlen);
}

void stun_build_unknown(struct stun_builder *b, const uint16_t *types, unsigned n)
{
	uint8_t *p = stun__reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * (size_t)n);
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		stun__put16(p + 2 * i, types[i]);
}

long stun_build_finish(struct stun_builder *b)
{
	if (b->err)
		return b->err;
	return (long)b->len;
}
