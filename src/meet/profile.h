/*
 * profile.h: the effective callLegProfile of a guest's leg.  Loop thread
 * (reads the store).
 */
#ifndef PORTICO_MEET_PROFILE_H
#define PORTICO_MEET_PROFILE_H

#include "meet/meet-internal.h"

/* Store id of the system-level profiles object (system/profiles): its
 * callLegProfile and callProfile refs. */
#define MEET_PROFILE_SYSTEM_ID "system-profiles"

/* The vendor's callLegProfile parameters the call bridge and the page act on. */
struct meet_leg_profile {
	int needsActivation, changeLayoutAllowed, rxAudioMute, rxVideoMute, txAudioMute,
	    muteSelfAllowed, muteOthersAllowed, callLockAllowed,
	    presentationContributionAllowed, chatContributionAllowed, endCallAllowed;
	char deactivationMode[16];      /* deactivate | disconnect | remainActivated */
	char defaultLayout[32];
};

/* Fills *out for a leg of space (coSpace id) that came in through
 * access_method (accessMethod id, or NULL/"" for the space's own call ID).
 * Per parameter, the most specific level that sets it wins: access method,
 * coSpace, the space's tenant, system/profiles; unset everywhere = the
 * vendor's default (no activation needed, everything allowed). */
void meet_profile_leg(struct meet_store *st, const char *space, const char *access_method,
		      struct meet_leg_profile *out);
/* The profile as a JSON object text with the vendor's parameter names
 * (g_free): what the page gets as "profile" in its welcome message. */
char *meet_profile_json(const struct meet_leg_profile *p);

#endif
