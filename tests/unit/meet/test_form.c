/* Unit tests: src/meet/form.c (bounded form/query parser). */
#include <string.h>

#include "meet/meet-internal.h"
#include "tap.h"

static int
parse(const char *s, struct meet_form *f, const char **bad)
{
	return meet_form_parse(f, s, strlen(s), bad);
}

int
main(void)
{
	struct meet_form f;
	const char *bad;
	char big[MEET_FORM_MAX_VALUE + 10];
	GString *many = g_string_new("");

	is_int(parse("serverAddress=172.16.85.168&username=turnuser&password=cisco", &f, &bad), 0, "seed form");
	is_int(f.n, 3, "three fields");
	ok(!strcmp(meet_form_get(&f, "username"), "turnuser"), "get username");
	ok(meet_form_get(&f, "type") == NULL, "absent field");
	meet_form_clear(&f);

	is_int(parse("name=Proxy+webRTC&uri=a%40b%2Bc", &f, &bad), 0, "plus and escapes");
	ok(!strcmp(meet_form_get(&f, "name"), "Proxy webRTC"), "+ is a space");
	ok(!strcmp(meet_form_get(&f, "uri"), "a@b+c"), "%%40 and %%2B decoded");
	meet_form_clear(&f);

	is_int(parse("a=1&&b=&c", &f, &bad), 0, "empty pairs skipped, empty values kept");
	is_int(f.n, 3, "a, b, c");
	ok(!strcmp(meet_form_get(&f, "b"), "") && !strcmp(meet_form_get(&f, "c"), ""), "b= and c are empty");
	meet_form_clear(&f);

	is_int(parse("a=1&a=2", &f, &bad), MEET_FORM_DUPLICATE, "duplicate refused");
	ok(bad && !strcmp(bad, "a"), "duplicate names the field");
	is_int(f.n, 0, "form left empty on error");
	is_int(parse("a=%zz", &f, &bad), MEET_FORM_BAD_ENCODING, "bad escape");
	is_int(parse("a=%4", &f, &bad), MEET_FORM_BAD_ENCODING, "truncated escape");
	is_int(parse("a=%", &f, &bad), MEET_FORM_BAD_ENCODING, "lone percent");
	is_int(parse("a=%00", &f, &bad), MEET_FORM_BAD_ENCODING, "NUL refused");
	is_int(parse("a=%01", &f, &bad), MEET_FORM_BAD_ENCODING, "control character refused");
	is_int(parse("a=%ff%fe", &f, &bad), MEET_FORM_BAD_ENCODING, "invalid UTF-8 refused");
	is_int(parse("=1", &f, &bad), MEET_FORM_BAD_ENCODING, "empty name refused");
	is_int(parse("a=%C3%A9", &f, &bad), 0, "UTF-8 accepted");
	meet_form_clear(&f);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "v=", 2);
	is_int(parse(big, &f, &bad), MEET_FORM_TOO_LONG, "value over MEET_FORM_MAX_VALUE");
	for (int i = 0; i <= MEET_FORM_MAX_FIELDS; i++)
		g_string_append_printf(many, "f%d=1&", i);
	is_int(parse(many->str, &f, &bad), MEET_FORM_TOO_MANY, "more than MEET_FORM_MAX_FIELDS fields");
	g_string_free(many, TRUE);
	is_int(meet_form_parse(&f, "a=1\0b=2", 7, &bad), MEET_FORM_BAD_ENCODING, "raw NUL in the body refused");
	return tap_done();
}
