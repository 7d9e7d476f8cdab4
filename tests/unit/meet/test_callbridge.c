/* Unit tests: src/meet/callbridge.c (calls, legs, joins and leaves over
 * link messages) with callbridge-guest.c and callbridge-api.c behind it.
 * The file is included to reach its link dispatcher (cb_recv). */
#include "meet_fixture.h"
#include "../../../src/meet/callbridge.c"
#include "tap.h"

static char *
make_space(struct fixture *fx, const char *body)
{
	struct api_out o;
	char *id;

	fixture_req(fx, "POST", "/api/v1/coSpaces", NULL, body, &o);
	id = o.location ? g_strdup(strrchr(o.location, '/') + 1) : NULL;
	meet_api_out_clear(&o);
	return id;
}

static GHashTable *
msg2(const char *k1, const char *v1, const char *k2, const char *v2)
{
	GHashTable *m = meet_link_msg();

	meet_link_set(m, k1, v1);
	if (k2)
		meet_link_set(m, k2, v2);
	return m;
}

static void
test_api_side(struct fixture *fx, const char *space)
{
	struct meet_callbridge *cb = fx->srv.cb;
	const char *reason = NULL;
	struct meet_node *root = meet_node_new("x");
	unsigned calls, legs, max, done;
	GPtrArray *ids;
	char *id;

	ok(meet_cb_call_create(cb, "no-such-space", NULL, &reason) == NULL, "call for a missing space refused");
	is_str(reason, "coSpaceDoesNotExist", "... coSpaceDoesNotExist");
	id = meet_cb_call_create(cb, space, NULL, &reason);
	ok(id != NULL, "POST /calls for a space");
	ids = meet_cb_call_ids(cb, space);
	ok(ids->len == 1 && !strcmp(g_ptr_array_index(ids, 0), id), "listed under its space");
	g_ptr_array_unref(ids);
	is_int(meet_cb_call_render(cb, id, root, 1), 0, "render the call");
	is_int(meet_cb_call_render(cb, "nope", root, 1), -1, "render of no call: -1");
	is_int(meet_cb_leg_render(cb, "nope", root, 1), -1, "render of no leg: -1");
	meet_cb_stats(cb, &calls, &legs, &max, &done);
	ok(calls == 1 && legs == 0, "stats: one call, no legs");
	is_int(meet_cb_call_delete(cb, id), 0, "delete the call");
	is_int(meet_cb_call_delete(cb, id), -1, "deleting it again: -1");
	is_int(meet_cb_leg_delete(cb, "nope"), -1, "delete of no leg: -1");
	g_free(id);
	id = meet_cb_call_create(cb, space, NULL, &reason);
	meet_cb_space_gone(cb, space);
	ids = meet_cb_call_ids(cb, NULL);
	is_int(ids->len, 0, "a deleted space ends its calls");
	g_ptr_array_unref(ids);
	g_free(id);
	meet_node_free(root);
}

static void
test_guest_flow(struct fixture *fx)
{
	struct meet_callbridge *cb = fx->srv.cb;
	struct pending *t;
	GHashTableIter it;
	gpointer k = NULL, v = NULL;
	GPtrArray *ids;
	unsigned calls, legs, max, done;

	cb_recv(cb, "resolve", msg2("callId", "5151", "passcode", "99"));
	is_int(g_hash_table_size(cb->tokens), 0, "wrong passcode: no token");
	cb_recv(cb, "resolve", msg2("callId", "5151", "passcode", "12"));
	is_int(g_hash_table_size(cb->tokens), 1, "right passcode: a token");
	g_hash_table_iter_init(&it, cb->tokens);
	g_hash_table_iter_next(&it, &k, &v);
	cb_recv(cb, "login", msg2("token", k, "name", "Ada"));
	is_int(g_hash_table_size(cb->guests), 1, "login: a guest awaiting its socket");
	g_hash_table_iter_init(&it, cb->guests);
	g_hash_table_iter_next(&it, &k, (gpointer *)&t);
	char *session = g_strdup(k);
	cb_recv(cb, "join", msg2("session", session, NULL, NULL));
	ids = meet_cb_leg_ids(cb, NULL, "ada");
	is_int(ids->len, 1, "joined: one leg, found by a name filter");
	g_ptr_array_unref(ids);
	cb_recv(cb, "join", msg2("session", session, NULL, NULL));
	meet_cb_stats(cb, &calls, &legs, &max, &done);
	ok(calls == 1 && legs == 1, "a second join of the session is refused");
	cb_recv(cb, "leave", msg2("session", session, NULL, NULL));
	meet_cb_stats(cb, &calls, &legs, &max, &done);
	ok(calls == 0 && legs == 0 && done == 1, "leave: the leg is gone and so is its empty call");
	cb_recv(cb, "nonsense", meet_link_msg());
	ok(1, "an unknown message type is ignored");
	g_free(session);
}

