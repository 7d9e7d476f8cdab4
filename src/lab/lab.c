/*
 * lab.c: `portico lab`: options, the children (meet, inside edge, outside
 * edge with TURN), signals, the startup worker and the banner.
 *
 * Threads: everything here runs on the main thread's GLib loop except the
 * startup sequence (seed.c), one GTask worker that only reads struct lab.
 * Children are this very binary (/proc/self/exe); each gets
 * PR_SET_PDEATHSIG so none outlives a lab killed with SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "common/addr.h"
#include "common/datadir.h"
#include "lab/lab-internal.h"
#include "lab/lab.h"

#define KILL_AFTER_S 20

struct child {
	const char *name;          /* "meet", "edge-outside", "edge-inside", "dns-*" */
	const char *conf;          /* file in the state directory; NULL: dnsmasq */
	const char *sub;           /* subcommand */
	int netns_only;            /* started with --netns only */
	GSubprocess *proc;
	char pid[16];              /* kept: the identifier is gone once it exited */
	int exited;
};

struct run {
	struct lab lab;
	GMainLoop *loop;
	GCancellable *cancel;      /* trips the startup worker */
	struct child kids[5];
	int stopping;
	int starting;              /* the startup worker still reads struct lab */
	int status;                /* exit status of `portico lab` */
	guint kill_timer;
};

/* ---- ports -------------------------------------------------------------- */

static void
ports_default(struct lab_ports *p)
{
	*p = (struct lab_ports){ .webproxy = 9443, .webbridge = 8443, .api = 8445,
		.traversal = 7001, .admin_out = 9445, .admin_in = 9446, .turn = 3478,
		.turn_admin = 9641, .relay_lo = 24000, .relay_hi = 29999 };
}

/* --netns: each node has its own addresses, so the seed's own ports. */
static void
ports_netns(struct lab_ports *p)
{
	*p = (struct lab_ports){ .webproxy = 443, .webbridge = 443, .api = 445,
		.traversal = 7001, .admin_out = 445, .admin_in = 9446, .turn = 3478,
		.turn_admin = 9641, .relay_lo = 24000, .relay_hi = 29999 };
}

/* --port-base B: B+0 .. B+7 for the listeners, B+10 .. B+59 for relays. */
static void
ports_from_base(struct lab_ports *p, int b)
{
	*p = (struct lab_ports){ .webproxy = b, .webbridge = b + 1, .api = b + 2,
		.traversal = b + 3, .admin_out = b + 4, .admin_in = b + 5, .turn = b + 6,
		.turn_admin = b + 7, .relay_lo = b + 10, .relay_hi = b + 59 };
}

