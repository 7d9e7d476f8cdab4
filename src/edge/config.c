/*
 * config.c: the edge's INI file (docs/configuration-edge.md).
 *
 * One declarative table (edge_keys) says for every key its section, kind,
 * bounds, which role may use it and whether it repeats; the per-section
 * setters only dispatch into it.  Role-specific requirements are checked
 * after the whole file is read.  [turn] is left to turn_config_from_ini.
 * Main thread; the struct edge_config is owned by the caller.
 */
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/ini.h"
#include "common/plog.h"
#include "edge/edge-config.h"

#define SETERR(...) snprintf(err, errlen, __VA_ARGS__)

enum key_kind {
	K_STR, K_FILE, K_UINT, K_LIST, K_ROLE, K_LEVEL, K_TLISTEN, K_CONNECT,
	K_ALLOW, K_WLISTEN, K_WCERT, K_WKEY, K_GUESTURI, K_ALISTEN,
};

enum { R_IN = 1, R_OUT = 2, R_ALL = 3 };

struct edge_key {
	const char *section, *key;
	enum key_kind kind;
	unsigned roles;
	size_t off;
	unsigned long min, max;
	int repeat;
	unsigned long def;             /* K_UINT: the default */
};

#define O(f) offsetof(struct edge_config, f)

static const struct edge_key edge_keys[] = {
	{ "edge", "role", K_ROLE, R_ALL, 0, 0, 0, 0, 0 },
	{ "edge", "name", K_STR, R_ALL, O(node), 0, 0, 0, 0 },
	{ "edge", "domain", K_LIST, R_ALL, O(domains), 0, 0, 1, 0 },
	{ "edge", "log-level", K_LEVEL, R_ALL, 0, 0, 0, 0, 0 },
	{ "traversal", "listen", K_TLISTEN, R_OUT, 0, 0, 0, 0, 0 },
	{ "traversal", "connect", K_CONNECT, R_IN, 0, 0, 0, 0, 0 },
	{ "traversal", "server-name", K_STR, R_IN, O(t_server_name), 0, 0, 0, 0 },
	{ "traversal", "username", K_STR, R_IN, O(t_username), 0, 0, 0, 0 },
	{ "traversal", "password", K_STR, R_IN, O(t_password), 0, 0, 0, 0 },
	{ "traversal", "verify-subject-name", K_STR, R_OUT, O(t_verify_name), 0, 0, 0, 0 },
	{ "traversal", "certificate", K_FILE, R_ALL, O(t_cert), 0, 0, 0, 0 },
	{ "traversal", "key", K_FILE, R_ALL, O(t_key), 0, 0, 0, 0 },
	{ "traversal", "ca", K_FILE, R_ALL, O(t_ca), 0, 0, 0, 0 },
	{ "traversal", "accounts", K_LIST, R_OUT, O(t_accounts), 0, 0, 1, 0 },
	{ "traversal", "allow", K_ALLOW, R_OUT, 0, 0, 0, 1, 0 },
	{ "traversal", "connections", K_UINT, R_IN, O(t_connections), 1, 8, 0, 2 },
	{ "traversal", "ping-interval", K_UINT, R_ALL, O(t_ping_interval), 1, 60, 0, 5 },
	{ "traversal", "backoff-initial", K_UINT, R_IN, O(t_backoff_initial), 1, 60, 0, 1 },
	{ "traversal", "backoff-max", K_UINT, R_IN, O(t_backoff_max), 1, 3600, 0, 60 },
	{ "traversal", "max-auth-failures", K_UINT, R_OUT, O(t_max_auth_failures), 1, 1000, 0, 5 },
	{ "traversal", "auth-failure-window", K_UINT, R_OUT, O(t_auth_window), 1, 86400, 0, 60 },
	{ "traversal", "auth-prefix-ipv4", K_UINT, R_OUT, O(t_auth_prefix4), 8, 32, 0, 32 },
	{ "traversal", "auth-prefix-ipv6", K_UINT, R_OUT, O(t_auth_prefix6), 16, 128, 0, 64 },
	{ "traversal", "stream-window", K_UINT, R_ALL, O(t_stream_window), 65535, 2u << 20, 0, 1u << 20 },
	{ "traversal", "connection-window", K_UINT, R_ALL, O(t_conn_window), 65535, 1u << 30, 0, 64u << 20 },
	{ "traversal", "handshake-timeout", K_UINT, R_ALL, O(t_handshake_timeout), 1, 120, 0, 10 },
	{ "traversal", "drain-timeout", K_UINT, R_ALL, O(t_drain_timeout), 1, 600, 0, 30 },
	{ "webproxy", "listen", K_WLISTEN, R_OUT, 0, 0, 0, 1, 0 },
	{ "webproxy", "hosts", K_LIST, R_OUT, O(w_hosts), 0, 0, 1, 0 },
	{ "webproxy", "certificate", K_WCERT, R_OUT, 0, 0, 0, 1, 0 },
	{ "webproxy", "key", K_WKEY, R_OUT, 0, 0, 0, 1, 0 },
	{ "webproxy", "header-timeout", K_UINT, R_OUT, O(w_header_timeout), 1, 600, 0, 10 },
	{ "webproxy", "idle-timeout", K_UINT, R_OUT, O(w_idle_timeout), 1, 86400, 0, 60 },
	{ "webproxy", "max-head", K_UINT, R_OUT, O(w_max_head), 1024, 65536, 0, 16384 },
	{ "webproxy", "stream-buffer", K_UINT, R_ALL, O(w_stream_buffer), 65536, 1u << 20, 0, 256u << 10 },
	{ "webproxy", "max-connections", K_UINT, R_OUT, O(w_max_connections), 1, 1000000, 0, 10000 },
	{ "webproxy", "guest-uri", K_GUESTURI, R_IN, 0, 0, 0, 0, 0 },
	{ "webproxy", "ca", K_FILE, R_IN, O(w_ca), 0, 0, 0, 0 },
	{ "webproxy", "verify-name", K_STR, R_IN, O(w_verify_name), 0, 0, 0, 0 },
	{ "webproxy", "health-interval", K_UINT, R_IN, O(w_health_interval), 1, 3600, 0, 10 },
	{ "webproxy", "health-path", K_STR, R_IN, O(w_health_path), 0, 0, 0, 0 },
	{ "webproxy", "resolve-interval", K_UINT, R_IN, O(w_resolve_interval), 1, 86400, 0, 3600 },
	{ "webproxy", "connect-timeout", K_UINT, R_IN, O(w_connect_timeout), 1, 120, 0, 5 },
	{ "webproxy", "response-timeout", K_UINT, R_IN, O(w_response_timeout), 1, 3600, 0, 120 },
	{ "admin", "listen", K_ALISTEN, R_ALL, 0, 0, 0, 0, 0 },
};

