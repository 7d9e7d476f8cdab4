/*
 * link.h: the ONE interface between the web bridge and the call bridge.
 *
 * In the seed they are two services joined by a TLS link that the web
 * bridge only trusts when its trust bundle holds the call bridge's
 * certificate; when that link is down the guest page shows no "Join call"
 * button and the operator sees "Web bridge connection to ... failed
 * (connect failure)".  portico keeps that shape: the two sides exchange
 * only messages, never pointers, so the same messages can later be framed
 * onto a TLS connection (each message is a type plus a flat string map,
 * e.g. form-encoded) without changing either side.
 *
 * Messages, web bridge -> call bridge:
 *   "resolve"  req, callId, passcode, secret, client   (Join call form / invitation link)
 *   "login"    req, token, name, client                (display name; creates the guest account)
 *   "join"     session                                 (WebSocket open: add the call leg)
 *   "leave"    session                                 (WebSocket closed)
 *   "signal"   session, data                           (media signalling JSON from the page)
 * call bridge -> web bridge:
 *   "resolved"     req, status, spaceName, token
 *   "loggedIn"     req, status, jid, session, spaceName
 *   "participants" session, call, spaceName, list (JSON array of {id,name,self})
 *   "disconnect"   session, reason                     (DELETE callLegs/<id>)
 *   "signal"       session, data                       (offer, speaker, mediaFailed JSON)
 * status is "ok", "notFound", "badPasscode", "passcodeRequired",
 * "rateLimited", "participantLimitReached", "expired" or "error".
 *
 * Delivery is asynchronous (an idle source on the loop), in order, as it
 * would be over a socket.  Loop thread only.  The link owns queued
 * messages; a receiver must not keep the GHashTable past its callback.
 */
#ifndef PORTICO_MEET_LINK_H
#define PORTICO_MEET_LINK_H

#include <glib.h>

enum meet_link_side { MEET_LINK_CALLBRIDGE, MEET_LINK_WEBBRIDGE };

struct meet_link;

typedef void (*meet_link_recv)(void *ctx, const char *type, GHashTable *msg);
typedef void (*meet_link_state)(void *ctx, int up);

/* number: the link's number in logs ("web bridge link 1"); peer: what the
 * web bridge connects to, for messages ("callbridge.cms.octavio.local"). */
struct meet_link *meet_link_new(unsigned number, const char *peer);
void meet_link_free(struct meet_link *l);
/* Each side registers its receiver and a state callback (called on every
 * change, up or down; on down, each side drops what lived across the link). */
void meet_link_attach(struct meet_link *l, enum meet_link_side side, meet_link_recv recv,
		      meet_link_state state, void *ctx);
/* Bring the link up: with trust_path set, only when the trust bundle holds
 * the call bridge's certificate (cb_cert_path); both files are re-read
 * every retry_s seconds and the link follows (up or down). */
void meet_link_start(struct meet_link *l, const char *trust_path, const char *cb_cert_path,
		     unsigned retry_s);
int meet_link_up(const struct meet_link *l);
unsigned meet_link_number(const struct meet_link *l);
/* Queue msg (ownership taken) for the other side.  -1 (msg freed) when
 * the link is down. */
int meet_link_send(struct meet_link *l, enum meet_link_side from, const char *type,
		   GHashTable *msg);
/* A new message map (string -> string) and a setter that copies. */
GHashTable *meet_link_msg(void);
void meet_link_set(GHashTable *msg, const char *key, const char *value);
const char *meet_link_get(GHashTable *msg, const char *key);

#endif
