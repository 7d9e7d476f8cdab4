/*
 * libFuzzer harness: src/meet/ldap-map.c, the /ldapMappings expression
 * language (administrator-written expressions, directory-written values).
 * Input: expression \n value; every attribute has that value except names
 * starting with 'x', which are absent.  Checks that check and expand agree
 * on well-formedness and that the result stays within its bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meet/meet-ldap.h"

static const char *
fuzz_get(const char *name, void *ctx)
{
	return name[0] == 'x' ? NULL : ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = g_strndup((const char *)data, size);
	char *nl = strchr(in, '\n');
	const char *value = "", *cerr, *eerr;
	char *out;
	int bad;

	if (nl) {
		*nl = '\0';
		value = nl + 1;
	}
	bad = meet_ldap_map_check(in, &cerr) < 0;
	out = meet_ldap_map_expand(in, fuzz_get, (void *)value, &eerr);
	if (bad && out)
		abort();
	if (out && strlen(out) > MEET_LDAP_MAP_OUT_MAX)
		abort();
	if (!out && !bad && strcmp(eerr, "missingAttribute") && strcmp(eerr, "resultTooLong") &&
	    strcmp(eerr, "badEncoding"))
		abort();
	g_free(out);
	g_free(in);
	return 0;
}
