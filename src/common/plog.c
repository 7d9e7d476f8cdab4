/* plog.c: see plog.h.  The level and fd are atomics: set at start-up or on
 * reload by the control thread, read by every thread. */
#include "common/plog.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int plog_level_min = PLOG_INFO;
static atomic_int plog_fd = 2;

static const char *const level_names[] = {
	[PLOG_DEBUG] = "debug",
	[PLOG_INFO] = "info",
	[PLOG_NOTICE] = "notice",
	[PLOG_WARN] = "warn",
	[PLOG_ERROR] = "error",
};

void
plog_set_level(enum plog_level level)
{
	atomic_store(&plog_level_min, (int)level);
}

int
plog_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return PLOG_WARN;
	return -1;
}

void
plog_set_fd(int fd)
{
	atomic_store(&plog_fd, fd);
}

int
plog_enabled(enum plog_level level)
{
	return (int)level >= atomic_load(&plog_level_min);
}

static size_t
stamp(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void
plogv(enum plog_level level, const char *module, const char *fmt, va_list ap)
{
	char line[PLOG_LINE_MAX];
	size_t n;
	int r;

	if (!plog_enabled(level))
		return;
	n = stamp(line, sizeof(line));
	r = snprintf(line + n, sizeof(line) - n, "%s %s: ",
		     level_names[level], module);
	if (r > 0)
		n += (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (r > 0)
			n += (size_t)r;
	}
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 1;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	/* One write per line; a short write to a pipe or file is not retried
	 * (a log must never block the data path). */
	int saved = errno;
	ssize_t w = write(atomic_load(&plog_fd), line, n);
	(void)w;
	errno = saved;
}

void
plog(enum plog_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plogv(level, module, fmt, ap);
	va_end(ap);
}
