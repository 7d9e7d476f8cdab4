/*
 * schema.c: the API's collections and their parameters, as tables
 * (name, type, flags, max length, range, enum values).  api.c validates and
 * renders every stored object from these rows; nothing else names a
 * parameter.  Constant data; any thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "meet/meet-internal.h"
#include "meet/meet-ldap.h"

static const char *const layouts[] = { "allEqual", "speakerOnly", "telepresence", "stacked",
	"allEqualQuarters", "allEqualNinths", "allEqualSixteenths", "allEqualTwentyFifths",
	"onePlusFive", "onePlusSeven", "onePlusNine", "automatic", "onePlusN", NULL };
static const char *const scopes[] = { "public", "private", NULL };
static const char *const turn_types[] = { "standard", "acano", "cms", "expressway", "lyncEdge", NULL };
static const char *const id_entry_modes[] = { "disabled", "secure", "legacy", NULL };
static const char *const lock_modes[] = { "all", "needsActivation", NULL };
static const char *const rec_modes[] = { "disabled", "manual", "automatic", NULL };
static const char *const passcode_modes[] = { "required", "timeout", NULL };
static const char *const deactivation_modes[] = { "deactivate", "disconnect", "remainActivated", NULL };

#define STR(n, fl, len) { n, MEET_F_STR, fl, len, 0, 0, NULL, NULL }
#define INT(n, fl, lo, hi) { n, MEET_F_INT, fl, 0, lo, hi, NULL, NULL }
#define BOOL(n, fl) { n, MEET_F_BOOL, fl, 0, 0, 0, NULL, NULL }
#define ENUM(n, fl, e) { n, MEET_F_ENUM, fl, 0, 0, 0, e, NULL }
#define REF(n, fl, c) { n, MEET_F_REF, fl, 36, 0, 0, NULL, c }
#define HOST(n, fl) { n, MEET_F_HOST, fl, 255, 0, 0, NULL, NULL }
/* Call IDs: digits, passcodes: digits (both typed on keypads). */
#define CALLID(n, fl) { n, MEET_F_STR, (fl) | MEET_F_CALLID, 18, 0, 0, NULL, NULL }
#define URI(n, fl) { n, MEET_F_STR, (fl) | MEET_F_URI, 200, 0, 0, NULL, NULL }

static const struct meet_field cospace_fields[] = {
	STR("name", MEET_F_LIST | MEET_F_FILTER, 200),
	URI("uri", MEET_F_LIST | MEET_F_FILTER),
	URI("secondaryUri", MEET_F_LIST | MEET_F_FILTER),
	CALLID("callId", MEET_F_LIST | MEET_F_FILTER),
	STR("cdrTag", MEET_F_EFFECT_PENDING, 100),
	{ "passcode", MEET_F_STR, MEET_F_CALLID, 32, 0, 0, NULL, NULL },
	ENUM("defaultLayout", MEET_F_EFFECT_PENDING, layouts),
	REF("callProfile", 0, "callProfiles"),
	REF("callLegProfile", 0, "callLegProfiles"),
	REF("tenant", 0, "tenants"),
	BOOL("nonMemberAccess", MEET_F_UNSUPPORTED),
	STR("secret", 0, 64),
	STR("ownerJid", MEET_F_EFFECT_PENDING, 200),
	STR("streamUrl", MEET_F_UNSUPPORTED, 1024),
	BOOL("regenerateSecret", MEET_F_ACTION),
	BOOL("requireCallId", MEET_F_ACTION),
};

static const struct meet_field access_fields[] = {
	STR("name", MEET_F_LIST | MEET_F_FILTER, 200),
	URI("uri", MEET_F_LIST | MEET_F_FILTER),
	CALLID("callId", MEET_F_LIST | MEET_F_FILTER),
	{ "passcode", MEET_F_STR, MEET_F_CALLID, 32, 0, 0, NULL, NULL },
	STR("secret", 0, 64),
	ENUM("scope", MEET_F_LIST | MEET_F_UNSUPPORTED, scopes),
	INT("importance", MEET_F_UNSUPPORTED, 0, 2147483647L),
	REF("callLegProfile", 0, "callLegProfiles"),
	BOOL("regenerateSecret", MEET_F_ACTION),
};

/* callLegProfiles: every row here is resolved by profile.c (most specific
 * level that sets it wins) and acted on by the call bridge or the page. */
