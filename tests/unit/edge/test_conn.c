/*
 * Unit tests of src/edge/conn.c: a conn on one end of a socketpair, the
 * test on the other: delivery, the output queue and its take-back
 * (edge_conn_unwrite), pause, close after flush, peer close, a refused
 * connect.
 */
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge/edge-net.h"
#include "tap.h"

struct rec {
	GString *got;
	int closed, eof;
	char why[128];
};

static void
on_data(struct edge_conn *c, const uint8_t *p, size_t n)
{
	g_string_append_len(((struct rec *)c->ud)->got, (const char *)p, (gssize)n);
}

static void
on_closed(struct edge_conn *c, const char *why)
{
	struct rec *r = c->ud;

	r->closed = 1;
	r->eof = c->eof;
	g_strlcpy(r->why, why, sizeof(r->why));
}

static const struct edge_conn_ops ops = { NULL, on_data, NULL, on_closed };

static void
spin(void)
{
	for (int i = 0; i < 50; i++)
		g_main_context_iteration(NULL, FALSE);
}

/* Read what is there from fd (non-blocking) into out; bytes read, 0 on EOF. */
static ssize_t
drain(int fd, char *out, size_t n)
{
	ssize_t got = 0, r;

	while ((size_t)got < n && (r = recv(fd, out + got, n - (size_t)got, MSG_DONTWAIT)) > 0)
		got += r;
	return got;
}

static void
test_queue_and_unwrite(void)
{
	int sv[2];
	struct rec r = { g_string_new(NULL), 0, 0, "" };
	struct edge_conn *c;
	char buf[64];

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	c = edge_conn_new(sv[0], NULL, 0, &ops, &r);
	is_int(edge_conn_write(c, "hello", 5), 0, "write queues");
	is_int(edge_conn_pending(c), 5, "five bytes pending");
	is_int(edge_conn_queued(c), 5, "queued counts them");
	is_int(edge_conn_unwrite(c, 2), 0, "take back what never left");
	is_int(edge_conn_pending(c), 2, "two bytes left");
	is_int(edge_conn_unwrite(c, 3), -1, "a mark beyond the queue is refused");
	spin();
	is_int(drain(sv[1], buf, sizeof(buf)), 2, "the peer got the rest");
	ok(!memcmp(buf, "he", 2), "and only the rest");
	is_int(edge_conn_unwrite(c, 1), -1, "bytes on the socket cannot be taken back");
	is_int(edge_conn_unwrite(c, 2), 0, "an empty take-back at the send mark is fine");

	send(sv[1], "abc", 3, 0);
	spin();
	is_str(r.got->str, "abc", "peer bytes delivered");
	edge_conn_pause(c, 1);
	send(sv[1], "x", 1, 0);
	spin();
	is_str(r.got->str, "abc", "a paused conn does not read");
	edge_conn_pause(c, 0);
	spin();
	is_str(r.got->str, "abcx", "resumed: delivered");

	edge_conn_write(c, "bye", 3);
	edge_conn_close_after_flush(c);
	spin();
	is_int(drain(sv[1], buf, sizeof(buf)), 3, "close after flush sends what was queued");
	is_int(recv(sv[1], buf, 1, MSG_DONTWAIT), 0, "then closes");
	ok(!r.closed, "no closed callback after the owner's close");
	close(sv[1]);
	g_string_free(r.got, TRUE);
}

static void
test_peer_close(void)
{
	int sv[2];
	struct rec r = { g_string_new(NULL), 0, 0, "" };

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	edge_conn_new(sv[0], NULL, 0, &ops, &r);
	close(sv[1]);
	spin();
	ok(r.closed && r.eof, "peer close: closed callback with eof");
	is_str(r.why, "connection closed by peer", "and a reason");
	g_string_free(r.got, TRUE);
}

static void
test_refused(void)
{
	struct sockaddr_storage a;
	struct sockaddr_in *in = (struct sockaddr_in *)&a;
	socklen_t sl = sizeof(*in);
	struct rec r = { g_string_new(NULL), 0, 0, "" };
	struct edge_conn *c;
	char err[256] = "";
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)in, sizeof(*in));
	getsockname(fd, (struct sockaddr *)in, &sl);
	close(fd);                         /* a port nobody listens on */
	c = edge_conn_connect(&a, NULL, &ops, &r, err, sizeof(err));
	for (int i = 0; c && !r.closed && i < 1000; i++)
		g_main_context_iteration(NULL, TRUE);
	ok(!c || r.closed, "a refused connect ends");
	ok(!c ? strstr(err, "cannot connect") != NULL : strstr(r.why, "connect failed") != NULL,
	   "with a reason (%s%s)", err, r.why);
	g_string_free(r.got, TRUE);
	spin();
}

int
main(void)
{
	test_queue_and_unwrite();
	test_peer_close();
	test_refused();
	return tap_done();
}
