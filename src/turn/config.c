/* config.c: [turn] and [users] sections (docs/configuration.md). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/ini.h"
#include "common/plog.h"
#include "turn/turn-internal.h"
#include "turn/turn.h"

#define SETERR(...) snprintf(err, errlen, __VA_ARGS__)

/* Parsing context: users are collected first, keyed once the realm is known. */
struct cfg_ctx {
	struct turn_config *cfg;
	struct { const char *name, *password; } *users;
	unsigned nusers;
};

static int
set_listen(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (cfg->nlisten >= TURN_MAX_LISTEN) {
		SETERR("at most %d listen addresses", TURN_MAX_LISTEN);
		return -1;
	}
	if (addr_parse(v, 3478, &cfg->listen[cfg->nlisten]) < 0) {
		SETERR("\"%s\" is not an address[:port] (e.g. 0.0.0.0:3478 or [::]:3478)", v);
		return -1;
	}
	cfg->nlisten++;
	return 0;
}

static int
set_address(struct sockaddr_storage *out, const char *v, char *err, size_t errlen)
{
	if (addr_parse(v, 0, out) < 0 || addr_port(out) != 0) {
		SETERR("\"%s\" is not an IP address (no port)", v);
		return -1;
	}
	return 0;
}

static int
set_relay(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (set_address(&cfg->relay_addr, v, err, errlen) < 0)
		return -1;
	if (addr_is_any(&cfg->relay_addr)) {
		SETERR("the relay address must be a concrete address, not %s", v);
		return -1;
	}
	return 0;
}

static int
set_external(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return set_address(&((struct cfg_ctx *)p)->cfg->external_addr, v, err, errlen);
}

static int
set_ports(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	unsigned long lo, hi;

	if (ini_parse_range(v, 1024, 65535, &lo, &hi, err, errlen) < 0)
		return -1;
	cfg->port_lo = (unsigned)lo;
	cfg->port_hi = (unsigned)hi;
	return 0;
}

static int
set_realm(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (*v == '\0' || strlen(v) >= sizeof(cfg->realm)) {
		SETERR("the realm must be 1 to %zu characters", sizeof(cfg->realm) - 1);
		return -1;
	}
	for (const char *c = v; *c; c++)
		if (*c == '"' || (unsigned char)*c < 0x20) {
			SETERR("the realm may not contain quotes or control characters");
			return -1;
		}
	strcpy(cfg->realm, v);
	return 0;
}

