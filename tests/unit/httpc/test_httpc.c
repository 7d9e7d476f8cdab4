/*
 * test_httpc.c: src/httpc/httpc.c, the probe client: chunked decoding, answer
 * parsing, form escaping (statics reached by including the file), and real
 * round trips against a one-shot server thread on a free loopback port:
 * a plain answer, Basic auth on the wire, a silent server (bounded by the
 * timeout), a refused port.
 */
#include <netinet/in.h>
#include <pthread.h>

#include "../../../src/httpc/httpc.c"
#include "tap.h"

struct server {
	int fd, port;
	const char *answer;        /* NULL: accept, read, never answer */
	char got[2048];
};

static void *
serve(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	ssize_t n = recv(c, s->got, sizeof(s->got) - 1, 0);

	s->got[n > 0 ? n : 0] = '\0';
	if (s->answer)
		send(c, s->answer, strlen(s->answer), MSG_NOSIGNAL);
	else
		recv(c, s->got + (n > 0 ? n : 0), 1, 0);  /* until the client gives up */
	close(c);
	return NULL;
}

static void
server_open(struct server *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	listen(s->fd, 1);
	getsockname(s->fd, (struct sockaddr *)&sa, &sl);
	s->port = ntohs(sa.sin_port);
}

static void
test_dechunk(void)
{
	GString *b = g_string_new("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");

	ok(http_dechunk(b) == 0 && !strcmp(b->str, "Wikipedia"), "chunked body decoded");
	g_string_assign(b, "ff\r\nshort\r\n");
	ok(http_dechunk(b) < 0, "chunk longer than the data refused");
	g_string_assign(b, "zz\r\n");
	ok(http_dechunk(b) < 0, "chunk size that is not hex refused");
	g_string_free(b, TRUE);
}

static void
test_parse(void)
{
	struct httpc_resp r = { 0 };
	GString *in = g_string_new("HTTP/1.1 200 OK\r\nLocation: /api/v1/x/1\r\nContent-Length: 2\r\n\r\nhi");

	ok(http_parse(in, &r) == 0 && r.status == 200 && !strcmp(r.body->str, "hi"), "status and body");
	is_str(r.location, "/api/v1/x/1", "Location header kept");
	httpc_resp_clear(&r);
	g_string_assign(in, "garbage\r\n\r\n");
	ok(http_parse(in, &r) < 0, "not HTTP refused");
	httpc_resp_clear(&r);
	g_string_free(in, TRUE);
}

static void
test_escape(void)
{
	char *e = httpc_form_escape("a b&c=d/é~");

	is_str(e, "a%20b%26c%3Dd%2F%C3%A9~", "form escaping");
	g_free(e);
}

static void
test_roundtrip(void)
{
	struct server s = { .answer = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "3\r\nabc\r\n0\r\n\r\n" };
	struct httpc_req q = { .addr = "127.0.0.1", .method = "POST", .path = "/p", .user = "admin",
				  .password = "secret", .body = "a=1", .name = "cmsweb.octavio.com" };
	struct httpc_resp r;
	pthread_t t;

	server_open(&s);
	q.port = s.port;
	pthread_create(&t, NULL, serve, &s);
	ok(httpc_request(&q, &r) == 0 && r.status == 201 && !strcmp(r.body->str, "abc"), "round trip, chunked answer");
	pthread_join(t, NULL);
	ok(strstr(s.got, "POST /p HTTP/1.1\r\n") != NULL, "request line on the wire");
	ok(strstr(s.got, "Host: cmsweb.octavio.com:") != NULL, "Host is the name, not the address");
	ok(strstr(s.got, "Authorization: Basic YWRtaW46c2VjcmV0\r\n") != NULL, "Basic auth on the wire");
	ok(strstr(s.got, "Content-Length: 3\r\n\r\na=1") != NULL, "form body with its length");
	httpc_resp_clear(&r);
	close(s.fd);
}

static void
test_silent_and_refused(void)
{
	struct server s = { .answer = NULL };
	struct httpc_req q = { .addr = "127.0.0.1", .path = "/", .timeout_ms = 300 };
	struct httpc_resp r;
	pthread_t t;
	int port;

	server_open(&s);
	q.port = s.port;
	pthread_create(&t, NULL, serve, &s);
	ok(httpc_request(&q, &r) < 0 && strstr(r.err, "no answer"), "a silent server is an error, not a hang");
	httpc_resp_clear(&r);
	pthread_join(t, NULL);
	port = s.port;
	close(s.fd);
	q.port = port;
	ok(httpc_request(&q, &r) < 0 && strstr(r.err, "cannot connect"), "a closed port is named: %s", r.err);
	httpc_resp_clear(&r);
}

int
main(void)
{
	test_dechunk();
	test_parse();
	test_escape();
	test_roundtrip();
	test_silent_and_refused();
	return tap_done();
}
