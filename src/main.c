/*
 * portico: one multi-call binary.  `portico <subcommand> [options]`, or
 * invoked through a link named portico-<subcommand>.
 */
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "edge/edge.h"
#include "lab/lab.h"
#include "meet/meet.h"
#include "portico-config.h"
#include "turn/turn.h"

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static int version_main(int argc, char **argv);
static int help_main(int argc, char **argv);

/* PORTICO_SUBCOMMANDS (portico-config.h) holds one SUBCOMMAND(name,
 * summary) per module built that has a <name>_main: the build's module
 * list decides what this binary can do. */
#define SUBCOMMAND(name, summary) { #name, name##_main, summary },
static const struct subcommand subcommands[] = {
	PORTICO_SUBCOMMANDS
	{ "version", version_main, "print the version" },
	{ "help", help_main, "list subcommands" },
};
#undef SUBCOMMAND

static int
version_main(int argc, char **argv)
{
	printf("portico %s\n", PORTICO_VERSION);
	return 0;
}

static int
help_main(int argc, char **argv)
{
	printf("usage: portico <subcommand> [options]   (portico <subcommand> --help)\n\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		printf("  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	const char *name;

	self = self ? self + 1 : argv[0];
	if (strncmp(self, "portico-", 8) == 0) {
		name = self + 8;
	} else {
		if (argc < 2) {
			help_main(argc, argv);
			return 2;
		}
		name = argv[1];
		argc--;
		argv++;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return help_main(argc, argv);
	if (strcmp(name, "--version") == 0)
		return version_main(argc, argv);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(name, subcommands[i].name) == 0)
			return subcommands[i].main(argc, argv);
	fprintf(stderr, "portico: unknown subcommand \"%s\" (try: portico help)\n", name);
	return 2;
}
