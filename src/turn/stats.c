/*
 * stats.c: what the server tells its operator: Prometheus metrics and the
 * /status JSON (like the edge's "TURN relay usage" page).  Control thread;
 * reads workers' counters (relaxed atomics) and asks each worker for a
 * copy of its allocations through the control queue.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "turn/stats.h"
#include "turn/worker.h"

struct stat_name {
	const char *metric;
	const char *label;       /* "direction=\"...\"" etc, or NULL */
};

static const struct stat_name names[STAT_N] = {
	[STAT_C2P_PKTS] = { "relayed_packets_total", "direction=\"client_to_peer\"" },
	[STAT_C2P_BYTES] = { "relayed_bytes_total", "direction=\"client_to_peer\"" },
	[STAT_P2C_PKTS] = { "relayed_packets_total", "direction=\"peer_to_client\"" },
	[STAT_P2C_BYTES] = { "relayed_bytes_total", "direction=\"peer_to_client\"" },
	[STAT_ALLOCS_CREATED] = { "allocations_created_total", NULL },
	[STAT_AUTH_BAD_PASSWORD] = { "auth_failures_total", "reason=\"bad_password\"" },
	[STAT_AUTH_UNKNOWN_USER] = { "auth_failures_total", "reason=\"unknown_user\"" },
	[STAT_AUTH_WRONG_REALM] = { "auth_failures_total", "reason=\"wrong_realm\"" },
	[STAT_AUTH_STALE_NONCE] = { "auth_failures_total", "reason=\"stale_nonce\"" },
	[STAT_AUTH_MISSING_ATTR] = { "auth_failures_total", "reason=\"missing_attribute\"" },
	[STAT_AUTH_WRONG_CREDENTIALS] = { "auth_failures_total", "reason=\"wrong_credentials\"" },
	[STAT_AUTH_EXPIRED] = { "auth_failures_total", "reason=\"expired\"" },
	[STAT_DROP_NO_ALLOCATION] = { "dropped_packets_total", "reason=\"no_allocation\"" },
	[STAT_DROP_NO_PERMISSION] = { "dropped_packets_total", "reason=\"no_permission\"" },
	[STAT_DROP_MALFORMED] = { "dropped_packets_total", "reason=\"malformed\"" },
	[STAT_DROP_BANDWIDTH] = { "dropped_packets_total", "reason=\"bandwidth\"" },
	[STAT_DROP_RATELIMIT] = { "dropped_packets_total", "reason=\"rate_limited\"" },
	[STAT_DROP_SEND_FAILED] = { "dropped_packets_total", "reason=\"send_failed\"" },
	[STAT_DROP_TRUNCATED] = { "dropped_packets_total", "reason=\"too_large\"" },
	[STAT_DROP_TCP_BACKLOG] = { "dropped_packets_total", "reason=\"tcp_backlog\"" },
	[STAT_DROP_NOT_REQUEST] = { "dropped_packets_total", "reason=\"unexpected_message\"" },
	[STAT_QUOTA_USER] = { "quota_hits_total", "quota=\"user\"" },
	[STAT_QUOTA_TOTAL] = { "quota_hits_total", "quota=\"total\"" },
	[STAT_NO_PORT] = { "quota_hits_total", "quota=\"relay_ports\"" },
	[STAT_PEER_DENIED] = { "peer_denied_total", NULL },
};

static const char *const help[][2] = {
	{ "relayed_packets_total", "Packets relayed, by direction" },
	{ "relayed_bytes_total", "Payload bytes relayed, by direction" },
	{ "allocations_created_total", "Allocations created since start" },
	{ "auth_failures_total", "Requests refused by authentication, by reason" },
	{ "dropped_packets_total", "Packets dropped, by reason" },
	{ "quota_hits_total", "Allocations refused by a limit (486 user, 508 total or no relay port)" },
	{ "peer_denied_total", "CreatePermission/ChannelBind refused by the peer policy (403)" },
};

static uint64_t
sum(const struct turn_worker *w, unsigned n, enum turn_stat s)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < n; i++)
		t += atomic_load_explicit(&w[i].stats.v[s], memory_order_relaxed);
	return t;
}

void
turn_stats_metrics(const struct turn_worker *w, unsigned n, unsigned users, GString *out)
{
	uint64_t allocs = 0;

	for (unsigned i = 0; i < n; i++)
		allocs += atomic_load_explicit(&w[i].stats.allocs, memory_order_relaxed);
	g_string_append_printf(out,
		"# HELP portico_turn_allocations Allocations now active\n"
		"# TYPE portico_turn_allocations gauge\n"
		"portico_turn_allocations %llu\n"
		"# HELP portico_turn_workers Data-plane threads\n"
		"# TYPE portico_turn_workers gauge\n"
		"portico_turn_workers %u\n"
		"# HELP portico_turn_users Users in [users]\n"
		"# TYPE portico_turn_users gauge\n"
		"portico_turn_users %u\n",
		(unsigned long long)allocs, n, users);
	for (size_t h = 0; h < sizeof(help) / sizeof(help[0]); h++) {
		g_string_append_printf(out, "# HELP portico_turn_%s %s\n# TYPE portico_turn_%s counter\n",
				       help[h][0], help[h][1], help[h][0]);
		for (int s = 0; s < STAT_N; s++) {
			if (strcmp(names[s].metric, help[h][0]) != 0)
				continue;
			g_string_append_printf(out, "portico_turn_%s%s%s%s %llu\n", names[s].metric,
					       names[s].label ? "{" : "", names[s].label ? names[s].label : "",
					       names[s].label ? "}" : "",
					       (unsigned long long)sum(w, n, (enum turn_stat)s));
		}
	}
}

