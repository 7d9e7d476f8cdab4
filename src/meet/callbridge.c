/*
 * callbridge.c: guest resolution (call ID, passcode, secret), guest
 * accounts, calls and call legs, participant lists.  Talks to the web
 * bridge only through link.h.  Loop thread only; owns its tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "media/media.h"
#include "meet/callbridge.h"
#include "meet/link.h"

#define TOKEN_USEC (10 * 60 * G_USEC_PER_SEC)
#define MAX_PENDING 4096

struct leg {
	char *id;                   /* GUID, the API's callLeg id */
	char *session;              /* web bridge session, secret to the guest */
	char *call;                 /* call id */
	char *jid, *name;
	gint64 started;
	uint32_t peer;              /* media engine peer id, 0 = no media */
	unsigned call_number;
	struct media_stats st;      /* last MEDIA_EV_STATS */
	int media_state;            /* 0 setting up, 1 connected, -1 failed */
};

struct call {
	char *id;
	unsigned number;            /* "call 6" in the event log */
	char *cospace, *name;
	GPtrArray *legs;            /* leg ids */
	int active_when_empty;
	gint64 started;
};

/* A resolved space awaiting a display name, or a logged-in guest awaiting
 * its WebSocket: keyed by a random token or session. */
struct pending {
	char *space, *space_name, *jid, *name;
	gint64 expires;
};

struct meet_callbridge {
	struct meet_server *srv;
	GHashTable *calls;          /* id -> struct call */
	GHashTable *legs;           /* id -> struct leg */
	GHashTable *sessions;       /* session -> leg id (weak) */
	GHashTable *tokens;         /* token -> struct pending */
	GHashTable *guests;         /* session -> struct pending (logged in, not joined) */
	GPtrArray *call_order;      /* call ids, creation order */
	unsigned next_call, requests;
	unsigned max_legs, completed;
	struct media_engine *media; /* NULL when the engine could not start */
	GHashTable *peers;          /* media peer id -> leg id (weak) */
	uint32_t next_peer;
};

static void cb_media_event(void *ctx, const struct media_event *ev);
static void cb_media_join(struct meet_callbridge *cb, struct call *c, struct leg *l);
static void cb_media_leave(struct meet_callbridge *cb, struct leg *l);
static void cb_on_signal(struct meet_callbridge *cb, GHashTable *in);

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
	g_free(c);
}

static void
pending_free(gpointer p)
{
	struct pending *t = p;

	g_free(t->space);
	g_free(t->space_name);
	g_free(t->jid);
	g_free(t->name);
	g_free(t);
}

