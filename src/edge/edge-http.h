/*
 * edge-http.h: HTTP/1.1 message heads, the chunked decoder and the guest method
 * rules (http.c): zero-copy parsers for hostile input.
 */
#ifndef PORTICO_EDGE_HTTP_H
#define PORTICO_EDGE_HTTP_H

#include "edge/edge-base.h"

#define EDGE_HTTP_MAX_HEADERS 100

struct edge_http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct edge_http_msg {
	/* request line, or status line for responses */
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor;                     /* HTTP/1.minor */
	int status;                    /* responses only */
	struct edge_http_header headers[EDGE_HTTP_MAX_HEADERS];
	size_t nheaders;
	/* derived from the headers */
	int64_t content_length;        /* -1 when absent */
	int chunked;
	const char *host;              /* NULL when absent */
	size_t host_len;
	int conn_close, conn_upgrade, upgrade_websocket;
};

/* Incremental end-of-head search: > 0 head length, EDGE_AGAIN (and
 * *scanned advanced, so the next call only looks at new bytes: a client
 * dribbling its head costs linear, not quadratic, time), EDGE_ERROR. */
int edge_http_head_end(const char *buf, size_t len, size_t max_head, size_t *scanned,
		       const char **why);
/* Request head in buf[0..len).  > 0 head length, EDGE_AGAIN, EDGE_ERROR
 * (*why: one sentence for logs).  Heads longer than max_head are errors.
 * Refuses: obs-fold, bare LF, whitespace before ':', bad tokens/targets,
 * CL with TE, duplicate CL or Host, TE other than "chunked", TE on 1.0,
 * missing Host, absolute-form and authority-form targets. */
int edge_http_parse_request(const char *buf, size_t len, size_t max_head,
			    struct edge_http_msg *m, const char **why);
/* Response head ("HTTP/1.x NNN reason"), same rules where they apply. */
int edge_http_parse_response(const char *buf, size_t len, size_t max_head,
			     struct edge_http_msg *m, const char **why);
/* Is this header hop-by-hop (RFC 9110 7.6.1), or named by Connection? */
int edge_http_hop_by_hop(const struct edge_http_msg *m, const char *name, size_t len);
/* Case-insensitive token search in a comma list. */
int edge_http_list_has(const char *v, size_t vlen, const char *token);
const char *edge_http_reason(int status);
/* 1 for the methods guests may use through the edge, else 0. */
int edge_http_method_allowed(const char *method);
/* 1 for the idempotent ones among them (RFC 9110 9.2.2), else 0. */
int edge_http_method_idempotent(const char *method);

/* Incremental chunked-body decoder (RFC 9112 7.1).  Extensions and
 * trailers are skipped; a chunk-size line or trailer line is capped. */
struct edge_chunked {
	int state;
	uint64_t remaining;
	size_t line;
	int done;
};

/* Decode in[0..len) into out (out may equal in): returns bytes consumed
 * (>= 0) and sets *outlen, or EDGE_ERROR with *why.  c->done once the
 * last chunk and trailers are read; bytes after that are not consumed. */
long edge_http_chunked(struct edge_chunked *c, const uint8_t *in, size_t len,
		       uint8_t *out, size_t *outlen, const char **why);

/* Sec-WebSocket-Accept for a key (RFC 6455 4.2.2); out gets 29 bytes + NUL. */
void edge_http_ws_accept(const char *key, size_t key_len, char out[32]);

#endif
