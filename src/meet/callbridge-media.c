/*
 * callbridge-media.c: the SFU engine (media.h) behind each call leg: join
 * and leave, ICE servers and credentials for the browser, engine events
 * relayed to the guest's page as signalling.  Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/plog.h"
#include "meet/callbridge-internal.h"
#include "meet/cdr.h"
#include "meet/link.h"

static struct leg *
leg_of_peer(struct meet_callbridge *cb, uint32_t peer)
{
	const char *id = g_hash_table_lookup(cb->peers, GUINT_TO_POINTER(peer));

	return id ? g_hash_table_lookup(cb->legs, id) : NULL;
}

/* The turnServers entries: for the engine (serverAddress) and for the
 * browser (clientAddress).  Returns how many were filled. */
static unsigned
cb_turn_servers(struct meet_callbridge *cb, struct media_turn *t, unsigned max, GPtrArray *ids)
{
	GPtrArray *list = meet_store_list(cb->srv->store, "turnServers", NULL);
	unsigned n = 0;

	for (guint i = 0; i < list->len && n < max; i++) {
		GHashTable *o = meet_store_get(cb->srv->store, g_ptr_array_index(list, i));
		const char *tcp;
		if (!o)
			continue;
		memset(&t[n], 0, sizeof(t[n]));
		g_strlcpy(t[n].host, g_hash_table_lookup(o, "serverAddress") ?: "", sizeof(t[n].host));
		g_strlcpy(t[n].username, g_hash_table_lookup(o, "username") ?: "", sizeof(t[n].username));
		g_strlcpy(t[n].password, g_hash_table_lookup(o, "password") ?: "", sizeof(t[n].password));
		t[n].udp_port = (uint16_t)cb->srv->cfg.turn_udp_port;
		tcp = g_hash_table_lookup(o, "tcpPortNumberOverride");
		t[n].tcp_port = tcp ? (uint16_t)atoi(tcp) : 0;
		if (*t[n].host) {
			if (ids)
				g_ptr_array_add(ids, g_strdup(g_ptr_array_index(list, i)));
			n++;
		}
		g_hash_table_unref(o);
	}
	g_ptr_array_unref(list);
	return n;
}

void
meet_cb__media_join(struct meet_callbridge *cb, struct call *c, struct leg *l)
{
	struct media_turn turn[MEDIA_MAX_TURN];
	unsigned n;

	if (!cb->media)
		return;
	n = cb_turn_servers(cb, turn, MEDIA_MAX_TURN, NULL);
	l->peer = ++cb->next_peer ? cb->next_peer : ++cb->next_peer;
	g_hash_table_insert(cb->peers, GUINT_TO_POINTER(l->peer), l->id);
	meet_event(PLOG_INFO, "call %u: setting up combined RTP session for DTLS (%s, %u TURN server%s)",
		   c->number, l->jid, n, n == 1 ? "" : "s");
	media_peer_add(cb->media, c->number, l->peer, l->id, turn, n);
	explicit_bzero(turn, sizeof(turn));
}

void
meet_cb__media_leave(struct meet_callbridge *cb, struct leg *l)
{
	if (!cb->media || !l->peer)
		return;
	media_peer_remove(cb->media, l->peer);
	g_hash_table_remove(cb->peers, GUINT_TO_POINTER(l->peer));
	l->peer = 0;
}

static void
cb_signal(struct meet_callbridge *cb, struct leg *l, JsonBuilder *b)
{
	JsonGenerator *g = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	GHashTable *m = meet_link_msg();
	char *text;

	json_generator_set_root(g, root);
	text = json_generator_to_data(g, NULL);
	meet_link_set(m, "session", l->session);
	meet_link_set(m, "data", text);
	meet_cb__reply(cb, "signal", m);
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
}

void
meet_cb__send_page(struct meet_callbridge *cb, struct leg *l, const char *json)
{
	GHashTable *m = meet_link_msg();

	meet_link_set(m, "session", l->session);
	meet_link_set(m, "data", json);
	meet_cb__reply(cb, "signal", m);
}

