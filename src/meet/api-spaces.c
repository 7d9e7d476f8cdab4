/*
 * api-spaces.c: what a space looks like from outside: meetingEntryDetail
 * (its full URI and call ID) and accessQuery (uri or call ID -> the space
 * and its guest link).  Loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include "meet/api-internal.h"


/* The first domain whose inbound rule resolves to spaces (highest
 * priority), or NULL.  New string. */
static char *
space_domain(struct meet_server *srv, const char *want)
{
	GPtrArray *rules = meet_store_list(srv->store, "inboundDialPlanRules", NULL);
	char *best = NULL;
	long best_prio = -1;

	for (guint i = 0; i < rules->len; i++) {
		GHashTable *p = meet_store_get(srv->store, g_ptr_array_index(rules, i));
		const char *d = g_hash_table_lookup(p, "domain");
		const char *res = g_hash_table_lookup(p, "resolveTocoSpaces");
		const char *prio = g_hash_table_lookup(p, "priority");
		long pr = prio ? atol(prio) : 0;
		if (d && res && !strcmp(res, "true") && (!want || !g_ascii_strcasecmp(want, d)) &&
		    pr > best_prio) {
			g_free(best);
			best = g_strdup(d);
			best_prio = pr;
		}
		g_hash_table_unref(p);
	}
	g_ptr_array_unref(rules);
	return best;
}

void
api_spaces_entry_detail(struct req *r)
{
	GHashTable *p;
	struct meet_node *n;
	char *dom, *uri;

	if (!api_top_obj(r))
		return;
	p = meet_store_get(r->srv->store, r->segs[1]);
	n = meet_node_new("meetingEntryDetail");
	dom = space_domain(r->srv, NULL);
	if (g_hash_table_lookup(p, "uri")) {
		uri = dom ? g_strdup_printf("%s@%s", (char *)g_hash_table_lookup(p, "uri"), dom)
			  : g_strdup(g_hash_table_lookup(p, "uri"));
		meet_node_text(n, "uri", uri);
		g_free(uri);
	}
	if (g_hash_table_lookup(p, "callId"))
		meet_node_text(n, "callId", g_hash_table_lookup(p, "callId"));
	g_free(dom);
	g_hash_table_unref(p);
	api_reply_node(r, 200, n);
}

/* accessQuery: uri (user or user@domain, domain resolving to spaces) and/or
 * callId -> the space and its guest link. */
static char *
access_lookup(struct req *r, const char *uri, const char *call_id)
{
	static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
	static const char *const uris[] = { "uri", "secondaryUri", NULL };
	static const char *const cids[] = { "callId", NULL };
	char *user = NULL, *found = NULL;
	GPtrArray *hits;

	if (uri && *uri) {
		const char *at = strchr(uri, '@');
		if (at) {
			char *dom = space_domain(r->srv, at + 1);
			if (!dom)
				return NULL;
			g_free(dom);
			user = g_strndup(uri, (gsize)(at - uri));
		} else {
			user = g_strdup(uri);
		}
		hits = meet_store_find(r->srv->store, colls, uris, user);
	} else {
		hits = meet_store_find(r->srv->store, colls, cids, call_id);
	}
	if (hits->len)
		found = g_strdup(g_ptr_array_index(hits, 0));
	g_ptr_array_unref(hits);
	g_free(user);
	return found;
}

void
api_spaces_access_query(struct req *r)
{
	const char *uri = meet_form_get(&r->body, "uri"), *cid = meet_form_get(&r->body, "callId");
	static const char *const known[] = { "uri", "callId", "tenant", NULL };
	struct meet_node *n;
	GHashTable *p;
	char *id, *dom;

	for (unsigned i = 0; i < r->body.n; i++) {
		const char *const *k = known;
		while (*k && strcmp(*k, r->body.f[i].name))
			k++;
		if (!*k) {
			api_reply_param(r, r->body.f[i].name, "unrecognizedParameter");
			return;
		}
	}
	if ((!uri || !*uri) && (!cid || !*cid)) {
		api_reply_param(r, "uri", "required");
		return;
	}
	if (!(id = access_lookup(r, uri, cid))) {
		api_reply_fail(r, 404, "coSpaceDoesNotExist");
		return;
	}
	p = meet_store_get(r->srv->store, id);
	n = meet_node_new("accessQuery");
	dom = space_domain(r->srv, NULL);
	if (g_hash_table_lookup(p, "uri")) {
		char *full = g_strdup_printf("%s%s%s", (char *)g_hash_table_lookup(p, "uri"),
					     dom ? "@" : "", dom ? dom : "");
		meet_node_text(n, "uri", full);
		g_free(full);
	}
	if (g_hash_table_lookup(p, "callId"))
		meet_node_text(n, "callId", g_hash_table_lookup(p, "callId"));
	if (r->srv->cfg.web_url && g_hash_table_lookup(p, "callId")) {
		char *web = g_strdup_printf("%s/invited.sf?id=%s&secret=%s", r->srv->cfg.web_url,
					    (char *)g_hash_table_lookup(p, "callId"),
					    (char *)g_hash_table_lookup(p, "secret"));
		meet_node_text(n, "webAddress", web);
		g_free(web);
	}
	g_free(dom);
	g_free(id);
	g_hash_table_unref(p);
	api_reply_node(r, 200, n);
}

/* ---- calls and callLegs -------------------------------------------------- */