struct cfg_ctx {
	struct edge_config *cfg;
	unsigned char seen[G_N_ELEMENTS(edge_keys)];
};

static const char *
role_name(unsigned roles)
{
	return roles == R_IN ? "inside" : "outside";
}

static int
add_list(struct edge_strv *l, const char *v, int lower, char *err, size_t errlen)
{
	gchar **parts = g_strsplit(v, ",", -1);
	int ret = 0;

	for (gchar **p = parts; *p; p++) {
		g_strstrip(*p);
		if (!**p)
			continue;
		if (l->n >= EDGE_MAX_LIST) {
			SETERR("at most %d entries", EDGE_MAX_LIST);
			ret = -1;
			break;
		}
		l->v[l->n++] = lower ? g_ascii_strdown(*p, -1) : g_strdup(*p);
	}
	g_strfreev(parts);
	return ret;
}

static int
set_file(char **dst, const char *v, char *err, size_t errlen)
{
	if (access(v, R_OK) != 0) {
		SETERR("cannot read \"%s\"", v);
		return -1;
	}
	g_free(*dst);
	*dst = g_strdup(v);
	return 0;
}

static int
set_hostport(struct edge_config *cfg, const char *v, char *err, size_t errlen)
{
	char host[256];
	int port;

	if (edge_util_authority_host(v, strlen(v), host, sizeof(host), &port) < 0) {
		SETERR("\"%s\" is not host[:port]", v);
		return -1;
	}
	cfg->t_connect_host = g_strdup(host[0] == '[' ? v + 1 : host);
	if (host[0] == '[')
		cfg->t_connect_host[strcspn(cfg->t_connect_host, "]")] = '\0';
	cfg->t_connect_port = port > 0 ? port : 7001;
	return 0;
}

