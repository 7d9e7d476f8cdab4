/* libFuzzer harness: the configuration parser (src/common/ini.c) and the
 * address/CIDR parsers every config value goes through (src/common/addr.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/addr.h"
#include "common/ini.h"

static int
set_any(void *ctx, const char *key, const char *v, char *err, size_t errlen)
{
	struct sockaddr_storage a, c;
	struct cidr r;
	char buf[ADDR_STRLEN];
	unsigned long lo, hi;
	int b;

	(void)ctx;
	(void)key;
	if (addr_parse(v, 3478, &a) == 0) {
		addr_canonical(&a, &c);
		addr_str(&c, buf, 1);
	}
	if (cidr_parse(v, &r) == 0 && addr_parse(v, 0, &a) == 0)
		(void)cidr_match(&r, &a);
	(void)ini_parse_range(v, 0, 65535, &lo, &hi, err, errlen);
	(void)ini_parse_bool(v, &b, err, errlen);
	return v[0] == '!' ? -1 : 0;
}

static const struct ini_key keys[] = {
	{ "turn", "listen", set_any, INI_REPEAT },
	{ "turn", "*", set_any, 0 },
	{ "users", "*", set_any, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini ini;
	char err[INI_ERR_MAX];

	if (ini_parse(&ini, "fuzz.conf", (const char *)data, size, err, sizeof(err)) == 0) {
		(void)ini_has_section(&ini, "turn");
		(void)ini_apply(&ini, keys, sizeof(keys) / sizeof(keys[0]), NULL, err, sizeof(err));
		ini_free(&ini);
	}
	return 0;
}
