/* Unit tests: src/media/engine.c (with the peer layer) without a browser: workers
 * start and stop, a peer gathers host candidates and its offer comes back
 * on the control thread, answers that do not match are refused, ICE fails
 * by timeout, and tear-down with events still queued frees everything. */
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

#include "common/plog.h"
#include "media/media.h"
#include "tap.h"

struct seen {
	int offers, failed, stats;
	char *sdp, *reason;
	GMainLoop *loop;
	GThread *control;
	int wrong_thread;
};

static void
on_event(void *ctx, const struct media_event *ev)
{
	struct seen *s = ctx;

	s->wrong_thread |= g_thread_self() != s->control;
	if (ev->type == MEDIA_EV_OFFER) {
		s->offers++;
		g_free(s->sdp);
		s->sdp = g_strdup(ev->sdp);
	} else if (ev->type == MEDIA_EV_FAILED) {
		s->failed++;
		g_free(s->reason);
		s->reason = g_strdup(ev->text);
	} else if (ev->type == MEDIA_EV_STATS) {
		s->stats++;
	}
	g_main_loop_quit(s->loop);
}

static gboolean
quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

/* Runs the loop until cond holds or 20 s pass. */
static int
run_until(struct seen *s, int (*cond)(struct seen *))
{
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	while (!cond(s) && g_get_monotonic_time() < end) {
		guint t = g_timeout_add(200, quit_loop, s->loop);
		g_main_loop_run(s->loop);
		g_source_remove(t);
	}
	return cond(s);
}

static int has_offer(struct seen *s) { return s->offers > 0; }
static int has_failed(struct seen *s) { return s->failed > 0; }
static int has_stats(struct seen *s) { return s->stats > 0; }

int
main(void)
{
	struct media_config cfg = { .workers = 2, .host_candidates = 1, .relay_timeout_ms = 2000,
				    .ice_timeout_ms = 1000, .naddresses = 1 };
	struct seen s = { 0 };
	struct media_engine *e;
	const char *err = NULL;
	char *answer;

	g_strlcpy(cfg.addresses[0], "127.0.0.1", sizeof(cfg.addresses[0]));
	/* The engine's log lines go to a file the test reads back. */
	char logpath[] = "/tmp/portico-media-log-XXXXXX";
	int logfd = mkstemp(logpath);
	unlink(logpath);
	plog_set_fd(logfd);
	s.loop = g_main_loop_new(NULL, FALSE);
	s.control = g_thread_self();
	e = media_engine_new(&cfg, on_event, &s, &err);
	ok(e != NULL, "engine starts (%s)", err ? err : "ok");
	is_int(media_peer_add(e, 7, 1, "leg-1", NULL, 0), 0, "peer added");
	is_int(media_peer_add(e, 7, 1, "leg-1", NULL, 0), -1, "peer id taken");
	ok(run_until(&s, has_offer), "an offer comes back");
	ok(s.sdp && strstr(s.sdp, "a=candidate:") && strstr(s.sdp, "127.0.0.1"), "host candidate on 127.0.0.1");
	ok(s.sdp && strstr(s.sdp, "a=fingerprint:sha-256 ") && strstr(s.sdp, "a=setup:actpass"), "DTLS fingerprint, actpass");
	ok(s.sdp && strstr(s.sdp, "a=mid:0") && strstr(s.sdp, "a=mid:1") && !strstr(s.sdp, "a=mid:2"),
	   "alone in the room: its own two m-lines");
	media_peer_answer(e, 1, "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");   /* one m-line: refused */
	answer = g_strdup("v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\n"
			  "a=fingerprint:sha-256 AA:BB\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
			  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n");
	media_peer_answer(e, 1, answer);
	media_peer_candidate(e, 1, "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host");
	/* Addresses no guest can own are refused (and logged). */
	media_peer_candidate(e, 1, "candidate:2 1 udp 2122260222 169.254.169.254 80 typ host");
	media_peer_candidate(e, 1, "candidate:3 1 udp 2122260221 224.0.0.1 9 typ host");
	media_peer_candidate(e, 1, "candidate:4 1 udp 2122260220 0.0.0.0 9 typ host");
	media_peer_candidate(e, 1, "");
	ok(run_until(&s, has_failed), "no connectivity: ICE failure after ice-timeout-ms");
	{
		char log[8192] = "";
		ssize_t n;
		fflush(NULL);
		lseek(logfd, 0, SEEK_SET);
		n = read(logfd, log, sizeof(log) - 1);
		log[n > 0 ? n : 0] = '\0';
		ok(strstr(log, "guest candidate 169.254.169.254 refused: link-local") != NULL,
		   "metadata address refused as a guest candidate");
		ok(strstr(log, "guest candidate 224.0.0.1 refused: multicast") != NULL, "multicast refused");
		ok(strstr(log, "guest candidate 0.0.0.0 refused: unspecified") != NULL, "0.0.0.0 refused");
		ok(strstr(log, "guest candidate 127.0.0.1 refused") == NULL,
		   "loopback accepted when the SFU itself uses loopback");
	}
	ok(s.reason && strstr(s.reason, "ICE failure"), "reason says ICE failure (%s)", s.reason ? s.reason : "");
	ok(run_until(&s, has_stats), "statistics each second");
	ok(!s.wrong_thread, "events delivered on the control thread");
	media_peer_restart(e, 1);
	media_peer_keyframe(e, 1);
	media_peer_set_presentation(e, 1, 0);   /* presentationContributionAllowed=false */
	media_peer_set_presentation(e, 1, 1);
	media_peer_set_presentation(e, 99, 0);  /* unknown: ignored */
	is_int(media_peer_add(e, 7, 2, "leg-2", NULL, 0), 0, "second peer");
	media_peer_remove(e, 1);
	media_peer_remove(e, 99);   /* unknown: ignored */
	media_engine_free(e);       /* with peer 2 gathering and events queued */
	ok(1, "engine freed with work in flight");
	g_free(answer);
	g_free(s.sdp);
	g_free(s.reason);
	g_main_loop_unref(s.loop);
	plog_set_fd(2);
	close(logfd);
	return tap_done();
}
