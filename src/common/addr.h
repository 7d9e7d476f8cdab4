/*
 * addr.h: socket addresses for operators and policies: parse "host:port",
 * print, compare, hash, canonicalise IPv4-mapped forms, CIDR ranges, and
 * classify addresses (special-purpose ranges, IPv4 carried in IPv6).
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
 * Canonical form for policy checks: an IPv4-mapped address ::ffff:a.b.c.d
 * becomes a.b.c.d (same port), since a dual-stack socket sends to it as
 * IPv4.  Returns 1 when it rewrote, 0 otherwise.  Every other form that
 * carries an IPv4 address (NAT64, 6to4, Teredo, ...) is a real IPv6
 * destination and stays IPv6: addr_classify judges it by what it carries.
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
/* A range written in IPv4-mapped form (::ffff:a.b.c.d/104) becomes the
 * IPv4 range it denotes, so it matches canonicalised addresses (see
 * addr_canonical).  Returns 1 when it rewrote. */
int cidr_canonical(struct cidr *c);
/* The network a belongs to for per-client limits: a canonicalised (an
 * IPv4-mapped address counts as its IPv4 address), cut to v4_bits or
 * v6_bits.  One IPv6 client owns a /64, so limits count networks, not
 * addresses.  0, or -1 when a is neither IPv4 nor IPv6. */
int addr_prefix(const struct sockaddr_storage *a, unsigned v4_bits, unsigned v6_bits,
		struct cidr *out);
/* Does a (not canonicalised here) fall in c?  Family must match. */
int cidr_match(const struct cidr *c, const struct sockaddr_storage *a);
/*
 * What kind of address a canonical address (see addr_canonical) is, for
 * policies that decide whom a relay or the SFU may talk to, after the IANA
 * IPv4 and IPv6 special-purpose registries (RFC 6890 and updates):
 *   ADDR_NEVER     unspecified (0.0.0.0/8, ::), broadcast, multicast,
 *                  link-local (the 169.254.169.254 metadata service included)
 *   ADDR_LOOPBACK  127.0.0.0/8, ::1
 *   ADDR_SPECIAL   private and other ranges not globally reachable (RFC 1918,
 *                  shared address space, IETF protocol assignments,
 *                  benchmarking, reserved, ULA, site-local, discard-only,
 *                  IPv6 outside 2000::/3 ...)
 *   ADDR_PUBLIC    anything else, documentation ranges included (the lab
 *                  uses them as the public Internet)
 * An IPv6 address that carries IPv4 addresses (IPv4-mapped, IPv4-translated
 * ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48 in the last 32
 * bits, 6to4 2002::/16, Teredo 2001::/32 server and client, IPv4-compatible
 * ::/96 but not ::/112) gets the worst class of itself and what it carries:
 * 64:ff9b:1::7f00:1 is loopback.  why (may be NULL) gets a short static
 * name for logs ("loopback via local-use NAT64").  The tables are parsed
 * once; any thread.
 */
enum addr_class { ADDR_PUBLIC, ADDR_NEVER, ADDR_LOOPBACK, ADDR_SPECIAL };
enum addr_class addr_classify(const struct sockaddr_storage *canon, const char **why);

/*
 * The IPv4 addresses a carries in one of the forms above, with a's port,
 * into out[]: 0, 1 or 2 (Teredo: server, then client).  For lists of IPv4
 * ranges (denied-peers): a host denied by IPv4 stays denied behind a
 * translator.  Any thread.
 */
#define ADDR_MAX_CARRIED 2
int addr_carried_ipv4(const struct sockaddr_storage *a, struct sockaddr_storage out[ADDR_MAX_CARRIED]);

/* "10.0.0.0/8" */
const char *cidr_str(const struct cidr *c, char buf[ADDR_STRLEN]);

#endif
