/*
 * edge.h: `portico edge`, the traversal pair (docs/edge.md), the only door
 * into src/edge.
 *
 * One binary, two roles chosen by the configuration ([edge] role):
 *   outside  the DMZ node: guest HTTPS listener (web proxy), traversal
 *            listener the inside node dials, optional embedded TURN server;
 *   inside   dials the outside node, serves guests' requests that arrive
 *            down the tunnel by forwarding them to the web bridge.
 * Everything runs on the caller's thread, on one GLib main loop (the
 * embedded TURN server has its own worker threads, see turn/turn.h).
 */
#ifndef PORTICO_EDGE_H
#define PORTICO_EDGE_H

/* `portico edge -c FILE [--check]` and `portico edge status -c FILE`.
 * Returns the process exit status. */
int edge_main(int argc, char **argv);

#endif
