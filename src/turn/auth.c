/*
 * auth.c: stateless nonces.  A nonce is "<8 hex: wall-clock seconds><16 hex:
 * first 8 bytes of HMAC-SHA256(secret, seconds | client address:port)>", so
 * an unauthenticated request costs the server no memory (coturn #1641) and
 * a nonce replayed from another address is refused.  The secret is random
 * per process: nonces do not survive a restart, and clients retry on 438.
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <time.h>

#include "common/hex.h"
#include "turn/turn-internal.h"

uint64_t
turn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

uint64_t
turn_wallclock(void)
{
	return (uint64_t)time(NULL);
}

/* MAC input: time (4 bytes), family (1), address (4 or 16), port (2). */
static void
nonce_mac(const uint8_t secret[32], const struct sockaddr_storage *client,
	  uint32_t ts, char hex[17])
{
	uint8_t input[4 + 1 + 16 + 2], mac[32];
	size_t n = 0;
	int port = addr_port(client);

	input[n++] = (uint8_t)(ts >> 24);
	input[n++] = (uint8_t)(ts >> 16);
	input[n++] = (uint8_t)(ts >> 8);
	input[n++] = (uint8_t)ts;
	input[n++] = (uint8_t)client->ss_family;
	if (client->ss_family == AF_INET6) {
		memcpy(input + n, ((const struct sockaddr_in6 *)client)->sin6_addr.s6_addr, 16);
		n += 16;
	} else {
		memcpy(input + n, &((const struct sockaddr_in *)client)->sin_addr.s_addr, 4);
		n += 4;
	}
	input[n++] = (uint8_t)(port >> 8);
	input[n++] = (uint8_t)port;
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, 32, input, n, mac);
	hex_encode(mac, 8, hex);
}

void
turn_nonce_make(const uint8_t secret[32], const struct sockaddr_storage *client,
		uint64_t now, char out[TURN_NONCE_LEN + 1])
{
	uint32_t ts = (uint32_t)now;
	uint8_t be[4] = { (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts };

	hex_encode(be, 4, out);
	nonce_mac(secret, client, ts, out + 8);
}

int
turn_nonce_check(const uint8_t secret[32], const struct sockaddr_storage *client,
		 uint64_t now, unsigned lifetime, const uint8_t *nonce, size_t len)
{
	char want[17];
	uint32_t ts = 0;

	if (len != TURN_NONCE_LEN)
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		int c = nonce[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -EINVAL;
		ts = ts << 4 | (uint32_t)v;
	}
	nonce_mac(secret, client, ts, want);
	if (gnutls_memcmp(want, nonce + 8, 16) != 0)
		return -EINVAL;
	/* Modular distance: time runs forward; a future stamp is ours only
	 * within a small clock step. */
	uint32_t age = (uint32_t)now - ts;
	if (age > lifetime && (uint32_t)(ts - (uint32_t)now) > 5)
		return -ESTALE;
	return 0;
}
