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

int
addr_canonical(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)in;
	const uint8_t *b = v6->sin6_addr.s6_addr;
	const uint8_t *v4 = NULL;
	struct sockaddr_in sin;

	if (in != out)
		memcpy(out, in, sizeof(*out));
	if (in->ss_family != AF_INET6)
		return 0;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		v4 = b + 12;
	else if (memcmp(b, compat, 12) == 0 && (b[12] | b[13]) != 0)
		v4 = b + 12;   /* ::a.b.c.d, but not :: or ::1 (those are v6 hosts) */
	else if (b[0] == 0x20 && b[1] == 0x02)
		v4 = b + 2;    /* 6to4 */
	if (!v4)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = v6->sin6_port;
	memcpy(&sin.sin_addr.s_addr, v4, 4);
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
cidr_canonical(struct cidr *c)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };

	if (c->af != AF_INET6 || c->prefix < 96)
		return 0;
	/* ::a.b.c.d only when it embeds a host: ::/96-::/111, :: and ::1 stay IPv6. */
	if (memcmp(c->net, mapped, 12) != 0 && memcmp(c->net, nat64, 12) != 0 &&
	    (memcmp(c->net, compat, 12) != 0 || c->prefix < 112 || (c->net[12] | c->net[13]) == 0))
		return 0;
	c->af = AF_INET;
	memmove(c->net, c->net + 12, 4);
	memset(c->net + 4, 0, 12);
	c->prefix -= 96;
	return 1;
}

static const struct {
	const char *cidr;
	enum addr_class cls;
	const char *why;
} class_table[] = {
	{ "0.0.0.0/8", ADDR_NEVER, "unspecified address" },
	{ "::/128", ADDR_NEVER, "unspecified address" },
	{ "255.255.255.255/32", ADDR_NEVER, "broadcast" },
	{ "224.0.0.0/4", ADDR_NEVER, "multicast" },
	{ "ff00::/8", ADDR_NEVER, "multicast" },
	{ "169.254.0.0/16", ADDR_NEVER, "link-local" },
	{ "fe80::/10", ADDR_NEVER, "link-local" },
	{ "127.0.0.0/8", ADDR_LOOPBACK, "loopback" },
	{ "::1/128", ADDR_LOOPBACK, "loopback" },
	{ "10.0.0.0/8", ADDR_SPECIAL, "private range" },
	{ "172.16.0.0/12", ADDR_SPECIAL, "private range" },
	{ "192.168.0.0/16", ADDR_SPECIAL, "private range" },
	{ "100.64.0.0/10", ADDR_SPECIAL, "shared address space" },
	{ "192.0.0.0/24", ADDR_SPECIAL, "IETF protocol assignments" },
	{ "198.18.0.0/15", ADDR_SPECIAL, "benchmarking range" },
	{ "240.0.0.0/4", ADDR_SPECIAL, "reserved range" },
	{ "fc00::/7", ADDR_SPECIAL, "unique local range" },
	{ "fec0::/10", ADDR_SPECIAL, "site-local range" },
	{ "2001::/32", ADDR_SPECIAL, "Teredo" },
	{ "100::/64", ADDR_SPECIAL, "discard-only range" },
};

#define NCLASS (sizeof(class_table) / sizeof(class_table[0]))
static struct cidr class_cidrs[NCLASS];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void
class_init(void)
{
	for (size_t i = 0; i < NCLASS; i++)
		cidr_parse(class_table[i].cidr, &class_cidrs[i]);   /* constants: cannot fail */
}

enum addr_class
addr_classify(const struct sockaddr_storage *canon, const char **why)
{
	pthread_once(&class_once, class_init);
	for (size_t i = 0; i < NCLASS; i++) {
		if (cidr_match(&class_cidrs[i], canon)) {
			if (why)
				*why = class_table[i].why;
			return class_table[i].cls;
		}
	}
	return ADDR_PUBLIC;
}

const char *
cidr_str(const struct cidr *c, char buf[ADDR_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(c->af, c->net, ip, sizeof(ip));
	snprintf(buf, ADDR_STRLEN, "%s/%u", ip, c->prefix);
	return buf;
}
