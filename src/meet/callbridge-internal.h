/*
 * callbridge-internal.h: the call bridge's tables, shared by its files:
 *   callbridge.c        calls and legs, joins and leaves, the link, new/free
 *   callbridge-guest.c  guest resolution (call ID, passcode, secret) and
 *                       guest accounts
 *   callbridge-api.c    what the REST API reads and changes (callbridge.h)
 *   callbridge-media.c  the SFU engine behind each leg, signalling
 * Loop thread only; struct meet_callbridge owns everything in it.
 */
#ifndef PORTICO_MEET_CALLBRIDGE_INTERNAL_H
#define PORTICO_MEET_CALLBRIDGE_INTERNAL_H

#include "media/media.h"
#include "meet/callbridge.h"
#include "meet/chat.h"
#include "meet/profile.h"

#define TOKEN_USEC (10 * 60 * G_USEC_PER_SEC)
#define MAX_PENDING 4096

struct leg {
	char *id;                   /* GUID, the API's callLeg id */
	char *session;              /* web bridge session, secret to the guest */
	char *call;                 /* call id */
	char *jid, *name;
	gint64 started;
	uint32_t peer;              /* media engine peer id, 0 = no media */
	unsigned call_number;
	struct media_stats st;      /* last MEDIA_EV_STATS */
	int media_state;            /* 0 setting up, 1 connected, -1 failed */
	/* chat and participant state (chat helper): */
	struct meet_chat_rate chat_rate;
	int chat_denied;            /* 1: profile chatContributionAllowed=false */
	int muted, camera_off;      /* as the page announces ({"type":"state"}) */
	struct meet_leg_profile prof;  /* effective callLegProfile, live PUTs applied */
	int waiting;                /* in the lobby: no media peer until activated */
};

/* The leg's effective chatContributionAllowed (default allowed). */
static inline int
meet_cb__leg_chat_allowed(const struct leg *l)
{
	return !l->chat_denied && l->prof.chatContributionAllowed;
}

struct call {
	char *id;
	unsigned number;            /* "call 6" in the event log */
	char *cospace, *name;
	GPtrArray *legs;            /* leg ids */
	int active_when_empty;
	gint64 started;
	struct meet_chat *chat;     /* history, MEET_CHAT_HISTORY messages */
	char *speaker;              /* leg id of the active speaker, or NULL */
	int locked;                 /* PUT locked=true: new guests refused */
};

/* A resolved space awaiting a display name, or a logged-in guest awaiting
 * its WebSocket: keyed by a random token or session. */
struct pending {
	char *space, *space_name, *jid, *name;
	char *access;               /* access method resolved through, or NULL */
	gint64 expires;
};

struct meet_callbridge {
	struct meet_server *srv;
	GHashTable *calls;          /* id -> struct call */
	GHashTable *legs;           /* id -> struct leg */
	GHashTable *sessions;       /* session -> leg id (weak) */
	GHashTable *tokens;         /* token -> struct pending */
	GHashTable *guests;         /* session -> struct pending (logged in, not joined) */
	GPtrArray *call_order;      /* call ids, creation order */
	unsigned next_call, requests;
	unsigned max_legs, completed;
	struct media_engine *media; /* NULL when the engine could not start */
	GHashTable *peers;          /* media peer id -> leg id (weak) */
	uint32_t next_peer;
};

/* callbridge.c */
void meet_cb__reply(struct meet_callbridge *cb, const char *type, GHashTable *msg);
/* A new random URL-safe token (g_free). */
char *meet_cb__token(void);
/* The call of a space, created when there is none. */
struct call *meet_cb__call_for_space(struct meet_callbridge *cb, const char *space,
				     const char *name);
/* Removes a leg; ends its call when empty (unless activeWhenEmpty). */
void meet_cb__leg_remove(struct meet_callbridge *cb, struct leg *l, const char *why);
void meet_cb__pending_free(gpointer p);

/* callbridge-guest.c: link messages "resolve" and "login". */
void meet_cb__on_resolve(struct meet_callbridge *cb, GHashTable *in);
void meet_cb__on_login(struct meet_callbridge *cb, GHashTable *in);

/* callbridge-media.c */
void meet_cb__media_event(void *ctx, const struct media_event *ev);
void meet_cb__media_join(struct meet_callbridge *cb, struct call *c, struct leg *l);
void meet_cb__media_leave(struct meet_callbridge *cb, struct leg *l);
void meet_cb__on_signal(struct meet_callbridge *cb, GHashTable *in);
/* Sends JSON text to one leg's page (over the web bridge's "signal"). */
void meet_cb__send_page(struct meet_callbridge *cb, struct leg *l, const char *json);
/* callbridge.c: re-sends the participant list to every leg of the call. */
void meet_cb__broadcast(struct meet_callbridge *cb, struct call *c);
/* The SFU forwards what the leg's rxAudioMute/rxVideoMute allow. */
void meet_cb__media_gate(struct meet_callbridge *cb, struct leg *l);

/* callbridge.c: lobby.  The leg waits (no media) or joins the media. */
void meet_cb__leg_wait(struct meet_callbridge *cb, struct leg *l);
void meet_cb__leg_activate(struct meet_callbridge *cb, struct call *c, struct leg *l);
/* callbridge-api.c: a host's moderation message from the page. */
void meet_cb__moderate(struct meet_callbridge *cb, struct leg *l, const char *action,
		       const char *target, int on);

#endif
