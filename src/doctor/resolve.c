/*
 * resolve.c: doctor_resolve, name resolution through the resolver an
 * operator names: the external view (what browsers get), the internal view
 * (what the inside edge gets).  Specs:
 *   map:NAME=ADDR[,NAME=ADDR...]   a fixed answer (the lab's browser mapping,
 *                                  Chromium's --host-resolver-rules)
 *   system                         this machine's resolver (getaddrinfo)
 *   config                         the inside edge's [dns] overrides, applied
 *                                  as the inside edge does: SRV
 *                                  _cms-web._tls.<name> first, then the name
 *   udp:ADDR[:PORT]                a real DNS server, asked for A records
 *                                  (what `portico lab --netns`'s dnsmasq answer)
 */
#include <arpa/inet.h>
#include <sys/time.h>
#include <unistd.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "doctor/doctor-internal.h"

static int
add(struct doctor_target *out, int n, int cap, const char *name, const char *addr, int port)
{
	if (n >= cap)
		return n;
	g_strlcpy(out[n].name, name, sizeof(out[n].name));
	g_strlcpy(out[n].addr, addr, sizeof(out[n].addr));
	out[n].port = port;
	return n + 1;
}

static int
resolve_map(const char *map, const char *name, struct doctor_target *out, int cap)
{
	gchar **pairs = g_strsplit(map, ",", -1);
	int n = 0;

	for (unsigned i = 0; pairs[i]; i++) {
		gchar **kv = g_strsplit(g_strstrip(pairs[i]), "=", 2);
		if (kv[0] && kv[1] && !g_ascii_strcasecmp(g_strstrip(kv[0]), name))
			n = add(out, n, cap, name, g_strstrip(kv[1]), 0);
		g_strfreev(kv);
	}
	g_strfreev(pairs);
	return n;
}

static int
resolve_system(const char *name, int port, struct doctor_target *out, int n, int cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return n;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct sockaddr_storage sa;
		char a[ADDR_STRLEN];
		memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
		n = add(out, n, cap, name, addr_str(&sa, a, 0), port);
	}
	freeaddrinfo(res);
	return n;
}

/* A name's addresses from [dns] (comma list), else the system resolver. */
static int
config_addrs(const struct doctor *d, const char *name, int port, struct doctor_target *out,
	     int n, int cap)
{
	const char *v = doctor_ini_get(&d->inside, "dns", name);
	gchar **addrs;

	if (!v)
		return resolve_system(name, port, out, n, cap);
	addrs = g_strsplit(v, ",", -1);
	for (unsigned i = 0; addrs[i]; i++)
		n = add(out, n, cap, name, g_strstrip(addrs[i]), port);
	g_strfreev(addrs);
	return n;
}

static int
resolve_config(const struct doctor *d, const char *name, struct doctor_target *out, int cap)
{
	char *srv_name = g_strdup_printf("_cms-web._tls.%s", name);
	const char *srv = doctor_ini_get(&d->inside, "dns", srv_name);
	int n = 0;

	g_free(srv_name);
	if (!srv)
		return config_addrs(d, name, 443, out, 0, cap);
	gchar **recs = g_strsplit(srv, ",", -1);
	for (unsigned i = 0; recs[i]; i++) {
		unsigned prio, weight, port;
		char target[256];
		if (sscanf(recs[i], " %u %u %u %255s", &prio, &weight, &port, target) == 4)
			n = config_addrs(d, target, (int)port, out, n, cap);
	}
	g_strfreev(recs);
	return n;
}

/* A DNS query for name's A records, RD set.  Length, or -1. */
static int
dns_query(const char *name, uint8_t *q, size_t cap, uint16_t id)
{
	size_t n = 12;
	gchar **labels = g_strsplit(name, ".", -1);

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;          /* RD */
	q[5] = 1;             /* QDCOUNT */
	for (unsigned i = 0; labels[i]; i++) {
		size_t l = strlen(labels[i]);
		if (l == 0 || l > 63 || n + l + 6 > cap) {
			g_strfreev(labels);
			return -1;
		}
		q[n++] = (uint8_t)l;
		memcpy(q + n, labels[i], l);
		n += l;
	}
	g_strfreev(labels);
	memcpy(q + n, "\0\0\1\0\1", 5);   /* root, QTYPE A, QCLASS IN */
	return (int)(n + 5);
}

