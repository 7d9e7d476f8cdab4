/*
 * meet.h: `portico meet`, the meeting server (call bridge, web bridge,
 * vendor-compatible REST API).  The only public door of src/meet.
 */
#ifndef PORTICO_MEET_H
#define PORTICO_MEET_H

/* `portico meet [--check] -c FILE [user add NAME]`.  Runs the control-plane
 * main loop on the calling thread until SIGINT/SIGTERM.  Returns the exit
 * status. */
int meet_main(int argc, char **argv);

#endif
