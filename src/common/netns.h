/*
 * netns.h: netns_enter, moving the calling thread between Linux network
 * namespaces, for probes that must look from one side of a
 * `portico lab --netns` (lab's seeding, doctor's checks).  No GLib.
 */
#ifndef PORTICO_NETNS_H
#define PORTICO_NETNS_H

/* Moves the CALLING THREAD into network namespace ns (/run/netns/<ns>),
 * or back to the one it was in before the first switch when ns is NULL.
 * The way back is remembered per thread (thread-local), so threads do not
 * share it.  0, or -1 (errno set).  Needs CAP_SYS_ADMIN. */
int netns_enter(const char *ns);

#endif
