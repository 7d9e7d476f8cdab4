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

/* Over 10,000 spaces, offset/limit paging visits each exactly once and
 * total stays right (spaces written straight to the store: fast). */
#define MANY 10050

static void
test_many(void)
{
	struct fixture fx;
	struct api_out o;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	long total = -1, pages = 0, dups = 0, short_pages = 0;
	char q[64], want[32];

	if (fixture_open(&fx, "page-limit = 20\n") < 0) {
		ok(0, "fixture for many spaces");
		return;
	}
	meet_store_begin(fx.srv.store);
	for (int i = 0; i < MANY; i++) {
		char *id = g_uuid_string_random(), name[32];
		g_snprintf(name, sizeof(name), "many%05d", i);
		meet_store_insert(fx.srv.store, "coSpaces", id, NULL);
		meet_store_set(fx.srv.store, id, "name", name);
		g_free(id);
	}
	is_int(meet_store_commit(fx.srv.store), 0, "%d spaces written", MANY);
	for (long off = 0;; off += 20) {
		const char *p;
		long n = 0;
		g_snprintf(q, sizeof(q), "offset=%ld&limit=20", off);
		fixture_req(&fx, "GET", "/api/v1/cospaces/", q, NULL, &o);
		if (total < 0 && (p = strstr(o.body, "total=\"")))
			total = strtol(p + 7, NULL, 10);
		g_snprintf(want, sizeof(want), "total=\"%ld\"", total);
		if (!strstr(o.body, want))
			short_pages++;
		for (p = o.body; (p = strstr(p, "<coSpace id=\"")); p += 14) {
			char *id = g_strndup(p + 14, 36);
			if (!g_hash_table_add(seen, id))
				dups++;
			n++;
		}
		meet_api_out_clear(&o);
		pages++;
		if (n < 20) {
			if (off + n != total)
				short_pages++;
			break;
		}
	}
	ok(total >= MANY, "total counts every space: %ld", total);
	is_int(g_hash_table_size(seen), total, "pages of 20 visit all %ld spaces", total);
	is_int(dups, 0, "no space is listed twice");
	is_int(short_pages, 0, "every page says the same total; only the last is short");
	ok(pages > MANY / 20, "%ld pages", pages);
	g_hash_table_unref(seen);
	fixture_close(&fx);
}

int
main(void)
{
	struct fixture fx;

	if (fixture_open(&fx, "page-limit = 5\n") < 0)
		return 1;
	test_paging_filter(&fx);
	test_many();
	test_validation(&fx);
	fixture_close(&fx);
	return tap_done();
}
