/*
 * callbridge-guest.c: guest resolution (call ID and passcode, or an
 * invitation secret) and guest accounts.  Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/link.h"

/* Space and required passcode for a call ID, or a secret.  Access
 * methods carry their own passcode.  Returns the coSpace id or NULL. */
static char *
cb_find_space(struct meet_callbridge *cb, const char *call_id, const char *secret,
	      const char *given, char **passcode, char **access)
{
	static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
	static const char *const by_id[] = { "callId", NULL };
	static const char *const by_secret[] = { "secret", NULL };
	GPtrArray *hits;
	GHashTable *obj = NULL;
	char *space = NULL;

	*passcode = NULL;
	*access = NULL;
	if (*secret)
		hits = meet_store_find(cb->srv->store, colls, by_secret, secret);
	else
		hits = meet_store_find(cb->srv->store, colls, by_id, call_id);
	if (hits->len == 0)
		goto out;
	/* One call ID, several passcodes (a host's, a guests'): the hit whose
	 * passcode is the one given, else the first (answered badPasscode). */
	guint pick = 0;
	for (guint i = 0; !*secret && given && *given && i < hits->len; i++) {
		GHashTable *o = meet_store_get(cb->srv->store, g_ptr_array_index(hits, i));
		int same = o && !g_strcmp0(g_hash_table_lookup(o, "passcode"), given);
		if (o)
			g_hash_table_unref(o);
		if (same) {
			pick = i;
			break;
		}
	}
	obj = meet_store_get(cb->srv->store, g_ptr_array_index(hits, pick));
	if (!obj)
		goto out;
	/* A secret must come with the call ID it belongs to, if one is given. */
	if (*secret && *call_id && g_strcmp0(g_hash_table_lookup(obj, "callId"), call_id))
		goto out;
	*passcode = g_strdup(g_hash_table_lookup(obj, "passcode"));
	space = g_strdup(g_ptr_array_index(hits, pick));
	if (!meet_store_exists(cb->srv->store, "coSpaces", space, NULL)) {
		/* An access method: its parent is the space. */
		*access = g_strdup(space);
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

void
meet_cb__on_resolve(struct meet_callbridge *cb, GHashTable *in)
{
	const char *client = meet_link_get(in, "client");
	const char *call_id = meet_link_get(in, "callId"), *secret = meet_link_get(in, "secret");
	GHashTable *out = meet_link_msg();
	char *passcode = NULL, *space = NULL, *access = NULL;
	const char *status;
	unsigned rq = ++cb->requests, wait = 0;

	meet_link_set(out, "req", meet_link_get(in, "req"));
	meet_event(PLOG_INFO, "web bridge link %u: new guest login request %u received",
		   meet_link_number(cb->srv->link), rq);
	if ((wait = meet_limit_retry_after(cb->srv->guest_limit, client)) > 0) {
		status = "rateLimited";
		meet_event(PLOG_WARN, "guest login request %u: refused, too many failed attempts from %s",
			   rq, client);
		goto reply;
	}
	meet_event(PLOG_INFO, "guest login request %u: %s resolution scheduled", rq,
		   *secret ? "secret" : "passcode");
	meet_event(PLOG_INFO, "guest login request %u: resolution in progress", rq);
	space = cb_find_space(cb, call_id, secret, meet_link_get(in, "passcode"), &passcode, &access);
	if (space && (wait = meet_limit_space_delay(cb->srv->space_limit, space)) > 0) {
		/* Many failures against this space from all addresses: slow
		 * every guess down, the right one included, but never lock. */
		status = "rateLimited";
		meet_event(PLOG_WARN, "guest login request %u: space %s is under a guessing attack: "
			   "answer delayed %u s", rq, space, wait);
		goto reply;
	}
	status = space ? cb_check_passcode(passcode, meet_link_get(in, "passcode"), secret) : "notFound";
	if (strcmp(status, "ok")) {
		if (strcmp(status, "passcodeRequired"))
			meet_limit_fail(cb->srv->guest_limit, client);
		if (space && !strcmp(status, "badPasscode"))
			meet_limit_space_fail(cb->srv->space_limit, space);
		meet_event(PLOG_INFO, "guest login request %u: resolution failed (%s) from %s", rq,
			   status, client);
		goto reply;
	}
	GHashTable *obj = meet_store_get(cb->srv->store, space);
	struct pending *t = g_new0(struct pending, 1);
	char *token = meet_cb__token();
	t->space = g_strdup(space);
	t->access = g_strdup(access);
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
	if (wait) {
		char buf[16];
		g_snprintf(buf, sizeof(buf), "%u", wait);
		meet_link_set(out, "retryAfter", buf);
	}
	meet_link_set(out, "status", status);
	meet_cb__reply(cb, "resolved", out);
	g_free(space);
	g_free(access);
	g_free(passcode);
}

/* ---- guest accounts ---------------------------------------------------- */

void
meet_cb__on_login(struct meet_callbridge *cb, GHashTable *in)
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
	session = meet_cb__token();
	struct pending *g = g_new0(struct pending, 1);
	g->space = g_strdup(t->space);
	g->access = g_strdup(t->access);
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
	meet_cb__reply(cb, "loggedIn", out);
	g_free(jid);
	g_free(session);
}
