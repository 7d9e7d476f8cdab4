/* test_datadir.c: where data, state and sockets are (src/common/datadir.c). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/datadir.h"
#include "tap.h"

static void
check_str(char *got, const char *want, const char *name)
{
	ok(got && strcmp(got, want) == 0, "%s: %s", name, got ? got : "(null)");
	free(got);
}

int
main(void)
{
	char dir[] = "/tmp/portico-datadir-XXXXXX";
	char buf[256];

	if (!mkdtemp(dir))
		return 1;
	setenv("PORTICO_WEB_ROOT", "/srv/web", 1);
	check_str(datadir_web(), "/srv/web", "PORTICO_WEB_ROOT wins");
	unsetenv("PORTICO_WEB_ROOT");
	setenv("PORTICO_DATADIR", "/opt/portico", 1);
	check_str(datadir_web(), "/opt/portico/web", "PORTICO_DATADIR/web");
	unsetenv("PORTICO_DATADIR");
	{
		char *w = datadir_web();
		ok(w && strlen(w) > 4 && strcmp(w + strlen(w) - 4, "/web") == 0, "a default web dir: %s", w);
		free(w);
	}
	if (geteuid() == 0) {
		check_str(datadir_state("lab"), "/var/lib/portico/lab", "root's state in /var/lib/portico");
	} else {
		setenv("XDG_STATE_HOME", "/x/state", 1);
		check_str(datadir_state("lab"), "/x/state/portico/lab", "XDG_STATE_HOME/portico/<role>");
	}
	setenv("RUNTIME_DIRECTORY", dir, 1);
	check_str(datadir_runtime(), dir, "RUNTIME_DIRECTORY first");
	snprintf(buf, sizeof(buf), "%s/turn.sock", dir);
	check_str(datadir_socket("/etc/portico/turn.conf", 1), buf, "socket named after the config");
	snprintf(buf, sizeof(buf), "%s/edge-inside.sock", dir);
	check_str(datadir_socket("edge-inside.conf", 0), buf, "a relative config, client side");
	snprintf(buf, sizeof(buf), "%s/x.ini.sock", dir);
	check_str(datadir_socket("x.ini", 1), buf, "no .conf: the whole name");
	rmdir(dir);
	return tap_done();
}