static int
set_addr(struct sockaddr_storage *a, const char *v, int defport, char *err, size_t errlen)
{
	if (addr_parse(v, defport, a) < 0) {
		SETERR("\"%s\" is not an address[:port]", v);
		return -1;
	}
	return 0;
}

static int
set_pair(struct edge_config *cfg, int key, const char *v, char *err, size_t errlen)
{
	unsigned i = 0;

	while (i < EDGE_MAX_LIST && (key ? cfg->w_certs[i].key : cfg->w_certs[i].certificate))
		i++;
	if (i == EDGE_MAX_LIST) {
		SETERR("at most %d certificates", EDGE_MAX_LIST);
		return -1;
	}
	if (set_file(key ? &cfg->w_certs[i].key : &cfg->w_certs[i].certificate, v, err, errlen) < 0)
		return -1;
	if (i + 1 > cfg->w_ncerts)
		cfg->w_ncerts = i + 1;
	return 0;
}

static int
set_kind(struct edge_config *cfg, const struct edge_key *k, const char *v, char *err, size_t errlen)
{
	void *field = (char *)cfg + k->off;
	unsigned long u;

	switch (k->kind) {
	case K_STR:
		if (!*v) {
			SETERR("must not be empty");
			return -1;
		}
		g_free(*(char **)field);
		*(char **)field = g_strdup(v);
		return 0;
	case K_FILE:
		return set_file(field, v, err, errlen);
	case K_UINT:
		if (ini_parse_uint(v, k->min, k->max, &u, err, errlen) < 0)
			return -1;
		*(unsigned *)field = (unsigned)u;
		return 0;
	case K_LIST:
		return add_list(field, v, 1, err, errlen);
	case K_ROLE:
		return 0;                  /* read before the table runs */
	case K_LEVEL:
		if ((cfg->log_level = plog_level_parse(v)) < 0) {
			SETERR("\"%s\" is not a level (debug, info, notice, warn, error)", v);
			return -1;
		}
		return 0;
	case K_TLISTEN:
		return set_addr(&cfg->t_listen, v, 7001, err, errlen);
	case K_CONNECT:
		return set_hostport(cfg, v, err, errlen);
	case K_ALLOW:
		if (cfg->t_nallow >= EDGE_MAX_LIST || cidr_parse(v, &cfg->t_allow[cfg->t_nallow]) < 0) {
			SETERR("\"%s\" is not an address or CIDR range (at most %d)", v, EDGE_MAX_LIST);
			return -1;
		}
		cfg->t_nallow++;
		return 0;
	case K_WLISTEN:
		if (cfg->w_nlisten >= EDGE_MAX_LIST) {
			SETERR("at most %d listen addresses", EDGE_MAX_LIST);
			return -1;
		}
		return set_addr(&cfg->w_listen[cfg->w_nlisten++], v, 443, err, errlen);
	case K_WCERT:
	case K_WKEY:
		return set_pair(cfg, k->kind == K_WKEY, v, err, errlen);
	case K_GUESTURI:
		if (edge_util_https_uri(v, &cfg->w_guest_host, &cfg->w_guest_port) < 0) {
			SETERR("\"%s\" is not an https://host[:port] URI", v);
			return -1;
		}
		cfg->w_guest_uri = g_strdup(v);
		return 0;
	case K_ALISTEN:
		cfg->a_enabled = 1;
		return set_addr(&cfg->a_listen, v, 445, err, errlen);
	}
	return -1;
}

