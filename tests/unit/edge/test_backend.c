/*
 * Unit tests of src/edge/backend.c: a guest request forwarded to a web
 * bridge that nobody listens for: the connect is refused, the target is
 * marked Failed, no other web bridge is usable, the stream gets 502; and
 * one with no target at all.
 */
#include <netinet/in.h>

#include "edge_fixture.h"
#include "tap.h"

static struct istream *
stream(struct edge_tunnel *t, int32_t id)
{
	struct istream *s = g_new0(struct istream, 1);

	s->t = t;
	s->id = id;
	s->hdr = g_ptr_array_new_with_free_func(g_free);
	s->method = g_strdup("GET");
	s->path = g_strdup("/");
	s->authority = g_strdup(FX_HOST);
	s->req_eof = 1;
	edge_buf_init(&s->resp, fx_cfg.w_stream_buffer);
	edge_buf_init(&s->head, REQ_HEAD_MAX);
	g_queue_push_tail(&t->streams, s);
	s->link = g_queue_peek_tail_link(&t->streams);
	return s;
}

int
main(void)
{
	struct edge_tunnel *t;
	struct edge_target *tg;
	struct istream *s;

	fx_proc_init();
	t = fx_tunnel(&edge_inside_tunnel_ops);
	s = stream(t, 1);
	edge_backend_forward(s);
	ok(s->responded, "no web bridge: answered at once");
	is_int(fx_p.ctr.status[5], 1, "with 502");

	tg = &fx_p.targets[0];
	memset(tg, 0, sizeof(*tg));
	g_strlcpy(tg->name, "wb1.example.com", sizeof(tg->name));
	addr_parse("127.0.0.1", fx_closed_port(), &tg->addr);
	tg->healthy = -1;
	fx_p.ntargets = 1;
	s = stream(t, 3);
	edge_backend_forward(s);
	is_int(fx_p.ctr.backend_conns, 1, "a TLS connection to the web bridge is opened");
	ok(s->b != NULL && s->attempts == 1, "the stream waits for it");
	for (int i = 0; i < 1000 && !s->responded; i++)
		g_main_context_iteration(NULL, TRUE);
	ok(s->responded, "the refused connect ends the stream");
	is_int(tg->healthy, 0, "the web bridge is marked Failed");
	ok(tg->why[0] != '\0', "with a reason: %s", tg->why);
	is_int(fx_p.ctr.status[5], 2, "no other usable web bridge: 502");
	is_int(fx_p.ctr.backend_errors, 0, "an unusable target is not a backend error");
	fx_p.ntargets = 0;
	fx_end_tunnel(t);
	fx_end();
	return tap_done();
}
