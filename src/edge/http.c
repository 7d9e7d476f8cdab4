/*
 * http.c: HTTP/1.1 message heads and chunked bodies from hostile peers.
 *
 * Zero-copy (picohttpparser style): the parsed message points into the
 * caller's buffer.  Strict where leniency lets two parsers disagree
 * (request smuggling, RFC 9112 6.3 and 11.2): every refusal is an error
 * with a one-sentence reason for the log; the proxy answers 400.
 * No allocation, no state outside the arguments; any thread.
 */
#include <glib.h>
#include <string.h>
#include <strings.h>

#include "common/hex.h"
#include "edge/edge-http.h"

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_vchar_or_ws(unsigned char c)
{
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

static int
ieq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

int
edge_http_head_end(const char *buf, size_t len, size_t max_head, size_t *scanned, const char **why)
{
	size_t lim = len < max_head ? len : max_head;

	for (size_t i = *scanned; i < lim; i++) {
		if (buf[i] != '\n')
			continue;
		/* A bare LF would end a lenient parser's line: refuse it early. */
		if (i == 0 || buf[i - 1] != '\r') {
			*why = "bare LF line ending";
			return EDGE_ERROR;
		}
		if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return (int)(i + 1);
	}
	*scanned = lim;
	if (len >= max_head) {
		*why = "message head too large";
		return EDGE_ERROR;
	}
	return EDGE_AGAIN;
}

static long
head_end(const char *buf, size_t len, size_t max_head, const char **why)
{
	size_t scanned = 0;

	return edge_http_head_end(buf, len, max_head, &scanned, why);
}

/* One line [p, *eol) ending in CRLF; returns the line length or -1. */
static long
next_line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (!nl || nl == p || nl[-1] != '\r')
		return -1;
	*next = nl + 1;
	return (long)(nl - 1 - p);
}

static int
parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return -1;
	*minor = p[7] - '0';
	return 0;
}

static int
parse_request_line(const char *p, size_t n, struct edge_http_msg *m, const char **why)
{
	const char *sp1 = memchr(p, ' ', n), *sp2;
	size_t i;

	if (!sp1 || sp1 == p) {
		*why = "malformed request line";
		return -1;
	}
	m->method = p;
	m->method_len = (size_t)(sp1 - p);
	for (i = 0; i < m->method_len; i++)
		if (!is_tchar((unsigned char)p[i])) {
			*why = "invalid character in method";
			return -1;
		}
	sp2 = memchr(sp1 + 1, ' ', n - m->method_len - 1);
	if (!sp2 || sp2 == sp1 + 1) {
		*why = "malformed request line";
		return -1;
	}
	m->target = sp1 + 1;
	m->target_len = (size_t)(sp2 - m->target);
	for (i = 0; i < m->target_len; i++) {
		unsigned char c = (unsigned char)m->target[i];
		if (c <= 0x20 || c >= 0x7f) {
			*why = "invalid character in request target";
			return -1;
		}
	}
	if (parse_version(sp2 + 1, n - (size_t)(sp2 + 1 - p), &m->minor) < 0) {
		*why = "unsupported HTTP version";
		return -1;
	}
	if (m->target[0] != '/') {
		*why = m->target[0] == '*' ? "asterisk-form request target" :
		       memchr(m->target, '/', m->target_len) ?
		       "absolute-form request target (this is not a forward proxy)" :
		       "authority-form request target (CONNECT is not proxied)";
		return -1;
	}
	return 0;
}

static int
parse_status_line(const char *p, size_t n, struct edge_http_msg *m, const char **why)
{
	if (n < 12 || parse_version(p, 8, &m->minor) < 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (n > 12 && p[12] != ' ')) {
		*why = "malformed status line";
		return -1;
	}
	m->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	return 0;
}

static int
parse_header_line(const char *p, size_t n, struct edge_http_header *h, const char **why)
{
	const char *colon = memchr(p, ':', n), *v, *ve;

	if (p[0] == ' ' || p[0] == '\t') {
		*why = "obsolete line folding";
		return -1;
	}
	if (!colon || colon == p) {
		*why = "header line without a name";
		return -1;
	}
	for (const char *q = p; q < colon; q++)
		if (!is_tchar((unsigned char)*q)) {
			*why = *q == ' ' || *q == '\t' ? "whitespace before ':' in a header" :
			       "invalid character in a header name";
			return -1;
		}
	v = colon + 1;
	ve = p + n;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	for (const char *q = v; q < ve; q++)
		if (!is_vchar_or_ws((unsigned char)*q)) {
			*why = "invalid character in a header value";
			return -1;
		}
	h->name = p;
	h->name_len = (size_t)(colon - p);
	h->value = v;
	h->value_len = (size_t)(ve - v);
	return 0;
}

int
edge_http_list_has(const char *v, size_t vlen, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (i < vlen) {
		size_t s, e;
		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < vlen && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tlen && strncasecmp(v + s, token, tlen) == 0)
			return 1;
	}
	return 0;
}

