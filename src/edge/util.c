/* util.c: small helpers shared by the edge modules (no state). */
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edge/edge-base.h"

int64_t
edge_util_now_us(void)
{
	return g_get_monotonic_time();
}

unsigned
edge_util_backoff_ms(unsigned initial_s, unsigned max_s, unsigned attempt, uint32_t rnd)
{
	uint64_t cap = (uint64_t)initial_s * 1000;
	uint64_t max = (uint64_t)max_s * 1000;

	if (attempt > 30)
		attempt = 30;
	cap <<= attempt;
	if (cap > max)
		cap = max;
	return (unsigned)(rnd % (cap + 1));
}

int
edge_util_authority_host(const char *a, size_t alen, char *out, size_t outlen, int *port)
{
	size_t hlen = alen, i;
	const char *colon = NULL;

	*port = -1;
	if (alen && a[0] == '[') {
		const char *close = memchr(a, ']', alen);
		if (!close)
			return -1;
		hlen = (size_t)(close - a) + 1;
		if (hlen < alen) {
			if (a[hlen] != ':')
				return -1;
			colon = a + hlen;
		}
	} else {
		colon = memchr(a, ':', alen);
		if (colon)
			hlen = (size_t)(colon - a);
	}
	if (colon) {
		size_t plen = alen - hlen - 1;
		int p = 0;
		if (plen == 0 || plen > 5)
			return -1;
		for (i = 0; i < plen; i++) {
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return -1;
			p = p * 10 + (colon[1 + i] - '0');
		}
		if (p < 1 || p > 65535)
			return -1;
		*port = p;
	}
	if (hlen == 0 || hlen >= outlen)
		return -1;
	for (i = 0; i < hlen; i++) {
		char ch = a[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			   ch == '-' || ch == '.' || ch == '[' || ch == ']' || ch == ':'))
			return -1;
		out[i] = ch;
	}
	out[hlen] = '\0';
	return 0;
}

int
edge_util_https_uri(const char *uri, char **host, int *port)
{
	char h[256];
	const char *a, *end;

	if (g_ascii_strncasecmp(uri, "https://", 8) != 0)
		return -1;
	a = uri + 8;
	end = a + strcspn(a, "/");
	if (*end && strcmp(end, "/") != 0)
		return -1;
	if (edge_util_authority_host(a, (size_t)(end - a), h, sizeof(h), port) < 0)
		return -1;
	if (*port < 0)
		*port = 443;
	*host = g_strdup(h);
	return 0;
}

int
edge_util_listen_tcp(const struct sockaddr_storage *a, char *err, size_t errlen)
{
	char s[ADDR_STRLEN];
	int fd, one = 1;

	fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, addr_len(a)) < 0 || listen(fd, 512) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", addr_str(a, s, 1), strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}
