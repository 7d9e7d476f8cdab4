/* One data-plane thread (src/turn/worker.c) over real sockets: listeners
 * bound at init, the epoll loop answering UDP and TCP clients, relay
 * sockets, the control queue (snapshot, users, stop). */
#include <netinet/tcp.h>

#include "harness.h"
#include "turn/stats.h"
#include "tap.h"

static struct sockaddr_storage
bound(int fd)
{
	struct sockaddr_storage a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return a;
}

/* A Binding request; its length. */
static size_t
binding(uint8_t *buf, size_t cap, const uint8_t tid[STUN_TID_LEN])
{
	struct stun_builder b;

	stun_build_init(&b, buf, cap, STUN_BINDING, STUN_REQUEST, tid);
	return (size_t)stun_build_finish(&b);
}

static void
udp(const struct sockaddr_storage *srv)
{
	struct sockaddr_storage me, from;
	uint8_t tid[STUN_TID_LEN] = "worker-udp-1", buf[512];
	int fd = hx_udp_socket(&me);
	struct stun_msg m;
	long n;

	sendto(fd, buf, binding(buf, sizeof(buf), tid), 0, (const struct sockaddr *)srv, addr_len(srv));
	n = hx_recv_on(fd, buf, sizeof(buf), 5000, &from);
	ok(n > 0 && stun_parse(&m, buf, (size_t)n) == 0 && m.cls == STUN_SUCCESS, "UDP Binding answered");
	ok(n > 0 && addr_equal(&from, srv), "from the listener's address");
	close(fd);
}

static void
tcp(const struct sockaddr_storage *srv)
{
	uint8_t tid[STUN_TID_LEN] = "worker-tcp-1", buf[512];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len = binding(buf, sizeof(buf), tid), got = 0;
	struct stun_msg m;

	ok(connect(fd, (const struct sockaddr *)srv, addr_len(srv)) == 0, "TCP connect");
	/* Two halves: the worker must reassemble the frame. */
	send(fd, buf, 7, 0);
	/* Not a wait for a result: a pause so that the two halves usually
	 * leave as two segments; the checks hold either way. */
	usleep(20000);
	send(fd, buf + 7, len - 7, 0);
	while (got < 20) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		if (poll(&p, 1, 5000) != 1 || (n = recv(fd, buf + got, sizeof(buf) - got, 0)) <= 0)
			break;
		got += (size_t)n;
	}
	ok(got >= 20 && stun_parse(&m, buf, got) == 0 && m.cls == STUN_SUCCESS, "TCP Binding answered");
	/* Not STUN: the worker closes the connection. */
	send(fd, "\xff\xff\xff\xff not STUN, not ChannelData", 30, 0);
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ok(poll(&p, 1, 5000) == 1 && recv(fd, buf, sizeof(buf), 0) == 0, "garbage on TCP: connection closed");
	}
	close(fd);
}

static void
control(struct turn_worker *w, struct turn_config *cfg)
{
	GString *out = g_string_new(NULL);
	struct ctl_msg *m = calloc(1, sizeof(*m));

	is_int(turn_stats_status(w, 1, cfg->realm, 0, out), 0, "the worker answers a snapshot");
	ok(strstr(out->str, "\"allocations\":[]") != NULL, "with no allocation");
	m->type = CTL_USERS;
	m->users = turn_users_ref(cfg->users);
	turn_worker_post(w, m);
	g_string_truncate(out, 0);
	is_int(turn_stats_status(w, 1, cfg->realm, 1, out), 0, "and another after a users message");
	ok(strstr(out->str, "1 workers") != NULL, "text status names the workers");
	g_string_truncate(out, 0);
	turn_stats_metrics(w, 1, 1, out);
	ok(strstr(out->str, "portico_turn_relayed_packets_total") != NULL, "metrics list the counters");
	g_string_free(out, TRUE);
}

int
main(void)
{
	struct turn_config *cfg = hx_config("", 1);
	struct turn_shared sh;
	struct turn_worker w;
	struct sockaddr_storage u, t;
	char err[TURN_ERR_MAX] = "";

	is_int(turn_shared_init(&sh, cfg), 0, "shared state");
	is_int(turn_worker_init(&w, 0, cfg, &sh, err, sizeof(err)), 0, "worker init binds its listeners");
	u = bound(w.udp[0].fd);
	t = bound(w.tcpl[0].fd);
	ok(addr_port(&u) != 0 && addr_port(&t) != 0, "UDP and TCP listeners bound");
	is_int(turn_worker_start(&w), 0, "worker thread started");
	udp(&u);
	tcp(&t);
	control(&w, cfg);
	turn_worker_join_free(&w);
	ok(1, "worker stopped and freed");
	turn_shared_free(&sh);
	turn_config_free(cfg);

	cfg = hx_config("", 1);
	cfg->listen[0] = cfg->listen[1];  /* family 0: an address nobody can bind */
	turn_shared_init(&sh, cfg);
	ok(turn_worker_init(&w, 0, cfg, &sh, err, sizeof(err)) < 0 && strstr(err, "cannot listen"),
	   "a listener that cannot be bound: error says so");
	turn_worker_join_free(&w);
	turn_shared_free(&sh);
	turn_config_free(cfg);
	return tap_done();
}
