/*
 * callbridge-api.c: the call bridge as the REST API sees it (callbridge.h):
 * ids, rendering, deletes and POST /calls.  Loop thread only.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/cdr.h"
#include "meet/link.h"

/* Live leg parameters settable with PUT, rendered under <configuration>. */
static const struct {
	const char *name;
	size_t off;
} leg_flags[] = {
	{ "rxAudioMute", offsetof(struct meet_leg_profile, rxAudioMute) },
	{ "rxVideoMute", offsetof(struct meet_leg_profile, rxVideoMute) },
	{ "txAudioMute", offsetof(struct meet_leg_profile, txAudioMute) },
	{ "needsActivation", offsetof(struct meet_leg_profile, needsActivation) },
};

GPtrArray *
meet_cb_call_ids(struct meet_callbridge *cb, const char *cospace)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < cb->call_order->len; i++) {
		struct call *c = g_hash_table_lookup(cb->calls, g_ptr_array_index(cb->call_order, i));
		if (c && (!cospace || !g_strcmp0(c->cospace, cospace)))
			g_ptr_array_add(out, g_strdup(c->id));
	}
	return out;
}

static void
text_uint(struct meet_node *n, const char *name, gint64 v)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, v);
	meet_node_text(n, name, buf);
}

int
meet_cb_call_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent, int full)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);
	struct meet_node *n;

	if (!c)
		return -1;
	if (!parent)
		return 0;           /* an existence probe */
	n = meet_node_add(parent, "call");
	meet_node_attr(n, "id", c->id);
	meet_node_text(n, "name", c->name);
	if (c->cospace)
		meet_node_text(n, "coSpace", c->cospace);
	text_uint(n, "callCorrelator", c->number);
	if (!full)
		return 0;
	meet_node_text(n, "callType", "coSpace");
	text_uint(n, "durationSeconds", (g_get_monotonic_time() - c->started) / G_USEC_PER_SEC);
	text_uint(n, "numCallLegs", c->legs->len);
	text_uint(n, "numParticipantsLocal", c->legs->len);
	meet_node_text(n, "activeWhenEmpty", c->active_when_empty ? "true" : "false");
	meet_node_text(n, "locked", c->locked ? "true" : "false");
	return 0;
}

static int
leg_matches(struct leg *l, const char *filter)
{
	char *f, *a, *b;
	int hit;

	if (!filter || !*filter)
		return 1;
	f = g_utf8_casefold(filter, -1);
	a = g_utf8_casefold(l->name, -1);
	b = g_utf8_casefold(l->jid, -1);
	hit = strstr(a, f) || strstr(b, f);
	g_free(f);
	g_free(a);
	g_free(b);
	return hit;
}

GPtrArray *
meet_cb_leg_ids(struct meet_callbridge *cb, const char *call, const char *filter)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < cb->call_order->len; i++) {
		struct call *c = g_hash_table_lookup(cb->calls, g_ptr_array_index(cb->call_order, i));
		if (!c || (call && strcmp(call, c->id)))
			continue;
		for (guint j = 0; j < c->legs->len; j++) {
			struct leg *l = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, j));
			if (l && leg_matches(l, filter))
				g_ptr_array_add(out, g_strdup(l->id));
		}
	}
	return out;
}

static void
text_double(struct meet_node *n, const char *name, double v)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%.1f", v);
	meet_node_text(n, name, buf);
}

/* The vendor's rxAudio/txAudio/rxVideo/txVideo elements. */
static void
leg_dir_render(struct meet_node *st, const char *name, const struct media_dir_stats *d, int video)
{
	struct meet_node *n;

	if (!*d->codec)
		return;
	n = meet_node_add(st, name);
	meet_node_text(n, "codec", d->codec);
	if (video && d->width && d->height) {
		text_uint(n, "width", d->width);
		text_uint(n, "height", d->height);
	}
	if (video)
		text_double(n, "frameRate", d->frame_rate);
	text_uint(n, "bitRate", d->bitrate);
	text_double(n, "packetLossPercentage", d->loss_percent);
	text_double(n, "jitter", d->jitter_ms);
}

int
meet_cb_participant_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent,
			   int full)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	struct meet_node *n;

	if (!l)
		return -1;
	if (!parent)
		return 0;           /* an existence probe */
	n = meet_node_add(parent, "participant");
	meet_node_attr(n, "id", l->id);
	meet_node_text(n, "name", l->name);
	meet_node_text(n, "call", l->call);
	if (full) {
		meet_node_text(n, "numCallLegs", "1");
		meet_node_text(n, "activated", l->waiting ? "false" : "true");
	}
	return 0;
}

