/*
 * api.c: doctor_api_get and doctor_xml_text: the meeting server's REST API
 * as an administrator sees it (HTTPS, Basic auth), and the few XML leaves
 * doctor reads from its answers (flat, vendor-style XML: no parser needed).
 */
#include <stdio.h>
#include <string.h>

#include "doctor/doctor-internal.h"
#include "httpc/httpc.h"

int
doctor_api_get(const struct doctor *d, const char *path, char **body, char *err, size_t errlen)
{
	char *full = g_strdup_printf("/api/v1%s", path);
	struct httpc_req q = {
		.addr = d->api_host, .port = d->api_port, .tls = 1, .name = d->api_name,
		.ca_file = d->ca, .verify = 0, .path = full, .user = d->api_user,
		.password = d->api_password, .timeout_ms = d->timeout_ms * 3,
	};
	struct httpc_resp r = { 0 };
	int status = 0;

	*body = NULL;
	if (!d->api_host || !d->api_user) {
		snprintf(err, errlen, "no admin API given (--api, --api-user, --api-password-file)");
	} else if (httpc_request(&q, &r) < 0) {
		snprintf(err, errlen, "the admin API at %s:%d does not answer: %s", d->api_host,
			 d->api_port, r.err);
	} else {
		status = r.status;
		*body = g_strdup(r.body->str);
		if (status == 401)
			snprintf(err, errlen, "the admin API refuses user %s (401)", d->api_user);
	}
	httpc_resp_clear(&r);
	g_free(full);
	return status;
}

char *
doctor_xml_text(const char *from, const char *tag)
{
	char *open = g_strdup_printf("<%s>", tag), *close = g_strdup_printf("</%s>", tag);
	const char *a = from ? strstr(from, open) : NULL;
	const char *b = a ? strstr(a, close) : NULL;
	char *out = NULL;

	if (b)
		out = g_strndup(a + strlen(open), (gsize)(b - a - strlen(open)));
	g_free(open);
	g_free(close);
	return out;
}
