/*
 * ldap.c: imports users and their coSpaces from a directory (/ldapSyncs).
 * One sync at a time; others wait in a queue.  The directory is read on a
 * worker thread (libldap's synchronous calls, bounded by timeouts); what it
 * read is applied to the store on the loop thread in one transaction.  The
 * bind password is never logged.
 */
#include <ldap.h>
#include <string.h>

#include "meet/meet-ldap.h"
#include "common/plog.h"
#include "meet/meet-internal.h"

#define LDAP_PAGE_SIZE 500
#define LDAP_MAX_ENTRIES 100000
#define LDAP_TIMEOUT_S 10

enum { MAP_JID, MAP_NAME, MAP_CS_NAME, MAP_CS_URI, MAP_CS_CALLID, MAP_N };
static const char *const map_names[MAP_N] = { "jidMapping", "nameMapping",
	"coSpaceNameMapping", "coSpaceUriMapping", "coSpaceCallIdMapping" };

struct ldap_user {
	char *val[MAP_N];           /* expanded mappings, NULL when unmapped */
	char *email;
	char *dn;                   /* the entry's DN: whom a sign-in binds as */
};

/* One sync of one source.  Filled on the loop thread, read by the worker,
 * which fills users/failure; then back to the loop thread. */
struct ldap_job {
	char *sync_id, *source_id, *tenant;
	char *uri, *bind_dn, *password, *base, *filter;
	int starttls, paged;
	char *maps[MAP_N];
	GPtrArray *users;           /* struct ldap_user */
	char *failure;              /* failureReason word, NULL on success */
	char *detail;               /* for the log (never the password) */
};

struct meet_ldap {
	struct meet_server *srv;
	GQueue pending;             /* sync ids (g_free) */
	GThread *worker;            /* NULL when idle */
	struct ldap_job *job;       /* the running job */
	GMutex lock;
	guint idle;                 /* the result's idle source, under lock */
};

static void
user_free(void *p)
{
	struct ldap_user *u = p;

	for (int i = 0; i < MAP_N; i++)
		g_free(u->val[i]);
	g_free(u->email);
	g_free(u->dn);
	g_free(u);
}

static void
job_free(struct ldap_job *j)
{
	if (!j)
		return;
	g_free(j->sync_id);
	g_free(j->source_id);
	g_free(j->tenant);
	g_free(j->uri);
	g_free(j->bind_dn);
	if (j->password)
		memset(j->password, 0, strlen(j->password));
	g_free(j->password);
	g_free(j->base);
	g_free(j->filter);
	for (int i = 0; i < MAP_N; i++)
		g_free(j->maps[i]);
	if (j->users)
		g_ptr_array_unref(j->users);
	g_free(j->failure);
	g_free(j->detail);
	g_free(j);
}

static void
job_fail(struct ldap_job *j, const char *reason, const char *detail)
{
	if (j->failure)
		return;
	j->failure = g_strdup(reason);
	j->detail = g_strdup(detail);
}

/* ---- worker thread ---------------------------------------------------- */

