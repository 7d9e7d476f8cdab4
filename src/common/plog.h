/*
 * plog.h: one-line operator logs, safe from any thread.
 *
 * Line format (architecture.md):
 *   2026-11-25T08:40:00.123Z info turn: sentence key=value ...
 * Each line reaches the log file descriptor in one write(2), so lines from
 * different threads never interleave.  Lines longer than PLOG_LINE_MAX are
 * truncated and end with "...".  Never pass secrets (passwords, keys, HMACs).
 */
#ifndef PORTICO_PLOG_H
#define PORTICO_PLOG_H

#include <stdarg.h>

#define PLOG_LINE_MAX 2048

enum plog_level {
	PLOG_DEBUG,
	PLOG_INFO,
	PLOG_NOTICE,
	PLOG_WARN,
	PLOG_ERROR,
};

/* Lines below level are dropped.  Default PLOG_INFO.  Any thread. */
void plog_set_level(enum plog_level level);
/* Parses "debug", "info", "notice", "warn", "error"; -1 if none. */
int plog_level_parse(const char *name);
/* Where lines go (default 2, stderr).  The caller keeps ownership of fd. */
void plog_set_fd(int fd);
int plog_enabled(enum plog_level level);

__attribute__((format(printf, 3, 4)))
void plog(enum plog_level level, const char *module, const char *fmt, ...);
void plogv(enum plog_level level, const char *module, const char *fmt, va_list ap);

#endif
