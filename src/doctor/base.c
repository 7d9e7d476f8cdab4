/*
 * base.c: what every file of src/doctor uses (doctor-internal.h): the
 * result setter behind doctor_pass, doctor_skip and doctor_fail, and
 * config lookups.  Uses nothing else of doctor, so doctor.c, checks.c and
 * resolve.c all stand on it without reaching each other.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor-internal.h"

void
doctor_result(struct doctor_result *r, enum doctor_status s, const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->cause, sizeof(r->cause), fmt, ap);
	va_end(ap);
	g_strlcpy(r->fix, fix ? fix : "", sizeof(r->fix));
}

const char *
doctor_ini_get(const struct ini *ini, const char *section, const char *key)
{
	for (unsigned i = 0; i < ini->n; i++)
		if (!strcmp(ini->entries[i].section, section) && !strcmp(ini->entries[i].key, key))
			return ini->entries[i].value;
	return NULL;
}