/* Opens and binds; NULL with the job failed. */
LDAP *
meet_ldap_connect(const char *uri, int starttls, const char *dn, const char *password,
		  const char **failure, char **detail)
{
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, rc;
	struct timeval tv = { LDAP_TIMEOUT_S, 0 };
	struct berval cred = { password ? strlen(password) : 0, (char *)(password ? password : "") };

	*failure = NULL;
	*detail = NULL;
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS) {
		*failure = "connectionFailure";
		*detail = g_strdup_printf("bad URI %s", uri);
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (starttls && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		*failure = "tlsFailure";
		*detail = g_strdup_printf("StartTLS with %s: %s", uri, ldap_err2string(rc));
		goto fail;
	}
	/* An empty password would be an unauthenticated bind: refused. */
	if (dn && *dn && cred.bv_len == 0) {
		*failure = "bindFailure";
		*detail = g_strdup_printf("bind as %s to %s: empty password", dn, uri);
		goto fail;
	}
	rc = ldap_sasl_bind_s(ld, dn && *dn ? dn : NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		*failure = rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ? "connectionFailure"
									     : "bindFailure";
		*detail = g_strdup_printf("bind as %s to %s: %s", dn && *dn ? dn : "(anonymous)", uri,
					  ldap_err2string(rc));
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

struct entry_attrs {
	GHashTable *vals;           /* lower-case name -> first value */
};

static const char *
entry_get(const char *name, void *ctx)
{
	struct entry_attrs *e = ctx;
	char *low = g_ascii_strdown(name, -1);
	const char *v = g_hash_table_lookup(e->vals, low);

	g_free(low);
	return v;
}

static void
job_entry(struct ldap_job *j, LDAP *ld, LDAPMessage *m)
{
	struct entry_attrs e = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free) };
	BerElement *ber = NULL;
	struct ldap_user *u = g_new0(struct ldap_user, 1);
	const char *err;
	char *dn = ldap_get_dn(ld, m);

	u->dn = dn ? g_strdup(dn) : NULL;
	ldap_memfree(dn);
	for (char *a = ldap_first_attribute(ld, m, &ber); a; a = ldap_next_attribute(ld, m, ber)) {
		struct berval **v = ldap_get_values_len(ld, m, a);
		if (v && v[0] && v[0]->bv_len <= MEET_LDAP_MAP_OUT_MAX &&
		    !memchr(v[0]->bv_val, '\0', v[0]->bv_len))
			g_hash_table_replace(e.vals, g_ascii_strdown(a, -1),
					     g_strndup(v[0]->bv_val, v[0]->bv_len));
		ldap_value_free_len(v);
		ldap_memfree(a);
	}
	if (ber)
		ber_free(ber, 0);
	for (int i = 0; i < MAP_N; i++)
		if (j->maps[i] && *j->maps[i])
			u->val[i] = meet_ldap_map_expand(j->maps[i], entry_get, &e, &err);
	if (entry_get("mail", &e))
		u->email = g_strdup(entry_get("mail", &e));
	/* An entry without a JID is no user (the vendor skips it too). */
	if (u->val[MAP_JID] && *u->val[MAP_JID] && j->users->len < LDAP_MAX_ENTRIES)
		g_ptr_array_add(j->users, u);
	else
		user_free(u);
	g_hash_table_unref(e.vals);
}

/* One search, in pages when asked; 0 or -1 (job failed). */
static int
job_search(struct ldap_job *j, LDAP *ld)
{
	struct berval *cookie = NULL;
	int rc = -1;
	const char *filter = j->filter && *j->filter ? j->filter : "(objectClass=person)";

	do {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
		LDAPMessage *res = NULL;
		int err = 0, lrc;

		if (j->paged) {
			if (ldap_create_page_control(ld, LDAP_PAGE_SIZE, cookie, 0, &page) != LDAP_SUCCESS) {
				job_fail(j, "searchFailure", "cannot make the paged results control");
				break;
			}
			ctrls[0] = page;
		}
		lrc = ldap_search_ext_s(ld, j->base, LDAP_SCOPE_SUBTREE, filter, NULL, 0,
					j->paged ? ctrls : NULL, NULL, NULL, LDAP_MAX_ENTRIES, &res);
		if (page)
			ldap_control_free(page);
		if (lrc != LDAP_SUCCESS && lrc != LDAP_SIZELIMIT_EXCEEDED) {
			char *d = g_strdup_printf("search %s %s: %s", j->base, filter, ldap_err2string(lrc));
			job_fail(j, "searchFailure", d);
			g_free(d);
			ldap_msgfree(res);
			break;
		}
		for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m))
			job_entry(j, ld, m);
		if (cookie) {
			ber_bvfree(cookie);
			cookie = NULL;
		}
		if (j->paged && ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &rctrls, 0) == LDAP_SUCCESS) {
			LDAPControl *pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			ber_int_t est;
			struct berval c = { 0, NULL };
			if (pc && ldap_parse_pageresponse_control(ld, pc, &est, &c) == LDAP_SUCCESS &&
			    c.bv_len > 0)
				cookie = ber_bvdup(&c);
			ber_memfree(c.bv_val);
			ldap_controls_free(rctrls);
		}
		ldap_msgfree(res);
		if (!cookie)
			rc = 0;
	} while (cookie && j->users->len < LDAP_MAX_ENTRIES);
	if (cookie) {
		ber_bvfree(cookie);
		rc = 0;
	}
	return rc;
}