static int
port_free(const char *addr, int port, int type)
{
	struct sockaddr_storage sa;
	int fd, ok, one = 1;

	addr_parse(addr, port, &sa);
	fd = socket(sa.ss_family, type | SOCK_CLOEXEC, 0);
	/* As the servers do: a port in TIME_WAIT after a previous run is free. */
	if (fd >= 0 && type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, addr_len(&sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A friendlier error than a child dying on EADDRINUSE. */
static int
ports_check(const struct lab_ports *p, GError **err)
{
	const struct { const char *addr; int port, type; const char *what; } l[] = {
		{ LAB_PUBLIC_ADDR, p->webproxy, SOCK_STREAM, "guest HTTPS (outside edge)" },
		{ LAB_INSIDE_ADDR, p->webbridge, SOCK_STREAM, "web bridge" },
		{ LAB_INSIDE_ADDR, p->api, SOCK_STREAM, "REST API" },
		{ LAB_PUBLIC_ADDR, p->traversal, SOCK_STREAM, "traversal" },
		{ "127.0.0.1", p->admin_out, SOCK_STREAM, "outside status" },
		{ "127.0.0.1", p->admin_in, SOCK_STREAM, "inside status" },
		{ LAB_PUBLIC_ADDR, p->turn, SOCK_STREAM, "TURN (TCP)" },
		{ LAB_PUBLIC_ADDR, p->turn, SOCK_DGRAM, "TURN (UDP)" },
		{ "127.0.0.1", p->turn_admin, SOCK_STREAM, "TURN status" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(l); i++)
		if (!port_free(l[i].addr, l[i].port, l[i].type)) {
			g_set_error(err, LAB_ERROR, 1, "port %d (%s, %s) is in use: stop what holds it, "
				    "or choose other ports with --port-base", l[i].port, l[i].what, l[i].addr);
			return -1;
		}
	return 0;
}

/* ---- children ----------------------------------------------------------- */

static void
child_setup(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void stop(struct run *r, int status);

static int
children_running(const struct run *r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(r->kids); i++)
		if (r->kids[i].proc && !r->kids[i].exited)
			return 1;
	return 0;
}

/* The loop ends once every child's exit was seen and the startup worker
 * (which reads struct lab) has returned. */
static void
maybe_quit(struct run *r)
{
	if (!children_running(r) && !r->starting)
		g_main_loop_quit(r->loop);
}

/* A child ended on its own, or did not stop cleanly when asked. */
static void
child_report(const struct run *r, const struct child *c)
{
	GSubprocess *p = c->proc;
	int sig = g_subprocess_get_if_signaled(p);

	fprintf(stderr, "portico lab: %s (pid %s) %s %d%s; its log: %s/logs/%s.log\n", c->name, c->pid,
		sig ? "was killed by signal" : "exited with status",
		sig ? g_subprocess_get_term_sig(p) : g_subprocess_get_exit_status(p),
		r->stopping ? " while stopping" : "", r->lab.state, c->name);
}

static void
child_exited(GObject *src, GAsyncResult *res, gpointer data)
{
	struct run *r = data;
	struct child *c = NULL;
	int clean;

	for (size_t i = 0; i < G_N_ELEMENTS(r->kids); i++)
		if (G_OBJECT(r->kids[i].proc) == src)
			c = &r->kids[i];
	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
	c->exited = 1;
	/* Killed by our own SIGTERM before it installed its handler: clean. */
	clean = g_subprocess_get_successful(c->proc) ||
		(r->stopping && g_subprocess_get_if_signaled(c->proc) &&
		 g_subprocess_get_term_sig(c->proc) == SIGTERM);
	if (!r->stopping || !clean)
		child_report(r, c);
	if (!r->stopping)
		stop(r, 1);
	else if (!clean)
		r->status = 1;
	maybe_quit(r);
}

static GSubprocessLauncher *
launcher(const struct lab *lab, const char *name, GError **err)
{
	char *log = g_strdup_printf("%s/logs/%s.log", lab->state, name);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	GSubprocessLauncher *l = NULL;

	if (fd < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot open %s: %s", log, g_strerror(errno));
		goto out;
	}
	l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_subprocess_launcher_take_stdout_fd(l, fd);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	g_subprocess_launcher_set_cwd(l, lab->state);
out:
	g_free(log);
	return l;
}

/* The namespace a child lives in under --netns (NULL on loopback). */
static const char *
child_ns(const struct lab *lab, const struct child *c)
{
	if (!strcmp(c->name, "edge-outside"))
		return lab->net->ns_dmz;
	if (!strcmp(c->name, "dns-external"))
		return lab->net->ns_inet;
	if (!strcmp(c->name, "edge-inside"))
		return lab->net->ns_vcsc;
	return lab->net->ns_inside;
}

/* The split horizon's two DNS servers (--netns): the external name is the
 * NAT address outside, the web bridge inside. */
static void
dnsmasq_args(const struct lab *lab, const struct child *c, GPtrArray *a)
{
	int ext = !strcmp(c->name, "dns-external");
	const char *wb = lab->fault == LAB_FAULT_DNS ? "198.51.100.99" : lab->net->meet_addr;

	g_ptr_array_add(a, g_strdup("dnsmasq"));
	g_ptr_array_add(a, g_strdup("--keep-in-foreground"));
	g_ptr_array_add(a, g_strdup("--conf-file=/dev/null"));
	g_ptr_array_add(a, g_strdup("--no-resolv"));
	g_ptr_array_add(a, g_strdup("--no-hosts"));
	g_ptr_array_add(a, g_strdup("--bind-interfaces"));
	g_ptr_array_add(a, g_strdup("--log-queries"));
	g_ptr_array_add(a, g_strdup("--log-facility=-"));
	g_ptr_array_add(a, g_strdup("--pid-file="));
	/* No switch to "nobody": a user change would clear PR_SET_PDEATHSIG. */
	g_ptr_array_add(a, g_strdup("--user=root"));
	g_ptr_array_add(a, g_strdup("--group=root"));
	g_ptr_array_add(a, g_strdup_printf("--listen-address=%s", ext ? lab->net->ext_dns : lab->net->int_dns));
	if (ext) {
		g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_EXTERNAL_NAME, lab->net->guest_addr));
		g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_OUTSIDE_NAME, lab->net->guest_addr));
		return;
	}
	g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_EXTERNAL_NAME, wb));
	g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_INTERNAL_WEB_NAME, lab->net->meet_addr));
	g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_OUTSIDE_NAME, lab->net->traversal_addr));
	g_ptr_array_add(a, g_strdup_printf("--address=/%s/%s", LAB_INSIDE_NAME, lab->net->inside_admin));
}

