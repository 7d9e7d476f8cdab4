/*
 * tap.h: a minimal TAP producer for portico's unit tests (meson protocol
 * 'tap').  Header-only; one test program per source module.
 *
 *   ok(cond, "name %d", i);         one assertion, printed as a TAP line
 *   is_int(got, want, "name");      integer equality with both values shown
 *   return tap_done();              plan line and exit status
 *
 * A program that ran no check fails: a test that can never fail is no test.
 */
#ifndef PORTICO_TAP_H
#define PORTICO_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...) do { \
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
	if (!ok(tap_g_ == tap_w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld (%s:%d)\n", tap_g_, tap_w_, __FILE__, __LINE__); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *tap_g_ = (got), *tap_w_ = (want); \
	if (!ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, __VA_ARGS__)) \
		printf("#   got \"%s\", want \"%s\" (%s:%d)\n", tap_g_ ? tap_g_ : "(null)", \
		       tap_w_ ? tap_w_ : "(null)", __FILE__, __LINE__); \
} while (0)

__attribute__((unused))
static int tap_done(void)
{
	if (tap_n == 0) {
		printf("1..0\n# no check ran: a test must check something\n");
		return 1;
	}
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
