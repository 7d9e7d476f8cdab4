/* ini.c: see ini.h. */
#include "common/ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4)))
static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
ini_err_append(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!err || !errlen)
		return;
	used = strnlen(err, errlen);
	if (used + 2 >= errlen)
		return;
	if (used)
		err[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

static int
key_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == '@';
}

static char *
trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

/* Cut an inline comment: ';' or '#' preceded by whitespace. */
static char *
value_end(char *v, char *end)
{
	for (char *p = v; p < end; p++)
		if ((*p == ';' || *p == '#') && (p == v || p[-1] == ' ' || p[-1] == '\t'))
			return p;
	return end;
}

static int
add_entry(struct ini *ini, const char *section, const char *key,
	  const char *value, unsigned line)
{
	struct ini_entry *e;

	if (ini->n >= INI_MAX_ENTRIES)
		return -1;
	if ((ini->n & (ini->n - 1)) == 0) {  /* grow at powers of two */
		size_t cap = ini->n ? ini->n * 2 : 16;
		e = realloc(ini->entries, cap * sizeof(*e));
		if (!e)
			return -1;
		ini->entries = e;
	}
	e = &ini->entries[ini->n++];
	e->section = section;
	e->key = key;
	e->value = value;
	e->line = line;
	return 0;
}

static int
parse_line(struct ini *ini, char *s, char *end, unsigned line,
	   const char **section, char *err, size_t errlen)
{
	char *eq, *key, *value;

	s = trim(s, end);
	end = s + strlen(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		char *close = memchr(s, ']', (size_t)(end - s));
		if (!close || close[1] != '\0') {
			seterr(err, errlen, "%s:%u: malformed section header (expected \"[name]\")",
			       ini->name, line);
			return -1;
		}
		*section = trim(s + 1, close);
		for (const char *p = *section; *p; p++)
			if (!key_char((unsigned char)*p)) {
				seterr(err, errlen, "%s:%u: bad character in section name", ini->name, line);
				return -1;
			}
		return 0;
	}
	eq = memchr(s, '=', (size_t)(end - s));
	if (!eq) {
		seterr(err, errlen, "%s:%u: expected \"key = value\"", ini->name, line);
		return -1;
	}
	key = trim(s, eq);
	if (*key == '\0') {
		seterr(err, errlen, "%s:%u: empty key", ini->name, line);
		return -1;
	}
	for (const char *p = key; *p; p++)
		if (!key_char((unsigned char)*p)) {
			seterr(err, errlen, "%s:%u: bad character in key \"%.64s\"", ini->name, line, key);
			return -1;
		}
	value = eq + 1;
	value = trim(value, value_end(value, end));
	if (add_entry(ini, *section, key, value, line) < 0) {
		seterr(err, errlen, "%s:%u: too many keys (limit %u)", ini->name, line, INI_MAX_ENTRIES);
		return -1;
	}
	return 0;
}

int
ini_parse(struct ini *ini, const char *name, const char *text, size_t len,
	  char *err, size_t errlen)
{
	const char *section = "";
	unsigned line = 0;
	char *p, *end, *next;

	memset(ini, 0, sizeof(*ini));
	ini->name = strdup(name ? name : "config");
	if (!ini->name)
		goto nomem;
	if (len > INI_MAX_FILE) {
		seterr(err, errlen, "%s: file too large (limit %u bytes)", ini->name, INI_MAX_FILE);
		goto fail;
	}
	ini->text = malloc(len + 1);
	if (!ini->text)
		goto nomem;
	memcpy(ini->text, text, len);
	ini->text[len] = '\0';
	if (memchr(ini->text, '\0', len)) {
		seterr(err, errlen, "%s: file contains a NUL byte", ini->name);
		goto fail;
	}
	for (p = ini->text; p < ini->text + len; p = next) {
		end = memchr(p, '\n', (size_t)(ini->text + len - p));
		next = end ? end + 1 : ini->text + len;
		if (!end)
			end = ini->text + len;
		line++;
		if (end - p > INI_MAX_LINE) {
			seterr(err, errlen, "%s:%u: line too long (limit %u)", ini->name, line, INI_MAX_LINE);
			goto fail;
		}
		*end = '\0';
		if (parse_line(ini, p, end, line, &section, err, errlen) < 0)
			goto fail;
	}
	return 0;
nomem:
	seterr(err, errlen, "%s: out of memory", name ? name : "config");
fail:
	ini_free(ini);
	return -1;
}

