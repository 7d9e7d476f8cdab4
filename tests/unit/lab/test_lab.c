/*
 * test_lab.c: src/lab/lab.c (the file is included to reach its statics):
 * port plans, the busy-port check on real sockets, the command lines of
 * each child (loopback and --netns, the DNS fault), options and lab_init's
 * refusals, and the child lifecycle on a real GMainLoop: a child that
 * exits on its own stops the lab with status 1, one stopped with SIGTERM
 * leaves status 0.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "../../../src/lab/lab.c"
#include "tap.h"

static char *tmp;

static int
has(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (a->pdata[i] && !strcmp(a->pdata[i], s))
			return 1;
	return 0;
}

static void
test_ports(void)
{
	struct lab_ports p;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	GError *err = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ports_default(&p);
	is_int(p.webproxy, 9443, "default guest HTTPS port");
	ports_netns(&p);
	ok(p.webproxy == 443 && p.api == 445 && p.turn == 3478, "--netns: the seed's ports");
	ports_from_base(&p, 20000);
	ok(p.webproxy == 20000 && p.turn_admin == 20007 && p.relay_lo == 20010 && p.relay_hi == 20059,
	   "--port-base: listeners N..N+7, relays N+10..N+59");

	addr_parse("127.0.0.1:0", 0, &sa);
	bind(fd, (struct sockaddr *)&sa, addr_len(&sa));
	listen(fd, 1);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = addr_port(&sa);
	ok(!port_free("127.0.0.1", port, SOCK_STREAM), "a listening port is not free");
	ports_from_base(&p, port);
	ok(ports_check(&p, &err) < 0 && err && strstr(err->message, "guest HTTPS"),
	   "ports_check names the busy listener");
	g_clear_error(&err);
	close(fd);
	ok(port_free("127.0.0.1", port, SOCK_STREAM), "free once closed");
}

static void
test_argv(void)
{
	struct lab lab = { .state = "/st", .self = "/bin/portico", .net = lab_conf_net(0) };
	struct child meet = { "meet", "meet.conf", "meet", 0, NULL, "", 0 };
	struct child dnsx = { "dns-external", NULL, NULL, 1, NULL, "", 0 };
	struct child dnsi = { "dns-internal", NULL, NULL, 1, NULL, "", 0 };
	GPtrArray *a = child_argv(&lab, &meet);

	ok(a->len == 5 && !strcmp(a->pdata[0], "/bin/portico") && !strcmp(a->pdata[1], "meet") &&
	   !strcmp(a->pdata[3], "/st/meet.conf") && !a->pdata[4], "loopback: portico meet -c <state>/meet.conf");
	g_ptr_array_unref(a);
	lab.net = lab_conf_net(1);
	a = child_argv(&lab, &meet);
	ok(!strcmp(a->pdata[0], "ip") && !strcmp(a->pdata[3], "portico-cms"), "--netns: meet in portico-cms");
	g_ptr_array_unref(a);
	a = child_argv(&lab, &dnsx);
	ok(has(a, "portico-inet") && has(a, "--listen-address=203.0.113.53") &&
	   has(a, "--address=/" LAB_EXTERNAL_NAME "/203.0.113.156"), "external DNS: the NAT address");
	g_ptr_array_unref(a);
	lab.fault = LAB_FAULT_DNS;
	a = child_argv(&lab, &dnsi);
	ok(has(a, "--address=/" LAB_EXTERNAL_NAME "/198.51.100.99"), "--break dns: internal DNS points elsewhere");
	g_ptr_array_unref(a);
}

static void
test_opts(void)
{
	char *argv[] = { "lab", "--port-base", "20000", "--break", "dns", "--state", tmp, NULL };
	char *bad[] = { "lab", "--no-such-option", NULL };
	struct opts o = { 0 };
	struct lab lab = { 0 };
	GError *err = NULL;

	ok(parse_opts(7, argv, &o) == 0 && o.port_base == 20000 && !strcmp(o.fault, "dns"), "options parsed");
	o.web_root = g_strdup(tmp);
	ok(lab_init(&lab, &o, &err) == 0 && lab.fault == LAB_FAULT_DNS && lab.port.api == 20002 &&
	   !strcmp(lab.state, tmp) && lab.net == lab_conf_net(0), "lab_init: state, fault, ports, network");
	lab_clear(&lab);
	memset(&lab, 0, sizeof(lab));
	g_free(o.fault);
	o.fault = g_strdup("nope");
	ok(lab_init(&lab, &o, &err) < 0 && strstr(err->message, "unknown fault"), "unknown fault refused");
	g_clear_error(&err);
	lab_clear(&lab);
	memset(&lab, 0, sizeof(lab));
	g_free(o.fault);
	o.fault = NULL;
	o.port_base = 80;
	ok(lab_init(&lab, &o, &err) < 0 && strstr(err->message, "--port-base"), "port base below 1024 refused");
	g_clear_error(&err);
	lab_clear(&lab);
	memset(&lab, 0, sizeof(lab));
	o.port_base = 0;
	g_free(o.web_root);
	o.web_root = g_build_filename(tmp, "no-web", NULL);
	ok(lab_init(&lab, &o, &err) < 0 && strstr(err->message, "no guest app"), "missing guest app refused");
	g_clear_error(&err);
	lab_clear(&lab);
	g_free(o.web_root);
	g_free(o.state);
	is_int(lab_main(2, bad), 2, "lab_main: a bad option is status 2");
}

/* lab.c reports on stdout, where TAP goes: park it meanwhile. */
static int saved_stdout = -1;