static char *
random_token(void)
{
	guint8 b[18];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (guint8)g_random_int_range(0, 256);
	/* URL-safe base64 without padding. */
	char *s = g_base64_encode(b, sizeof(b));
	for (char *p = s; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return s;
}

static void
cb_reply(struct meet_callbridge *cb, const char *type, GHashTable *msg)
{
	meet_link_send(cb->srv->link, MEET_LINK_CALLBRIDGE, type, msg);
}

/* ---- resolution ------------------------------------------------------ */

/* Space and required passcode for a call ID, or a secret.  Access
 * methods carry their own passcode.  Returns the coSpace id or NULL. */
static char *
cb_find_space(struct meet_callbridge *cb, const char *call_id, const char *secret,
	      char **passcode)
{
	static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
	static const char *const by_id[] = { "callId", NULL };
	static const char *const by_secret[] = { "secret", NULL };
	GPtrArray *hits;
	GHashTable *obj = NULL;
	char *space = NULL;

	*passcode = NULL;
	if (*secret)
		hits = meet_store_find(cb->srv->store, colls, by_secret, secret);
	else
		hits = meet_store_find(cb->srv->store, colls, by_id, call_id);
	if (hits->len == 0)
		goto out;
	obj = meet_store_get(cb->srv->store, g_ptr_array_index(hits, 0));
	if (!obj)
		goto out;
	/* A secret must come with the call ID it belongs to, if one is given. */
	if (*secret && *call_id && g_strcmp0(g_hash_table_lookup(obj, "callId"), call_id))
		goto out;
	*passcode = g_strdup(g_hash_table_lookup(obj, "passcode"));
	space = g_strdup(g_ptr_array_index(hits, 0));
	if (!meet_store_exists(cb->srv->store, "coSpaces", space, NULL)) {
		/* An access method: its parent is the space. */
		GPtrArray *p = meet_store_list(cb->srv->store, "coSpaces", NULL);
		for (guint i = 0; i < p->len; i++)
			if (meet_store_exists(cb->srv->store, "accessMethods", space,
					      g_ptr_array_index(p, i))) {
				g_free(space);
				space = g_strdup(g_ptr_array_index(p, i));
				break;
			}
		g_ptr_array_unref(p);
	}
out:
	if (obj)
		g_hash_table_unref(obj);
	g_ptr_array_unref(hits);
	return space;
}

static const char *
cb_check_passcode(const char *want, const char *given, const char *secret)
{
	if (*secret || !want || !*want)
		return "ok";            /* invitation links carry the secret instead */
	if (!*given)
		return "passcodeRequired";
	/* Lengths may differ; compare without early exit anyway. */
	size_t n = strlen(want), m = strlen(given);
	unsigned d = (unsigned)(n ^ m);
	for (size_t i = 0; i < m; i++)
		d |= (unsigned char)given[i] ^ (unsigned char)want[i % n];
	return d ? "badPasscode" : "ok";
}

static void
cb_on_resolve(struct meet_callbridge *cb, GHashTable *in)
{
	const char *client = meet_link_get(in, "client");
	const char *call_id = meet_link_get(in, "callId"), *secret = meet_link_get(in, "secret");
	GHashTable *out = meet_link_msg();
	char *passcode = NULL, *space = NULL;
	const char *status;
	unsigned rq = ++cb->requests;

	meet_link_set(out, "req", meet_link_get(in, "req"));
	meet_event(PLOG_INFO, "web bridge link %u: new guest login request %u received",
		   meet_link_number(cb->srv->link), rq);
	if (meet_limit_blocked(cb->srv->guest_limit, client)) {
		status = "rateLimited";
		meet_event(PLOG_WARN, "guest login request %u: refused, too many failed attempts from %s",
			   rq, client);
		goto reply;
	}
	meet_event(PLOG_INFO, "guest login request %u: %s resolution scheduled", rq,
		   *secret ? "secret" : "passcode");
	meet_event(PLOG_INFO, "guest login request %u: resolution in progress", rq);
	space = cb_find_space(cb, call_id, secret, &passcode);
	status = space ? cb_check_passcode(passcode, meet_link_get(in, "passcode"), secret) : "notFound";
	if (strcmp(status, "ok")) {
		if (strcmp(status, "passcodeRequired"))
			meet_limit_fail(cb->srv->guest_limit, client);
		meet_event(PLOG_INFO, "guest login request %u: resolution failed (%s) from %s", rq,
			   status, client);
		goto reply;
	}
	GHashTable *obj = meet_store_get(cb->srv->store, space);
	struct pending *t = g_new0(struct pending, 1);
	char *token = random_token();
	t->space = g_strdup(space);
	t->space_name = g_strdup(obj ? g_hash_table_lookup(obj, "name") : NULL);
	t->expires = g_get_monotonic_time() + TOKEN_USEC;
	if (g_hash_table_size(cb->tokens) >= MAX_PENDING)
		g_hash_table_remove_all(cb->tokens);
	g_hash_table_replace(cb->tokens, token, t);
	meet_link_set(out, "token", token);
	meet_link_set(out, "spaceName", t->space_name ? t->space_name : "");
	meet_event(PLOG_INFO, "guest login request %u: resolved to space \"%s\"", rq,
		   t->space_name ? t->space_name : space);
	if (obj)
		g_hash_table_unref(obj);
reply:
	meet_link_set(out, "status", status);
	cb_reply(cb, "resolved", out);
	g_free(space);
	g_free(passcode);
}

/* ---- guest accounts ---------------------------------------------------- */

static void
cb_on_login(struct meet_callbridge *cb, GHashTable *in)
{
	struct pending *t = g_hash_table_lookup(cb->tokens, meet_link_get(in, "token"));
	GHashTable *out = meet_link_msg();
	unsigned rq = ++cb->requests;
	char *jid = NULL, *session = NULL;

	meet_link_set(out, "req", meet_link_get(in, "req"));
	meet_event(PLOG_INFO, "web bridge link %u: new guest login request %u received",
		   meet_link_number(cb->srv->link), rq);
	if (!t || t->expires < g_get_monotonic_time()) {
		meet_link_set(out, "status", "expired");
		goto reply;
	}
	meet_event(PLOG_INFO, "guest login request %u: credential storage scheduled (queue length: 1)", rq);
	jid = g_strdup_printf("guest%u@%s", g_random_int_range(1000000000, G_MAXINT32),
			      cb->srv->cfg.guest_jid_domain);
	if (meet_store_begin(cb->srv->store) < 0 ||
	    meet_store_guest_put(cb->srv->store, jid, meet_link_get(in, "name"), t->space) < 0 ||
	    meet_store_commit(cb->srv->store) < 0) {
		meet_store_rollback(cb->srv->store);
		meet_event(PLOG_ERROR, "guest login request %u: credential storage failed", rq);
		meet_link_set(out, "status", "error");
		goto reply;
	}
	meet_event(PLOG_INFO, "created guest account with user ID \"%s\"", jid);
	meet_event(PLOG_INFO, "guest login request %u: successfully stored credentials", rq);
	session = random_token();
	struct pending *g = g_new0(struct pending, 1);
	g->space = g_strdup(t->space);
	g->space_name = g_strdup(t->space_name);
	g->jid = g_strdup(jid);
	g->name = g_strdup(meet_link_get(in, "name"));
	g->expires = g_get_monotonic_time() + TOKEN_USEC;
	if (g_hash_table_size(cb->guests) >= MAX_PENDING)
		g_hash_table_remove_all(cb->guests);
	g_hash_table_replace(cb->guests, g_strdup(session), g);
	g_hash_table_remove(cb->tokens, meet_link_get(in, "token"));
	meet_link_set(out, "status", "ok");
	meet_link_set(out, "jid", jid);
	meet_link_set(out, "session", session);
	meet_link_set(out, "spaceName", g->space_name);
	meet_event(PLOG_INFO, "successful login request from %s", jid);
reply:
	cb_reply(cb, "loggedIn", out);
	g_free(jid);
	g_free(session);
}

/* ---- calls and legs ---------------------------------------------------- */

static struct call *
cb_call_for_space(struct meet_callbridge *cb, const char *space, const char *name)
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
	g_hash_table_insert(cb->calls, c->id, c);
	g_ptr_array_add(cb->call_order, g_strdup(c->id));
	meet_event(PLOG_INFO, "call %u: created for space \"%s\"", c->number, name ? name : space);
	return c;
}