static int
dispatch(void *p, const char *section, const char *key, const char *v, char *err, size_t errlen)
{
	struct cfg_ctx *ctx = p;
	unsigned role = ctx->cfg->role == EDGE_ROLE_INSIDE ? R_IN : R_OUT;

	for (size_t i = 0; i < G_N_ELEMENTS(edge_keys); i++) {
		const struct edge_key *k = &edge_keys[i];
		if (strcmp(k->section, section) || strcmp(k->key, key))
			continue;
		if (!(k->roles & role)) {
			SETERR("only the %s role uses [%s] %s", role_name(k->roles), section, key);
			return -1;
		}
		if (ctx->seen[i]++ && !k->repeat) {
			SETERR("given twice");
			return -1;
		}
		return set_kind(ctx->cfg, k, v, err, errlen);
	}
	SETERR("unknown key in [%s] (see docs/configuration-edge.md)", section);
	return -1;
}

#define SECTION_SETTER(fn, name) \
	static int fn(void *p, const char *key, const char *v, char *err, size_t errlen) \
	{ return dispatch(p, name, key, v, err, errlen); }
SECTION_SETTER(set_edge, "edge")
SECTION_SETTER(set_traversal, "traversal")
SECTION_SETTER(set_webproxy, "webproxy")
SECTION_SETTER(set_admin, "admin")

static int
set_user(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct edge_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (cfg->role != EDGE_ROLE_OUTSIDE) {
		SETERR("only the outside role has a local user database ([users])");
		return -1;
	}
	if (cfg->nusers >= G_N_ELEMENTS(cfg->users)) {
		SETERR("at most %zu users", G_N_ELEMENTS(cfg->users));
		return -1;
	}
	cfg->users[cfg->nusers].name = g_strdup(key);
	cfg->users[cfg->nusers].password = g_strdup(v);
	cfg->nusers++;
	return 0;
}

