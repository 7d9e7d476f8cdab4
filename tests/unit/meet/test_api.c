/* Unit tests: src/meet/api.c (route table dispatch, forms, auth, the
 * api_in/api_out contract) and api-reply.c, api-calls.c, api-system.c,
 * api-spaces.c, api-probe.c through meet_api_handle against a temporary
 * store. */
#include "meet_fixture.h"
#include "tap.h"

static int
has(const struct api_out *o, const char *s)
{
	return o->body && strstr(o->body, s) != NULL;
}

static void
test_dispatch(struct fixture *fx)
{
	struct api_out o;

	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", NULL, NULL, &o), 200, "GET coSpaces: 200");
	ok(has(&o, "<coSpaces total=\"0\""), "empty list with total: %s", o.body);
	is_str(o.content_type, "text/xml", "XML by default");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/nothing", NULL, NULL, &o), 404, "unknown collection: 404");
	ok(has(&o, "<unrecognizedObject"), "... unrecognizedObject body");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/elsewhere", NULL, NULL, &o), 404, "outside /api/v1: 404");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "PATCH", "/api/v1/coSpaces", NULL, NULL, &o), 405, "known path, other method: 405");
	ok(o.body == NULL, "405 has no body");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/a/b/c/d/e/f/g", NULL, NULL, &o), 404, "too deep: 404");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces//x", NULL, NULL, &o), 404, "empty segment: 404");
	meet_api_out_clear(&o);
}

static void
test_params(struct fixture *fx)
{
	struct api_out o;

	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "limit=abc", NULL, &o), 400, "limit=abc: 400");
	ok(has(&o, "parameter=\"limit\"") && has(&o, "error=\"invalidValue\""), "... names limit: %s", o.body);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "limit=%20%201", NULL, &o), 400, "limit=  1: 400");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "limit=+1", NULL, &o), 400, "limit=+1: 400");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "offset=-1", NULL, &o), 400, "offset=-1: 400");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "color=red", NULL, &o), 400, "unknown query name: 400");
	ok(has(&o, "unrecognizedParameter"), "... unrecognizedParameter");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces", "limit=1&limit=2", NULL, &o), 400, "duplicate: 400");
	ok(has(&o, "duplicateParameter"), "... duplicateParameter");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=x&bogus=1", &o), 400,
	       "unknown body parameter: 400");
	ok(has(&o, "parameter=\"bogus\""), "... names it");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=%zz", &o), 400, "bad escape: 400");
	meet_api_out_clear(&o);
}

static void
test_objects(struct fixture *fx)
{
	struct api_out o;
	char *path, *sub;

	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=Unit&uri=unit&callId=4242", &o), 200,
	       "create a space");
	ok(o.location && g_str_has_prefix(o.location, "/api/v1/coSpaces/"), "Location: %s", o.location);
	path = g_strdup(o.location);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, "name=Two&uri=UNIT", &o), 400,
	       "a taken URI is refused");
	ok(has(&o, "duplicateCoSpaceUri"), "... duplicateCoSpaceUri");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", path, NULL, NULL, &o), 200, "get it");
	ok(has(&o, "<name>Unit</name>") && has(&o, "<numAccessMethods>0"), "full object: %s", o.body);
	meet_api_out_clear(&o);
	sub = g_strdup_printf("%s/accessMethods", path);
	is_int(fixture_req(fx, "POST", sub, NULL, "callId=4243&passcode=12", &o), 200, "access method");
	ok(o.location && strstr(o.location, "/accessMethods/"), "sub Location: %s", o.location);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", sub, NULL, NULL, &o), 200, "list access methods");
	ok(has(&o, "total=\"1\""), "one access method");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/coSpaces/00000000-0000-0000-0000-000000000000/accessMethods",
			   NULL, NULL, &o), 404, "access methods of a missing space: 404");
	ok(has(&o, "coSpaceDoesNotExist"), "... coSpaceDoesNotExist");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "PUT", path, NULL, "name=Renamed", &o), 200, "update");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/accessQuery", NULL, "callId=4242", &o), 200, "accessQuery");
	ok(has(&o, "<callId>4242</callId>"), "... finds the space: %s", o.body);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "DELETE", path, NULL, NULL, &o), 200, "delete");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", path, NULL, NULL, &o), 404, "gone");
	meet_api_out_clear(&o);
	g_free(sub);
	g_free(path);
}

static void
test_live_and_system(struct fixture *fx)
{
	struct api_out o;
	struct api_in in = { .method = "GET", .path = "/api/v1/system/status", .authorization = FIX_AUTH,
			     .accept = "application/json", .peer = "192.0.2.10" };

	is_int(fixture_req(fx, "GET", "/api/v1/calls", NULL, NULL, &o), 200, "calls list");
	ok(has(&o, "total=\"0\""), "no calls");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/calls/x", NULL, NULL, &o), 404, "unknown call: 404");
	ok(has(&o, "callDoesNotExist"), "... callDoesNotExist");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/calls", NULL, "coSpace=nope", &o), 400, "bad coSpace: 400");
	meet_api_out_clear(&o);
	meet_api_handle(&fx->api, &in, &o);
	is_int(o.status, 200, "system/status as JSON");
	is_str(o.content_type, "application/json", "JSON content type");
	ok(has(&o, "softwareVersion"), "status body: %s", o.body);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", "/api/v1/system/log", "limit=2", NULL, &o), 200, "system/log");
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "POST", "/api/v1/turnServers", NULL, "serverAddress=192.0.2.1", &o), 200,
	       "a TURN server");
	char *st = g_strdup_printf("%s/status", o.location);
	meet_api_out_clear(&o);
	is_int(fixture_req(fx, "GET", st, NULL, NULL, &o), 503, "offline API: probes answer 503");
	ok(o.defer == NULL && fx->api.outstanding == 0, "... nothing deferred");
	meet_api_out_clear(&o);
	g_free(st);
}

static void
test_auth(struct fixture *fx)
{
	struct api_out o;
	struct api_in in = { .method = "GET", .path = "/api/v1/coSpaces", .peer = "198.51.100.7" };

	for (int i = 0; i < 10; i++) {
		meet_api_handle(&fx->api, &in, &o);
		meet_api_out_clear(&o);
	}
	meet_api_handle(&fx->api, &in, &o);
	is_int(o.status, 401, "no credentials, 11 times: still 401, never counted");
	ok(o.challenge, "... with a challenge");
	meet_api_out_clear(&o);
	in.authorization = "Basic YWRtaW46d3Jvbmc=";   /* admin:wrong */
	for (unsigned i = 0; i < fx->srv.cfg.auth_attempts; i++) {
		meet_api_handle(&fx->api, &in, &o);
		meet_api_out_clear(&o);
	}
	meet_api_handle(&fx->api, &in, &o);
	is_int(o.status, 429, "after auth-attempts wrong passwords: 429");
	ok(o.retry_after > 0, "... with Retry-After %u", o.retry_after);
	meet_api_out_clear(&o);
	in.authorization = FIX_AUTH;
	meet_api_handle(&fx->api, &in, &o);
	is_int(o.status, 429, "... even with the right one, until the window passes");
	meet_api_out_clear(&o);
}

int
main(void)
{
	struct fixture fx;

	if (fixture_open(&fx, "auth-attempts = 3\n") < 0)
		return 1;
	test_dispatch(&fx);
	test_params(&fx);
	test_objects(&fx);
	test_live_and_system(&fx);
	test_auth(&fx);
	fixture_close(&fx);
	return tap_done();
}
