/*
 * test_doctor.c: src/doctor/doctor.c (included to reach its statics) and
 * the result setters and config lookup of base.c: check selection, the
 * --api URL, the guest port from the outside config, options filled from a
 * lab's lab.ini, setup's defaults and refusals, and doctor_main end to end
 * (--list, one check through a map: resolver passing and failing, bad
 * options) with its stdout captured.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../../src/doctor/doctor.c"
#include "tap.h"

#define NAME "cmsweb.octavio.com"

static char *tmp;

static void
test_base(void)
{
	struct doctor_result r = { 0 };
	struct ini ini = { 0 };
	char err[INI_ERR_MAX];
	static const char text[] = "[a]\nk = 1\n[b]\nk = 2\n";

	doctor_pass(&r, "all %s", "good");
	ok(r.status == DOCTOR_PASS && !strcmp(r.cause, "all good") && !r.fix[0], "doctor_pass");
	doctor_skip(&r, "not known");
	ok(r.status == DOCTOR_SKIP && !strcmp(r.cause, "not known"), "doctor_skip");
	doctor_fail(&r, "do this", "broken %d", 7);
	ok(r.status == DOCTOR_FAIL && !strcmp(r.cause, "broken 7") && !strcmp(r.fix, "do this"), "doctor_fail");
	ini_parse(&ini, "t", text, sizeof(text) - 1, err, sizeof(err));
	is_str(doctor_ini_get(&ini, "b", "k"), "2", "doctor_ini_get: section and key");
	ok(!doctor_ini_get(&ini, "c", "k"), "doctor_ini_get: NULL when absent");
	ini_free(&ini);
}

static void
test_options(void)
{
	char *only[] = { "tunnels", NULL };
	struct opts o = { 0 };
	struct doctor d = { 0 };
	char *ini = g_build_filename(tmp, "lab.ini", NULL), err[INI_ERR_MAX];
	static const char outside[] = "[webproxy]\nlisten = 127.0.0.1:9443\n";

	ok(selected(&o, "anything"), "no --check: every check runs");
	o.only = only;
	ok(selected(&o, "tunnels") && !selected(&o, "guest-uri"), "--check selects");
	o.only = NULL;

	ok(set_api(&d, "https://admin.example:4450") == 0 && !strcmp(d.api_host, "admin.example") &&
	   d.api_port == 4450, "--api host and port");
	g_free(d.api_host);
	ok(set_api(&d, "https://admin.example") == 0 && d.api_port == 445, "--api default port 445");
	g_free(d.api_host);
	d.api_host = NULL;
	ok(set_api(&d, "nonsense") < 0, "--api refuses what is not a URL");

	is_int(guest_port(&d), 443, "guest port 443 without the outside config");
	ini_parse(&d.outside, "t", outside, strlen(outside), err, sizeof(err));
	d.have_outside = 1;
	is_int(guest_port(&d), 9443, "guest port from [webproxy] listen");
	doctor_clear(&d);
	memset(&d, 0, sizeof(d));

	g_file_set_contents(ini, "[lab]\nexternal-name = " NAME "\npublic-address = 127.0.0.1\n"
			    "api = https://127.0.0.2:8445\napi-user = admin\n", -1, NULL);
	o.lab = g_strdup(tmp);
	o.public_addr = g_strdup("192.0.2.1");
	ok(setup(&d, &o) == 0, "setup from lab.ini");
	ok(!strcmp(d.external_name, NAME) && !strcmp(d.public_addr, "192.0.2.1") && d.api_port == 8445,
	   "lab.ini fills what the options left unset, no more");
	ok(!strcmp(d.ext_resolver, "system") && !strcmp(d.int_resolver, "system") && d.timeout_ms == 3000,
	   "defaults: system resolvers, 3000 ms");
	doctor_clear(&d);
	opts_clear(&o);
	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	ok(setup(&d, &o) < 0, "setup refuses without an external name");
	doctor_clear(&d);
	g_free(ini);
}

/* doctor_main with its stdout in a file; the output, newly allocated. */
static int
run_main(char **argv, char **out)
{
	char *path = g_build_filename(tmp, "out.txt", NULL);
	int argc = 0, status, saved, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	while (argv[argc])
		argc++;
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	status = doctor_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	g_file_get_contents(path, out, NULL, NULL);
	g_free(path);
	return status;
}

static void
test_main(void)
{
	char *list[] = { "doctor", "--list", NULL };
	char *pass[] = { "doctor", "--check", "external-dns", "--external-name", NAME, "--public-address",
			 "203.0.113.156", "--external-resolver", "map:" NAME "=203.0.113.156", NULL };
	char *fail[] = { "doctor", "--check", "external-dns", "--external-name", NAME, "--public-address",
			 "203.0.113.9", "--external-resolver", "map:" NAME "=203.0.113.156", NULL };
	char *bad[] = { "doctor", "--no-such-option", NULL };
	char *none[] = { "doctor", NULL };
	char *out = NULL;

	is_int(run_main(list, &out), 0, "--list: status 0");
	ok(out && strstr(out, "external-dns") && strstr(out, "turn-client-side"), "--list names the checks");
	g_free(out);
	is_int(run_main(pass, &out), 0, "one passing check: status 0");
	ok(out && !strncmp(out, "PASS external-dns", 17) && !strstr(out, "tunnels"), "its PASS line only");
	g_free(out);
	is_int(run_main(fail, &out), 1, "one failing check: status 1");
	ok(out && !strncmp(out, "FAIL external-dns", 17) && strstr(out, ". Fix: "), "its FAIL line with the fix");
	g_free(out);
	is_int(run_main(bad, &out), 2, "a bad option: status 2");
	g_free(out);
	is_int(run_main(none, &out), 2, "no external name: status 2");
	g_free(out);
}

int
main(void)
{
	char *cmd;

	tmp = g_dir_make_tmp("portico-test-doctor-XXXXXX", NULL);
	test_base();
	test_options();
	test_main();
	cmd = g_strdup_printf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	g_free(cmd);
	g_free(tmp);
	return tap_done();
}
