/*
 * callbridge.c: calls and call legs, participant lists, the link to the
 * web bridge (link.h), the call bridge's life.  Loop thread only; owns its
 * tables (callbridge-internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/cdr.h"
#include "meet/link.h"

static void
leg_free(gpointer p)
{
	struct leg *l = p;

	g_free(l->id);
	g_free(l->session);
	g_free(l->call);
	g_free(l->jid);
	g_free(l->name);
	g_free(l);
}

static void
call_free(gpointer p)
{
	struct call *c = p;

	g_free(c->id);
	g_free(c->cospace);
	g_free(c->name);
	g_ptr_array_unref(c->legs);
	meet_chat_free(c->chat);
	g_free(c->speaker);
	g_free(c);
}

void
meet_cb__pending_free(gpointer p)
{
	struct pending *t = p;

	g_free(t->space);
	g_free(t->access);
	g_free(t->space_name);
	g_free(t->jid);
	g_free(t->name);
	g_free(t);
}

char *
meet_cb__token(void)
{
	guint8 b[18];

	/* A guest's token is a credential: the kernel's CSPRNG through GnuTLS,
	 * never GLib's Mersenne Twister (its output predicts the next). */
	if (gnutls_rnd(GNUTLS_RND_KEY, b, sizeof(b)) < 0)
		g_error("no random bytes for a guest token");
	/* URL-safe base64 without padding. */
	char *s = g_base64_encode(b, sizeof(b));
	for (char *p = s; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return s;
}

void
meet_cb__reply(struct meet_callbridge *cb, const char *type, GHashTable *msg)
{
	meet_link_send(cb->srv->link, MEET_LINK_CALLBRIDGE, type, msg);
}

/* ---- calls and legs ---------------------------------------------------- */

struct call *
meet_cb__call_for_space(struct meet_callbridge *cb, const char *space, const char *name)
{
	GHashTableIter it;
	gpointer v;
	struct call *c;

	g_hash_table_iter_init(&it, cb->calls);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (!g_strcmp0(((struct call *)v)->cospace, space))
			return v;
	c = g_new0(struct call, 1);
	c->id = g_uuid_string_random();
	c->number = ++cb->next_call;
	c->cospace = g_strdup(space);
	c->name = g_strdup(name);
	c->legs = g_ptr_array_new_with_free_func(g_free);
	c->started = g_get_monotonic_time();
	c->chat = meet_chat_new(MEET_CHAT_HISTORY);
	g_hash_table_insert(cb->calls, c->id, c);
	g_ptr_array_add(cb->call_order, g_strdup(c->id));
	meet_event(PLOG_INFO, "call %u: created for space \"%s\"", c->number, name ? name : space);
	meet_cdr_call(cb->srv->cdr, "callStart", c);
	return c;
}

static char *
participants_json(struct meet_callbridge *cb, struct call *c, const char *self)
{
	GString *s = g_string_new("[");

	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		char *name = g_strescape(l->name, NULL);
		g_string_append_printf(s, "%s{\"id\":\"%s\",\"name\":\"%s\",\"self\":%s,"
				       "\"muted\":%s,\"cameraOff\":%s}", i ? "," : "",
				       l->id, name, !strcmp(l->session, self) ? "true" : "false",
				       l->muted ? "true" : "false", l->camera_off ? "true" : "false");
		g_free(name);
	}
	g_string_append_c(s, ']');
	return g_string_free(s, FALSE);
}

static void
cb_broadcast(struct meet_callbridge *cb, struct call *c)
{
	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		GHashTable *m = meet_link_msg();
		char *list = participants_json(cb, c, l->session);
		meet_link_set(m, "session", l->session);
		meet_link_set(m, "call", c->id);
		meet_link_set(m, "spaceName", c->name);
		meet_link_set(m, "list", list);
		g_free(list);
		meet_cb__reply(cb, "participants", m);
	}
}