static char *
participants_json(struct meet_callbridge *cb, struct call *c, const char *self)
{
	GString *s = g_string_new("[");

	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		char *name = g_strescape(l->name, NULL);
		g_string_append_printf(s, "%s{\"id\":\"%s\",\"name\":\"%s\",\"self\":%s}", i ? "," : "",
				       l->id, name, !strcmp(l->session, self) ? "true" : "false");
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
		cb_reply(cb, "participants", m);
	}
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
	cb_reply(cb, "disconnect", m);
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
	c = cb_call_for_space(cb, g->space, g->space_name);
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
	cb_broadcast(cb, c);
	cb_media_join(cb, c, l);
}

/* Removes a leg; ends its call when empty (unless activeWhenEmpty). */
static void
cb_leg_remove(struct meet_callbridge *cb, struct leg *l, const char *why)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);

	meet_event(PLOG_INFO, "call %u: %s left the conference (%s)", c ? c->number : 0, l->jid, why);
	cb_media_leave(cb, l);
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
	if (c->legs->len == 0 && !c->active_when_empty)
		meet_cb_call_delete(cb, c->id);
	else
		cb_broadcast(cb, c);
}

static void
cb_on_leave(struct meet_callbridge *cb, GHashTable *in)
{
	const char *id = g_hash_table_lookup(cb->sessions, meet_link_get(in, "session"));
	struct leg *l = id ? g_hash_table_lookup(cb->legs, id) : NULL;

	if (l)
		cb_leg_remove(cb, l, "web client closed");
}

