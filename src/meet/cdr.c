/*
 * cdr.c: call detail records (see cdr.h): rendering the vendor's XML,
 * appending each record to the on-disk queue, and one sender per
 * receiver (libsoup), each with its own cursor, one POST in flight and
 * a backoff of 1 s doubling to 60 s while the receiver fails.
 * Loop thread only.
 */
#include <string.h>

#include <libsoup/soup.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/cdr.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define ALARM "cdrConnectionFailure"

struct cdr_rcv {
	struct meet_cdr *cdr;
	unsigned slot;
	char uri[MEET_CDR_URI_MAX];
	gint64 cursor;              /* last queue index delivered */
	int busy;                   /* a POST is in flight */
	guint timer;                /* retry pending */
	unsigned backoff_ms;
};

/* One POST in flight; outlives the receiver when cancelled. */
struct cdr_post {
	struct cdr_rcv *rcv;
	SoupMessage *msg;
	gint64 last;
};

struct cdr_call {
	unsigned active, max_active, completed;
	gint64 started;
};

struct meet_cdr {
	struct meet_server *srv;
	SoupSession *soup;
	GCancellable *cancel;
	char *session, *bridge;
	guint64 record_index, correlator_index;
	struct cdr_rcv rcv[MEET_CDR_RECEIVERS];
	GHashTable *calls;          /* call id -> struct cdr_call */
	unsigned active, peak_today;
	int day;                    /* day of the peak, days since epoch */
	int full;                   /* queue-full alarm raised */
};

/* ---- rendering ------------------------------------------------------------ */

char *
meet_cdr_render_record(const char *type, const char *time, guint64 record_index,
		       guint64 correlator_index, const char *elem, const char *id,
		       const char *const *kv)
{
	GString *s = g_string_new(NULL);
	char *e;

	g_string_append_printf(s, "<record type=\"%s\" time=\"%s\" recordIndex=\"%" G_GUINT64_FORMAT
			       "\" correlatorIndex=\"%" G_GUINT64_FORMAT "\">", type, time,
			       record_index, correlator_index);
	e = g_markup_escape_text(id, -1);
	g_string_append_printf(s, "<%s id=\"%s\">", elem, e);
	g_free(e);
	for (; kv && kv[0]; kv += 2) {
		if (!kv[1])
			continue;
		e = g_markup_escape_text(kv[1], -1);
		g_string_append_printf(s, "<%s>%s</%s>", kv[0], e, kv[0]);
		g_free(e);
	}
	g_string_append_printf(s, "</%s></record>", elem);
	return g_string_free(s, FALSE);
}

char *
meet_cdr_render_records(const char *session, const char *callbridge, const char *const *records,
			unsigned n)
{
	GString *s = g_string_new("<?xml version=\"1.0\"?>\n");

	g_string_append_printf(s, "<records session=\"%s\" callBridge=\"%s\">", session, callbridge);
	for (unsigned i = 0; i < n; i++)
		g_string_append(s, records[i]);
	g_string_append(s, "</records>");
	return g_string_free(s, FALSE);
}