void
meet_cb__broadcast(struct meet_callbridge *cb, struct call *c)
{
	cb_broadcast(cb, c);
}

/* participantLimit of the space's callProfile, or 0 for none. */
static unsigned
cb_participant_limit(struct meet_callbridge *cb, const char *space)
{
	GHashTable *sp = meet_store_get(cb->srv->store, space), *prof = NULL;
	const char *cp = sp ? g_hash_table_lookup(sp, "callProfile") : NULL;
	unsigned limit = 0;

	if (cp && (prof = meet_store_get(cb->srv->store, cp)) &&
	    g_hash_table_lookup(prof, "participantLimit"))
		limit = (unsigned)g_ascii_strtoull(g_hash_table_lookup(prof, "participantLimit"), NULL, 10);
	if (prof)
		g_hash_table_unref(prof);
	if (sp)
		g_hash_table_unref(sp);
	return limit;
}

static void
cb_refuse(struct meet_callbridge *cb, const char *session, const char *reason)
{
	GHashTable *m = meet_link_msg();

	meet_link_set(m, "session", session);
	meet_link_set(m, "reason", reason);
	meet_cb__reply(cb, "disconnect", m);
}

/* The page's first message: its leg id and effective profile, with the
 * vendor's parameter names (docs/api.md, "The guest page's profile"). */
static void
cb_welcome(struct meet_callbridge *cb, struct leg *l)
{
	char *prof = meet_profile_json(&l->prof);
	char *msg = g_strdup_printf("{\"type\":\"welcome\",\"leg\":\"%s\",\"profile\":%s}", l->id, prof);

	meet_cb__send_page(cb, l, msg);
	g_free(msg);
	g_free(prof);
}

/* Activator legs of the call (needsActivation=false), but skip. */
static unsigned
cb_activators(struct meet_callbridge *cb, struct call *c, struct leg *skip)
{
	unsigned n = 0;

	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *o = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		n += o && o != skip && !o->prof.needsActivation;
	}
	return n;
}

void
meet_cb__leg_wait(struct meet_callbridge *cb, struct leg *l)
{
	meet_cb__media_leave(cb, l);
	l->waiting = 1;
	meet_event(PLOG_INFO, "call %u: %s waits for activation", l->call_number, l->jid);
	meet_cb__send_page(cb, l, "{\"type\":\"lobby\"}");
}

/* The leg joins the media; an activator lets the waiting legs in. */
void
meet_cb__leg_activate(struct meet_callbridge *cb, struct call *c, struct leg *l)
{
	if (l->waiting)
		meet_cb__send_page(cb, l, "{\"type\":\"admitted\"}");
	l->waiting = 0;
	if (!l->peer) {
		meet_cb__media_join(cb, c, l);
		meet_cb__media_gate(cb, l);
	}
	if (l->prof.needsActivation)
		return;
	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *o = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		if (o && o->waiting)
			meet_cb__leg_activate(cb, c, o);
	}
}

/* The last activator left: each leg that needs one follows its
 * deactivationMode. */
static void
cb_deactivate(struct meet_callbridge *cb, struct call *c)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < c->legs->len; i++)
		g_ptr_array_add(ids, g_strdup(g_ptr_array_index(c->legs, i)));
	for (guint i = 0; i < ids->len; i++) {
		struct leg *o = g_hash_table_lookup(cb->legs, g_ptr_array_index(ids, i));
		if (!o || o->waiting || !o->prof.needsActivation)
			continue;
		if (!strcmp(o->prof.deactivationMode, "disconnect"))
			meet_cb_leg_delete(cb, o->id);
		else if (strcmp(o->prof.deactivationMode, "remainActivated"))
			meet_cb__leg_wait(cb, o);
	}
	g_ptr_array_unref(ids);
}

