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
api_calls_participants(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", "filter", NULL };
	GPtrArray *ids;

	if (api_query_check(r, allowed) < 0)
		return;
	if (r->nsegs == 3 && meet_cb_call_render(r->srv->cb, r->segs[1], NULL, -1) < 0) {
		api_reply_fail(r, 404, "callDoesNotExist");
		return;
	}
	ids = meet_cb_leg_ids(r->srv->cb, r->nsegs == 3 ? r->segs[1] : NULL,
			      meet_form_get(&r->query, "filter"));
	list_ids(r, "participants", "participant", ids, meet_cb_participant_render);
	g_ptr_array_unref(ids);
}

void
api_calls_participant_get(struct req *r)
{
	reply_live_object(r, meet_cb_participant_render, "participantDoesNotExist");
}

void
api_calls_participant_legs(struct req *r)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	if (meet_cb_participant_render(r->srv->cb, r->segs[1], NULL, -1) < 0) {
		api_reply_fail(r, 404, "participantDoesNotExist");
		g_ptr_array_unref(ids);
		return;
	}
	g_ptr_array_add(ids, g_strdup(r->segs[1]));
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

/* ---- PUT: live changes ---------------------------------------------------- */

/* Every body parameter is one of names and valid (bool, or a layout for
 * chosenLayout); else a 400 parameterError and nothing changes. */
static int
live_check(struct req *r, const char *const *names)
{
	const struct meet_field *layout = meet_schema_field(meet_schema_find("coSpaces"), "defaultLayout");
	const char *err;

	for (unsigned i = 0; i < r->body.n; i++) {
		const char *n = r->body.f[i].name, *v = r->body.f[i].value;
		int known = 0;
		for (const char *const *k = names; *k; k++)
			known |= !strcmp(*k, n);
		if (!known) {
			api_reply_param(r, n, "unrecognised");
			return -1;
		}
		if (!strcmp(n, "chosenLayout") ? meet_schema_check(layout, v, &err) < 0
					       : strcmp(v, "true") && strcmp(v, "false")) {
			api_reply_param(r, n, "invalidValue");
			return -1;
		}
	}
	return 0;
}

typedef int (*live_set_fn)(struct meet_callbridge *cb, const char *id, const char *name,
			   const char *value);

static void
live_put(struct req *r, const char *const *names, live_set_fn set, const char *missing)
{
	if (live_check(r, names) < 0)
		return;
	if (set(r->srv->cb, r->segs[1], "", "") < 0) {
		api_reply_fail(r, 404, missing);
		return;
	}
	for (unsigned i = 0; i < r->body.n; i++)
		set(r->srv->cb, r->segs[1], r->body.f[i].name, r->body.f[i].value);
	api_reply_ok(r, NULL);
}

static const char *const leg_params[] = { "rxAudioMute", "rxVideoMute", "txAudioMute",
	"needsActivation", "chosenLayout", NULL };

void
api_calls_put(struct req *r)
{
	static const char *const names[] = { "locked", NULL };

	live_put(r, names, meet_cb_call_set, "callDoesNotExist");
}

void
api_calls_participants_put(struct req *r)
{
	if (strcmp(r->segs[3], "*")) {
		api_reply_fail(r, 400, "invalidOperation");
		return;
	}
	live_put(r, leg_params, meet_cb_call_legs_set, "callDoesNotExist");
}

void
api_calls_participants_post(struct req *r)
{
	/* Adding a participant dials out; portico has no dial-out. */
	api_reply_param(r, "remoteParty", "unsupported");
}

void
api_calls_leg_put(struct req *r)
{
	live_put(r, leg_params, meet_cb_leg_set, "callLegDoesNotExist");
}

/* ---- system --------------------------------------------------------------- */
