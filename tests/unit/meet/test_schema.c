/* Unit tests: src/meet/schema.c (collections and parameter validation). */
#include <string.h>

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

int
main(void)
{
	const char *err;
	char long_name[300];

	ok(meet_schema_find("coSpaces") != NULL, "coSpaces");
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
