/*
 * sdnotify.h: readiness and state for systemd's Type=notify services
 * (libsystemd's sd_notify).  Outside systemd ($NOTIFY_SOCKET unset) and in
 * a build without libsystemd every call does nothing.
 *
 * Call from the control thread: ready once every listener is bound,
 * reloading when SIGHUP starts a re-read and ready again when it is done,
 * stopping when shutdown begins.  status is a one-line sentence shown by
 * `systemctl status` (may be NULL).
 */
#ifndef PORTICO_SDNOTIFY_H
#define PORTICO_SDNOTIFY_H

void sdnotify_ready(const char *status);
void sdnotify_reloading(void);
void sdnotify_stopping(void);

#endif
