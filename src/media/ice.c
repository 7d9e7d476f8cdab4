/*
 * ice.c: a peer's libnice agent: full ICE, controlling, host candidates on
 * the configured addresses and relay candidates on the configured TURN
 * servers, the browser's candidates (filtered by common/addr), the
 * selected pair, and the ICE and relay timeouts.  Worker thread only.
 */
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/plog.h"
#include "media/peer.h"

static const char *
fail_reason(const struct media_peer *p, const char *otherwise)
{
	return p->nturn && !p->relays ? "ICE failure; relay candidate creation timeout" : otherwise;
}

static void
on_state(NiceAgent *agent, guint stream, guint comp, guint state, gpointer data)
{
	struct media_peer *p = data;

	if (state == NICE_COMPONENT_STATE_FAILED && !p->connected)
		media_peer_fail(p, fail_reason(p, "ICE failure"));
}

static void
on_pair(NiceAgent *agent, guint stream, guint comp, NiceCandidate *l, NiceCandidate *r,
	gpointer data)
{
	static const char *const types[] = { "host", "srflx", "prflx", "relay" };
	struct media_peer *p = data;
	char la[NICE_ADDRESS_STRING_LEN], ra[NICE_ADDRESS_STRING_LEN];

	nice_address_to_string(&l->addr, la);
	nice_address_to_string(&r->addr, ra);
	g_snprintf(p->pair, sizeof(p->pair), "%s %s:%u <-> %s %s:%u",
		   types[l->type < 4 ? l->type : 0], la, nice_address_get_port(&l->addr),
		   types[r->type < 4 ? r->type : 0], ra, nice_address_get_port(&r->addr));
}

static void
on_recv(NiceAgent *agent, guint stream, guint comp, guint len, gchar *buf, gpointer data)
{
	struct media_peer *p = data;

	p->ice_recv(p, (uint8_t *)buf, len);
}

/* Keeps the local candidates for offers and counts the relayed ones. */
static void
take_local(struct media_peer *p)
{
	GSList *cands = nice_agent_get_local_candidates(p->agent, p->stream, 1);

	for (GSList *c = cands; c; c = c->next) {
		NiceCandidate *nc = c->data;
		char *line = nice_agent_generate_local_candidate_sdp(p->agent, nc);
		if (line && g_str_has_prefix(line, "a=") && p->cands->len < MEDIA_SDP_MAX_CANDS)
			g_ptr_array_add(p->cands, g_strdup(line + 2));
		g_free(line);
		p->relays += nc->type == NICE_CANDIDATE_TYPE_RELAYED;
	}
	g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
}

static void
gather_finish(struct media_peer *p)
{
	if (p->gathered)
		return;
	p->gathered = 1;
	media_peer_timer_off(p, &p->relay_timer);
	take_local(p);
	if (p->nturn) {
		struct media_event ev = { .type = MEDIA_EV_RELAY, .relays = p->relays,
					  .turn_expected = p->nturn };
		media_peer_emit(p, &ev);
	}
	if (!p->relays && !p->env->cfg->host_candidates)
		media_peer_fail(p, "ICE failure; relay candidate creation timeout");
	p->ice_gathered(p);
}

static void
on_gathered(NiceAgent *agent, guint stream, gpointer data)
{
	gather_finish(data);
}

static gboolean
relay_timeout(gpointer data)
{
	struct media_peer *p = data;

	p->relay_timer = 0;
	gather_finish(p);
	return G_SOURCE_REMOVE;
}

static gboolean
ice_timeout(gpointer data)
{
	struct media_peer *p = data;

	p->ice_timer = 0;
	if (!p->connected)
		media_peer_fail(p, fail_reason(p, "ICE failure; no connectivity"));
	return G_SOURCE_REMOVE;
}

/* TURN servers by address: names are resolved here, on the worker. */
static void
add_relays(struct media_peer *p)
{
	for (unsigned i = 0; i < p->nturn; i++) {
		struct media_turn *t = &p->turn[i];
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG }, *res;
		char ip[64];
		if (getaddrinfo(t->host, NULL, &hints, &res) != 0) {
			plog(PLOG_WARN, "media", "peer %u: TURN server %s does not resolve", p->id, t->host);
			continue;
		}
		getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST);
		freeaddrinfo(res);
		if (t->udp_port)
			nice_agent_set_relay_info(p->agent, p->stream, 1, ip, t->udp_port, t->username,
						  t->password, NICE_RELAY_TYPE_TURN_UDP);
		if (t->tcp_port)
			nice_agent_set_relay_info(p->agent, p->stream, 1, ip, t->tcp_port, t->username,
						  t->password, NICE_RELAY_TYPE_TURN_TCP);
	}
}

static void
add_local_addresses(struct media_peer *p)
{
	const struct media_config *cfg = p->env->cfg;

	for (unsigned i = 0; i < cfg->naddresses; i++) {
		NiceAddress a;
		nice_address_init(&a);
		if (nice_address_set_from_string(&a, cfg->addresses[i]))
			nice_agent_add_local_address(p->agent, &a);
	}
}

