/* Unit tests for src/edge/config.c: role-aware validation with file:line
 * errors, the role requirements, [dns] forms, and the [users] split between
 * traversal accounts and TURN users. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ini.h"
#include <glib.h>

#include "edge/edge-config.h"
#include "tap.h"

static char dir[] = "/tmp/edge-config-XXXXXX";
static char pem[512];

static int
load(const char *text, struct edge_config **cfg, struct ini *ini, char *err, size_t errlen)
{
	char path[600], *t = g_strdup(text), *p;
	FILE *f;

	/* "@" stands for a readable file */
	while ((p = strchr(t, '@'))) {
		char *n = g_strdup_printf("%.*s%s%s", (int)(p - t), t, pem, p + 1);
		g_free(t);
		t = n;
	}
	snprintf(path, sizeof(path), "%s/edge.conf", dir);
	f = fopen(path, "w");
	fputs(t, f);
	fclose(f);
	g_free(t);
	err[0] = '\0';
	return edge_config_load(cfg, path, ini, err, errlen);
}

#define OUTSIDE "[edge]\nrole = outside\n[traversal]\nlisten = 127.0.0.1:7001\ncertificate = @\nkey = @\n" \
	"ca = @\nverify-subject-name = vcsc.octavio.local\naccounts = Tuser\n[users]\nTuser = x\n" \
	"turnuser = cisco\n[webproxy]\nlisten = 127.0.0.1:8443\nhosts = CMSweb.octavio.com\n" \
	"certificate = @\nkey = @\n"
#define INSIDE "[edge]\nrole = inside\n[traversal]\nconnect = vcse.octavio.com\nusername = Tuser\n" \
	"password = x\ncertificate = @\nkey = @\nca = @\n[webproxy]\nguest-uri = https://cmsweb.octavio.com\n" \
	"ca = @\n"

static void
expect_error(const char *text, const char *want, const char *name)
{
	struct edge_config *cfg = NULL;
	struct ini ini;
	char err[EDGE_ERR_MAX];
	int rc = load(text, &cfg, &ini, err, sizeof(err));

	ok(rc < 0 && strstr(err, want), "%s", name);
	if (rc == 0 || !strstr(err, want))
		printf("#   got \"%s\", want \"%s\"\n", err, want);
	if (rc == 0) {
		edge_config_free(cfg);
		ini_free(&ini);
	}
}

static void
test_valid(void)
{
	struct edge_config *cfg;
	struct ini ini, view;
	char err[EDGE_ERR_MAX];

	ok(load(OUTSIDE "[turn]\nrealm = octavio.com\n", &cfg, &ini, err, sizeof(err)) == 0, "outside config loads (%s)", err);
	is_int(cfg->role, EDGE_ROLE_OUTSIDE, "role outside");
	is_str(cfg->w_hosts.v[0], "cmsweb.octavio.com", "hosts lower-cased");
	is_int(cfg->t_ping_interval, 5, "ping-interval default");
	is_int(cfg->t_stream_window, 1 << 20, "stream-window default raised above 65535");
	ok(cfg->has_turn, "[turn] noticed");
	ok(edge_config_is_account(cfg, "tuser"), "Tuser is a traversal account (case-insensitive)");
	ok(!edge_config_is_account(cfg, "turnuser"), "turnuser is not");
	edge_config_turn_view(cfg, &ini, &view);
	{
		int has_t = 0, has_turnuser = 0;
		for (unsigned i = 0; i < view.n; i++) {
			has_t |= !strcmp(view.entries[i].key, "Tuser");
			has_turnuser |= !strcmp(view.entries[i].key, "turnuser");
		}
		ok(!has_t && has_turnuser, "TURN sees turnuser, not the traversal account");
	}
	g_free(view.entries);
	edge_config_free(cfg);
	ini_free(&ini);

	ok(load(INSIDE "[dns]\n_cms-web._tls.cmsweb.octavio.com = 10 20 8443 wb1, 20 0 443 wb2\nwb1 = 10.0.0.1, ::1\n",
		&cfg, &ini, err, sizeof(err)) == 0, "inside config loads (%s)", err);
	is_str(cfg->t_server_name, "vcse.octavio.com", "server-name defaults to the connect host");
	is_int(cfg->t_connect_port, 7001, "connect port defaults to 7001");
	is_str(cfg->w_guest_host, "cmsweb.octavio.com", "guest host");
	is_int(cfg->w_guest_port, 443, "guest port");
	is_str(cfg->w_verify_name, "cmsweb.octavio.com", "verify-name defaults to the guest host");
	is_int(cfg->ndns, 2, "two [dns] entries");
	ok(cfg->dns[0].srv && cfg->dns[0].values.n == 2 && !cfg->dns[1].srv && cfg->dns[1].values.n == 2,
	   "SRV and address lists");
	is_str(cfg->domains.v[0], "cmsweb.octavio.com", "domains default to the guest host");
	edge_config_free(cfg);
	ini_free(&ini);
}

