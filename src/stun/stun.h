/*
 * stun.h: STUN/TURN wire codec (RFC 8489, RFC 8656, RFC 6156, RFC 5780,
 * RFC 6062 attribute numbers).
 *
 * No I/O, no GLib, no allocation of its own (GnuTLS's HMAC contexts and
 * libidn's SASLprep allocate internally and are freed before returning).
 * Every function is reentrant and may be called from any thread; the only
 * global state is constant tables.
 *
 * Parsing is zero-copy: a parsed message points into the caller's buffer,
 * which must outlive it.  Building writes into a caller-supplied buffer and
 * never writes past its capacity.
 *
 * Return convention: 0 (or a length) on success, a negative errno value on
 * failure (-EINVAL malformed, -EMSGSIZE too large for a bound, -ENOBUFS no
 * room in the output, -ENOENT attribute absent, -EBADMSG integrity or
 * fingerprint mismatch, -EIO the crypto library failed, e.g. MD5 refused in
 * FIPS mode).
 */
#ifndef PORTICO_STUN_H
#define PORTICO_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HEADER_LEN 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_LEN 12
/* Largest message the codec accepts or builds (TCP framing bound too). */
#define STUN_MAX_MESSAGE 65535
/* Attributes kept per parsed message; more is -EMSGSIZE (hostile input). */
#define STUN_MAX_ATTRS 64
/* Unknown comprehension-required attributes remembered for a 420. */
#define STUN_MAX_UNKNOWN 16

/* Methods (12 bits). */
enum stun_method {
	STUN_BINDING = 0x001,
	STUN_ALLOCATE = 0x003,
	STUN_REFRESH = 0x004,
	STUN_SEND = 0x006,
	STUN_DATA = 0x007,
	STUN_CREATE_PERMISSION = 0x008,
	STUN_CHANNEL_BIND = 0x009,
	STUN_CONNECT = 0x00a,
	STUN_CONNECTION_BIND = 0x00b,
	STUN_CONNECTION_ATTEMPT = 0x00c,
};

/* Classes, as the two class bits placed in a 16-bit type (C0=0x010, C1=0x100). */
enum stun_class {
	STUN_REQUEST = 0x000,
	STUN_INDICATION = 0x010,
	STUN_SUCCESS = 0x100,
	STUN_ERROR = 0x110,
};

/* Attribute types. */
enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_RESPONSE_ADDRESS = 0x0002,     /* RFC 5780 (deprecated) */
	STUN_ATTR_CHANGE_REQUEST = 0x0003,       /* RFC 5780 */
	STUN_ATTR_SOURCE_ADDRESS = 0x0004,       /* RFC 3489, comprehension-required */
	STUN_ATTR_CHANGED_ADDRESS = 0x0005,      /* RFC 3489 */
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_CHANNEL_NUMBER = 0x000C,
	STUN_ATTR_LIFETIME = 0x000D,
	STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,
	STUN_ATTR_DATA = 0x0013,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017, /* RFC 6156 */
	STUN_ATTR_EVEN_PORT = 0x0018,
	STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,
	STUN_ATTR_DONT_FRAGMENT = 0x001A,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	STUN_ATTR_USERHASH = 0x001E,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_RESERVATION_TOKEN = 0x0022,
	STUN_ATTR_PRIORITY = 0x0024,             /* RFC 8445 */
	STUN_ATTR_USE_CANDIDATE = 0x0025,        /* RFC 8445 */
	STUN_ATTR_PADDING = 0x0026,              /* RFC 5780 */
	STUN_ATTR_RESPONSE_PORT = 0x0027,        /* RFC 5780 */
	STUN_ATTR_CONNECTION_ID = 0x002A,        /* RFC 6062 */
	STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000, /* RFC 8656 */
	STUN_ATTR_ADDRESS_ERROR_CODE = 0x8001,   /* RFC 8656 */
	STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	STUN_ATTR_ICMP = 0x8004,                 /* RFC 8656 */
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_TRANSACTION_TRANSMIT_COUNTER = 0x8025,
	STUN_ATTR_CACHE_TIMEOUT = 0x8027,        /* RFC 5780 */
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,       /* RFC 8445 */
	STUN_ATTR_ICE_CONTROLLING = 0x802A,      /* RFC 8445 */
	STUN_ATTR_RESPONSE_ORIGIN = 0x802B,      /* RFC 5780 */
	STUN_ATTR_OTHER_ADDRESS = 0x802C,        /* RFC 5780 */
};

