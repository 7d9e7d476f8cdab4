/* Unit tests: src/meet/api-coll.c (generic collections: paging, filter,
 * validation, references, uniqueness, delete all) through meet_api_handle. */
#include "meet_fixture.h"
#include "tap.h"

static int
count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void
test_paging_filter(struct fixture *fx)
{
	struct api_out o;
	char body[64];

	for (int i = 0; i < 7; i++) {
		g_snprintf(body, sizeof(body), "name=%s%d", i % 2 ? "odd" : "even", i);
		fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, body, &o);
		meet_api_out_clear(&o);
	}
	fixture_req(fx, "GET", "/api/v1/coSpaces", NULL, NULL, &o);
	ok(strstr(o.body, "total=\"7\"") && count(o.body, "<coSpace ") == 5, "page-limit 5 of 7: %s", o.body);
	meet_api_out_clear(&o);
	fixture_req(fx, "GET", "/api/v1/coSpaces", "offset=5&limit=5", NULL, &o);
	is_int(count(o.body, "<coSpace "), 2, "offset 5: the last 2");
	meet_api_out_clear(&o);
	fixture_req(fx, "GET", "/api/v1/coSpaces", "filter=ODD", NULL, &o);
	ok(strstr(o.body, "total=\"3\"") != NULL, "filter is a case-insensitive substring: %s", o.body);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "DELETE", "/api/v1/coSpaces", NULL, NULL, &o), 200, "delete all spaces");
	meet_api_out_clear(&o);
	fixture_req(fx, "GET", "/api/v1/coSpaces", NULL, NULL, &o);
	ok(strstr(o.body, "total=\"0\"") != NULL, "none left");
	meet_api_out_clear(&o);
}

static void
test_validation(struct fixture *fx)
{
	struct api_out o;

	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=a&uri=same&secondaryUri=SAME", &o),
	       400, "uri = secondaryUri: 400");
	ok(strstr(o.body, "duplicateCoSpaceUri") != NULL, "... duplicateCoSpaceUri");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=a&callProfile=nope", &o), 400,
	       "reference to a missing profile: 400");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=a&callId=12x", &o), 400,
	       "a non-numeric call ID: 400");
	ok(strstr(o.body, "parameter=\"callId\"") != NULL, "... names callId: %s", o.body);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=a&callId=77", &o), 200, "call ID 77");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=b&callId=77", &o), 400,
	       "the same call ID again: 400");
	ok(strstr(o.body, "duplicateCoSpaceId") != NULL, "... duplicateCoSpaceId");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/turnServers", NULL, "username=x", &o), 400,
	       "a required field missing: 400");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "PUT", "/api/v1/coSpaces/nope", NULL, "name=x", &o), 404, "update of nothing: 404");
	ok(strstr(o.body, "coSpaceDoesNotExist") != NULL, "... coSpaceDoesNotExist");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces/nope", NULL, "name=x", &o), 405,
	       "POST to an object path: 405");
	meet_api_out_clear(&o);
}

int
main(void)
{
	struct fixture fx;

	if (fixture_open(&fx, "page-limit = 5\n") < 0)
		return 1;
	test_paging_filter(&fx);
	test_validation(&fx);
	fixture_close(&fx);
	return tap_done();
}