/* {"type":"chat","text":..} from a page: checked (profile, cap, rate) and
 * relayed to every leg of the call, or a chatError for the sender only. */
static void
sig_chat(struct meet_callbridge *cb, struct leg *l, JsonObject *o)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);
	JsonNode *n = json_object_get_member(o, "text");
	const char *text = n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
		? json_node_get_string(n) : NULL;
	enum meet_chat_status st;
	char *json = NULL;

	if (!c)
		return;
	if (!meet_cb__leg_chat_allowed(l))
		st = MEET_CHAT_FORBIDDEN;
	else if (!text)
		st = MEET_CHAT_BAD_TEXT;
	else
		st = meet_chat_post(c->chat, &l->chat_rate, l->id, l->name, text, strlen(text),
				    g_get_monotonic_time(), g_get_real_time() / 1000, &json);
	if (st != MEET_CHAT_OK) {
		json = meet_chat_error_json(st);
		meet_cb__send_page(cb, l, json);
		g_free(json);
		return;
	}
	for (guint i = 0; i < c->legs->len; i++) {
		struct leg *o2 = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		if (o2)
			meet_cb__send_page(cb, o2, json);
	}
	g_free(json);
}

/* {"type":"state","muted":bool,"cameraOff":bool}: the page's own mute
 * state, shown in everyone's participant list. */
static void
sig_state(struct meet_callbridge *cb, struct leg *l, JsonObject *o)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);
	int muted = json_object_get_boolean_member_with_default(o, "muted", FALSE);
	int off = json_object_get_boolean_member_with_default(o, "cameraOff", FALSE);

	if (!c || (muted == l->muted && off == l->camera_off))
		return;
	l->muted = muted;
	l->camera_off = off;
	meet_cb__broadcast(cb, c);
}

void
meet_cb__media_gate(struct meet_callbridge *cb, struct leg *l)
{
	if (cb->media && l->peer)
		media_peer_set_forward(cb->media, l->peer,
				       (l->prof.rxAudioMute ? 0 : MEDIA_FWD_AUDIO) |
				       (l->prof.rxVideoMute ? 0 : MEDIA_FWD_VIDEO));
	if (cb->media && l->peer)
		media_peer_set_presentation(cb->media, l->peer, l->prof.presentationContributionAllowed);
}

/* The browser's TURN credentials: the entry's, or with [media]
 * browser-rest-secret the TURN REST scheme: username "<expiry>:<guest>",
 * password base64(HMAC-SHA1(secret, username)). */
static void
cb_ice_credentials(struct meet_callbridge *cb, struct leg *l, GHashTable *o, JsonBuilder *b)
{
	const char *secret = cb->srv->cfg.media_rest_secret;
	char *user, *pass;
	guint8 mac[20];
	gsize maclen = sizeof(mac);
	GHmac *h;

	if (!secret) {
		json_builder_set_member_name(b, "username");
		json_builder_add_string_value(b, g_hash_table_lookup(o, "username") ?: "");
		json_builder_set_member_name(b, "credential");
		json_builder_add_string_value(b, g_hash_table_lookup(o, "password") ?: "");
		return;
	}
	user = g_strdup_printf("%" G_GINT64_FORMAT ":%s",
			       g_get_real_time() / G_USEC_PER_SEC + (gint64)cb->srv->cfg.media_rest_ttl, l->jid);
	h = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
	g_hmac_update(h, (const guchar *)user, -1);
	g_hmac_get_digest(h, mac, &maclen);
	g_hmac_unref(h);
	pass = g_base64_encode(mac, maclen);
	json_builder_set_member_name(b, "username");
	json_builder_add_string_value(b, user);
	json_builder_set_member_name(b, "credential");
	json_builder_add_string_value(b, pass);
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(pass, strlen(pass));
	g_free(pass);
	g_free(user);
}

