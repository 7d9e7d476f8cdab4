/* sdnotify.c: see sdnotify.h. */
#include "common/sdnotify.h"

#include <stdio.h>

#include "portico-config.h"

#ifdef PORTICO_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

static void
notify(const char *state)
{
	/* 0: keep $NOTIFY_SOCKET, the reload sends READY=1 again. */
	sd_notify(0, state);
}
#else
static void
notify(const char *state)
{
	(void)state;
}
#endif

void
sdnotify_ready(const char *status)
{
	char buf[512];

	if (status) {
		snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
		notify(buf);
	} else {
		notify("READY=1");
	}
}

void
sdnotify_reloading(void)
{
	notify("RELOADING=1");
}

void
sdnotify_stopping(void)
{
	notify("STOPPING=1");
}
