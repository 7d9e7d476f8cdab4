/*
 * libFuzzer harness for the traversal hello (src/edge/tunnel.c), the only
 * framing the outside node parses from an inside peer before HTTP/2, and
 * the authority/URI helpers applied to tunnel pseudo-headers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge/edge-http.h"
#include "edge/edge-tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edge_hello h;
	const char *why = NULL;
	char host[256];
	int port, rc;

	rc = edge_tunnel_hello_parse((const char *)data, size, &h, &why);
	if (rc > 0) {
		if ((size_t)rc > size || h.n > EDGE_HELLO_MAX_FIELDS)
			abort();
		edge_tunnel_hello_get(&h, "user");
	}
	edge_util_authority_host((const char *)data, size, host, sizeof(host), &port);
	return 0;
}
