/* config.c: [meet], [webbridge], [callbridge], [api] (docs/configuration-meet.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/datadir.h"
#include "common/ini.h"
#include "common/plog.h"
#include "meet/meet-internal.h"

#define SETERR(...) snprintf(err, errlen, __VA_ARGS__)

/* Field setters: one per value kind; the table below names the field by
 * offset into struct meet_config, and passes its row (bounds). */
struct cfg_key;
typedef int (*cfg_setter)(void *field, const struct cfg_key *row, const char *v, char *err,
			  size_t errlen);

struct cfg_key {
	const char *section;
	const char *key;
	size_t off;
	cfg_setter set;
	unsigned long min, max;     /* numbers */
};

static int
set_str(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	char **s = field;

	if (strlen(v) > 1024) {
		SETERR("value longer than 1024 bytes");
		return -1;
	}
	g_free(*s);
	*s = g_strdup(v);
	return 0;
}

static int
set_path(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if (!*v) {
		SETERR("empty path");
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

static int
set_listen(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	struct sockaddr_storage ss;

	if (addr_parse(v, 0, &ss) < 0 || addr_port(&ss) == 0) {
		SETERR("\"%s\" is not an address:port (e.g. 127.0.0.1:8443)", v);
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

static int
set_bool(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	return ini_parse_bool(v, field, err, errlen);
}

/* The section being applied (ini_apply passes the key, not the section). */
struct cfg_ctx {
	struct meet_config *cfg;
	const char *section;
};

static int
set_uint(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	return ini_parse_uint(v, row->min, row->max, field, err, errlen);
}

static int
set_level(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if (plog_level_parse(v) < 0) {
		SETERR("log level \"%s\" is not one of debug, info, notice, warn, error", v);
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

static int
valid_domain(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n > 253)
		return 0;
	for (const char *p = d; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return 0;
	return d[0] != '.' && d[n - 1] != '.';
}

static int
set_domain(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if (!valid_domain(v)) {
		SETERR("\"%s\" is not a domain name", v);
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

static int
set_url(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if (*v && !g_str_has_prefix(v, "https://") && !g_str_has_prefix(v, "http://") &&
	    v[0] != '/') {
		SETERR("\"%s\" is not an http(s) URL or an absolute path", v);
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

/* A shared secret: at least 16 bytes (the TURN server's auth-secret). */
static int
set_secret(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if (strlen(v) < 16) {
		SETERR("a secret needs at least 16 characters");
		return -1;
	}
	return set_str(field, row, v, err, errlen);
}

/* [media] addresses: up to 8 comma-separated IP literals. */
static int
set_addresses(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	char **parts = g_strsplit(v, ",", -1);
	unsigned n = 0;
	int ok = 1;

	for (char **p = parts; *p && ok; p++) {
		GInetAddress *a = g_inet_address_new_from_string(g_strstrip(*p));
		ok = a != NULL && ++n <= 8;
		if (!ok)
			SETERR("\"%s\" is not a list of at most 8 IP addresses", v);
		if (a)
			g_object_unref(a);
	}
	g_strfreev(parts);
	return ok && n ? set_str(field, row, v, err, errlen) : -1;
}


/* Calls each() on the trimmed items of a comma-separated list, in order;
 * stops at the first error. */
static int
each_item(const char *v, int (*each)(void *field, const char *item, char *err, size_t errlen),
	  void *field, char *err, size_t errlen)
{
	gchar **parts = g_strsplit(v, ",", -1);
	int ret = 0;

	for (gchar **p = parts; *p && ret == 0; p++)
		ret = each(field, g_strstrip(*p), err, errlen);
	g_strfreev(parts);
	return ret;
}

static int
add_domain(void *field, const char *d, char *err, size_t errlen)
{
	struct meet_domains *l = field;

	if (!valid_domain(d)) {
		SETERR("\"%s\" is not a domain name", d);
		return -1;
	}
	if (l->n == MEET_MAX_DOMAINS) {
		SETERR("at most %d seed domains", MEET_MAX_DOMAINS);
		return -1;
	}
	l->d[l->n++] = g_strdup(d);
	return 0;
}

static void
domains_clear(struct meet_domains *l)
{
	for (unsigned i = 0; i < l->n; i++)
		g_clear_pointer(&l->d[i], g_free);
	l->n = 0;
}

static int
set_domains(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	domains_clear(field);
	return each_item(v, add_domain, field, err, errlen);
}

static int
add_proxy(void *field, const char *c, char *err, size_t errlen)
{
	struct meet_proxies *l = field;

	if (!*c)
		return 0;
	if (l->n == MEET_MAX_PROXIES) {
		SETERR("at most %d trusted proxies", MEET_MAX_PROXIES);
		return -1;
	}
	if (cidr_parse(c, &l->c[l->n]) < 0) {
		SETERR("\"%s\" is not an address or CIDR range", c);
		return -1;
	}
	l->n++;
	return 0;
}

static int
set_proxies(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	((struct meet_proxies *)field)->n = 0;
	return each_item(v, add_proxy, field, err, errlen);
}

/* [meet] status-listen: auto, off, a socket path or an address:port. */
static int
set_status_listen(void *field, const struct cfg_key *row, const char *v, char *err,
		  size_t errlen)
{
	if (!strcmp(v, "auto") || !strcmp(v, "off") || (v[0] == '/' && strlen(v) < 100))
		return set_str(field, row, v, err, errlen);
	return set_listen(field, row, v, err, errlen);
}

/* [meet] database: a libpq connection URI (the SQLite file in [meet] state
 * when absent).  Bounded; the scheme is checked here, the rest by libpq at
 * start, which --check does not attempt (no connection from a syntax check). */
static int
set_database(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	if ((g_str_has_prefix(v, "postgresql://") || g_str_has_prefix(v, "postgres://")) &&
	    strlen(v) < 1024 && !strpbrk(v, " \t\r\n"))
		return set_str(field, row, v, err, errlen);
	snprintf(err, errlen, "database must be a postgresql:// URI");
	return -1;
}

/* [meet] node: 1-63 of [A-Za-z0-9._-], the name other nodes list. */
static int
set_node(void *field, const struct cfg_key *row, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n > 0 && n < 64 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789._-") == n)
		return set_str(field, row, v, err, errlen);
	snprintf(err, errlen, "node must be 1-63 letters, digits, '.', '_' or '-'");
	return -1;
}

#define OFF(f) offsetof(struct meet_config, f)
static const struct cfg_key cfg_keys[] = {
	{ "meet", "state", OFF(state_dir), set_path, 0, 0 },
	{ "meet", "database", OFF(database), set_database, 0, 0 },
	{ "meet", "node", OFF(node), set_node, 0, 0 },
	{ "meet", "log-level", OFF(log_level), set_level, 0, 0 },
	{ "meet", "event-log", OFF(event_log), set_path, 0, 0 },
	{ "meet", "seed", OFF(seed), set_bool, 0, 0 },
	{ "meet", "seed-domains", OFF(seed_domains), set_domains, 0, 0 },
	{ "meet", "guest-jid-domain", OFF(guest_jid_domain), set_domain, 0, 0 },
	{ "meet", "status-listen", OFF(status_listen), set_status_listen, 0, 0 },
	{ "webbridge", "listen", OFF(web_listen), set_listen, 0, 0 },
	{ "webbridge", "certificate", OFF(web_cert), set_path, 0, 0 },
	{ "webbridge", "key", OFF(web_key), set_path, 0, 0 },
	{ "webbridge", "web-root", OFF(web_root), set_path, 0, 0 },
	{ "webbridge", "trust", OFF(web_trust), set_path, 0, 0 },
	{ "webbridge", "url", OFF(web_url), set_url, 0, 0 },
	{ "webbridge", "background-image", OFF(background_uri), set_url, 0, 0 },
	{ "webbridge", "login-logo", OFF(logo_uri), set_url, 0, 0 },
	{ "webbridge", "allow-passcode-access", OFF(allow_passcode_access), set_bool, 0, 0 },
	{ "webbridge", "allow-hyperlinks", OFF(allow_hyperlinks), set_bool, 0, 0 },
	{ "webbridge", "trusted-proxies", OFF(web_proxies), set_proxies, 0, 0 },
	{ "webbridge", "guest-attempts", OFF(guest_attempts), set_uint, 1, 1000 },
	{ "webbridge", "guest-attempt-window", OFF(guest_window), set_uint, 1, 86400 },
	{ "webbridge", "guest-prefix-ipv4", OFF(guest_prefix4), set_uint, 8, 32 },
	{ "webbridge", "guest-prefix-ipv6", OFF(guest_prefix6), set_uint, 16, 128 },
	{ "webbridge", "space-attempts", OFF(space_attempts), set_uint, 1, 100000 },
	{ "webbridge", "space-attempt-window", OFF(space_window), set_uint, 1, 86400 },
	{ "webbridge", "space-max-delay", OFF(space_max_delay), set_uint, 1, 3600 },
	{ "callbridge", "certificate", OFF(cb_cert), set_path, 0, 0 },
	{ "callbridge", "link-retry", OFF(link_retry), set_uint, 1, 3600 },
	{ "callbridge", "turn-udp-port", OFF(turn_udp_port), set_uint, 1, 65535 },
	{ "media", "workers", OFF(media_workers), set_uint, 0, 256 },
	{ "media", "host-candidates", OFF(media_host_candidates), set_bool, 0, 0 },
	{ "media", "relay-timeout-ms", OFF(media_relay_timeout), set_uint, 100, 60000 },
	{ "media", "ice-timeout-ms", OFF(media_ice_timeout), set_uint, 1000, 300000 },
	{ "media", "browser-relay-only", OFF(media_browser_relay), set_bool, 0, 0 },
	{ "media", "addresses", OFF(media_addresses), set_addresses, 0, 0 },
	{ "media", "browser-rest-secret", OFF(media_rest_secret), set_secret, 0, 0 },
	{ "media", "browser-rest-ttl", OFF(media_rest_ttl), set_uint, 60, 7 * 86400 },
	{ "media", "port-min", OFF(media_port_min), set_uint, 0, 65535 },
	{ "media", "port-max", OFF(media_port_max), set_uint, 0, 65535 },
	{ "api", "listen", OFF(api_listen), set_listen, 0, 0 },
	{ "api", "certificate", OFF(api_cert), set_path, 0, 0 },
	{ "api", "key", OFF(api_key), set_path, 0, 0 },
	{ "api", "auth-attempts", OFF(auth_attempts), set_uint, 1, 1000 },
	{ "api", "auth-window", OFF(auth_window), set_uint, 1, 86400 },
	{ "api", "auth-prefix-ipv4", OFF(auth_prefix4), set_uint, 8, 32 },
	{ "api", "auth-prefix-ipv6", OFF(auth_prefix6), set_uint, 16, 128 },
	{ "api", "trusted-proxies", OFF(api_proxies), set_proxies, 0, 0 },
	{ "api", "max-body", OFF(max_body), set_uint, 1024, 16u << 20 },
	{ "api", "page-limit", OFF(page_cap), set_uint, 1, 1000 },
	{ "api", "probe-timeout-ms", OFF(probe_timeout_ms), set_uint, 100, 60000 },
};
#undef OFF

static int
cfg_set(void *p, const char *key, const char *value, char *err, size_t errlen)
{
	struct cfg_ctx *ctx = p;

	for (size_t k = 0; k < G_N_ELEMENTS(cfg_keys); k++) {
		const struct cfg_key *row = &cfg_keys[k];
		if (strcmp(row->section, ctx->section) || strcmp(row->key, key))
			continue;
		return row->set((char *)ctx->cfg + row->off, row, value, err, errlen);
	}
	SETERR("unknown key");
	return -1;
}

static void
cfg_defaults(struct meet_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->state_dir = g_strdup("state/meet");
	cfg->node = g_strndup(g_get_host_name(), 63);
	cfg->log_level = g_strdup("info");
	cfg->guest_jid_domain = g_strdup("cms.octavio.local");
	cfg->seed_domains.d[0] = g_strdup("cms.octavio.local");
	cfg->seed_domains.d[1] = g_strdup("octavio.com");
	cfg->seed_domains.n = 2;
	cfg->web_listen = g_strdup("127.0.0.1:8443");
	{
		char *web = datadir_web();   /* installed, or the source tree */
		cfg->web_root = g_strdup(web ? web : "web");
		free(web);
	}
	cfg->allow_passcode_access = 1;
	cfg->allow_hyperlinks = 1;
	cfg->guest_attempts = 10;
	cfg->guest_window = 60;
	cfg->guest_prefix4 = cfg->auth_prefix4 = 32;
	cfg->guest_prefix6 = cfg->auth_prefix6 = 64;
	cfg->space_attempts = 50;
	cfg->space_window = 600;
	cfg->space_max_delay = 60;
	cfg->link_retry = 10;
	cfg->turn_udp_port = 3478;
	cfg->api_listen = g_strdup("127.0.0.1:8445");
	cfg->status_listen = g_strdup("auto");
	cfg->auth_attempts = 10;
	cfg->auth_window = 60;
	cfg->max_body = 65536;
	cfg->page_cap = 20;
	cfg->probe_timeout_ms = 2000;
	cfg->media_host_candidates = 1;
	cfg->media_relay_timeout = 5000;
	cfg->media_ice_timeout = 20000;
	cfg->media_rest_ttl = 86400;
}

static int
cfg_check(struct meet_config *cfg, const char *path, char *err, size_t errlen)
{
	if (!cfg->web_cert || !cfg->web_key) {
		SETERR("%s: [webbridge] needs certificate and key", path);
		return -1;
	}
	if (!cfg->api_cert || !cfg->api_key) {
		SETERR("%s: [api] needs certificate and key", path);
		return -1;
	}
	if ((cfg->media_port_min || cfg->media_port_max) &&
	    (!cfg->media_port_min || cfg->media_port_max < cfg->media_port_min)) {
		SETERR("%s: [media] port-min and port-max must both be set, min <= max", path);
		return -1;
	}
	if (!cfg->event_log)
		cfg->event_log = g_build_filename(cfg->state_dir, "events.log", NULL);
	return 0;
}

static const char *const cfg_sections[] = { "meet", "webbridge", "callbridge", "media", "api" };

/* ini_apply over the entries of one section, with that section's rows. */
static int
cfg_apply_section(const struct ini *ini, struct cfg_ctx *ctx, char *err, size_t errlen)
{
	struct ini_key table[G_N_ELEMENTS(cfg_keys)];
	struct ini sub = { ini->name, NULL, NULL, 0 };
	size_t nt = 0;
	int ret;

	for (size_t k = 0; k < G_N_ELEMENTS(cfg_keys); k++)
		if (!strcmp(cfg_keys[k].section, ctx->section))
			table[nt++] = (struct ini_key){ cfg_keys[k].section, cfg_keys[k].key, cfg_set, 0 };
	sub.entries = g_new0(struct ini_entry, ini->n + 1);
	for (unsigned i = 0; i < ini->n; i++)
		if (!strcmp(ini->entries[i].section, ctx->section))
			sub.entries[sub.n++] = ini->entries[i];
	ret = ini_apply(&sub, table, nt, ctx, err, errlen);
	g_free(sub.entries);
	return ret;
}

static int
cfg_known_sections(const struct ini *ini, char *err, size_t errlen)
{
	int bad = 0;

	for (unsigned i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->entries[i];
		int known = 0;
		for (size_t s = 0; s < G_N_ELEMENTS(cfg_sections); s++)
			known |= !strcmp(e->section, cfg_sections[s]);
		if (!known) {
			if (*e->section)
				ini_err_append(err, errlen, "%s:%u: unknown section [%s] (portico meet reads [meet], [webbridge], [callbridge], [media], [api])",
					       ini->name, e->line, e->section);
			else
				ini_err_append(err, errlen, "%s:%u: key \"%s\" outside any [section]",
					       ini->name, e->line, e->key);
			bad = -1;
		}
	}
	return bad;
}

int
meet_config_load(struct meet_config *cfg, const char *path, char *err, size_t errlen)
{
	struct ini ini;
	struct cfg_ctx ctx = { cfg, NULL };
	int ret = -1;

	cfg_defaults(cfg);
	cfg->path = g_strdup(path);
	if (ini_load(&ini, path, err, errlen) < 0) {
		meet_config_free(cfg);
		return -1;
	}
	/* Every problem, one a line (--check), before the cross-key checks. */
	err[0] = '\0';
	ret = cfg_known_sections(&ini, err, errlen);
	for (size_t s = 0; s < G_N_ELEMENTS(cfg_sections); s++) {
		char more[1024];
		ctx.section = cfg_sections[s];
		if (cfg_apply_section(&ini, &ctx, more, sizeof(more)) < 0) {
			ini_err_append(err, errlen, "%s", more);
			ret = -1;
		}
	}
	if (ret < 0)
		goto out;
	ret = cfg_check(cfg, ini.name, err, errlen);
out:
	ini_free(&ini);
	if (ret < 0)
		meet_config_free(cfg);
	return ret;
}

void
meet_config_free(struct meet_config *cfg)
{
	char **strs[] = { &cfg->state_dir, &cfg->database, &cfg->node, &cfg->log_level, &cfg->event_log,
		&cfg->guest_jid_domain, &cfg->web_listen, &cfg->web_cert, &cfg->web_key,
		&cfg->web_root, &cfg->web_trust, &cfg->web_url, &cfg->background_uri,
		&cfg->logo_uri, &cfg->cb_cert, &cfg->api_listen, &cfg->api_cert, &cfg->api_key,
		&cfg->media_addresses, &cfg->media_rest_secret, &cfg->path, &cfg->status_listen };

	for (size_t i = 0; i < G_N_ELEMENTS(strs); i++)
		g_clear_pointer(strs[i], g_free);
	domains_clear(&cfg->seed_domains);
}

/* Do the values of one key differ?  By the setter, which says how the
 * field is stored. */
static int
cfg_field_differs(const struct cfg_key *k, const struct meet_config *a, const struct meet_config *b)
{
	const void *fa = (const char *)a + k->off, *fb = (const char *)b + k->off;

	if (k->set == set_uint)
		return *(const unsigned long *)fa != *(const unsigned long *)fb;
	if (k->set == set_bool)
		return *(const int *)fa != *(const int *)fb;
	if (k->set == set_proxies)
		return memcmp(fa, fb, sizeof(struct meet_proxies)) != 0;
	if (k->set == set_domains) {
		const struct meet_domains *da = fa, *db = fb;
		if (da->n != db->n)
			return 1;
		for (unsigned i = 0; i < da->n; i++)
			if (strcmp(da->d[i], db->d[i]))
				return 1;
		return 0;
	}
	return g_strcmp0(*(char *const *)fa, *(char *const *)fb) != 0;
}

void
meet_config_diff(const struct meet_config *a, const struct meet_config *b, meet_config_diff_cb cb,
		 void *ctx)
{
	for (size_t k = 0; k < G_N_ELEMENTS(cfg_keys); k++)
		if (cfg_field_differs(&cfg_keys[k], a, b))
			cb(cfg_keys[k].section, cfg_keys[k].key, ctx);
}
