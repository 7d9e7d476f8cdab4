/*
 * edge-config.h: the node configuration (config.c), read once at start and
 * (credentials only) on SIGHUP.
 */
#ifndef PORTICO_EDGE_CONFIG_H
#define PORTICO_EDGE_CONFIG_H

#include "edge/edge-tls.h"

enum edge_role { EDGE_ROLE_NONE, EDGE_ROLE_INSIDE, EDGE_ROLE_OUTSIDE };

#define EDGE_MAX_LIST 16

struct edge_strv {
	char *v[EDGE_MAX_LIST];
	unsigned n;
};

struct edge_dns_rr {
	char *name;                    /* lower case */
	int srv;                       /* 1: SRV targets, 0: addresses */
	struct edge_strv values;       /* "prio weight port target" or addresses */
};

struct edge_config {
	char *path;
	enum edge_role role;
	char *node;                    /* [edge] name */
	struct edge_strv domains;
	int log_level;

	/* [traversal] */
	struct sockaddr_storage t_listen;      /* outside */
	char *t_connect_host;                  /* inside */
	int t_connect_port;
	char *t_server_name;                   /* inside: SAN the outside's cert must hold */
	char *t_username, *t_password;         /* inside */
	char *t_verify_name;                   /* outside */
	char *t_cert, *t_key, *t_ca;
	struct edge_strv t_accounts;           /* outside: traversal accounts in [users] */
	struct cidr t_allow[EDGE_MAX_LIST];
	unsigned t_nallow;
	unsigned t_connections;                /* inside */
	unsigned t_ping_interval;              /* seconds */
	unsigned t_backoff_initial, t_backoff_max;
	unsigned t_max_auth_failures, t_auth_window;
	unsigned t_auth_prefix4, t_auth_prefix6;   /* failures count per network of this size */
	unsigned t_stream_window, t_conn_window;
	unsigned t_handshake_timeout;
	unsigned t_drain_timeout;

	/* [users] (outside): name -> password, all accounts */
	struct { char *name, *password; } users[64];
	unsigned nusers;

	/* [webproxy] */
	struct sockaddr_storage w_listen[EDGE_MAX_LIST];   /* outside */
	unsigned w_nlisten;
	struct edge_strv w_hosts;                          /* outside, lower case */
	struct edge_pair w_certs[EDGE_MAX_LIST];           /* outside, SNI */
	unsigned w_ncerts;
	unsigned w_header_timeout, w_idle_timeout;
	unsigned w_max_head, w_stream_buffer, w_max_connections;
	char *w_guest_uri;                                 /* inside */
	char *w_guest_host;                                /* parsed, lower case */
	int w_guest_port;
	char *w_ca;                                        /* inside */
	char *w_verify_name;                               /* inside; default guest host */
	unsigned w_health_interval, w_resolve_interval, w_connect_timeout, w_response_timeout;
	char *w_health_path;

	/* [admin] */
	struct sockaddr_storage a_listen;
	int a_enabled;

	/* [dns] (inside) */
	struct edge_dns_rr dns[64];
	unsigned ndns;

	/* [turn] present (outside embeds portico turn) */
	int has_turn;
};

struct ini;
int edge_config_load(struct edge_config **out, const char *path, struct ini *ini_out,
		     char *err, size_t errlen);
/* The deeper checks of --check: certificate files load, SANs cover the
 * web-proxy hosts, keys match.  0 or -1 with err. */
int edge_config_check_files(const struct edge_config *cfg, char *err, size_t errlen);
void edge_config_free(struct edge_config *cfg);
/* SIGHUP: take next's users, accounts and traversal credentials into cur
 * (next gets cur's old ones, freed and wiped with it). */
void edge_config_swap_credentials(struct edge_config *cur, struct edge_config *next);
/* Is user a traversal account (listed in [traversal] accounts)? */
int edge_config_is_account(const struct edge_config *cfg, const char *user);
/* Copy of ini without [turn]/[users]' traversal accounts, for turn_config_from_ini. */
int edge_config_turn_view(const struct edge_config *cfg, const struct ini *ini, struct ini *view);

#endif
