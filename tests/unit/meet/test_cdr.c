/* Unit tests: src/meet/cdr.c (record XML, reasons, receiver URLs) and
 * cdr-queue.c (order, one session per batch, cursors, prune, reopen). */
#include <stdlib.h>
#include <string.h>

#include "meet/cdr.h"
#include "tap.h"

static void
test_render(void)
{
	const char *kv[] = { "name", "Team <A> & B", "callType", "coSpace", "cdrTag", NULL,
			     "callCorrelator", "c-1", NULL };
	char *rec = meet_cdr_render_record("callStart", "2026-12-07T10:00:00Z", 3, 7, "call", "c-1", kv);
	const char *recs[2];
	char *all;

	is_str(rec, "<record type=\"callStart\" time=\"2026-12-07T10:00:00Z\" recordIndex=\"3\""
	       " correlatorIndex=\"7\"><call id=\"c-1\"><name>Team &lt;A&gt; &amp; B</name>"
	       "<callType>coSpace</callType><callCorrelator>c-1</callCorrelator></call></record>",
	       "callStart record, escaped, NULL value skipped");
	recs[0] = rec;
	recs[1] = rec;
	all = meet_cdr_render_records("s-1", "b-1", recs, 2);
	ok(g_str_has_prefix(all, "<?xml version=\"1.0\"?>\n<records session=\"s-1\" callBridge=\"b-1\">"
			    "<record type=\"callStart\""), "records header");
	ok(g_str_has_suffix(all, "</record></records>"), "records footer");
	g_free(all);
	g_free(rec);
	is_str(meet_cdr_reason("web client closed"), "remoteTeardown", "guest closed: remoteTeardown");
	is_str(meet_cdr_reason("disconnected through the API"), "localTeardown", "API: localTeardown");
	is_str(meet_cdr_reason("web bridge link lost"), "connectionFailure", "link lost");
}

static void
test_uri(void)
{
	char big[MEET_CDR_URI_MAX + 8];

	ok(meet_cdr_uri_valid("http://127.0.0.1:8080/cdr"), "http URL");
	ok(meet_cdr_uri_valid("https://cdr.example.com/x?y=1"), "https URL");
	ok(!meet_cdr_uri_valid("ftp://example.com/"), "ftp refused");
	ok(!meet_cdr_uri_valid("http:///nohost"), "no host refused");
	ok(!meet_cdr_uri_valid("http://a b/"), "space refused");
	ok(!meet_cdr_uri_valid("http://user:pw@host/"), "userinfo refused");
	ok(!meet_cdr_uri_valid("cdr.example.com"), "no scheme refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "http://", 7);
	ok(!meet_cdr_uri_valid(big), "over MEET_CDR_URI_MAX refused");
}

static void
test_queue(void)
{
	char *dir = g_dir_make_tmp("meet-cdr-XXXXXX", NULL), err[256] = "no temporary directory";
	char uri[MEET_CDR_URI_MAX];
	struct meet_store *st = dir ? meet_store_open(dir, NULL, err, sizeof(err)) : NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char *session, *rm;
	gint64 last, cursor, a, b, c;

	if (!ok(st != NULL, "store opens with the CDR migration: %s", st ? "ok" : err)) {
		g_ptr_array_unref(out);
		g_free(dir);
		return;
	}
	a = meet_cdr_queue_append(st, "s1", "r1");
	b = meet_cdr_queue_append(st, "s1", "r2");
	c = meet_cdr_queue_append(st, "s2", "r3");
	ok(a > 0 && b > a && c > b, "indices increase");
	is_int(meet_cdr_queue_read(st, 0, 10, out, &session, &last), 2, "a batch stops at a session change");
	is_str(session, "s1", "batch session");
	ok(last == b && !strcmp(out->pdata[0], "r1") && !strcmp(out->pdata[1], "r2"), "in order");
	g_free(session);
	g_ptr_array_set_size(out, 0);
	is_int(meet_cdr_queue_read(st, b, 10, out, &session, &last), 1, "then the next session");
	ok(last == c && !strcmp(out->pdata[0], "r3"), "r3");
	g_free(session);
	g_ptr_array_set_size(out, 0);
	is_int(meet_cdr_queue_read(st, c, 10, out, &session, &last), 0, "nothing after the last");
	ok(session == NULL, "no session when empty");
	ok(meet_cdr_queue_receiver_set(st, 1, "http://127.0.0.1:9/", a) == 0, "receiver set");
	ok(meet_cdr_queue_cursor_set(st, 1, b) == 0, "cursor set");
	meet_cdr_queue_prune(st, b);
	is_int(meet_cdr_queue_count(st), 1, "pruned up to the cursor");
	meet_store_close(st);

	st = meet_store_open(dir, NULL, err, sizeof(err));
	ok(st != NULL, "reopens");
	is_int(meet_cdr_queue_count(st), 1, "queue survives a reopen");
	ok(meet_cdr_queue_receiver_get(st, 1, uri, sizeof(uri), &cursor) == 0 && cursor == b &&
	   !strcmp(uri, "http://127.0.0.1:9/"), "receiver and cursor survive");
	ok(meet_cdr_queue_receiver_get(st, 0, uri, sizeof(uri), &cursor) < 0 && !uri[0], "empty slot");
	meet_cdr_queue_prune(st, c);
	ok(meet_cdr_queue_append(st, "s2", "r4") > c, "an index is never reused after a prune");
	ok(meet_cdr_queue_last(st) > c, "last index");
	ok(meet_cdr_queue_receiver_set(st, 1, "", 0) == 0, "receiver cleared");
	ok(meet_cdr_queue_receiver_get(st, 1, uri, sizeof(uri), &cursor) < 0, "cleared slot is empty");
	meet_store_close(st);
	g_ptr_array_unref(out);
	rm = g_strdup_printf("rm -rf '%s'", dir);
	ok(system(rm) == 0, "cleanup");
	g_free(rm);
	g_free(dir);
}

int
main(void)
{
	test_render();
	test_uri();
	test_queue();
	return tap_done();
}
