/*
 * Unit tests of src/edge/admin.c: the status listener on a loopback port
 * chosen free, asked over a real socket: /healthz, /status (JSON),
 * /status.txt, /metrics, the refusals (404, 405, 400), stop; and
 * `portico edge status` without an [admin] listener.
 */
#include <netinet/in.h>

#include "edge/edge-roles.h"
#include "edge_fixture.h"
#include "tap.h"

static GString *
ask(int port, const char *req)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	GString *out = g_string_new(NULL);
	char buf[4096];
	ssize_t n = -1;

	if (connect(fd, (struct sockaddr *)&in, sizeof(in)) < 0)
		goto out;
	send(fd, req, strlen(req), 0);
	for (int i = 0; i < 10000 && n != 0; i++) {
		g_main_context_iteration(NULL, FALSE);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			g_string_append_len(out, buf, n);
		else if (n < 0)
			g_usleep(100);
	}
out:
	close(fd);
	return out;
}

static void
check(int port, const char *req, const char *status, const char *body_has, const char *name)
{
	GString *r = ask(port, req);

	ok(g_str_has_prefix(r->str, status) && strstr(r->str, body_has), "%s", name);
	if (!g_str_has_prefix(r->str, status))
		printf("#   got: %.200s\n", r->str);
	g_string_free(r, TRUE);
}

int
main(void)
{
	struct sockaddr_in in;
	socklen_t sl = sizeof(in);
	char err[256];
	int port;

	fx_proc_init();
	fx_cfg.path = (char *)"test.conf";
	is_int(edge_admin_status_main(&fx_cfg), 1, "status without [admin] listen: error");
	is_int(edge_admin_start(&fx_p, err, sizeof(err)), 0, "disabled: nothing to start");
	is_int(fx_p.a_fd, -1, "and no socket");
	fx_cfg.a_enabled = 1;
	addr_parse("127.0.0.1", 0, &fx_cfg.a_listen);
	is_int(edge_admin_start(&fx_p, err, sizeof(err)), 0, "listener on a free loopback port");
	getsockname(fx_p.a_fd, (struct sockaddr *)&in, &sl);
	port = ntohs(in.sin_port);
	fx_p.ctr.requests = 42;
	check(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", "ok\n", "/healthz");
	check(port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n",
	      "application/json", "/status is JSON");
	check(port, "GET /status.txt HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", "text/plain",
	      "/status.txt");
	check(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", " 42\n",
	      "/metrics carries the counters");
	check(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "not found",
	      "unknown path: 404");
	check(port, "POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
	      "HTTP/1.1 405 Method Not Allowed\r\n", "GET only", "POST: 405");
	check(port, "GET /status HTTP/1.1\nHost: x\n\n", "HTTP/1.1 400 Bad Request\r\n", "bad request",
	      "malformed head: 400");
	edge_admin_stop(&fx_p);
	is_int(fx_p.a_fd, -1, "stopped");
	fx_loop();
	return tap_done();
}