static gboolean ldap_done(gpointer p);

static gpointer
ldap_worker(gpointer p)
{
	struct meet_ldap *l = p;
	struct ldap_job *j = l->job;
	const char *failure;
	char *detail;
	LDAP *ld = meet_ldap_connect(j->uri, j->starttls, j->bind_dn, j->password, &failure, &detail);

	if (!ld) {
		job_fail(j, failure, detail);
		g_free(detail);
	} else {
		job_search(j, ld);
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	g_mutex_lock(&l->lock);
	l->idle = g_idle_add(ldap_done, l);
	g_mutex_unlock(&l->lock);
	return NULL;
}

/* ---- loop thread ------------------------------------------------------ */

static char *
prop_dup(GHashTable *h, const char *name)
{
	const char *v = h ? g_hash_table_lookup(h, name) : NULL;

	return v ? g_strdup(v) : NULL;
}

char *
meet_ldap_uri(GHashTable *server, int *starttls)
{
	const char *addr = g_hash_table_lookup(server, "address");
	const char *port = g_hash_table_lookup(server, "portNumber");
	const char *sec = g_hash_table_lookup(server, "secure");
	int secure = sec && !strcmp(sec, "true");
	int colon = addr && strchr(addr, ':') != NULL;

	/* secure: ldaps on 636 (the vendor's default), StartTLS on any other
	 * port (389 servers that offer it). */
	*starttls = 0;
	if (!secure)
		return g_strdup_printf("ldap://%s%s%s:%s", colon ? "[" : "", addr, colon ? "]" : "",
				       port ? port : "389");
	if (port && strcmp(port, "636")) {
		*starttls = 1;
		return g_strdup_printf("ldap://%s%s%s:%s", colon ? "[" : "", addr, colon ? "]" : "", port);
	}
	return g_strdup_printf("ldaps://%s%s%s:636", colon ? "[" : "", addr, colon ? "]" : "");
}

/* Builds the job of sync_id from the store; NULL with the sync failed. */
static struct ldap_job *
job_new(struct meet_ldap *l, const char *sync_id, const char **failure)
{
	struct meet_store *st = l->srv->store;
	GHashTable *sync = meet_store_get(st, sync_id), *src = NULL, *server = NULL, *map = NULL;
	struct ldap_job *j = NULL;
	const char *src_id = sync ? g_hash_table_lookup(sync, "ldapSource") : NULL;
	const char *pg;

	*failure = "sourceNotFound";
	if (!src_id)
		goto out;
	src = meet_store_get(st, src_id);
	if (!src)
		goto out;
	server = meet_store_get(st, g_hash_table_lookup(src, "server"));
	map = meet_store_get(st, g_hash_table_lookup(src, "mapping"));
	if (!server || !map || !g_hash_table_lookup(server, "address")) {
		*failure = !server ? "serverNotFound" : "mappingNotFound";
		goto out;
	}
	j = g_new0(struct ldap_job, 1);
	j->sync_id = g_strdup(sync_id);
	j->source_id = g_strdup(src_id);
	j->tenant = prop_dup(src, "tenant");
	j->uri = meet_ldap_uri(server, &j->starttls);
	j->bind_dn = prop_dup(server, "username");
	j->password = prop_dup(server, "password");
	pg = g_hash_table_lookup(server, "usePagedResults");
	j->paged = !pg || !strcmp(pg, "true");
	j->base = prop_dup(src, "baseDn");
	j->filter = prop_dup(src, "filter");
	for (int i = 0; i < MAP_N; i++)
		j->maps[i] = prop_dup(map, map_names[i]);
	j->users = g_ptr_array_new_with_free_func(user_free);
	*failure = NULL;
out:
	for (GHashTable **h = (GHashTable *[]){ sync, src, server, map }, **e = h + 4; h < e; h++)
		if (*h)
			g_hash_table_unref(*h);
	return j;
}

static void
sync_state(struct meet_store *st, const char *sync_id, const char *state, const char *failure)
{
	if (meet_store_begin(st) < 0)
		return;
	if (!meet_store_exists(st, "ldapSyncs", sync_id, NULL)) {
		meet_store_rollback(st);
		return;
	}
	meet_store_set(st, sync_id, "state", state);
	if (failure)
		meet_store_set(st, sync_id, "failureReason", failure);
	if (meet_store_commit(st) < 0)
		meet_store_rollback(st);
}

/* Ids in coll whose property name equals value (exactly) and whose
 * ldapSource is source. */
static GPtrArray *
find_owned(struct meet_store *st, const char *coll, const char *name, const char *value,
	   const char *source)
{
	const char *const colls[] = { coll, NULL }, *const names[] = { name, NULL };
	GPtrArray *ids = meet_store_find(st, colls, names, value), *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < ids->len; i++) {
		GHashTable *h = meet_store_get(st, g_ptr_array_index(ids, i));
		const char *s = h ? g_hash_table_lookup(h, "ldapSource") : NULL;
		if (s && !strcmp(s, source))
			g_ptr_array_add(out, g_strdup(g_ptr_array_index(ids, i)));
		if (h)
			g_hash_table_unref(h);
	}
	g_ptr_array_unref(ids);
	return out;
}