static const struct meet_field leg_profile_fields[] = {
	STR("name", MEET_F_LIST | MEET_F_FILTER, 200),
	BOOL("needsActivation", MEET_F_LIST),
	ENUM("deactivationMode", 0, deactivation_modes),
	ENUM("defaultLayout", 0, layouts),
	BOOL("changeLayoutAllowed", 0),
	BOOL("rxAudioMute", 0),
	BOOL("rxVideoMute", 0),
	BOOL("txAudioMute", 0),
	BOOL("muteSelfAllowed", 0),
	BOOL("muteOthersAllowed", 0),
	BOOL("callLockAllowed", 0),
	BOOL("presentationContributionAllowed", 0),
	BOOL("chatContributionAllowed", 0),
	BOOL("endCallAllowed", 0),
};

static const struct meet_field rule_fields[] = {
	HOST("domain", MEET_F_LIST | MEET_F_FILTER | MEET_F_REQUIRED),
	INT("priority", MEET_F_LIST, 0, 2147483647L),
	BOOL("resolveToUsers", MEET_F_UNSUPPORTED),
	BOOL("resolveTocoSpaces", MEET_F_LIST),
	BOOL("resolveToIvrs", MEET_F_UNSUPPORTED),
	BOOL("resolveToLyncConferences", MEET_F_UNSUPPORTED),
	BOOL("resolveToLyncSimplejoin", MEET_F_UNSUPPORTED),
	REF("tenant", 0, "tenants"),
};

static const struct meet_field turn_fields[] = {
	HOST("serverAddress", MEET_F_LIST | MEET_F_FILTER | MEET_F_REQUIRED),
	HOST("clientAddress", MEET_F_LIST | MEET_F_FILTER),
	STR("username", 0, 256),
	STR("password", MEET_F_WRITEONLY, 256),
	ENUM("type", 0, turn_types),
	INT("tcpPortNumberOverride", 0, 1, 65535),
	INT("numRegistrations", MEET_F_UNSUPPORTED, 0, 1000),
};

static const struct meet_field webbridge_fields[] = {
	STR("url", MEET_F_LIST | MEET_F_FILTER | MEET_F_REQUIRED, 1024),
	STR("resourceArchive", MEET_F_UNSUPPORTED, 1024),
	ENUM("idEntryMode", MEET_F_UNSUPPORTED, id_entry_modes),
	BOOL("allowWeblinkAccess", MEET_F_UNSUPPORTED),
	BOOL("showSignIn", MEET_F_EFFECT_PENDING),
	BOOL("resolveCoSpaceCallIds", MEET_F_UNSUPPORTED),
	BOOL("resolveLyncConferenceIds", MEET_F_UNSUPPORTED),
	REF("tenant", 0, "tenants"),
};

static const struct meet_field profile_fields[] = {
	INT("participantLimit", MEET_F_LIST, 1, 10000),
	BOOL("locked", MEET_F_EFFECT_PENDING),
	ENUM("lockMode", MEET_F_EFFECT_PENDING, lock_modes),
	ENUM("recordingMode", MEET_F_UNSUPPORTED, rec_modes),
	ENUM("streamingMode", MEET_F_UNSUPPORTED, rec_modes),
	ENUM("passcodeMode", MEET_F_UNSUPPORTED, passcode_modes),
	INT("passcodeTimeout", MEET_F_UNSUPPORTED, 0, 86400),
	BOOL("messageBoardEnabled", MEET_F_EFFECT_PENDING),
};

/* Tenants: a name and the profiles their spaces inherit (callLegProfile
 * belongs to the call leg profile work; callProfile applies through the
 * space's tenant when the space has none of its own). */
static const struct meet_field tenant_fields[] = {
	STR("name", MEET_F_LIST | MEET_F_FILTER, 200),
	REF("callProfile", MEET_F_EFFECT_PENDING, "callProfiles"),
};

/* LDAP (src/meet/ldap.c): one sync = ldapServer + ldapMapping + ldapSource.
 * Mapping expressions use $attr$ and $attr|'/from/to/'$ (ldap-map.c). */
static const struct meet_field ldap_server_fields[] = {
	HOST("address", MEET_F_LIST | MEET_F_FILTER | MEET_F_REQUIRED),
	INT("portNumber", MEET_F_LIST, 1, 65535),
	STR("username", 0, 1024),
	STR("password", MEET_F_WRITEONLY, 256),
	BOOL("secure", MEET_F_LIST),
	BOOL("usePagedResults", 0),
};

static const struct meet_field ldap_mapping_fields[] = {
	STR("jidMapping", MEET_F_LIST | MEET_F_FILTER, 1024),
	STR("nameMapping", MEET_F_LIST, 1024),
	STR("cdrTagMapping", MEET_F_UNSUPPORTED, 1024),
	STR("authenticationIdMapping", MEET_F_UNSUPPORTED, 1024),
	STR("coSpaceNameMapping", 0, 1024),
	STR("coSpaceUriMapping", 0, 1024),
	STR("coSpaceSecondaryUriMapping", MEET_F_UNSUPPORTED, 1024),
	STR("coSpaceCallIdMapping", 0, 1024),
};

