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
 */
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

int
doctor_resolve(const struct doctor *d, const char *spec, const char *name,
	       struct doctor_target *out, int cap, char *err, size_t errlen)
{
	if (!strncmp(spec, "map:", 4))
		return resolve_map(spec + 4, name, out, cap);
	if (!strcmp(spec, "system"))
		return resolve_system(name, 0, out, 0, cap);
	if (!strcmp(spec, "config")) {
		if (d->have_inside)
			return resolve_config(d, name, out, cap);
		snprintf(err, errlen, "the internal resolver \"config\" needs the inside edge's config (--inside)");
		return -1;
	}
	snprintf(err, errlen, "unknown resolver \"%s\" (map:NAME=ADDR,..., system, config)", spec);
	return -1;
}