int
meet_cb_leg_render(struct meet_callbridge *cb, const char *id, struct meet_node *parent, int full)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	struct meet_node *n, *st;

	if (!l)
		return -1;
	n = meet_node_add(parent, "callLeg");
	meet_node_attr(n, "id", l->id);
	meet_node_text(n, "name", l->name);
	meet_node_text(n, "remoteParty", l->jid);
	meet_node_text(n, "call", l->call);
	if (!full)
		return 0;
	meet_node_text(n, "type", "acano");
	meet_node_text(n, "subType", "webApp");
	meet_node_text(n, "direction", "incoming");
	{
		struct meet_node *cf = meet_node_add(n, "configuration");
		for (size_t i = 0; i < G_N_ELEMENTS(leg_flags); i++)
			meet_node_text(cf, leg_flags[i].name,
				       *(const int *)((const char *)&l->prof + leg_flags[i].off) ? "true" : "false");
		meet_node_text(cf, "deactivationMode", l->prof.deactivationMode);
	}
	st = meet_node_add(n, "status");
	meet_node_text(st, "state", l->media_state < 0 ? "failed" : l->media_state ? "connected"
										 : "initial");
	text_uint(st, "durationSeconds", (g_get_monotonic_time() - l->started) / G_USEC_PER_SEC);
	meet_node_text(st, "encryptedMedia", l->st.encrypted ? "true" : "false");
	if (*l->st.srtp_profile)
		meet_node_text(st, "srtpProfile", l->st.srtp_profile);
	/* rx = what the guest sends us; tx = what we forward to the guest. */
	leg_dir_render(st, "rxAudio", &l->st.rx_audio, 0);
	leg_dir_render(st, "txAudio", &l->st.tx_audio, 0);
	leg_dir_render(st, "rxVideo", &l->st.rx_video, 1);
	leg_dir_render(st, "txVideo", &l->st.tx_video, 1);
	return 0;
}

/* reason is what the page shows: "disconnected" (removed), "callEnded". */
static int
leg_drop(struct meet_callbridge *cb, const char *id, const char *reason)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	GHashTable *m;

	if (!l)
		return -1;
	m = meet_link_msg();
	meet_link_set(m, "session", l->session);
	meet_link_set(m, "reason", reason);
	meet_cb__reply(cb, "disconnect", m);
	meet_cb__leg_remove(cb, l, "disconnected through the API");
	return 0;
}

int
meet_cb_leg_delete(struct meet_callbridge *cb, const char *id)
{
	return leg_drop(cb, id, "disconnected");
}

/* ---- live changes: PUT and the hosts' moderation ----------------------- */

static void
leg_tell_mute(struct meet_callbridge *cb, struct leg *l, const char *kind, int on)
{
	char *msg = g_strdup_printf("{\"type\":\"muted\",\"kind\":\"%s\",\"on\":%s}", kind,
				    on ? "true" : "false");

	meet_cb__send_page(cb, l, msg);
	g_free(msg);
}

int
meet_cb_leg_set(struct meet_callbridge *cb, const char *id, const char *name, const char *value)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	struct call *c = l ? g_hash_table_lookup(cb->calls, l->call) : NULL;
	int on = !g_strcmp0(value, "true");

	if (!l || !c)
		return -1;
	if (!*name)
		return 0;           /* an existence probe */
	if (!strcmp(name, "chosenLayout")) {
		char *msg = g_strdup_printf("{\"type\":\"layout\",\"layout\":\"%s\"}", value);
		meet_cb__send_page(cb, l, msg);   /* value is one of the schema's layouts */
		g_free(msg);
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(leg_flags); i++) {
		if (strcmp(name, leg_flags[i].name))
			continue;
		*(int *)((char *)&l->prof + leg_flags[i].off) = on;
		break;
	}
	meet_event(PLOG_INFO, "call %u: %s %s=%s", l->call_number, l->jid, name, on ? "true" : "false");
	if (!strcmp(name, "rxAudioMute") || !strcmp(name, "rxVideoMute")) {
		meet_cb__media_gate(cb, l);
		leg_tell_mute(cb, l, name[2] == 'A' ? "audio" : "video", on);
	} else if (!strcmp(name, "needsActivation")) {
		if (!on)
			meet_cb__leg_activate(cb, c, l);
	}
	return 0;
}

int
meet_cb_call_legs_set(struct meet_callbridge *cb, const char *id, const char *name, const char *value)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);
	GPtrArray *ids;

	if (!c)
		return -1;
	ids = meet_cb_leg_ids(cb, id, NULL);
	for (guint i = 0; i < ids->len; i++)
		meet_cb_leg_set(cb, g_ptr_array_index(ids, i), name, value);
	g_ptr_array_unref(ids);
	return 0;
}

int
meet_cb_call_set(struct meet_callbridge *cb, const char *id, const char *name, const char *value)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);

	if (!c)
		return -1;
	if (!strcmp(name, "locked")) {
		c->locked = !g_strcmp0(value, "true");
		meet_event(PLOG_INFO, "call %u: %s", c->number, c->locked ? "locked" : "unlocked");
	}
	return 0;
}

