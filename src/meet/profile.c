/*
 * profile.c: callLegProfiles and their precedence (profile.h).  Loop thread.
 */
#include <stddef.h>
#include <string.h>

#include "meet/profile.h"

static const struct {
	const char *name;
	size_t off;
	int dflt;
} bools[] = {
#define B(n, d) { #n, offsetof(struct meet_leg_profile, n), d }
	B(needsActivation, 0), B(changeLayoutAllowed, 1), B(rxAudioMute, 0), B(rxVideoMute, 0),
	B(txAudioMute, 0), B(muteSelfAllowed, 1), B(muteOthersAllowed, 1), B(callLockAllowed, 1),
	B(presentationContributionAllowed, 1), B(chatContributionAllowed, 1), B(endCallAllowed, 1),
#undef B
};

/* The callLegProfile object (new ref) an object refers to, or NULL. */
static GHashTable *
profile_of(struct meet_store *st, const char *id)
{
	GHashTable *o = id && *id ? meet_store_get(st, id) : NULL;
	const char *ref = o ? g_hash_table_lookup(o, "callLegProfile") : NULL;
	GHashTable *p = NULL;

	if (ref && *ref && meet_store_exists(st, "callLegProfiles", ref, NULL))
		p = meet_store_get(st, ref);
	if (o)
		g_hash_table_unref(o);
	return p;
}

/* Levels set the parameters they hold; applied least specific first. */
static void
profile_apply(struct meet_leg_profile *out, GHashTable *p)
{
	const char *v;

	if (!p)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++)
		if ((v = g_hash_table_lookup(p, bools[i].name)))
			*(int *)((char *)out + bools[i].off) = !strcmp(v, "true");
	if ((v = g_hash_table_lookup(p, "deactivationMode")))
		g_strlcpy(out->deactivationMode, v, sizeof(out->deactivationMode));
	if ((v = g_hash_table_lookup(p, "defaultLayout")))
		g_strlcpy(out->defaultLayout, v, sizeof(out->defaultLayout));
	g_hash_table_unref(p);
}

void
meet_profile_leg(struct meet_store *st, const char *space, const char *access_method,
		 struct meet_leg_profile *out)
{
	GHashTable *sp = space && *space ? meet_store_get(st, space) : NULL;
	const char *tenant = sp ? g_hash_table_lookup(sp, "tenant") : NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++)
		*(int *)((char *)out + bools[i].off) = bools[i].dflt;
	g_strlcpy(out->deactivationMode, "deactivate", sizeof(out->deactivationMode));
	g_strlcpy(out->defaultLayout, "automatic", sizeof(out->defaultLayout));
	profile_apply(out, profile_of(st, MEET_PROFILE_SYSTEM_ID));
	profile_apply(out, profile_of(st, tenant));
	profile_apply(out, profile_of(st, space));
	profile_apply(out, profile_of(st, access_method));
	if (sp)
		g_hash_table_unref(sp);
}

char *
meet_profile_json(const struct meet_leg_profile *p)
{
	GString *s = g_string_new("{");

	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++)
		g_string_append_printf(s, "\"%s\":%s,", bools[i].name,
				       *(const int *)((const char *)p + bools[i].off) ? "true" : "false");
	/* Both strings come from the schema's enumerations: no escaping needed. */
	g_string_append_printf(s, "\"deactivationMode\":\"%s\",\"defaultLayout\":\"%s\"}",
			       p->deactivationMode, p->defaultLayout);
	return g_string_free(s, FALSE);
}