int
ini_load(struct ini *ini, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd, ret = -1;

	memset(ini, 0, sizeof(*ini));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > INI_MAX_FILE) {
		seterr(err, errlen, "%s: file too large (limit %u bytes)", path, INI_MAX_FILE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	ret = ini_parse(ini, path, buf, got, err, errlen);
out:
	free(buf);
	close(fd);
	return ret;
}

void
ini_free(struct ini *ini)
{
	free(ini->name);
	free(ini->text);
	free(ini->entries);
	memset(ini, 0, sizeof(*ini));
}

int
ini_has_section(const struct ini *ini, const char *section)
{
	for (unsigned i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0)
			return 1;
	return 0;
}

static const struct ini_key *
find_key(const struct ini_key *table, size_t ntable, const struct ini_entry *e,
	 int *section_known)
{
	*section_known = 0;
	for (size_t i = 0; i < ntable; i++) {
		if (strcmp(table[i].section, e->section) != 0)
			continue;
		*section_known = 1;
		if (strcmp(table[i].key, "*") == 0 || strcmp(table[i].key, e->key) == 0)
			return &table[i];
	}
	return NULL;
}

static int
seen_before(const struct ini *ini, unsigned upto, const struct ini_entry *e)
{
	for (unsigned i = 0; i < upto; i++)
		if (strcmp(ini->entries[i].section, e->section) == 0 &&
		    strcmp(ini->entries[i].key, e->key) == 0)
			return (int)ini->entries[i].line;
	return 0;
}

int
ini_apply(const struct ini *ini, const struct ini_key *table, size_t ntable,
	  void *ctx, char *err, size_t errlen)
{
	char why[INI_ERR_MAX];
	int bad = 0;

	if (err && errlen)
		err[0] = '\0';
	for (unsigned i = 0; i < ini->n; i++) {
		const struct ini_entry *e = &ini->entries[i];
		int known, prev;
		const struct ini_key *k = find_key(table, ntable, e, &known);

		bad += !k || (!(k->flags & INI_REPEAT) && seen_before(ini, i, e));
		if (!k) {
			if (*e->section == '\0')
				ini_err_append(err, errlen, "%s:%u: key \"%s\" outside any [section]",
					       ini->name, e->line, e->key);
			else if (!known)
				ini_err_append(err, errlen, "%s:%u: unknown section [%s]",
					       ini->name, e->line, e->section);
			else
				ini_err_append(err, errlen, "%s:%u: unknown key \"%s\" in [%s]",
					       ini->name, e->line, e->key, e->section);
			continue;
		}
		if (!(k->flags & INI_REPEAT) && (prev = seen_before(ini, i, e))) {
			ini_err_append(err, errlen, "%s:%u: \"%s\" in [%s] given twice (first at line %d)",
				       ini->name, e->line, e->key, e->section, prev);
			continue;
		}
		why[0] = '\0';
		if (k->set(ctx, e->key, e->value, why, sizeof(why)) < 0) {
			ini_err_append(err, errlen, "%s:%u: %s: %s", ini->name, e->line, e->key,
				       why[0] ? why : "invalid value");
			bad++;
		}
	}
	return bad ? -1 : 0;
}

int
ini_parse_uint(const char *value, unsigned long min, unsigned long max,
	       unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*value)) {
		seterr(err, errlen, "\"%.64s\" is not a number", value);
		return -1;
	}
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end) {
		seterr(err, errlen, "\"%.64s\" is not a number", value);
		return -1;
	}
	if (v < min || v > max) {
		seterr(err, errlen, "%lu is out of range (%lu-%lu)", v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
ini_parse_bool(const char *value, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	seterr(err, errlen, "\"%.64s\" is not a boolean (yes/no)", value);
	return -1;
}

int
ini_parse_range(const char *value, unsigned long min, unsigned long max,
		unsigned long *lo, unsigned long *hi, char *err, size_t errlen)
{
	char buf[64];
	char *dash;

	if (strlen(value) >= sizeof(buf)) {
		seterr(err, errlen, "range too long");
		return -1;
	}
	strcpy(buf, value);
	dash = strchr(buf, '-');
	if (!dash) {
		seterr(err, errlen, "\"%s\" is not a range (expected low-high)", value);
		return -1;
	}
	*dash = '\0';
	if (ini_parse_uint(trim(buf, dash), min, max, lo, err, errlen) < 0 ||
	    ini_parse_uint(trim(dash + 1, dash + 1 + strlen(dash + 1)), min, max, hi, err, errlen) < 0)
		return -1;
	if (*lo > *hi) {
		seterr(err, errlen, "range %lu-%lu is empty", *lo, *hi);
		return -1;
	}
	return 0;
}
