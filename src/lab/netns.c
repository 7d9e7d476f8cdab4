/*
 * netns.c: lab_netns_*, the seed's network in Linux network namespaces
 * for `portico lab --netns` (root), documentation ranges only:
 *
 *   portico-inet     203.0.113.10 the browser, 203.0.113.53 external DNS
 *        | pi-inet / pr-inet
 *   portico-router   203.0.113.1 (+ .156, the edge's static NAT address),
 *        |           192.0.2.1; DNAT/SNAT .156 <-> 192.0.2.61 and a forward
 *        |           filter allowing exactly TCP 443, TCP+UDP 3478, UDP
 *        |           24000-29999 towards the edge (and relay traffic back)
 *        | pr-dmz / pd-lan2
 *   portico-dmz      192.0.2.61 (LAN2) and 198.51.100.168 (LAN1): the outside
 *        |           edge with two interfaces; from the inside it accepts
 *        |           only the tunnel (7001 from the inside edge) and TURN
 *        |           (3478 from the meeting server)
 *        | pd-lan1 / pl-dmz, on the bridge br-inside in portico-lan
 *   portico-cms      198.51.100.180 meeting server, .53 internal DNS
 *   portico-vcsc     198.51.100.167 inside edge
 *                    the inside hosts have no default route: they reach out
 *                    only to the edge, and nothing on the internet can reach
 *                    them
 *
 * The namespaces' resolv.conf live in /etc/netns/<ns>/ (where `ip netns
 * exec` looks).  Commands run synchronously on the main thread before any
 * child starts.  Entering a namespace (per thread) is common/netns.h's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab-internal.h"

static const char *const namespaces[] = { "portico-inet", "portico-router", "portico-dmz",
					  "portico-lan", "portico-cms", "portico-vcsc" };

/* One command a line, arguments separated by single spaces. */
static const char *const up_cmds[] = {
	"ip netns add portico-inet", "ip netns add portico-router", "ip netns add portico-dmz",
	"ip netns add portico-lan", "ip netns add portico-cms", "ip netns add portico-vcsc",
	"ip -n portico-inet link set lo up", "ip -n portico-router link set lo up",
	"ip -n portico-dmz link set lo up", "ip -n portico-cms link set lo up",
	"ip -n portico-vcsc link set lo up",
	"ip link add pi-inet netns portico-inet type veth peer name pr-inet netns portico-router",
	"ip link add pr-dmz netns portico-router type veth peer name pd-lan2 netns portico-dmz",
	/* the inside LAN: a bridge, as a switch, with the edge's LAN1, the
	 * meeting server and the inside edge on it */
	"ip -n portico-lan link add br-inside type bridge",
	"ip link add pd-lan1 netns portico-dmz type veth peer name pl-dmz netns portico-lan",
	"ip link add pc-lan netns portico-cms type veth peer name pl-cms netns portico-lan",
	"ip link add pv-lan netns portico-vcsc type veth peer name pl-vcsc netns portico-lan",
	"ip -n portico-lan link set pl-dmz master br-inside",
	"ip -n portico-lan link set pl-cms master br-inside",
	"ip -n portico-lan link set pl-vcsc master br-inside",
	"ip -n portico-inet addr add 203.0.113.10/24 dev pi-inet",
	"ip -n portico-inet addr add 203.0.113.53/24 dev pi-inet",
	"ip -n portico-router addr add 203.0.113.1/24 dev pr-inet",
	"ip -n portico-router addr add 203.0.113.156/32 dev pr-inet",
	"ip -n portico-router addr add 192.0.2.1/24 dev pr-dmz",
	"ip -n portico-dmz addr add 192.0.2.61/24 dev pd-lan2",
	"ip -n portico-dmz addr add 198.51.100.168/24 dev pd-lan1",
	"ip -n portico-cms addr add 198.51.100.180/24 dev pc-lan",
	"ip -n portico-cms addr add 198.51.100.53/24 dev pc-lan",
	"ip -n portico-vcsc addr add 198.51.100.167/24 dev pv-lan",
	"ip -n portico-inet link set pi-inet up", "ip -n portico-router link set pr-inet up",
	"ip -n portico-router link set pr-dmz up", "ip -n portico-dmz link set pd-lan2 up",
	"ip -n portico-dmz link set pd-lan1 up", "ip -n portico-lan link set br-inside up",
	"ip -n portico-lan link set pl-dmz up", "ip -n portico-lan link set pl-cms up",
	"ip -n portico-lan link set pl-vcsc up", "ip -n portico-cms link set pc-lan up",
	"ip -n portico-vcsc link set pv-lan up",
	"ip -n portico-inet route add default via 203.0.113.1",
	"ip -n portico-dmz route add default via 192.0.2.1",
	"ip netns exec portico-router sysctl -qw net.ipv4.ip_forward=1",
};