static int
set_or_unset(struct meet_store *st, const char *id, const char *name, const char *v)
{
	return v && *v ? meet_store_set(st, id, name, v) : meet_store_unset(st, id, name);
}

/* URIs and call IDs stay unique, as the API keeps them: a value another
 * space or access method holds is not given to this one (logged). */
static int
set_unique(struct meet_store *st, const char *sid, const char *name, const char *v)
{
	static const char *const colls[] = { "coSpaces", "accessMethods", NULL };
	const char *const names[] = { name, NULL };
	GPtrArray *hits;
	int taken = 0;

	if (!v || !*v)
		return meet_store_unset(st, sid, name);
	hits = meet_store_find(st, colls, names, v);
	for (guint i = 0; i < hits->len; i++)
		taken |= strcmp(g_ptr_array_index(hits, i), sid) != 0;
	g_ptr_array_unref(hits);
	if (taken) {
		meet_event(PLOG_WARN, "LDAP: %s \"%s\" for space %s is already in use: not set", name, v, sid);
		return 0;
	}
	return meet_store_set(st, sid, name, v);
}

/* What the API does after writing a space (its secret for guest links). */
static void
space_complete(struct meet_store *st, const char *sid)
{
	const struct meet_coll *c = meet_schema_find("coSpaces");
	GHashTable *none = g_hash_table_new(g_str_hash, g_str_equal);

	if (c && c->complete)
		c->complete(st, sid, 0, none);
	g_hash_table_unref(none);
}

