/* Stateless nonces (src/turn/auth.c). */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "turn/turn-internal.h"

int
main(void)
{
	uint8_t secret[32], other[32];
	struct sockaddr_storage a, b;
	char n[TURN_NONCE_LEN + 1];
	const uint64_t t0 = 1800000000;

	memset(secret, 7, sizeof(secret));
	memset(other, 8, sizeof(other));
	addr_parse("192.0.2.1:40000", 0, &a);
	addr_parse("192.0.2.1:40001", 0, &b);
	turn_nonce_make(secret, &a, t0, n);
	is_int((int)strlen(n), TURN_NONCE_LEN, "nonce length");
	is_int(turn_nonce_check(secret, &a, t0, 600, (uint8_t *)n, strlen(n)), 0, "fresh nonce valid");
	is_int(turn_nonce_check(secret, &a, t0 + 600, 600, (uint8_t *)n, strlen(n)), 0, "valid at its lifetime");
	is_int(turn_nonce_check(secret, &a, t0 + 601, 600, (uint8_t *)n, strlen(n)), -ESTALE, "stale after");
	is_int(turn_nonce_check(secret, &b, t0, 600, (uint8_t *)n, strlen(n)), -EINVAL,
	       "another client's nonce refused");
	is_int(turn_nonce_check(other, &a, t0, 600, (uint8_t *)n, strlen(n)), -EINVAL,
	       "nonce of another server instance refused");
	n[10] ^= 1;
	is_int(turn_nonce_check(secret, &a, t0, 600, (uint8_t *)n, strlen(n)), -EINVAL, "tampered MAC refused");
	n[10] ^= 1;
	n[0] = n[0] == '0' ? '1' : '0';
	is_int(turn_nonce_check(secret, &a, t0, 600, (uint8_t *)n, strlen(n)), -EINVAL, "tampered time refused");
	is_int(turn_nonce_check(secret, &a, t0, 600, (const uint8_t *)"short", 5), -EINVAL, "short refused");
	is_int(turn_nonce_check(secret, &a, t0, 600, (const uint8_t *)"ZZZZZZZZ0123456789abcdef", 24), -EINVAL,
	       "non-hex time refused");
	return tap_done();
}
