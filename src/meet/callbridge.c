/*
 * callbridge.c: guest resolution (call ID, passcode, secret), guest
 * accounts, calls and call legs, participant lists.  Talks to the web
 * bridge only through link.h.  Loop thread only; owns its tables.
 */
#include <stdio.h>
#include <string.h>

#include "common/plog.h"
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
};

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
	cb_broadcast(cb, c);
}

/* Removes a leg; ends its call when empty (unless activeWhenEmpty). */
static void
cb_leg_remove(struct meet_callbridge *cb, struct leg *l, const char *why)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);

	meet_event(PLOG_INFO, "call %u: %s left the conference (%s)", c ? c->number : 0, l->jid, why);
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
	meet_link_attach(srv->link, MEET_LINK_CALLBRIDGE, cb_recv, cb_link_state, cb);
	return cb;
}

void
meet_cb_free(struct meet_callbridge *cb)
{
	if (!cb)
		return;
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
	meet_node_text(st, "state", "connected");
	text_uint(st, "durationSeconds", (g_get_monotonic_time() - l->started) / G_USEC_PER_SEC);
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
