/* addr.c: see addr.h. */
#include "common/addr.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
addr_parse(const char *s, int default_port, struct sockaddr_storage *out)
{
	char host[ADDR_STRLEN];
	const char *port = NULL;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return -1;
		n = (size_t)(close - s - 1);
		if (close[1] == ':')
			port = close + 2;
		s++;
	} else {
		const char *colon = strchr(s, ':');
		/* One colon: IPv4 with port; several: bare IPv6. */
		if (colon && !strchr(colon + 1, ':')) {
			n = (size_t)(colon - s);
			port = colon + 1;
		} else {
			n = strlen(s);
		}
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';

	int p = default_port;
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);
		if (*port == '\0' || *end || v < 0 || v > 65535)
			return -1;
		p = (int)v;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	return -1;
}

socklen_t
addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					: sizeof(struct sockaddr_in);
}

int
addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

void
addr_set_port(struct sockaddr_storage *a, int port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

const char *
addr_str(const struct sockaddr_storage *a, char buf[ADDR_STRLEN], int with_port)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, sizeof(ip));
		if (with_port)
			snprintf(buf, ADDR_STRLEN, "[%s]:%d", ip, addr_port(a));
		else
			snprintf(buf, ADDR_STRLEN, "%s", ip);
	} else if (a->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof(ip));
		if (with_port)
			snprintf(buf, ADDR_STRLEN, "%s:%d", ip, addr_port(a));
		else
			snprintf(buf, ADDR_STRLEN, "%s", ip);
	} else {
		snprintf(buf, ADDR_STRLEN, "(none)");
	}
	return buf;
}

static const uint8_t *
ip_bytes(const struct sockaddr_storage *a, size_t *len)
{
	if (a->ss_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr.s_addr;
}

int
addr_ip_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const uint8_t *pa, *pb;

	if (a->ss_family != b->ss_family)
		return 0;
	pa = ip_bytes(a, &la);
	pb = ip_bytes(b, &lb);
	return la == lb && memcmp(pa, pb, la) == 0;
}

int
addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return addr_ip_equal(a, b) && addr_port(a) == addr_port(b);
}

uint32_t
addr_hash(const struct sockaddr_storage *a, uint32_t seed)
{
	/* FNV-1a over address and port, mixed with a per-table seed. */
	size_t len;
	const uint8_t *p = ip_bytes(a, &len);
	uint32_t h = 2166136261u ^ seed;
	int port = addr_port(a);

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (uint8_t)(port >> 8)) * 16777619u;
	h = (h ^ (uint8_t)port) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

int
addr_is_any(const struct sockaddr_storage *a)
{
	static const uint8_t zero[16];
	size_t len;
	const uint8_t *p = ip_bytes(a, &len);

	return memcmp(p, zero, len) == 0;
}

/* ::ffff:0:0/96: the only form a dual-stack socket sends to as IPv4. */
static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int
addr_canonical(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)in;
	struct sockaddr_in sin;

	if (in != out)
		memcpy(out, in, sizeof(*out));
	if (in->ss_family != AF_INET6 || memcmp(v6->sin6_addr.s6_addr, v4mapped, 12) != 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = v6->sin6_port;
	memcpy(&sin.sin_addr.s_addr, v6->sin6_addr.s6_addr + 12, 4);
	memset(out, 0, sizeof(*out));
	memcpy(out, &sin, sizeof(sin));
	return 1;
}

int
cidr_parse(const char *s, struct cidr *out)
{
	char buf[ADDR_STRLEN];
	struct sockaddr_storage ss;
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s), len;
	const uint8_t *p;
	long prefix;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(buf) || strchr(s, '[') || strchr(s, ']'))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strchr(buf, ':')) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET6, buf, &v6->sin6_addr) != 1)
			return -1;
		ss.ss_family = AF_INET6;
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, buf, &v4->sin_addr) != 1)
			return -1;
		ss.ss_family = AF_INET;
	}
	p = ip_bytes(&ss, &len);
	prefix = (long)len * 8;
	if (slash) {
		char *end;
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end || prefix < 0 || prefix > (long)len * 8)
			return -1;
	}
	out->af = ss.ss_family;
	out->prefix = (unsigned)prefix;
	memcpy(out->net, p, len);
	for (size_t bit = (size_t)prefix; bit < len * 8; bit++)
		if (out->net[bit / 8] & (0x80 >> (bit % 8)))
			return -1;   /* host bits set: "10.0.0.1/8" is a typo */
	return 0;
}