/* iceServers for the browser: clientAddress (serverAddress when unset),
 * UDP on the TURN port and TCP on tcpPortNumberOverride. */
static void
cb_ice_servers(struct meet_callbridge *cb, struct leg *l, JsonBuilder *b)
{
	GPtrArray *list = meet_store_list(cb->srv->store, "turnServers", NULL);

	json_builder_set_member_name(b, "iceServers");
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++) {
		GHashTable *o = meet_store_get(cb->srv->store, g_ptr_array_index(list, i));
		const char *host, *tcp;
		char *h, *u;
		if (!o)
			continue;
		host = g_hash_table_lookup(o, "clientAddress");
		if (!host || !*host)
			host = g_hash_table_lookup(o, "serverAddress");
		tcp = g_hash_table_lookup(o, "tcpPortNumberOverride");
		h = strchr(host ? host : "", ':') ? g_strdup_printf("[%s]", host) : g_strdup(host ? host : "");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "urls");
		json_builder_begin_array(b);
		u = g_strdup_printf("turn:%s:%lu?transport=udp", h, cb->srv->cfg.turn_udp_port);
		json_builder_add_string_value(b, u);
		g_free(u);
		if (tcp && atoi(tcp) > 0) {
			u = g_strdup_printf("turn:%s:%d?transport=tcp", h, atoi(tcp));
			json_builder_add_string_value(b, u);
			g_free(u);
		}
		json_builder_end_array(b);
		cb_ice_credentials(cb, l, o, b);
		json_builder_end_object(b);
		g_free(h);
		g_hash_table_unref(o);
	}
	json_builder_end_array(b);
	g_ptr_array_unref(list);
}

static void
ev_offer(struct meet_callbridge *cb, struct leg *l, const struct media_event *ev)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "offer");
	json_builder_set_member_name(b, "sdp");
	json_builder_add_string_value(b, ev->sdp);
	json_builder_set_member_name(b, "iceTransportPolicy");
	json_builder_add_string_value(b, cb->srv->cfg.media_browser_relay ? "relay" : "all");
	cb_ice_servers(cb, l, b);
	json_builder_end_object(b);
	cb_signal(cb, l, b);
	g_object_unref(b);
}

static void
ev_simple(struct meet_callbridge *cb, struct leg *l, const char *type, const char *key,
	  const char *value)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, value);
	json_builder_end_object(b);
	cb_signal(cb, l, b);
	g_object_unref(b);
}

/* No relay candidate on any TURN server: the seed's fourth failure. */
static void
ev_relay(struct meet_callbridge *cb, struct leg *l, const struct media_event *ev)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	struct media_turn t[MEDIA_MAX_TURN];

	cb_turn_servers(cb, t, MEDIA_MAX_TURN, ids);
	explicit_bzero(t, sizeof(t));
	for (guint i = 0; i < ids->len; i++) {
		if (ev->relays == 0)
			meet_alarm_raise("turnServerUnavailable", g_ptr_array_index(ids, i),
					 "relayCandidateCreationTimeout");
		else if (ev->relays >= ev->turn_expected)
			meet_alarm_clear("turnServerUnavailable", g_ptr_array_index(ids, i));
	}
	if (ev->relays == 0)
		meet_event(PLOG_WARN, "call %u: relay candidate creation failed on %u TURN server%s for %s",
			   l->call_number, ev->turn_expected, ev->turn_expected == 1 ? "" : "s", l->jid);
	g_ptr_array_unref(ids);
}

static void
ev_speaker(struct meet_callbridge *cb, struct leg *l)
{
	struct call *c = g_hash_table_lookup(cb->calls, l->call);

	if (c) {
		g_free(c->speaker);
		c->speaker = g_strdup(l->id);
	}
	for (guint i = 0; c && i < c->legs->len; i++) {
		struct leg *o = g_hash_table_lookup(cb->legs, g_ptr_array_index(c->legs, i));
		if (o)
			ev_simple(cb, o, "speaker", "id", l->id);
	}
}

