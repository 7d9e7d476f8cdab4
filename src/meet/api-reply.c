/*
 * api-reply.c: the API's answers (the vendor's XML, or JSON on request),
 * its failureDetails bodies, and the checks every route shares on the
 * query string (allowed names, offset/limit paging).  Loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include "meet/api-internal.h"

void
api_render(struct api_out *out, int json, unsigned status, struct meet_node *n)
{
	g_free(out->body);
	out->body = json ? meet_node_json(n) : meet_node_xml(n);
	out->body_len = strlen(out->body);
	out->content_type = json ? "application/json" : "text/xml";
	out->status = status;
	meet_node_free(n);
}

void
api_reply_node(struct req *r, unsigned status, struct meet_node *n)
{
	api_render(r->out, r->json, status, n);
}

void
api_reply_fail(struct req *r, unsigned status, const char *reason)
{
	struct meet_node *n = meet_node_new("failureDetails");

	meet_node_add(n, reason);
	api_reply_node(r, status, n);
}

void
api_reply_param(struct req *r, const char *param, const char *error)
{
	struct meet_node *n = meet_node_new("failureDetails");
	struct meet_node *e = meet_node_add(n, "parameterError");

	meet_node_attr(e, "parameter", param);
	meet_node_attr(e, "error", error);
	api_reply_node(r, 400, n);
}

/* A status without a body (405, 429, 401). */
void
api_reply_status(struct req *r, unsigned status)
{
	g_clear_pointer(&r->out->body, g_free);
	r->out->body_len = 0;
	r->out->content_type = NULL;
	r->out->status = status;
}

void
api_reply_ok(struct req *r, const char *location)
{
	api_reply_status(r, 200);
	g_free(r->out->location);
	r->out->location = g_strdup(location);
}

const char *
api_form_error_word(int rc)
{
	switch (rc) {
	case MEET_FORM_DUPLICATE: return "duplicateParameter";
	case MEET_FORM_TOO_LONG: return "valueTooLong";
	case MEET_FORM_TOO_MANY: return "tooManyParameters";
	default: return "invalidValue";
	}
}

int
api_names_check(struct req *r, const struct meet_form *form, const char *const *allowed)
{
	for (unsigned i = 0; i < form->n; i++) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, form->f[i].name))
			a++;
		if (!*a) {
			api_reply_param(r, form->f[i].name, "unrecognizedParameter");
			return -1;
		}
	}
	return 0;
}

int
api_query_check(struct req *r, const char *const *allowed)
{
	return api_names_check(r, &r->query, allowed);
}

int
api_paging(struct req *r, long *offset, long *limit)
{
	const char *names[] = { "offset", "limit" };
	long *out[] = { offset, limit };

	*offset = 0;
	*limit = (long)r->srv->cfg.page_cap;
	for (int i = 0; i < 2; i++) {
		const char *v = meet_form_get(&r->query, names[i]);
		char *end = NULL;
		if (!v)
			continue;
		/* Digits only: strtol would take "  1" and "+1". */
		long n = g_ascii_isdigit(*v) ? strtol(v, &end, 10) : -1;
		if (n < 0 || *end || strlen(v) > 9) {
			api_reply_param(r, names[i], "invalidValue");
			return -1;
		}
		*out[i] = n;
	}
	if (*limit > (long)r->srv->cfg.page_cap)
		*limit = (long)r->srv->cfg.page_cap;
	return 0;
}

void
api_text_long(struct meet_node *n, const char *name, long long v)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%lld", v);
	meet_node_text(n, name, buf);
}