static int
add_cidrs(struct cidr *v, unsigned *n, const char *list, char *err, size_t errlen)
{
	char buf[4096], *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		SETERR("list too long");
		return -1;
	}
	strcpy(buf, list);
	for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (*n >= TURN_MAX_CIDRS) {
			SETERR("at most %d ranges", TURN_MAX_CIDRS);
			return -1;
		}
		if (cidr_parse(tok, &v[*n]) < 0) {
			SETERR("\"%s\" is not an address or CIDR range (e.g. 10.0.0.0/8)", tok);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

static int
set_allowed(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	return add_cidrs(cfg->allowed, &cfg->nallowed, v, err, errlen);
}

static int
set_denied(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	return add_cidrs(cfg->denied, &cfg->ndenied, v, err, errlen);
}

/* Numeric keys share one setter: the table row says where and in what range. */
struct uint_key {
	const char *key;
	size_t off;
	unsigned long min, max;
};

static const struct uint_key uint_keys[] = {
	{ "workers", offsetof(struct turn_config, workers), 0, 256 },
	{ "user-quota", offsetof(struct turn_config, user_quota), 0, 1000000 },
	{ "total-quota", offsetof(struct turn_config, total_quota), 0, 1000000 },
	{ "max-permissions", offsetof(struct turn_config, max_permissions), 1, 1024 },
	{ "max-lifetime", offsetof(struct turn_config, max_lifetime), TURN_DEFAULT_LIFETIME, 86400 },
	{ "nonce-lifetime", offsetof(struct turn_config, nonce_lifetime), 30, 86400 },
};

static int
set_uint(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	unsigned long val;

	for (size_t i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		if (strcmp(uint_keys[i].key, key) != 0)
			continue;
		if (ini_parse_uint(v, uint_keys[i].min, uint_keys[i].max, &val, err, errlen) < 0)
			return -1;
		*(unsigned *)((char *)cfg + uint_keys[i].off) = (unsigned)val;
		return 0;
	}
	SETERR("internal: no numeric key %s", key);
	return -1;
}

static int
set_binding_auth(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return ini_parse_bool(v, &((struct cfg_ctx *)p)->cfg->binding_auth, err, errlen);
}

static int
set_legacy_channels(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return ini_parse_bool(v, &((struct cfg_ctx *)p)->cfg->legacy_channels, err, errlen);
}

static int
set_log_level(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	int l = plog_level_parse(v);

	if (l < 0) {
		SETERR("\"%s\" is not a level (debug, info, notice, warn, error)", v);
		return -1;
	}
	((struct cfg_ctx *)p)->cfg->log_level = l;
	return 0;
}

static int
set_user(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct cfg_ctx *ctx = p;
	void *grown;

	if (strlen(key) >= TURN_USER_MAX) {
		SETERR("user name longer than %d bytes", TURN_USER_MAX - 1);
		return -1;
	}
	if (*v == '\0') {
		SETERR("empty password for user %s", key);
		return -1;
	}
	grown = realloc(ctx->users, (ctx->nusers + 1) * sizeof(*ctx->users));
	if (!grown) {
		SETERR("out of memory");
		return -1;
	}
	ctx->users = grown;
	ctx->users[ctx->nusers].name = key;
	ctx->users[ctx->nusers].password = v;
	ctx->nusers++;
	return 0;
}

static const struct ini_key turn_keys[] = {
	{ "turn", "listen", set_listen, INI_REPEAT },
	{ "turn", "relay-address", set_relay, 0 },
	{ "turn", "external-address", set_external, 0 },
	{ "turn", "relay-ports", set_ports, 0 },
	{ "turn", "realm", set_realm, 0 },
	{ "turn", "allowed-peers", set_allowed, INI_REPEAT },
	{ "turn", "denied-peers", set_denied, INI_REPEAT },
	{ "turn", "workers", set_uint, 0 },
	{ "turn", "user-quota", set_uint, 0 },
	{ "turn", "total-quota", set_uint, 0 },
	{ "turn", "max-permissions", set_uint, 0 },
	{ "turn", "max-lifetime", set_uint, 0 },
	{ "turn", "nonce-lifetime", set_uint, 0 },
	{ "turn", "binding-requires-auth", set_binding_auth, 0 },
	{ "turn", "legacy-channels", set_legacy_channels, 0 },
	{ "turn", "log-level", set_log_level, 0 },
	{ "users", "*", set_user, 0 },
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" followed by 32 hex digits: a key computed elsewhere (turnadmin -k). */
static int
prehashed_key(const char *pw, uint8_t key[TURN_KEY_LEN])
{
	if (strncmp(pw, "0x", 2) != 0 || strlen(pw) != 2 + 2 * TURN_KEY_LEN)
		return 0;
	for (int i = 0; i < TURN_KEY_LEN; i++) {
		int hi = hexval(pw[2 + 2 * i]), lo = hexval(pw[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

static int
user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct turn_user *)a)->name, ((const struct turn_user *)b)->name);
}

static int
build_users(struct cfg_ctx *ctx, char *err, size_t errlen)
{
	struct turn_users *u = calloc(1, sizeof(*u));

	if (!u || (ctx->nusers && !(u->v = calloc(ctx->nusers, sizeof(*u->v))))) {
		free(u);
		SETERR("out of memory");
		return -1;
	}
	atomic_init(&u->ref, 1);
	ctx->cfg->users = u;
	for (unsigned i = 0; i < ctx->nusers; i++) {
		struct turn_user *t = &u->v[u->n];
		if (!(t->name = strdup(ctx->users[i].name))) {
			SETERR("out of memory");
			return -1;
		}
		u->n++;
		if (!prehashed_key(ctx->users[i].password, t->key) &&
		    stun_longterm_key(t->name, ctx->cfg->realm, ctx->users[i].password, t->key) < 0) {
			SETERR("[users] %s: the password has characters SASLprep forbids", t->name);
			return -1;
		}
	}
	qsort(u->v, u->n, sizeof(*u->v), user_cmp);
	return 0;
}

static void
config_defaults(struct turn_config *cfg)
{
	cfg->port_lo = 49152;
	cfg->port_hi = 65535;
	strcpy(cfg->realm, "portico");
	cfg->max_permissions = 64;
	cfg->max_lifetime = 3600;
	cfg->nonce_lifetime = 600;
	cfg->log_level = PLOG_INFO;
}

static int
config_finish(struct turn_config *cfg, const char *name, char *err, size_t errlen)
{
	if (cfg->nlisten == 0) {
		struct sockaddr_storage any;
		addr_parse("0.0.0.0", 3478, &any);
		cfg->listen[cfg->nlisten++] = any;
	}
	if (cfg->relay_addr.ss_family == 0) {
		/* Default: the first concrete listen address. */
		for (unsigned i = 0; i < cfg->nlisten && !cfg->relay_addr.ss_family; i++)
			if (!addr_is_any(&cfg->listen[i])) {
				cfg->relay_addr = cfg->listen[i];
				addr_set_port(&cfg->relay_addr, 0);
			}
		if (!cfg->relay_addr.ss_family) {
			SETERR("%s: [turn] relay-address is required when listening on a wildcard address", name);
			return -1;
		}
	}
	if (cfg->external_addr.ss_family &&
	    cfg->external_addr.ss_family != cfg->relay_addr.ss_family) {
		SETERR("%s: [turn] external-address and relay-address must be the same family", name);
		return -1;
	}
	return 0;
}

int
turn_config_from_ini(struct turn_config **out, const struct ini *ini, char *err, size_t errlen)
{
	struct cfg_ctx ctx = { 0 };
	struct ini mine = *ini;
	int ret = -1;

	*out = NULL;
	ctx.cfg = calloc(1, sizeof(*ctx.cfg));
	mine.entries = calloc(ini->n ? ini->n : 1, sizeof(*mine.entries));
	if (!ctx.cfg || !mine.entries) {
		SETERR("out of memory");
		goto out;
	}
	mine.n = 0;
	for (unsigned i = 0; i < ini->n; i++)
		if (!strcmp(ini->entries[i].section, "turn") || !strcmp(ini->entries[i].section, "users"))
			mine.entries[mine.n++] = ini->entries[i];
	config_defaults(ctx.cfg);
	ctx.cfg->path = strdup(ini->name);
	if (!ctx.cfg->path)
		goto out;
	if (ini_apply(&mine, turn_keys, sizeof(turn_keys) / sizeof(turn_keys[0]), &ctx, err, errlen) < 0)
		goto out;
	if (config_finish(ctx.cfg, ini->name, err, errlen) < 0)
		goto out;
	if (build_users(&ctx, err, errlen) < 0)
		goto out;
	*out = ctx.cfg;
	ctx.cfg = NULL;
	ret = 0;
out:
	turn_config_free(ctx.cfg);
	free(ctx.users);
	free(mine.entries);
	return ret;
}

int
turn_config_load(struct turn_config **out, const char *path, char *err, size_t errlen)
{
	struct ini ini;
	int ret;

	*out = NULL;
	if (ini_load(&ini, path, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < ini.n; i++) {
		const struct ini_entry *e = &ini.entries[i];
		if (strcmp(e->section, "turn") && strcmp(e->section, "users")) {
			if (*e->section)
				SETERR("%s:%u: unknown section [%s] (portico turn reads [turn] and [users])",
				       ini.name, e->line, e->section);
			else
				SETERR("%s:%u: key \"%s\" outside any [section]", ini.name, e->line, e->key);
			ini_free(&ini);
			return -1;
		}
	}
	ret = turn_config_from_ini(out, &ini, err, errlen);
	ini_free(&ini);
	return ret;
}

void
turn_config_free(struct turn_config *cfg)
{
	if (!cfg)
		return;
	turn_users_unref(cfg->users);
	free(cfg->path);
	free(cfg);
}

struct turn_users *
turn_users_ref(struct turn_users *u)
{
	if (u)
		atomic_fetch_add(&u->ref, 1);
	return u;
}

void
turn_users_unref(struct turn_users *u)
{
	if (!u || atomic_fetch_sub(&u->ref, 1) != 1)
		return;
	for (unsigned i = 0; i < u->n; i++) {
		explicit_bzero(u->v[i].key, sizeof(u->v[i].key));
		free(u->v[i].name);
	}
	free(u->v);
	free(u);
}

const struct turn_user *
turn_users_find(const struct turn_users *u, const char *name)
{
	struct turn_user k = { .name = (char *)name };

	if (!u || !u->n)
		return NULL;
	return bsearch(&k, u->v, u->n, sizeof(*u->v), user_cmp);
}
