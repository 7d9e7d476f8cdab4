/*
 * doctor.h: `portico doctor`, diagnosis of a deployment (a `portico lab`
 * or real nodes): one PASS/FAIL/SKIP line per check with the cause and the
 * fix.  The only door of src/doctor.
 */
#ifndef PORTICO_DOCTOR_H
#define PORTICO_DOCTOR_H

/* `portico doctor [--lab DIR | --outside F --inside F --meet F --api URL ...]`.
 * Blocking, on the calling thread.  Returns 0 when nothing failed, 1 when
 * a check failed, 2 on a usage error. */
int doctor_main(int argc, char **argv);

#endif