int
cidr_match(const struct cidr *c, const struct sockaddr_storage *a)
{
	size_t len;
	const uint8_t *p;
	unsigned full, rest;

	if (a->ss_family != c->af)
		return 0;
	p = ip_bytes(a, &len);
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(p, c->net, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((p[full] & mask) != c->net[full])
			return 0;
	}
	return 1;
}

int
addr_prefix(const struct sockaddr_storage *a, unsigned v4_bits, unsigned v6_bits, struct cidr *out)
{
	struct sockaddr_storage c;
	const uint8_t *p;
	size_t len;

	memset(out, 0, sizeof(*out));
	addr_canonical(a, &c);
	if (c.ss_family != AF_INET && c.ss_family != AF_INET6)
		return -1;
	p = ip_bytes(&c, &len);
	out->af = c.ss_family;
	if (c.ss_family == AF_INET)
		out->prefix = v4_bits < 32 ? v4_bits : 32;
	else
		out->prefix = v6_bits < 128 ? v6_bits : 128;
	memcpy(out->net, p, len);
	for (size_t bit = out->prefix; bit < len * 8; bit++)
		out->net[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	return 0;
}

int
cidr_canonical(struct cidr *c)
{
	if (c->af != AF_INET6 || c->prefix < 96 || memcmp(c->net, v4mapped, 12) != 0)
		return 0;
	c->af = AF_INET;
	memmove(c->net, c->net + 12, 4);
	memset(c->net + 4, 0, 12);
	c->prefix -= 96;
	return 1;
}

/*
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
 * updates), with multicast and the IPv6 space outside 2000::/3 that IANA
 * keeps reserved.  The longest matching prefix decides, so an assignment
 * inside a larger block (192.0.0.9/32 in 192.0.0.0/24) needs no ordering.
 * ADDR_PUBLIC rows are globally reachable assignments inside special blocks,
 * the carrier forms below (judged by the IPv4 they carry), and the
 * documentation ranges: the registry marks those not globally reachable, but
 * nothing on the Internet answers there, and `portico lab` and the tests use
 * them as the public Internet.  Globally reachable assignments outside any
 * special block need no row (AS112 192.31.196.0/24, 192.175.48.0/24,
 * 2620:4f:8000::/48; AMT 192.52.193.0/24).
 */
struct class_row {
	const char *cidr;
	enum addr_class cls;
	const char *why;
};

static const struct class_row class_v4[] = {
	{ "0.0.0.0/8", ADDR_NEVER, "unspecified address" },
	{ "10.0.0.0/8", ADDR_SPECIAL, "private range" },
	{ "100.64.0.0/10", ADDR_SPECIAL, "shared address space" },
	{ "127.0.0.0/8", ADDR_LOOPBACK, "loopback" },
	{ "169.254.0.0/16", ADDR_NEVER, "link-local" },
	{ "172.16.0.0/12", ADDR_SPECIAL, "private range" },
	{ "192.0.0.0/24", ADDR_SPECIAL, "IETF protocol assignments" },
	{ "192.0.0.9/32", ADDR_PUBLIC, "PCP anycast" },
	{ "192.0.0.10/32", ADDR_PUBLIC, "TURN anycast" },
	{ "192.0.2.0/24", ADDR_PUBLIC, "documentation range" },
	{ "192.88.99.0/24", ADDR_SPECIAL, "deprecated 6to4 relay anycast" },
	{ "192.168.0.0/16", ADDR_SPECIAL, "private range" },
	{ "198.18.0.0/15", ADDR_SPECIAL, "benchmarking range" },
	{ "198.51.100.0/24", ADDR_PUBLIC, "documentation range" },
	{ "203.0.113.0/24", ADDR_PUBLIC, "documentation range" },
	{ "224.0.0.0/4", ADDR_NEVER, "multicast" },
	{ "240.0.0.0/4", ADDR_SPECIAL, "reserved range" },
	{ "255.255.255.255/32", ADDR_NEVER, "broadcast" },
};

static const struct class_row class_v6[] = {
	{ "::/128", ADDR_NEVER, "unspecified address" },
	{ "::1/128", ADDR_LOOPBACK, "loopback" },
	{ "::/112", ADDR_SPECIAL, "reserved range" },
	{ "::/96", ADDR_PUBLIC, "IPv4-compatible" },
	{ "::ffff:0:0/96", ADDR_PUBLIC, "IPv4-mapped" },
	{ "::ffff:0:0:0/96", ADDR_PUBLIC, "IPv4-translated" },
	{ "64:ff9b::/96", ADDR_PUBLIC, "NAT64" },
	{ "64:ff9b:1::/48", ADDR_PUBLIC, "local-use NAT64" },
	{ "100::/64", ADDR_SPECIAL, "discard-only range" },
	{ "100:0:0:1::/64", ADDR_SPECIAL, "dummy prefix" },
	{ "::/3", ADDR_SPECIAL, "reserved range" },
	{ "2001::/23", ADDR_SPECIAL, "IETF protocol assignments" },
	{ "2001::/32", ADDR_PUBLIC, "Teredo" },
	{ "2001:1::1/128", ADDR_PUBLIC, "PCP anycast" },
	{ "2001:1::2/128", ADDR_PUBLIC, "TURN anycast" },
	{ "2001:1::3/128", ADDR_PUBLIC, "DNS-SD SRP anycast" },
	{ "2001:2::/48", ADDR_SPECIAL, "benchmarking range" },
	{ "2001:3::/32", ADDR_PUBLIC, "AMT" },
	{ "2001:4:112::/48", ADDR_PUBLIC, "AS112" },
	{ "2001:10::/28", ADDR_SPECIAL, "deprecated ORCHID" },
	{ "2001:20::/28", ADDR_PUBLIC, "ORCHIDv2" },
	{ "2001:30::/28", ADDR_PUBLIC, "drone remote ID" },
	{ "2001:db8::/32", ADDR_PUBLIC, "documentation range" },
	{ "3fff::/20", ADDR_PUBLIC, "documentation range" },
	{ "4000::/2", ADDR_SPECIAL, "reserved range" },
	{ "5f00::/16", ADDR_SPECIAL, "SRv6 SIDs" },
	{ "8000::/1", ADDR_SPECIAL, "reserved range" },
	{ "fc00::/7", ADDR_SPECIAL, "unique local range" },
	{ "fe80::/10", ADDR_NEVER, "link-local" },
	{ "fec0::/10", ADDR_SPECIAL, "site-local range" },
	{ "ff00::/8", ADDR_NEVER, "multicast" },
};

/*
 * IPv6 forms that carry an IPv4 address: a translator, tunnel or relay
 * router delivers them to (or through) that IPv4 host, so each carried
 * address is judged too.  Teredo carries two, hence two rows.
 */
static const struct carrier {
	const char *cidr;
	uint8_t at;            /* byte offset of the IPv4 address */
	uint8_t flip;          /* stored XOR 0xffffffff (Teredo's client) */
	uint8_t skip_low;      /* not when it reads 0.0.x.x: ::/112 holds ::, ::1 */
	const char *name;
} carriers[] = {
	{ "::ffff:0:0/96", 12, 0, 0, "IPv4-mapped" },         /* RFC 4291 2.5.5.2 */
	{ "::ffff:0:0:0/96", 12, 0, 0, "IPv4-translated" },   /* RFC 2765 (SIIT) */
	{ "64:ff9b::/96", 12, 0, 0, "NAT64" },                /* RFC 6052 */
	{ "64:ff9b:1::/48", 12, 0, 0, "local-use NAT64" },    /* RFC 8215, last 32 bits */
	{ "2002::/16", 2, 0, 0, "6to4" },                     /* RFC 3056: bits 16-47 */
	{ "2001::/32", 4, 0, 0, "Teredo server" },            /* RFC 4380: bits 32-63 */
	{ "2001::/32", 12, 1, 0, "Teredo client" },           /* RFC 4380: last 32, inverted */
	{ "::/96", 12, 0, 1, "IPv4-compatible" },             /* RFC 4291 2.5.5.1, deprecated */
};

#define N_V4 (sizeof(class_v4) / sizeof(class_v4[0]))
#define N_V6 (sizeof(class_v6) / sizeof(class_v6[0]))
#define N_CARRIER (sizeof(carriers) / sizeof(carriers[0]))
#define WHY_MAX 64

/* Written once under class_once, read-only afterwards. */
static struct {
	struct cidr v4[N_V4], v6[N_V6], carrier[N_CARRIER];
	char why[N_CARRIER][N_V4][WHY_MAX];   /* "loopback via NAT64" */
} ctab;
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

/* A typo in the tables above would leave a row matching nothing: a hole
 * in every policy.  It must stop the first test that classifies. */
static void
parse_const(const char *s, struct cidr *out)
{
	if (cidr_parse(s, out) < 0)
		abort();
}

static void
class_init(void)
{
	for (size_t i = 0; i < N_V4; i++)
		parse_const(class_v4[i].cidr, &ctab.v4[i]);
	for (size_t i = 0; i < N_V6; i++)
		parse_const(class_v6[i].cidr, &ctab.v6[i]);
	for (size_t k = 0; k < N_CARRIER; k++) {
		parse_const(carriers[k].cidr, &ctab.carrier[k]);
		for (size_t i = 0; i < N_V4; i++)
			snprintf(ctab.why[k][i], WHY_MAX, "%s via %s", class_v4[i].why, carriers[k].name);
	}
}

/* Index of the longest matching row of a's family, or -1 (public). */
static int
class_row(const struct sockaddr_storage *a)
{
	const struct cidr *v = a->ss_family == AF_INET6 ? ctab.v6 : ctab.v4;
	size_t n = a->ss_family == AF_INET6 ? N_V6 : N_V4;
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (cidr_match(&v[i], a) && (best < 0 || v[i].prefix > v[best].prefix))
			best = (int)i;
	return best;
}

/* Like addr_carried_ipv4; via[i] is the carriers[] row of out[i]. */
static int
carried(const struct sockaddr_storage *a, struct sockaddr_storage out[ADDR_MAX_CARRIED],
	unsigned via[ADDR_MAX_CARRIED])
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;
	const uint8_t *b = v6->sin6_addr.s6_addr;
	int n = 0;

	if (a->ss_family != AF_INET6)
		return 0;
	for (unsigned k = 0; k < N_CARRIER && n < ADDR_MAX_CARRIED; k++) {
		const struct carrier *f = &carriers[k];
		struct sockaddr_in *sin = (struct sockaddr_in *)&out[n];
		uint8_t ip[4];

		if (!cidr_match(&ctab.carrier[k], a) || (f->skip_low && (b[f->at] | b[f->at + 1]) == 0))
			continue;
		for (int i = 0; i < 4; i++)
			ip[i] = f->flip ? (uint8_t)~b[f->at + i] : b[f->at + i];
		memset(&out[n], 0, sizeof(out[n]));
		sin->sin_family = AF_INET;
		sin->sin_port = v6->sin6_port;
		memcpy(&sin->sin_addr.s_addr, ip, 4);
		via[n++] = k;
	}
	return n;
}

