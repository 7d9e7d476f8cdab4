/* Unit tests: src/meet/profile.c (callLegProfile precedence). */
#include <string.h>

#include "meet_fixture.h"
#include "meet/profile.h"
#include "tap.h"

#define SPACE "11111111-1111-4111-8111-111111111111"
#define HOST_AM "22222222-2222-4222-8222-222222222222"
#define GUEST_AM "33333333-3333-4333-8333-333333333333"
#define P_SYS "44444444-4444-4444-8444-444444444444"
#define P_SPACE "55555555-5555-4555-8555-555555555555"
#define P_HOST "66666666-6666-4666-8666-666666666666"
#define TENANT "77777777-7777-4777-8777-777777777777"
#define P_TENANT "88888888-8888-4888-8888-888888888888"

static void
obj(struct meet_store *st, const char *coll, const char *id, const char *parent, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
	meet_store_insert(st, coll, id, parent);
	if (k1)
		meet_store_set(st, id, k1, v1);
	if (k2)
		meet_store_set(st, id, k2, v2);
}

int
main(void)
{
	struct fixture fx;
	struct meet_leg_profile p;
	struct meet_store *st;
	char *json;

	if (fixture_open(&fx, NULL) < 0)
		return 1;
	st = fx.srv.store;
	meet_store_begin(st);
	obj(st, "coSpaces", SPACE, NULL, "name", "Sales", NULL, NULL);
	obj(st, "accessMethods", HOST_AM, SPACE, "passcode", "1111", NULL, NULL);
	obj(st, "accessMethods", GUEST_AM, SPACE, "passcode", "2222", NULL, NULL);
	meet_store_commit(st);

	meet_profile_leg(st, SPACE, NULL, &p);
	ok(!p.needsActivation && p.presentationContributionAllowed && p.chatContributionAllowed,
	   "no profile anywhere: vendor defaults");
	is_str(p.deactivationMode, "deactivate", "default deactivationMode");

	meet_store_begin(st);
	obj(st, "callLegProfiles", P_SYS, NULL, "needsActivation", "true", "chatContributionAllowed", "false");
	obj(st, "systemProfiles", MEET_PROFILE_SYSTEM_ID, NULL, "callLegProfile", P_SYS, NULL, NULL);
	meet_store_commit(st);
	meet_profile_leg(st, SPACE, GUEST_AM, &p);
	ok(p.needsActivation && !p.chatContributionAllowed, "system level applies when nothing is more specific");

	meet_store_begin(st);
	obj(st, "callLegProfiles", P_TENANT, NULL, "deactivationMode", "disconnect", NULL, NULL);
	obj(st, "tenants", TENANT, NULL, "callLegProfile", P_TENANT, NULL, NULL);
	meet_store_set(st, SPACE, "tenant", TENANT);
	obj(st, "callLegProfiles", P_SPACE, NULL, "presentationContributionAllowed", "false", NULL, NULL);
	meet_store_set(st, SPACE, "callLegProfile", P_SPACE);
	obj(st, "callLegProfiles", P_HOST, NULL, "needsActivation", "false", "presentationContributionAllowed",
	    "true");
	meet_store_set(st, HOST_AM, "callLegProfile", P_HOST);
	meet_store_commit(st);

	meet_profile_leg(st, SPACE, GUEST_AM, &p);
	ok(p.needsActivation, "guest: needsActivation inherited from system");
	ok(!p.presentationContributionAllowed, "guest: space level denies presentation");
	is_str(p.deactivationMode, "disconnect", "guest: tenant level sets deactivationMode");
	ok(!p.chatContributionAllowed, "guest: unset at lower levels = inherit");

	meet_profile_leg(st, SPACE, HOST_AM, &p);
	ok(!p.needsActivation, "host access method: most specific wins");
	ok(p.presentationContributionAllowed, "host access method overrides the space");
	ok(!p.chatContributionAllowed, "host: still inherits what it does not set");

	json = meet_profile_json(&p);
	ok(strstr(json, "\"needsActivation\":false") && strstr(json, "\"chatContributionAllowed\":false") &&
	   strstr(json, "\"presentationContributionAllowed\":true") &&
	   strstr(json, "\"deactivationMode\":\"disconnect\""), "JSON keys are the vendor's names");
	g_free(json);

	meet_store_begin(st);
	meet_store_set(st, HOST_AM, "callLegProfile", "99999999-9999-4999-8999-999999999999");
	meet_store_commit(st);
	meet_profile_leg(st, SPACE, HOST_AM, &p);
	ok(p.needsActivation, "a dangling reference is no level");

	fixture_close(&fx);
	return tap_done();
}
