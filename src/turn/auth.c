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
#include <time.h>

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

static void
nonce_mac(const uint8_t secret[32], const struct sockaddr_storage *client,
	  uint32_t ts, char hex[17])
{
	char input[ADDR_STRLEN + 16];
	char a[ADDR_STRLEN];
	uint8_t mac[32];
	int n;

	n = snprintf(input, sizeof(input), "%08x|%s", ts, addr_str(client, a, 1));
	gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, 32, input, (size_t)n, mac);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

void
turn_nonce_make(const uint8_t secret[32], const struct sockaddr_storage *client,
		uint64_t now, char out[TURN_NONCE_LEN + 1])
{
	uint32_t ts = (uint32_t)now;

	snprintf(out, 9, "%08x", ts);
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
