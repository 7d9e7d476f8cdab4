/*
 * access.c: which coSpace (and which of its access methods) a guest's
 * call ID and passcode open.  A space and its access methods may share a
 * call ID with different passcodes (a guest passcode and a host passcode);
 * the pair callId+passcode is unique (api-coll.c enforces it), so the
 * passcode picks the object.  Loop thread; reads the store only.
 */
#include <string.h>

#include "meet/meet-internal.h"

/* The coSpace an object id belongs to: itself, or an access method's parent. */
static char *
access_space_of(struct meet_store *st, const char *id)
{
	GPtrArray *spaces;
	char *space = NULL;

	if (meet_store_exists(st, "coSpaces", id, NULL))
		return g_strdup(id);
	spaces = meet_store_list(st, "coSpaces", NULL);
	for (guint i = 0; !space && i < spaces->len; i++)
		if (meet_store_exists(st, "accessMethods", id, g_ptr_array_index(spaces, i)))
			space = g_strdup(g_ptr_array_index(spaces, i));
	g_ptr_array_unref(spaces);
	return space;
}

static const char *
access_passcode(GHashTable *obj)
{
	const char *p = obj ? g_hash_table_lookup(obj, "passcode") : NULL;

	return p ? p : "";
}

int
meet_access_resolve(struct meet_store *st, const char *call_id, const char *passcode,
		    char **space_id, char **access_id)
{
	static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
	static const char *const by_id[] = { "callId", NULL };
	GPtrArray *hits;
	const char *given = passcode ? passcode : "";
	char *pick = NULL;
	int ret = -1;

	*space_id = NULL;
	*access_id = NULL;
	if (!call_id || !*call_id)
		return -1;
	hits = meet_store_find(st, colls, by_id, call_id);
	for (guint i = 0; !pick && i < hits->len; i++) {
		GHashTable *obj = meet_store_get(st, g_ptr_array_index(hits, i));
		/* Exact pair: the passcode (or its absence) chooses the object. */
		if (obj && !strcmp(access_passcode(obj), given))
			pick = g_strdup(g_ptr_array_index(hits, i));
		if (obj)
			g_hash_table_unref(obj);
	}
	if (!pick) {
		ret = hits->len ? 1 : -1;
		goto out;
	}
	*space_id = access_space_of(st, pick);
	if (!*space_id)
		goto out;
	if (strcmp(*space_id, pick))
		*access_id = g_strdup(pick);
	ret = 0;
out:
	g_free(pick);
	g_ptr_array_unref(hits);
	return ret;
}
