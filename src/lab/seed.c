/*
 * seed.c: lab_seed_wait_ready, the startup sequence of `portico lab`:
 * bounded waits until each node answers on its status or admin endpoint,
 * then the seed through meet's REST API (the seed's Postman steps), then,
 * unless a fault was put in on purpose, the guest's path end to end.
 *
 * Runs in the startup GTask worker (blocking HTTP probes); reads struct
 * lab only (written before the worker starts).  Each wait checks the
 * GCancellable, which the main thread trips on Ctrl-C or a dead child.
 */
#include <string.h>

#include "common/netns.h"
#include "httpc/httpc.h"
#include "lab/lab-internal.h"

#define WAIT_STEP_US (100 * 1000)
#define WAIT_LIMIT_S 60

/* One probe; returns 1 when its condition holds. */
typedef int (*probe_fn)(const struct lab *lab);

static int
api_call(const struct lab *lab, const char *method, const char *path, const char *body,
	 struct httpc_resp *r)
{
	char *ca = lab_path(lab, "certs/ca.crt");
	struct httpc_req q = {
		.addr = lab->net->meet_addr, .port = lab->port.api, .tls = 1, .name = LAB_ADMIN_NAME,
		.ca_file = ca, .verify = 1, .method = method, .path = path,
		.user = LAB_ADMIN_USER, .password = lab->admin_password, .body = body,
	};
	int ret;

	netns_enter(lab->net->ns_inside);
	ret = httpc_request(&q, r);
	netns_enter(NULL);
	g_free(ca);
	return ret;
}

static int
probe_api(const struct lab *lab)
{
	struct httpc_resp r;
	int ok = api_call(lab, "GET", "/api/v1/system/status", NULL, &r) == 0 && r.status == 200;

	httpc_resp_clear(&r);
	return ok;
}

/* GET http://addr:port/path from namespace ns (NULL: here). */
static int
plain_get(const char *ns, const char *addr, int port, const char *path, const char *want)
{
	struct httpc_req q = { .addr = addr, .port = port, .path = path };
	struct httpc_resp r;
	int ok;

	netns_enter(ns);
	ok = httpc_request(&q, &r) == 0 && r.status == 200 && (!want || strstr(r.body->str, want));
	netns_enter(NULL);
	httpc_resp_clear(&r);
	return ok;
}

static int
probe_outside(const struct lab *lab)
{
	return plain_get(lab->net->ns_dmz, lab->net->edge_admin, lab->port.admin_out, "/healthz", NULL);
}

static int
inside_get(const struct lab *lab, const char *path, const char *want)
{
	return plain_get(lab->net->ns_inside, lab->net->inside_admin, lab->port.admin_in, path, want);
}

static int
probe_inside(const struct lab *lab)
{
	return inside_get(lab, "/healthz", NULL);
}

static int
probe_tunnel_only(const struct lab *lab)
{
	return inside_get(lab, "/status", "\"Active\"");
}

static int
probe_tunnel(const struct lab *lab)
{
	return inside_get(lab, "/status", "\"Active\"") && inside_get(lab, "/status", "\"Healthy\"");
}

/* The guest's path: outside edge, tunnel, inside edge, web bridge, with the
 * link to the call bridge up ("Join call" shown). */
static int
probe_guest(const struct lab *lab)
{
	char *ca = lab_path(lab, "certs/ca.crt");
	struct httpc_req q = {
		.addr = lab->net->guest_addr, .port = lab->port.webproxy, .tls = 1,
		.name = LAB_EXTERNAL_NAME, .ca_file = ca, .verify = 1, .path = "/api/guest/config",
	};
	struct httpc_resp r;
	int ok;

	netns_enter(lab->net->ns_inet);
	ok = httpc_request(&q, &r) == 0 && r.status == 200 && strstr(r.body->str, "\"link\":true");
	netns_enter(NULL);

	httpc_resp_clear(&r);
	g_free(ca);
	return ok;
}

static int
wait_for(const struct lab *lab, probe_fn fn, const char *what, GCancellable *cancel, GError **err)
{
	gint64 end = g_get_monotonic_time() + (gint64)WAIT_LIMIT_S * G_USEC_PER_SEC;

	while (!fn(lab)) {
		if (g_cancellable_set_error_if_cancelled(cancel, err))
			return -1;
		if (g_get_monotonic_time() > end) {
			g_set_error(err, LAB_ERROR, 1, "%s did not come up within %d s (see %s/logs)",
				    what, WAIT_LIMIT_S, lab->state);
			return -1;
		}
		g_usleep(WAIT_STEP_US);
	}
	return 0;
}

