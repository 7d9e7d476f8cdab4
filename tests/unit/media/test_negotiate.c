/* Unit tests: src/media/negotiate.c, the offer/answer state machine,
 * driven without ICE: the offer waits for gathering, one offer is out at a
 * time (changes meanwhile make the peer dirty, the answer brings the next
 * offer), answers that do not match are refused, publishers' tracks appear
 * as sendonly m-lines of the others and are rejected when they leave, a
 * receiver's first answer asks for a key frame, H.264 preference, and an
 * ICE restart asked during an offer waits for its answer. */
#include <string.h>

#include "peers.h"
#include "tap.h"

static const struct tp_am own_av[] = {
	{ "audio", 9, 1111, 111 }, { "video", 9, 2222, 96 },
};

static void
test_first_offer(struct tp_world *w, struct media_peer *p, struct media_peer *late)
{
	media_neg_offer(late);
	is_int(w->offers[late->id], 0, "no offer before gathering");
	media_neg_offer(p);
	is_int(w->offers[p->id], 1, "offer once gathered");
	ok(p->offer_out && !p->dirty, "offer outstanding");
	ok(strstr(w->sdp[p->id], "a=ice-ufrag:uf1\r\n") != NULL, "local ICE credentials from the ops");
	ok(strstr(w->sdp[p->id], "a=fingerprint:sha-256 AA:BB:CC\r\n") != NULL,
	   "the engine's fingerprint");
	ok(strstr(w->sdp[p->id], "a=mid:1") && !strstr(w->sdp[p->id], "a=mid:2"),
	   "alone in the room: its own two m-lines");
	ok(strstr(w->sdp[p->id], "127.0.0.1 40000 typ host") != NULL, "local candidates");
	media_neg_offer(p);
	is_int(w->offers[p->id], 1, "no second offer while one is out");
	ok(p->dirty, "... the peer is dirty instead");
}

static void
test_refused(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	char *a;

	is_int(media_neg_answer(p, "not sdp"), -1, "garbage refused");
	a = tp_answer("abcd", 1, own_av, 1);
	is_int(media_neg_answer(p, a), -1, "one m-line for two refused");
	g_free(a);
	a = tp_answer("abcd", 0, own_av, 2);
	is_int(media_neg_answer(p, a), -1, "no fingerprint refused");
	g_free(a);
	a = tp_answer("abcd", 1, own_av, 2);
	is_int(media_neg_answer(q, a), -1, "answer without an offer out refused");
	g_free(a);
	is_int(w->remote_ice, 0, "refused answers reach no transport");
	ok(p->offer_out, "the offer is still out");
}

static void
test_publish(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	const struct tp_am h264[] = { { "audio", 9, 1111, 111 }, { "video", 9, 2222, 102 } };
	char *a = tp_answer("abcd", 1, h264, 2);

	is_int(media_neg_answer(p, a), 0, "answer accepted");
	g_free(a);
	is_int(w->remote_ice, 1, "remote ICE handed to the transport");
	is_str(p->remote_fp, "12:34:56", "remote fingerprint kept for DTLS");
	is_int(p->pub[MEDIA_AUDIO].ssrc, 1111, "audio track published");
	is_int(p->pub[MEDIA_VIDEO].ssrc, 2222, "video track published");
	is_int(p->pub[MEDIA_VIDEO].pt, MEDIA_PT_VP8, "still sends VP8 (first codec offered)");
	is_int(w->offers[p->id], 2, "dirty: the answer brings the next offer");
	ok(strstr(w->sdp[p->id], "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n") != NULL,
	   "next offer lists the preferred H.264 alone");
	is_int(w->offers[q->id], 1, "the other peer is offered the new tracks");
	ok(strstr(w->sdp[q->id], "a=ssrc:1111 msid:leg-1 leg-1-audio") != NULL, "audio source declared");
	ok(strstr(w->sdp[q->id], "a=ssrc:2222 msid:leg-1 leg-1-video") != NULL, "video source declared");
	ok(strstr(w->sdp[q->id], "a=mid:3") && strstr(w->sdp[q->id], "a=sendonly"),
	   "two sendonly m-lines added");
}

