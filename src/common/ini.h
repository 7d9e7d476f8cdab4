/*
 * ini.h: portico's configuration file format, and table-driven validation.
 *
 * Why not GKeyFile: operators' configs (and the issues' examples) use
 * repeatable keys ("listen" twice), inline "; comments" after values, and
 * every error must name file:line; GKeyFile has none of the three.
 *
 * Syntax: "[section]", "key = value", full-line comments starting with ';'
 * or '#', inline comments starting with " ;" or " #" (whitespace before).
 * Values are trimmed; a value may be empty.  Keys: [A-Za-z0-9_.@-].
 * Bounds: file INI_MAX_FILE bytes, lines INI_MAX_LINE, INI_MAX_ENTRIES keys.
 *
 * No GLib; any thread; the parsed struct ini is owned by the caller.
 */
#ifndef PORTICO_INI_H
#define PORTICO_INI_H

#include <stddef.h>

#define INI_MAX_FILE (1u << 20)
#define INI_MAX_LINE 4096
#define INI_MAX_ENTRIES 10000
#define INI_ERR_MAX 512

struct ini_entry {
	const char *section;   /* "" before the first [section] */
	const char *key;
	const char *value;
	unsigned line;
};

struct ini {
	char *name;            /* file name used in messages */
	char *text;            /* owned copy; entries point into it */
	struct ini_entry *entries;
	unsigned n;
};

/* Parse text (len bytes, need not be NUL-terminated).  On error returns -1
 * and writes "name:line: what is wrong" to err; ini is then empty. */
int ini_parse(struct ini *ini, const char *name, const char *text, size_t len,
	      char *err, size_t errlen);
/* Read and parse a file.  -1 with err set on I/O or syntax error. */
int ini_load(struct ini *ini, const char *path, char *err, size_t errlen);
void ini_free(struct ini *ini);
/* Does the file have this section at all? */
int ini_has_section(const struct ini *ini, const char *section);

/*
 * Validation table.  For each entry of the file, the first row whose
 * section matches and whose key matches (key "*" matches any key) gets
 * set(ctx, key, value, err, errlen) called; set returns 0 or -1 with err
 * set to a sentence (without file:line, which ini_apply adds).
 * A key not in the table, a section not in the table, or a second
 * occurrence of a key without INI_REPEAT is an error naming file:line.
 */
enum { INI_REPEAT = 1 };

struct ini_key {
	const char *section;
	const char *key;
	int (*set)(void *ctx, const char *key, const char *value, char *err, size_t errlen);
	unsigned flags;
};

int ini_apply(const struct ini *ini, const struct ini_key *table, size_t ntable,
	      void *ctx, char *err, size_t errlen);
/* ini_apply reports every problem of the file, not only the first: one
 * "file:line: key: what is wrong" a line, as many as fit in err (--check
 * prints them all).  ini_err_append adds one such line to err. */
__attribute__((format(printf, 3, 4)))
void ini_err_append(char *err, size_t errlen, const char *fmt, ...);

/* Value helpers for set() functions: 0 or -1 with err set. */
int ini_parse_uint(const char *value, unsigned long min, unsigned long max,
		   unsigned long *out, char *err, size_t errlen);
int ini_parse_bool(const char *value, int *out, char *err, size_t errlen);
/* "a-b" with min <= a <= b <= max. */
int ini_parse_range(const char *value, unsigned long min, unsigned long max,
		    unsigned long *lo, unsigned long *hi, char *err, size_t errlen);

#endif