/* The user's object and auto-created space, made or updated. */
static int
apply_user(struct meet_store *st, struct ldap_job *j, struct ldap_user *u, GHashTable *seen)
{
	const char *jid = u->val[MAP_JID];
	GPtrArray *ids = find_owned(st, "users", "userJid", jid, j->source_id);
	char *id = ids->len ? g_strdup(g_ptr_array_index(ids, 0)) : g_uuid_string_random();
	int rc = 0;

	g_ptr_array_unref(ids);
	if (g_hash_table_contains(seen, jid))
		goto out;
	g_hash_table_add(seen, g_strdup(jid));
	if (!meet_store_exists(st, "users", id, NULL))
		rc |= meet_store_insert(st, "users", id, NULL) | meet_store_set(st, id, "ldapSource", j->source_id);
	rc |= meet_store_set(st, id, "userJid", jid);
	rc |= set_or_unset(st, id, "name", u->val[MAP_NAME]);
	rc |= set_or_unset(st, id, "email", u->email);
	rc |= set_or_unset(st, id, "ldapDn", u->dn);
	rc |= set_or_unset(st, id, "tenant", j->tenant);
	if (u->val[MAP_CS_NAME] || u->val[MAP_CS_URI] || u->val[MAP_CS_CALLID]) {
		GPtrArray *cs = find_owned(st, "coSpaces", "ownerJid", jid, j->source_id);
		char *sid = cs->len ? g_strdup(g_ptr_array_index(cs, 0)) : g_uuid_string_random();
		g_ptr_array_unref(cs);
		if (!meet_store_exists(st, "coSpaces", sid, NULL))
			rc |= meet_store_insert(st, "coSpaces", sid, NULL) |
			      meet_store_set(st, sid, "ldapSource", j->source_id) |
			      meet_store_set(st, sid, "ownerJid", jid);
		rc |= set_or_unset(st, sid, "name", u->val[MAP_CS_NAME]);
		rc |= set_unique(st, sid, "uri", u->val[MAP_CS_URI]);
		rc |= set_unique(st, sid, "callId", u->val[MAP_CS_CALLID]);
		rc |= set_or_unset(st, sid, "tenant", j->tenant);
		space_complete(st, sid);
		g_free(sid);
	}
out:
	g_free(id);
	return rc ? -1 : 0;
}

/* Users of this source not seen in the directory, and their spaces. */
static int
apply_removals(struct meet_store *st, struct ldap_job *j, GHashTable *seen, long *removed)
{
	GPtrArray *ids = meet_store_list(st, "users", NULL);
	int rc = 0;

	for (guint i = 0; i < ids->len && rc == 0; i++) {
		const char *id = g_ptr_array_index(ids, i);
		GHashTable *h = meet_store_get(st, id);
		const char *s = h ? g_hash_table_lookup(h, "ldapSource") : NULL;
		const char *jid = h ? g_hash_table_lookup(h, "userJid") : NULL;
		if (s && jid && !strcmp(s, j->source_id) && !g_hash_table_contains(seen, jid)) {
			GPtrArray *cs = find_owned(st, "coSpaces", "ownerJid", jid, j->source_id);
			for (guint k = 0; k < cs->len && rc == 0; k++)
				rc = meet_store_delete(st, g_ptr_array_index(cs, k));
			g_ptr_array_unref(cs);
			rc |= meet_store_delete(st, id);
			(*removed)++;
		}
		if (h)
			g_hash_table_unref(h);
	}
	g_ptr_array_unref(ids);
	return rc;
}

static void
job_apply(struct meet_ldap *l, struct ldap_job *j)
{
	struct meet_store *st = l->srv->store;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	long removed = 0;
	int rc = meet_store_begin(st);
	char n[32];

	for (guint i = 0; rc == 0 && i < j->users->len; i++)
		rc = apply_user(st, j, g_ptr_array_index(j->users, i), seen);
	if (rc == 0)
		rc = apply_removals(st, j, seen, &removed);
	if (rc == 0 && meet_store_exists(st, "ldapSyncs", j->sync_id, NULL)) {
		g_snprintf(n, sizeof(n), "%u", g_hash_table_size(seen));
		rc |= meet_store_set(st, j->sync_id, "numUsersSynced", n);
		g_snprintf(n, sizeof(n), "%ld", removed);
		rc |= meet_store_set(st, j->sync_id, "numUsersRemoved", n);
		rc |= meet_store_set(st, j->sync_id, "state", "complete");
	}
	if (rc == 0 && meet_store_commit(st) == 0) {
		meet_event(PLOG_INFO, "LDAP: sync %s of source %s complete: %u users, %ld removed",
			   j->sync_id, j->source_id, g_hash_table_size(seen), removed);
	} else {
		meet_store_rollback(st);
		meet_event(PLOG_WARN, "LDAP: sync %s: the store refused the result: %s", j->sync_id,
			   meet_store_errmsg(st));
		sync_state(st, j->sync_id, "failed", "databaseError");
	}
	g_hash_table_unref(seen);
}