/* One attribute; val points into the message buffer (len is unpadded). */
struct stun_attr {
	uint16_t type;
	uint16_t len;
	const uint8_t *val;
};

/*
 * A parsed message.  attrs[] holds, in wire order, every attribute before
 * MESSAGE-INTEGRITY, then MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT if present.  Other attributes after an integrity attribute
 * are ignored (RFC 8489 section 14.5), so they are not in attrs[] and are
 * never reported as unknown.
 */
struct stun_msg {
	uint16_t method;          /* enum stun_method */
	uint16_t cls;             /* enum stun_class */
	uint8_t tid[STUN_TID_LEN];
	const uint8_t *buf;       /* the whole message, header included */
	size_t len;               /* 20 + header length field */
	unsigned nattrs;
	struct stun_attr attrs[STUN_MAX_ATTRS];
	int mi;                   /* index in attrs[] of MESSAGE-INTEGRITY, or -1 */
	int mi256;                /* ... of MESSAGE-INTEGRITY-SHA256, or -1 */
	int fp;                   /* ... of FINGERPRINT, or -1 */
	unsigned nunknown;        /* comprehension-required types not understood */
	uint16_t unknown[STUN_MAX_UNKNOWN];
};

/*
 * Cheap classifier for a datagram or stream prefix: 1 if buf starts like a
 * STUN message (top two bits zero, magic cookie), else 0.  Needs len >= 8.
 */
int stun_is_message(const uint8_t *buf, size_t len);

/*
 * Framing for stream transports.  Given the first avail bytes of a stream,
 * returns the total length of the STUN message or ChannelData frame that
 * starts there (ChannelData padded to 4 as RFC 8656 section 12.5 requires
 * over TCP), 0 if more bytes are needed to tell, or -EINVAL if the prefix is
 * neither or the frame would exceed STUN_MAX_MESSAGE (so a receive buffer of
 * STUN_MAX_MESSAGE bytes always holds one frame).  A STUN prefix needs 8
 * bytes (the cookie is checked), a ChannelData prefix 4.
 */
long stun_frame_length(const uint8_t *buf, size_t avail);

/*
 * Parse one STUN message occupying exactly len bytes (a datagram or a
 * framed TCP message; trailing bytes beyond the header length are -EINVAL).
 * Checks header, magic cookie, 4-byte alignment of the length, attribute
 * bounds and padding (padding bytes may be any value), FINGERPRINT placement
 * (must be last).  Unknown comprehension-required attributes (type <0x8000)
 * are collected in m->unknown; parsing still succeeds.  Does not verify
 * integrity or fingerprint values.
 */
int stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len);

/* First occurrence of an attribute type in m->attrs (RFC 8489: first wins), or NULL. */
const struct stun_attr *stun_msg_get(const struct stun_msg *m, uint16_t type);

/* Attribute decoders: return 0 or -EINVAL (bad length or family). */
int stun_attr_u32(const struct stun_attr *a, uint32_t *out);
/* XOR-*-ADDRESS: decoded with the message's tid.  out gets AF_INET or AF_INET6. */
int stun_attr_xor_addr(const struct stun_msg *m, const struct stun_attr *a,
		       struct sockaddr_storage *out);
/* MAPPED-ADDRESS style (plain) address. */
int stun_attr_addr(const struct stun_attr *a, struct sockaddr_storage *out);
/* ERROR-CODE: code 300..699 and a pointer/length to the reason phrase. */
int stun_attr_error(const struct stun_attr *a, int *code,
		    const char **reason, size_t *reason_len);
