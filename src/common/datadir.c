/* datadir.c: see datadir.h.  Configure-time paths come from portico-config.h
 * (PORTICO_DATADIR, PORTICO_SOURCE_ROOT, PORTICO_BUILD_ROOT). */
#include "common/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "portico-config.h"

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Is this binary the one in the build directory it was configured in? */
static int
running_from_build(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return strcmp(exe, PORTICO_BUILD_ROOT) == 0;
}

char *
datadir_web(void)
{
	const char *v;
	char *p;

	if ((v = env("PORTICO_WEB_ROOT")))
		return strdup(v);
	if ((v = env("PORTICO_DATADIR")))
		return fmt("%s/web", v);
	if (running_from_build() && is_dir(PORTICO_SOURCE_ROOT "/web"))
		return strdup(PORTICO_SOURCE_ROOT "/web");
	if (is_dir(PORTICO_DATADIR "/web"))
		return strdup(PORTICO_DATADIR "/web");
	p = strdup(PORTICO_SOURCE_ROOT "/web");
	return p;
}

char *
datadir_state(const char *role)
{
	const char *v;

	if (geteuid() == 0)
		return fmt("/var/lib/portico/%s", role);
	if ((v = env("XDG_STATE_HOME")))
		return fmt("%s/portico/%s", v, role);
	if ((v = env("HOME")))
		return fmt("%s/.local/state/portico/%s", v, role);
	return fmt("/tmp/portico-%u/%s", (unsigned)geteuid(), role);
}

/* The runtime directory candidates, best first; n is at most 4. */
static unsigned
runtime_candidates(char *out[4])
{
	const char *v;
	unsigned n = 0;

	if ((v = env("RUNTIME_DIRECTORY")))
		out[n++] = strdup(v);
	if (is_dir("/run/portico") && access("/run/portico", W_OK | X_OK) == 0)
		out[n++] = strdup("/run/portico");
	if ((v = env("XDG_RUNTIME_DIR")))
		out[n++] = fmt("%s/portico", v);
	out[n++] = fmt("/tmp/portico-%u", (unsigned)geteuid());
	return n;
}

char *
datadir_runtime(void)
{
	char *c[4], *best;
	unsigned n = runtime_candidates(c);

	best = c[0];
	for (unsigned i = 1; i < n; i++)
		free(c[i]);
	return best;
}

static char *
stem(const char *config_path)
{
	const char *base = strrchr(config_path, '/');
	size_t len;

	base = base ? base + 1 : config_path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	return len ? strndup(base, len) : strdup("portico");
}

char *
datadir_socket(const char *config_path, int create)
{
	char *c[4], *name = stem(config_path), *path = NULL;
	unsigned n = runtime_candidates(c);
	struct stat st;

	/* A client also looks in /run/portico when it cannot write there
	 * (an operator's shell asking a service). */
	if (!create && n < 4 && is_dir("/run/portico") && strcmp(c[0], "/run/portico"))
		c[n++] = strdup("/run/portico");
	for (unsigned i = 0; name && !create && i < n && !path; i++) {
		char *p = c[i] ? fmt("%s/%s.sock", c[i], name) : NULL;
		if (p && stat(p, &st) == 0 && S_ISSOCK(st.st_mode))
			path = p;
		else
			free(p);
	}
	if (!path && name && c[0]) {
		if (create && mkdir(c[0], 0750) < 0 && errno != EEXIST)
			goto out;
		/* Never a directory someone else made for us (/tmp). */
		if (create && (lstat(c[0], &st) < 0 || !S_ISDIR(st.st_mode) ||
			       (st.st_uid != geteuid() && st.st_uid != 0)))
			goto out;
		path = fmt("%s/%s.sock", c[0], name);
	}
out:
	for (unsigned i = 0; i < n; i++)
		free(c[i]);
	free(name);
	return path;
}

int
datadir_socket_live(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, live;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return live;
}