static void
cb_on_join(struct meet_callbridge *cb, GHashTable *in)
{
	const char *session = meet_link_get(in, "session");
	struct pending *g = g_hash_table_lookup(cb->guests, session);
	struct call *c;
	struct leg *l;
	unsigned nlegs, limit;

	if (!g || g_hash_table_contains(cb->sessions, session)) {
		cb_refuse(cb, session, "invalidSession");
		return;
	}
	c = meet_cb__call_for_space(cb, g->space, g->space_name);
	if (c->locked) {
		meet_event(PLOG_WARN, "call %u: %s refused: the call is locked", c->number, g->jid);
		cb_refuse(cb, session, "callLocked");
		return;
	}
	limit = cb_participant_limit(cb, g->space);
	if (limit && c->legs->len >= limit) {
		meet_event(PLOG_WARN, "call %u: %s refused: participant limit %u reached", c->number, g->jid, limit);
		cb_refuse(cb, session, "participantLimitReached");
		if (c->legs->len == 0 && !c->active_when_empty)
			meet_cb_call_delete(cb, c->id);
		return;
	}
	l = g_new0(struct leg, 1);
	l->id = g_uuid_string_random();
	l->session = g_strdup(session);
	l->call = g_strdup(c->id);
	l->jid = g_strdup(g->jid);
	l->name = g_strdup(g->name);
	l->started = g_get_monotonic_time();
	meet_profile_leg(cb->srv->store, g->space, g->access, &l->prof);
	g_hash_table_insert(cb->legs, l->id, l);
	g_hash_table_insert(cb->sessions, l->session, l->id);
	g_ptr_array_add(c->legs, g_strdup(l->id));
	g_hash_table_remove(cb->guests, session);
	nlegs = g_hash_table_size(cb->legs);
	if (nlegs > cb->max_legs)
		cb->max_legs = nlegs;
	meet_event(PLOG_INFO, "instantiating user \"%s\"", l->jid);
	meet_event(PLOG_INFO, "new session created for user \"%s\"", l->jid);
	meet_event(PLOG_INFO, "call %u: allocated for %s \"Web client\" conference participation",
		   c->number, l->jid);
	l->call_number = c->number;
	meet_cdr_leg(cb->srv->cdr, "callLegStart", l, NULL);
	cb_welcome(cb, l);
	cb_broadcast(cb, c);
	{
		char *h = meet_chat_history_json(c->chat);
		meet_cb__send_page(cb, l, h);
		g_free(h);
		/* The SFU tells only changes: a new page learns the current one. */
		if (c->speaker) {
			h = g_strdup_printf("{\"type\":\"speaker\",\"id\":\"%s\"}", c->speaker);
			meet_cb__send_page(cb, l, h);
			g_free(h);
		}
	}
	if (l->prof.needsActivation && !cb_activators(cb, c, NULL))
		meet_cb__leg_wait(cb, l);
	else
		meet_cb__leg_activate(cb, c, l);
}

/* Removes a leg; ends its call when empty (unless activeWhenEmpty). */
void
meet_cb__leg_remove(struct meet_callbridge *cb, struct leg *l, const char *why)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);
	int activator = !l->prof.needsActivation;

	meet_event(PLOG_INFO, "call %u: %s left the conference (%s)", c ? c->number : 0, l->jid, why);
	meet_cdr_leg(cb->srv->cdr, "callLegEnd", l, why);
	meet_cb__media_leave(cb, l);
	g_hash_table_remove(cb->sessions, l->session);
	cb->completed++;
	if (c) {
		for (guint i = 0; i < c->legs->len; i++)
			if (!strcmp(g_ptr_array_index(c->legs, i), l->id)) {
				g_ptr_array_remove_index(c->legs, i);
				break;
			}
	}
	g_hash_table_remove(cb->legs, l->id);
	if (!c)
		return;
	if (c->legs->len == 0 && !c->active_when_empty) {
		meet_cb_call_delete(cb, c->id);
		return;
	}
	cb_broadcast(cb, c);
	if (activator && !cb_activators(cb, c, NULL))
		cb_deactivate(cb, c);
}

