/*
 * handler.c: what the server does with each message from a client (RFC
 * 8489, RFC 8656): indications and ChannelData go to indication.c,
 * requests through one table of methods to the family's file.  Worker
 * thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"
#include "turn/handler.h"

long
turn_handler_frame_length(const struct turn_worker *w, const uint8_t *buf, size_t avail)
{
	uint16_t num;

	if (avail == 0 || (buf[0] >> 6) != 1)
		return stun_frame_length(buf, avail);
	if (avail < 4)
		return 0;
	num = (uint16_t)(buf[0] << 8 | buf[1]);
	if (num > turn_permission_channel_max(w))
		return -1;
	return (long)((4 + (size_t)(buf[2] << 8 | buf[3]) + 3) & ~(size_t)3);
}

/* ------------------------------------------------------------- methods */

static void
do_binding(struct turn_req *r)
{
	const struct stun_attr *cr = stun_msg_get(r->m, STUN_ATTR_CHANGE_REQUEST);
	uint32_t flags = 0;

	if (cr && stun_attr_u32(cr, &flags) == 0 && flags != 0) {
		/* No alternate address: tell RFC 5780 clients we cannot. */
		struct stun_msg *m = (struct stun_msg *)r->m;
		m->unknown[0] = STUN_ATTR_CHANGE_REQUEST;
		m->nunknown = 1;
		turn_response_error(r, 420);
		return;
	}
	turn_response_begin(r, STUN_SUCCESS);
	stun_build_xor_addr(&r->b, STUN_ATTR_XOR_MAPPED_ADDRESS, (const struct sockaddr *)&r->c->remote);
	turn_response_software(r);
	turn_response_send(r);
}

enum { NO_AUTH, AUTH, AUTH_IF_CONFIGURED };

static const struct method_handler {
	uint16_t method;
	int auth;
	int needs_alloc;
	void (*fn)(struct turn_req *r);
} handlers[] = {
	{ STUN_BINDING, AUTH_IF_CONFIGURED, 0, do_binding },
	{ STUN_ALLOCATE, AUTH, 0, turn_allocate_request },
	{ STUN_REFRESH, AUTH, 1, turn_allocate_refresh },
	{ STUN_CREATE_PERMISSION, AUTH, 1, turn_permission_create },
	{ STUN_CHANNEL_BIND, AUTH, 1, turn_permission_channel_bind },
};

static void
handle_request(struct turn_req *r)
{
	const struct method_handler *h = NULL;

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].method == r->m->method)
			h = &handlers[i];
	if (turn_response_replay(r->w, r->c, r->m->tid))
		return;
	if (!h) {
		turn_response_error(r, 400);
		return;
	}
	if ((h->auth == AUTH || (h->auth == AUTH_IF_CONFIGURED && r->w->cfg->binding_auth)) &&
	    turn_credentials_check(r) < 0)
		return;
	if (r->m->nunknown) {
		turn_response_error(r, 420);
		return;
	}
	if (h->needs_alloc && !r->a) {
		turn_response_error(r, 437);
		return;
	}
	h->fn(r);
}

void
turn_handler_client_data(struct turn_worker *w, const struct client *c, uint8_t *buf, size_t len)
{
	struct stun_msg m;
	struct turn_req r;

	if (len >= 4 && (buf[0] >> 6) == 1) {
		turn_indication_channel(w, c, buf, len);
		return;
	}
	if (stun_parse(&m, buf, len) < 0) {
		turn_worker_count(w, STAT_DROP_MALFORMED);
		turn_response_malformed(w, c, buf, len);
		return;
	}
	if (m.fp >= 0 && stun_check_fingerprint(&m) != 0) {
		turn_worker_count(w, STAT_DROP_MALFORMED);    /* not STUN after all, or damaged: silently dropped */
		return;
	}
	if (m.cls == STUN_INDICATION) {
		if (m.method == STUN_SEND)
			turn_indication_send(w, c, &m);
		else
			turn_worker_count(w, STAT_DROP_NOT_REQUEST);
		return;
	}
	if (m.cls != STUN_REQUEST) {
		turn_worker_count(w, STAT_DROP_NOT_REQUEST);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.c = c;
	r.m = &m;
	r.a = turn_alloc_lookup(w, c);
	handle_request(&r);
}
