/*
 * netns.c: netns_enter (netns.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "common/netns.h"

int
netns_enter(const char *ns)
{
	/* The namespace this thread came from, until it goes back. */
	static __thread int home = -1;
	char path[PATH_MAX];
	int fd, ret;

	if (!ns) {
		if (home < 0)
			return 0;
		ret = setns(home, CLONE_NEWNET);
		close(home);
		home = -1;
		return ret;
	}
	if (home < 0)
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (snprintf(path, sizeof(path), "/run/netns/%s", ns) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	close(fd);
	return ret;
}
