/*
 * buf.c: edge_buf, a byte queue with a hard cap.  Every buffer on the edge
 * is one of these, so no peer can make the process grow without bound.
 * Main loop thread only (like every edge object).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge/edge-base.h"

void
edge_buf_init(struct edge_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
buf_reserve(struct edge_buf *b, size_t n)
{
	size_t need, alloc;
	uint8_t *p;

	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->alloc - b->len >= n)
		return 0;
	if (b->off) {                      /* compact before growing */
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->alloc - b->len >= n)
			return 0;
	}
	need = b->len + n;
	alloc = b->alloc ? b->alloc : 4096;
	while (alloc < need)
		alloc *= 2;
	p = realloc(b->data, alloc);
	if (!p)
		return -1;
	b->data = p;
	b->alloc = alloc;
	return 0;
}

int
edge_buf_append(struct edge_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n > edge_buf_room(b) || buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
edge_buf_printf(struct edge_buf *b, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return edge_buf_append(b, tmp, (size_t)n);
}

void
edge_buf_consume(struct edge_buf *b, size_t n)
{
	if (n > edge_buf_len(b))
		n = edge_buf_len(b);
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void
edge_buf_drop_tail(struct edge_buf *b, size_t n)
{
	b->len -= n < edge_buf_len(b) ? n : edge_buf_len(b);
}

void
edge_buf_free(struct edge_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->alloc = 0;
}
