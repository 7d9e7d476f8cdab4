/*
 * fuzz_stun.c: libFuzzer harness for src/stun.
 *
 * Feeds one input to every entry point that reads wire bytes (parse, each
 * attribute decoder, integrity, fingerprint, stream framing, ChannelData),
 * then rebuilds any message that parsed with the builder and insists that
 * the rebuilt message parses to the same attributes and verifies.  Any
 * broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "fuzz-key";
#define KEYLEN (sizeof(key) - 1)
/* Most a rebuild can add: MI 0->20, MI-SHA256 0->32, FINGERPRINT 0->4 bytes. */
#define REBUILD_GROWTH 56

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Run every decoder on a; only memory safety and self-consistency matter. */
static void decode_attr(const struct stun_msg *m, const struct stun_attr *a)
{
	struct sockaddr_storage ss;
	const char *reason;
	size_t rlen;
	uint32_t u32;
	uint16_t chan;
	uint8_t proto;
	int code, i;

	if (stun_attr_xor_addr(m, a, &ss) == 0)
		CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	if (stun_attr_addr(a, &ss) == 0)
		CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	if (stun_attr_error(a, &code, &reason, &rlen) == 0)
		CHECK(code >= 300 && code <= 699 && rlen + 4 == a->len &&
		      (const uint8_t *)reason == a->val + 4);
	(void)stun_attr_u32(a, &u32);
	(void)stun_attr_channel(a, &chan);
	(void)stun_attr_transport(a, &proto);
	(void)stun_attr_family(a, &i);
	(void)stun_attr_even_port(a, &i);
}

static void decode_all(const struct stun_msg *m)
{
	const struct stun_attr *first;
	unsigned i;

	CHECK(m->nattrs <= STUN_MAX_ATTRS && m->nunknown <= STUN_MAX_UNKNOWN);
	for (i = 0; i < m->nattrs; i++) {
		const struct stun_attr *a = &m->attrs[i];

		CHECK(a->val >= m->buf + STUN_HEADER_LEN && a->val + a->len <= m->buf + m->len);
		first = stun_msg_get(m, a->type);
		CHECK(first && first <= a && first->type == a->type);
		decode_attr(m, a);
	}
	(void)stun_check_integrity(m, key, KEYLEN);
	(void)stun_check_fingerprint(m);
	(void)stun_method_name(m->method);
}

static int is_trailer(const struct stun_msg *m, unsigned i)
{
	return (int)i == m->mi || (int)i == m->mi256 || (int)i == m->fp;
}

/* The rebuilt message must carry the same attributes in the same order. */
static void compare(const struct stun_msg *m, const struct stun_msg *r)
{
	unsigned i;

	CHECK(r->method == m->method && r->cls == m->cls);
	CHECK(memcmp(r->tid, m->tid, STUN_TID_LEN) == 0);
	CHECK(r->nattrs == m->nattrs && r->nunknown == m->nunknown);
	CHECK(memcmp(r->unknown, m->unknown, m->nunknown * sizeof(m->unknown[0])) == 0);
	CHECK((r->mi < 0) == (m->mi < 0) && (r->mi256 < 0) == (m->mi256 < 0) &&
	      (r->fp < 0) == (m->fp < 0));
	for (i = 0; i < m->nattrs; i++) {
		CHECK(r->attrs[i].type == m->attrs[i].type);
		if (is_trailer(m, i))
			continue;
		CHECK(r->attrs[i].len == m->attrs[i].len);
		CHECK(memcmp(r->attrs[i].val, m->attrs[i].val, m->attrs[i].len) == 0);
	}
	if (m->mi >= 0 || m->mi256 >= 0)
		CHECK(stun_check_integrity(r, key, KEYLEN) == 0);
	if (m->fp >= 0)
		CHECK(stun_check_fingerprint(r) == 0);
}

static void rebuild(const struct stun_msg *m)
{
	static uint8_t out[STUN_MAX_MESSAGE];
	static struct stun_msg r;
	struct stun_builder b;
	unsigned i;
	long n;

	stun_build_init(&b, out, sizeof(out), m->method, m->cls, m->tid);
	for (i = 0; i < m->nattrs; i++)
		if (!is_trailer(m, i))
			stun_build_attr(&b, m->attrs[i].type, m->attrs[i].val, m->attrs[i].len);
	if (m->mi >= 0)
		stun_build_integrity(&b, key, KEYLEN);
	if (m->mi256 >= 0)
		stun_build_integrity_sha256(&b, key, KEYLEN);
	if (m->fp >= 0)
		stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	if (n == -ENOBUFS && m->len + REBUILD_GROWTH > STUN_MAX_MESSAGE)
		return;
	CHECK(n >= STUN_HEADER_LEN && n % 4 == 0);
	CHECK(stun_parse(&r, out, (size_t)n) == 0);
	compare(m, &r);
}

static void channel(const uint8_t *data, size_t size)
{
	const uint8_t *d;
	uint16_t chan;
	size_t dlen;

	if (stun_channel_parse(data, size, &chan, &d, &dlen) == 0)
		CHECK(chan >= STUN_CHANNEL_MIN && chan <= STUN_CHANNEL_MAX &&
		      d == data + 4 && dlen <= size - 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stun_msg m;
	long flen;

	flen = stun_frame_length(data, size);
	CHECK(flen <= STUN_MAX_MESSAGE);
	channel(data, size);
	(void)stun_is_channel(data, size);
	if (stun_parse(&m, data, size) != 0)
		return 0;
	CHECK(stun_is_message(data, size));
	CHECK(flen == (long)size);
	decode_all(&m);
	rebuild(&m);
	return 0;
}
