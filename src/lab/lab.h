/*
 * lab.h: `portico lab`, the seed's whole deployment on one machine
 * (meeting server, inside edge, outside edge with its TURN server) as
 * child processes of this binary on loopback.  The only door of src/lab.
 */
#ifndef PORTICO_LAB_H
#define PORTICO_LAB_H

/* `portico lab [--state DIR] [--port-base N] [--web-root DIR] [--break F]`.
 * Runs a GLib main loop on the calling thread until SIGINT/SIGTERM or a
 * child's death.  Returns the process exit status. */
int lab_main(int argc, char **argv);

#endif
