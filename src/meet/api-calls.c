/*
 * api-calls.c: calls and callLegs, the live objects of the call bridge
 * (callbridge.h): lists with paging, get, delete, POST /calls.  Loop thread.
 */
#include <string.h>

#include "meet/api-internal.h"
#include "meet/callbridge.h"

static void
list_ids(struct req *r, const char *root_name, const char *elem, GPtrArray *ids,
	 int (*render)(struct meet_callbridge *, const char *, struct meet_node *, int))
{
	struct meet_node *root = meet_node_new(root_name);
	long offset, limit;
	char buf[32];

	if (api_paging(r, &offset, &limit) < 0) {
		meet_node_free(root);
		return;
	}
	meet_node_list(root, elem);
	for (long i = offset; i < (long)ids->len && i < offset + limit; i++)
		render(r->srv->cb, g_ptr_array_index(ids, i), root, 0);
	g_snprintf(buf, sizeof(buf), "%u", ids->len);
	meet_node_attr(root, "total", buf);
	api_reply_node(r, 200, root);
}

void
api_calls_list(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", "coSpaceFilter", "tenantFilter", NULL };
	const char *cs;
	GPtrArray *ids;

	if (api_query_check(r, allowed) < 0)
		return;
	cs = meet_form_get(&r->query, "coSpaceFilter");
	if (cs && !g_uuid_string_is_valid(cs)) {
		api_reply_param(r, "coSpaceFilter", "invalidValue");
		return;
	}
	ids = meet_cb_call_ids(r->srv->cb, cs);
	list_ids(r, "calls", "call", ids, meet_cb_call_render);
	g_ptr_array_unref(ids);
}

void
api_calls_create(struct req *r)
{
	const char *cs = meet_form_get(&r->body, "coSpace"), *name = meet_form_get(&r->body, "name");
	const char *reason = NULL;
	char *id, *loc;

	for (unsigned i = 0; i < r->body.n; i++)
		if (strcmp(r->body.f[i].name, "coSpace") && strcmp(r->body.f[i].name, "name")) {
			api_reply_param(r, r->body.f[i].name, "unrecognizedParameter");
			return;
		}
	if ((!cs || !*cs) && (!name || !*name)) {
		api_reply_param(r, "coSpace", "required");
		return;
	}
	if (cs && !g_uuid_string_is_valid(cs)) {
		api_reply_param(r, "coSpace", "invalidValue");
		return;
	}
	if (name && strlen(name) > 200) {
		api_reply_param(r, "name", "valueTooLong");
		return;
	}
	if (!(id = meet_cb_call_create(r->srv->cb, cs && *cs ? cs : NULL, name, &reason))) {
		api_reply_fail(r, 400, reason);
		return;
	}
	loc = g_strdup_printf("/api/v1/calls/%s", id);
	api_reply_ok(r, loc);
	g_free(loc);
	g_free(id);
}

/* GET and DELETE of a live object of the call bridge (a call or a leg):
 * 404 with the vendor's reason when the id is unknown. */
typedef int (*cb_render_fn)(struct meet_callbridge *cb, const char *id, struct meet_node *parent,
			    int full);

static void
reply_live_object(struct req *r, cb_render_fn render, const char *missing)
{
	struct meet_node *wrap = meet_node_new("wrap");

	if (render(r->srv->cb, r->segs[1], wrap, 1) < 0)
		api_reply_fail(r, 404, missing);
	else
		api_reply_node(r, 200, meet_node_detach(wrap));
	meet_node_free(wrap);
}

static void
reply_live_delete(struct req *r, int rc, const char *missing)
{
	if (rc < 0)
		api_reply_fail(r, 404, missing);
	else
		api_reply_ok(r, NULL);
}

void
api_calls_get(struct req *r)
{
	reply_live_object(r, meet_cb_call_render, "callDoesNotExist");
}

void
api_calls_delete(struct req *r)
{
	reply_live_delete(r, meet_cb_call_delete(r->srv->cb, r->segs[1]), "callDoesNotExist");
}

void
api_calls_legs(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", "filter", NULL };
	GPtrArray *ids;

	if (api_query_check(r, allowed) < 0)
		return;
	if (r->nsegs == 3) {
		GPtrArray *calls = meet_cb_call_ids(r->srv->cb, NULL);
		int found = 0;
		for (guint i = 0; i < calls->len; i++)
			found |= !strcmp(g_ptr_array_index(calls, i), r->segs[1]);
		g_ptr_array_unref(calls);
		if (!found) {
			api_reply_fail(r, 404, "callDoesNotExist");
			return;
		}
	}
	ids = meet_cb_leg_ids(r->srv->cb, r->nsegs == 3 ? r->segs[1] : NULL,
			      meet_form_get(&r->query, "filter"));
	list_ids(r, "callLegs", "callLeg", ids, meet_cb_leg_render);
	g_ptr_array_unref(ids);
}

void
api_calls_leg_get(struct req *r)
{
	reply_live_object(r, meet_cb_leg_render, "callLegDoesNotExist");
}

void
api_calls_leg_delete(struct req *r)
{
	reply_live_delete(r, meet_cb_leg_delete(r->srv->cb, r->segs[1]), "callLegDoesNotExist");
}

/* ---- system --------------------------------------------------------------- */
