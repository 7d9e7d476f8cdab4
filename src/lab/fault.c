/*
 * fault.c: lab_fault_*, the seed's failures the lab can put in on purpose
 * (`portico lab --break NAME`): each is what doctor must name.  No state.
 */
#include <string.h>

#include "lab/lab-internal.h"

static const struct {
	const char *name;
	enum lab_fault fault;
} faults[] = {
	{ "none", LAB_FAULT_NONE },
	{ "guest-uri", LAB_FAULT_GUEST_URI },      /* the seed's "Bad Request" */
	{ "self-signed", LAB_FAULT_SELF_SIGNED },  /* the seed's "not secure" */
	{ "expired", LAB_FAULT_EXPIRED },          /* ... another way */
	{ "trust", LAB_FAULT_TRUST },              /* the seed's missing "Join call" */
	{ "turn-password", LAB_FAULT_TURN_PASSWORD },  /* the seed's timed-out call */
	{ "tunnel", LAB_FAULT_TUNNEL },
	{ "dns", LAB_FAULT_DNS },
};

int
lab_fault_parse(const char *name, enum lab_fault *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(faults); i++)
		if (!strcmp(name, faults[i].name)) {
			*out = faults[i].fault;
			return 0;
		}
	return -1;
}

const char *
lab_fault_name(enum lab_fault f)
{
	for (size_t i = 0; i < G_N_ELEMENTS(faults); i++)
		if (faults[i].fault == f)
			return faults[i].name;
	return "?";
}

const char *
lab_fault_list(void)
{
	return "guest-uri, self-signed, expired, trust, turn-password, tunnel, dns";
}
