/* Unit tests: src/meet/callbridge-media.c (TURN servers for the engine and
 * the browser, peers of legs, bit rates).  Included to reach its statics. */
#include "meet_fixture.h"
#include "../../../src/meet/callbridge-media.c"
#include "tap.h"

int
main(void)
{
	struct fixture fx;
	struct media_turn t[4];
	struct api_out o;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	uint64_t ai = 1, ao = 1, vi = 1, vo = 1;

	if (fixture_open(&fx, NULL) < 0)
		return 1;
	is_int(cb_turn_servers(fx.srv.cb, t, 4, ids), 0, "no TURN servers configured: none");
	fixture_req(&fx, "POST", "/api/v1/turnServers", NULL,
		    "serverAddress=192.0.2.1&clientAddress=198.51.100.1&username=u&password=p&type=standard", &o);
	meet_api_out_clear(&o);
	fixture_req(&fx, "POST", "/api/v1/turnServers", NULL,
		    "serverAddress=192.0.2.2&tcpPortNumberOverride=443", &o);
	meet_api_out_clear(&o);
	is_int(cb_turn_servers(fx.srv.cb, t, 4, ids), 2, "two TURN servers");
	is_str(t[0].host, "192.0.2.1", "the engine uses serverAddress");
	is_str(t[0].username, "u", "... with its credentials");
	is_int(cb_turn_servers(fx.srv.cb, t, 1, ids), 1, "bounded by max");
	ok(leg_of_peer(fx.srv.cb, 12345) == NULL, "no leg for an unknown peer");
	meet_cb_bitrates(fx.srv.cb, &ai, &ao, &vi, &vo);
	ok(ai == 0 && ao == 0 && vi == 0 && vo == 0, "no legs: zero bit rates");
	g_ptr_array_unref(ids);
	fixture_close(&fx);
	return tap_done();
}
