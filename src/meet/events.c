/*
 * events.c: the event log an operator reads (GET /api/v1/system/log, the
 * events file, and plog) and the alarm table (GET /api/v1/system/alarms).
 * Loop thread only; module state is one static struct because there is one
 * event log per process, opened by meet_main and closed before it returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "meet/meet-internal.h"

#define EVENTS_KEEP 2000

struct event {
	gint64 usec;                /* wall clock */
	int level;
	char *text;
};

struct alarm {
	char *id;                   /* GUID */
	char *type, *key, *reason;
	gint64 since;               /* monotonic usec */
};

/* Process-wide on purpose: meet_event is the process's event log, called
 * from every file like plog (threading a context through each caller buys
 * nothing); owned by the loop thread, opened and closed by main.c. */
static struct {
	int fd;
	struct event ring[EVENTS_KEEP];
	unsigned head, n;           /* oldest at (head - n) mod KEEP */
	GPtrArray *alarms;          /* struct alarm *, raise order */
} ev = { .fd = -1 };

static const char *const level_names[] = { "Debug", "Info", "Notice", "Warning", "Error" };

int
meet_events_open(const char *path, char *err, size_t errlen)
{
	ev.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (ev.fd < 0) {
		snprintf(err, errlen, "cannot open event log %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
alarm_free(gpointer p)
{
	struct alarm *a = p;

	g_free(a->id);
	g_free(a->type);
	g_free(a->key);
	g_free(a->reason);
	g_free(a);
}

void
meet_events_close(void)
{
	for (unsigned i = 0; i < EVENTS_KEEP; i++)
		g_clear_pointer(&ev.ring[i].text, g_free);
	ev.n = ev.head = 0;
	if (ev.fd >= 0)
		close(ev.fd);
	ev.fd = -1;
	g_clear_pointer(&ev.alarms, g_ptr_array_unref);
}

static void
events_file(gint64 usec, int level, const char *text)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
	char *day = g_date_time_format(dt, "%Y-%m-%d\t%H:%M:%S");
	char *line = g_strdup_printf("%s.%03d\t%s\t%s\n", day, (int)(usec / 1000 % 1000),
				     level_names[level], text);
	ssize_t w;

	if (ev.fd >= 0)
		w = write(ev.fd, line, strlen(line));  /* one write: lines never interleave */
	(void)w;
	g_free(line);
	g_free(day);
	g_date_time_unref(dt);
}

void
meet_event(int level, const char *fmt, ...)
{
	struct event *e;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	plog(level, "meet", "%s", text);
	if (level < PLOG_INFO) {
		g_free(text);
		return;
	}
	e = &ev.ring[ev.head];
	g_free(e->text);
	e->usec = g_get_real_time();
	e->level = level;
	e->text = text;
	ev.head = (ev.head + 1) % EVENTS_KEEP;
	if (ev.n < EVENTS_KEEP)
		ev.n++;
	events_file(e->usec, level, text);
}

unsigned
meet_events_foreach(void (*fn)(void *ctx, gint64 usec, int level, const char *text), void *ctx)
{
	unsigned start = (ev.head + EVENTS_KEEP - ev.n) % EVENTS_KEEP;

	for (unsigned i = 0; i < ev.n; i++) {
		const struct event *e = &ev.ring[(start + i) % EVENTS_KEEP];
		fn(ctx, e->usec, e->level, e->text);
	}
	return ev.n;
}

static struct alarm *
alarm_find(const char *type, const char *key, guint *idx)
{
	if (!ev.alarms)
		return NULL;
	for (guint i = 0; i < ev.alarms->len; i++) {
		struct alarm *a = g_ptr_array_index(ev.alarms, i);
		if (!strcmp(a->type, type) && !strcmp(a->key, key ? key : "")) {
			if (idx)
				*idx = i;
			return a;
		}
	}
	return NULL;
}

void
meet_alarm_raise(const char *type, const char *key, const char *reason)
{
	struct alarm *a = alarm_find(type, key, NULL);

	if (a) {
		/* Same condition, new cause: keep the start time, update the reason. */
		if (reason && strcmp(a->reason, reason)) {
			meet_event(PLOG_WARN, "alarm %s %s: now %s", type, a->key, reason);
			g_free(a->reason);
			a->reason = g_strdup(reason);
		}
		return;
	}
	if (!ev.alarms)
		ev.alarms = g_ptr_array_new_with_free_func(alarm_free);
	a = g_new0(struct alarm, 1);
	a->id = g_uuid_string_random();
	a->type = g_strdup(type);
	a->key = g_strdup(key ? key : "");
	a->reason = g_strdup(reason ? reason : "");
	a->since = g_get_monotonic_time();
	g_ptr_array_add(ev.alarms, a);
	meet_event(PLOG_WARN, "alarm raised: %s%s%s%s%s", type, *a->key ? " " : "", a->key,
		   *a->reason ? ": " : "", a->reason);
}

void
meet_alarm_clear(const char *type, const char *key)
{
	guint i;

	if (!alarm_find(type, key, &i))
		return;
	meet_event(PLOG_INFO, "alarm cleared: %s%s%s", type, key && *key ? " " : "", key ? key : "");
	g_ptr_array_remove_index(ev.alarms, i);
}

int
meet_alarm_active(const char *type, const char *key)
{
	return alarm_find(type, key, NULL) != NULL;
}

void
meet_alarm_foreach(void (*fn)(void *ctx, const char *id, const char *type, const char *key,
			      const char *reason, gint64 since), void *ctx)
{
	if (!ev.alarms)
		return;
	for (guint i = 0; i < ev.alarms->len; i++) {
		struct alarm *a = g_ptr_array_index(ev.alarms, i);
		fn(ctx, a->id, a->type, a->key, a->reason, a->since);
	}
}

unsigned
meet_alarm_count(void)
{
	return ev.alarms ? ev.alarms->len : 0;
}