static void
quiet(int on)
{
	int null;

	fflush(stdout);
	if (on) {
		saved_stdout = dup(1);
		null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		close(null);
	} else {
		dup2(saved_stdout, 1);
		close(saved_stdout);
	}
}

/* A lab whose one child is `self meet -c <state>/meet.conf`. */
static int
run_one_child(const char *self, int stop_it)
{
	struct run r = { .kids = { { "meet", "meet.conf", "meet", 0, NULL, "", 0 } } };
	GError *err = NULL;
	int status, started;

	r.lab.state = g_strdup(tmp);
	r.lab.self = g_strdup(self);
	r.lab.net = lab_conf_net(0);
	r.loop = g_main_loop_new(NULL, FALSE);
	r.cancel = g_cancellable_new();
	quiet(1);
	started = child_start(&r, &r.kids[0], &err) == 0;
	if (stop_it)
		stop(&r, 0);
	if (children_running(&r))
		g_main_loop_run(r.loop);
	quiet(0);
	ok(started, "child %s started", self);
	ok(r.kids[0].exited && r.stopping && g_cancellable_is_cancelled(r.cancel),
	   "the loop ended after the child's exit, stopping");
	status = r.status;
	if (r.kill_timer)
		g_source_remove(r.kill_timer);
	g_object_unref(r.kids[0].proc);
	g_object_unref(r.cancel);
	g_main_loop_unref(r.loop);
	lab_clear(&r.lab);
	return status;
}

static void
test_children(void)
{
	char *logs = g_build_filename(tmp, "logs", NULL), *script = g_build_filename(tmp, "sleeper", NULL);

	g_mkdir_with_parents(logs, 0700);
	g_file_set_contents(script, "#!/bin/sh\nexec sleep 60\n", -1, NULL);
	chmod(script, 0700);
	is_int(run_one_child("/bin/true", 0), 1, "a child that ends on its own stops the lab: status 1");
	is_int(run_one_child(script, 1), 0, "a child stopped by SIGTERM: status 0");
	g_free(script);
	g_free(logs);
}

int
main(void)
{
	char *cmd;

	tmp = g_dir_make_tmp("portico-test-lab-XXXXXX", NULL);
	test_ports();
	test_argv();
	test_opts();
	test_children();
	cmd = g_strdup_printf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	g_free(cmd);
	g_free(tmp);
	return tap_done();
}
