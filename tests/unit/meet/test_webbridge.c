/* Unit tests: src/meet/webbridge.c (JSON strings, input checks, link
 * status to HTTP, start and stop on a loopback port).  Included to reach
 * its statics. */
#include "meet_fixture.h"
#include "../../../src/meet/webbridge.c"
#include "tap.h"

static void
test_helpers(void)
{
	char *s = json_str("a\"b\\c\n\x01");

	is_str(s, "\"a\\\"b\\\\c\\u000a\\u0001\"", "json_str escapes quotes, backslashes, controls");
	g_free(s);
	ok(valid_digits("0123", 4) && !valid_digits("12345", 4) && !valid_digits("12a", 8) &&
	   valid_digits("", 3), "valid_digits: digits only, bounded");
	is_int(status_http("ok"), 200, "ok: 200");
	is_int(status_http("rateLimited"), 429, "rateLimited: 429");
	is_int(status_http("notFound"), 404, "notFound: 404");
	is_int(status_http("expired"), 404, "expired: 404");
	is_int(status_http("error"), 500, "error: 500");
	is_int(status_http("badPasscode"), 403, "anything else: 403");
}

/* A self-signed certificate from openssl, or -1 when there is none. */
static int
make_cert(const char *dir, char **crt, char **key)
{
	char *cmd;
	int rc;

	*crt = g_build_filename(dir, "w.crt", NULL);
	*key = g_build_filename(dir, "w.key", NULL);
	cmd = g_strdup_printf("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
			      "-keyout '%s' -out '%s' -days 1 -subj /CN=unit >/dev/null 2>&1", *key, *crt);
	rc = system(cmd);
	g_free(cmd);
	return rc == 0 ? 0 : -1;
}

static void
test_start_stop(struct fixture *fx)
{
	GError *e = NULL;
	char *crt, *key;
	GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
	GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	GSocketAddress *sa = g_inet_socket_address_new(lo, 0), *bound;

	if (make_cert(fx->dir, &crt, &key) < 0) {
		ok(1, "# SKIP no openssl for a certificate");
		goto out;
	}
	g_socket_bind(s, sa, TRUE, NULL);
	bound = g_socket_get_local_address(s, NULL);
	g_free(fx->srv.cfg.web_listen);
	fx->srv.cfg.web_listen = g_strdup_printf("127.0.0.1:%u",
		g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	g_object_unref(bound);
	g_socket_close(s, NULL);
	g_free(fx->srv.cfg.web_cert);
	g_free(fx->srv.cfg.web_key);
	fx->srv.cfg.web_cert = g_strdup(crt);
	fx->srv.cfg.web_key = g_strdup(key);
	is_int(meet_web_start(&fx->srv, &e), 0, "web bridge starts on %s", fx->srv.cfg.web_listen);
	ok(fx->srv.wb != NULL, "... and is attached to the server");
	meet_web_stop(&fx->srv);
	ok(fx->srv.wb == NULL, "stop detaches it");
	g_clear_error(&e);
	g_free(fx->srv.cfg.web_cert);
	fx->srv.cfg.web_cert = g_strdup("/nonexistent.crt");
	ok(meet_web_start(&fx->srv, &e) < 0 && e, "a missing certificate: an error");
	g_clear_error(&e);
out:
	g_free(crt);
	g_free(key);
	g_object_unref(sa);
	g_object_unref(lo);
	g_object_unref(s);
}

int
main(void)
{
	struct fixture fx;

	test_helpers();
	if (fixture_open(&fx, NULL) < 0)
		return 1;
	test_start_stop(&fx);
	fixture_close(&fx);
	return tap_done();
}