static void
cb_recv(void *ctx, const char *type, GHashTable *msg)
{
	static const struct {
		const char *type;
		void (*fn)(struct meet_callbridge *, GHashTable *);
	} handlers[] = {
		{ "resolve", cb_on_resolve },
		{ "login", cb_on_login },
		{ "join", cb_on_join },
		{ "leave", cb_on_leave },
		{ "signal", cb_on_signal },
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
			cb_leg_remove(cb, l, "web bridge link lost");
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
	cb->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pending_free);
	cb->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pending_free);
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
		cb->media = media_engine_new(&mc, cb_media_event, cb, &err);
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

/* ---- REST API side ------------------------------------------------------ */

GPtrArray *
meet_cb_call_ids(struct meet_callbridge *cb, const char *cospace)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < cb->call_order->len; i++) {
		struct call *c = g_hash_table_lookup(cb->calls, g_ptr_array_index(cb->call_order, i));
		if (c && (!cospace || !g_strcmp0(c->cospace, cospace)))
			g_ptr_array_add(out, g_strdup(c->id));
	}
	return out;
}

static void
text_uint(struct meet_node *n, const char *name, gint64 v)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, v);
	meet_node_text(n, name, buf);
}

int
meet_cb_call_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent, int full)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);
	struct meet_node *n;

	if (!c)
		return -1;
	n = meet_node_add(parent, "call");
	meet_node_attr(n, "id", c->id);
	meet_node_text(n, "name", c->name);
	if (c->cospace)
		meet_node_text(n, "coSpace", c->cospace);
	text_uint(n, "callCorrelator", c->number);
	if (!full)
		return 0;
	meet_node_text(n, "callType", "coSpace");
	text_uint(n, "durationSeconds", (g_get_monotonic_time() - c->started) / G_USEC_PER_SEC);
	text_uint(n, "numCallLegs", c->legs->len);
	text_uint(n, "numParticipantsLocal", c->legs->len);
	meet_node_text(n, "activeWhenEmpty", c->active_when_empty ? "true" : "false");
	return 0;
}

static int
leg_matches(struct leg *l, const char *filter)
{
	char *f, *a, *b;
	int hit;

	if (!filter || !*filter)
		return 1;
	f = g_utf8_casefold(filter, -1);
	a = g_utf8_casefold(l->name, -1);
	b = g_utf8_casefold(l->jid, -1);
	hit = strstr(a, f) || strstr(b, f);
	g_free(f);
	g_free(a);
	g_free(b);
	return hit;
}

GPtrArray *
meet_cb_leg_ids(struct meet_callbridge *cb, const char *call, const char *filter)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < cb->call_order->len; i++) {
		struct call *c = g_hash_table_lookup(cb->calls, g_ptr_array_index(cb->call_order, i));
		if (!c || (call && strcmp(call, c->id)))
			continue;
		for (guint j = 0; j < c->legs->len; j++) {
			struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, j));
			if (l && leg_matches(l, filter))
				g_ptr_array_add(out, g_strdup(l->id));
		}
	}
	return out;
}

static void
text_double(struct meet_node *n, const char *name, double v)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%.1f", v);
	meet_node_text(n, name, buf);
}

/* The vendor's rxAudio/txAudio/rxVideo/txVideo elements. */
static void
leg_dir_render(struct meet_node *st, const char *name, const struct media_dir_stats *d, int video)
{
	struct meet_node *n;

	if (!*d->codec)
		return;
	n = meet_node_add(st, name);
	meet_node_text(n, "codec", d->codec);
	if (video && d->width && d->height) {
		text_uint(n, "width", d->width);
		text_uint(n, "height", d->height);
	}
	if (video)
		text_double(n, "frameRate", d->frame_rate);
	text_uint(n, "bitRate", d->bitrate);
	text_double(n, "packetLossPercentage", d->loss_percent);
	text_double(n, "jitter", d->jitter_ms);
}

