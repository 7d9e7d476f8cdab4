/* cli.c: the server roles' shared command line (cli.h). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"

int
cli_role_parse(const struct cli_role *r, int argc, char **argv, char **path, int *check,
	       int *status)
{
	gboolean chk = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, path, "configuration file", "FILE" },
		{ "check", 0, 0, G_OPTION_ARG_NONE, &chk, r->check_help, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	char *usage = g_strconcat("[status] - ", r->summary, NULL);
	GOptionContext *oc = g_option_context_new(usage);
	GError *gerr = NULL;
	int ret = 2;

	*path = NULL;
	*status = 0;
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(oc, r->description);
	if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
		fprintf(stderr, "portico %s: %s\n", r->role, gerr->message);
		g_error_free(gerr);
		goto out;
	}
	if (argc > 1 && !strcmp(argv[1], "status"))
		*status = 1, argc--, argv++;
	if (argc > 1) {
		fprintf(stderr, "portico %s: unexpected argument \"%s\"\n", r->role, argv[1]);
		goto out;
	}
	if (!*path) {
		fprintf(stderr, "portico %s: a configuration file is required (-c FILE; see %s)\n",
			r->role, r->conf_hint);
		goto out;
	}
	ret = 0;
out:
	if (ret) {
		g_free(*path);
		*path = NULL;
	}
	*check = chk;
	g_option_context_free(oc);
	g_free(usage);
	return ret;
}
