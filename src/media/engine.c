/*
 * engine.c: the media engine's workers, the commands the control thread
 * sends them and the events they send back (media.h has the contract).
 * The top of the module: it owns rooms and peers (peer.h) and gives each
 * worker's peers an environment whose emit callback queues events here.
 *
 * Ownership and threads: struct media_engine belongs to the control thread
 * except the fields marked shared.  Each struct mworker, its rooms and its
 * peers belong to that worker's thread alone; the control thread reaches
 * them only through commands queued on the worker's GMainContext
 * (g_main_context_invoke_full), and they answer with events queued on the
 * control context.
 */
#include <string.h>

#include "common/plog.h"
#include "media/peer.h"

struct media_engine;

struct mworker {
	struct media_engine *e;
	struct media_peer_env env;  /* what its peers see; set before the thread starts */
	struct media_fwd_counters totals;  /* env.totals: atomic adds by the worker */
	unsigned index;
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	GHashTable *peers;          /* id -> struct media_peer (owned) */
	GHashTable *rooms;          /* id -> struct mroom (owned) */
	guint tick;
};

struct media_engine {
	struct media_config cfg;
	struct media_cert cert;     /* read-only after start, shared */
	media_event_cb cb;
	void *cbctx;
	GMainContext *control;
	struct mworker *w;
	unsigned nw;
	GHashTable *where;          /* control thread: peer id -> room id */
	gint refs;                  /* shared: atomic; events in flight hold one */
	int closed;                 /* control thread */
};

enum cmd_op { CMD_ADD, CMD_REMOVE, CMD_ANSWER, CMD_CANDIDATE, CMD_RESTART, CMD_KEYFRAME,
	      CMD_PRESENTATION, CMD_FORWARD, CMD_QUIT };

/* A command for one worker; owned by the worker's context once queued. */
struct cmd {
	struct mworker *w;
	enum cmd_op op;
	uint32_t room, peer;
	char *text;
	char label[64];
	struct media_turn turn[MEDIA_MAX_TURN];
	unsigned nturn;
};

/* An event on its way to the control thread; holds an engine reference. */
struct evbox {
	struct media_engine *e;
	struct media_event ev;
	char *sdp, *text;
	struct media_stats st;
};

/* ---- events (worker -> control) -------------------------------------------- */

static void
engine_unref(struct media_engine *e)
{
	if (!g_atomic_int_dec_and_test(&e->refs))
		return;
	media_cert_free(&e->cert);
	g_free(e->w);
	g_free(e);
}

static gboolean
ev_deliver(gpointer data)
{
	struct evbox *b = data;

	if (!b->e->closed)
		b->e->cb(b->e->cbctx, &b->ev);
	return G_SOURCE_REMOVE;
}

static void
ev_free(gpointer data)
{
	struct evbox *b = data;

	engine_unref(b->e);
	g_free(b->sdp);
	g_free(b->text);
	g_free(b);
}

/* struct media_peer_env's emit: any worker, ctx = the engine. */
static void
engine_emit(void *ctx, const struct media_event *ev)
{
	struct media_engine *e = ctx;
	struct evbox *b = g_new0(struct evbox, 1);

	b->e = e;
	b->ev = *ev;
	b->sdp = g_strdup(ev->sdp);
	b->text = g_strdup(ev->text);
	b->ev.sdp = b->sdp;
	b->ev.text = b->text;
	if (ev->stats) {
		b->st = *ev->stats;
		b->ev.stats = &b->st;
	}
	g_atomic_int_inc(&e->refs);
	g_main_context_invoke_full(e->control, G_PRIORITY_DEFAULT, ev_deliver, b, ev_free);
}

/* ---- commands (control -> worker), run on the worker ----------------------- */

static struct mroom *
room_get(struct mworker *w, uint32_t id)
{
	struct mroom *r = g_hash_table_lookup(w->rooms, GUINT_TO_POINTER(id));

	if (!r) {
		r = g_new0(struct mroom, 1);
		r->id = id;
		r->peers = g_ptr_array_new();
		g_hash_table_insert(w->rooms, GUINT_TO_POINTER(id), r);
	}
	return r;
}