/* A sync posted with removeWhenFinished=true goes once it has ended. */
static void
sync_finish(struct meet_store *st, const char *sync_id)
{
	GHashTable *h = meet_store_get(st, sync_id);
	const char *rm = h ? g_hash_table_lookup(h, "removeWhenFinished") : NULL;

	if (rm && !strcmp(rm, "true")) {
		if (meet_store_begin(st) < 0 || meet_store_delete(st, sync_id) < 0 || meet_store_commit(st) < 0)
			meet_store_rollback(st);
	}
	if (h)
		g_hash_table_unref(h);
}

static void ldap_next(struct meet_ldap *l);

static gboolean
ldap_done(gpointer p)
{
	struct meet_ldap *l = p;
	struct ldap_job *j = l->job;

	g_thread_join(l->worker);
	l->worker = NULL;
	l->job = NULL;
	g_mutex_lock(&l->lock);
	l->idle = 0;
	g_mutex_unlock(&l->lock);
	if (j->failure) {
		meet_event(PLOG_WARN, "LDAP: sync %s of source %s failed (%s): %s", j->sync_id,
			   j->source_id, j->failure, j->detail ? j->detail : "");
		sync_state(l->srv->store, j->sync_id, "failed", j->failure);
	} else {
		job_apply(l, j);
	}
	sync_finish(l->srv->store, j->sync_id);
	job_free(j);
	ldap_next(l);
	return G_SOURCE_REMOVE;
}

static void
ldap_next(struct meet_ldap *l)
{
	char *id;

	while (!l->worker && (id = g_queue_pop_head(&l->pending))) {
		const char *failure;
		struct ldap_job *j = job_new(l, id, &failure);
		if (!j) {
			meet_event(PLOG_WARN, "LDAP: sync %s failed (%s)", id, failure);
			sync_state(l->srv->store, id, "failed", failure);
			sync_finish(l->srv->store, id);
		} else {
			sync_state(l->srv->store, id, "started", NULL);
			l->job = j;
			l->worker = g_thread_new("ldap-sync", ldap_worker, l);
		}
		g_free(id);
	}
}

struct meet_ldap *
meet_ldap_new(struct meet_server *srv)
{
	struct meet_ldap *l = g_new0(struct meet_ldap, 1);

	l->srv = srv;
	g_queue_init(&l->pending);
	g_mutex_init(&l->lock);
	return l;
}

void
meet_ldap_queue(struct meet_ldap *l, const char *sync_id)
{
	g_queue_push_tail(&l->pending, g_strdup(sync_id));
	ldap_next(l);
}

int
meet_ldap_busy(const struct meet_ldap *l)
{
	return l->worker != NULL;
}

void
meet_ldap_free(struct meet_ldap *l)
{
	if (!l)
		return;
	/* Shutdown waits for a running read (bounded by the timeouts) and
	 * drops its result. */
	if (l->worker) {
		g_thread_join(l->worker);
		g_mutex_lock(&l->lock);
		if (l->idle)
			g_source_remove(l->idle);
		g_mutex_unlock(&l->lock);
		job_free(l->job);
	}
	g_queue_clear_full(&l->pending, g_free);
	g_mutex_clear(&l->lock);
	g_free(l);
}
