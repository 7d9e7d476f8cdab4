/* Unit tests: src/meet/config.c (defaults, every setter kind, lists,
 * unknown keys and sections, cross-key checks). */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meet/meet-internal.h"
#include "tap.h"

static const char *const base =
	"[webbridge]\ncertificate = a.crt\nkey = a.key\n[api]\ncertificate = a.crt\nkey = a.key\n";

/* Loads base + extra; rc, err in err. */
static int
load(struct meet_config *cfg, const char *extra, char *err, size_t errlen)
{
	char *dir = g_dir_make_tmp("meet-cfg-XXXXXX", NULL);
	char *path = g_build_filename(dir, "meet.conf", NULL);
	char *text = g_strconcat(base, extra, NULL);
	int rc;

	g_file_set_contents(path, text, -1, NULL);
	err[0] = '\0';
	rc = meet_config_load(cfg, path, err, errlen);
	g_unlink(path);
	g_rmdir(dir);
	g_free(text);
	g_free(path);
	g_free(dir);
	return rc;
}

static void
expect_bad(const char *extra, const char *want, const char *name)
{
	struct meet_config cfg;
	char err[512];

	ok(load(&cfg, extra, err, sizeof(err)) < 0 && strstr(err, want), "%s: %s", name, err);
}

int
main(void)
{
	struct meet_config cfg;
	char err[512];

	is_int(load(&cfg, "", err, sizeof(err)), 0, "minimal config loads");
	is_int(cfg.page_cap, 20, "default page-limit 20");
	is_int(cfg.seed_domains.n, 2, "two default seed domains");
	is_int(cfg.web_proxies.n, 0, "no trusted proxies by default");
	ok(g_str_has_suffix(cfg.event_log, "events.log"), "event log under the state dir");
	ok(cfg.database == NULL, "no database: SQLite");
	meet_config_free(&cfg);

	is_int(load(&cfg, "[meet]\ndatabase = postgresql://portico@/portico?host=/run/postgresql\n",
		   err, sizeof(err)), 0, "database URI loads: %s", err);
	ok(cfg.database && g_str_has_prefix(cfg.database, "postgresql://"), "database kept");
	meet_config_free(&cfg);

	is_int(load(&cfg, "[api]\npage-limit = 7\n[meet]\nseed-domains = a.example, b.example, c.example\n"
		   "[webbridge]\ntrusted-proxies = 10.0.0.0/8, ::1\n", err, sizeof(err)), 0,
	       "lists and numbers load: %s", err);
	is_int(cfg.page_cap, 7, "page-limit 7 (bounds come from the row)");
	ok(cfg.seed_domains.n == 3 && !strcmp(cfg.seed_domains.d[2], "c.example"), "three seed domains");
	is_int(cfg.web_proxies.n, 2, "two trusted proxies");
	meet_config_free(&cfg);

	expect_bad("[api]\npage-limit = 0\n", "page-limit", "page-limit below its row's min");
	expect_bad("[api]\npage-limit = 1001\n", "page-limit", "page-limit above its row's max");
	expect_bad("[meet]\ndatabase = mysql://db\n", "postgresql://", "database: other scheme");
	expect_bad("[meet]\nseed-domains = a.example, -bad..\n", "not a domain", "bad seed domain");
	expect_bad("[meet]\nseed-domains = a,b,c,d,e,f,g,h,i\n", "at most 8", "too many seed domains");
	expect_bad("[webbridge]\ntrusted-proxies = 10.0.0.1/8\n", "CIDR", "host bits set in a proxy range");
	expect_bad("[meet]\nlog-level = loud\n", "log level", "bad log level");
	expect_bad("[api]\nlisten = nowhere\n", "address:port", "bad listen address");
	expect_bad("[media]\naddresses = 1.2.3.4, x\n", "IP addresses", "bad media address");
	expect_bad("[media]\nbrowser-rest-secret = short\n", "16 characters", "short secret");
	expect_bad("[media]\nport-min = 5000\n", "port-max", "port-min without port-max");
	expect_bad("[api]\ncolour = red\n", "unknown key", "unknown key");
	expect_bad("[nowhere]\nx = 1\n", "unknown section", "unknown section");
	expect_bad("[webbridge]\nurl = ftp://x\n", "URL", "bad URL");
	return tap_done();
}
