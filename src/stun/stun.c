/*
 * stun.c: STUN header parsing, attribute walking, stream framing,
 * ChannelData, and the name tables (RFC 8489, RFC 8656).
 *
 * Everything here reads the caller's buffer in place and keeps no state
 * beyond constant tables.
 */
#include <errno.h>
#include <string.h>

#include "stun/stun.h"
#include "stun/stun-internal.h"

/*
 * Every attribute type of enum stun_attr_type: the set a comprehension-
 * required (< 0x8000) type must belong to, or it is reported as unknown.
 */
static const uint16_t known_attrs[] = {
	STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_RESPONSE_ADDRESS,
	STUN_ATTR_CHANGE_REQUEST, STUN_ATTR_SOURCE_ADDRESS,
	STUN_ATTR_CHANGED_ADDRESS, STUN_ATTR_USERNAME,
	STUN_ATTR_MESSAGE_INTEGRITY, STUN_ATTR_ERROR_CODE,
	STUN_ATTR_UNKNOWN_ATTRIBUTES, STUN_ATTR_CHANNEL_NUMBER,
	STUN_ATTR_LIFETIME, STUN_ATTR_XOR_PEER_ADDRESS, STUN_ATTR_DATA,
	STUN_ATTR_REALM, STUN_ATTR_NONCE, STUN_ATTR_XOR_RELAYED_ADDRESS,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_ATTR_EVEN_PORT,
	STUN_ATTR_REQUESTED_TRANSPORT, STUN_ATTR_DONT_FRAGMENT,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256, STUN_ATTR_PASSWORD_ALGORITHM,
	STUN_ATTR_USERHASH, STUN_ATTR_XOR_MAPPED_ADDRESS,
	STUN_ATTR_RESERVATION_TOKEN, STUN_ATTR_PRIORITY,
	STUN_ATTR_USE_CANDIDATE, STUN_ATTR_PADDING, STUN_ATTR_RESPONSE_PORT,
	STUN_ATTR_CONNECTION_ID, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
	STUN_ATTR_ADDRESS_ERROR_CODE, STUN_ATTR_PASSWORD_ALGORITHMS,
	STUN_ATTR_ALTERNATE_DOMAIN, STUN_ATTR_ICMP, STUN_ATTR_SOFTWARE,
	STUN_ATTR_ALTERNATE_SERVER, STUN_ATTR_TRANSACTION_TRANSMIT_COUNTER,
	STUN_ATTR_CACHE_TIMEOUT, STUN_ATTR_FINGERPRINT,
	STUN_ATTR_ICE_CONTROLLED, STUN_ATTR_ICE_CONTROLLING,
	STUN_ATTR_RESPONSE_ORIGIN, STUN_ATTR_OTHER_ADDRESS,
};

static const struct {
	int code;
	const char *phrase;
} reasons[] = {
	{ 300, "Try Alternate" },
	{ 400, "Bad Request" },
	{ 401, "Unauthenticated" },
	{ 403, "Forbidden" },
	{ 405, "Mobility Forbidden" },
	{ 420, "Unknown Attribute" },
	{ 437, "Allocation Mismatch" },
	{ 438, "Stale Nonce" },
	{ 440, "Address Family not Supported" },
	{ 441, "Wrong Credentials" },
	{ 442, "Unsupported Transport Protocol" },
	{ 443, "Peer Address Family Mismatch" },
	{ 446, "Connection Already Exists" },
	{ 447, "Connection Timeout or Failure" },
	{ 486, "Allocation Quota Reached" },
	{ 500, "Server Error" },
	{ 508, "Insufficient Capacity" },
};