void
meet_cb__media_event(void *ctx, const struct media_event *ev)
{
	struct meet_callbridge *cb = ctx;
	struct leg *l = leg_of_peer(cb, ev->peer);

	if (!l)
		return;             /* left meanwhile */
	switch (ev->type) {
	case MEDIA_EV_OFFER:
		ev_offer(cb, l, ev);
		break;
	case MEDIA_EV_CONNECTED:
		l->media_state = 1;
		meet_cdr_leg(cb->srv->cdr, "callLegUpdate", l, NULL);
		meet_event(PLOG_INFO, "call %u: media connected for %s (%s)", l->call_number, l->jid, ev->text);
		break;
	case MEDIA_EV_FAILED:
		l->media_state = -1;
		meet_event(PLOG_WARN, "call %u: %s", l->call_number, ev->text);
		ev_simple(cb, l, "mediaFailed", "reason", ev->text);
		break;
	case MEDIA_EV_RELAY:
		ev_relay(cb, l, ev);
		break;
	case MEDIA_EV_STATS:
		l->st = *ev->stats;
		break;
	case MEDIA_EV_SPEAKER:
		ev_speaker(cb, l);
		break;
	case MEDIA_EV_LOG:
		meet_event(PLOG_INFO, "call %u: %s", l->call_number, ev->text);
		break;
	}
}

/* Signalling from the guest page: {"type":"answer","sdp"}, {"type":
 * "candidate","candidate"}, {"type":"restart"}, {"type":"keyframe"}. */
void
meet_cb__on_signal(struct meet_callbridge *cb, GHashTable *in)
{
	const char *id = g_hash_table_lookup(cb->sessions, meet_link_get(in, "session"));
	struct leg *l = id ? g_hash_table_lookup(cb->legs, id) : NULL;
	JsonParser *p;
	JsonObject *o;
	const char *type, *v;

	if (!l)
		return;
	p = json_parser_new();
	if (!json_parser_load_from_data(p, meet_link_get(in, "data"), -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		goto out;
	o = json_node_get_object(json_parser_get_root(p));
	type = json_object_get_string_member_with_default(o, "type", "");
	if (!strcmp(type, "chat"))
		sig_chat(cb, l, o);
	else if (!strcmp(type, "state"))
		sig_state(cb, l, o);
	else if (strcmp(type, "moderate") && (!l->peer || !cb->media))
		goto out;       /* media signalling of a leg without media */
	else if (!strcmp(type, "answer") && (v = json_object_get_string_member_with_default(o, "sdp", NULL)))
		media_peer_answer(cb->media, l->peer, v);
	else if (!strcmp(type, "candidate") &&
		 (v = json_object_get_string_member_with_default(o, "candidate", NULL)))
		media_peer_candidate(cb->media, l->peer, v);
	else if (!strcmp(type, "moderate"))
		meet_cb__moderate(cb, l, json_object_get_string_member_with_default(o, "action", ""),
				  json_object_get_string_member_with_default(o, "leg", ""),
				  json_object_get_boolean_member_with_default(o, "on", TRUE));
	else if (!strcmp(type, "restart")) {
		meet_event(PLOG_INFO, "call %u: ICE restart requested by %s", l->call_number, l->jid);
		media_peer_restart(cb->media, l->peer);
	}
out:
	g_object_unref(p);
}

void
meet_cb_bitrates(struct meet_callbridge *cb, uint64_t *audio_in, uint64_t *audio_out,
		 uint64_t *video_in, uint64_t *video_out)
{
	GHashTableIter it;
	gpointer v;

	*audio_in = *audio_out = *video_in = *video_out = 0;
	g_hash_table_iter_init(&it, cb->legs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct leg *l = v;
		*audio_in += l->st.rx_audio.bitrate;
		*audio_out += l->st.tx_audio.bitrate;
		*video_in += l->st.rx_video.bitrate;
		*video_out += l->st.tx_video.bitrate;
	}
}
