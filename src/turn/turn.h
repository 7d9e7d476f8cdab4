/*
 * turn.h: portico's STUN/TURN server, the only door into src/turn.
 *
 * Used standalone (`portico turn`) and embedded by the outside edge.  The
 * server runs its own worker threads (epoll, one per CPU by default); the
 * caller's thread is the control thread: it creates, reloads and frees the
 * server, and nothing here touches a GLib main loop.
 */
#ifndef PORTICO_TURN_H
#define PORTICO_TURN_H

#include <glib.h>
#include <stddef.h>

struct ini;
struct turn_config;
struct turn_server;

#define TURN_ERR_MAX 4096   /* --check: every problem, one a line */

/* `portico turn [-c FILE] [--check] [status]`. */
int turn_main(int argc, char **argv);

/*
 * Configuration: [turn] and [users] of an INI file (docs/configuration.md).
 * turn_config_load rejects any other section; turn_config_from_ini reads
 * only those two and leaves other sections to an embedding process (the
 * edge).  0 or -1 with err set to "file:line: reason".  Caller owns *out.
 */
int turn_config_load(struct turn_config **out, const char *path, char *err, size_t errlen);
int turn_config_from_ini(struct turn_config **out, const struct ini *ini, char *err, size_t errlen);
void turn_config_free(struct turn_config *cfg);

/*
 * Start: binds every listener and starts the workers.  Takes ownership of
 * cfg (even on failure).  NULL with err set when a socket cannot be bound.
 */
struct turn_server *turn_server_start(struct turn_config *cfg, char *err, size_t errlen);
/*
 * Reload what can change without dropping allocations (users and their
 * passwords).  Takes ownership of cfg.  Existing allocations keep the key
 * they were authenticated with until they end.
 */
int turn_server_reload(struct turn_server *srv, struct turn_config *cfg, char *err, size_t errlen);
/* Prometheus text exposition of the counters (portico_turn_*), appended
 * to out.  Control thread. */
void turn_server_metrics(struct turn_server *srv, GString *out);
/*
 * Active allocations and totals, appended to out as JSON (text != 0: a
 * table for terminals).  Asks each worker for a copy; -ETIMEDOUT when a
 * worker did not answer within 2 s.  Control thread.
 */
int turn_server_status(struct turn_server *srv, int text, GString *out);

/* Stops the workers, closes every socket, frees everything.  NULL-safe. */
void turn_server_stop(struct turn_server *srv);

#endif