static void
room_free(gpointer p)
{
	struct mroom *r = p;

	g_ptr_array_unref(r->peers);
	g_free(r);
}

static void
cmd_add(struct mworker *w, struct cmd *c)
{
	struct mroom *r = room_get(w, c->room);
	struct media_peer *p = media_peer_create(&w->env, r, c->peer, c->label, c->turn, c->nturn);

	if (!p) {
		if (r->peers->len == 0)
			g_hash_table_remove(w->rooms, GUINT_TO_POINTER(c->room));
		return;
	}
	g_hash_table_insert(w->peers, GUINT_TO_POINTER(c->peer), p);
	g_ptr_array_add(r->peers, p);
}

static void
cmd_remove(struct mworker *w, struct cmd *c)
{
	struct media_peer *p = g_hash_table_lookup(w->peers, GUINT_TO_POINTER(c->peer));
	struct mroom *r;

	if (!p)
		return;
	r = p->room;
	g_ptr_array_remove(r->peers, p);
	g_hash_table_remove(w->peers, GUINT_TO_POINTER(c->peer));   /* destroys p */
	if (r->peers->len == 0)
		g_hash_table_remove(w->rooms, GUINT_TO_POINTER(r->id));
	else
		media_neg_room_all(r, NULL);
}

static void
peer_answer(struct media_peer *p, const char *text)
{
	media_neg_answer(p, text);
}

static void
peer_restart(struct media_peer *p, const char *text)
{
	media_peer_on_restart(p);
}

static void
peer_keyframe(struct media_peer *p, const char *text)
{
	media_fwd_pli(p, MEDIA_VIDEO);
}

/* text "1" allows the peer to contribute a presentation, "0" refuses it. */
static void
peer_presentation(struct media_peer *p, const char *text)
{
	p->presentation_denied = !text || strcmp(text, "1") != 0;
}

static void
peer_forward(struct media_peer *p, const char *text)
{
	p->fwd_off = ~(unsigned)g_ascii_strtoull(text, NULL, 10) & (MEDIA_FWD_AUDIO | MEDIA_FWD_VIDEO);
}

/* Commands about one existing peer, by op. */
static void (*const peer_ops[])(struct media_peer *, const char *) = {
	[CMD_ANSWER] = peer_answer, [CMD_CANDIDATE] = media_ice_candidate,
	[CMD_RESTART] = peer_restart, [CMD_KEYFRAME] = peer_keyframe,
	[CMD_PRESENTATION] = peer_presentation,
	[CMD_FORWARD] = peer_forward,
};

static void
cmd_peer(struct mworker *w, struct cmd *c)
{
	struct media_peer *p = g_hash_table_lookup(w->peers, GUINT_TO_POINTER(c->peer));

	if (p)
		peer_ops[c->op](p, c->text);
}

static void
cmd_quit(struct mworker *w, struct cmd *c)
{
	GSource *t = w->tick ? g_main_context_find_source_by_id(w->ctx, w->tick) : NULL;

	if (t)
		g_source_destroy(t);
	w->tick = 0;
	g_hash_table_remove_all(w->peers);
	g_hash_table_remove_all(w->rooms);
	g_main_loop_quit(w->loop);
}

static void (*const cmd_ops[])(struct mworker *, struct cmd *) = {
	[CMD_ADD] = cmd_add, [CMD_REMOVE] = cmd_remove, [CMD_ANSWER] = cmd_peer,
	[CMD_CANDIDATE] = cmd_peer, [CMD_RESTART] = cmd_peer, [CMD_KEYFRAME] = cmd_peer,
	[CMD_PRESENTATION] = cmd_peer, [CMD_FORWARD] = cmd_peer,
	[CMD_QUIT] = cmd_quit,
};

static gboolean
cmd_run(gpointer data)
{
	struct cmd *c = data;

	cmd_ops[c->op](c->w, c);
	return G_SOURCE_REMOVE;
}