/* Skips a (possibly compressed) name; the offset after it, or -1. */
static long
dns_skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? (long)(off + 2) : -1;
		if (m[off] == 0)
			return (long)(off + 1);
		off += (size_t)m[off] + 1;
	}
	return -1;
}

/* The A records of an answer to query id; count, or -1. */
static int
dns_answers(const uint8_t *m, size_t len, uint16_t id, const char *name, struct doctor_target *out,
	    int cap)
{
	unsigned an, n = 0;
	long off;

	if (len < 12 || ((m[0] << 8) | m[1]) != id || !(m[2] & 0x80))
		return -1;
	if ((m[3] & 0x0f) != 0)
		return (m[3] & 0x0f) == 3 ? 0 : -1;   /* NXDOMAIN: no answer */
	an = (unsigned)((m[6] << 8) | m[7]);
	off = dns_skip_name(m, len, 12);
	off = off < 0 ? -1 : off + 4;
	for (unsigned i = 0; i < an && off > 0 && (size_t)off < len; i++) {
		off = dns_skip_name(m, len, (size_t)off);
		if (off < 0 || (size_t)off + 10 > len)
			return -1;
		unsigned type = (unsigned)((m[off] << 8) | m[off + 1]);
		unsigned rdlen = (unsigned)((m[off + 8] << 8) | m[off + 9]);
		off += 10;
		if ((size_t)off + rdlen > len)
			return -1;
		if (type == 1 && rdlen == 4) {
			char a[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, m + off, a, sizeof(a));
			n = (unsigned)add(out, (int)n, cap, name, a, 0);
		}
		off += rdlen;
	}
	return (int)n;
}

static int
resolve_udp(const char *server, const char *name, struct doctor_target *out, int cap, char *err,
	    size_t errlen)
{
	struct sockaddr_storage sa;
	struct timeval tv = { 2, 0 };
	uint8_t q[512], a[1500];
	uint16_t id = (uint16_t)g_random_int();
	int fd = -1, qlen = dns_query(name, q, sizeof(q), id), ret = -1;

	if (addr_parse(server, 53, &sa) < 0 || qlen < 0) {
		snprintf(err, errlen, "bad resolver address \"%s\" or name", server);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int t = 0; t < 3 && ret < 0; t++) {
		ssize_t n;
		if (sendto(fd, q, (size_t)qlen, 0, (struct sockaddr *)&sa, addr_len(&sa)) < 0)
			break;
		n = recv(fd, a, sizeof(a), 0);
		if (n > 0)
			ret = dns_answers(a, (size_t)n, id, name, out, cap);
	}
	if (ret < 0)
		snprintf(err, errlen, "the DNS server %s does not answer", server);
	close(fd);
	return ret;
}

int
doctor_resolve(const struct doctor *d, const char *spec, const char *name,
	       struct doctor_target *out, int cap, char *err, size_t errlen)
{
	if (!strncmp(spec, "map:", 4))
		return resolve_map(spec + 4, name, out, cap);
	if (!strcmp(spec, "system"))
		return resolve_system(name, 0, out, 0, cap);
	if (!strncmp(spec, "udp:", 4))
		return resolve_udp(spec + 4, name, out, cap, err, errlen);
	if (!strcmp(spec, "config")) {
		if (d->have_inside)
			return resolve_config(d, name, out, cap);
		snprintf(err, errlen, "the internal resolver \"config\" needs the inside edge's config (--inside)");
		return -1;
	}
	snprintf(err, errlen, "unknown resolver \"%s\" (map:NAME=ADDR,..., system, config, udp:ADDR)", spec);
	return -1;
}
