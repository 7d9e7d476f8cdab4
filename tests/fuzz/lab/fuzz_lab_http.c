/* libFuzzer harness: the lab's HTTP/1.1 response parser and chunked
 * decoder (src/lab/http.c: http_parse, http_dechunk), which read what
 * portico's own nodes answer.  The file is included to reach its statics. */
#include "../../../src/lab/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_http_resp r;
	GString *in = g_string_new_len((const char *)data, (gssize)size);

	memset(&r, 0, sizeof(r));
	(void)http_parse(in, &r);
	lab_http_resp_clear(&r);
	g_string_free(in, TRUE);
	return 0;
}