static void
cmd_free(gpointer data)
{
	struct cmd *c = data;

	if (c->text)
		g_free(c->text);
	explicit_bzero(c->turn, sizeof(c->turn));
	g_free(c);
}

static void
cmd_send(struct mworker *w, struct cmd *c)
{
	c->w = w;
	g_main_context_invoke_full(w->ctx, G_PRIORITY_DEFAULT, cmd_run, c, cmd_free);
}

/* ---- workers ------------------------------------------------------------------ */

static gboolean
worker_tick(gpointer data)
{
	struct mworker *w = data;
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, w->peers);
	while (g_hash_table_iter_next(&it, NULL, &v))
		media_stats_tick(v, 1.0);
	return G_SOURCE_CONTINUE;
}

static gpointer
worker_main(gpointer data)
{
	struct mworker *w = data;
	GSource *t;

	g_main_context_push_thread_default(w->ctx);
	t = g_timeout_source_new_seconds(1);
	g_source_set_callback(t, worker_tick, w, NULL);
	w->tick = g_source_attach(t, w->ctx);
	g_source_unref(t);
	g_main_loop_run(w->loop);
	g_main_context_pop_thread_default(w->ctx);
	return NULL;
}

static void
peer_destroy_cb(gpointer p)
{
	media_peer_destroy(p);
}

static void
worker_start(struct media_engine *e, unsigned i)
{
	struct mworker *w = &e->w[i];
	char name[16];

	w->e = e;
	w->index = i;
	w->ctx = g_main_context_new();
	w->env = (struct media_peer_env){ .cfg = &e->cfg, .cert = &e->cert, .ctx = w->ctx,
					  .worker = i, .emit = engine_emit, .emit_ctx = e,
					  .totals = &w->totals };
	w->loop = g_main_loop_new(w->ctx, FALSE);
	w->peers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, peer_destroy_cb);
	w->rooms = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, room_free);
	g_snprintf(name, sizeof(name), "media-%u", i);
	w->thread = g_thread_new(name, worker_main, w);
}

static void
worker_stop(struct mworker *w)
{
	struct cmd *c = g_new0(struct cmd, 1);

	c->op = CMD_QUIT;
	cmd_send(w, c);
	g_thread_join(w->thread);
	/* Commands queued after the quit are dropped (their destroy runs). */
	g_main_loop_unref(w->loop);
	g_main_context_unref(w->ctx);
	g_hash_table_unref(w->peers);
	g_hash_table_unref(w->rooms);
}

struct media_engine *
media_engine_new(const struct media_config *cfg, media_event_cb cb, void *ctx, const char **err)
{
	struct media_engine *e = g_new0(struct media_engine, 1);
	/* Global because libsrtp's state is: srtp_init once per process, from
	 * whichever thread makes the first engine (g_once makes that safe). */
	static gsize srtp_once;

	if (g_once_init_enter(&srtp_once)) {
		if (srtp_init() != srtp_err_status_ok) {
			*err = "libsrtp initialisation failed";
			g_free(e);
			return NULL;
		}
		g_once_init_leave(&srtp_once, 1);
	}
	if (media_cert_new(&e->cert, err) < 0) {
		g_free(e);
		return NULL;
	}
	e->cfg = *cfg;
	e->nw = cfg->workers ? cfg->workers : g_get_num_processors();
	e->cb = cb;
	e->cbctx = ctx;
	e->refs = 1;
	e->control = g_main_context_ref_thread_default();
	e->where = g_hash_table_new(g_direct_hash, g_direct_equal);
	e->w = g_new0(struct mworker, e->nw);
	for (unsigned i = 0; i < e->nw; i++)
		worker_start(e, i);
	plog(PLOG_INFO, "media", "media engine started: %u workers, DTLS fingerprint sha-256 %s",
	     e->nw, e->cert.fingerprint);
	return e;
}

