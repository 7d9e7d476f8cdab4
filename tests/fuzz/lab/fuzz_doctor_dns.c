/* libFuzzer harness: portico doctor's DNS answer parser
 * (src/doctor/resolve.c: dns_answers, dns_skip_name), which reads UDP
 * answers from whatever resolver the operator names.  The file is included
 * to reach its statics. */
#include "../../../src/doctor/resolve.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doctor_target out[8];
	uint16_t id;

	if (size < 2)
		return 0;
	id = (uint16_t)(data[0] << 8 | data[1]);   /* the id the answer must carry */
	(void)dns_answers(data, size, id, "cmsweb.octavio.com", out, 8);
	return 0;
}