static void
test_receive(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	const struct tp_am four[] = {
		{ "audio", 9, 0, 111 }, { "video", 9, 0, 96 }, { "audio", 9, 0, 111 }, { "video", 9, 0, 96 },
	};
	char *a = tp_answer("efgh", 1, four, 4);

	ok(!media_neg_mline_for(q, p->id, MEDIA_VIDEO)->negotiated, "not forwarded before the answer");
	is_int(media_neg_answer(q, a), 0, "receiver's answer accepted");
	g_free(a);
	ok(media_neg_mline_for(q, p->id, MEDIA_VIDEO)->negotiated, "forwarding may start");
	ok(w->keyframes >= 1 && w->keyframe_from == p->id, "key frame asked of the publisher");
	ok(!q->offer_out, "nothing outstanding");
}

static void
test_restart(struct tp_world *w, struct media_peer *p, struct media_peer *late)
{
	const struct tp_am h264[] = { { "audio", 9, 1111, 111 }, { "video", 9, 2222, 102 } };
	unsigned before = w->offers[p->id];
	char *a;

	is_int(media_neg_restart_now(late), 0, "no restart before gathering");
	ok(!late->restart_pending, "... and none pending");
	is_int(media_neg_restart_now(p), 0, "restart waits for the outstanding answer");
	ok(p->restart_pending, "restart pending");
	a = tp_answer("ijkl", 1, h264, 2);
	is_int(media_neg_answer(p, a), 0, "answer to the waiting offer");
	g_free(a);
	is_int(w->restarts, 1, "the answer runs the restart");
	ok(!p->restart_pending, "restart no longer pending");
	is_int(w->offers[p->id], before + 1, "the restart offers");
	is_int(p->pub[MEDIA_VIDEO].pt, MEDIA_PT_H264, "sends H.264 once offered alone");
}

/* Answers q's outstanding offer as a browser would: every m-line kept. */
static int
answer_all(struct media_peer *q)
{
	struct tp_am m[MEDIA_SDP_MAX_MLINES];
	char *a;
	int rc;

	for (guint i = 0; i < q->m->len; i++) {
		const struct mline *l = &g_array_index(q->m, struct mline, i);
		m[i] = (struct tp_am){ l->sdp.kind == MEDIA_AUDIO ? "audio" : "video",
				       l->sdp.rejected ? 0 : 9, 0, l->sdp.kind == MEDIA_AUDIO ? 111 : 96 };
	}
	a = tp_answer("efgh", 1, m, q->m->len);
	rc = media_neg_answer(q, a);
	g_free(a);
	return rc;
}

static void
test_leave(struct tp_world *w, struct media_peer *p, struct media_peer *q)
{
	uint32_t gone = p->id;
	unsigned before;

	ok(q->offer_out, "the codec change re-offered the receiver");
	ok(strstr(w->sdp[q->id], "m=video 0 ") && strstr(w->sdp[q->id], "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"),
	   "its VP8 m-line rejected, an H.264 one added");
	is_int(answer_all(q), 0, "receiver answers");
	before = w->offers[q->id];
	tp_peer_free(w, p);
	media_neg_room_all(&w->room, NULL);
	is_int(w->offers[q->id], before + 1, "a peer left: the others are re-offered");
	ok(strstr(w->sdp[q->id], "m=audio 0 ") != NULL, "its m-lines rejected (port 0)");
	ok(!media_neg_mline_for(q, gone, MEDIA_AUDIO), "no live m-line for it");
	is_int(answer_all(q), 0, "receiver answers the rejection");
	media_neg_room_all(&w->room, NULL);
	is_int(w->offers[q->id], before + 1, "no change, no offer");
}

int
main(void)
{
	struct tp_world w;
	struct media_peer *p, *q, *late;

	tp_world_init(&w);
	p = tp_peer(&w, 1, 1);
	q = tp_peer(&w, 2, 1);
	late = tp_peer(&w, 3, 0);
	test_first_offer(&w, p, late);
	test_refused(&w, p, q);
	test_publish(&w, p, q);
	test_receive(&w, p, q);
	test_restart(&w, p, late);
	test_leave(&w, p, q);
	tp_world_free(&w);
	return tap_done();
}