/* CHANNEL-NUMBER: the 16-bit number (range not checked here). */
int stun_attr_channel(const struct stun_attr *a, uint16_t *chan);
/* REQUESTED-TRANSPORT: protocol number (17 UDP, 6 TCP). */
int stun_attr_transport(const struct stun_attr *a, uint8_t *proto);
/* REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY: 0x01 IPv4, 0x02 IPv6 -> AF_INET/AF_INET6. */
int stun_attr_family(const struct stun_attr *a, int *af);
/* EVEN-PORT: reserve bit (R). */
int stun_attr_even_port(const struct stun_attr *a, int *reserve);

/*
 * Integrity.  key is the HMAC key: the long-term key (16-byte MD5) or a
 * short-term password.  Checks MESSAGE-INTEGRITY-SHA256 when present, else
 * MESSAGE-INTEGRITY.  Returns 0 on match, -ENOENT with neither attribute,
 * -EBADMSG on mismatch or a bad attribute length (MI: 20; MI-SHA256: 16-32,
 * a multiple of 4, compared truncated).  Comparison is constant-time.
 */
int stun_check_integrity(const struct stun_msg *m, const uint8_t *key, size_t keylen);
/* FINGERPRINT: 0 match, -ENOENT absent, -EBADMSG mismatch. */
int stun_check_fingerprint(const struct stun_msg *m);

/*
 * Long-term credential key: MD5(username ":" realm ":" SASLprep(password))
 * (RFC 8489 section 9.2.2; SASLprep is RFC 4013).  -EINVAL when the password
 * is rejected by SASLprep (prohibited characters).
 */
int stun_longterm_key(const char *username, const char *realm,
		      const char *password, uint8_t key[16]);

/* Builder.  Errors are sticky: once a call fails, finish returns the error. */
struct stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

void stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap,
		     uint16_t method, uint16_t cls, const uint8_t tid[STUN_TID_LEN]);
/* Appends a raw attribute with zero padding (val NULL: len zero bytes). */
void stun_build_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len);
void stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v);
/* XOR-encoded address (sa is AF_INET or AF_INET6). */
void stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct sockaddr *sa);
/* Plain address (MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, ...). */
void stun_build_addr(struct stun_builder *b, uint16_t type, const struct sockaddr *sa);
/* ERROR-CODE with the standard reason phrase for code when reason is NULL. */
void stun_build_error(struct stun_builder *b, int code, const char *reason);
void stun_build_unknown(struct stun_builder *b, const uint16_t *types, unsigned n);
/* Append MESSAGE-INTEGRITY (HMAC-SHA1) / -SHA256 over everything so far. */
void stun_build_integrity(struct stun_builder *b, const uint8_t *key, size_t keylen);
void stun_build_integrity_sha256(struct stun_builder *b, const uint8_t *key, size_t keylen);
void stun_build_fingerprint(struct stun_builder *b);
/* Returns the message length, or the first error. */
long stun_build_finish(struct stun_builder *b);

/* Standard reason phrase for an error code ("Bad Request", ...), or "Error". */
const char *stun_reason(int code);
/* Method name for logs ("Allocate"), or "Unknown". */
const char *stun_method_name(uint16_t method);

/*
 * ChannelData (RFC 8656 section 12.4).  Channel numbers 0x4000-0x4FFF.
 * stun_channel_parse accepts len >= 4 + data length (trailing padding is
 * allowed); returns 0 or -EINVAL.
 */
#define STUN_CHANNEL_MIN 0x4000
#define STUN_CHANNEL_MAX 0x4FFF
int stun_is_channel(const uint8_t *buf, size_t len);
int stun_channel_parse(const uint8_t *buf, size_t len, uint16_t *chan,
		       const uint8_t **data, size_t *dlen);
/* Writes the 4-byte ChannelData header. */
void stun_channel_header(uint8_t hdr[4], uint16_t chan, uint16_t dlen);

#endif
