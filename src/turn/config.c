/* config.c: [turn] and [users] sections (docs/configuration.md). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/hex.h"
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
	const char *secrets[TURN_MAX_SECRETS];
	unsigned nsecrets;
};

/* One more address[:port] in slots (n used of TURN_MAX_LISTEN). */
static int
add_listen(struct sockaddr_storage *slots, unsigned *n, const char *v, int port, const char *what,
	   char *err, size_t errlen)
{
	if (*n >= TURN_MAX_LISTEN) {
		SETERR("at most %d %s addresses", TURN_MAX_LISTEN, what);
		return -1;
	}
	if (addr_parse(v, port, &slots[*n]) < 0) {
		SETERR("\"%s\" is not an address[:port] (e.g. 0.0.0.0:%d or [::]:%d)", v, port, port);
		return -1;
	}
	(*n)++;
	return 0;
}

/* listen and tls-listen. */
static int
set_listen(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (strcmp(key, "tls-listen") == 0)
		return add_listen(cfg->tls_listen, &cfg->ntls, v, 5349, "TLS listen", err, errlen);
	return add_listen(cfg->listen, &cfg->nlisten, v, 3478, "listen", err, errlen);
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

/* One address per family: relay-address and external-address may each be
 * given twice, once for IPv4 and once for IPv6. */
static int
set_family_address(struct sockaddr_storage slots[2], const char *v, char *err, size_t errlen)
{
	struct sockaddr_storage a;

	if (set_address(&a, v, err, errlen) < 0)
		return -1;
	if (addr_is_any(&a)) {
		SETERR("must be a concrete address, not %s", v);
		return -1;
	}
	if (slots[turn_fam(a.ss_family)].ss_family) {
		SETERR("only one %s address may be given", a.ss_family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	slots[turn_fam(a.ss_family)] = a;
	return 0;
}

static int
set_relay(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return set_family_address(((struct cfg_ctx *)p)->cfg->relay_addr, v, err, errlen);
}

static int
set_external(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return set_family_address(((struct cfg_ctx *)p)->cfg->external_addr, v, err, errlen);
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
		/* Peers are judged in canonical form: so are the ranges. */
		cidr_canonical(&v[*n]);
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
	{ "unauthenticated-rate", offsetof(struct turn_config, unauth_rate), 0, 1000000 },
	{ "socket-buffer-kb", offsetof(struct turn_config, socket_buffer), 64, 262144 },
	{ "unauthenticated-rate-ipv4-prefix", offsetof(struct turn_config, unauth_v4_prefix), 8, 32 },
	{ "unauthenticated-rate-ipv6-prefix", offsetof(struct turn_config, unauth_v6_prefix), 16, 128 },
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
set_secret(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct cfg_ctx *ctx = p;

	if (ctx->nsecrets >= TURN_MAX_SECRETS) {
		SETERR("at most %d secrets (two are enough to rotate)", TURN_MAX_SECRETS);
		return -1;
	}
	if (strlen(v) < 16) {
		SETERR("a shared secret must have at least 16 characters");
		return -1;
	}
	ctx->secrets[ctx->nsecrets++] = v;
	return 0;
}

static int
set_separator(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	if (strlen(v) != 1 || (v[0] >= '0' && v[0] <= '9')) {
		SETERR("the separator is one character, not a digit (default ':')");
		return -1;
	}
	((struct cfg_ctx *)p)->cfg->rest_separator = v[0];
	return 0;
}

static int
set_kbps(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	unsigned long kbps;

	if (ini_parse_uint(v, 0, 100000000, &kbps, err, errlen) < 0)
		return -1;
	if (strcmp(key, "max-allocation-kbps") == 0)
		cfg->max_alloc_bps = kbps * 125ull;
	else
		cfg->max_total_bps = kbps * 125ull;
	return 0;
}

static int
set_file(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;
	char **slot = strcmp(key, "certificate") == 0 ? &cfg->cert_file : &cfg->key_file;

	if (access(v, R_OK) < 0) {
		SETERR("cannot read %s: %s", v, strerror(errno));
		return -1;
	}
	free(*slot);
	if (!(*slot = strdup(v))) {
		SETERR("out of memory");
		return -1;
	}
	return 0;
}

static int
set_admin(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct turn_config *cfg = ((struct cfg_ctx *)p)->cfg;

	memset(&cfg->admin_addr, 0, sizeof(cfg->admin_addr));
	cfg->admin_auto = 0;
	free(cfg->admin_socket);
	cfg->admin_socket = NULL;
	if (strcmp(v, "off") == 0)
		return 0;
	if (strcmp(v, "auto") == 0) {
		cfg->admin_auto = 1;
		return 0;
	}
	if (v[0] == '/') {
		if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			SETERR("socket path longer than %zu bytes", sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			return -1;
		}
		if (!(cfg->admin_socket = strdup(v))) {
			SETERR("out of memory");
			return -1;
		}
		return 0;
	}
	if (addr_parse(v, 9641, &cfg->admin_addr) < 0) {
		SETERR("\"%s\" is not an address[:port], a socket path, \"auto\" or \"off\"", v);
		return -1;
	}
	return 0;
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
	{ "turn", "relay-address", set_relay, INI_REPEAT },
	{ "turn", "external-address", set_external, INI_REPEAT },
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
	{ "turn", "unauthenticated-rate", set_uint, 0 },
	{ "turn", "unauthenticated-rate-ipv4-prefix", set_uint, 0 },
	{ "turn", "unauthenticated-rate-ipv6-prefix", set_uint, 0 },
	{ "turn", "socket-buffer-kb", set_uint, 0 },
	{ "turn", "auth-secret", set_secret, INI_REPEAT },
	{ "turn", "rest-separator", set_separator, 0 },
	{ "turn", "max-allocation-kbps", set_kbps, 0 },
	{ "turn", "max-total-kbps", set_kbps, 0 },
	{ "turn", "legacy-channels", set_legacy_channels, 0 },
	{ "turn", "admin-listen", set_admin, 0 },
	{ "turn", "tls-listen", set_listen, INI_REPEAT },
	{ "turn", "certificate", set_file, 0 },
	{ "turn", "key", set_file, 0 },
	{ "turn", "log-level", set_log_level, 0 },
	{ "users", "*", set_user, 0 },
};

/* "0x" followed by 32 hex digits: a key computed elsewhere (turnadmin -k). */
static int
prehashed_key(const char *pw, uint8_t key[TURN_KEY_LEN])
{
	if (strncmp(pw, "0x", 2) != 0 || strlen(pw) != 2 + 2 * TURN_KEY_LEN)
		return 0;
	for (int i = 0; i < TURN_KEY_LEN; i++) {
		int hi = hex_digit(pw[2 + 2 * i]), lo = hex_digit(pw[3 + 2 * i]);
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

/* The TLS certificate chain and key, checked now so --check and SIGHUP
 * catch a bad pair before any client does. */
static int
load_certificate(struct turn_config *cfg, struct turn_users *u, char *err, size_t errlen)
{
	int rc;

	if (gnutls_certificate_allocate_credentials(&u->cert) < 0) {
		SETERR("out of memory");
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_file(u->cert, cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		SETERR("%s: [turn] certificate %s / key %s: %s", cfg->path, cfg->cert_file, cfg->key_file,
		       gnutls_strerror(rc));
		return -1;
	}
	return 0;
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
	if (u->n)
		qsort(u->v, u->n, sizeof(*u->v), user_cmp);
	if (ctx->cfg->ntls && load_certificate(ctx->cfg, u, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < ctx->nsecrets; i++) {
		if (!(u->secrets[i] = strdup(ctx->secrets[i]))) {
			SETERR("out of memory");
			return -1;
		}
		u->nsecrets++;
	}
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
	cfg->unauth_rate = 20;
	cfg->unauth_v4_prefix = 32;
	cfg->unauth_v6_prefix = 64;   /* one IPv6 client owns a /64 */
	cfg->socket_buffer = 4096;   /* KiB: a few ms of burst at 100k packets/s */
	cfg->rest_separator = ':';
	cfg->admin_auto = 1;         /* a unix socket: two servers never collide */
	cfg->log_level = PLOG_INFO;
}

/* "file:line" of the last occurrence of a [turn] key, for errors that
 * involve several keys; just "file" when the key is absent. */
static const char *
where(const struct ini *ini, const char *key, char *buf, size_t cap)
{
	unsigned line = 0;

	for (unsigned i = 0; i < ini->n; i++)
		if (!strcmp(ini->entries[i].section, "turn") && !strcmp(ini->entries[i].key, key))
			line = ini->entries[i].line;
	if (line)
		snprintf(buf, cap, "%s:%u", ini->name, line);
	else
		snprintf(buf, cap, "%s", ini->name);
	return buf;
}

static int
config_finish(struct turn_config *cfg, const struct ini *ini, char *err, size_t errlen)
{
	char at[512];

	if (cfg->nlisten == 0) {
		struct sockaddr_storage any;
		addr_parse("0.0.0.0", 3478, &any);
		cfg->listen[cfg->nlisten++] = any;
	}
	if (!cfg->relay_addr[0].ss_family && !cfg->relay_addr[1].ss_family) {
		/* Default: the first concrete listen address of each family. */
		for (unsigned i = 0; i < cfg->nlisten; i++) {
			struct sockaddr_storage *slot = &cfg->relay_addr[turn_fam(cfg->listen[i].ss_family)];
			if (!addr_is_any(&cfg->listen[i]) && !slot->ss_family) {
				*slot = cfg->listen[i];
				addr_set_port(slot, 0);
			}
		}
		if (!cfg->relay_addr[0].ss_family && !cfg->relay_addr[1].ss_family) {
			SETERR("%s: [turn] relay-address is required when listening on a wildcard address",
			       where(ini, "listen", at, sizeof(at)));
			return -1;
		}
	}
	for (int f = 0; f < 2; f++)
		if (cfg->external_addr[f].ss_family && !cfg->relay_addr[f].ss_family) {
			SETERR("%s: external-address: %s address without a relay-address of that family",
			       where(ini, "external-address", at, sizeof(at)), f ? "an IPv6" : "an IPv4");
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
	if (ctx.cfg->ntls && (!ctx.cfg->cert_file || !ctx.cfg->key_file)) {
		char at[512];
		SETERR("%s: tls-listen needs certificate and key", where(ini, "tls-listen", at, sizeof(at)));
		goto out;
	}
	if (config_finish(ctx.cfg, ini, err, errlen) < 0)
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
	char more[TURN_ERR_MAX];
	int ret, bad = 0;

	*out = NULL;
	if (ini_load(&ini, path, err, errlen) < 0)
		return -1;
	err[0] = '\0';
	/* Every problem, one a line (--check): sections first, then keys. */
	for (unsigned i = 0; i < ini.n; i++) {
		const struct ini_entry *e = &ini.entries[i];
		if (strcmp(e->section, "turn") && strcmp(e->section, "users")) {
			if (*e->section)
				ini_err_append(err, errlen, "%s:%u: unknown section [%s] (portico turn reads [turn] and [users])",
					       ini.name, e->line, e->section);
			else
				ini_err_append(err, errlen, "%s:%u: key \"%s\" outside any [section]",
					       ini.name, e->line, e->key);
			bad = 1;
		}
	}
	ret = turn_config_from_ini(out, &ini, more, sizeof(more));
	if (ret < 0)
		ini_err_append(err, errlen, "%s", more);
	if (bad && ret == 0) {
		turn_config_free(*out);
		*out = NULL;
		ret = -1;
	}
	ini_free(&ini);
	return ret;
}

void
turn_config_free(struct turn_config *cfg)
{
	if (!cfg)
		return;
	turn_users_unref(cfg->users);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->admin_socket);
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
	for (unsigned i = 0; i < u->nsecrets; i++) {
		explicit_bzero(u->secrets[i], strlen(u->secrets[i]));
		free(u->secrets[i]);
	}
	if (u->cert)
		gnutls_certificate_free_credentials(u->cert);
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
