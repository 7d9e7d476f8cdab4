/*
 * meet-ldap.h: LDAP directory import (ldap.c, api-ldap.c) and the mapping
 * expressions of /ldapMappings (ldap-map.c).
 */
#ifndef PORTICO_MEET_LDAP_H
#define PORTICO_MEET_LDAP_H

#include <glib.h>

/* Bounds of a mapping expression and of what it expands to. */
#define MEET_LDAP_MAP_MAX 1024
#define MEET_LDAP_MAP_OUT_MAX 4096
#define MEET_LDAP_ATTR_MAX 64

/* Returns the first value of attribute name of the entry (borrowed, valid
 * until the expansion returns) or NULL when the entry lacks it. */
typedef const char *(*meet_ldap_attr_fn)(const char *name, void *ctx);

/*
 * Expression syntax (the vendor's):
 *   text            copied as is
 *   $attr$          the attribute's first value
 *   $attr|'/re/rep/'$   the value rewritten: every match of the regular
 *                   expression re replaced by rep (\0..\9 back references);
 *                   '\/' writes a '/' inside re or rep
 *   $$              one '$'
 * Pure; any thread.
 */

/* 0 when expr is well formed, else -1 and *error names the fault
 * ("unterminatedAttribute", "badAttributeName", "badRegex", "valueTooLong",
 * "badEncoding": not UTF-8). */
int meet_ldap_map_check(const char *expr, const char **error);

/* New string (g_free) with expr expanded against the entry, or NULL and
 * *error set: a malformed expr (as meet_ldap_map_check), "missingAttribute"
 * when the entry lacks an attribute used, "resultTooLong", "badEncoding"
 * for a value that is not UTF-8. */
char *meet_ldap_map_expand(const char *expr, meet_ldap_attr_fn get, void *ctx,
			   const char **error);

/* ---- ldap.c: directory sync (loop thread unless said) ----------------- */

struct meet_server;
struct meet_ldap;
typedef struct ldap LDAP;

struct meet_ldap *meet_ldap_new(struct meet_server *srv);
/* Joins a running worker (bounded by the LDAP timeouts); NULL is fine. */
void meet_ldap_free(struct meet_ldap *l);
/* Runs the ldapSyncs object sync_id (its ldapSource property names the
 * source) after the syncs before it; its state/failureReason/num* follow. */
void meet_ldap_queue(struct meet_ldap *l, const char *sync_id);
int meet_ldap_busy(const struct meet_ldap *l);
/* ldap:// or ldaps:// URI of an ldapServers object; *starttls when
 * secure on a port other than 636.  New string. */
char *meet_ldap_uri(GHashTable *server, int *starttls);
/* Any thread (blocking, bounded): opens uri and simple-binds as dn.  NULL
 * with *failure ("bindFailure", "connectionFailure", "tlsFailure") and a
 * new *detail for the log, which never holds the password. */
LDAP *meet_ldap_connect(const char *uri, int starttls, const char *dn, const char *password,
			const char **failure, char **detail);

#endif
