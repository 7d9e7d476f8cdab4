/*
 * addr.h: socket addresses for operators and policies: parse "host:port",
 * print, compare, hash, canonicalise IPv4-in-IPv6 forms, CIDR ranges.
 * Numeric addresses only (no DNS here).  No GLib; reentrant.
 */
#ifndef PORTICO_ADDR_H
#define PORTICO_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* "[ffff:...:255.255.255.255]:65535" plus NUL, rounded up. */
#define ADDR_STRLEN 64

/* Parse "1.2.3.4", "1.2.3.4:5", "::1", "[::1]:5".  A missing port becomes
 * default_port.  Returns 0 or -1. */
int addr_parse(const char *s, int default_port, struct sockaddr_storage *out);
socklen_t addr_len(const struct sockaddr_storage *a);
int addr_port(const struct sockaddr_storage *a);
void addr_set_port(struct sockaddr_storage *a, int port);
/* "1.2.3.4:5" or "[::1]:5"; with_port 0 gives the bare address. */
const char *addr_str(const struct sockaddr_storage *a, char buf[ADDR_STRLEN], int with_port);
/* Same family, address and port. */
int addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* Same family and address (port ignored). */
int addr_ip_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
uint32_t addr_hash(const struct sockaddr_storage *a, uint32_t seed);
/* Is it the unspecified address (0.0.0.0 or ::)? */
int addr_is_any(const struct sockaddr_storage *a);

/*
 * Canonical form for policy checks: an IPv6 address that embeds an IPv4
 * one (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, the NAT64
 * well-known prefix 64:ff9b::/96, 6to4 2002:AABB:CCDD::/48) becomes that
 * IPv4 address (same port).  Returns 1 when it rewrote, 0 otherwise.
 * ::, ::1 are left as IPv6 (they embed no IPv4 host).
 */
int addr_canonical(const struct sockaddr_storage *in, struct sockaddr_storage *out);

struct cidr {
	int af;                /* AF_INET or AF_INET6 */
	uint8_t net[16];       /* network bytes, host bits zeroed */
	unsigned prefix;       /* 0..32 or 0..128 */
};

/* "10.0.0.0/8", "fe80::/10", or a bare address (full-length prefix).
 * Host bits set is an error (a typo more often than intent). 0 or -1. */
int cidr_parse(const char *s, struct cidr *out);
/* A range written in an IPv4-in-IPv6 form (::ffff:a.b.c.d/104,
 * 64:ff9b::/96 + n, ::a.b.c.d/120) becomes the IPv4 range it denotes, so it
 * matches canonicalised addresses (see addr_canonical).  Returns 1 when it
 * rewrote. */
int cidr_canonical(struct cidr *c);
/* Does a (not canonicalised here) fall in c?  Family must match. */
int cidr_match(const struct cidr *c, const struct sockaddr_storage *a);
/*
 * What kind of address a canonical address (see addr_canonical) is, for
 * policies that decide whom a relay or the SFU may talk to:
 *   ADDR_NEVER     unspecified, broadcast, multicast, link-local (the
 *                  169.254.169.254 metadata service included)
 *   ADDR_LOOPBACK  127.0.0.0/8, ::1
 *   ADDR_SPECIAL   private and other special-purpose ranges (RFC 1918,
 *                  shared address space, benchmarking, reserved, ULA,
 *                  site-local, Teredo, discard-only)
 *   ADDR_PUBLIC    anything else
 * why (may be NULL) gets a short name for logs.  The table is parsed once;
 * any thread.
 */
enum addr_class { ADDR_PUBLIC, ADDR_NEVER, ADDR_LOOPBACK, ADDR_SPECIAL };
enum addr_class addr_classify(const struct sockaddr_storage *canon, const char **why);

/* "10.0.0.0/8" */
const char *cidr_str(const struct cidr *c, char buf[ADDR_STRLEN]);

#endif