int
meet_cb_leg_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent, int full)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	struct meet_node *n, *st;

	if (!l)
		return -1;
	n = meet_node_add(parent, "callLeg");
	meet_node_attr(n, "id", l->id);
	meet_node_text(n, "name", l->name);
	meet_node_text(n, "remoteParty", l->jid);
	meet_node_text(n, "call", l->call);
	if (!full)
		return 0;
	meet_node_text(n, "type", "acano");
	meet_node_text(n, "subType", "webApp");
	meet_node_text(n, "direction", "incoming");
	st = meet_node_add(n, "status");
	meet_node_text(st, "state", l->media_state < 0 ? "failed" : l->media_state ? "connected"
										 : "initial");
	text_uint(st, "durationSeconds", (g_get_monotonic_time() - l->started) / G_USEC_PER_SEC);
	meet_node_text(st, "encryptedMedia", l->st.encrypted ? "true" : "false");
	if (*l->st.srtp_profile)
		meet_node_text(st, "srtpProfile", l->st.srtp_profile);
	/* rx = what the guest sends us; tx = what we forward to the guest. */
	leg_dir_render(st, "rxAudio", &l->st.rx_audio, 0);
	leg_dir_render(st, "txAudio", &l->st.tx_audio, 0);
	leg_dir_render(st, "rxVideo", &l->st.rx_video, 1);
	leg_dir_render(st, "txVideo", &l->st.tx_video, 1);
	return 0;
}

int
meet_cb_leg_delete(struct meet_callbridge *cb, const char *id)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	GHashTable *m;

	if (!l)
		return -1;
	m = meet_link_msg();
	meet_link_set(m, "session", l->session);
	meet_link_set(m, "reason", "disconnected");
	cb_reply(cb, "disconnect", m);
	cb_leg_remove(cb, l, "disconnected through the API");
	return 0;
}

int
meet_cb_call_delete(struct meet_callbridge *cb, const char *id)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);

	if (!c)
		return -1;
	c->active_when_empty = 1;   /* no recursion from the last leg */
	while (c->legs->len > 0)
		meet_cb_leg_delete(cb, g_ptr_array_index(c->legs, 0));
	meet_event(PLOG_INFO, "call %u: ended", c->number);
	for (guint i = 0; i < cb->call_order->len; i++)
		if (!strcmp(g_ptr_array_index(cb->call_order, i), id)) {
			g_ptr_array_remove_index(cb->call_order, i);
			break;
		}
	g_hash_table_remove(cb->calls, c->id);
	return 0;
}

char *
meet_cb_call_create(struct meet_callbridge *cb, const char *cospace, const char *name,
		    const char **reason)
{
	GHashTable *obj = NULL;
	struct call *c;

	if (cospace) {
		obj = meet_store_get(cb->srv->store, cospace);
		if (!obj || !meet_store_exists(cb->srv->store, "coSpaces", cospace, NULL)) {
			if (obj)
				g_hash_table_unref(obj);
			*reason = "coSpaceDoesNotExist";
			return NULL;
		}
		name = g_hash_table_lookup(obj, "name");
	}
	c = cb_call_for_space(cb, cospace, name);
	c->active_when_empty = 1;
	if (obj)
		g_hash_table_unref(obj);
	return g_strdup(c->id);
}

void
meet_cb_space_gone(struct meet_callbridge *cb, const char *cospace)
{
	GPtrArray *ids = meet_cb_call_ids(cb, cospace);

	for (guint i = 0; i < ids->len; i++)
		meet_cb_call_delete(cb, g_ptr_array_index(ids, i));
	g_ptr_array_unref(ids);
}

void
meet_cb_stats(struct meet_callbridge *cb, unsigned *calls, unsigned *legs, unsigned *max_legs,
	      unsigned *completed)
{
	*calls = g_hash_table_size(cb->calls);
	*legs = g_hash_table_size(cb->legs);
	*max_legs = cb->max_legs;
	*completed = cb->completed;
}

