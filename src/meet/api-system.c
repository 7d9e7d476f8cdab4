/*
 * api-system.c: system/status, system/alarms and system/log.  Loop thread.
 */
#include <string.h>

#include "meet/api-internal.h"
#include "meet/callbridge.h"

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

/* ---- status probes (paused messages) --------------------------------------- */
