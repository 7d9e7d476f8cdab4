/*
 * api-system.c: system/status, system/alarms and system/log.  Loop thread.
 */
#include <string.h>

#include "common/plog.h"
#include "meet/api-internal.h"
#include "meet/callbridge.h"
#include "meet/cdr.h"

void
api_system_status(struct req *r)
{
	struct meet_node *n = meet_node_new("status");
	unsigned calls, legs, max, done;
	uint64_t ain, aout, vin, vout;
	GDateTime *now = g_date_time_new_now_utc();
	char *t = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

	meet_cb_stats(r->srv->cb, &calls, &legs, &max, &done);
	meet_node_text(n, "softwareVersion", PORTICO_MEET_VERSION);
	api_text_long(n, "uptimeSeconds", (g_get_monotonic_time() - r->srv->started) / G_USEC_PER_SEC);
	meet_node_text(n, "cdrTime", t);
	meet_node_text(n, "activated", "true");
	meet_node_text(n, "clusterEnabled", "false");
	api_text_long(n, "callsActive", calls);
	api_text_long(n, "callLegsActive", legs);
	api_text_long(n, "callLegsMaxActive", max);
	api_text_long(n, "callLegsCompleted", done);
	meet_cb_bitrates(r->srv->cb, &ain, &aout, &vin, &vout);
	api_text_long(n, "audioBitRateOutgoing", (long)aout);
	api_text_long(n, "audioBitRateIncoming", (long)ain);
	api_text_long(n, "videoBitRateOutgoing", (long)vout);
	api_text_long(n, "videoBitRateIncoming", (long)vin);
	g_free(t);
	g_date_time_unref(now);
	api_reply_node(r, 200, n);
}

struct alarm_ctx {
	struct meet_node *root;
	long offset, limit, i;
};

static void
alarm_one(void *p, const char *id, const char *type, const char *key, const char *reason,
	  gint64 since)
{
	struct alarm_ctx *a = p;
	struct meet_node *n;

	if (a->i++ < a->offset || a->i > a->offset + a->limit)
		return;
	n = meet_node_add(a->root, "alarm");
	meet_node_attr(n, "id", id);
	meet_node_text(n, "type", type);
	api_text_long(n, "activeTimeSeconds", (g_get_monotonic_time() - since) / G_USEC_PER_SEC);
	if (*reason)
		meet_node_text(n, "failureReason", reason);
	if (!strcmp(type, "turnServerUnavailable"))
		meet_node_text(n, "turnServer", key);
	else if (*key)
		meet_node_text(n, "source", key);
}

void
api_system_alarms(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", NULL };
	struct alarm_ctx a = { meet_node_new("alarms"), 0, 0, 0 };
	char buf[16];

	if (api_query_check(r, allowed) < 0 || api_paging(r, &a.offset, &a.limit) < 0) {
		meet_node_free(a.root);
		return;
	}
	meet_node_list(a.root, "alarm");
	meet_alarm_foreach(alarm_one, &a);
	g_snprintf(buf, sizeof(buf), "%u", meet_alarm_count());
	meet_node_attr(a.root, "total", buf);
	api_reply_node(r, 200, a.root);
}

static void
log_one(void *p, gint64 usec, int level, const char *text)
{
	static const char *const names[] = { "debug", "info", "notice", "warning", "error" };
	struct alarm_ctx *a = p;
	GDateTime *dt;
	struct meet_node *n;
	char *t;

	if (a->i++ < a->offset || a->i > a->offset + a->limit)
		return;
	dt = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
	t = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	n = meet_node_add(a->root, "event");
	meet_node_text(n, "time", t);
	meet_node_text(n, "level", names[level]);
	meet_node_text(n, "message", text);
	g_free(t);
	g_date_time_unref(dt);
}

void
api_system_log(struct req *r)
{
	static const char *const allowed[] = { "offset", "limit", NULL };
	struct alarm_ctx a = { meet_node_new("log"), 0, 0, 0 };
	unsigned total;
	char buf[16];

	if (api_query_check(r, allowed) < 0 || api_paging(r, &a.offset, &a.limit) < 0) {
		meet_node_free(a.root);
		return;
	}
	/* The event log is long: its page size is 10 times the usual one. */
	if (!meet_form_get(&r->query, "limit") || a.limit == (long)r->srv->cfg.page_cap)
		a.limit = (long)r->srv->cfg.page_cap * 10;
	meet_node_list(a.root, "event");
	total = meet_events_foreach(log_one, &a);
	g_snprintf(buf, sizeof(buf), "%u", total);
	meet_node_attr(a.root, "total", buf);
	api_reply_node(r, 200, a.root);
}