static int
parse_content_length(const struct edge_http_header *h, int64_t *out, const char **why)
{
	int64_t v = 0;

	if (*out != -1) {
		*why = "more than one Content-Length";
		return -1;
	}
	if (h->value_len == 0 || h->value_len > 15) {
		*why = "invalid Content-Length";
		return -1;
	}
	for (size_t i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9') {
			*why = "invalid Content-Length";
			return -1;
		}
		v = v * 10 + (h->value[i] - '0');
	}
	*out = v;
	return 0;
}

/* Derived fields; the checks a smuggler would aim at live here. */
static int
derive(struct edge_http_msg *m, const char **why)
{
	int te = 0;

	m->content_length = -1;
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct edge_http_header *h = &m->headers[i];
		if (ieq(h->name, h->name_len, "content-length")) {
			if (parse_content_length(h, &m->content_length, why) < 0)
				return -1;
		} else if (ieq(h->name, h->name_len, "transfer-encoding")) {
			if (te++ || !ieq(h->value, h->value_len, "chunked")) {
				*why = "Transfer-Encoding other than a single \"chunked\"";
				return -1;
			}
			m->chunked = 1;
		} else if (ieq(h->name, h->name_len, "host")) {
			if (m->host) {
				*why = "more than one Host";
				return -1;
			}
			m->host = h->value;
			m->host_len = h->value_len;
		} else if (ieq(h->name, h->name_len, "connection")) {
			m->conn_close |= edge_http_list_has(h->value, h->value_len, "close");
			m->conn_upgrade |= edge_http_list_has(h->value, h->value_len, "upgrade");
		} else if (ieq(h->name, h->name_len, "upgrade")) {
			m->upgrade_websocket |= edge_http_list_has(h->value, h->value_len, "websocket");
		}
	}
	if (m->chunked && m->content_length != -1) {
		*why = "both Content-Length and Transfer-Encoding";
		return -1;
	}
	if (m->chunked && m->minor == 0) {
		*why = "Transfer-Encoding in an HTTP/1.0 message";
		return -1;
	}
	return 0;
}

static int
parse_head(const char *buf, size_t len, size_t max_head, struct edge_http_msg *m,
	   int request, const char **why)
{
	const char *p = buf, *next, *end;
	long hl = head_end(buf, len, max_head, why), n;

	if (hl < 0)
		return (int)hl;
	memset(m, 0, sizeof(*m));
	end = buf + hl;
	n = next_line(p, end, &next);
	if (n <= 0) {
		*why = "empty first line";
		return EDGE_ERROR;
	}
	if (request ? parse_request_line(p, (size_t)n, m, why) < 0 :
		      parse_status_line(p, (size_t)n, m, why) < 0)
		return EDGE_ERROR;
	for (p = next; (n = next_line(p, end, &next)) > 0; p = next) {
		if (m->nheaders == EDGE_HTTP_MAX_HEADERS) {
			*why = "too many header fields";
			return EDGE_ERROR;
		}
		if (parse_header_line(p, (size_t)n, &m->headers[m->nheaders++], why) < 0)
			return EDGE_ERROR;
	}
	if (n < 0 || next != end) {
		*why = "malformed header section";
		return EDGE_ERROR;
	}
	if (derive(m, why) < 0)
		return EDGE_ERROR;
	if (request && !m->host) {
		*why = "no Host header";
		return EDGE_ERROR;
	}
	return (int)hl;
}

int
edge_http_parse_request(const char *buf, size_t len, size_t max_head,
			struct edge_http_msg *m, const char **why)
{
	return parse_head(buf, len, max_head, m, 1, why);
}

int
edge_http_parse_response(const char *buf, size_t len, size_t max_head,
			 struct edge_http_msg *m, const char **why)
{
	return parse_head(buf, len, max_head, m, 0, why);
}

int
edge_http_hop_by_hop(const struct edge_http_msg *m, const char *name, size_t len)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "te", "trailer",
		"transfer-encoding", "upgrade", "proxy-authenticate",
		"proxy-authorization", "http2-settings",
	};
	char tok[64];

	for (size_t i = 0; i < G_N_ELEMENTS(hop); i++)
		if (ieq(name, len, hop[i]))
			return 1;
	if (!m || len >= sizeof(tok))
		return 0;
	memcpy(tok, name, len);
	tok[len] = '\0';
	for (size_t i = 0; i < m->nheaders; i++)
		if (ieq(m->headers[i].name, m->headers[i].name_len, "connection") &&
		    edge_http_list_has(m->headers[i].value, m->headers[i].value_len, tok))
			return 1;
	return 0;
}