static void
test_errors(void)
{
	expect_error("[edge]\nname = x\n", "[edge] role is required", "no role");
	expect_error("[edge]\nrole = middle\n", "edge.conf:2: role", "bad role names file:line");
	expect_error(OUTSIDE "[traversal]\nconnect = a\n", "only the inside role uses [traversal] connect",
		     "inside key on the outside");
	expect_error(INSIDE "[users]\na = b\n", "only the outside role has a local user database",
		     "[users] on the inside");
	expect_error(INSIDE "[turn]\nrealm = x\n", "only the outside role embeds a TURN server", "[turn] on the inside");
	expect_error(OUTSIDE "[dns]\na = 1.2.3.4\n", "only the inside role resolves names", "[dns] on the outside");
	expect_error(OUTSIDE "[webproxy]\nfrobnicate = 1\n", "unknown key in [webproxy]", "unknown key");
	expect_error(OUTSIDE "[bogus]\na = 1\n", "unknown section [bogus]", "unknown section");
	expect_error(OUTSIDE "[traversal]\nping-interval = 0\n", "out of range", "bounds");
	expect_error(OUTSIDE "[traversal]\nverify-subject-name = again\n", "given twice", "non-repeatable key twice");
	expect_error(OUTSIDE "[traversal]\nallow = 10.0.0.1/8\n", "not an address or CIDR", "CIDR with host bits");
	expect_error("[edge]\nrole = inside\n[traversal]\ncertificate = /nonexistent/x.crt\n", "cannot read",
		     "unreadable file");
	expect_error("[edge]\nrole = inside\n[webproxy]\nguest-uri = http://x\n", "not an https://host[:port] URI",
		     "guest URI scheme");
	expect_error(INSIDE "[dns]\n_cms-web._tls.x = 10 10 wb\n", "priority weight port target", "bad SRV");
	expect_error(INSIDE "[dns]\nwb = not-an-address\n", "not an IP address", "bad address");
	expect_error("[edge]\nrole = outside\n[traversal]\nlisten = 127.0.0.1\ncertificate = @\nkey = @\nca = @\n"
		     "verify-subject-name = v\naccounts = Tuser\n[users]\nturnuser = c\n[webproxy]\n"
		     "listen = 127.0.0.1\nhosts = h\ncertificate = @\nkey = @\n",
		     "accounts names tuser, which is not in [users]", "account missing from [users]");
	expect_error("[edge]\nrole = outside\n", "[traversal] listen is required", "outside needs a traversal listener");
	expect_error("[edge]\nrole = inside\n[traversal]\nconnect = 127.0.0.1\n",
		     "server-name is required when connect is an address", "inside needs server-name with an address");
	/* Every cross-key problem at once, not the first only (--check). */
	expect_error("[edge]\nrole = outside\n", "[webproxy] hosts is required", "outside: later problems too");
	expect_error("[edge]\nrole = inside\n", "[webproxy] guest-uri is required", "inside: later problems too");
	expect_error("[edge]\nrole = inside\n", "[traversal] username and password are required",
		     "inside: every missing key named");
}

int
main(void)
{
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	snprintf(pem, sizeof(pem), "%s/any.pem", dir);
	f = fopen(pem, "w");
	fputs("not parsed by the loader\n", f);
	fclose(f);
	test_valid();
	test_errors();
	unlink(pem);
	{
		char path[600];
		snprintf(path, sizeof(path), "%s/edge.conf", dir);
		unlink(path);
	}
	rmdir(dir);
	return tap_done();
}