void
meet_cb_totals(struct meet_callbridge *cb, struct meet_cb_totals *t)
{
	GHashTableIter it;
	gpointer v;

	memset(t, 0, sizeof(*t));
	g_hash_table_iter_init(&it, cb->legs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct leg *l = v;
		t->connected += l->media_state > 0;
		t->rx_packets += (uint64_t)l->st.rx_audio.packets + l->st.rx_video.packets;
		t->tx_packets += (uint64_t)l->st.tx_audio.packets + l->st.tx_video.packets;
		t->tx_bitrate += (uint64_t)l->st.tx_audio.bitrate + l->st.tx_video.bitrate;
	}
}

/* ---- media: the SFU engine behind each call leg ----------------------------------- */

static struct leg *
leg_of_peer(struct meet_callbridge *cb, uint32_t peer)
{
	const char *id = g_hash_table_lookup(cb->peers, GUINT_TO_POINTER(peer));

	return id ? g_hash_table_lookup(cb->legs, id) : NULL;
}

/* The turnServers entries: for the engine (serverAddress) and for the
 * browser (clientAddress).  Returns how many were filled. */
static unsigned
cb_turn_servers(struct meet_callbridge *cb, struct media_turn *t, unsigned max, GPtrArray *ids)
{
	GPtrArray *list = meet_store_list(cb->srv->store, "turnServers", NULL);
	unsigned n = 0;

	for (guint i = 0; i < list->len && n < max; i++) {
		GHashTable *o = meet_store_get(cb->srv->store, g_ptr_array_index(list, i));
		const char *tcp;
		if (!o)
			continue;
		memset(&t[n], 0, sizeof(t[n]));
		g_strlcpy(t[n].host, g_hash_table_lookup(o, "serverAddress") ?: "", sizeof(t[n].host));
		g_strlcpy(t[n].username, g_hash_table_lookup(o, "username") ?: "", sizeof(t[n].username));
		g_strlcpy(t[n].password, g_hash_table_lookup(o, "password") ?: "", sizeof(t[n].password));
		t[n].udp_port = (uint16_t)cb->srv->cfg.turn_udp_port;
		tcp = g_hash_table_lookup(o, "tcpPortNumberOverride");
		t[n].tcp_port = tcp ? (uint16_t)atoi(tcp) : 0;
		if (*t[n].host) {
			if (ids)
				g_ptr_array_add(ids, g_strdup(g_ptr_array_index(list, i)));
			n++;
		}
		g_hash_table_unref(o);
	}
	g_ptr_array_unref(list);
	return n;
}

static void
cb_media_join(struct meet_callbridge *cb, struct call *c, struct leg *l)
{
	struct media_turn turn[MEDIA_MAX_TURN];
	unsigned n;

	if (!cb->media)
		return;
	n = cb_turn_servers(cb, turn, MEDIA_MAX_TURN, NULL);
	l->peer = ++cb->next_peer ? cb->next_peer : ++cb->next_peer;
	g_hash_table_insert(cb->peers, GUINT_TO_POINTER(l->peer), l->id);
	meet_event(PLOG_INFO, "call %u: setting up combined RTP session for DTLS (%s, %u TURN server%s)",
		   c->number, l->jid, n, n == 1 ? "" : "s");
	media_peer_add(cb->media, c->number, l->peer, l->id, turn, n);
	explicit_bzero(turn, sizeof(turn));
}

static void
cb_media_leave(struct meet_callbridge *cb, struct leg *l)
{
	if (!cb->media || !l->peer)
		return;
	media_peer_remove(cb->media, l->peer);
	g_hash_table_remove(cb->peers, GUINT_TO_POINTER(l->peer));
	l->peer = 0;
}

static void
cb_signal(struct meet_callbridge *cb, struct leg *l, JsonBuilder *b)
{
	JsonGenerator *g = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	GHashTable *m = meet_link_msg();
	char *text;

	json_generator_set_root(g, root);
	text = json_generator_to_data(g, NULL);
	meet_link_set(m, "session", l->session);
	meet_link_set(m, "data", text);
	cb_reply(cb, "signal", m);
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
}

/* The browser's TURN credentials: the entry's, or with [media]
 * browser-rest-secret the TURN REST scheme: username "<expiry>:<guest>",
 * password base64(HMAC-SHA1(secret, username)). */
