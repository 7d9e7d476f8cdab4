/*
 * istream.c: one guest request as the inside role sees it, an HTTP/2
 * stream on a tunnel (inside.c takes its head, backend.c forwards it):
 * its life and its response on the tunnel, the body fed from a capped
 * buffer that the web bridge side fills.
 *
 * Ownership: a tunnel's t->streams owns its istreams; an istream owns its
 * web bridge conn.  Main loop thread only.
 */
#include <stdio.h>
#include <string.h>

#include "common/plog.h"
#include "edge/inside-internal.h"

#define MOD "edge"

/* ---------------------------------------------------------------- */
/* istreams                                                          */

void
edge_istream_free(struct istream *s)
{
	if (s->link && s->t)
		g_queue_delete_link(&s->t->streams, s->link);
	if (s->timer)
		g_source_remove(s->timer);
	edge_conn_close(s->b);
	g_ptr_array_free(s->hdr, TRUE);
	g_free(s->method);
	g_free(s->path);
	g_free(s->authority);
	g_free(s->protocol);
	edge_buf_free(&s->head);
	edge_buf_free(&s->resp);
	g_free(s);
}

void
edge_istream_resume(struct istream *s)
{
	if (s->t && s->t->h2 && s->responded) {
		nghttp2_session_resume_data(s->t->h2, s->id);
		edge_tunnel_pump(s->t);
	}
}

static ssize_t
resp_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
	  nghttp2_data_source *src, void *ud)
{
	struct istream *s = src->ptr;
	size_t n = edge_buf_len(&s->resp) < len ? edge_buf_len(&s->resp) : len;

	if (n)
		memcpy(buf, edge_buf_head(&s->resp), n);
	edge_buf_consume(&s->resp, n);
	if (s->b && n && edge_buf_room(&s->resp) >= 16384)
		edge_conn_pause(s->b, 0);          /* room for a full read again */
	if (!edge_buf_len(&s->resp) && s->resp_eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	return (ssize_t)n;
}

/* Submit the response head; body from s->resp unless end. */
void
edge_istream_submit(struct istream *s, int status, GPtrArray *hdr, int end)
{
	nghttp2_nv nva[EDGE_HTTP_MAX_HEADERS + 4];
	size_t n = 0;
	char st[8];
	nghttp2_data_provider dp = { { .ptr = s }, resp_read };

	if (!s->t || !s->t->h2 || s->responded)
		return;
	snprintf(st, sizeof(st), "%d", status);
	nva[n++] = edge_tunnel_nv(":status", st);          /* edge_tunnel_nv: nghttp2 copies */
	for (guint i = 0; hdr && i + 1 < hdr->len && n < G_N_ELEMENTS(nva); i += 2)
		nva[n++] = edge_tunnel_nv(g_ptr_array_index(hdr, i), g_ptr_array_index(hdr, i + 1));
	nghttp2_submit_response(s->t->h2, s->id, nva, n, end ? NULL : &dp);
	s->responded = 1;
	edge_tunnel_pump(s->t);
}

void
edge_istream_respond_error(struct istream *s, int status, const char *why)
{
	GPtrArray *h = g_ptr_array_new_with_free_func(g_free);
	char *body = g_strdup_printf("%d %s: %s\n", status, edge_http_reason(status), why);

	g_ptr_array_add(h, g_strdup("content-type"));
	g_ptr_array_add(h, g_strdup("text/plain; charset=utf-8"));
	g_ptr_array_add(h, g_strdup("x-portico-edge-reason"));
	g_ptr_array_add(h, g_strdup(why));
	edge_buf_free(&s->resp);
	edge_buf_init(&s->resp, 4096);
	edge_buf_append(&s->resp, body, strlen(body));
	s->resp_eof = 1;
	s->t->proc->ctr.status[status / 100]++;
	edge_istream_submit(s, status, h, 0);
	g_ptr_array_free(h, TRUE);
	g_free(body);
	edge_conn_close(s->b);
	s->b = NULL;
}