/* The router: static NAT to the DMZ and the seed's firewall list. */
static const char router_nft[] =
	"table inet portico {\n"
	"  chain prerouting { type nat hook prerouting priority dstnat;\n"
	"    ip daddr 203.0.113.156 dnat ip to 192.0.2.61\n  }\n"
	"  chain postrouting { type nat hook postrouting priority srcnat;\n"
	"    ip saddr 192.0.2.61 oifname \"pr-inet\" snat ip to 203.0.113.156\n"
	/* NAT reflection: the edge's relay sending to its own public address
	 * (browser relay -> SFU relay) comes back with the public source, so
	 * the permissions made for public addresses match. */
	"    ip saddr 192.0.2.61 ip daddr 192.0.2.61 snat ip to 203.0.113.156\n  }\n"
	"  chain forward { type filter hook forward priority filter; policy drop;\n"
	"    ct state established,related accept\n"
	"    iifname \"pr-inet\" ip daddr 192.0.2.61 tcp dport { 443, 3478 } accept comment \"guests, TURN\"\n"
	"    iifname \"pr-inet\" ip daddr 192.0.2.61 udp dport 3478 accept comment \"turn-udp\"\n"
	"    iifname \"pr-inet\" ip daddr 192.0.2.61 udp dport 24000-29999 accept comment \"relays-in\"\n"
	"    iifname \"pr-dmz\" ip saddr 192.0.2.61 udp sport 24000-29999 accept comment \"relays-out\"\n"
	"  }\n"
	"}\n";

/* The edge's inside-facing interface: the tunnel and TURN from the inside,
 * relayed media answers; nothing else. */
static const char dmz_nft[] =
	"table inet portico {\n"
	"  chain input { type filter hook input priority filter; policy accept;\n"
	"    iifname \"pd-lan1\" ct state established,related accept\n"
	"    iifname \"pd-lan1\" ip saddr 198.51.100.167 tcp dport 7001 accept\n"
	"    iifname \"pd-lan1\" ip saddr 198.51.100.180 tcp dport 3478 accept\n"
	"    iifname \"pd-lan1\" ip saddr 198.51.100.180 udp dport { 3478, 24000-29999 } accept\n"
	"    iifname \"pd-lan1\" ip saddr 198.51.100.0/24 tcp dport { 445, 9641 } accept comment \"status\"\n"
	"    iifname \"pd-lan1\" drop\n"
	"  }\n"
	"}\n";

static int
run_argv(char **argv, GError **err)
{
	int status = 0;
	char *out = NULL;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
			  NULL, &out, &status, err))
		return -1;
	if (!g_spawn_check_wait_status(status, NULL)) {
		char *cmd = g_strjoinv(" ", argv);
		g_set_error(err, LAB_ERROR, 1, "\"%s\" failed: %s", cmd, out ? g_strstrip(out) : "");
		g_free(cmd);
		g_free(out);
		return -1;
	}
	g_free(out);
	return 0;
}

static int
run(const char *line, GError **err)
{
	gchar **argv = g_strsplit(line, " ", -1);
	int ret = run_argv(argv, err);

	g_strfreev(argv);
	return ret;
}