static void
cb_ice_credentials(struct meet_callbridge *cb, struct leg *l, GHashTable *o, JsonBuilder *b)
{
	const char *secret = cb->srv->cfg.media_rest_secret;
	char *user, *pass;
	guint8 mac[20];
	gsize maclen = sizeof(mac);
	GHmac *h;

	if (!secret) {
		json_builder_set_member_name(b, "username");
		json_builder_add_string_value(b, g_hash_table_lookup(o, "username") ?: "");
		json_builder_set_member_name(b, "credential");
		json_builder_add_string_value(b, g_hash_table_lookup(o, "password") ?: "");
		return;
	}
	user = g_strdup_printf("%" G_GINT64_FORMAT ":%s",
			       g_get_real_time() / G_USEC_PER_SEC + (gint64)cb->srv->cfg.media_rest_ttl, l->jid);
	h = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
	g_hmac_update(h, (const guchar *)user, -1);
	g_hmac_get_digest(h, mac, &maclen);
	g_hmac_unref(h);
	pass = g_base64_encode(mac, maclen);
	json_builder_set_member_name(b, "username");
	json_builder_add_string_value(b, user);
	json_builder_set_member_name(b, "credential");
	json_builder_add_string_value(b, pass);
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(pass, strlen(pass));
	g_free(pass);
	g_free(user);
}

/* iceServers for the browser: clientAddress (serverAddress when unset),
 * UDP on the TURN port and TCP on tcpPortNumberOverride. */
static void
cb_ice_servers(struct meet_callbridge *cb, struct leg *l, JsonBuilder *b)
{
	GPtrArray *list = meet_store_list(cb->srv->store, "turnServers", NULL);

	json_builder_set_member_name(b, "iceServers");
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++) {
		GHashTable *o = meet_store_get(cb->srv->store, g_ptr_array_index(list, i));
		const char *host, *tcp;
		char *h, *u;
		if (!o)
			continue;
		host = g_hash_table_lookup(o, "clientAddress");
		if (!host || !*host)
			host = g_hash_table_lookup(o, "serverAddress");
		tcp = g_hash_table_lookup(o, "tcpPortNumberOverride");
		h = strchr(host ? host : "", ':') ? g_strdup_printf("[%s]", host) : g_strdup(host ? host : "");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "urls");
		json_builder_begin_array(b);
		u = g_strdup_printf("turn:%s:%lu?transport=udp", h, cb->srv->cfg.turn_udp_port);
		json_builder_add_string_value(b, u);
		g_free(u);
		if (tcp && atoi(tcp) > 0) {
			u = g_strdup_printf("turn:%s:%d?transport=tcp", h, atoi(tcp));
			json_builder_add_string_value(b, u);
			g_free(u);
		}
		json_builder_end_array(b);
		cb_ice_credentials(cb, l, o, b);
		json_builder_end_object(b);
		g_free(h);
		g_hash_table_unref(o);
	}
	json_builder_end_array(b);
	g_ptr_array_unref(list);
}

static void
ev_offer(struct meet_callbridge *cb, struct leg *l, const struct media_event *ev)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "offer");
	json_builder_set_member_name(b, "sdp");
	json_builder_add_string_value(b, ev->sdp);
	json_builder_set_member_name(b, "iceTransportPolicy");
	json_builder_add_string_value(b, cb->srv->cfg.media_browser_relay ? "relay" : "all");
	cb_ice_servers(cb, l, b);
	json_builder_end_object(b);
	cb_signal(cb, l, b);
	g_object_unref(b);
}

static void
ev_simple(struct meet_callbridge *cb, struct leg *l, const char *type, const char *key,
	  const char *value)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, value);
	json_builder_end_object(b);
	cb_signal(cb, l, b);
	g_object_unref(b);
}

