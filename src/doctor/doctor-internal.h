/*
 * doctor-internal.h: what the files of src/doctor share.
 *
 * Threads: doctor is a one-shot command; everything runs on the calling
 * thread with blocking, bounded probes.  struct doctor is filled from the
 * options (and lab.ini / node configs) before the first check and only
 * read by the checks.
 */
#ifndef PORTICO_DOCTOR_INTERNAL_H
#define PORTICO_DOCTOR_INTERNAL_H

#include <sys/socket.h>

#include <glib.h>

#include "common/ini.h"

struct doctor {
	char *external_name;       /* the Web Bridge URI host (cmsweb.octavio.com) */
	char *public_addr;         /* the edge's public (NAT) address */
	char *ext_resolver;        /* map:NAME=ADDR,... | system */
	char *int_resolver;        /* config | map:... | system */
	struct ini outside, inside, meet;
	int have_outside, have_inside, have_meet;
	char *api_host, *api_name, *api_user, *api_password;
	int api_port;
	char *ca;                  /* CA bundle: the deployment's private CA, NULL = system */
	int guest_port;            /* the outside edge's guest HTTPS port */
	char *netns, *client_netns;  /* namespaces of the inside and client views, or NULL */
	int timeout_ms;
};

enum doctor_status { DOCTOR_PASS, DOCTOR_FAIL, DOCTOR_SKIP };

struct doctor_result {
	enum doctor_status status;
	char cause[768];
	char fix[512];
};

/* base.c: the result of a check: status, printf-style cause, and the fix
 * (NULL: none).  The three setters check functions use: */
__attribute__((format(printf, 4, 5)))
void doctor_result(struct doctor_result *r, enum doctor_status s, const char *fix,
		   const char *fmt, ...);
#define doctor_pass(r, ...) doctor_result((r), DOCTOR_PASS, NULL, __VA_ARGS__)
#define doctor_skip(r, ...) doctor_result((r), DOCTOR_SKIP, NULL, __VA_ARGS__)
#define doctor_fail(r, fix, ...) doctor_result((r), DOCTOR_FAIL, (fix), __VA_ARGS__)

/* First value of section/key in a parsed config, or NULL. */
const char *doctor_ini_get(const struct ini *ini, const char *section, const char *key);

/* One answer of a resolver: a name, an address and (SRV) a port or 0. */
struct doctor_target {
	char name[256];
	char addr[64];
	int port;
};

/* resolve.c: name with spec (map:..., system, udp:ADDR, config = the inside edge's
 * [dns] overrides as the inside edge applies them).  Appends to out
 * (at most cap); returns how many, or -1 with err. */
int doctor_resolve(const struct doctor *d, const char *spec, const char *name,
		   struct doctor_target *out, int cap, char *err, size_t errlen);

/* turn.c: a browser's TURN allocation, over src/turnc. */
struct doctor_turn_result {
	int code;                  /* STUN error code of the last answer, 0 success, -1 none */
	int allocated, unreachable, relay_ok;
	struct sockaddr_storage relayed, mapped;
	char detail[256];
};

/* Allocate on server (UDP or TCP) with the long-term credentials; with
 * relay_check, also a round trip through the relayed address.  Leaves no
 * allocation behind.  0 when allocated. */
int doctor_turn_allocate(const struct sockaddr_storage *server, int tcp, const char *user,
			 const char *password, int relay_check, int timeout_ms,
			 struct doctor_turn_result *res);

/* checks.c: the table of checks. */
struct doctor_check {
	const char *name;
	const char *what;          /* for --list */
	int client;                /* looks from the client side (--client-netns) */
	void (*run)(const struct doctor *d, struct doctor_result *r);
};

/* The checks, in the order they run; *n gets their number.  A constant
 * table. */
const struct doctor_check *doctor_check_table(size_t *n);

/* api.c: GET a path of the meeting server's REST API (XML).  Returns the
 * HTTP status (0 when no answer, with err) and the body (owned). */
int doctor_api_get(const struct doctor *d, const char *path, char **body, char *err, size_t errlen);
/* The text of the first <tag>...</tag> after from, or NULL (newly allocated). */
char *doctor_xml_text(const char *from, const char *tag);

#endif
