/* Configuration (src/turn/config.c): the keys, their checks, user keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ini.h"
#include "tap.h"
#include "turn/turn-internal.h"
#include "turn/turn.h"

static int
load(const char *text, struct turn_config **cfg, char *err)
{
	char path[] = "/tmp/portico-test-XXXXXX";
	int fd = mkstemp(path), rc;
	ssize_t w = write(fd, text, strlen(text));

	(void)w;
	close(fd);
	rc = turn_config_load(cfg, path, err, TURN_ERR_MAX);
	unlink(path);
	return rc;
}

int
main(void)
{
	struct turn_config *cfg;
	char err[TURN_ERR_MAX];
	const struct turn_user *u;
	static const uint8_t want[16] = {   /* MD5("turnuser:octavio.com:cisco") */
		0x29, 0x01, 0x0c, 0x29, 0x29, 0xb4, 0xe8, 0x23,
		0x33, 0x68, 0x22, 0x04, 0x05, 0xac, 0x74, 0xd9,
	};

	is_int(turn_config_load(&cfg, "../../../conf/turn.conf", err, sizeof(err)), 0, "conf/turn.conf loads");
	if (cfg) {
		is_int(cfg->port_lo, 24000, "seed relay ports low");
		is_int(cfg->port_hi, 29999, "seed relay ports high");
		is_str(cfg->realm, "octavio.com", "seed realm");
		u = turn_users_find(cfg->users, "turnuser");
		ok(u != NULL, "seed user turnuser");
		ok(u && memcmp(u->key, want, 16) == 0, "key = MD5(user:realm:password)");
		ok(turn_users_find(cfg->users, "nobody") == NULL, "unknown user absent");
		turn_config_free(cfg);
	}

	is_int(load("[turn]\nlisten = 127.0.0.1:3478\nrealm = r\n[users]\nbob = 0x000102030405060708090a0b0c0d0e0f\n",
		    &cfg, err), 0, "pre-hashed key accepted");
	u = cfg ? turn_users_find(cfg->users, "bob") : NULL;
	ok(u && u->key[15] == 0x0f, "pre-hashed key stored as given");
	turn_config_free(cfg);

	is_int(load("[turn]\nlisten = 0.0.0.0:3478\n", &cfg, err), -1, "wildcard listen needs relay-address");
	ok(strstr(err, "relay-address") != NULL, "message names relay-address: %s", err);
	is_int(load("[turn]\nlisten = 127.0.0.1\nrelay-ports = 5000-4000\n", &cfg, err), -1, "empty port range");
	ok(strstr(err, ":3: relay-ports") != NULL, "names line 3: %s", err);
	is_int(load("[turn]\nallowed-peers = 10.0.0.0/8, 300.1.1.1\n", &cfg, err), -1, "bad CIDR");
	ok(strstr(err, "300.1.1.1") != NULL, "names the bad range: %s", err);
	is_int(load("[turn]\nrealm = a\nrealm = b\n", &cfg, err), -1, "realm twice");
	is_int(load("[turn]\nlisten = 127.0.0.1\nworkerz = 2\n", &cfg, err), -1, "typo in key");
	ok(strstr(err, "unknown key \"workerz\"") != NULL, "names the key: %s", err);
	is_int(load("[turn]\nlisten = 127.0.0.1\n[webbridge]\nlisten = x\n", &cfg, err), -1, "foreign section");
	is_int(load("[turn]\nlisten = 127.0.0.1\nrelay-address = 0.0.0.0\n", &cfg, err), -1, "wildcard relay");
	is_int(load("[turn]\nlisten = 127.0.0.1\nexternal-address = ::1\n", &cfg, err), -1,
	       "external address of a family without relay");
	is_int(load("[turn]\nlisten = 127.0.0.1\nrelay-address = 127.0.0.1\nrelay-address = 127.0.0.2\n", &cfg, err),
	       -1, "two IPv4 relay addresses");
	is_int(load("[turn]\nlisten = 127.0.0.1\nlisten = [::1]:3478\n", &cfg, err), 0, "dual-stack listen");
	ok(cfg && cfg->relay_addr[0].ss_family == AF_INET && cfg->relay_addr[1].ss_family == AF_INET6,
	   "relay addresses default per family from listen");
	turn_config_free(cfg);
	is_int(load("[turn]\nlisten = 127.0.0.1\n[users]\nx =\n", &cfg, err), -1, "empty password");
	is_int(load("[turn]\nlisten = 127.0.0.1\nmax-lifetime = 10\n", &cfg, err), -1, "max-lifetime below 600");

	is_int(load("[turn]\nlisten = 127.0.0.1\n", &cfg, err), 0, "defaults");
	ok(cfg && cfg->unauth_v4_prefix == 32 && cfg->unauth_v6_prefix == 64,
	   "unauthenticated-rate groups IPv4 by /32 and IPv6 by /64 by default");
	turn_config_free(cfg);
	is_int(load("[turn]\nlisten = 127.0.0.1\nunauthenticated-rate-ipv4-prefix = 24\n"
		    "unauthenticated-rate-ipv6-prefix = 48\n", &cfg, err), 0, "prefix keys accepted");
	ok(cfg && cfg->unauth_v4_prefix == 24 && cfg->unauth_v6_prefix == 48, "prefix keys stored");
	turn_config_free(cfg);
	is_int(load("[turn]\nlisten = 127.0.0.1\nunauthenticated-rate-ipv6-prefix = 129\n", &cfg, err), -1,
	       "IPv6 prefix beyond 128 refused");
	ok(strstr(err, ":3: unauthenticated-rate-ipv6-prefix") != NULL, "names file:line and key: %s", err);
	is_int(load("[turn]\nlisten = 127.0.0.1\nunauthenticated-rate-ipv4-prefix = 4\n", &cfg, err), -1,
	       "IPv4 prefix below 8 refused");
	return tap_done();
}
