/*
 * doctor.c: `portico doctor`: options, what the deployment looks like
 * (a lab's lab.ini, or the node configs and admin credentials), the run of
 * the check table, one line per check, exit 1 when anything failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "common/addr.h"
#include "common/netns.h"
#include "doctor/doctor-internal.h"
#include "doctor/doctor.h"
#include "httpc/httpc.h"

struct opts {
	char *lab, *outside, *inside, *meet, *external_name, *public_addr, *ext_resolver;
	char *int_resolver, *api, *api_name, *api_user, *api_password_file, *ca, *netns, *client_netns;
	char **only;
	int list, timeout_ms;
};

/* ---- loading ------------------------------------------------------------ */

static int
load_conf(const char *path, struct ini *ini, int *have)
{
	char err[INI_ERR_MAX];

	if (!path)
		return 0;
	if (ini_load(ini, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "portico doctor: %s\n", err);
		return -1;
	}
	*have = 1;
	return 0;
}

/* Fill unset options from <lab>/lab.ini (what `portico lab` wrote). */
static int
from_lab(struct opts *o)
{
	static const struct { const char *key; size_t off; } keys[] = {
#define K(k, f) { k, offsetof(struct opts, f) }
		K("outside", outside), K("inside", inside), K("meet", meet),
		K("external-name", external_name), K("public-address", public_addr),
		K("external-resolver", ext_resolver), K("internal-resolver", int_resolver),
		K("api", api), K("api-name", api_name), K("api-user", api_user),
		K("api-password-file", api_password_file), K("ca", ca), K("netns", netns),
		K("client-netns", client_netns),
#undef K
	};
	char *path = g_build_filename(o->lab, "lab.ini", NULL), err[INI_ERR_MAX];
	struct ini ini = { 0 };
	int ret = ini_load(&ini, path, err, sizeof(err));

	if (ret < 0)
		fprintf(stderr, "portico doctor: %s (is %s a lab state directory?)\n", err, o->lab);
	for (size_t i = 0; ret == 0 && i < G_N_ELEMENTS(keys); i++) {
		char **slot = (char **)((char *)o + keys[i].off);
		const char *v = doctor_ini_get(&ini, "lab", keys[i].key);
		if (!*slot && v)
			*slot = g_strdup(v);
	}
	ini_free(&ini);
	g_free(path);
	return ret;
}

static char *
read_secret(const char *path)
{
	char *s = NULL;

	if (!path || !g_file_get_contents(path, &s, NULL, NULL))
		return NULL;
	return g_strstrip(s);
}

/* "https://host:port" of the admin API. */
static int
set_api(struct doctor *d, const char *url)
{
	GUri *u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);

	if (!u || !g_uri_get_host(u)) {
		fprintf(stderr, "portico doctor: --api %s is not an https:// URL\n", url);
		if (u)
			g_uri_unref(u);
		return -1;
	}
	d->api_host = g_strdup(g_uri_get_host(u));
	d->api_port = g_uri_get_port(u) > 0 ? g_uri_get_port(u) : 445;
	g_uri_unref(u);
	return 0;
}

/* The outside edge's guest port, from [webproxy] listen (443 without). */
static int
guest_port(const struct doctor *d)
{
	const char *v = d->have_outside ? doctor_ini_get(&d->outside, "webproxy", "listen") : NULL;
	struct sockaddr_storage sa;

	return v && addr_parse(v, 443, &sa) == 0 ? addr_port(&sa) : 443;
}

static int
setup(struct doctor *d, struct opts *o)
{
	if (o->lab && from_lab(o) < 0)
		return -1;
	if (load_conf(o->outside, &d->outside, &d->have_outside) < 0 ||
	    load_conf(o->inside, &d->inside, &d->have_inside) < 0 ||
	    load_conf(o->meet, &d->meet, &d->have_meet) < 0)
		return -1;
	d->external_name = g_strdup(o->external_name ? o->external_name :
				    d->have_outside ? doctor_ini_get(&d->outside, "webproxy", "hosts") : NULL);
	if (!d->external_name) {
		fprintf(stderr, "portico doctor: the external name is not known: give --external-name "
			"or --outside\n");
		return -1;
	}
	d->public_addr = g_strdup(o->public_addr);
	d->ext_resolver = g_strdup(o->ext_resolver ? o->ext_resolver : "system");
	d->int_resolver = g_strdup(o->int_resolver ? o->int_resolver :
				   d->have_inside && ini_has_section(&d->inside, "dns") ? "config" : "system");
	d->api_name = g_strdup(o->api_name);
	d->api_user = g_strdup(o->api_user);
	d->api_password = read_secret(o->api_password_file);
	if (!d->api_password && g_getenv("PORTICO_API_PASSWORD"))
		d->api_password = g_strdup(g_getenv("PORTICO_API_PASSWORD"));
	d->ca = g_strdup(o->ca);
	d->guest_port = guest_port(d);
	d->netns = g_strdup(o->netns);
	d->client_netns = g_strdup(o->client_netns);
	d->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 3000;
	return o->api ? set_api(d, o->api) : 0;
}

static void
doctor_clear(struct doctor *d)
{
	if (d->api_password)
		explicit_bzero(d->api_password, strlen(d->api_password));
	g_free(d->api_password);
	g_free(d->external_name);
	g_free(d->public_addr);
	g_free(d->ext_resolver);
	g_free(d->int_resolver);
	g_free(d->api_host);
	g_free(d->api_name);
	g_free(d->api_user);
	g_free(d->ca);
	g_free(d->netns);
	g_free(d->client_netns);
	ini_free(&d->outside);
	ini_free(&d->inside);
	ini_free(&d->meet);
}