static const struct {
	uint16_t method;
	const char *name;
} methods[] = {
	{ STUN_BINDING, "Binding" },
	{ STUN_ALLOCATE, "Allocate" },
	{ STUN_REFRESH, "Refresh" },
	{ STUN_SEND, "Send" },
	{ STUN_DATA, "Data" },
	{ STUN_CREATE_PERMISSION, "CreatePermission" },
	{ STUN_CHANNEL_BIND, "ChannelBind" },
	{ STUN_CONNECT, "Connect" },
	{ STUN_CONNECTION_BIND, "ConnectionBind" },
	{ STUN_CONNECTION_ATTEMPT, "ConnectionAttempt" },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parser phases: which attributes may still be stored (RFC 8489 14.5-14.7). */
enum phase {
	PH_BODY,        /* anything */
	PH_AFTER_MI,    /* only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count */
	PH_AFTER_MI256, /* only FINGERPRINT counts */
	PH_AFTER_FP,    /* nothing may follow: -EINVAL */
};

static const uint8_t cookie_bytes[4] = { 0x21, 0x12, 0xA4, 0x42 };

int stun_is_message(const uint8_t *buf, size_t len)
{
	if (len < 8)
		return 0;
	return (buf[0] & 0xC0) == 0 && memcmp(buf + 4, cookie_bytes, 4) == 0;
}

/* STUN frame: 0 until the cookie is visible, then 20 + length. */
static long stun_frame(const uint8_t *buf, size_t avail)
{
	size_t n = avail < 8 ? avail : 8;
	size_t total;

	/* Reject as early as the visible prefix of the cookie allows. */
	if (n > 4 && memcmp(buf + 4, cookie_bytes, n - 4) != 0)
		return -EINVAL;
	if (avail < 8)
		return 0;
	total = STUN_HEADER_LEN + (size_t)stun__get16(buf + 2);
	if (total % 4 != 0 || total > STUN_MAX_MESSAGE)
		return -EINVAL;
	return (long)total;
}

/* ChannelData frame over a stream: 4 + data length rounded up to 4. */
static long channel_frame(const uint8_t *buf, size_t avail)
{
	size_t total;

	if (avail < 2)
		return 0;
	if (stun__get16(buf) > STUN_CHANNEL_MAX)
		return -EINVAL;
	if (avail < 4)
		return 0;
	total = stun__pad4(4 + (size_t)stun__get16(buf + 2));
	if (total > STUN_MAX_MESSAGE)
		return -EINVAL;
	return (long)total;
}

long stun_frame_length(const uint8_t *buf, size_t avail)
{
	if (avail == 0)
		return 0;
	switch (buf[0] >> 6) {
	case 0:
		return stun_frame(buf, avail);
	case 1:
		return channel_frame(buf, avail);
	default:
		return -EINVAL;
	}
}

static int is_known(uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(known_attrs); i++)
		if (known_attrs[i] == type)
			return 1;
	return 0;
}

/* Remember an unknown comprehension-required type once; excess is dropped. */
static void note_unknown(struct stun_msg *m, uint16_t type)
{
	unsigned i;

	if (type >= 0x8000 || is_known(type))
		return;
	for (i = 0; i < m->nunknown; i++)
		if (m->unknown[i] == type)
			return;
	if (m->nunknown < STUN_MAX_UNKNOWN)
		m->unknown[m->nunknown++] = type;
}

/*
 * Decide what one attribute does to the phase: returns 1 to store it, 0 to
 * ignore it (after an integrity attribute), -EINVAL after FINGERPRINT.
 */
static int advance_phase(enum phase *ph, uint16_t type)
{
	if (*ph == PH_AFTER_FP)
		return -EINVAL;
	if (type == STUN_ATTR_FINGERPRINT) {
		*ph = PH_AFTER_FP;
		return 1;
	}
	if (type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 && *ph != PH_AFTER_MI256) {
		*ph = PH_AFTER_MI256;
		return 1;
	}
	if (type == STUN_ATTR_MESSAGE_INTEGRITY && *ph == PH_BODY) {
		*ph = PH_AFTER_MI;
		return 1;
	}
	return *ph == PH_BODY;
}