static const struct meet_field ldap_source_fields[] = {
	REF("server", MEET_F_LIST | MEET_F_REQUIRED, "ldapServers"),
	REF("mapping", MEET_F_LIST | MEET_F_REQUIRED, "ldapMappings"),
	STR("baseDn", MEET_F_LIST | MEET_F_FILTER | MEET_F_REQUIRED, 1024),
	STR("filter", MEET_F_LIST, 1024),
	REF("tenant", 0, "tenants"),
	BOOL("nonMemberAccess", MEET_F_UNSUPPORTED),
};

/* Users come only from syncs: every field is read-only over the API. */
static const struct meet_field user_fields[] = {
	STR("userJid", MEET_F_LIST | MEET_F_FILTER | MEET_F_READONLY, 200),
	STR("name", MEET_F_LIST | MEET_F_FILTER | MEET_F_READONLY, 200),
	STR("email", MEET_F_READONLY, 200),
	STR("cdrTag", MEET_F_READONLY | MEET_F_UNSUPPORTED, 100),
	REF("tenant", MEET_F_READONLY, "tenants"),
};

static const char *const sync_states[] = { "notStarted", "started", "complete", "failed", NULL };

/* Made by POST /ldapSyncs (api-ldap.c), advanced by ldap.c. */
static const struct meet_field ldap_sync_fields[] = {
	REF("ldapSource", MEET_F_LIST | MEET_F_READONLY, "ldapSources"),
	ENUM("state", MEET_F_LIST | MEET_F_READONLY, sync_states),
	INT("numUsersSynced", MEET_F_READONLY, 0, 2147483647L),
	INT("numUsersRemoved", MEET_F_READONLY, 0, 2147483647L),
	STR("failureReason", MEET_F_READONLY, 64),
};

/* A random URL-safe secret like the vendor's V_diBH_9ARvojUzOOy38Cg. */
/* A generated call ID is what a guest types: unguessable, 100000000-999999999. */
static unsigned
schema_call_id(void)
{
	uint32_t r;

	if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r)) < 0)
		g_error("no random bytes for a call ID");
	return 100000000u + r % 900000000u;
}

static char *
schema_secret(void)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
	char *s = g_malloc(23);
	guint8 r[22];

	/* A space secret guards its guest links: CSPRNG bytes, 64 symbols so
	 * each byte's low six bits are uniform. */
	if (gnutls_rnd(GNUTLS_RND_KEY, r, sizeof(r)) < 0)
		g_error("no random bytes for a space secret");
	for (int i = 0; i < 22; i++)
		s[i] = abc[r[i] & 63];
	s[22] = '\0';
	return s;
}

static void
complete_secret(struct meet_store *st, const char *id, int created, GHashTable *props)
{
	const char *regen = g_hash_table_lookup(props, "regenerateSecret");
	GHashTable *now = meet_store_get(st, id);

	if ((regen && !strcmp(regen, "true")) || !g_hash_table_lookup(now, "secret")) {
		char *s = schema_secret();
		meet_store_set(st, id, "secret", s);
		g_free(s);
	}
	g_hash_table_unref(now);
}

static void
complete_cospace(struct meet_store *st, const char *id, int created, GHashTable *props)
{
	const char *req = g_hash_table_lookup(props, "requireCallId");
	GHashTable *now = meet_store_get(st, id);

	if (req && !strcmp(req, "true") && !g_hash_table_lookup(now, "callId")) {
		static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
		static const char *const names[] = { "callId", NULL };
		for (int tries = 0; tries < 100; tries++) {
			char *cid = g_strdup_printf("%09u", schema_call_id());
			GPtrArray *dup = meet_store_find(st, colls, names, cid);
			int free_id = dup->len == 0;
			g_ptr_array_unref(dup);
			if (free_id) {
				meet_store_set(st, id, "callId", cid);
				g_free(cid);
				break;
			}
			g_free(cid);
		}
	}
	g_hash_table_unref(now);
	complete_secret(st, id, created, props);
}

static void
complete_turn(struct meet_store *st, const char *id, int created, GHashTable *props)
{
	if (created && !g_hash_table_lookup(props, "type"))
		meet_store_set(st, id, "type", "standard");
}