/* ---- running ------------------------------------------------------------ */

static int
selected(const struct opts *o, const char *name)
{
	if (!o->only)
		return 1;
	for (char **p = o->only; *p; p++)
		if (!strcmp(*p, name))
			return 1;
	return 0;
}

/* Runs one check in the namespace of its view and prints its line.
 * 1 when it failed. */
static int
run_one(const struct doctor *d, const struct doctor_check *c)
{
	static const char *const tag[] = { "PASS", "FAIL", "SKIP" };
	struct doctor_result r = { DOCTOR_SKIP, "", "" };
	const char *ns = c->client ? d->client_netns : d->netns;
	int failed;

	if (ns && netns_enter(ns) < 0)
		doctor_fail(&r, "run doctor as root, with the lab up", "cannot enter the network "
			    "namespace %s", ns);
	else
		c->run(d, &r);
	netns_enter(NULL);
	failed = r.status == DOCTOR_FAIL;
	printf("%s %-17s %s%s%s%s\n", tag[r.status], c->name, r.cause, failed ? ". Fix: " : "",
	       failed ? r.fix : "", failed ? "." : "");
	fflush(stdout);
	return failed;
}

static int
run_checks(const struct doctor *d, const struct opts *o)
{
	size_t n;
	const struct doctor_check *c = doctor_check_table(&n);
	int failed = 0;

	for (size_t i = 0; i < n; i++)
		if (selected(o, c[i].name))
			failed += run_one(d, &c[i]);
	return failed;
}

static void
list_checks(void)
{
	size_t n;
	const struct doctor_check *c = doctor_check_table(&n);

	for (size_t i = 0; i < n; i++)
		printf("%-17s %s\n", c[i].name, c[i].what);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	GOptionEntry entries[] = {
		{ "lab", 0, 0, G_OPTION_ARG_FILENAME, &o->lab, "a portico lab state directory (reads its lab.ini)", "DIR" },
		{ "outside", 0, 0, G_OPTION_ARG_FILENAME, &o->outside, "the outside edge's config", "FILE" },
		{ "inside", 0, 0, G_OPTION_ARG_FILENAME, &o->inside, "the inside edge's config", "FILE" },
		{ "meet", 0, 0, G_OPTION_ARG_FILENAME, &o->meet, "the meeting server's config", "FILE" },
		{ "external-name", 0, 0, G_OPTION_ARG_STRING, &o->external_name, "the Web Bridge URI host (default: outside [webproxy] hosts)", "NAME" },
		{ "public-address", 0, 0, G_OPTION_ARG_STRING, &o->public_addr, "the edge's public (NAT) address", "ADDR" },
		{ "external-resolver", 0, 0, G_OPTION_ARG_STRING, &o->ext_resolver, "how browsers resolve: system | map:NAME=ADDR,...", "SPEC" },
		{ "internal-resolver", 0, 0, G_OPTION_ARG_STRING, &o->int_resolver, "how the inside resolves: config | system | map:...", "SPEC" },
		{ "api", 0, 0, G_OPTION_ARG_STRING, &o->api, "the meeting server's admin API, https://HOST:PORT", "URL" },
		{ "api-name", 0, 0, G_OPTION_ARG_STRING, &o->api_name, "TLS name of the admin API", "NAME" },
		{ "api-user", 0, 0, G_OPTION_ARG_STRING, &o->api_user, "admin API user", "USER" },
		{ "api-password-file", 0, 0, G_OPTION_ARG_FILENAME, &o->api_password_file, "file holding its password (or $PORTICO_API_PASSWORD)", "FILE" },
		{ "ca", 0, 0, G_OPTION_ARG_FILENAME, &o->ca, "CA bundle browsers trust (default: the system's)", "FILE" },
		{ "netns", 0, 0, G_OPTION_ARG_STRING, &o->netns, "network namespace of the inside view", "NS" },
		{ "client-netns", 0, 0, G_OPTION_ARG_STRING, &o->client_netns, "network namespace of the client view", "NS" },
		{ "check", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->only, "run only this check (repeatable)", "NAME" },
		{ "list", 0, 0, G_OPTION_ARG_NONE, &o->list, "list the checks", NULL },
		{ "timeout-ms", 0, 0, G_OPTION_ARG_INT, &o->timeout_ms, "per probe (default 3000)", "MS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("- diagnose a portico deployment");
	GError *err = NULL;
	int ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	ok = g_option_context_parse(ctx, &argc, &argv, &err);
	g_option_context_free(ctx);
	if (!ok) {
		fprintf(stderr, "portico doctor: %s\n", err->message);
		g_error_free(err);
	}
	return ok ? 0 : -1;
}

static void
opts_clear(struct opts *o)
{
	char **s[] = { &o->lab, &o->outside, &o->inside, &o->meet, &o->external_name, &o->public_addr,
		       &o->ext_resolver, &o->int_resolver, &o->api, &o->api_name, &o->api_user,
		       &o->api_password_file, &o->ca, &o->netns, &o->client_netns };

	for (size_t i = 0; i < G_N_ELEMENTS(s); i++)
		g_free(*s[i]);
	g_strfreev(o->only);
}

int
doctor_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct doctor d = { 0 };
	int status = 2;

	if (parse_opts(argc, argv, &o) < 0)
		goto out;
	if (o.list) {
		list_checks();
		status = 0;
		goto out;
	}
	if (setup(&d, &o) < 0)
		goto out;
	gnutls_global_init();
	status = run_checks(&d, &o) ? 1 : 0;
	gnutls_global_deinit();
out:
	doctor_clear(&d);
	opts_clear(&o);
	return status;
}
