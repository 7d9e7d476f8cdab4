/* Unit tests: src/media/ice.c with a real libnice agent on loopback:
 * gathering host candidates on the configured address, local credentials,
 * the answer's credentials and candidates (ICE timer started, special
 * addresses refused), trickled candidates, restart, and the failure paths:
 * no connectivity, and no relay candidate when relays are the only kind
 * allowed (an unresolvable TURN server). */
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "peers.h"
#include "tap.h"

static unsigned gathered_calls, datagrams;

static void
on_datagram(struct media_peer *p, uint8_t *b, size_t n)
{
	datagrams++;
}

static void
on_gathered(struct media_peer *p)
{
	gathered_calls++;
}

/* Runs the default context until *flag or 20 s pass (a safety net, not
 * a figure under test). */
static int
spin_until(const unsigned *flag)
{
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	while (!*flag && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	return *flag != 0;
}

static unsigned
count_with(GPtrArray *a, const char *needle)
{
	unsigned n = 0;

	for (guint i = 0; i < a->len; i++)
		n += strstr(g_ptr_array_index(a, i), needle) != NULL;
	return n;
}

static void
test_host(struct tp_world *w, int logfd)
{
	struct media_peer *p = tp_peer(w, 1, 0);
	struct media_sdp_answer a = { .ncands = 3 };
	char *ufrag = NULL, *pwd = NULL, log[8192] = "";
	ssize_t n;

	g_ptr_array_set_size(p->cands, 0);
	is_int(media_ice_setup(p, on_datagram, on_gathered), 0, "agent set up");
	ok(spin_until(&gathered_calls), "gathering finishes");
	ok(p->gathered && p->cands->len > 0, "local candidates kept (%u)", p->cands->len);
	is_int(count_with(p->cands, "127.0.0.1"), p->cands->len, "all on the configured address");
	is_int(p->relays, 0, "no relay asked, none made");
	is_int(w->events[MEDIA_EV_RELAY], 0, "no relay event without TURN servers");
	media_ice_local(p, &ufrag, &pwd);
	ok(ufrag && *ufrag && pwd && strlen(pwd) >= 22, "local credentials");
	g_strlcpy(a.ufrag, "abcd", sizeof(a.ufrag));
	g_strlcpy(a.pwd, "0123456789abcdefghijklmn", sizeof(a.pwd));
	g_strlcpy(a.cands[0], "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host", sizeof(a.cands[0]));
	g_strlcpy(a.cands[1], "candidate:2 1 udp 2122260222 169.254.169.254 80 typ host", sizeof(a.cands[1]));
	g_strlcpy(a.cands[2], "candidate:3 1 tcp 2122260221 127.0.0.1 9 typ host", sizeof(a.cands[2]));
	media_ice_remote(p, &a);
	is_str(p->remote_ufrag, "abcd", "remote credentials taken");
	ok(p->ice_timer != 0, "ICE timer started by new credentials");
	media_ice_candidate(p, "candidate:4 1 udp 2122260220 224.0.0.1 9 typ host");
	media_ice_candidate(p, "");
	w->events[MEDIA_EV_FAILED] = 0;
	ok(spin_until(&w->events[MEDIA_EV_FAILED]), "no connectivity: failure");
	ok(w->text && strstr(w->text, "ICE failure"), "reason says ICE failure (%s)", w->text);
	fflush(NULL);
	lseek(logfd, 0, SEEK_SET);
	n = read(logfd, log, sizeof(log) - 1);
	log[n > 0 ? n : 0] = '\0';
	ok(strstr(log, "169.254.169.254 refused: link-local") != NULL, "link-local candidate refused");
	ok(strstr(log, "224.0.0.1 refused: multicast") != NULL, "trickled multicast refused");
	ok(strstr(log, "127.0.0.1 refused") == NULL, "loopback accepted: the SFU uses loopback");
	media_ice_restart(p);
	is_str(p->remote_ufrag, "", "restart forgets the remote credentials");
	media_ice_free(p);
	ok(!p->agent && !p->ice_timer && !p->relay_timer, "agent and timers gone");
	media_ice_free(p);
	ok(1, "a second free is harmless");
	tp_peer_free(w, p);
	g_free(ufrag);
	g_free(pwd);
}

static void
test_relay_only(struct tp_world *w)
{
	struct media_peer *p = tp_peer(w, 2, 0);

	w->cfg.host_candidates = 0;
	w->cfg.relay_timeout_ms = 300;
	g_strlcpy(p->turn[0].host, "turn.invalid", sizeof(p->turn[0].host));
	p->turn[0].udp_port = 3478;
	p->nturn = 1;
	g_ptr_array_set_size(p->cands, 0);
	gathered_calls = 0;
	w->events[MEDIA_EV_FAILED] = 0;
	is_int(media_ice_setup(p, on_datagram, on_gathered), 0, "relay-only agent set up");
	ok(spin_until(&gathered_calls), "gathering gives up");
	is_int(w->events[MEDIA_EV_RELAY], 1, "relay event");
	is_int(p->relays, 0, "no relay candidate");
	is_int(p->cands->len, 0, "no candidate at all");
	ok(w->text && strstr(w->text, "relay candidate creation timeout"), "reason names the relay (%s)",
	   w->text);
	media_ice_free(p);
	tp_peer_free(w, p);
}

int
main(void)
{
	struct tp_world w;
	char logpath[] = "/tmp/portico-media-ice-XXXXXX";
	int logfd = mkstemp(logpath);

	unlink(logpath);
	plog_set_fd(logfd);
	tp_world_init(&w);
	w.cfg.naddresses = 1;
	g_strlcpy(w.cfg.addresses[0], "127.0.0.1", sizeof(w.cfg.addresses[0]));
	w.cfg.relay_timeout_ms = 2000;
	w.cfg.ice_timeout_ms = 1000;
	test_host(&w, logfd);
	test_relay_only(&w);
	tp_world_free(&w);
	plog_set_fd(2);
	close(logfd);
	return tap_done();
}