static GPtrArray *
child_argv(const struct lab *lab, const struct child *c)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	const char *ns = child_ns(lab, c);

	if (ns) {
		g_ptr_array_add(a, g_strdup("ip"));
		g_ptr_array_add(a, g_strdup("netns"));
		g_ptr_array_add(a, g_strdup("exec"));
		g_ptr_array_add(a, g_strdup(ns));
	}
	if (c->conf) {
		g_ptr_array_add(a, g_strdup(lab->self));
		g_ptr_array_add(a, g_strdup(c->sub));
		g_ptr_array_add(a, g_strdup("-c"));
		g_ptr_array_add(a, lab_path(lab, c->conf));
	} else {
		dnsmasq_args(lab, c, a);
	}
	g_ptr_array_add(a, NULL);
	return a;
}

static int
child_start(struct run *r, struct child *c, GError **err)
{
	GPtrArray *argv = child_argv(&r->lab, c);
	GSubprocessLauncher *l = launcher(&r->lab, c->name, err);

	if (l)
		c->proc = g_subprocess_launcher_spawnv(l, (const gchar *const *)argv->pdata, err);
	g_ptr_array_unref(argv);
	if (l)
		g_object_unref(l);
	if (!c->proc)
		return -1;
	g_strlcpy(c->pid, g_subprocess_get_identifier(c->proc), sizeof(c->pid));
	printf("portico lab: started %s (pid %s), log %s/logs/%s.log\n", c->name, c->pid,
	       r->lab.state, c->name);
	g_subprocess_wait_async(c->proc, NULL, child_exited, r);
	return 0;
}

/* `portico meet -c meet.conf user add admin`, password on stdin. */
static int
add_admin(const struct lab *lab, GError **err)
{
	char *conf = lab_path(lab, "meet.conf"), *in = g_strdup_printf("%s\n", lab->admin_password);
	GSubprocessLauncher *l = launcher(lab, "meet", err);
	GSubprocess *p = NULL;
	int ret = -1;

	if (!l)
		goto out;
	g_subprocess_launcher_set_flags(l, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	p = g_subprocess_launcher_spawn(l, err, lab->self, "meet", "-c", conf, "user", "add",
					LAB_ADMIN_USER, NULL);
	if (!p || !g_subprocess_communicate_utf8(p, in, NULL, NULL, NULL, err))
		goto out;
	if (!g_subprocess_get_if_exited(p) || g_subprocess_get_exit_status(p) != 0) {
		g_set_error(err, LAB_ERROR, 1, "adding the API user failed (see %s/logs/meet.log)",
			    lab->state);
		goto out;
	}
	ret = 0;
out:
	explicit_bzero(in, strlen(in));
	g_free(in);
	g_free(conf);
	if (p)
		g_object_unref(p);
	if (l)
		g_object_unref(l);
	return ret;
}

/* ---- stopping ----------------------------------------------------------- */

/* Sends sig to every child still running (SIGKILL: saying so); how many. */
static int
signal_running(struct run *r, int sig)
{
	int n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(r->kids); i++) {
		if (!r->kids[i].proc || r->kids[i].exited)
			continue;
		if (sig == SIGKILL)
			fprintf(stderr, "portico lab: %s did not stop within %d s: killing it\n",
				r->kids[i].name, KILL_AFTER_S);
		g_subprocess_send_signal(r->kids[i].proc, sig);
		n++;
	}
	return n;
}

static gboolean
kill_stragglers(gpointer data)
{
	((struct run *)data)->kill_timer = 0;
	signal_running(data, SIGKILL);
	return G_SOURCE_REMOVE;
}

