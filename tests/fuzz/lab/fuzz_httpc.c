/* libFuzzer harness: the probe client's HTTP/1.1 response parser and
 * chunked decoder (src/httpc/httpc.c: http_parse, http_dechunk), which read
 * what portico's own nodes answer.  The file is included to reach its
 * statics. */
#include "../../../src/httpc/httpc.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpc_resp r;
	GString *in = g_string_new_len((const char *)data, (gssize)size);

	memset(&r, 0, sizeof(r));
	(void)http_parse(in, &r);
	httpc_resp_clear(&r);
	g_string_free(in, TRUE);
	return 0;
}