#define FIELDS(a) a, G_N_ELEMENTS(a)
static const struct meet_coll colls[] = {
	{ "coSpaces", "coSpace", NULL, "coSpaceDoesNotExist", FIELDS(cospace_fields), complete_cospace },
	{ "accessMethods", "accessMethod", "coSpaces", "accessMethodDoesNotExist",
	  FIELDS(access_fields), complete_secret },
	{ "inboundDialPlanRules", "inboundDialPlanRule", NULL, "inboundDialPlanRuleDoesNotExist",
	  FIELDS(rule_fields), NULL },
	{ "turnServers", "turnServer", NULL, "turnServerDoesNotExist", FIELDS(turn_fields), complete_turn },
	{ "webBridges", "webBridge", NULL, "webBridgeDoesNotExist", FIELDS(webbridge_fields), NULL },
	{ "callProfiles", "callProfile", NULL, "callProfileDoesNotExist", FIELDS(profile_fields), NULL },
	{ "callLegProfiles", "callLegProfile", NULL, "callLegProfileDoesNotExist",
	  FIELDS(leg_profile_fields), NULL },
	{ "tenants", "tenant", NULL, "tenantDoesNotExist", FIELDS(tenant_fields), NULL },
	{ "ldapServers", "ldapServer", NULL, "ldapServerDoesNotExist", FIELDS(ldap_server_fields), NULL },
	{ "ldapMappings", "ldapMapping", NULL, "ldapMappingDoesNotExist", FIELDS(ldap_mapping_fields), NULL },
	{ "ldapSources", "ldapSource", NULL, "ldapSourceDoesNotExist", FIELDS(ldap_source_fields), NULL },
	{ "users", "user", NULL, "userDoesNotExist", FIELDS(user_fields), NULL },
	{ "ldapSyncs", "ldapSync", NULL, "ldapSyncDoesNotExist", FIELDS(ldap_sync_fields), NULL },
};

/* Top-level collection by name, ASCII case-insensitive (vendor paths are). */
const struct meet_coll *
meet_schema_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(colls); i++)
		if (!colls[i].parent && !g_ascii_strcasecmp(colls[i].name, name))
			return &colls[i];
	return NULL;
}

const struct meet_coll *
meet_schema_child(const char *parent, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(colls); i++)
		if (colls[i].parent && !strcmp(colls[i].parent, parent) && !strcmp(colls[i].name, name))
			return &colls[i];
	return NULL;
}

/* The whole table, for tests that walk every field. */
const struct meet_coll *
meet_schema_coll_at(size_t i)
{
	return i < G_N_ELEMENTS(colls) ? &colls[i] : NULL;
}

const struct meet_field *
meet_schema_field(const struct meet_coll *c, const char *name)
{
	for (unsigned i = 0; i < c->nfields; i++)
		if (!strcmp(c->fields[i].name, name))
			return &c->fields[i];
	return NULL;
}

static int
check_int(const struct meet_field *f, const char *v)
{
	char *end;
	long long n;

	if (!*v || strlen(v) > 19 || !(g_ascii_isdigit(v[0]) || v[0] == '-'))
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < f->min || n > f->max ? -1 : 0;
}

static int
check_bool(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0") ? 0 : -1;
}

static int
check_host(const char *v)
{
	/* IPv4/IPv6 literal or DNS name; no port, no spaces. */
	if (g_hostname_is_ip_address(v))
		return 0;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return -1;
	return *v && *v != '.' && *v != '-' ? 0 : -1;
}

static int
check_chars(const struct meet_field *f, const char *v)
{
	if (f->flags & MEET_F_CALLID) {
		for (const char *p = v; *p; p++)
			if (!g_ascii_isdigit(*p))
				return -1;
	}
	if (f->flags & MEET_F_URI) {
		for (const char *p = v; *p; p++)
			if (!g_ascii_isalnum(*p) && !strchr("._+-", *p))
				return -1;
	}
	if (g_str_has_suffix(f->name, "Mapping")) {
		const char *err;
		return meet_ldap_map_check(v, &err);
	}
	if (!strcmp(f->name, "secret")) {
		for (const char *p = v; *p; p++)
			if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
				return -1;
	}
	return 0;
}

int
meet_schema_check(const struct meet_field *f, const char *value, const char **error)
{
	*error = "invalidValue";
	switch (f->type) {
	case MEET_F_INT:
		return check_int(f, value);
	case MEET_F_BOOL:
		return check_bool(value);
	case MEET_F_ENUM:
		for (const char *const *e = f->enums; *e; e++)
			if (!strcmp(*e, value))
				return 0;
		return -1;
	case MEET_F_HOST:
		if (strlen(value) > f->maxlen) {
			*error = "valueTooLong";
			return -1;
		}
		return check_host(value);
	case MEET_F_REF:
		return g_uuid_string_is_valid(value) ? 0 : -1;
	case MEET_F_STR:
		if (strlen(value) > f->maxlen) {
			*error = "valueTooLong";
			return -1;
		}
		return check_chars(f, value);
	}
	return -1;
}

const char *
meet_schema_norm(const struct meet_field *f, const char *value)
{
	if (f->type == MEET_F_BOOL)
		return !strcmp(value, "true") || !strcmp(value, "1") ? "true" : "false";
	return value;
}