static int
set_dns(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct edge_config *cfg = ((struct cfg_ctx *)p)->cfg;
	struct edge_dns_rr *rr;

	if (cfg->role != EDGE_ROLE_INSIDE) {
		SETERR("only the inside role resolves names ([dns])");
		return -1;
	}
	if (cfg->ndns >= G_N_ELEMENTS(cfg->dns)) {
		SETERR("at most %zu [dns] entries", G_N_ELEMENTS(cfg->dns));
		return -1;
	}
	rr = &cfg->dns[cfg->ndns++];
	rr->name = g_ascii_strdown(key, -1);
	rr->srv = key[0] == '_';
	if (add_list(&rr->values, v, 0, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < rr->values.n; i++) {
		struct sockaddr_storage a;
		unsigned prio, weight, port;
		char target[256];
		if (rr->srv ? sscanf(rr->values.v[i], "%u %u %u %255s", &prio, &weight, &port,
				     target) != 4 || port == 0 || port > 65535 :
			      addr_parse(rr->values.v[i], 0, &a) < 0) {
			SETERR(rr->srv ? "\"%s\" is not \"priority weight port target\"" :
			       "\"%s\" is not an IP address", rr->values.v[i]);
			return -1;
		}
	}
	return 0;
}

static int
skip_turn(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct edge_config *cfg = ((struct cfg_ctx *)p)->cfg;

	if (cfg->role != EDGE_ROLE_OUTSIDE) {
		SETERR("only the outside role embeds a TURN server ([turn])");
		return -1;
	}
	cfg->has_turn = 1;
	return 0;                          /* validated by turn_config_from_ini */
}

static const struct ini_key ini_table[] = {
	{ "edge", "*", set_edge, INI_REPEAT },
	{ "traversal", "*", set_traversal, INI_REPEAT },
	{ "webproxy", "*", set_webproxy, INI_REPEAT },
	{ "admin", "*", set_admin, INI_REPEAT },
	{ "users", "*", set_user, 0 },
	{ "dns", "*", set_dns, 0 },
	{ "turn", "*", skip_turn, INI_REPEAT },
};

static void
config_defaults(struct edge_config *cfg)
{
	cfg->log_level = PLOG_INFO;
	for (size_t i = 0; i < G_N_ELEMENTS(edge_keys); i++)
		if (edge_keys[i].kind == K_UINT)
			*(unsigned *)((char *)cfg + edge_keys[i].off) = (unsigned)edge_keys[i].def;
}

static int
read_role(struct edge_config *cfg, const struct ini *ini, char *err, size_t errlen)
{
	for (unsigned i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->entries[i];
		if (strcmp(e->section, "edge") || strcmp(e->key, "role"))
			continue;
		if (!strcmp(e->value, "inside"))
			cfg->role = EDGE_ROLE_INSIDE;
		else if (!strcmp(e->value, "outside"))
			cfg->role = EDGE_ROLE_OUTSIDE;
		else {
			SETERR("%s:%u: role: \"%s\" is neither inside nor outside", ini->name, e->line,
			       e->value);
			return -1;
		}
		return 0;
	}
	SETERR("%s: [edge] role is required (inside or outside)", ini->name);
	return -1;
}

/* Cross-key checks report every problem, one line each ("FILE: ..."),
 * like the per-key ones: --check shows them all at once. */
static void G_GNUC_PRINTF(4, 5)
need_failed(const struct edge_config *cfg, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ini_err_append(err, errlen, "%s: %s", cfg->path, msg);
	g_free(msg);
}

#define NEED(cond, ...) do { if (!(cond)) { need_failed(cfg, err, errlen, __VA_ARGS__); bad = -1; } } while (0)

static int
check_outside(struct edge_config *cfg, char *err, size_t errlen)
{
	int bad = 0;

	NEED(cfg->t_listen.ss_family, "[traversal] listen is required (where inside nodes connect)");
	NEED(cfg->t_cert && cfg->t_key && cfg->t_ca,
	     "[traversal] certificate, key and ca are required (mutual TLS with the inside node)");
	NEED(cfg->t_verify_name, "[traversal] verify-subject-name is required (the SAN the inside "
	     "node's certificate must carry)");
	NEED(cfg->t_accounts.n, "[traversal] accounts is required: which [users] entries may open "
	     "tunnels (e.g. accounts = Tuser)");
	for (unsigned i = 0; i < cfg->t_accounts.n; i++) {
		int found = 0;
		for (unsigned j = 0; j < cfg->nusers; j++)
			found |= !g_ascii_strcasecmp(cfg->users[j].name, cfg->t_accounts.v[i]);
		NEED(found, "[traversal] accounts names %s, which is not in [users]",
		     cfg->t_accounts.v[i]);
	}
	NEED(cfg->w_nlisten, "[webproxy] listen is required (the guest HTTPS listener)");
	NEED(cfg->w_hosts.n, "[webproxy] hosts is required (the external names served)");
	NEED(cfg->w_ncerts, "[webproxy] certificate and key are required");
	for (unsigned i = 0; i < cfg->w_ncerts; i++)
		NEED(cfg->w_certs[i].certificate && cfg->w_certs[i].key,
		     "[webproxy] every certificate needs its key (pair %u is incomplete)", i + 1);
	return bad;
}

static int
check_inside(struct edge_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage a;
	int bad = 0;

	NEED(cfg->t_connect_host, "[traversal] connect is required (the outside node to dial)");
	if (!cfg->t_server_name && cfg->t_connect_host && addr_parse(cfg->t_connect_host, 0, &a) < 0)
		cfg->t_server_name = g_strdup(cfg->t_connect_host);
	NEED(cfg->t_server_name, "[traversal] server-name is required when connect is an address "
	     "(the SAN the outside node's certificate must carry)");
	NEED(cfg->t_username && cfg->t_password, "[traversal] username and password are required");
	NEED(cfg->t_cert && cfg->t_key && cfg->t_ca,
	     "[traversal] certificate, key and ca are required (mutual TLS with the outside node)");
	NEED(cfg->w_guest_uri, "[webproxy] guest-uri is required (the Guest account client URI)");
	NEED(cfg->w_ca, "[webproxy] ca is required (the CA bundle the web bridge certificate "
	     "must chain to)");
	if (!cfg->w_verify_name)
		cfg->w_verify_name = g_strdup(cfg->w_guest_host);
	if (!cfg->w_health_path)
		cfg->w_health_path = g_strdup("/");
	if (bad)
		return bad;
	if (!cfg->domains.n)
		add_list(&cfg->domains, cfg->w_guest_host, 1, err, errlen);
	return 0;
}

int
edge_config_load(struct edge_config **out, const char *path, struct ini *ini,
		 char *err, size_t errlen)
{
	struct cfg_ctx ctx = { 0 };
	int ret = -1;

	if (ini_load(ini, path, err, errlen) < 0)
		return -1;
	err[0] = '\0';
	ctx.cfg = g_new0(struct edge_config, 1);
	ctx.cfg->path = g_strdup(path);
	config_defaults(ctx.cfg);
	if (read_role(ctx.cfg, ini, err, errlen) < 0 ||
	    ini_apply(ini, ini_table, G_N_ELEMENTS(ini_table), &ctx, err, errlen) < 0)
		goto out;
	if (!ctx.cfg->node)
		ctx.cfg->node = g_strdup(g_get_host_name());
	if ((ctx.cfg->role == EDGE_ROLE_OUTSIDE ? check_outside : check_inside)(ctx.cfg, err, errlen) < 0)
		goto out;
	*out = ctx.cfg;
	ctx.cfg = NULL;
	ret = 0;
out:
	edge_config_free(ctx.cfg);
	if (ret < 0)
		ini_free(ini);
	return ret;
}

static int
check_pair(const struct edge_pair *p, const char *ca, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cr;

	if (edge_tls_creds(&cr, p, p ? 1 : 0, ca, err, errlen) < 0)
		return -1;
	gnutls_certificate_free_credentials(cr);
	return 0;
}

/* One credentials check; its problem appended to err.  0 or -1. */
static int
check_pair_into(const struct edge_pair *p, const char *ca, char *err, size_t errlen)
{
	char why[1024] = "";

	if (check_pair(p, ca, why, sizeof(why)) == 0)
		return 0;
	ini_err_append(err, errlen, "%s", why);
	return -1;
}

int
edge_config_check_files(const struct edge_config *cfg, char *err, size_t errlen)
{
	struct edge_pair t = { cfg->t_cert, cfg->t_key };
	char sans[1024];
	int bad = 0;

	err[0] = '\0';
	bad |= check_pair_into(&t, cfg->t_ca, err, errlen);
	if (cfg->role == EDGE_ROLE_INSIDE)
		return check_pair_into(NULL, cfg->w_ca, err, errlen) | bad;
	for (unsigned i = 0; i < cfg->w_ncerts; i++)
		bad |= check_pair_into(&cfg->w_certs[i], NULL, err, errlen);
	for (unsigned h = 0; h < cfg->w_hosts.n; h++) {
		int covered = 0;
		for (unsigned i = 0; i < cfg->w_ncerts && !covered; i++)
			covered = edge_tls_file_has_san(cfg->w_certs[i].certificate,
							cfg->w_hosts.v[h], sans, sizeof(sans)) == 1;
		if (!covered) {
			ini_err_append(err, errlen, "%s: no [webproxy] certificate names %s in its "
				       "subjectAltName (%s has: %s); guests' browsers would refuse the "
				       "connection as not secure", cfg->path, cfg->w_hosts.v[h],
				       cfg->w_certs[0].certificate, sans[0] ? sans : "no DNS SANs");
			bad = -1;
		}
	}
	return bad;
}

static void
strv_clear(struct edge_strv *l)
{
	for (unsigned i = 0; i < l->n; i++)
		g_free(l->v[i]);
	l->n = 0;
}

void
edge_config_free(struct edge_config *cfg)
{
	if (!cfg)
		return;
	g_free(cfg->path);
	g_free(cfg->node);
	strv_clear(&cfg->domains);
	g_free(cfg->t_connect_host);
	g_free(cfg->t_server_name);
	g_free(cfg->t_username);
	if (cfg->t_password)
		explicit_bzero(cfg->t_password, strlen(cfg->t_password));
	g_free(cfg->t_password);
	g_free(cfg->t_verify_name);
	g_free(cfg->t_cert);
	g_free(cfg->t_key);
	g_free(cfg->t_ca);
	strv_clear(&cfg->t_accounts);
	for (unsigned i = 0; i < cfg->nusers; i++) {
		g_free(cfg->users[i].name);
		explicit_bzero(cfg->users[i].password, strlen(cfg->users[i].password));
		g_free(cfg->users[i].password);
	}
	strv_clear(&cfg->w_hosts);
	for (unsigned i = 0; i < cfg->w_ncerts; i++) {
		g_free(cfg->w_certs[i].certificate);
		g_free(cfg->w_certs[i].key);
	}
	g_free(cfg->w_guest_uri);
	g_free(cfg->w_guest_host);
	g_free(cfg->w_ca);
	g_free(cfg->w_verify_name);
	g_free(cfg->w_health_path);
	for (unsigned i = 0; i < cfg->ndns; i++) {
		g_free(cfg->dns[i].name);
		strv_clear(&cfg->dns[i].values);
	}
	g_free(cfg);
}

void
edge_config_swap_credentials(struct edge_config *cur, struct edge_config *next)
{
	struct edge_strv accounts = cur->t_accounts;
	char *user = cur->t_username, *pass = cur->t_password;
	unsigned n = cur->nusers;

	/* Swap, so that freeing next frees (and wipes) the old values. */
	for (unsigned i = 0; i < G_N_ELEMENTS(cur->users); i++) {
		char *a = cur->users[i].name, *b = cur->users[i].password;
		cur->users[i] = next->users[i];
		next->users[i].name = a;
		next->users[i].password = b;
	}
	cur->nusers = next->nusers;
	next->nusers = n;
	cur->t_accounts = next->t_accounts;
	next->t_accounts = accounts;
	cur->t_username = next->t_username;
	cur->t_password = next->t_password;
	next->t_username = user;
	next->t_password = pass;
}

int
edge_config_is_account(const struct edge_config *cfg, const char *user)
{
	for (unsigned i = 0; i < cfg->t_accounts.n; i++)
		if (!g_ascii_strcasecmp(cfg->t_accounts.v[i], user))
			return 1;
	return 0;
}

int
edge_config_turn_view(const struct edge_config *cfg, const struct ini *ini, struct ini *view)
{
	unsigned n = 0;

	memset(view, 0, sizeof(*view));
	view->name = ini->name;
	view->entries = g_new0(struct ini_entry, ini->n ? ini->n : 1);
	for (unsigned i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->entries[i];
		if (!strcmp(e->section, "turn") ||
		    (!strcmp(e->section, "users") && !edge_config_is_account(cfg, e->key)))
			view->entries[n++] = *e;
	}
	view->n = n;
	return 0;
}
