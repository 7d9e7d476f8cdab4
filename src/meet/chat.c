/*
 * chat.c: a call's chat history, caps and rate limit (chat.h).
 */
#include <string.h>

#include "meet/chat.h"

struct chat_msg {
	char *json;                 /* the page's JSON object, ready to send */
};

struct meet_chat {
	GQueue msgs;                /* struct chat_msg, oldest at the head */
	unsigned max;
};

struct meet_chat *
meet_chat_new(unsigned max_history)
{
	struct meet_chat *ch = g_new0(struct meet_chat, 1);

	g_queue_init(&ch->msgs);
	ch->max = max_history ? max_history : 1;
	return ch;
}

static void
chat_msg_free(gpointer p)
{
	struct chat_msg *m = p;

	g_free(m->json);
	g_free(m);
}

void
meet_chat_free(struct meet_chat *ch)
{
	if (!ch)
		return;
	g_queue_clear_full(&ch->msgs, chat_msg_free);
	g_free(ch);
}

/* A JSON string literal of valid UTF-8 s; control characters escaped,
 * and '<', '>', '&' as \u escapes so no consumer can mistake it for markup. */
static void
chat_json_str(GString *o, const char *s, size_t len)
{
	g_string_append_c(o, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			g_string_append_printf(o, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			g_string_append_printf(o, "\\u%04x", c);
		else
			g_string_append_c(o, (char)c);
	}
	g_string_append_c(o, '"');
}

/* Spends one token; 0, or -1 when the bucket is empty.  A token comes
 * back every MEET_CHAT_REFILL_USEC after the first spent one. */
static int
chat_rate_take(struct meet_chat_rate *r, gint64 now)
{
	if (r->used && now - r->since >= MEET_CHAT_REFILL_USEC) {
		gint64 n = (now - r->since) / MEET_CHAT_REFILL_USEC;
		if (n >= r->used) {
			r->used = 0;
		} else {
			r->used -= (unsigned)n;
			r->since += n * MEET_CHAT_REFILL_USEC;
		}
	}
	if (r->used >= MEET_CHAT_BURST)
		return -1;
	if (r->used == 0)
		r->since = now;
	r->used++;
	return 0;
}

static enum meet_chat_status
chat_check(const char *text, size_t len)
{
	const char *end;
	int blank = 1;

	if (memchr(text, 0, len) || !g_utf8_validate(text, (gssize)len, &end))
		return MEET_CHAT_BAD_TEXT;
	if (g_utf8_strlen(text, (gssize)len) > MEET_CHAT_MAX_CHARS)
		return MEET_CHAT_TOO_LONG;
	for (size_t i = 0; i < len && blank; i++)
		blank = g_ascii_isspace(text[i]);
	return blank ? MEET_CHAT_EMPTY : MEET_CHAT_OK;
}

enum meet_chat_status
meet_chat_post(struct meet_chat *ch, struct meet_chat_rate *rate, const char *from,
	       const char *name, const char *text, size_t len, gint64 now, gint64 wall_ms,
	       char **json)
{
	enum meet_chat_status st = chat_check(text, len);
	struct chat_msg *m;
	GString *o;

	*json = NULL;
	if (st != MEET_CHAT_OK)
		return st;
	if (chat_rate_take(rate, now) < 0)
		return MEET_CHAT_RATE_LIMITED;
	o = g_string_new("{\"type\":\"chat\",\"from\":");
	chat_json_str(o, from, strlen(from));
	g_string_append(o, ",\"name\":");
	chat_json_str(o, name, strlen(name));
	g_string_append(o, ",\"text\":");
	chat_json_str(o, text, len);
	g_string_append_printf(o, ",\"time\":%" G_GINT64_FORMAT "}", wall_ms);
	m = g_new0(struct chat_msg, 1);
	m->json = g_string_free(o, FALSE);
	g_queue_push_tail(&ch->msgs, m);
	while (ch->msgs.length > ch->max)
		chat_msg_free(g_queue_pop_head(&ch->msgs));
	*json = g_strdup(m->json);
	return MEET_CHAT_OK;
}

char *
meet_chat_history_json(const struct meet_chat *ch)
{
	GString *o = g_string_new("{\"type\":\"chatHistory\",\"messages\":[");

	for (GList *l = ch->msgs.head; l; l = l->next)
		g_string_append_printf(o, "%s%s", l == ch->msgs.head ? "" : ",",
				       ((struct chat_msg *)l->data)->json);
	g_string_append(o, "]}");
	return g_string_free(o, FALSE);
}

unsigned
meet_chat_count(const struct meet_chat *ch)
{
	return ch->msgs.length;
}

char *
meet_chat_error_json(enum meet_chat_status st)
{
	static const char *const names[] = {
		[MEET_CHAT_OK] = "ok", [MEET_CHAT_EMPTY] = "empty",
		[MEET_CHAT_TOO_LONG] = "tooLong", [MEET_CHAT_BAD_TEXT] = "badText",
		[MEET_CHAT_RATE_LIMITED] = "rateLimited", [MEET_CHAT_FORBIDDEN] = "forbidden",
	};

	return g_strdup_printf("{\"type\":\"chatError\",\"error\":\"%s\"}",
			       (unsigned)st < G_N_ELEMENTS(names) ? names[st] : "error");
}