/* Collects every worker's allocations; waits up to 2 s for busy workers.
 * Returns the snapshot locked (caller ends with turn_snapshot_unref_locked),
 * or NULL. */
static struct snapshot *
collect(struct turn_worker *w, unsigned n)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct timespec until;
	int ret = 0;

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->pending = n;
	s->refs = n + 1;
	for (unsigned i = 0; i < n; i++) {
		struct ctl_msg *m = calloc(1, sizeof(*m));
		if (!m) {
			pthread_mutex_lock(&s->lock);
			s->pending--;
			s->refs--;
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		m->type = CTL_SNAPSHOT;
		m->snap = s;
		turn_worker_post(&w[i], m);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&s->lock);
	while (s->pending && ret == 0)
		ret = pthread_cond_timedwait(&s->cond, &s->lock, &until);
	if (s->pending) {
		turn_snapshot_unref_locked(s);
		return NULL;
	}
	return s;
}

static void
json_str(GString *out, const char *key, const char *v)
{
	g_string_append_printf(out, "\"%s\":\"", key);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			g_string_append_printf(out, "\\u%04x", (unsigned char)*p);
		else
			g_string_append_c(out, *p);
	}
	g_string_append(out, "\",");
}

static void
status_text(const struct snapshot *sp, const char *realm, unsigned n, GString *out)
{
	g_string_append_printf(out, "realm %s, %u workers, %zu allocations\n\n", realm, n, sp->n);
	if (!sp->n)
		return;
	g_string_append_printf(out, "%-20s %-28s %-28s %8s %8s %5s %5s %12s %12s\n", "USER", "CLIENT", "RELAY",
			       "AGE", "EXPIRES", "PERMS", "CHANS", "TO-PEER", "TO-CLIENT");
	for (size_t i = 0; i < sp->n; i++) {
		const struct alloc_info *a = &sp->v[i];
		g_string_append_printf(out, "%-20.20s %-28s %-28s %7llus %7llus %5u %5u %12llu %12llu\n",
				       a->user, a->client, a->relay, (unsigned long long)a->age,
				       (unsigned long long)a->expires_in, a->perms, a->chans,
				       (unsigned long long)a->c2p_bytes, (unsigned long long)a->p2c_bytes);
	}
}

int
turn_stats_status(struct turn_worker *w, unsigned n, const char *realm, int text, GString *out)
{
	struct snapshot *sp = collect(w, n);

	if (!sp)
		return -ETIMEDOUT;
	if (text) {
		status_text(sp, realm, n, out);
		turn_snapshot_unref_locked(sp);
		return 0;
	}
	g_string_append(out, "{");
	json_str(out, "realm", realm);
	g_string_append_printf(out, "\"workers\":%u,\"allocations\":[", n);
	for (size_t i = 0; i < sp->n; i++) {
		const struct alloc_info *a = &sp->v[i];
		g_string_append(out, i ? ",{" : "{");
		json_str(out, "user", a->user);
		json_str(out, "client", a->client);
		json_str(out, "relay", a->relay);
		g_string_append_printf(out,
			"\"age_seconds\":%llu,\"expires_in_seconds\":%llu,\"permissions\":%u,\"channels\":%u,"
			"\"client_to_peer\":{\"packets\":%llu,\"bytes\":%llu},"
			"\"peer_to_client\":{\"packets\":%llu,\"bytes\":%llu}}",
			(unsigned long long)a->age, (unsigned long long)a->expires_in, a->perms, a->chans,
			(unsigned long long)a->c2p_pkts, (unsigned long long)a->c2p_bytes,
			(unsigned long long)a->p2c_pkts, (unsigned long long)a->p2c_bytes);
	}
	g_string_append_printf(out, "],\"totals\":{\"client_to_peer\":{\"packets\":%llu,\"bytes\":%llu},"
			       "\"peer_to_client\":{\"packets\":%llu,\"bytes\":%llu}}}\n",
			       (unsigned long long)sum(w, n, STAT_C2P_PKTS),
			       (unsigned long long)sum(w, n, STAT_C2P_BYTES),
			       (unsigned long long)sum(w, n, STAT_P2C_PKTS),
			       (unsigned long long)sum(w, n, STAT_P2C_BYTES));
	turn_snapshot_unref_locked(sp);
	return 0;
}