const char *
edge_http_reason(int status)
{
	/* The IANA HTTP status code registry (RFC 9110 15 and the RFCs it
	 * names): the edge relays whatever a web bridge answers. */
	static const struct { int code; const char *text; } reasons[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 102, "Processing" },
		{ 103, "Early Hints" }, { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
		{ 205, "Reset Content" }, { 206, "Partial Content" }, { 207, "Multi-Status" },
		{ 208, "Already Reported" }, { 226, "IM Used" }, { 300, "Multiple Choices" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 305, "Use Proxy" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Payment Required" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 407, "Proxy Authentication Required" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
		{ 421, "Misdirected Request" }, { 422, "Unprocessable Content" }, { 423, "Locked" },
		{ 424, "Failed Dependency" }, { 425, "Too Early" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
		{ 506, "Variant Also Negotiates" }, { 507, "Insufficient Storage" },
		{ 508, "Loop Detected" }, { 510, "Not Extended" },
		{ 511, "Network Authentication Required" },
	};
	/* Unregistered codes: the phrase of their class (RFC 9110 15). */
	static const char *const classes[] = { "Unknown", "Informational", "Successful",
					       "Redirection", "Client Error", "Server Error" };

	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return classes[status >= 100 && status <= 599 ? status / 100 : 0];
}

/* ---- chunked bodies ---- */

enum {
	CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF,
	CH_TR_START, CH_TR_LINE, CH_TR_LF, CH_LAST_LF,
};

#define CH_LINE_MAX 4096

/* One byte of framing (every state but CH_DATA); 0 or -1. */
static int
chunk_byte(struct edge_chunked *c, unsigned char ch, const char **why)
{
	int h;

	*why = "malformed chunked encoding";
	if (++c->line > CH_LINE_MAX) {
		*why = "chunk size or trailer line too long";
		return -1;
	}
	switch (c->state) {
	case CH_SIZE:
		if ((h = hex_digit(ch)) >= 0) {
			if (c->remaining >> 56) {
				*why = "chunk size too large";
				return -1;
			}
			c->remaining = c->remaining * 16 + (uint64_t)h;
			return 0;
		}
		if (c->line == 1)
			return -1;
		if (ch == ';' || ch == ' ' || ch == '\t')
			c->state = CH_EXT;
		else if (ch == '\r')
			c->state = CH_SIZE_LF;
		else
			return -1;
		return 0;
	case CH_EXT:
		if (ch == '\n')
			return -1;
		if (ch == '\r')
			c->state = CH_SIZE_LF;
		return 0;
	case CH_SIZE_LF:
		if (ch != '\n')
			return -1;
		c->line = 0;
		c->state = c->remaining ? CH_DATA : CH_TR_START;
		return 0;
	case CH_DATA_CR:
		if (ch != '\r')
			return -1;
		c->state = CH_DATA_LF;
		return 0;
	case CH_DATA_LF:
		if (ch != '\n')
			return -1;
		c->state = CH_SIZE;
		c->line = 0;
		c->remaining = 0;
		return 0;
	case CH_TR_START:
		c->state = ch == '\r' ? CH_LAST_LF : CH_TR_LINE;
		return ch == '\n' ? -1 : 0;
	case CH_TR_LINE:
		if (ch == '\n')
			return -1;
		if (ch == '\r')
			c->state = CH_TR_LF;
		return 0;
	case CH_TR_LF:
		if (ch != '\n')
			return -1;
		c->state = CH_TR_START;
		return 0;
	case CH_LAST_LF:
		if (ch != '\n')
			return -1;
		c->done = 1;
		return 0;
	}
	return -1;
}

long
edge_http_chunked(struct edge_chunked *c, const uint8_t *in, size_t len,
		  uint8_t *out, size_t *outlen, const char **why)
{
	size_t i = 0, o = 0;

	while (i < len && !c->done) {
		if (c->state == CH_DATA) {
			size_t n = len - i;
			if (n > c->remaining)
				n = (size_t)c->remaining;
			memmove(out + o, in + i, n);
			o += n;
			i += n;
			c->remaining -= n;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		if (chunk_byte(c, in[i++], why) < 0)
			return EDGE_ERROR;
	}
	*outlen = o;
	return (long)i;
}

void
edge_http_ws_accept(const char *key, size_t key_len, char out[32])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize dlen = sizeof(digest);
	gchar *b64;

	g_checksum_update(sha, (const guchar *)key, (gssize)key_len);
	g_checksum_update(sha, (const guchar *)guid, sizeof(guid) - 1);
	g_checksum_get_digest(sha, digest, &dlen);
	g_checksum_free(sha);
	b64 = g_base64_encode(digest, dlen);
	g_strlcpy(out, b64, 32);
	g_free(b64);
}

static int
method_in(const char *m, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m, set[i]))
			return 1;
	return 0;
}

/* The guest methods the edge forwards (issue 6: GET, POST, PUT, HEAD,
 * DELETE; WebSocket upgrades are GETs).  Both roles check it: the outside
 * before forwarding, the inside again on what the tunnel delivers. */
int
edge_http_method_allowed(const char *m)
{
	static const char *const ok[] = { "GET", "POST", "PUT", "HEAD", "DELETE" };

	return method_in(m, ok, G_N_ELEMENTS(ok));
}

int
edge_http_method_idempotent(const char *m)
{
	static const char *const ok[] = { "GET", "PUT", "HEAD", "DELETE" };

	return method_in(m, ok, G_N_ELEMENTS(ok));
}