/* The id of the first element of an XML listing, or NULL. */
static char *
first_id(const char *xml)
{
	const char *p = strstr(xml, " id=\"");
	const char *e = p ? strchr(p + 5, '"') : NULL;

	return e ? g_strndup(p + 5, (gsize)(e - p - 5)) : NULL;
}

/* The seed's TURN step: serverAddress = the edge's TURN (what the call
 * bridge dials), clientAddress = what browsers reach (the NAT address in
 * the seed; the same loopback address here).  Updated in place on a
 * second run: the ports may have moved. */
static int
seed_turn(const struct lab *lab, GError **err)
{
	struct httpc_resp r;
	char *pw = g_strdup_printf("%s%s", lab->fault == LAB_FAULT_TURN_PASSWORD ? "not-" : "",
				   lab->turn_password);
	char *epw = httpc_form_escape(pw), *id = NULL, *path = NULL;
	char *body = g_strdup_printf("serverAddress=%s&clientAddress=%s&username=%s&password=%s"
				     "&type=standard&tcpPortNumberOverride=%d", lab->net->turn_inside,
				     lab->net->turn_client, LAB_TURN_USER, epw, lab->port.turn);
	int ret = -1;

	if (api_call(lab, "GET", "/api/v1/turnServers", NULL, &r) < 0 || r.status != 200)
		goto fail;
	id = first_id(r.body->str);
	httpc_resp_clear(&r);
	path = id ? g_strdup_printf("/api/v1/turnServers/%s", id) : g_strdup("/api/v1/turnServers");
	if (api_call(lab, id ? "PUT" : "POST", path, body, &r) < 0 || r.status != 200)
		goto fail;
	ret = 0;
	goto out;
fail:
	g_set_error(err, LAB_ERROR, 1, "seeding turnServers through the API failed: %s",
		    r.err[0] ? r.err : r.body ? r.body->str : "?");
out:
	httpc_resp_clear(&r);
	explicit_bzero(body, strlen(body));
	explicit_bzero(pw, strlen(pw));
	g_free(body);
	g_free(pw);
	g_free(epw);
	g_free(id);
	g_free(path);
	return ret;
}

/* meet's first-start seed made the space; put it back if it was deleted. */
static int
seed_space(const struct lab *lab, GError **err)
{
	struct httpc_resp r;
	int ret = 0;

	if (api_call(lab, "GET", "/api/v1/coSpaces?filter=" LAB_CALL_ID, NULL, &r) == 0 &&
	    r.status == 200 && !strstr(r.body->str, "total=\"0\"")) {
		httpc_resp_clear(&r);
		return 0;
	}
	httpc_resp_clear(&r);
	if (api_call(lab, "POST", "/api/v1/coSpaces", "name=Proxy+webRTC&uri=proxywebrtc&callId="
		     LAB_CALL_ID, &r) < 0 || r.status != 200) {
		g_set_error(err, LAB_ERROR, 1, "creating the space %s failed", LAB_CALL_ID);
		ret = -1;
	}
	httpc_resp_clear(&r);
	return ret;
}

int
lab_seed_wait_ready(const struct lab *lab, GCancellable *cancel, GError **err)
{
	if (wait_for(lab, probe_api, "portico meet's REST API", cancel, err) < 0 ||
	    wait_for(lab, probe_outside, "the outside edge", cancel, err) < 0 ||
	    wait_for(lab, probe_inside, "the inside edge", cancel, err) < 0 ||
	    seed_space(lab, err) < 0 || seed_turn(lab, err) < 0)
		return -1;
	if (lab->fault == LAB_FAULT_TUNNEL)
		return 0;     /* broken on purpose: no tunnel will come up */
	if (lab->fault != LAB_FAULT_NONE)   /* the guest path is not expected to work */
		return wait_for(lab, probe_tunnel_only, "the tunnel", cancel, err);
	if (wait_for(lab, probe_tunnel, "the tunnel and the web bridge health", cancel, err) < 0 ||
	    wait_for(lab, probe_guest, "the guest path (edge, tunnel, web bridge, call bridge)",
		     cancel, err) < 0)
		return -1;
	return 0;
}
