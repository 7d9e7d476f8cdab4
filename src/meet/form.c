/*
 * form.c: application/x-www-form-urlencoded and query strings, bounded
 * (meet-internal.h).  Hostile input: every API body and every guest
 * request passes through here, so it has a libFuzzer harness
 * (tests/fuzz/meet/fuzz_meet_form.c).
 */
#include <string.h>

#include "common/hex.h"
#include "meet/meet-internal.h"

/* Decode s[0..len) into a new NUL-terminated string of at most max bytes.
 * Returns NULL with *rc set on error. */
static char *
form_decode(const char *s, size_t len, size_t max, int *rc)
{
	char *out = g_malloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < len ? hex_digit((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				*rc = MEET_FORM_BAD_ENCODING;
				goto fail;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			*rc = MEET_FORM_BAD_ENCODING;
			goto fail;
		}
		if (o == max) {
			*rc = MEET_FORM_TOO_LONG;
			goto fail;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	if (!g_utf8_validate(out, (gssize)o, NULL)) {
		*rc = MEET_FORM_BAD_ENCODING;
		goto fail;
	}
	return out;
fail:
	g_free(out);
	return NULL;
}

static int
form_add(struct meet_form *form, const char *s, size_t len, const char **bad)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	int rc = MEET_FORM_OK;
	char *name, *value;

	if (len == 0)
		return 0;           /* "a=1&&b=2": empty pair skipped, as browsers do */
	if (form->n == MEET_FORM_MAX_FIELDS)
		return MEET_FORM_TOO_MANY;
	name = form_decode(s, nlen, MEET_FORM_MAX_NAME, &rc);
	if (!name || !*name) {
		g_free(name);
		return rc ? rc : MEET_FORM_BAD_ENCODING;
	}
	value = eq ? form_decode(eq + 1, len - nlen - 1, MEET_FORM_MAX_VALUE, &rc) : g_strdup("");
	form->f[form->n].name = name;
	form->f[form->n].value = value;
	form->n++;
	if (!value) {
		*bad = name;
		return rc;
	}
	for (unsigned i = 0; i + 1 < form->n; i++)
		if (!strcmp(form->f[i].name, name)) {
			*bad = name;
			return MEET_FORM_DUPLICATE;
		}
	return 0;
}

int
meet_form_parse(struct meet_form *form, const char *text, size_t len, const char **bad)
{
	static char bad_name[MEET_FORM_MAX_NAME + 1];
	size_t start = 0;
	int rc = 0;

	memset(form, 0, sizeof(*form));
	*bad = NULL;
	for (size_t i = 0; i <= len && rc == 0; i++) {
		if (i == len || text[i] == '&') {
			rc = form_add(form, text + start, i - start, bad);
			start = i + 1;
		}
	}
	if (rc != 0) {
		/* Keep the offending name past meet_form_clear for the error
		 * message (loop thread only, like every caller). */
		if (*bad) {
			g_strlcpy(bad_name, *bad, sizeof(bad_name));
			*bad = bad_name;
		}
		meet_form_clear(form);
	}
	return rc;
}

void
meet_form_clear(struct meet_form *form)
{
	for (unsigned i = 0; i < form->n; i++) {
		g_free(form->f[i].name);
		g_free(form->f[i].value);
	}
	form->n = 0;
}

const char *
meet_form_get(const struct meet_form *form, const char *name)
{
	for (unsigned i = 0; i < form->n; i++)
		if (!strcmp(form->f[i].name, name))
			return form->f[i].value;
	return NULL;
}
