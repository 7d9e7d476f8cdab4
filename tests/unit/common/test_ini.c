/* Unit tests for src/common/ini.c. */
#include <string.h>

#include "common/ini.h"
#include "tap.h"

struct ctx {
	int listens;
	char last[64];
	unsigned long port;
};

static int
set_listen(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	struct ctx *c = p;
	c->listens++;
	snprintf(c->last, sizeof(c->last), "%s", v);
	return 0;
}

static int
set_port(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return ini_parse_uint(v, 1, 65535, &((struct ctx *)p)->port, err, errlen);
}

static int
set_any(void *p, const char *key, const char *v, char *err, size_t errlen)
{
	return 0;
}

static const struct ini_key keys[] = {
	{ "turn", "listen", set_listen, INI_REPEAT },
	{ "turn", "port", set_port, 0 },
	{ "users", "*", set_any, 0 },
};

static int
apply(const char *text, struct ctx *c, char *err)
{
	struct ini ini;
	int rc;

	memset(c, 0, sizeof(*c));
	if (ini_parse(&ini, "t.conf", text, strlen(text), err, 256) < 0)
		return -1;
	rc = ini_apply(&ini, keys, 3, c, err, 256);
	ini_free(&ini);
	return rc;
}

int
main(void)
{
	struct ctx c;
	char err[256];
	unsigned long lo, hi;
	int b;

	is_int(apply("[turn]\nlisten = a ; comment\nlisten=b\n# c\n; d\nport = 3478\n[users]\nx = y\n", &c, err), 0,
	       "valid file applies");
	is_int(c.listens, 2, "repeatable key seen twice");
	is_str(c.last, "b", "last value kept, inline comment cut");
	is_int(c.port, 3478, "number parsed");

	is_int(apply("[turn]\nport = 1\nport = 2\n", &c, err), -1, "duplicate key rejected");
	ok(strstr(err, "t.conf:3:") != NULL, "duplicate names its line: %s", err);
	is_int(apply("[turn]\n\nbogus = 1\n", &c, err), -1, "unknown key rejected");
	ok(strstr(err, "t.conf:3: unknown key \"bogus\" in [turn]") != NULL, "message: %s", err);
	is_int(apply("[nope]\nk = v\n", &c, err), -1, "unknown section rejected");
	ok(strstr(err, "unknown section [nope]") != NULL, "message: %s", err);
	is_int(apply("k = v\n", &c, err), -1, "key outside a section rejected");
	is_int(apply("[turn]\nport = 70000\n", &c, err), -1, "out of range rejected");
	ok(strstr(err, "t.conf:2: port: 70000 is out of range") != NULL, "message: %s", err);
	is_int(apply("[turn]\nport = 12x\n", &c, err), -1, "not a number rejected");
	is_int(apply("[turn\n", &c, err), -1, "broken section header rejected");
	is_int(apply("[turn]\njust words\n", &c, err), -1, "line without = rejected");
	is_int(apply("[turn]\n = v\n", &c, err), -1, "empty key rejected");
	is_int(apply("[turn]\nlisten = a#b\n", &c, err), 0, "# inside a value is kept");
	is_str(c.last, "a#b", "value with # intact");
	is_int(apply("[turn]\r\nlisten = crlf\r\n", &c, err), 0, "CRLF accepted");
	is_str(c.last, "crlf", "CR trimmed");
	is_int(apply("[users]\nwho = pass word \n", &c, err), 0, "wildcard key");

	{
		char big[INI_MAX_LINE + 32];
		memset(big, 'a', sizeof(big));
		memcpy(big, "[turn]\nlisten = ", 16);
		big[sizeof(big) - 1] = '\0';
		is_int(apply(big, &c, err), -1, "overlong line rejected");
		ok(strstr(err, "line too long") != NULL, "message: %s", err);
	}
	{
		struct ini ini;
		const char nul[] = "[turn]\0listen = x\n";
		is_int(ini_parse(&ini, "n", nul, sizeof(nul) - 1, err, sizeof(err)), -1, "NUL byte rejected");
	}
	is_int(ini_parse_range("24000-29999", 1024, 65535, &lo, &hi, err, sizeof(err)), 0, "range parsed");
	is_int(lo, 24000, "range low");
	is_int(hi, 29999, "range high");
	is_int(ini_parse_range("5000-4000", 1024, 65535, &lo, &hi, err, sizeof(err)), -1, "empty range rejected");
	is_int(ini_parse_range("80-90", 1024, 65535, &lo, &hi, err, sizeof(err)), -1, "range below min rejected");
	is_int(ini_parse_bool("Yes", &b, err, sizeof(err)), 0, "bool yes");
	is_int(b, 1, "yes is 1");
	is_int(ini_parse_bool("off", &b, err, sizeof(err)), 0, "bool off");
	is_int(b, 0, "off is 0");
	is_int(ini_parse_bool("maybe", &b, err, sizeof(err)), -1, "bool maybe rejected");
	return tap_done();
}
