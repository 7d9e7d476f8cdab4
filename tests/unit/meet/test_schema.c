/* Unit tests: src/meet/schema.c (collections and parameter validation). */
#include <string.h>

#include <glib.h>

#include "meet/meet-internal.h"
#include "tap.h"

static int
check(const char *coll, const char *field, const char *value, const char **error)
{
	const struct meet_coll *c = meet_schema_find(coll);
	const struct meet_field *f = c ? meet_schema_field(c, field) : NULL;

	*error = "nofield";
	return f ? meet_schema_check(f, value, error) : -2;
}

/* Fields whose effect lives in schema.c's own completion hooks (or, for
 * turnServers type, whose every vendor value means standard TURN). */
static const char *const hook_fields[] = { "regenerateSecret", "requireCallId", "secret", "type",
	NULL };

/* Does some source of src/meet other than schema.c name the field? */
static int
consumed(const char *field)
{
	GDir *d = g_dir_open(MEET_SRC_DIR, 0, NULL);
	char *quoted = g_strdup_printf("\"%s\"", field);
	/* Tables that stringify the name (profile.c's B(field, default) rows). */
	char *row = g_strdup_printf("(%s,", field);
	const char *e;
	int hit = g_strv_contains(hook_fields, field);

	while (d && !hit && (e = g_dir_read_name(d))) {
		char *path, *text = NULL;
		if (!g_str_has_suffix(e, ".c") || !strcmp(e, "schema.c"))
			continue;
		path = g_build_filename(MEET_SRC_DIR, e, NULL);
		if (g_file_get_contents(path, &text, NULL, NULL) && (strstr(text, quoted) || strstr(text, row)))
			hit = 1;
		g_free(text);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(quoted);
	g_free(row);
	return hit;
}

/* Every field is exactly one of: effective (a module reads it), unsupported
 * (refused with 400) or effect-pending (a consumer lands this round). */
static void
walk_effects(void)
{
	const struct meet_coll *c;

	for (size_t i = 0; (c = meet_schema_coll_at(i)); i++) {
		for (unsigned j = 0; j < c->nfields; j++) {
			const struct meet_field *f = &c->fields[j];
			unsigned cls = f->flags & (MEET_F_UNSUPPORTED | MEET_F_EFFECT_PENDING);
			ok(cls != (MEET_F_UNSUPPORTED | MEET_F_EFFECT_PENDING),
			   "%s.%s has one effect class", c->name, f->name);
			if (!cls)
				ok(consumed(f->name), "%s.%s is read outside the schema (has an effect)",
				   c->name, f->name);
			if (cls & MEET_F_UNSUPPORTED)
				ok(!(f->flags & MEET_F_REQUIRED), "%s.%s unsupported is not required",
				   c->name, f->name);
		}
	}
}

int
main(void)
{
	const char *err;
	char long_name[300];

	ok(meet_schema_find("coSpaces") != NULL, "coSpaces");
	ok(meet_schema_find("cospaces") == meet_schema_find("coSpaces"), "cospaces finds coSpaces");
	ok(meet_schema_find("COSPACES") == meet_schema_find("coSpaces"), "COSPACES finds coSpaces");
	walk_effects();
	ok(meet_schema_find("accessMethods") == NULL, "accessMethods is not top-level");
	ok(meet_schema_child("coSpaces", "accessMethods") != NULL, "accessMethods under coSpaces");
	ok(meet_schema_field(meet_schema_find("inboundDialPlanRules"), "resolveTocoSpaces") != NULL,
	   "resolveTocoSpaces spelled as the vendor does");
	ok(meet_schema_field(meet_schema_find("inboundDialPlanRules"), "resolveToCoSpaces") == NULL,
	   "resolveToCoSpaces is not a parameter");
	ok(meet_schema_field(meet_schema_find("turnServers"), "password")->flags & MEET_F_WRITEONLY,
	   "turnServers password is write-only");

	is_int(check("turnServers", "type", "expressway", &err), 0, "type expressway");
	is_int(check("turnServers", "type", "lyncEdge", &err), 0, "type lyncEdge");
	is_int(check("turnServers", "type", "coturn", &err), -1, "unknown type");
	ok(!strcmp(err, "invalidValue"), "-> invalidValue");
	is_int(check("turnServers", "tcpPortNumberOverride", "3478", &err), 0, "port 3478");
	is_int(check("turnServers", "tcpPortNumberOverride", "0", &err), -1, "port 0");
	is_int(check("turnServers", "tcpPortNumberOverride", "65536", &err), -1, "port 65536");
	is_int(check("turnServers", "tcpPortNumberOverride", "99999999999999999999", &err), -1, "huge number");
	is_int(check("turnServers", "tcpPortNumberOverride", "+3", &err), -1, "sign");
	is_int(check("turnServers", "serverAddress", "172.16.85.168", &err), 0, "IPv4");
	is_int(check("turnServers", "serverAddress", "::1", &err), 0, "IPv6");
	is_int(check("turnServers", "serverAddress", "vcse.octavio.com", &err), 0, "DNS name");
	is_int(check("turnServers", "serverAddress", "a b", &err), -1, "space in host");
	is_int(check("turnServers", "serverAddress", "1.2.3.4:3478", &err), -1, "host:port refused");
	is_int(check("coSpaces", "callId", "100101", &err), 0, "numeric callId");
	is_int(check("coSpaces", "callId", "10010a", &err), -1, "non-numeric callId");
	is_int(check("coSpaces", "callId", "1234567890123456789", &err), -1, "19-digit callId");
	ok(!strcmp(err, "valueTooLong"), "-> valueTooLong");
	is_int(check("coSpaces", "uri", "proxy.web-rtc_1+x", &err), 0, "uri user part");
	is_int(check("coSpaces", "uri", "proxywebrtc@cms.octavio.local", &err), -1, "uri with domain");
	is_int(check("coSpaces", "nonMemberAccess", "true", &err), 0, "bool true");
	is_int(check("coSpaces", "nonMemberAccess", "yes", &err), -1, "bool yes");
	is_int(check("coSpaces", "defaultLayout", "onePlusN", &err), 0, "layout enum");
	is_int(check("coSpaces", "secret", "V_diBH_9ARvojUzOOy38Cg", &err), 0, "vendor-style secret");
	is_int(check("coSpaces", "secret", "a/b", &err), -1, "secret charset");
	is_int(check("coSpaces", "callProfile", "not-a-guid", &err), -1, "reference must be a GUID");
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	is_int(check("coSpaces", "name", long_name, &err), -1, "name over 200");
	ok(!strcmp(err, "valueTooLong"), "-> valueTooLong");
	ok(!strcmp(meet_schema_norm(meet_schema_field(meet_schema_find("coSpaces"), "nonMemberAccess"), "1"),
		   "true"), "bool 1 stored as true");
	return tap_done();
}