static void
cb_on_leave(struct meet_callbridge *cb, GHashTable *in)
{
	const char *id = g_hash_table_lookup(cb->sessions, meet_link_get(in, "session"));
	struct leg *l = id ? g_hash_table_lookup(cb->legs, id) : NULL;

	if (l)
		meet_cb__leg_remove(cb, l, "web client closed");
}

static void
cb_recv(void *ctx, const char *type, GHashTable *msg)
{
	static const struct {
		const char *type;
		void (*fn)(struct meet_callbridge *, GHashTable *);
	} handlers[] = {
		{ "resolve", meet_cb__on_resolve },
		{ "login", meet_cb__on_login },
		{ "join", cb_on_join },
		{ "leave", cb_on_leave },
		{ "signal", meet_cb__on_signal },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(handlers); i++)
		if (!strcmp(type, handlers[i].type)) {
			handlers[i].fn(ctx, msg);
			return;
		}
	plog(PLOG_WARN, "meet", "call bridge: unknown link message \"%s\" ignored", type);
}

/* The web bridge link went down: its guests are gone with it. */
static void
cb_link_state(void *ctx, int up)
{
	struct meet_callbridge *cb = ctx;
	GPtrArray *ids;

	if (up)
		return;
	ids = meet_cb_leg_ids(cb, NULL, NULL);
	for (guint i = 0; i < ids->len; i++) {
		struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(ids, i));
		if (l)
			meet_cb__leg_remove(cb, l, "web bridge link lost");
	}
	g_ptr_array_unref(ids);
	g_hash_table_remove_all(cb->tokens);
	g_hash_table_remove_all(cb->guests);
}

struct meet_callbridge *
meet_cb_new(struct meet_server *srv)
{
	struct meet_callbridge *cb = g_new0(struct meet_callbridge, 1);

	cb->srv = srv;
	cb->calls = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, call_free);
	cb->legs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, leg_free);
	cb->sessions = g_hash_table_new(g_str_hash, g_str_equal);
	cb->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, meet_cb__pending_free);
	cb->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, meet_cb__pending_free);
	cb->call_order = g_ptr_array_new_with_free_func(g_free);
	cb->peers = g_hash_table_new(g_direct_hash, g_direct_equal);
	{
		struct media_config mc = {
			.workers = (unsigned)srv->cfg.media_workers,
			.host_candidates = srv->cfg.media_host_candidates,
			.relay_timeout_ms = (unsigned)srv->cfg.media_relay_timeout,
			.ice_timeout_ms = (unsigned)srv->cfg.media_ice_timeout,
			.port_min = (unsigned)srv->cfg.media_port_min,
			.port_max = (unsigned)srv->cfg.media_port_max,
		};
		const char *err = NULL;
		char **addrs = g_strsplit(srv->cfg.media_addresses ? srv->cfg.media_addresses : "", ",", -1);
		for (char **a = addrs; *a && mc.naddresses < MEDIA_MAX_ADDRESSES; a++)
			if (*g_strstrip(*a))
				g_strlcpy(mc.addresses[mc.naddresses++], *a, sizeof(mc.addresses[0]));
		g_strfreev(addrs);
		cb->media = media_engine_new(&mc, meet_cb__media_event, cb, &err);
		if (!cb->media)
			meet_event(PLOG_ERROR, "media engine failed to start: %s; calls will have no media", err);
	}
	meet_link_attach(srv->link, MEET_LINK_CALLBRIDGE, cb_recv, cb_link_state, cb);
	return cb;
}

void
meet_cb_free(struct meet_callbridge *cb)
{
	if (!cb)
		return;
	media_engine_free(cb->media);
	g_hash_table_unref(cb->peers);
	g_hash_table_unref(cb->sessions);
	g_hash_table_unref(cb->legs);
	g_hash_table_unref(cb->calls);
	g_hash_table_unref(cb->tokens);
	g_hash_table_unref(cb->guests);
	g_ptr_array_unref(cb->call_order);
	g_free(cb);
}