/* SIGTERM to every child still running; the loop ends when all exited. */
static void
stop(struct run *r, int status)
{
	if (status > r->status)
		r->status = status;
	if (r->stopping)
		return;
	r->stopping = 1;
	g_cancellable_cancel(r->cancel);
	if (!signal_running(r, SIGTERM)) {
		maybe_quit(r);
		return;
	}
	printf("portico lab: stopping\n");
	fflush(stdout);
	r->kill_timer = g_timeout_add_seconds(KILL_AFTER_S, kill_stragglers, r);
}

static gboolean
on_signal(gpointer data)
{
	stop(data, 0);
	return G_SOURCE_CONTINUE;
}

/* ---- startup worker and banner ----------------------------------------- */

static void
startup_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	GError *err = NULL;

	if (lab_seed_wait_ready(data, cancel, &err) < 0)
		g_task_return_error(task, err);
	else
		g_task_return_boolean(task, TRUE);
}

/* How to reach the lab: loopback names mapped by the browser, or the
 * namespaces' own DNS. */
static void
banner_reach(const struct lab *lab, const char *url)
{
	const struct lab_net *n = lab->net;
	const char *in = n->ns_inet ? "ip netns exec portico-inet " : "";
	const char *ins = n->ns_inside ? "ip netns exec portico-cms " : "";
	char *map = n->ns_inet ? g_strdup("") :
		    g_strdup_printf("--host-resolver-rules=\"MAP %s %s\" ", LAB_EXTERNAL_NAME, n->guest_addr);
	char *res = n->ns_inet ? g_strdup("") :
		    g_strdup_printf("--resolve %s:%d:%s ", LAB_EXTERNAL_NAME, lab->port.webproxy, n->guest_addr);

	if (n->ns_inet)
		printf("  names        split horizon by two dnsmasq: %s is %s from portico-inet (external DNS\n"
		       "               %s) and %s from portico-cms (internal DNS %s)\n", LAB_EXTERNAL_NAME,
		       n->guest_addr, n->ext_dns, n->meet_addr, n->int_dns);
	else
		printf("  names        %s resolves nowhere on purpose: give the browser the mapping to %s\n"
		       "               (no system file is edited; the inside edge resolves it with its [dns])\n",
		       LAB_EXTERNAL_NAME, n->guest_addr);
	printf("  lab CA       %s/certs/ca.crt  (trust it: Chromium Settings > Privacy and security >\n"
	       "               Security > Manage certificates > Authorities > Import, or\n"
	       "               certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n portico-lab -i %s/certs/ca.crt)\n",
	       lab->state, lab->state);
	printf("  chromium     %schromium --user-data-dir=%s/chromium %s--ignore-certificate-errors-spki-list=%s %s\n",
	       in, lab->state, map, lab->spki, url);
	printf("  curl         %scurl --cacert %s/certs/ca.crt %s%s\n", in, lab->state, res, url);
	printf("  admin API    https://%s:%d/api/v1  user %s  password %s\n"
	       "               %scurl --cacert %s/certs/ca.crt -u %s:%s https://%s:%d/api/v1/turnServers\n",
	       n->meet_addr, lab->port.api, LAB_ADMIN_USER, lab->admin_password, ins, lab->state,
	       LAB_ADMIN_USER, lab->admin_password, n->meet_addr, lab->port.api);
	g_free(map);
	g_free(res);
}

static void
banner(const struct lab *lab)
{
	const struct lab_ports *p = &lab->port;
	char *url = p->webproxy == 443 ? g_strdup_printf("https://%s/", LAB_EXTERNAL_NAME) :
		    g_strdup_printf("https://%s:%d/", LAB_EXTERNAL_NAME, p->webproxy);

	printf("\nportico lab: ready%s%s%s\n\n", lab->net->ns_inet ? " (namespaces)" : "",
	       lab->fault ? ", broken on purpose: " : "", lab->fault ? lab_fault_name(lab->fault) : "");
	printf("  join URL     %s   call ID %s (space \"%s\")\n", url, LAB_CALL_ID, LAB_SPACE_NAME);
	banner_reach(lab, url);
	printf("  TURN         %s:%d UDP/TCP for browsers (serverAddress %s), user %s, relays %d-%d\n",
	       lab->net->turn_client, p->turn, lab->net->turn_inside, LAB_TURN_USER, p->relay_lo, p->relay_hi);
	printf("  status       http://%s:%d/status.txt (outside)  http://%s:%d/status.txt (inside)\n",
	       lab->net->edge_admin, p->admin_out, lab->net->inside_admin, p->admin_in);
	printf("  logs         %s/logs/{meet,edge-outside,edge-inside}.log\n", lab->state);
	printf("  diagnose     portico doctor --lab %s\n\nCtrl-C stops everything.\n", lab->state);
	fflush(stdout);
	g_free(url);
}