/* Store attribute a in m, tracking the integrity/fingerprint indexes. */
static int store_attr(struct stun_msg *m, const struct stun_attr *a)
{
	int idx = (int)m->nattrs;

	if (m->nattrs == STUN_MAX_ATTRS)
		return -EMSGSIZE;
	m->attrs[m->nattrs++] = *a;
	if (a->type == STUN_ATTR_MESSAGE_INTEGRITY)
		m->mi = idx;
	else if (a->type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
		m->mi256 = idx;
	else if (a->type == STUN_ATTR_FINGERPRINT)
		m->fp = idx;
	else
		note_unknown(m, a->type);
	return 0;
}

/* Walk the attributes after the header; the header was checked already. */
static int parse_attrs(struct stun_msg *m)
{
	enum phase ph = PH_BODY;
	size_t pos = STUN_HEADER_LEN;
	struct stun_attr a;
	int rc;

	while (pos < m->len) {
		if (m->len - pos < 4)
			return -EINVAL;
		a.type = stun__get16(m->buf + pos);
		a.len = stun__get16(m->buf + pos + 2);
		a.val = m->buf + pos + 4;
		if (stun__pad4(a.len) > m->len - pos - 4)
			return -EINVAL;
		pos += 4 + stun__pad4(a.len);
		rc = advance_phase(&ph, a.type);
		if (rc < 0)
			return rc;
		if (rc == 1 && (rc = store_attr(m, &a)) < 0)
			return rc;
	}
	return 0;
}

/* Header checks of RFC 8489 section 6.3: zero top bits, cookie, length. */
static int check_header(const uint8_t *buf, size_t len)
{
	if (len < STUN_HEADER_LEN)
		return -EINVAL;
	if (len > STUN_MAX_MESSAGE)
		return -EMSGSIZE;
	if (!stun_is_message(buf, len))
		return -EINVAL;
	if ((size_t)stun__get16(buf + 2) + STUN_HEADER_LEN != len)
		return -EINVAL;
	if (len % 4 != 0)
		return -EINVAL;
	return 0;
}

int stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	uint16_t type;
	int rc;

	rc = check_header(buf, len);
	if (rc < 0)
		return rc;
	type = stun__get16(buf);
	/* Type bits: M11..M7 C1 M6..M4 C0 M3..M0 (RFC 8489 section 5). */
	m->cls = type & 0x0110;
	m->method = (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) |
			       ((type & 0x3E00) >> 2));
	memcpy(m->tid, buf + 8, STUN_TID_LEN);
	m->buf = buf;
	m->len = len;
	m->nattrs = 0;
	m->mi = m->mi256 = m->fp = -1;
	m->nunknown = 0;
	return parse_attrs(m);
}

const struct stun_attr *stun_msg_get(const struct stun_msg *m, uint16_t type)
{
	unsigned i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	return NULL;
}

const char *stun_reason(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(reasons); i++)
		if (reasons[i].code == code)
			return reasons[i].phrase;
	return "Error";
}

const char *stun_method_name(uint16_t method)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(methods); i++)
		if (methods[i].method == method)
			return methods[i].name;
	return "Unknown";
}

int stun_is_channel(const uint8_t *buf, size_t len)
{
	uint16_t chan;

	if (len < 4)
		return 0;
	chan = stun__get16(buf);
	return chan >= STUN_CHANNEL_MIN && chan <= STUN_CHANNEL_MAX;
}

int stun_channel_parse(const uint8_t *buf, size_t len, uint16_t *chan,
		       const uint8_t **data, size_t *dlen)
{
	size_t n;

	if (!stun_is_channel(buf, len))
		return -EINVAL;
	n = stun__get16(buf + 2);
	if (n > len - 4)
		return -EINVAL;
	*chan = stun__get16(buf);
	*data = buf + 4;
	*dlen = n;
	return 0;
}

void stun_channel_header(uint8_t hdr[4], uint16_t chan, uint16_t dlen)
{
	stun__put16(hdr, chan);
	stun__put16(hdr + 2, dlen);
}
