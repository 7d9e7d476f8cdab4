/*
 * libFuzzer harness: the admin REST API request handling (src/meet/api.c
 * and the api-*.c routes, auth.c, limit.c, form.c, out.c, store.c, the
 * call bridge's API side) through meet_api_handle, against one temporary
 * store that lives for the whole run (state carries over between inputs,
 * as on a real server).
 *
 * Input: newline-separated fields, the last one taking the rest:
 *   method \n path \n query \n authorization \n accept \n x-forwarded-for \n body
 * A path starting with '@' is the Location of the last object created,
 * followed by the rest ("@/accessMethods"): ids are random UUIDs the
 * fuzzer cannot guess, and PUT/GET/DELETE of real objects matter.
 * A missing field is absent (NULL), except: an empty or missing
 * authorization means the fixture's valid credentials (so most inputs get
 * past auth), "-" means no Authorization header at all.  Content-Type is
 * not part of struct api_in (the handler parses every body as a form), so
 * it has no field.
 *
 * The peer is 192.0.2.10, a trusted proxy, so X-Forwarded-For picks the
 * client the limiter counts.  Wrong credentials that would reach PBKDF2
 * (200000 rounds) are replaced by one that fails parsing: same 401 and
 * limiter path in api.c, without spending a tenth of a second per input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/plog.h"
#include "../../unit/meet/meet_fixture.h"

#define FUZZ_NFIELDS 7
#define FUZZ_RESET_EVERY 1024

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The one server context of the run (process-wide: libFuzzer's entry
 * points take no context).  Closed at exit, so LSan sees nothing held. */
static struct fixture fz_fx;
static int fz_ready;
static unsigned fz_runs;
static char *fz_last;           /* Location of the last object created */

/* Per-field caps, a bit above what the server or a client would send. */
static const size_t fz_caps[FUZZ_NFIELDS] = { 16, 512, 2048, 2100, 256, 512, 65536 };

static void
fz_close(void)
{
	if (fz_ready)
		fixture_close(&fz_fx);
	fz_ready = 0;
	g_clear_pointer(&fz_last, g_free);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* SQLite runs synchronous=FULL: keep its fsyncs off the disk. */
	if (g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	if (fixture_open(&fz_fx, "auth-attempts = 1000\nauth-window = 1\n"
			 "trusted-proxies = 192.0.2.0/24, 2001:db8::/32\n") < 0)
		abort();
	/* As main.c does: the fixture's log-level (error) keeps each
	 * request's event line off stderr. */
	plog_set_level(plog_level_parse(fz_fx.srv.cfg.log_level));
	fz_ready = 1;
	atexit(fz_close);
	return 0;
}

/* Would auth.c run PBKDF2 on this header?  (Its parse succeeds.) */
static int
fz_reaches_kdf(const char *h)
{
	gsize len = 0;
	guchar *raw;
	int ret;

	if (g_ascii_strncasecmp(h, "Basic ", 6) || strlen(h) > 2048)
		return 0;
	raw = g_base64_decode(h + 6, &len);
	ret = raw && len > 0 && !memchr(raw, '\0', len) && memchr(raw, ':', len);
	g_free(raw);
	return ret;
}

/* Splits data into fields (NUL-terminated copies, NULL when absent); the
 * body is an exact-size copy, so reading past body_len is caught. */
static void
fz_split(const uint8_t *data, size_t size, char *f[FUZZ_NFIELDS], size_t *body_len)
{
	size_t pos = 0;

	for (unsigned i = 0; i < FUZZ_NFIELDS; i++) {
		const uint8_t *nl;
		size_t len;

		f[i] = NULL;
		if (pos > size || (pos == size && i > 0))
			continue;
		nl = i + 1 < FUZZ_NFIELDS ? memchr(data + pos, '\n', size - pos) : NULL;
		len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		if (i + 1 < FUZZ_NFIELDS) {
			f[i] = g_strndup((const char *)data + pos, MIN(len, fz_caps[i]));
		} else {
			*body_len = MIN(len, fz_caps[i]);
			f[i] = g_malloc(*body_len ? *body_len : 1);
			memcpy(f[i], data + pos, *body_len);
		}
		pos += len + 1;
	}
}

static void
fz_check(const struct api_out *o)
{
	if (o->status < 100 || o->status > 599)
		__builtin_trap();
	if (o->defer)
		__builtin_trap();   /* offline: probes answer 503, never later */
	if (o->body && (!o->content_type || o->body_len != strlen(o->body)))
		__builtin_trap();
}

/* Bounds the state dir: every so often, all spaces go (their access
 * methods with them) and the events file, which the server leaves to
 * logrotate, is emptied. */
static void
fz_reset(void)
{
	struct api_out o;

	fixture_req(&fz_fx, "DELETE", "/api/v1/coSpaces", NULL, NULL, &o);
	meet_api_out_clear(&o);
	if (fz_fx.srv.cfg.event_log && truncate(fz_fx.srv.cfg.event_log, 0) < 0)
		fprintf(stderr, "fuzz-meet-api: cannot empty %s\n", fz_fx.srv.cfg.event_log);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[FUZZ_NFIELDS];
	size_t body_len = 0;
	struct api_in in = { .peer = "192.0.2.10" };
	struct api_out out;
	char *path = NULL;

	if (!fz_ready)
		return 0;
	fz_split(data, size, f, &body_len);
	if (!f[0] || !f[1])
		goto out;           /* method and path are never NULL */
	in.method = f[0];
	if (f[1][0] == '@' && fz_last) {
		path = g_strconcat(fz_last, f[1] + 1, NULL);
		in.path = path;
	} else {
		in.path = f[1];
	}
	in.query = f[2];
	if (!f[3] || !*f[3])
		in.authorization = FIX_AUTH;
	else if (!strcmp(f[3], "-"))
		in.authorization = NULL;
	else if (strcmp(f[3], FIX_AUTH) && fz_reaches_kdf(f[3]))
		in.authorization = "Basic x";
	else
		in.authorization = f[3];
	in.accept = f[4];
	in.forwarded_for = f[5];
	in.body = f[6];
	in.body_len = f[6] ? body_len : 0;
	meet_api_handle(&fz_fx.api, &in, &out);
	fz_check(&out);
	if (out.location) {
		g_free(fz_last);
		fz_last = g_strdup(out.location);
	}
	meet_api_out_clear(&out);
	if (++fz_runs % FUZZ_RESET_EVERY == 0)
		fz_reset();
out:
	g_free(path);
	for (unsigned i = 0; i < FUZZ_NFIELDS; i++)
		g_free(f[i]);
	return 0;
}
