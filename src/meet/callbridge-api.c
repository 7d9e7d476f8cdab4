/*
 * callbridge-api.c: the call bridge as the REST API sees it (callbridge.h):
 * ids, rendering, deletes and POST /calls.  Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/link.h"

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

int
meet_cb_leg_delete(struct meet_callbridge *cb, const char *id)
{
	struct leg *l = g_hash_table_lookup(cb->legs, id);
	GHashTable *m;

	if (!l)
		return -1;
	m = meet_link_msg();
	meet_link_set(m, "session", l->session);
	meet_link_set(m, "reason", "disconnected");
	meet_cb__reply(cb, "disconnect", m);
	meet_cb__leg_remove(cb, l, "disconnected through the API");
	return 0;
}

int
meet_cb_call_delete(struct meet_callbridge *cb, const char *id)
{
	struct call *c = g_hash_table_lookup(cb->calls, id);

	if (!c)
		return -1;
	c->active_when_empty = 1;   /* no recursion from the last leg */
	while (c->legs->len > 0)
		meet_cb_leg_delete(cb, g_ptr_array_index(c->legs, 0));
	meet_event(PLOG_INFO, "call %u: ended", c->number);
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
