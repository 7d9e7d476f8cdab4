/*
 * ldap-map.c: the /ldapMappings expression language ($attr$ and
 * $attr|'/re/rep/'$, see meet-ldap.h).  One bounded parser serves both the
 * check (get == NULL) and the expansion.  Pure; any thread.
 */
#include <string.h>

#include "meet/meet-ldap.h"

struct map_run {
	const char *p;              /* next unread character */
	meet_ldap_attr_fn get;      /* NULL: check only */
	void *ctx;
	GString *out;
	const char *error;
};

static int
map_attr_char(char c)
{
	/* RFC 4512 descriptors plus options (;lang-en) and OIDs. */
	return g_ascii_isalnum(c) || c == '-' || c == ';' || c == '.';
}

/* Reads a '/'-terminated part of '/re/rep/' into part; '\/' is a '/'. */
static int
map_part(struct map_run *r, GString *part)
{
	while (*r->p && *r->p != '/') {
		if (r->p[0] == '\\' && r->p[1] == '/') {
			g_string_append_c(part, '/');
			r->p += 2;
			continue;
		}
		g_string_append_c(part, *r->p++);
	}
	if (*r->p != '/') {
		r->error = "unterminatedAttribute";
		return -1;
	}
	r->p++;
	return 0;
}

/* Parses |'/re/rep/' after an attribute name; with value != NULL rewrites it. */
static int
map_rewrite(struct map_run *r, const char *value, char **rewritten)
{
	GString *re = g_string_new(NULL), *rep = g_string_new(NULL);
	GRegex *rx = NULL;
	int rc = -1;

	if (strncmp(r->p, "'/", 2)) {
		r->error = "unterminatedAttribute";
		goto out;
	}
	r->p += 2;
	if (map_part(r, re) < 0 || map_part(r, rep) < 0)
		goto out;
	if (*r->p != '\'') {
		r->error = "unterminatedAttribute";
		goto out;
	}
	r->p++;
	rx = g_regex_new(re->str, G_REGEX_OPTIMIZE, 0, NULL);
	if (!rx || !g_regex_check_replacement(rep->str, NULL, NULL)) {
		r->error = "badRegex";
		goto out;
	}
	if (value) {
		*rewritten = g_regex_replace(rx, value, -1, 0, rep->str, 0, NULL);
		if (!*rewritten) {
			r->error = "badRegex";
			goto out;
		}
	}
	rc = 0;
out:
	if (rx)
		g_regex_unref(rx);
	g_string_free(re, TRUE);
	g_string_free(rep, TRUE);
	return rc;
}

/* Parses one $...$ term; r->p is just after the opening '$'. */
static int
map_term(struct map_run *r)
{
	char name[MEET_LDAP_ATTR_MAX + 1];
	size_t n = 0;
	const char *value = NULL;
	char *rewritten = NULL;
	int rc = -1;

	if (*r->p == '$') {
		r->p++;
		g_string_append_c(r->out, '$');
		return 0;
	}
	while (map_attr_char(*r->p)) {
		if (n == MEET_LDAP_ATTR_MAX) {
			r->error = "badAttributeName";
			return -1;
		}
		name[n++] = *r->p++;
	}
	name[n] = '\0';
	if (n == 0 || (*r->p != '$' && *r->p != '|')) {
		r->error = *r->p ? "badAttributeName" : "unterminatedAttribute";
		return -1;
	}
	if (r->get) {
		value = r->get(name, r->ctx);
		if (!value) {
			r->error = "missingAttribute";
			return -1;
		}
		/* Bounds what a rewrite can multiply. */
		if (strlen(value) > MEET_LDAP_MAP_OUT_MAX) {
			r->error = "resultTooLong";
			return -1;
		}
		if (!g_utf8_validate(value, -1, NULL)) {
			r->error = "badEncoding";
			return -1;
		}
	}
	if (*r->p == '|') {
		r->p++;
		if (map_rewrite(r, value, &rewritten) < 0)
			goto out;
		value = rewritten;
	}
	if (*r->p != '$') {
		r->error = "unterminatedAttribute";
		goto out;
	}
	r->p++;
	if (value)
		g_string_append(r->out, value);
	rc = 0;
out:
	g_free(rewritten);
	return rc;
}

static int
map_run(struct map_run *r)
{
	if (strlen(r->p) > MEET_LDAP_MAP_MAX) {
		r->error = "valueTooLong";
		return -1;
	}
	/* GRegex (PCRE2 in UTF mode) must never see invalid UTF-8. */
	if (!g_utf8_validate(r->p, -1, NULL)) {
		r->error = "badEncoding";
		return -1;
	}
	while (*r->p) {
		if (*r->p == '$') {
			r->p++;
			if (map_term(r) < 0)
				return -1;
		} else {
			g_string_append_c(r->out, *r->p++);
		}
		if (r->out->len > MEET_LDAP_MAP_OUT_MAX) {
			r->error = "resultTooLong";
			return -1;
		}
	}
	return 0;
}

int
meet_ldap_map_check(const char *expr, const char **error)
{
	struct map_run r = { expr, NULL, NULL, g_string_new(NULL), NULL };
	int rc = map_run(&r);

	g_string_free(r.out, TRUE);
	*error = r.error;
	return rc;
}

char *
meet_ldap_map_expand(const char *expr, meet_ldap_attr_fn get, void *ctx, const char **error)
{
	struct map_run r = { expr, get, ctx, g_string_new(NULL), NULL };

	*error = NULL;
	if (map_run(&r) < 0) {
		*error = r.error;
		g_string_free(r.out, TRUE);
		return NULL;
	}
	return g_string_free(r.out, FALSE);
}