/* A page's {"type":"moderate","action","leg","on"}: only an activator leg
 * whose profile allows it; anything else is refused and logged. */
void
meet_cb__moderate(struct meet_callbridge *cb, struct leg *l, const char *action, const char *target,
		  int on)
{
	struct leg *t = g_hash_table_lookup(cb->legs, target);
	int host = !l->prof.needsActivation && !l->waiting;
	int ok = 0;

	if (!strcmp(action, "mute") && host && l->prof.muteOthersAllowed && t &&
	    !strcmp(t->call, l->call))
		ok = meet_cb_leg_set(cb, t->id, "rxAudioMute", on ? "true" : "false") == 0;
	else if (!strcmp(action, "muteAll") && host && l->prof.muteOthersAllowed) {
		GPtrArray *ids = meet_cb_leg_ids(cb, l->call, NULL);
		for (guint i = 0; i < ids->len; i++)
			if (strcmp(g_ptr_array_index(ids, i), l->id))
				meet_cb_leg_set(cb, g_ptr_array_index(ids, i), "rxAudioMute", "true");
		g_ptr_array_unref(ids);
		ok = 1;
	} else if (!strcmp(action, "remove") && host && l->prof.endCallAllowed && t && t != l &&
		   !strcmp(t->call, l->call))
		ok = leg_drop(cb, t->id, "removedByHost") == 0;
	else if (!strcmp(action, "lock") && host && l->prof.callLockAllowed)
		ok = meet_cb_call_set(cb, l->call, "locked", on ? "true" : "false") == 0;
	if (!ok) {
		meet_event(PLOG_WARN, "call %u: moderation \"%s\" by %s refused", l->call_number, action, l->jid);
		meet_cb__send_page(cb, l, "{\"type\":\"refused\",\"what\":\"moderate\"}");
	}
}

int
meet_cb_call_delete(struct meet_callbridge *cb, const char *id)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);

	if (!c)
		return -1;
	c->active_when_empty = 1;   /* no recursion from the last leg */
	while (c->legs->len > 0)
		leg_drop(cb, g_ptr_array_index(c->legs, 0), "callEnded");
	meet_event(PLOG_INFO, "call %u: ended", c->number);
	meet_cdr_call(cb->srv->cdr, "callEnd", c);
	for (guint i = 0; i < cb->call_order->len; i++)
		if (!strcmp(g_ptr_array_index(cb->call_order, i), id)) {
			g_ptr_array_remove_index(cb->call_order, i);
			break;
		}
	g_hash_table_remove(cb->calls, c->id);
	return 0;
}

char *
meet_cb_call_create(struct meet_callbridge *cb, const char *cospace, const char *name,
		    const char **reason)
{
	GHashTable *obj = NULL;
	struct call *c;

	if (cospace) {
		obj = meet_store_get(cb->srv->store, cospace);
		if (!obj || !meet_store_exists(cb->srv->store, "coSpaces", cospace, NULL)) {
			if (obj)
				g_hash_table_unref(obj);
			*reason = "coSpaceDoesNotExist";
			return NULL;
		}
		name = g_hash_table_lookup(obj, "name");
	}
	c = meet_cb__call_for_space(cb, cospace, name);
	c->active_when_empty = 1;
	if (obj)
		g_hash_table_unref(obj);
	return g_strdup(c->id);
}

void
meet_cb_space_gone(struct meet_callbridge *cb, const char *cospace)
{
	GPtrArray *ids = meet_cb_call_ids(cb, cospace);

	for (guint i = 0; i < ids->len; i++)
		meet_cb_call_delete(cb, g_ptr_array_index(ids, i));
	g_ptr_array_unref(ids);
}

void
meet_cb_stats(struct meet_callbridge *cb, unsigned *calls, unsigned *legs, unsigned *max_legs,
	      unsigned *completed)
{
	*calls = g_hash_table_size(cb->calls);
	*legs = g_hash_table_size(cb->legs);
	*max_legs = cb->max_legs;
	*completed = cb->completed;
}

void
meet_cb_totals(struct meet_callbridge *cb, struct meet_cb_totals *t)
{
	GHashTableIter it;
	gpointer v;

	memset(t, 0, sizeof(*t));
	g_hash_table_iter_init(&it, cb->legs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct leg *l = v;
		t->connected += l->media_state > 0;
		t->rx_packets += (uint64_t)l->st.rx_audio.packets + l->st.rx_video.packets;
		t->tx_packets += (uint64_t)l->st.tx_audio.packets + l->st.tx_video.packets;
		t->tx_bitrate += (uint64_t)l->st.tx_audio.bitrate + l->st.tx_video.bitrate;
	}
	media_engine_counters(cb->media, &t->sfu);
}
