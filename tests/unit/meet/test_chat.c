/* Unit tests: src/meet/chat.c (history bound, length cap in characters,
 * invalid UTF-8, per-leg rate limit with an injected clock, JSON). */
#include <string.h>

#include "meet/chat.h"
#include "tap.h"

#define S G_USEC_PER_SEC

static enum meet_chat_status
post(struct meet_chat *ch, struct meet_chat_rate *r, const char *text, gint64 now, char **json)
{
	return meet_chat_post(ch, r, "leg-1", "Ann \"A\"", text, strlen(text), now, 1700000000000, json);
}

static void
test_text(void)
{
	struct meet_chat *ch = meet_chat_new(10);
	struct meet_chat_rate r = { 0 };
	char *json = NULL, *h;

	is_int(post(ch, &r, "<b>x</b> & \"q\"\n", S, &json), MEET_CHAT_OK, "markup-looking text accepted");
	is_str(json, "{\"type\":\"chat\",\"from\":\"leg-1\",\"name\":\"Ann \\\"A\\\"\","
	       "\"text\":\"\\u003cb\\u003ex\\u003c/b\\u003e \\u0026 \\\"q\\\"\\u000a\",\"time\":1700000000000}",
	       "JSON escapes quotes, controls and markup characters");
	g_free(json);
	is_int(post(ch, &r, "  \t", S, &json), MEET_CHAT_EMPTY, "blank refused");
	ok(json == NULL, "no JSON for a refused message");
	is_int(meet_chat_post(ch, &r, "l", "n", "a\0b", 3, S, 0, &json), MEET_CHAT_BAD_TEXT, "NUL refused");
	is_int(post(ch, &r, "caf\xc3", S, &json), MEET_CHAT_BAD_TEXT, "truncated UTF-8 refused");
	is_int(post(ch, &r, "\xff\xfe", S, &json), MEET_CHAT_BAD_TEXT, "invalid bytes refused");
	h = meet_chat_history_json(ch);
	ok(strstr(h, "\"type\":\"chatHistory\",\"messages\":[{\"type\":\"chat\"") != NULL, "history holds the message");
	is_int(meet_chat_count(ch), 1, "only the accepted message is kept");
	g_free(h);
	meet_chat_free(ch);
}

static void
test_length(void)
{
	struct meet_chat *ch = meet_chat_new(10);
	struct meet_chat_rate r = { 0 };
	GString *s = g_string_new(NULL);
	char *json = NULL;

	for (int i = 0; i < MEET_CHAT_MAX_CHARS; i++)
		g_string_append(s, "\xc3\xa9");     /* é: 2 bytes, 1 character */
	is_int(post(ch, &r, s->str, S, &json), MEET_CHAT_OK, "2000 two-byte characters fit (4000 bytes)");
	g_free(json);
	g_string_append_c(s, 'x');
	is_int(post(ch, &r, s->str, S, &json), MEET_CHAT_TOO_LONG, "2001 characters refused");
	ok(json == NULL, "nothing to send when too long");
	g_string_free(s, TRUE);
	meet_chat_free(ch);
}

static void
test_rate(void)
{
	struct meet_chat *ch = meet_chat_new(100);
	struct meet_chat_rate r = { 0 }, other = { 0 };
	char *json;
	gint64 t = 100 * S;

	for (int i = 0; i < MEET_CHAT_BURST; i++) {
		is_int(post(ch, &r, "hi", t, &json), MEET_CHAT_OK, "burst message %d accepted", i + 1);
		g_free(json);
	}
	is_int(post(ch, &r, "hi", t, &json), MEET_CHAT_RATE_LIMITED, "one over the burst refused");
	is_int(post(ch, &other, "hi", t, &json), MEET_CHAT_OK, "another leg has its own bucket");
	g_free(json);
	is_int(post(ch, &r, "hi", t + MEET_CHAT_REFILL_USEC - 1, &json), MEET_CHAT_RATE_LIMITED,
	   "still refused just before a token returns");
	is_int(post(ch, &r, "hi", t + MEET_CHAT_REFILL_USEC, &json), MEET_CHAT_OK, "one token back after the refill step");
	g_free(json);
	is_int(post(ch, &r, "hi", t + MEET_CHAT_REFILL_USEC, &json), MEET_CHAT_RATE_LIMITED, "and only one");
	t += 100 * S;
	for (int i = 0; i < MEET_CHAT_BURST; i++) {
		is_int(post(ch, &r, "hi", t, &json), MEET_CHAT_OK, "full burst again after a long pause (%d)", i + 1);
		g_free(json);
	}
	is_int(post(ch, &r, "", t, &json), MEET_CHAT_EMPTY, "a refused message is checked before the rate");
	meet_chat_free(ch);
}

static void
test_bound(void)
{
	struct meet_chat *ch = meet_chat_new(3);
	char *json, *h, txt[16];

	for (int i = 0; i < 10; i++) {
		struct meet_chat_rate r = { 0 };
		g_snprintf(txt, sizeof(txt), "m%d", i);
		is_int(post(ch, &r, txt, S, &json), MEET_CHAT_OK, "message %d", i);
		g_free(json);
	}
	is_int(meet_chat_count(ch), 3, "history bounded to its size");
	h = meet_chat_history_json(ch);
	ok(!strstr(h, "\"m6\"") && strstr(h, "\"m7\"") && strstr(h, "\"m9\"") &&
	   strstr(h, "\"m7\"") < strstr(h, "\"m9\""), "the newest kept, oldest first");
	g_free(h);
	meet_chat_free(ch);
	h = meet_chat_error_json(MEET_CHAT_RATE_LIMITED);
	is_str(h, "{\"type\":\"chatError\",\"error\":\"rateLimited\"}", "error JSON");
	g_free(h);
	h = meet_chat_error_json(MEET_CHAT_FORBIDDEN);
	is_str(h, "{\"type\":\"chatError\",\"error\":\"forbidden\"}", "forbidden JSON");
	g_free(h);
}

int
main(void)
{
	test_text();
	test_length();
	test_rate();
	test_bound();
	return tap_done();
}