/* Chat over the link ({"type":"chat"} in a "signal"): kept in the call's
 * history; refused when the leg may not chat, when malformed or too long;
 * the page's mute state lands on the leg. */
static void
test_chat_relay(struct fixture *fx)
{
	struct meet_callbridge *cb = fx->srv.cb;
	GHashTableIter it;
	gpointer k = NULL, v = NULL;
	struct leg *l;
	struct call *c;
	char *session, *big;

	cb_recv(cb, "resolve", msg2("callId", "5151", "passcode", "12"));
	g_hash_table_iter_init(&it, cb->tokens);
	g_hash_table_iter_next(&it, &k, &v);
	cb_recv(cb, "login", msg2("token", k, "name", "Ada"));
	g_hash_table_iter_init(&it, cb->guests);
	g_hash_table_iter_next(&it, &k, &v);
	session = g_strdup(k);
	cb_recv(cb, "join", msg2("session", session, NULL, NULL));
	l = g_hash_table_lookup(cb->legs, g_hash_table_lookup(cb->sessions, session));
	c = l ? g_hash_table_lookup(cb->calls, l->call) : NULL;
	if (!ok(c != NULL, "chat: joined a call")) {
		g_free(session);
		return;
	}
	ok(meet_cb__leg_chat_allowed(l), "chat allowed by default");
	cb_recv(cb, "signal", msg2("session", session, "data", "{\"type\":\"chat\",\"text\":\"<b>x</b>\"}"));
	is_int(meet_chat_count(c->chat), 1, "a chat message joins the call's history (without media)");
	cb_recv(cb, "signal", msg2("session", session, "data", "{\"type\":\"chat\",\"text\":7}"));
	cb_recv(cb, "signal", msg2("session", session, "data", "{\"type\":\"chat\"}"));
	is_int(meet_chat_count(c->chat), 1, "a non-string or missing text is refused");
	big = g_strdup_printf("{\"type\":\"chat\",\"text\":\"%0*d\"}", MEET_CHAT_MAX_CHARS + 1, 0);
	cb_recv(cb, "signal", msg2("session", session, "data", big));
	g_free(big);
	is_int(meet_chat_count(c->chat), 1, "an over-long message is refused");
	l->chat_denied = 1;
	cb_recv(cb, "signal", msg2("session", session, "data", "{\"type\":\"chat\",\"text\":\"hi\"}"));
	is_int(meet_chat_count(c->chat), 1, "chatContributionAllowed=false: refused");
	cb_recv(cb, "signal", msg2("session", session, "data", "{\"type\":\"state\",\"muted\":true}"));
	ok(l->muted && !l->camera_off, "the page's mute state is kept on the leg");
	cb_recv(cb, "leave", msg2("session", session, NULL, NULL));
	g_free(session);
}

static char *
post_id(struct fixture *fx, const char *path, const char *body)
{
	struct api_out o;
	char *id;

	fixture_req(fx, "POST", path, NULL, body, &o);
	id = o.location ? g_strdup(strrchr(o.location, '/') + 1) : NULL;
	meet_api_out_clear(&o);
	return id;
}