/* ---- system/cdrReceivers, system/cdrReceiver, system/multipartyLicensing --- */

static void
cdr_render(struct req *r, int single)
{
	char uris[MEET_CDR_RECEIVERS][MEET_CDR_URI_MAX];
	struct meet_node *root = meet_node_new(single ? "cdrReceiver" : "cdrReceivers");
	unsigned total = 0;
	char buf[16];

	meet_cdr_receivers(r->srv->cdr, uris);
	if (single) {
		if (uris[0][0])
			meet_node_text(root, "uri", uris[0]);
		api_reply_node(r, 200, root);
		return;
	}
	meet_node_list(root, "cdrReceiver");
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++) {
		struct meet_node *n;
		if (!uris[i][0])
			continue;
		n = meet_node_add(root, "cdrReceiver");
		g_snprintf(buf, sizeof(buf), "%u", i + 1);
		meet_node_attr(n, "id", buf);
		meet_node_text(n, "uri", uris[i]);
		total++;
	}
	g_snprintf(buf, sizeof(buf), "%u", total);
	meet_node_attr(root, "total", buf);
	api_reply_node(r, 200, root);
}

void
api_system_cdr_get(struct req *r)
{
	static const char *const allowed[] = { NULL };

	if (api_query_check(r, allowed) < 0)
		return;
	cdr_render(r, g_ascii_strcasecmp(r->segs[1], "cdrReceivers") != 0);
}

/* PUT: "uri" (or "uri1") is the first receiver, "uri2".."uri4" the others;
 * an empty value removes one.  All are checked before any is set. */
void
api_system_cdr_put(struct req *r)
{
	static const char *const plural[] = { "uri", "uri1", "uri2", "uri3", "uri4", NULL };
	static const char *const single[] = { "uri", NULL };
	int one = g_ascii_strcasecmp(r->segs[1], "cdrReceivers") != 0;
	const char *val[MEET_CDR_RECEIVERS] = { NULL };

	if (api_names_check(r, &r->body, one ? single : plural) < 0)
		return;
	for (unsigned i = 0; plural[i]; i++) {
		const char *v = meet_form_get(&r->body, plural[i]);
		unsigned slot = i == 0 ? 0 : i - 1;
		if (!v)
			continue;
		if (*v && !meet_cdr_uri_valid(v)) {
			meet_event(PLOG_WARN, "API: system/cdrReceivers: %s is not an http(s) URL", plural[i]);
			api_reply_param(r, plural[i], "invalidValue");
			return;
		}
		val[slot] = v;
	}
	for (unsigned i = 0; i < MEET_CDR_RECEIVERS; i++)
		if (val[i] && meet_cdr_set_receiver(r->srv->cdr, i, val[i]) < 0) {
			api_reply_fail(r, 500, "databaseNotReady");
			return;
		}
	api_reply_ok(r, NULL);
}

void
api_system_licensing(struct req *r)
{
	static const char *const allowed[] = { NULL };
	struct meet_node *n;
	unsigned calls, legs, max, done;
	GDateTime *now;
	char *t;

	if (api_query_check(r, allowed) < 0)
		return;
	n = meet_node_new("multipartyLicensing");
	now = g_date_time_new_now_utc();
	t = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	meet_cb_stats(r->srv->cb, &calls, &legs, &max, &done);
	meet_node_text(n, "timestamp", t);
	api_text_long(n, "personalLicenses", 0);
	api_text_long(n, "sharedLicenses", 0);
	api_text_long(n, "calls", calls);
	api_text_long(n, "participants", legs);
	api_text_long(n, "weightedCalls", calls);
	/* portico's extension: peaks since start and today (UTC). */
	api_text_long(n, "participantsPeak", max);
	api_text_long(n, "participantsPeakToday", meet_cdr_peak_today(r->srv->cdr));
	g_free(t);
	g_date_time_unref(now);
	api_reply_node(r, 200, n);
}

/* ---- status probes (paused messages) --------------------------------------- */
