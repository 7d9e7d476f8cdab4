/*
 * api-ldap.c: POST /ldapSyncs queues a directory sync (ldap.c) and answers
 * at once with the new ldapSync's Location; GET and DELETE are the generic
 * collection's.  Loop thread.
 */
#include <string.h>

#include "common/plog.h"
#include "meet/api-internal.h"
#include "meet/meet-ldap.h"

static const char *const sync_params[] = { "ldapSource", "removeWhenFinished", NULL };

/* New ldapSyncs objects, one per source named (or every source); 0 or -1. */
static int
sync_create(struct req *r, const char *source, int remove, GPtrArray *made)
{
	struct meet_store *st = r->srv->store;
	GPtrArray *srcs = source ? NULL : meet_store_list(st, "ldapSources", NULL);
	int rc = meet_store_begin(st);

	for (guint i = 0; rc == 0 && i < (srcs ? srcs->len : 1); i++) {
		char *id = g_uuid_string_random();
		rc = meet_store_insert(st, "ldapSyncs", id, NULL) |
		     meet_store_set(st, id, "ldapSource", srcs ? g_ptr_array_index(srcs, i) : source) |
		     meet_store_set(st, id, "state", "notStarted") |
		     (remove ? meet_store_set(st, id, "removeWhenFinished", "true") : 0);
		g_ptr_array_add(made, id);
	}
	if (rc == 0)
		rc = meet_store_commit(st);
	if (rc != 0)
		meet_store_rollback(st);
	if (srcs)
		g_ptr_array_unref(srcs);
	return rc ? -1 : 0;
}

/* Users come only from syncs: no POST, PUT or DELETE over the API. */
void
api_ldap_users_refuse(struct req *r)
{
	api_reply_status(r, 405);
}

void
api_ldap_sync_post(struct req *r)
{
	const char *source = meet_form_get(&r->body, "ldapSource");
	const char *rm = meet_form_get(&r->body, "removeWhenFinished");
	GPtrArray *made = g_ptr_array_new_with_free_func(g_free);
	char *loc;

	if (api_names_check(r, &r->body, sync_params) < 0)
		goto out;
	if (rm && strcmp(rm, "true") && strcmp(rm, "false")) {
		api_reply_param(r, "removeWhenFinished", "invalidValue");
		goto out;
	}
	if (source && (!g_uuid_string_is_valid(source) ||
		       !meet_store_exists(r->srv->store, "ldapSources", source, NULL))) {
		api_reply_param(r, "ldapSource", "invalidValue");
		goto out;
	}
	if (!source && meet_store_count(r->srv->store, "ldapSources") == 0) {
		api_reply_fail(r, 400, "ldapSourceDoesNotExist");
		goto out;
	}
	if (sync_create(r, source, rm && !strcmp(rm, "true"), made) < 0) {
		api_reply_fail(r, 503, "databaseNotReady");
		goto out;
	}
	if (!r->srv->ldap)
		r->srv->ldap = meet_ldap_new(r->srv);
	for (guint i = 0; i < made->len; i++) {
		meet_event(PLOG_INFO, "API: queued ldapSync %s by %s", (char *)g_ptr_array_index(made, i),
			   r->client);
		meet_ldap_queue(r->srv->ldap, g_ptr_array_index(made, i));
	}
	loc = g_strdup_printf("/api/v1/ldapSyncs/%s", (char *)g_ptr_array_index(made, 0));
	api_reply_ok(r, loc);
	g_free(loc);
out:
	g_ptr_array_unref(made);
}
