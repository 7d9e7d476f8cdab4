/*
 * cdr.h: call detail records, the vendor's CDR XML posted to up to four
 * receivers (system/cdrReceivers).  Every record is first appended to an
 * on-disk queue (cdr-queue.c, in the store); each receiver has its own
 * cursor, so a receiver that is down gets the records later, in order,
 * once each.  Loop thread only; struct meet_cdr is owned by the server.
 */
#ifndef PORTICO_MEET_CDR_H
#define PORTICO_MEET_CDR_H

#include "meet/meet-internal.h"

#define MEET_CDR_RECEIVERS 4
#define MEET_CDR_URI_MAX 512
#define MEET_CDR_QUEUE_MAX 100000   /* records kept for receivers that lag */
#define MEET_CDR_BATCH 50           /* records per POST */

struct call;
struct leg;
struct meet_cdr;

/* NULL only on allocation failure; sending starts at once. */
struct meet_cdr *meet_cdr_new(struct meet_server *srv);
void meet_cdr_free(struct meet_cdr *cdr);

/* Call bridge hooks: callStart/callEnd, and callLegStart/callLegUpdate/
 * callLegEnd (why: the call bridge's leave reason, mapped to the vendor's).
 * cdr may be NULL (no record). */
void meet_cdr_call(struct meet_cdr *cdr, const char *type, const struct call *c);
void meet_cdr_leg(struct meet_cdr *cdr, const char *type, const struct leg *l, const char *why);

/* Receivers: uris[MEET_CDR_RECEIVERS], "" for an empty slot. */
void meet_cdr_receivers(struct meet_cdr *cdr, char uris[][MEET_CDR_URI_MAX]);
/* Sets one slot ("" clears).  A new receiver gets records from now on. */
int meet_cdr_set_receiver(struct meet_cdr *cdr, unsigned slot, const char *uri);
/* http:// or https:// with a host, bounded, no spaces or controls. */
int meet_cdr_uri_valid(const char *uri);
/* Peak of simultaneous legs today (UTC). */
unsigned meet_cdr_peak_today(struct meet_cdr *cdr);

/* Rendering (pure; tests).  kv: NULL-terminated name, value pairs of the
 * child elements of <elem id="id">; a NULL value skips the pair. */
char *meet_cdr_render_record(const char *type, const char *time, guint64 record_index,
			     guint64 correlator_index, const char *elem, const char *id,
			     const char *const *kv);
/* <?xml?><records session callBridge> around already rendered records. */
char *meet_cdr_render_records(const char *session, const char *callbridge,
			      const char *const *records, unsigned n);
/* The vendor's callLegEnd reason for a call bridge leave reason. */
const char *meet_cdr_reason(const char *why);

/* ---- cdr-queue.c: the on-disk queue (store table cdr_queue) -------------- */
struct meet_store;
/* Appends; the record's queue index, or 0 when full or on error. */
gint64 meet_cdr_queue_append(struct meet_store *st, const char *session, const char *body);
/* Records after cursor, all of one session, at most max: bodies into out
 * (g_free strings), session into *session (g_free), last index into *last. */
unsigned meet_cdr_queue_read(struct meet_store *st, gint64 cursor, unsigned max, GPtrArray *out,
			     char **session, gint64 *last);
gint64 meet_cdr_queue_last(struct meet_store *st);
unsigned meet_cdr_queue_count(struct meet_store *st);
/* Drops records every receiver has (index <= upto). */
void meet_cdr_queue_prune(struct meet_store *st, gint64 upto);
/* Receivers table: slot -> uri, cursor. */
int meet_cdr_queue_receiver_get(struct meet_store *st, unsigned slot, char *uri, size_t len,
				gint64 *cursor);
int meet_cdr_queue_receiver_set(struct meet_store *st, unsigned slot, const char *uri,
				gint64 cursor);
int meet_cdr_queue_cursor_set(struct meet_store *st, unsigned slot, gint64 cursor);

#endif
