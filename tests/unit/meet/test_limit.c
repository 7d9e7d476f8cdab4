/* Unit tests: src/meet/limit.c (failure limiter). */
#include <string.h>

#include "meet/meet-internal.h"
#include "tap.h"

static void
test_limit(void)
{
	struct meet_limit *l = meet_limit_new(3, 3600);

	ok(!meet_limit_blocked(l, "192.0.2.1"), "fresh client not blocked");
	meet_limit_fail(l, "192.0.2.1");
	meet_limit_fail(l, "192.0.2.1");
	ok(!meet_limit_blocked(l, "192.0.2.1"), "2 of 3 failures: not blocked");
	meet_limit_fail(l, "192.0.2.1");
	ok(meet_limit_blocked(l, "192.0.2.1"), "3 failures: blocked");
	ok(!meet_limit_blocked(l, "192.0.2.2"), "other clients unaffected");
	for (int i = 0; i < 5000; i++) {
		char a[32];
		g_snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		meet_limit_fail(l, a);
	}
	ok(1, "the table stays bounded under many clients (no crash, ASan clean)");
	meet_limit_free(l);
}


int
main(void)
{
	test_limit();
	return tap_done();
}