const char *
meet_cdr_reason(const char *why)
{
	static const struct { const char *why, *reason; } map[] = {
		{ "web client closed", "remoteTeardown" },
		{ "disconnected through the API", "localTeardown" },
		{ "web bridge link lost", "connectionFailure" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (why && !strcmp(why, map[i].why))
			return map[i].reason;
	return "localTeardown";
}

int
meet_cdr_uri_valid(const char *uri)
{
	GUri *u;
	int ok;

	if (!uri || strlen(uri) >= MEET_CDR_URI_MAX)
		return 0;
	for (const char *p = uri; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	u = g_uri_parse(uri, G_URI_FLAGS_NONE, NULL);
	if (!u)
		return 0;
	ok = (!g_ascii_strcasecmp(g_uri_get_scheme(u), "http") ||
	      !g_ascii_strcasecmp(g_uri_get_scheme(u), "https")) &&
	     g_uri_get_host(u) && *g_uri_get_host(u) && !g_uri_get_userinfo(u);
	g_uri_unref(u);
	return ok;
}

/* ---- sending ---------------------------------------------------------------- */

static void rcv_kick(struct cdr_rcv *r);

static gboolean
rcv_retry(gpointer p)
{
	struct cdr_rcv *r = p;

	r->timer = 0;
	rcv_kick(r);
	return G_SOURCE_REMOVE;
}

static void
cdr_prune(struct meet_cdr *cdr)
{
	gint64 min = G_MAXINT64;

	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		if (cdr->rcv[i].uri[0] && cdr->rcv[i].cursor < min)
			min = cdr->rcv[i].cursor;
	if (min == G_MAXINT64)
		min = meet_cdr_queue_last(cdr->srv->store);
	meet_cdr_queue_prune(cdr->srv->store, min);
}

static void
rcv_failed(struct cdr_rcv *r, const char *what)
{
	if (!meet_alarm_active(ALARM, r->uri))
		plog(PLOG_WARN, "meet", "CDR receiver %s unreachable (%s); records stay queued",
		     r->uri, what);
	meet_alarm_raise(ALARM, r->uri, "connectFailure");
	r->backoff_ms = r->backoff_ms ? MIN(r->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
	r->timer = g_timeout_add(r->backoff_ms, rcv_retry, r);
}

static void
rcv_done(GObject *src, GAsyncResult *res, gpointer p)
{
	struct cdr_post *post = p;
	struct cdr_rcv *r = post->rcv;
	GError *err = NULL;
	GBytes *b = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &err);
	unsigned status = soup_message_get_status(post->msg);

	if (b)
		g_bytes_unref(b);
	if (err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		goto out;       /* r is gone */
	r->busy = 0;
	if (err || status < 200 || status >= 300) {
		char code[16];
		g_snprintf(code, sizeof(code), "HTTP %u", status);
		rcv_failed(r, err ? err->message : code);
		goto out;
	}
	if (meet_alarm_active(ALARM, r->uri))
		plog(PLOG_INFO, "meet", "CDR receiver %s reachable again", r->uri);
	meet_alarm_clear(ALARM, r->uri);
	r->backoff_ms = 0;
	r->cursor = post->last;
	meet_cdr_queue_cursor_set(r->cdr->srv->store, r->slot, r->cursor);
	cdr_prune(r->cdr);
	rcv_kick(r);
out:
	g_clear_error(&err);
	g_object_unref(post->msg);
	g_free(post);
}

static void
rcv_kick(struct cdr_rcv *r)
{
	struct meet_cdr *cdr = r->cdr;
	GPtrArray *bodies;
	char *session = NULL, *xml;
	gint64 last;
	struct cdr_post *post;
	SoupMessage *msg;
	GBytes *b;

	if (!r->uri[0] || r->busy || r->timer)
		return;
	bodies = g_ptr_array_new_with_free_func(g_free);
	if (!meet_cdr_queue_read(cdr->srv->store, r->cursor, MEET_CDR_BATCH, bodies, &session, &last))
		goto out;
	msg = soup_message_new("POST", r->uri);
	if (!msg) {
		rcv_failed(r, "invalid URI");
		goto out;
	}
	xml = meet_cdr_render_records(session, cdr->bridge, (const char *const *)bodies->pdata,
				      bodies->len);
	b = g_bytes_new_take(xml, strlen(xml));
	soup_message_set_request_body_from_bytes(msg, "text/xml", b);
	g_bytes_unref(b);
	post = g_new0(struct cdr_post, 1);
	post->rcv = r;
	post->msg = msg;
	post->last = last;
	r->busy = 1;
	soup_session_send_and_read_async(cdr->soup, msg, G_PRIORITY_DEFAULT, cdr->cancel, rcv_done,
					 post);
out:
	g_free(session);
	g_ptr_array_unref(bodies);
}

/* ---- records ---------------------------------------------------------------- */

static void
cdr_emit(struct meet_cdr *cdr, const char *type, const char *elem, const char *id,
	 const char *const *kv)
{
	GDateTime *now = g_date_time_new_now_utc();
	char *t = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	char *rec;
	int any = 0;

	rec = meet_cdr_render_record(type, t, ++cdr->record_index, ++cdr->correlator_index, elem,
				     id, kv);
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		any |= cdr->rcv[i].uri[0] != '\0';
	if (any && !meet_cdr_queue_append(cdr->srv->store, cdr->session, rec)) {
		if (!cdr->full)
			plog(PLOG_WARN, "meet", "CDR queue full (%u records): new records are dropped "
			     "until the receivers catch up", (unsigned)MEET_CDR_QUEUE_MAX);
		cdr->full = 1;
		meet_alarm_raise(ALARM, "queue", "fileSizeLimitExceeded");
	} else if (any && cdr->full) {
		cdr->full = 0;
		meet_alarm_clear(ALARM, "queue");
	}
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		rcv_kick(&cdr->rcv[i]);
	g_free(rec);
	g_free(t);
	g_date_time_unref(now);
}

static char *
secs(gint64 since)
{
	return g_strdup_printf("%" G_GINT64_FORMAT, (g_get_monotonic_time() - since) / G_USEC_PER_SEC);
}

void
meet_cdr_call(struct meet_cdr *cdr, const char *type, const struct call *c)
{
	struct cdr_call *cc;

	if (!cdr)
		return;
	if (!strcmp(type, "callStart")) {
		const char *kv[] = { "name", c->name, "callType", c->cospace ? "coSpace" : "adHoc",
				     "coSpace", c->cospace, "callCorrelator", c->id, NULL };
		cc = g_new0(struct cdr_call, 1);
		cc->started = c->started;
		g_hash_table_insert(cdr->calls, g_strdup(c->id), cc);
		cdr_emit(cdr, type, "call", c->id, kv);
		return;
	}
	cc = g_hash_table_lookup(cdr->calls, c->id);
	{
		char *done = g_strdup_printf("%u", cc ? cc->completed : 0);
		char *max = g_strdup_printf("%u", cc ? cc->max_active : 0);
		char *dur = secs(c->started);
		const char *kv[] = { "callLegsCompleted", done, "callLegsMaxActive", max,
				     "durationSeconds", dur, NULL };
		cdr_emit(cdr, type, "call", c->id, kv);
		g_free(done);
		g_free(max);
		g_free(dur);
	}
	g_hash_table_remove(cdr->calls, c->id);
}

static void
cdr_peak(struct meet_cdr *cdr, int delta)
{
	int day = (int)(g_get_real_time() / G_USEC_PER_SEC / 86400);

	cdr->active = delta < 0 && cdr->active == 0 ? 0 : cdr->active + (unsigned)delta;
	if (day != cdr->day) {
		cdr->day = day;
		cdr->peak_today = cdr->active;
	}
	if (cdr->active > cdr->peak_today)
		cdr->peak_today = cdr->active;
}

void
meet_cdr_leg(struct meet_cdr *cdr, const char *type, const struct leg *l, const char *why)
{
	struct cdr_call *cc;

	if (!cdr)
		return;
	cc = g_hash_table_lookup(cdr->calls, l->call);
	if (!strcmp(type, "callLegStart")) {
		const char *kv[] = { "displayName", l->name, "remoteParty", l->jid,
				     "subType", "webRTC", "direction", "incoming",
				     "guestConnection", "true", "call", l->call, NULL };
		if (cc && ++cc->active > cc->max_active)
			cc->max_active = cc->active;
		cdr_peak(cdr, 1);
		cdr_emit(cdr, type, "callLeg", l->id, kv);
	} else if (!strcmp(type, "callLegUpdate")) {
		const char *kv[] = { "state", "connected", "call", l->call, NULL };
		cdr_emit(cdr, type, "callLeg", l->id, kv);
	} else {
		const char *reason = meet_cdr_reason(why);
		char *dur = secs(l->started);
		const char *kv[] = { "reason", reason, "remoteTeardown",
				     !strcmp(reason, "remoteTeardown") ? "true" : "false",
				     "durationSeconds", dur, "call", l->call, NULL };
		if (cc) {
			cc->active -= cc->active > 0;
			cc->completed++;
		}
		cdr_peak(cdr, -1);
		cdr_emit(cdr, "callLegEnd", "callLeg", l->id, kv);
		g_free(dur);
	}
}

unsigned
meet_cdr_peak_today(struct meet_cdr *cdr)
{
	cdr_peak(cdr, 0);
	return cdr->peak_today;
}

/* ---- receivers ------------------------------------------------------------- */

void
meet_cdr_receivers(struct meet_cdr *cdr, char uris[][MEET_CDR_URI_MAX])
{
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		g_strlcpy(uris[i], cdr->rcv[i].uri, MEET_CDR_URI_MAX);
}

int
meet_cdr_set_receiver(struct meet_cdr *cdr, unsigned slot, const char *uri)
{
	struct cdr_rcv *r;
	gint64 cursor;

	if (slot >= MEET_CDR_RECEIVERS || (*uri && !meet_cdr_uri_valid(uri)))
		return -1;
	r = &cdr->rcv[slot];
	if (!strcmp(uri, r->uri))
		return 0;
	/* A new receiver starts from now on. */
	cursor = meet_cdr_queue_last(cdr->srv->store);
	if (meet_cdr_queue_receiver_set(cdr->srv->store, slot, uri, cursor) < 0)
		return -1;
	if (r->uri[0])
		meet_alarm_clear(ALARM, r->uri);
	if (r->timer)
		g_source_remove(r->timer);
	r->timer = 0;
	r->backoff_ms = 0;
	g_strlcpy(r->uri, uri, sizeof(r->uri));
	r->cursor = cursor;
	cdr_prune(cdr);
	return 0;
}

struct meet_cdr *
meet_cdr_new(struct meet_server *srv)
{
	struct meet_cdr *cdr = g_new0(struct meet_cdr, 1);

	cdr->srv = srv;
	cdr->soup = soup_session_new_with_options("timeout", 30, "idle-timeout", 60, NULL);
	cdr->cancel = g_cancellable_new();
	cdr->session = g_uuid_string_random();
	cdr->bridge = g_uuid_string_random();
	cdr->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++) {
		struct cdr_rcv *r = &cdr->rcv[i];
		r->cdr = cdr;
		r->slot = i;
		meet_cdr_queue_receiver_get(srv->store, i, r->uri, sizeof(r->uri), &r->cursor);
	}
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		rcv_kick(&cdr->rcv[i]);
	return cdr;
}

void
meet_cdr_free(struct meet_cdr *cdr)
{
	if (!cdr)
		return;
	g_cancellable_cancel(cdr->cancel);
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		if (cdr->rcv[i].timer)
			g_source_remove(cdr->rcv[i].timer);
	soup_session_abort(cdr->soup);
	g_object_unref(cdr->soup);
	g_object_unref(cdr->cancel);
	g_hash_table_unref(cdr->calls);
	g_free(cdr->session);
	g_free(cdr->bridge);
	g_free(cdr);
}
