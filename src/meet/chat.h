/*
 * chat.h: a call's text chat (chat.c): the bounded history a late joiner
 * receives, the length cap, the per-leg rate limit, and the JSON the pages
 * get.  Pure data, no I/O: the caller passes the clock, so the unit test
 * needs no sleeping.  Loop thread only; the call owns its meet_chat, the
 * leg owns its meet_chat_rate.
 */
#ifndef PORTICO_MEET_CHAT_H
#define PORTICO_MEET_CHAT_H

#include <glib.h>

#define MEET_CHAT_HISTORY 500       /* messages a call keeps */
#define MEET_CHAT_MAX_CHARS 2000    /* Unicode characters, not bytes */
#define MEET_CHAT_BURST 5           /* messages a leg may send at once */
#define MEET_CHAT_REFILL_USEC (2 * G_USEC_PER_SEC)   /* then one per 2 s */

enum meet_chat_status {
	MEET_CHAT_OK = 0,
	MEET_CHAT_EMPTY,            /* nothing but white space */
	MEET_CHAT_TOO_LONG,         /* over MEET_CHAT_MAX_CHARS */
	MEET_CHAT_BAD_TEXT,         /* invalid UTF-8 or a NUL */
	MEET_CHAT_RATE_LIMITED,
	MEET_CHAT_FORBIDDEN,        /* chatContributionAllowed=false */
};

/* A leg's token bucket; zero-initialised means full. */
struct meet_chat_rate {
	unsigned used;              /* tokens spent, 0..MEET_CHAT_BURST */
	gint64 since;               /* monotonic usec of the last refill step */
};

struct meet_chat;

struct meet_chat *meet_chat_new(unsigned max_history);
void meet_chat_free(struct meet_chat *ch);

/* Checks text (len bytes, not NUL-terminated necessarily) against the cap
 * and the leg's rate and, when MEET_CHAT_OK, appends it to the history
 * (dropping the oldest beyond the bound) and sets *json to the message the
 * pages get (g_free):
 *   {"type":"chat","from":legId,"name":..,"text":..,"time":unixMs}
 * A refused message spends no token.  now: monotonic usec; wall_ms: the
 * time shown to guests. */
enum meet_chat_status meet_chat_post(struct meet_chat *ch, struct meet_chat_rate *rate,
				     const char *from, const char *name, const char *text,
				     size_t len, gint64 now, gint64 wall_ms, char **json);

/* {"type":"chatHistory","messages":[...]} oldest first (g_free). */
char *meet_chat_history_json(const struct meet_chat *ch);
unsigned meet_chat_count(const struct meet_chat *ch);

/* {"type":"chatError","error":"tooLong"|...} for the sender (g_free). */
char *meet_chat_error_json(enum meet_chat_status st);

#endif