int
addr_carried_ipv4(const struct sockaddr_storage *a, struct sockaddr_storage out[ADDR_MAX_CARRIED])
{
	unsigned via[ADDR_MAX_CARRIED];

	pthread_once(&class_once, class_init);
	return carried(a, out, via);
}

/* How bad a class is when an address and what it carries disagree. */
static int
severity(enum addr_class c)
{
	static const int rank[] = {
		[ADDR_PUBLIC] = 0, [ADDR_SPECIAL] = 1, [ADDR_LOOPBACK] = 2, [ADDR_NEVER] = 3,
	};
	return rank[c];
}

enum addr_class
addr_classify(const struct sockaddr_storage *canon, const char **why)
{
	struct sockaddr_storage v4[ADDR_MAX_CARRIED];
	unsigned via[ADDR_MAX_CARRIED];
	const struct class_row *t = canon->ss_family == AF_INET6 ? class_v6 : class_v4;
	enum addr_class c = ADDR_PUBLIC;
	const char *w = "public address";
	int row, n;

	pthread_once(&class_once, class_init);
	if ((row = class_row(canon)) >= 0) {
		c = t[row].cls;
		w = t[row].why;
	}
	n = carried(canon, v4, via);
	for (int i = 0; i < n; i++) {
		if ((row = class_row(&v4[i])) >= 0 && severity(class_v4[row].cls) > severity(c)) {
			c = class_v4[row].cls;
			w = ctab.why[via[i]][row];
		}
	}
	if (why)
		*why = w;
	return c;
}

const char *
cidr_str(const struct cidr *c, char buf[ADDR_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(c->af, c->net, ip, sizeof(ip));
	snprintf(buf, ADDR_STRLEN, "%s/%u", ip, c->prefix);
	return buf;
}
