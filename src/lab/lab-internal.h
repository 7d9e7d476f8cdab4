/*
 * lab-internal.h: what the files of src/lab share.  Not a public door:
 * only lab.h is.
 *
 * Threads: struct lab is created and freed on the main thread.  While the
 * lab starts, one GTask worker reads it (ports, names, passwords: written
 * before the worker starts, never after) and writes nothing but its own
 * result; children and signals are handled on the main loop only.
 */
#ifndef PORTICO_LAB_INTERNAL_H
#define PORTICO_LAB_INTERNAL_H

#include <gio/gio.h>

#define LAB_DOMAIN "lab"
#define LAB_ERROR (g_quark_from_static_string("portico-lab"))

/* The seed's names. */
#define LAB_EXTERNAL_NAME "cmsweb.octavio.com"
#define LAB_INTERNAL_WEB_NAME "cmsweb.cms.octavio.local"
#define LAB_OUTSIDE_NAME "vcse.octavio.com"
#define LAB_INSIDE_NAME "vcsc.octavio.local"
#define LAB_ADMIN_NAME "admin.cms.octavio.local"
#define LAB_CALLBRIDGE_NAME "callbridge.cms.octavio.local"
#define LAB_CALL_ID "100101"
#define LAB_SPACE_NAME "Proxy webRTC"
#define LAB_ADMIN_USER "admin"
#define LAB_TURN_USER "turnuser"
#define LAB_TRAVERSAL_USER "Tuser"

/* Loopback addresses: the outside edge's "public" address and the web
 * bridge's inside address differ, so that a split horizon is visible. */
#define LAB_PUBLIC_ADDR "127.0.0.1"
#define LAB_INSIDE_ADDR "127.0.0.2"

/* Where each listener sits: on loopback, or in the namespaces of
 * --netns (documentation ranges only).  ns_* are NULL on loopback. */
struct lab_net {
	const char *guest_addr;       /* what guests dial: the public (NAT) address */
	const char *guest_listen;     /* the outside edge's guest listener */
	const char *meet_addr;        /* web bridge and REST API */
	const char *traversal_addr;   /* the outside edge's traversal listener */
	const char *traversal_connect;/* what the inside dials (a name resolved inside, or an address) */
	const char *edge_admin;       /* the outside edge's status listener */
	const char *inside_admin;     /* the inside edge's status listener */
	const char *turn_inside;      /* TURN listener the meeting server uses (serverAddress) */
	const char *turn_outside;     /* a second TURN listener (DMZ side), or NULL */
	const char *relay_addr;       /* relay sockets */
	const char *external_addr;    /* advertised relay address (static NAT), or NULL */
	const char *turn_client;      /* clientAddress given to browsers */
	const char *tunnel_allow;     /* who may open tunnels */
	const char *trusted_proxy;    /* the inside edge, as the web bridge sees it */
	const char *turn_peers;       /* allowed-peers of the embedded TURN */
	const char *media_addr;       /* the SFU's address towards serverAddress ([media] addresses) */
	const char *ns_inet, *ns_dmz, *ns_inside, *ns_vcsc;  /* ns_inside: the meeting server's */
	const char *ext_dns, *int_dns;    /* dnsmasq addresses (netns), or NULL */
};


struct lab_ports {
	int webproxy;       /* outside: guests' HTTPS (the seed's 443) */
	int webbridge;      /* meet: web bridge (443 inside) */
	int api;            /* meet: REST API (445) */
	int traversal;      /* outside: tunnel listener (7001) */
	int admin_out, admin_in;  /* edges' status listeners */
	int turn;           /* outside: embedded TURN, UDP and TCP (3478) */
	int turn_admin;     /* the embedded TURN's /status listener */
	int relay_lo, relay_hi;   /* relay range (24000-29999) */
};

/* A failure of the seed put in on purpose (--break), for doctor's tests
 * and for seeing what each one looks like. */
enum lab_fault {
	LAB_FAULT_NONE,
	LAB_FAULT_GUEST_URI,      /* inside: Guest account client URI = the internal name */
	LAB_FAULT_SELF_SIGNED,    /* outside: self-signed guest certificate */
	LAB_FAULT_EXPIRED,        /* outside: expired guest certificate */
	LAB_FAULT_TRUST,          /* meet: web bridge trust bundle without the call bridge cert */
	LAB_FAULT_TURN_PASSWORD,  /* turnServers password differs from the edge's */
	LAB_FAULT_TUNNEL,         /* inside: wrong traversal password */
	LAB_FAULT_DNS,            /* internal DNS: the external name points at the edge */
};

struct lab {
	char *state;              /* absolute state directory */
	char *self;               /* this binary (/proc/self/exe) */
	char *web_root;           /* absolute guest app directory */
	const struct lab_net *net;
	struct lab_ports port;
	char *admin_password, *turn_password, *traversal_password;
	char *spki;               /* base64 SHA-256 of the guest certificate's SPKI */
	enum lab_fault fault;
};

/* "<state>/<rel>", newly allocated.  Here, below every file of lab, so
 * that none of them needs another for it. */
static inline char *
lab_path(const struct lab *lab, const char *rel)
{
	return g_build_filename(lab->state, rel, NULL);
}

/* certs.c: the private CA and every certificate, made once and reused.
 * Fills lab->spki.  Main thread. */
int lab_certs_ensure(struct lab *lab, GError **err);
/* The certificate the outside edge shows guests (depends on lab->fault). */
const char *lab_certs_guest_name(const struct lab *lab);

/* conf.c: secrets (made once, kept in the state directory) and the
 * configuration files of every node (rewritten on each run).  conf.c
 * sits above certs.c (it names the certificates in the configs); certs.c
 * uses nothing of it. */
int lab_conf_secrets(struct lab *lab, GError **err);
int lab_conf_write(const struct lab *lab, GError **err);
/* Where each listener sits: loopback, or the namespaces of --netns
 * (constant tables). */
const struct lab_net *lab_conf_net(int netns);

/* fault.c */
int lab_fault_parse(const char *name, enum lab_fault *out);
const char *lab_fault_name(enum lab_fault f);
const char *lab_fault_list(void);

/* netns.c: the seed's network in namespaces (root).  up builds it (and
 * the router's NAT and firewall, the resolv.conf of each namespace), down
 * removes everything up made; down is safe on a partial or absent set.
 * (Entering one of them is common/netns.h's: doctor does it too.) */
int lab_netns_up(const struct lab *lab, GError **err);
int lab_netns_down(GError **err);

/* seed.c: runs in the startup worker.  Waits (bounded) until every node
 * answers, then seeds the turnServers entry.  0, or -1 with err. */
int lab_seed_wait_ready(const struct lab *lab, GCancellable *cancel, GError **err);

#endif
