/*
 * stun-internal.h: helpers shared by the stun module's .c files only.
 *
 * Wire integers are read and written byte by byte: the buffers come from
 * the network at arbitrary alignment, so casting to uint16_t * would be
 * undefined behaviour (and a SIGBUS on strict-alignment machines).
 */
#ifndef PORTICO_STUN_INTERNAL_H
#define PORTICO_STUN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stun/stun.h"

#define STUN_MI_LEN 20          /* HMAC-SHA1 */
#define STUN_MI256_LEN 32       /* HMAC-SHA256, untruncated */
#define STUN_MI256_MIN 16       /* shortest truncation RFC 8489 section 14.6 allows */
#define STUN_FP_LEN 4
#define STUN_FP_XOR 0x5354554eu

static inline uint16_t stun__get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t stun__get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void stun__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void stun__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Attribute values are padded to a multiple of 4 on the wire. */
static inline size_t stun__pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/*
 * Builder primitive (attr.c): appends an attribute header for a value of
 * len bytes, zeroes its padding, updates the header length field, and
 * returns where the caller writes the value; NULL (with b->err set) on a
 * sticky error or when it does not fit.
 */
uint8_t *stun__reserve(struct stun_builder *b, uint16_t type, size_t len);

#endif
