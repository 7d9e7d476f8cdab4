/* Lifetimes, permissions and channels (src/turn/alloc.c). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "turn/alloc.h"

int
main(void)
{
	struct turn_config cfg = { .max_lifetime = 3600 };
	struct alloc a;
	struct sockaddr_storage p1, p1b, p2;

	is_int(turn_alloc_lifetime(&cfg, 0), 600, "requested 0 (Allocate) gets the default");
	is_int(turn_alloc_lifetime(&cfg, 60), 600, "below default gets the default");
	is_int(turn_alloc_lifetime(&cfg, 1200), 1200, "between default and max kept");
	is_int(turn_alloc_lifetime(&cfg, 100000), 3600, "capped at max-lifetime");

	memset(&a, 0, sizeof(a));
	addr_parse("198.51.100.7:5000", 0, &p1);
	addr_parse("198.51.100.7:6000", 0, &p1b);
	addr_parse("198.51.100.8:5000", 0, &p2);
	ok(turn_alloc_perm_find(&a, &p1, 100) == NULL, "no permission at first");
	is_int(turn_alloc_perm_install(&a, &p1, 100, 2), 0, "permission installed");
	ok(turn_alloc_perm_find(&a, &p1b, 100) != NULL, "permission is per IP, any port");
	ok(turn_alloc_perm_find(&a, &p1, 100 + 299) != NULL, "valid until 300 s");
	ok(turn_alloc_perm_find(&a, &p1, 100 + 300) == NULL, "expired at 300 s");
	is_int(turn_alloc_perm_install(&a, &p1, 350, 2), 0, "refresh of the same IP");
	ok(turn_alloc_perm_find(&a, &p1, 600) != NULL, "refreshed lifetime");
	is_int(turn_alloc_perm_install(&a, &p2, 350, 2), 0, "second permission");
	{
		struct sockaddr_storage p3;
		addr_parse("198.51.100.9:1", 0, &p3);
		is_int(turn_alloc_perm_install(&a, &p3, 350, 2), -1, "max-permissions enforced");
	}

	is_int(turn_alloc_chan_bind(&a, 0x4000, &p1, 100), 0, "channel bound");
	ok(turn_alloc_chan_by_num(&a, 0x4000, 100, 0) != NULL, "found by number");
	ok(turn_alloc_chan_by_peer(&a, &p1, 100, 0) != NULL, "found by peer address");
	ok(turn_alloc_chan_by_peer(&a, &p1b, 100, 0) == NULL, "channel is per IP and port");
	is_int(turn_alloc_chan_bind(&a, 0x4000, &p2, 100), -1, "number bound to another peer refused");
	is_int(turn_alloc_chan_bind(&a, 0x4001, &p1, 100), -1, "peer bound to another number refused");
	is_int(turn_alloc_chan_bind(&a, 0x4000, &p1, 500), 0, "same pair refreshes");
	ok(turn_alloc_chan_by_num(&a, 0x4000, 500 + 599, 0) != NULL, "valid until 600 s after refresh");
	ok(turn_alloc_chan_by_num(&a, 0x4000, 500 + 600, 0) == NULL, "expired after 600 s");
	is_int(turn_alloc_chan_bind(&a, 0x4000, &p2, 500 + 700), -1, "number still reserved in the cool-down");
	is_int(turn_alloc_chan_bind(&a, 0x4000, &p2, 500 + 600 + 300), 0, "reusable after the cool-down");
	free(a.perms);
	free(a.chans);
	return tap_done();
}
