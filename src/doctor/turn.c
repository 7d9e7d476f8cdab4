/*
 * turn.c: doctor_turn_allocate, what a browser does with TURN, with the
 * turnc client: the authenticated Allocate, then, when asked, a relay
 * round trip: a second socket of ours plays the peer, the allocation gets
 * a permission for it, and a datagram sent by that peer to the relayed
 * address must come back as a Data indication (this crosses the relay port
 * range, so a firewall that closes it is seen).  Finally Refresh LIFETIME 0.
 *
 * Blocking, bounded by timeouts; runs on doctor's only thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "doctor/doctor-internal.h"
#include "turnc/turnc.h"

#define RELAY_TRIES 4

/* A peer socket of ours sends to the relayed address; the datagram must
 * come back to us as a Data indication.  0 when it did. */
static int
relay_roundtrip(struct turnc *c, const struct sockaddr_storage *relayed,
		const struct sockaddr_storage *local_ip, struct doctor_turn_result *res)
{
	struct sockaddr_storage peer = *local_ip;
	socklen_t sl = sizeof(peer);
	struct stun_msg m;
	static const char probe[] = "portico doctor relay probe";
	int pfd = socket(relayed->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	addr_set_port(&peer, 0);
	if (pfd < 0 || bind(pfd, (struct sockaddr *)&peer, addr_len(&peer)) < 0 ||
	    getsockname(pfd, (struct sockaddr *)&peer, &sl) < 0)
		goto out;
	if (turnc_permission(c, &peer, &m) != 0) {
		snprintf(res->detail, sizeof(res->detail), "CreatePermission for the test peer was refused");
		goto out;
	}
	for (int t = 0; t < RELAY_TRIES && ret < 0; t++) {
		sendto(pfd, probe, sizeof(probe), 0, (const struct sockaddr *)relayed, addr_len(relayed));
		while (ret < 0 && turnc_recv(c, &m, c->timeout_ms) == 0)
			if (m.method == STUN_DATA && m.cls == STUN_INDICATION)
				ret = 0;
	}
	if (ret < 0)
		snprintf(res->detail, sizeof(res->detail), "nothing came back through the relayed address");
out:
	if (pfd >= 0)
		close(pfd);
	return ret;
}

static void
allocated(struct turnc *c, const struct stun_msg *m, int relay_check, struct doctor_turn_result *res)
{
	struct sockaddr_storage local;
	socklen_t sl = sizeof(local);
	struct stun_msg r;

	res->allocated = 1;
	turnc_xor_addr(m, STUN_ATTR_XOR_RELAYED_ADDRESS, &res->relayed);
	turnc_xor_addr(m, STUN_ATTR_XOR_MAPPED_ADDRESS, &res->mapped);
	getsockname(c->fd, (struct sockaddr *)&local, &sl);
	if (relay_check)
		res->relay_ok = relay_roundtrip(c, &res->relayed, &local, res) == 0;
	turnc_release(c, &r);
}

int
doctor_turn_allocate(const struct sockaddr_storage *server, int tcp, const char *user,
		     const char *password, int relay_check, int timeout_ms,
		     struct doctor_turn_result *res)
{
	struct turnc c;
	struct stun_msg m;
	int code;

	memset(res, 0, sizeof(*res));
	code = turnc_open(&c, server, tcp, (unsigned)timeout_ms);
	if (code < 0) {
		snprintf(res->detail, sizeof(res->detail), "cannot %s: %s",
			 tcp ? "connect over TCP" : "open a UDP socket", strerror(-code));
		res->unreachable = 1;
		goto out;
	}
	code = turnc_allocate(&c, user, password, &m);
	res->code = code == -EINVAL ? -2 : code < 0 ? -1 : code;
	if (code == 0) {
		allocated(&c, &m, relay_check, res);
	} else if (code == -EINVAL) {
		snprintf(res->detail, sizeof(res->detail), "the password is not valid SASLprep text");
	} else if (code < 0) {
		res->unreachable = 1;
		snprintf(res->detail, sizeof(res->detail), "no answer to Allocate");
	} else {
		snprintf(res->detail, sizeof(res->detail), "Allocate refused with %d %s", code,
			 stun_reason(code));
	}
out:
	turnc_close(&c);
	return res->allocated ? 0 : -1;
}
