/*
 * cli.h: the command line of the server roles (turn, edge):
 *
 *   portico <role> -c FILE [--check] [status]
 *
 * One parser so the roles agree on options, messages and exit codes.
 * Uses GLib's GOption (--help prints the usage and exits).
 */
#ifndef PORTICO_CLI_H
#define PORTICO_CLI_H

struct cli_role {
	const char *role;          /* "turn": messages start "portico turn: " */
	const char *summary;       /* the usage line after "[status] - " */
	const char *check_help;    /* what --check validates */
	const char *description;   /* the help's closing paragraph */
	const char *conf_hint;     /* where sample files are, for a missing -c */
};

/*
 * 0 with *path set (the caller g_frees it) and *check, *status 0 or 1;
 * 2, a usage error already printed on stderr, with *path NULL.  argv may
 * be reordered.
 */
int cli_role_parse(const struct cli_role *r, int argc, char **argv, char **path, int *check,
		   int *status);

#endif
