/*
 * permission.c: CreatePermission and ChannelBind (RFC 8656 9, 11): every
 * XOR-PEER-ADDRESS goes through the peer policy (policy.c).  Worker thread
 * only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn/handler-internal.h"

/* ------------------------------------------------------------- channels */


/* Decode and judge one XOR-PEER-ADDRESS: 0 with *canon set, or an error code. */
static int
peer_ok(struct turn_req *r, const struct stun_attr *pa, struct sockaddr_storage *canon)
{
	struct sockaddr_storage peer;
	const char *why;
	char ps[ADDR_STRLEN], cs[ADDR_STRLEN + 8];

	if (stun_attr_xor_addr(r->m, pa, &peer) < 0)
		return 400;
	switch (turn_policy_check(r->w->cfg, r->a->families, &peer, canon, &why)) {
	case TURN_PEER_OK:
		return 0;
	case TURN_PEER_FAMILY:
		return 443;
	case TURN_PEER_DENIED:
	default:
		turn_worker_count(r->w, STAT_PEER_DENIED);
		plog(PLOG_WARN, "turn", "%s refused: peer %s is not allowed (%s): user=%s client=%s",
		     stun_method_name(r->m->method), addr_str(&peer, ps, 0), why, r->a->user,
		     turn_alloc_client_str(r->c, cs));
		return 403;
	}
}

#define MAX_PEERS_PER_REQUEST 32

void
turn_permission_create(struct turn_req *r)
{
	struct sockaddr_storage peers[MAX_PEERS_PER_REQUEST];
	unsigned n = 0;
	int code;

	for (unsigned i = 0; i < r->m->nattrs; i++) {
		const struct stun_attr *at = &r->m->attrs[i];
		if (at->type != STUN_ATTR_XOR_PEER_ADDRESS)
			continue;
		if (n == MAX_PEERS_PER_REQUEST) {
			turn_response_error(r, 400);
			return;
		}
		if ((code = peer_ok(r, at, &peers[n++])) != 0) {
			turn_response_error(r, code);   /* all or nothing (RFC 8656 9.2) */
			return;
		}
	}
	if (n == 0) {
		turn_response_error(r, 400);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (turn_alloc_perm_install(r->a, &peers[i], r->w->now, r->w->cfg->max_permissions) < 0) {
			turn_response_reject_log(r, PLOG_WARN, "too many permissions on this allocation (max-permissions)");
			turn_response_error(r, 508);
			return;
		}
	turn_response_begin(r, STUN_SUCCESS);
	turn_response_software(r);
	turn_response_send(r);
}

void
turn_permission_channel_bind(struct turn_req *r)
{
	const struct stun_attr *cn = stun_msg_get(r->m, STUN_ATTR_CHANNEL_NUMBER);
	const struct stun_attr *pa = stun_msg_get(r->m, STUN_ATTR_XOR_PEER_ADDRESS);
	struct sockaddr_storage peer;
	uint16_t num;
	int code;

	if (!cn || !pa || stun_attr_channel(cn, &num) < 0) {
		turn_response_reject_log(r, PLOG_INFO, "ChannelBind needs CHANNEL-NUMBER and XOR-PEER-ADDRESS");
		turn_response_error(r, 400);
		return;
	}
	if (num < STUN_CHANNEL_MIN || num > turn_permission_channel_max(r->w)) {
		char why[160];
		snprintf(why, sizeof(why), "channel number 0x%04x is outside 0x4000-0x%04x%s", num,
			 turn_permission_channel_max(r->w), r->w->cfg->legacy_channels ? "" :
			 " (RFC 8656; RFC 5766 clients need legacy-channels = yes)");
		turn_response_reject_log(r, PLOG_WARN, why);
		turn_response_error(r, 400);
		return;
	}
	if ((code = peer_ok(r, pa, &peer)) != 0) {
		turn_response_error(r, code);
		return;
	}
	if (turn_alloc_chan_bind(r->a, num, &peer, r->w->now) < 0) {
		turn_response_reject_log(r, PLOG_INFO, "channel number or peer already bound to another");
		turn_response_error(r, 400);
		return;
	}
	if (turn_alloc_perm_install(r->a, &peer, r->w->now, r->w->cfg->max_permissions) < 0) {
		turn_response_error(r, 508);
		return;
	}
	turn_response_begin(r, STUN_SUCCESS);
	turn_response_software(r);
	turn_response_send(r);
}
