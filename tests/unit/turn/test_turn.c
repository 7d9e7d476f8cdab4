/* The turn subcommand (src/turn/turn.c): options, the admin listener on a
 * unix socket, its routes, `portico turn status`, stop and reload. */
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../../src/turn/turn.c"
#include "tap.h"

struct probe {
	struct turn_cli *cli;
	const char *socket;
	guint codes[5];
	int status_rc;
};

/* A port free for UDP and TCP on loopback now (0 if none found). */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(u, (struct sockaddr *)&a, &len) == 0 &&
	    bind(t, (struct sockaddr *)&a, sizeof(a)) == 0)
		port = ntohs(a.sin_port);
	close(u);
	close(t);
	return port;
}

static char *
write_conf(const char *dir, const char *name, const char *admin, int port)
{
	char *path = g_build_filename(dir, name, NULL);
	char *text = g_strdup_printf("[turn]\nlisten = 127.0.0.1:%d\nrelay-address = 127.0.0.1\n"
				     "relay-ports = 40000-40099\nrealm = unit.test\nworkers = 1\n"
				     "log-level = error\nadmin-listen = %s\n[users]\nu = p\n", port, admin);

	g_file_set_contents(path, text, -1, NULL);
	g_free(text);
	return path;
}

static int
run_main(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[6] = { "turn", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	char **copy = g_strdupv(argv);
	int argc = (int)g_strv_length(copy), rc;
	char **orig = g_memdup2(copy, sizeof(char *) * (argc + 1));

	rc = turn_main(argc, copy);   /* GOption may reorder copy: free orig */
	g_strfreev(orig);
	g_free(copy);
	return rc;
}

static gboolean
quit_loop(gpointer data)
{
	g_main_loop_quit(((struct probe *)data)->cli->loop);
	return G_SOURCE_REMOVE;
}

/* Client thread: the main thread runs the admin listener's loop meanwhile. */
static gpointer
client(gpointer data)
{
	struct probe *p = data;
	static const char *const paths[] = { "/", "/metrics", "/status", "/nope" };
	GSocketAddress *sa = g_unix_socket_address_new(p->socket);
	SoupSession *s = soup_session_new_with_options("timeout", 10, "remote-connectable", sa, NULL);
	struct admin_where w = { .socket = (char *)p->socket };
	int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

	for (unsigned i = 0; i < 5; i++) {
		char *url = g_strconcat("http://localhost", i < 4 ? paths[i] : "/", NULL);
		SoupMessage *m = soup_message_new(i < 4 ? "GET" : "POST", url);
		GBytes *b = soup_session_send_and_read(s, m, NULL, NULL);

		p->codes[i] = soup_message_get_status(m);
		if (b)
			g_bytes_unref(b);
		g_object_unref(m);
		g_free(url);
	}
	fflush(stdout);
	dup2(null, STDOUT_FILENO);   /* the status table is not TAP */
	p->status_rc = status_main(&w);
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	close(null);
	g_object_unref(s);
	g_object_unref(sa);
	g_idle_add(quit_loop, p);
	return NULL;
}

static void
test_options(const char *dir)
{
	char *off = write_conf(dir, "off.conf", "off", 3478);
	char *bad = g_build_filename(dir, "bad.conf", NULL);

	g_file_set_contents(bad, "[turn]\nno-such-key = 1\n", -1, NULL);
	is_int(run_main("--no-such-option", NULL, NULL, NULL), 2, "unknown option: usage error");
	is_int(run_main(NULL, NULL, NULL, NULL), 2, "no -c: usage error");
	is_int(run_main("-c", off, "extra", NULL), 2, "unexpected argument: usage error");
	is_int(run_main("-c", bad, "--check", NULL), 1, "--check of a bad file fails");
	is_int(run_main("-c", off, "--check", NULL), 0, "--check of a good file passes");
	is_int(run_main("-c", off, "status", NULL), 1, "status with admin-listen off fails");
	g_free(off);
	g_free(bad);
}

static void
test_where(const char *dir)
{
	struct turn_config *cfg;
	struct admin_where w;
	char err[TURN_ERR_MAX];
	char *sock = g_build_filename(dir, "where.sock", NULL);
	char *conf = write_conf(dir, "where.conf", sock, 3478);
	char *addr = write_conf(dir, "addr.conf", "127.0.0.1:9", 3478);

	is_int(turn_config_load(&cfg, conf, err, sizeof(err)), 0, "socket config loads");
	admin_where_get(&w, cfg, 0);
	is_str(w.socket, sock, "admin-listen path is the socket");
	is_int(w.is_auto, 0, "a path is not auto");
	g_free(w.socket);
	turn_config_free(cfg);
	is_int(turn_config_load(&cfg, addr, err, sizeof(err)), 0, "address config loads");
	admin_where_get(&w, cfg, 0);
	ok(!w.socket && w.addr.ss_family == AF_INET, "admin-listen address: no socket");
	g_free(w.socket);
	turn_config_free(cfg);
	g_free(sock);
	g_free(conf);
	g_free(addr);
}

static void
test_listener(const char *dir)
{
	struct turn_cli cli = { 0 }, other = { 0 };
	struct turn_config *cfg;
	struct admin_where w;
	struct probe p = { .cli = &cli };
	char err[TURN_ERR_MAX];
	char *sock = g_build_filename(dir, "admin.sock", NULL);
	char *conf = write_conf(dir, "live.conf", sock, free_port());
	GError *gerr = NULL;
	GThread *th;

	if (!ok(turn_config_load(&cfg, conf, err, sizeof(err)) == 0, "listener config loads"))
		goto out;
	admin_where_get(&w, cfg, 1);
	cli.path = conf;
	cli.srv = turn_server_start(cfg, err, sizeof(err));
	if (!ok(cli.srv != NULL, "server starts"))
		goto out_where;
	cli.loop = g_main_loop_new(NULL, FALSE);
	is_int(admin_start(&cli, &w), 0, "admin listener starts on the unix socket");
	is_str(cli.admin_socket, sock, "the socket made is remembered");
	other.admin = soup_server_new(NULL, NULL);
	is_int(admin_listen_unix(&other, sock, 0, &gerr), -1, "a configured socket in use is an error");
	g_clear_error(&gerr);
	is_int(admin_listen_unix(&other, sock, 1, &gerr), 0, "an auto socket in use is skipped");
	ok(!other.admin_socket, "skipped: no socket taken");
	g_object_unref(other.admin);

	p.socket = sock;
	th = g_thread_new("client", client, &p);
	g_main_loop_run(cli.loop);
	g_thread_join(th);
	is_int(p.codes[0], 200, "GET /");
	is_int(p.codes[1], 200, "GET /metrics");
	is_int(p.codes[2], 200, "GET /status");
	is_int(p.codes[3], 404, "GET of an unknown path");
	is_int(p.codes[4], 405, "POST refused");
	is_int(p.status_rc, 0, "portico turn status against the live server");

	is_int(on_reload(&cli), G_SOURCE_CONTINUE, "reload keeps its source");
	g_file_set_contents(conf, "[turn]\nbroken\n", -1, NULL);
	is_int(on_reload(&cli), G_SOURCE_CONTINUE, "a refused reload keeps the server");
	is_int(on_stop(&cli), G_SOURCE_CONTINUE, "stop quits the loop");

	soup_server_disconnect(cli.admin);
	g_object_unref(cli.admin);
	unlink(cli.admin_socket);
	ok(!datadir_socket_live(sock), "socket gone after stop");
	g_free(cli.admin_socket);
	turn_server_stop(cli.srv);
	g_main_loop_unref(cli.loop);
out_where:
	g_free(w.socket);
out:
	g_free(sock);
	g_free(conf);
}

int
main(void)
{
	char *dir = g_dir_make_tmp("turn-unit-XXXXXX", NULL);
	char *rm;

	plog_set_level(PLOG_ERROR);
	test_options(dir);
	test_where(dir);
	test_listener(dir);
	rm = g_strdup_printf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		printf("# could not remove %s\n", dir);
	g_free(rm);
	g_free(dir);
	return tap_done();
}