int
media_ice_setup(struct media_peer *p, media_ice_recv_fn recv, media_ice_gathered_fn gathered)
{
	const struct media_config *cfg = p->env->cfg;

	p->ice_recv = recv;
	p->ice_gathered = gathered;
	p->agent = nice_agent_new_full(p->env->ctx, NICE_COMPATIBILITY_RFC5245,
				       NICE_AGENT_OPTION_ICE_TRICKLE |
				       NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	if (!p->agent)
		return -1;
	g_object_set(p->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE,
		     "force-relay", !cfg->host_candidates, NULL);
	add_local_addresses(p);
	p->stream = nice_agent_add_stream(p->agent, 1);
	if (!p->stream)
		return -1;
	if (cfg->port_min && cfg->port_max)
		nice_agent_set_port_range(p->agent, p->stream, 1, cfg->port_min, cfg->port_max);
	add_relays(p);
	g_signal_connect(p->agent, "candidate-gathering-done", G_CALLBACK(on_gathered), p);
	g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state), p);
	g_signal_connect(p->agent, "new-selected-pair-full", G_CALLBACK(on_pair), p);
	nice_agent_attach_recv(p->agent, p->stream, 1, p->env->ctx, on_recv, p);
	if (!nice_agent_gather_candidates(p->agent, p->stream))
		return -1;
	p->relay_timer = media_peer_timer_on(p, cfg->relay_timeout_ms ? cfg->relay_timeout_ms : 5000,
					     relay_timeout);
	return 0;
}

void
media_ice_free(struct media_peer *p)
{
	media_peer_timer_off(p, &p->relay_timer);
	media_peer_timer_off(p, &p->ice_timer);
	if (!p->agent)
		return;
	if (p->stream)
		nice_agent_attach_recv(p->agent, p->stream, 1, p->env->ctx, NULL, NULL);
	g_signal_handlers_disconnect_by_data(p->agent, p);
	g_object_unref(p->agent);
	p->agent = NULL;
}

void
media_ice_send(struct media_peer *p, const uint8_t *b, size_t n)
{
	nice_agent_send(p->agent, p->stream, 1, (guint)n, (const gchar *)b);
}

void
media_ice_local(struct media_peer *p, char **ufrag, char **pwd)
{
	nice_agent_get_local_credentials(p->agent, p->stream, ufrag, pwd);
}

/*
 * A guest chooses the addresses the SFU sends ICE checks to: refuse those
 * no guest can own, so a crafted candidate cannot aim the meeting server at
 * its own network's special addresses (the checks carry no payload, but
 * deny by default).  Never: unspecified, multicast, broadcast, link-local
 * (169.254.169.254 included).  Loopback only when the SFU itself is set to
 * use a loopback address ([media] addresses, the one-machine lab).
 */
static const char *
remote_refused(const struct media_peer *p, const NiceCandidate *c)
{
	const struct media_config *cfg = p->env->cfg;
	struct sockaddr_storage ss, canon;
	const char *why = "";
	int loop_ok = 0;

	memset(&ss, 0, sizeof(ss));
	nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&ss);
	addr_canonical(&ss, &canon);
	switch (addr_classify(&canon, &why)) {
	case ADDR_NEVER:
		return why;
	case ADDR_LOOPBACK:
		for (unsigned i = 0; i < cfg->naddresses; i++)
			loop_ok |= !strncmp(cfg->addresses[i], "127.", 4) || !strcmp(cfg->addresses[i], "::1");
		return loop_ok ? NULL : "loopback (the SFU is not set to use loopback)";
	default:
		return NULL;     /* guests on the LAN have private addresses */
	}
}

static void
add_remote(struct media_peer *p, const char *cand)
{
	char *line = g_str_has_prefix(cand, "a=") ? g_strdup(cand) : g_strconcat("a=", cand, NULL);
	NiceCandidate *c;
	const char *why;
	GSList *l;

	/* ICE-TCP is off; mDNS (.local) names cannot be used. */
	if (strstr(line, " tcp ") || strstr(line, " TCP ") || strstr(line, ".local ")) {
		g_free(line);
		return;
	}
	c = nice_agent_parse_remote_candidate_sdp(p->agent, p->stream, line);
	g_free(line);
	if (!c)
		return;
	why = remote_refused(p, c);
	if (why) {
		char a[NICE_ADDRESS_STRING_LEN];
		nice_address_to_string(&c->addr, a);
		plog(PLOG_WARN, "media", "guest candidate %s refused: %s", a, why);
		nice_candidate_free(c);
		return;
	}
	l = g_slist_append(NULL, c);
	nice_agent_set_remote_candidates(p->agent, p->stream, 1, l);
	g_slist_free_full(l, (GDestroyNotify)nice_candidate_free);
}

void
media_ice_remote(struct media_peer *p, const struct media_sdp_answer *a)
{
	const struct media_config *cfg = p->env->cfg;

	if (strcmp(a->ufrag, p->remote_ufrag)) {
		g_strlcpy(p->remote_ufrag, a->ufrag, sizeof(p->remote_ufrag));
		nice_agent_set_remote_credentials(p->agent, p->stream, a->ufrag, a->pwd);
		if (!p->connected && !p->ice_timer && cfg->ice_timeout_ms)
			p->ice_timer = media_peer_timer_on(p, cfg->ice_timeout_ms, ice_timeout);
	}
	for (unsigned i = 0; i < a->ncands; i++)
		add_remote(p, a->cands[i]);
}

void
media_ice_candidate(struct media_peer *p, const char *cand)
{
	if (!*cand) {
		nice_agent_peer_candidate_gathering_done(p->agent, p->stream);
		return;
	}
	if (strlen(cand) < 512)
		add_remote(p, cand);
}

void
media_ice_restart(struct media_peer *p)
{
	nice_agent_restart_stream(p->agent, p->stream);
	p->remote_ufrag[0] = 0;
}