static void
startup_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct run *r = data;
	GError *err = NULL;

	r->starting = 0;
	if (!g_task_propagate_boolean(G_TASK(res), &err)) {
		if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			fprintf(stderr, "portico lab: %s\n", err->message);
			stop(r, 1);
		}
		g_error_free(err);
	} else if (!r->stopping) {
		banner(&r->lab);
	}
	if (r->stopping)
		maybe_quit(r);
}

/* ---- options and main -------------------------------------------------- */

struct opts {
	char *state, *web_root, *fault;
	int port_base, netns, down;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	GOptionEntry entries[] = {
		{ "state", 's', 0, G_OPTION_ARG_FILENAME, &o->state, "state directory (default $XDG_STATE_HOME/portico/lab; root: /var/lib/portico/lab; reused)", "DIR" },
		{ "port-base", 'p', 0, G_OPTION_ARG_INT, &o->port_base, "listeners on N..N+7, relays N+10..N+59 (default: the conf/ ports)", "N" },
		{ "web-root", 0, 0, G_OPTION_ARG_FILENAME, &o->web_root, "guest app directory (default $PORTICO_WEB_ROOT, else the installed or source tree web/)", "DIR" },
		{ "break", 0, 0, G_OPTION_ARG_STRING, &o->fault, "put one of the seed's failures in on purpose", "FAULT" },
		{ "netns", 0, 0, G_OPTION_ARG_NONE, &o->netns, "the seed's network in namespaces, NAT, firewall, split DNS (root)", NULL },
		{ "down", 0, 0, G_OPTION_ARG_NONE, &o->down, "remove what --netns made (after a crash)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("- the seed's deployment on one machine");
	GError *err = NULL;
	int ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx, "Faults for --break: guest-uri, self-signed, expired, trust, "
					 "turn-password, tunnel, dns.\n");
	ok = g_option_context_parse(ctx, &argc, &argv, &err);
	g_option_context_free(ctx);
	if (!ok) {
		fprintf(stderr, "portico lab: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	return 0;
}

static char *
abs_dir(const char *dir)
{
	char *cwd, *out;

	if (g_path_is_absolute(dir))
		return g_strdup(dir);
	cwd = g_get_current_dir();
	out = g_build_filename(cwd, dir, NULL);
	g_free(cwd);
	return out;
}

static int
lab_init(struct lab *lab, const struct opts *o, GError **err)
{
	char *web = o->web_root ? strdup(o->web_root) : datadir_web();
	char *state = o->state ? strdup(o->state) : datadir_state("lab");

	lab->state = abs_dir(state ? state : "lab-state");
	lab->web_root = abs_dir(web ? web : "web");
	free(state);
	free(web);
	lab->self = g_file_read_link("/proc/self/exe", err);
	if (!lab->self)
		return -1;
	if (o->fault && lab_fault_parse(o->fault, &lab->fault) < 0) {
		g_set_error(err, LAB_ERROR, 1, "unknown fault \"%s\" (one of: %s)", o->fault, lab_fault_list());
		return -1;
	}
	if (o->port_base && (o->port_base < 1024 || o->port_base > 65535 - 60)) {
		g_set_error(err, LAB_ERROR, 1, "--port-base must be within 1024-65475");
		return -1;
	}
	lab->net = lab_conf_net(o->netns);
	if (o->netns)
		ports_netns(&lab->port);
	else if (o->port_base)
		ports_from_base(&lab->port, o->port_base);
	else
		ports_default(&lab->port);
	if (!g_file_test(lab->web_root, G_FILE_TEST_IS_DIR)) {
		g_set_error(err, LAB_ERROR, 1, "no guest app at %s: run from the source tree or give --web-root",
			    lab->web_root);
		return -1;
	}
	if (g_mkdir_with_parents(lab->state, 0700) < 0) {
		g_set_error(err, LAB_ERROR, 1, "cannot create %s: %s", lab->state, g_strerror(errno));
		return -1;
	}
	return 0;
}

static void
lab_clear(struct lab *lab)
{
	for (char **s = (char *[]){ lab->admin_password, lab->turn_password, lab->traversal_password, NULL }; *s; s++)
		explicit_bzero(*s, strlen(*s));
	g_free(lab->admin_password);
	g_free(lab->turn_password);
	g_free(lab->traversal_password);
	g_free(lab->state);
	g_free(lab->web_root);
	g_free(lab->self);
	g_free(lab->spki);
}

static int
prepare(struct lab *lab, const struct opts *o, GError **err)
{
	if (lab_init(lab, o, err) < 0 || (!o->netns && ports_check(&lab->port, err) < 0) ||
	    (o->netns && lab_netns_up(lab, err) < 0) || lab_conf_secrets(lab, err) < 0 || lab_certs_ensure(lab, err) < 0 ||
	    lab_conf_write(lab, err) < 0 || add_admin(lab, err) < 0)
		return -1;
	printf("portico lab: state %s (certificates, secrets and the meeting database are reused)\n",
	       lab->state);
	return 0;
}

static int
run_lab(struct run *r)
{
	GError *err = NULL;
	GTask *task;

	for (size_t i = 0; i < G_N_ELEMENTS(r->kids); i++)
		if ((!r->kids[i].netns_only || r->lab.net->ns_inet) && child_start(r, &r->kids[i], &err) < 0) {
			fprintf(stderr, "portico lab: %s\n", err->message);
			g_error_free(err);
			stop(r, 1);
			break;
		}
	g_unix_signal_add(SIGINT, on_signal, r);
	g_unix_signal_add(SIGTERM, on_signal, r);
	if (!r->stopping) {
		r->starting = 1;
		task = g_task_new(NULL, r->cancel, startup_done, r);
		g_task_set_task_data(task, &r->lab, NULL);
		g_task_run_in_thread(task, startup_thread);
		g_object_unref(task);
	}
	/* A quit before the loop runs would be lost: run it only while there
	 * is something to wait for (maybe_quit ends it). */
	if (children_running(r) || r->starting)
		g_main_loop_run(r->loop);
	return r->status;
}

int
lab_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct run r = { .kids = {
		{ "dns-external", NULL, NULL, 1, NULL, "", 0 },
		{ "dns-internal", NULL, NULL, 1, NULL, "", 0 },
		{ "meet", "meet.conf", "meet", 0, NULL, "", 0 },
		{ "edge-outside", "edge-outside.conf", "edge", 0, NULL, "", 0 },
		{ "edge-inside", "edge-inside.conf", "edge", 0, NULL, "", 0 },
	} };
	GError *err = NULL;
	int status = 2;

	if (parse_opts(argc, argv, &o) < 0)
		goto out;
	if (o.down) {
		status = lab_netns_down(&err) < 0 ? 1 : 0;
		if (err) {
			fprintf(stderr, "portico lab: %s\n", err->message);
			g_error_free(err);
		}
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (prepare(&r.lab, &o, &err) < 0) {
		fprintf(stderr, "portico lab: %s\n", err->message);
		g_error_free(err);
		if (o.netns)
			lab_netns_down(NULL);
		status = 1;
		goto out;
	}
	r.loop = g_main_loop_new(NULL, FALSE);
	r.cancel = g_cancellable_new();
	status = run_lab(&r);
	if (o.netns && lab_netns_down(NULL) < 0)
		status = 1;
	printf("portico lab: stopped\n");
out:
	if (r.kill_timer)
		g_source_remove(r.kill_timer);
	for (size_t i = 0; i < G_N_ELEMENTS(r.kids); i++)
		if (r.kids[i].proc)
			g_object_unref(r.kids[i].proc);
	if (r.cancel)
		g_object_unref(r.cancel);
	if (r.loop)
		g_main_loop_unref(r.loop);
	lab_clear(&r.lab);
	g_free(o.state);
	g_free(o.web_root);
	g_free(o.fault);
	return status;
}