/* nft -f FILE inside ns, FILE written in the state directory. */
static int
load_nft(const struct lab *lab, const char *ns, const char *name, const char *rules, GError **err)
{
	char *path = g_strdup_printf("%s/%s", lab->state, name);
	char *argv[] = { "ip", "netns", "exec", (char *)ns, "nft", "-f", path, NULL };
	int ret = g_file_set_contents(path, rules, -1, err) ? run_argv(argv, err) : -1;

	g_free(path);
	return ret;
}

static int
resolv_conf(const char *ns, const char *server, GError **err)
{
	char *dir = g_strdup_printf("/etc/netns/%s", ns), *file = g_strdup_printf("%s/resolv.conf", dir);
	char *text = g_strdup_printf("# portico lab --netns (removed by portico lab --down)\n"
				     "nameserver %s\n", server);
	int ret = g_mkdir_with_parents(dir, 0755) == 0 && g_file_set_contents(file, text, -1, err) ? 0 : -1;

	if (ret < 0 && err && !*err)
		g_set_error(err, LAB_ERROR, 1, "cannot create %s: %s", dir, g_strerror(errno));
	g_free(dir);
	g_free(file);
	g_free(text);
	return ret;
}

int
lab_netns_up(const struct lab *lab, GError **err)
{
	if (geteuid() != 0) {
		g_set_error(err, LAB_ERROR, 1, "--netns needs root (network namespaces, nftables)");
		return -1;
	}
	if (g_file_test("/run/netns/portico-inet", G_FILE_TEST_EXISTS) && lab_netns_down(err) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(up_cmds); i++)
		if (run(up_cmds[i], err) < 0)
			goto fail;
	if (load_nft(lab, "portico-router", "router.nft", router_nft, err) < 0 ||
	    load_nft(lab, "portico-dmz", "dmz.nft", dmz_nft, err) < 0 ||
	    resolv_conf("portico-inet", lab->net->ext_dns, err) < 0 ||
	    resolv_conf("portico-cms", lab->net->int_dns, err) < 0 ||
	    resolv_conf("portico-vcsc", lab->net->int_dns, err) < 0)
		goto fail;
	return 0;
fail:
	lab_netns_down(NULL);
	return -1;
}

/* Processes left in ns (a lab killed with SIGKILL, whose children did
 * not follow): ended by pid, as `ip netns pids` lists them. */
static void
kill_leftovers(const char *ns)
{
	char *argv[] = { "ip", "netns", "pids", (char *)ns, NULL }, *out = NULL;
	gchar **pids;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
			  NULL, &out, NULL, NULL, NULL))
		return;
	pids = g_strsplit(out, "\n", -1);
	for (unsigned i = 0; pids[i]; i++) {
		long pid = strtol(pids[i], NULL, 10);
		if (pid > 1)
			kill((pid_t)pid, SIGTERM);
	}
	g_strfreev(pids);
	g_free(out);
}

int
lab_netns_down(GError **err)
{
	int ret = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(namespaces); i++) {
		char *run_path = g_strdup_printf("/run/netns/%s", namespaces[i]);
		char *etc = g_strdup_printf("/etc/netns/%s", namespaces[i]);
		char *conf = g_strdup_printf("%s/resolv.conf", etc);
		if (g_file_test(run_path, G_FILE_TEST_EXISTS)) {
			kill_leftovers(namespaces[i]);
			char *argv[] = { "ip", "netns", "del", (char *)namespaces[i], NULL };
			GError *e = NULL;
			if (run_argv(argv, &e) < 0) {
				if (err && !*err)
					g_propagate_error(err, e);
				else
					g_clear_error(&e);
				ret = -1;
			}
		}
		unlink(conf);
		rmdir(etc);
		g_free(conf);
		g_free(etc);
		g_free(run_path);
	}
	rmdir("/etc/netns");     /* only when empty: made by up, or nobody uses it */
	return ret;
}
