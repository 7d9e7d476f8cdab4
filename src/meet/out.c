/*
 * out.c: responses as a small element tree, rendered as the vendor's XML
 * (<coSpaces total="1"><coSpace id="..."><name>...</name>...) or as JSON
 * ({"coSpaces": {"total": "1", "coSpace": [{"id": "...", "name": ...}]}}).
 * Any thread; a tree belongs to whoever created its root.
 */
#include <string.h>

#include "meet/meet-internal.h"

struct meet_node {
	char *name;
	char *text;                 /* leaf value, or NULL */
	GPtrArray *attrs;           /* name, value, name, value ... */
	GPtrArray *kids;            /* struct meet_node * */
	char *list_child;           /* JSON: always an array of these */
};

struct meet_node *
meet_node_new(const char *name)
{
	struct meet_node *n = g_new0(struct meet_node, 1);

	n->name = g_strdup(name);
	n->attrs = g_ptr_array_new_with_free_func(g_free);
	n->kids = g_ptr_array_new_with_free_func((GDestroyNotify)meet_node_free);
	return n;
}

struct meet_node *
meet_node_add(struct meet_node *parent, const char *name)
{
	struct meet_node *n = meet_node_new(name);

	g_ptr_array_add(parent->kids, n);
	return n;
}

struct meet_node *
meet_node_text(struct meet_node *parent, const char *name, const char *text)
{
	struct meet_node *n = meet_node_add(parent, name);

	n->text = g_strdup(text ? text : "");
	return n;
}

void
meet_node_attr(struct meet_node *n, const char *name, const char *value)
{
	g_ptr_array_add(n->attrs, g_strdup(name));
	g_ptr_array_add(n->attrs, g_strdup(value));
}

void
meet_node_list(struct meet_node *n, const char *child_name)
{
	g_free(n->list_child);
	n->list_child = g_strdup(child_name);
}

void
meet_node_free(struct meet_node *n)
{
	if (!n)
		return;
	g_free(n->name);
	g_free(n->text);
	g_free(n->list_child);
	g_ptr_array_unref(n->attrs);
	g_ptr_array_unref(n->kids);
	g_free(n);
}

static void
xml_escape(GString *s, const char *t)
{
	for (; *t; t++) {
		switch (*t) {
		case '<': g_string_append(s, "&lt;"); break;
		case '>': g_string_append(s, "&gt;"); break;
		case '&': g_string_append(s, "&amp;"); break;
		case '"': g_string_append(s, "&quot;"); break;
		case '\'': g_string_append(s, "&apos;"); break;
		default: g_string_append_c(s, *t);
		}
	}
}

static void
xml_node(GString *s, const struct meet_node *n)
{
	g_string_append_printf(s, "<%s", n->name);
	for (guint i = 0; i + 1 < n->attrs->len; i += 2) {
		g_string_append_printf(s, " %s=\"", (char *)g_ptr_array_index(n->attrs, i));
		xml_escape(s, g_ptr_array_index(n->attrs, i + 1));
		g_string_append_c(s, '"');
	}
	if (!n->text && n->kids->len == 0) {
		g_string_append(s, "/>");
		return;
	}
	g_string_append_c(s, '>');
	if (n->text)
		xml_escape(s, n->text);
	for (guint i = 0; i < n->kids->len; i++)
		xml_node(s, g_ptr_array_index(n->kids, i));
	g_string_append_printf(s, "</%s>", n->name);
}

char *
meet_node_xml(const struct meet_node *n)
{
	GString *s = g_string_new("<?xml version=\"1.0\"?>\n");

	xml_node(s, n);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static void
json_string(GString *s, const char *t)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(s, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(s, "\\u%04x", *p);
		else
			g_string_append_c(s, (char)*p);
	}
	g_string_append_c(s, '"');
}

static void json_value(GString *s, const struct meet_node *n);

/* Children grouped by name, in first-appearance order; a name seen more
 * than once (or declared a list) becomes an array. */
static void
json_members(GString *s, const struct meet_node *n, int first)
{
	GHashTable *done = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < n->kids->len; i++) {
		const struct meet_node *k = g_ptr_array_index(n->kids, i);
		unsigned count = 0;
		if (g_hash_table_contains(done, k->name))
			continue;
		g_hash_table_add(done, k->name);
		for (guint j = i; j < n->kids->len; j++)
			count += !strcmp(((struct meet_node *)g_ptr_array_index(n->kids, j))->name, k->name);
		g_string_append(s, first ? "" : ",");
		first = 0;
		json_string(s, k->name);
		g_string_append_c(s, ':');
		int arr = count > 1 || (n->list_child && !strcmp(n->list_child, k->name));
		if (!arr) {
			json_value(s, k);
			continue;
		}
		g_string_append_c(s, '[');
		for (guint j = i, m = 0; j < n->kids->len; j++) {
			const struct meet_node *o = g_ptr_array_index(n->kids, j);
			if (strcmp(o->name, k->name))
				continue;
			g_string_append(s, m++ ? "," : "");
			json_value(s, o);
		}
		g_string_append_c(s, ']');
	}
	/* A declared list with no element still appears, empty. */
	if (n->list_child && !g_hash_table_contains(done, n->list_child)) {
		g_string_append(s, first ? "" : ",");
		json_string(s, n->list_child);
		g_string_append(s, ":[]");
	}
	g_hash_table_destroy(done);
}

static void
json_value(GString *s, const struct meet_node *n)
{
	int first = 1;

	if (n->text && n->attrs->len == 0 && n->kids->len == 0) {
		json_string(s, n->text);
		return;
	}
	g_string_append_c(s, '{');
	for (guint i = 0; i + 1 < n->attrs->len; i += 2) {
		g_string_append(s, first ? "" : ",");
		first = 0;
		json_string(s, g_ptr_array_index(n->attrs, i));
		g_string_append_c(s, ':');
		json_string(s, g_ptr_array_index(n->attrs, i + 1));
	}
	if (n->text) {
		g_string_append(s, first ? "" : ",");
		first = 0;
		g_string_append(s, "\"value\":");
		json_string(s, n->text);
	}
	json_members(s, n, first);
	g_string_append_c(s, '}');
}

char *
meet_node_json(const struct meet_node *n)
{
	GString *s = g_string_new("{");

	json_string(s, n->name);
	g_string_append_c(s, ':');
	json_value(s, n);
	g_string_append(s, "}\n");
	return g_string_free(s, FALSE);
}

struct meet_node *
meet_node_detach(struct meet_node *parent)
{
	if (parent->kids->len == 0)
		return NULL;
	return g_ptr_array_steal_index(parent->kids, 0);
}