void
media_engine_free(struct media_engine *e)
{
	if (!e)
		return;
	e->closed = 1;
	for (unsigned i = 0; i < e->nw; i++)
		worker_stop(&e->w[i]);
	/* Drop the events still queued on the control context (closed: not
	 * delivered); each holds a reference. */
	while (g_atomic_int_get(&e->refs) > 1)
		g_main_context_iteration(e->control, FALSE);
	g_hash_table_unref(e->where);
	g_main_context_unref(e->control);
	engine_unref(e);
}

/* ---- the control thread's API ------------------------------------------------------ */

void
media_engine_counters(struct media_engine *e, struct media_fwd_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; e && i < e->nw; i++) {
		struct media_fwd_counters *t = &e->w[i].totals;
		out->packets += __atomic_load_n(&t->packets, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
		out->dropped_packets += __atomic_load_n(&t->dropped_packets, __ATOMIC_RELAXED);
		out->dropped_bytes += __atomic_load_n(&t->dropped_bytes, __ATOMIC_RELAXED);
	}
}

static struct mworker *
worker_of(struct media_engine *e, uint32_t peer)
{
	gpointer room;

	if (!g_hash_table_lookup_extended(e->where, GUINT_TO_POINTER(peer), NULL, &room))
		return NULL;
	return &e->w[GPOINTER_TO_UINT(room) % e->nw];
}

int
media_peer_add(struct media_engine *e, uint32_t room, uint32_t peer, const char *label,
	       const struct media_turn *turn, unsigned nturn)
{
	struct cmd *c;

	if (!peer || g_hash_table_contains(e->where, GUINT_TO_POINTER(peer)))
		return -1;
	c = g_new0(struct cmd, 1);
	c->op = CMD_ADD;
	c->room = room;
	c->peer = peer;
	g_strlcpy(c->label, label, sizeof(c->label));
	c->nturn = nturn < MEDIA_MAX_TURN ? nturn : MEDIA_MAX_TURN;
	if (c->nturn)
		memcpy(c->turn, turn, c->nturn * sizeof(*turn));
	g_hash_table_insert(e->where, GUINT_TO_POINTER(peer), GUINT_TO_POINTER(room));
	cmd_send(&e->w[room % e->nw], c);
	return 0;
}

static void
peer_cmd(struct media_engine *e, uint32_t peer, enum cmd_op op, const char *text)
{
	struct mworker *w = worker_of(e, peer);
	struct cmd *c;

	if (!w)
		return;
	c = g_new0(struct cmd, 1);
	c->op = op;
	c->peer = peer;
	c->text = g_strdup(text);
	cmd_send(w, c);
}

void
media_peer_remove(struct media_engine *e, uint32_t peer)
{
	peer_cmd(e, peer, CMD_REMOVE, NULL);
	g_hash_table_remove(e->where, GUINT_TO_POINTER(peer));
}

void
media_peer_answer(struct media_engine *e, uint32_t peer, const char *sdp)
{
	peer_cmd(e, peer, CMD_ANSWER, sdp);
}

void
media_peer_candidate(struct media_engine *e, uint32_t peer, const char *cand)
{
	peer_cmd(e, peer, CMD_CANDIDATE, cand);
}

void
media_peer_restart(struct media_engine *e, uint32_t peer)
{
	peer_cmd(e, peer, CMD_RESTART, NULL);
}

void
media_peer_keyframe(struct media_engine *e, uint32_t peer)
{
	peer_cmd(e, peer, CMD_KEYFRAME, NULL);
}

void
media_peer_set_presentation(struct media_engine *e, uint32_t peer, int allowed)
{
	peer_cmd(e, peer, CMD_PRESENTATION, allowed ? "1" : "0");
}

void
media_peer_set_forward(struct media_engine *e, uint32_t peer, unsigned mask)
{
	char buf[8];

	g_snprintf(buf, sizeof(buf), "%u", mask & (MEDIA_FWD_AUDIO | MEDIA_FWD_VIDEO));
	peer_cmd(e, peer, CMD_FORWARD, buf);
}