/* Resolve, login and join through the link; the new leg. */
static struct leg *
join_as(struct meet_callbridge *cb, const char *call_id, const char *passcode, const char *name)
{
	GHashTableIter it;
	gpointer k = NULL, v = NULL;
	char *session;
	GPtrArray *ids;
	struct leg *l = NULL;

	cb_recv(cb, "resolve", msg2("callId", call_id, "passcode", passcode));
	g_hash_table_iter_init(&it, cb->tokens);
	if (!g_hash_table_iter_next(&it, &k, &v))
		return NULL;
	cb_recv(cb, "login", msg2("token", k, "name", name));
	g_hash_table_iter_init(&it, cb->guests);
	if (!g_hash_table_iter_next(&it, &k, &v))
		return NULL;
	session = g_strdup(k);
	cb_recv(cb, "join", msg2("session", session, NULL, NULL));
	ids = meet_cb_leg_ids(cb, NULL, name);
	if (ids->len == 1)
		l = g_hash_table_lookup(cb->legs, g_ptr_array_index(ids, 0));
	g_ptr_array_unref(ids);
	g_free(session);
	return l;
}

static void
moderate(struct meet_callbridge *cb, struct leg *from, const char *action, const char *leg)
{
	char *data = g_strdup_printf("{\"type\":\"moderate\",\"action\":\"%s\",\"leg\":\"%s\"}", action, leg);

	cb_recv(cb, "signal", msg2("session", from->session, "data", data));
	g_free(data);
}

static void
test_lobby(struct fixture *fx)
{
	struct meet_callbridge *cb = fx->srv.cb;
	char *wait = post_id(fx, "/api/v1/callLegProfiles", "needsActivation=true");
	char *host = post_id(fx, "/api/v1/callLegProfiles", "needsActivation=false");
	char *space = post_id(fx, "/api/v1/coSpaces", "name=Lobby");
	char *path = g_strdup_printf("/api/v1/coSpaces/%s/accessMethods", space);
	char *b1 = g_strdup_printf("callId=6161&passcode=1&callLegProfile=%s", host);
	char *b2 = g_strdup_printf("callId=6161&passcode=2&callLegProfile=%s", wait);
	char *am1 = post_id(fx, path, b1), *am2 = post_id(fx, path, b2);
	struct leg *g, *h;
	char *gid, *hid;

	ok(wait && host && space && am1 && am2, "profiles, space, host and guest access methods");
	g = join_as(cb, "6161", "2", "Guest");
	ok(g && g->prof.needsActivation && g->waiting && !g->peer, "guest passcode: waits, no media peer");
	gid = g_strdup(g ? g->id : "");
	moderate(cb, g, "lock", "");
	h = join_as(cb, "6161", "1", "Host");
	ok(h && !h->prof.needsActivation, "host passcode: an activator");
	g = g_hash_table_lookup(cb->legs, gid);
	ok(g && !g->waiting, "the host's join lets the guest in");
	hid = g_strdup(h ? h->id : "");
	moderate(cb, g, "mute", hid);
	ok(h && !h->prof.rxAudioMute, "a guest's moderation is refused");
	moderate(cb, h, "mute", gid);
	ok(g->prof.rxAudioMute, "the host mutes the guest");
	is_int(meet_cb_leg_set(cb, gid, "rxAudioMute", "false"), 0, "PUT rxAudioMute=false");
	ok(!g->prof.rxAudioMute, "... unmuted");
	moderate(cb, h, "lock", "");
	ok(join_as(cb, "6161", "2", "Late") == NULL, "a locked call refuses new guests");
	moderate(cb, h, "lock", "");   /* on=true by default: stays locked */
	cb_recv(cb, "leave", msg2("session", h->session, NULL, NULL));
	g = g_hash_table_lookup(cb->legs, gid);
	ok(g && g->waiting && !g->peer, "the last activator left: deactivate, back to the lobby");
	cb_recv(cb, "leave", msg2("session", g->session, NULL, NULL));
	g_free(gid);
	g_free(hid);
	g_free(path);
	g_free(b1);
	g_free(b2);
	g_free(am1);
	g_free(am2);
	g_free(wait);
	g_free(host);
	g_free(space);
}

int
main(void)
{
	struct fixture fx;
	char *space;

	if (fixture_open(&fx, NULL) < 0)
		return 1;
	space = make_space(&fx, "name=Room&callId=5151&passcode=12");
	ok(space != NULL, "a space");
	test_api_side(&fx, space);
	g_free(space);
	test_guest_flow(&fx);
	test_chat_relay(&fx);
	test_lobby(&fx);
	fixture_close(&fx);
	return tap_done();
}
