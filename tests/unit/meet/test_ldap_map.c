/* test_ldap_map.c: the /ldapMappings expression language (ldap-map.c). */
#include "meet/meet-ldap.h"
#include "tap.h"

static const char *const entry[][2] = {
	{ "uid", "alice" }, { "cn", "Alice Martin" }, { "mail", "alice@example.com" },
	{ "telephoneNumber", "+33 1 23 45 67" }, { "sAMAccountName", "amartin" },
};

static const char *
get(const char *name, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < G_N_ELEMENTS(entry); i++)
		if (!g_ascii_strcasecmp(entry[i][0], name))
			return entry[i][1];
	return NULL;
}

static void
expands(const char *expr, const char *want)
{
	const char *err;
	char *got = meet_ldap_map_expand(expr, get, NULL, &err);

	is_str(got, want, "%s", expr);
	g_free(got);
}

static void
fails(const char *expr, const char *want_err)
{
	const char *err = NULL, *cerr = NULL;
	char *got = meet_ldap_map_expand(expr, get, NULL, &err);

	ok(got == NULL, "%s does not expand", expr);
	is_str(err, want_err, "%s: error", expr);
	if (strcmp(want_err, "missingAttribute") && strcmp(want_err, "resultTooLong"))
		ok(meet_ldap_map_check(expr, &cerr) < 0 && !strcmp(cerr, want_err), "%s: check", expr);
	else
		ok(meet_ldap_map_check(expr, &cerr) == 0, "%s: well formed", expr);
	g_free(got);
}

int
main(void)
{
	const char *err;
	GString *big = g_string_new(NULL);

	expands("", "");
	expands("plain text", "plain text");
	expands("$uid$@example.com", "alice@example.com");
	expands("$sAMAccountName$@example.com", "amartin@example.com");
	expands("$cn$'s space", "Alice Martin's space");
	expands("$uid$.$UID$", "alice.alice");
	expands("cost: 5$$", "cost: 5$");
	expands("$telephoneNumber|'/[^0-9]//'$", "331234567");
	expands("$mail|'/@.*//'$.space", "alice.space");
	expands("$cn|'/(\\w+) (\\w+)/\\2-\\1/'$", "Martin-Alice");
	expands("$uid|'/a\\/?l/x\\/y/'$", "x/yice");
	ok(meet_ldap_map_check("$uid$@$mail|'/x/y/'$", &err) == 0, "check accepts a good expression");

	fails("$uid", "unterminatedAttribute");
	fails("$$$uid", "unterminatedAttribute");
	fails("$u id$", "badAttributeName");
	fails("$$$", "unterminatedAttribute");
	fails("$$$$$", "unterminatedAttribute");
	fails("$uid|/a/b/$", "unterminatedAttribute");
	fails("$uid|'/a/b'$", "unterminatedAttribute");
	fails("$uid|'/a/b/$", "unterminatedAttribute");
	fails("$uid|'/(/b/'$", "badRegex");
	fails("$uid|'/a/\\g<x/'$", "badRegex");
	fails("$nosuch$", "missingAttribute");
	/* Found by fuzz-meet-ldap-map: PCRE2 crashed on invalid UTF-8. */
	fails("$cn|'/\377(/x/'$", "badEncoding");
	g_string_append_c(big, '$');
	for (int i = 0; i < MEET_LDAP_ATTR_MAX + 1; i++)
		g_string_append_c(big, 'a');
	g_string_append_c(big, '$');
	fails(big->str, "badAttributeName");
	g_string_truncate(big, 0);
	for (int i = 0; i < MEET_LDAP_MAP_MAX + 1; i++)
		g_string_append_c(big, 'x');
	fails(big->str, "valueTooLong");
	g_string_truncate(big, 0);
	/* Short, well formed, but each of 12 characters becomes 400. */
	g_string_append(big, "$cn|'/./");
	for (int i = 0; i < 400; i++)
		g_string_append_c(big, 'y');
	g_string_append(big, "/'$");
	fails(big->str, "resultTooLong");
	g_string_free(big, TRUE);
	return tap_done();
}
