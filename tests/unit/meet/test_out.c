/* Unit tests: src/meet/out.c (XML and JSON rendering). */
#include <string.h>

#include "meet/meet-internal.h"
#include "tap.h"

static void
is_text(char *got, const char *want, const char *name)
{
	if (!ok(!strcmp(got, want), "%s", name))
		printf("#   got  %s#   want %s", got, want);
	g_free(got);
}

int
main(void)
{
	struct meet_node *root = meet_node_new("coSpaces"), *c, *e;

	meet_node_attr(root, "total", "1");
	meet_node_list(root, "coSpace");
	c = meet_node_add(root, "coSpace");
	meet_node_attr(c, "id", "g-1");
	meet_node_text(c, "name", "R&D <\"team\">");
	is_text(meet_node_xml(root),
		"<?xml version=\"1.0\"?>\n<coSpaces total=\"1\"><coSpace id=\"g-1\"><name>R&amp;D &lt;&quot;team&quot;&gt;</name></coSpace></coSpaces>\n",
		"XML escapes text");
	is_text(meet_node_json(root),
		"{\"coSpaces\":{\"total\":\"1\",\"coSpace\":[{\"id\":\"g-1\",\"name\":\"R&D <\\\"team\\\">\"}]}}\n",
		"JSON: declared list is an array even with one item");
	meet_node_free(root);

	root = meet_node_new("calls");
	meet_node_attr(root, "total", "0");
	meet_node_list(root, "call");
	is_text(meet_node_xml(root), "<?xml version=\"1.0\"?>\n<calls total=\"0\"/>\n", "empty element");
	is_text(meet_node_json(root), "{\"calls\":{\"total\":\"0\",\"call\":[]}}\n", "empty list in JSON");
	meet_node_free(root);

	root = meet_node_new("failureDetails");
	e = meet_node_add(root, "parameterError");
	meet_node_attr(e, "parameter", "type");
	meet_node_attr(e, "error", "invalidValue");
	is_text(meet_node_xml(root),
		"<?xml version=\"1.0\"?>\n<failureDetails><parameterError parameter=\"type\" error=\"invalidValue\"/></failureDetails>\n",
		"vendor parameterError shape");
	meet_node_free(root);

	root = meet_node_new("x");
	meet_node_text(root, "a", "line\nbreak\x01");
	meet_node_text(root, "b", "1");
	meet_node_text(root, "b", "2");
	is_text(meet_node_json(root), "{\"x\":{\"a\":\"line\\u000abreak\\u0001\",\"b\":[\"1\",\"2\"]}}\n",
		"JSON control characters escaped, repeated names become arrays");
	c = meet_node_detach(root);
	ok(c != NULL, "detach returns the first child");
	meet_node_free(c);
	meet_node_free(root);
	return tap_done();
}
