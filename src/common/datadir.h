/*
 * datadir.h: where portico finds its data and puts its state and sockets,
 * the same answer for every subcommand.
 *
 * Data (the guest app, web/): $PORTICO_WEB_ROOT, else $PORTICO_DATADIR/web,
 * else the source tree's web/ when this binary runs from the build
 * directory it was configured in (a developer's build), else the installed
 * place (meson's datadir at configure time, /usr/share/portico/web in the
 * Debian package), else the source tree's web/ if it still exists.
 *
 * State of a role run by hand: $XDG_STATE_HOME/portico/<role>, else
 * ~/.local/state/portico/<role>; for root /var/lib/portico/<role>.
 *
 * Runtime sockets: $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=),
 * else /run/portico when it exists and is writable, else
 * $XDG_RUNTIME_DIR/portico, else /tmp/portico-<uid>.
 *
 * No GLib; any thread; every returned string is malloc'd, the caller frees.
 * NULL only when out of memory.
 */
#ifndef PORTICO_DATADIR_H
#define PORTICO_DATADIR_H

char *datadir_web(void);
char *datadir_state(const char *role);
char *datadir_runtime(void);

/* The default status socket of a configuration: <runtime>/<stem>.sock,
 * stem = the config file's base name without ".conf" (/etc/portico/turn.conf
 * gives turn.sock).  For a server (create = 1) the runtime directory is made
 * (0750).  For a client (create = 0) the first existing socket among the
 * runtime directory candidates, else the server's choice. */
char *datadir_socket(const char *config_path, int create);

/* Is a server accepting on this unix socket?  1 yes, 0 no: a socket file
 * nobody accepts on is stale (a crash, a kill -9) and may be replaced. */
int datadir_socket_live(const char *path);

#endif