/* No relay candidate on any TURN server: the seed's fourth failure. */
static void
ev_relay(struct meet_callbridge *cb, struct leg *l, const struct media_event *ev)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	struct media_turn t[MEDIA_MAX_TURN];

	cb_turn_servers(cb, t, MEDIA_MAX_TURN, ids);
	explicit_bzero(t, sizeof(t));
	for (guint i = 0; i < ids->len; i++) {
		if (ev->relays == 0)
			meet_alarm_raise("turnServerUnavailable", g_ptr_array_index(ids, i),
					 "relayCandidateCreationTimeout");
		else if (ev->relays >= ev->turn_expected)
			meet_alarm_clear("turnServerUnavailable", g_ptr_array_index(ids, i));
	}
	if (ev->relays == 0)
		meet_event(PLOG_WARN, "call %u: relay candidate creation failed on %u TURN server%s for %s",
			   l->call_number, ev->turn_expected, ev->turn_expected == 1 ? "" : "s", l->jid);
	g_ptr_array_unref(ids);
}

static void
ev_speaker(struct meet_callbridge *cb, struct leg *l)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);

	for (guint i = 0; c && i < c->legs->len; i++) {
		struct leg *o = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		if (o)
			ev_simple(cb, o, "speaker", "id", l->id);
	}
}

static void
cb_media_event(void *ctx, const struct media_event *ev)
{
	struct meet_callbridge *cb = ctx;
	struct leg *l = leg_of_peer(cb, ev->peer);

	if (!l)
		return;             /* left meanwhile */
	switch (ev->type) {
	case MEDIA_EV_OFFER:
		ev_offer(cb, l, ev);
		break;
	case MEDIA_EV_CONNECTED:
		l->media_state = 1;
		meet_event(PLOG_INFO, "call %u: media connected for %s (%s)", l->call_number, l->jid, ev->text);
		break;
	case MEDIA_EV_FAILED:
		l->media_state = -1;
		meet_event(PLOG_WARN, "call %u: %s", l->call_number, ev->text);
		ev_simple(cb, l, "mediaFailed", "reason", ev->text);
		break;
	case MEDIA_EV_RELAY:
		ev_relay(cb, l, ev);
		break;
	case MEDIA_EV_STATS:
		l->st = *ev->stats;
		break;
	case MEDIA_EV_SPEAKER:
		ev_speaker(cb, l);
		break;
	case MEDIA_EV_LOG:
		meet_event(PLOG_INFO, "call %u: %s", l->call_number, ev->text);
		break;
	}
}

/* Signalling from the guest page: {"type":"answer","sdp"}, {"type":
 * "candidate","candidate"}, {"type":"restart"}, {"type":"keyframe"}. */
static void
cb_on_signal(struct meet_callbridge *cb, GHashTable *in)
{
	const char *id = g_hash_table_lookup(cb->sessions, meet_link_get(in, "session"));
	struct leg *l = id ? g_hash_table_lookup(cb->legs, id) : NULL;
	JsonParser *p;
	JsonObject *o;
	const char *type, *v;

	if (!l || !l->peer || !cb->media)
		return;
	p = json_parser_new();
	if (!json_parser_load_from_data(p, meet_link_get(in, "data"), -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		goto out;
	o = json_node_get_object(json_parser_get_root(p));
	type = json_object_get_string_member_with_default(o, "type", "");
	if (!strcmp(type, "answer") && (v = json_object_get_string_member_with_default(o, "sdp", NULL)))
		media_peer_answer(cb->media, l->peer, v);
	else if (!strcmp(type, "candidate") &&
		 (v = json_object_get_string_member_with_default(o, "candidate", NULL)))
		media_peer_candidate(cb->media, l->peer, v);
	else if (!strcmp(type, "restart")) {
		meet_event(PLOG_INFO, "call %u: ICE restart requested by %s", l->call_number, l->jid);
		media_peer_restart(cb->media, l->peer);
	}
out:
	g_object_unref(p);
}

void
meet_cb_bitrates(struct meet_callbridge *cb, uint64_t *audio_in, uint64_t *audio_out,
		 uint64_t *video_in, uint64_t *video_out)
{
	GHashTableIter it;
	gpointer v;

	*audio_in = *audio_out = *video_in = *video_out = 0;
	g_hash_table_iter_init(&it, cb->legs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct leg *l = v;
		*audio_in += l->st.rx_audio.bitrate;
		*audio_out += l->st.tx_audio.bitrate;
		*video_in += l->st.rx_video.bitrate;
		*video_out += l->st.tx_video.bitrate;
	}
}
