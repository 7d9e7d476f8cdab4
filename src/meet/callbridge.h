/*
 * callbridge.h: the call bridge as the REST API sees it: spaces are
 * resolved here for the web bridge (over link.h), and the live calls and
 * call legs are held here (memory only: a call does not outlive the
 * process).  Loop thread only.
 */
#ifndef PORTICO_MEET_CALLBRIDGE_H
#define PORTICO_MEET_CALLBRIDGE_H

#include "media/media.h"
#include "meet/meet-internal.h"

struct meet_callbridge *meet_cb_new(struct meet_server *srv);
void meet_cb_free(struct meet_callbridge *cb);

/* Ids (new GPtrArray of strings) of calls, optionally of one coSpace. */
GPtrArray *meet_cb_call_ids(struct meet_callbridge *cb, const char *cospace);
/* Adds <call id=...> under parent; full adds the object-only fields.
 * -1 when there is no such call; parent NULL only checks it exists (also
 * for meet_cb_participant_render). */
int meet_cb_call_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent,
			int full);
/* Ids of legs, of one call or of all calls; filter (may be NULL) is a
 * case-insensitive substring of the name or remote party. */
GPtrArray *meet_cb_leg_ids(struct meet_callbridge *cb, const char *call, const char *filter);
int meet_cb_leg_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent,
		       int full);
/* A web guest is one participant with one leg: the participant id is its
 * leg's id.  <participant id=...> with name, call. */
int meet_cb_participant_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent,
			       int full);
/* Ends a call (all legs disconnected) / one leg.  -1 when absent. */
int meet_cb_call_delete(struct meet_callbridge *cb, const char *id);
int meet_cb_leg_delete(struct meet_callbridge *cb, const char *id);
/* POST /calls: a call for a coSpace (activeWhenEmpty).  New id, or NULL
 * with *reason set to the vendor's failure name. */
char *meet_cb_call_create(struct meet_callbridge *cb, const char *cospace, const char *name,
			  const char **reason);
/* PUT of a live leg / a call / every leg of a call: name is one of the
 * vendor's parameters (validated by the caller: rxAudioMute, rxVideoMute,
 * txAudioMute, needsActivation as true/false, chosenLayout; locked for a
 * call).  -1 when there is no such leg or call. */
int meet_cb_leg_set(struct meet_callbridge *cb, const char *id, const char *name, const char *value);
int meet_cb_call_set(struct meet_callbridge *cb, const char *id, const char *name, const char *value);
int meet_cb_call_legs_set(struct meet_callbridge *cb, const char *id, const char *name,
			  const char *value);
/* A coSpace was deleted: end its calls. */
void meet_cb_space_gone(struct meet_callbridge *cb, const char *cospace);
void meet_cb_stats(struct meet_callbridge *cb, unsigned *calls, unsigned *legs,
		   unsigned *max_legs, unsigned *completed);
/* Over the live legs, from their last media statistics (metrics.c). */
struct meet_cb_totals {
	unsigned connected;                 /* legs whose media is up */
	uint64_t rx_packets, tx_packets;    /* RTP, audio and video */
	uint64_t tx_bitrate;                /* bits/s forwarded */
	struct media_fwd_counters sfu;      /* since start, every leg (media.h) */
};
void meet_cb_totals(struct meet_callbridge *cb, struct meet_cb_totals *t);
/* Sums over the live legs, bits/s: what guests send us (incoming) and what
 * the SFU forwards to them (outgoing), from the last media statistics. */
void meet_cb_bitrates(struct meet_callbridge *cb, uint64_t *audio_in, uint64_t *audio_out,
		      uint64_t *video_in, uint64_t *video_out);

#endif
