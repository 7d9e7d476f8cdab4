/*
 * libFuzzer harness: src/meet/form.c (form bodies and query strings of the
 * REST API and the guest API) and src/meet/out.c (rendering the parsed,
 * attacker-chosen values back as XML and JSON, as error replies do).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meet/meet-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meet_form f;
	const char *bad = NULL;
	struct meet_node *root;
	char *xml, *json;

	if (meet_form_parse(&f, (const char *)data, size, &bad) != 0) {
		/* On error the form is empty and bad, if set, is a bounded name. */
		if (f.n != 0 || (bad && strlen(bad) > MEET_FORM_MAX_NAME))
			__builtin_trap();
		return 0;
	}
	root = meet_node_new("failureDetails");
	for (unsigned i = 0; i < f.n; i++) {
		struct meet_node *e = meet_node_add(root, "parameterError");
		if (strlen(f.f[i].name) > MEET_FORM_MAX_NAME || strlen(f.f[i].value) > MEET_FORM_MAX_VALUE)
			__builtin_trap();
		if (meet_form_get(&f, f.f[i].name) != f.f[i].value)
			__builtin_trap();   /* names are unique */
		meet_node_attr(e, "parameter", f.f[i].name);
		meet_node_text(e, "value", f.f[i].value);
	}
	xml = meet_node_xml(root);
	json = meet_node_json(root);
	g_free(xml);
	g_free(json);
	meet_node_free(root);
	meet_form_clear(&f);
	return 0;
}
