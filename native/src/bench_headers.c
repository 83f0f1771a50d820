/* Entry points of the C l4-hash twin for tests: see cpm_bench_headers.h. */
#include <stddef.h>

#include "cpm_bench_headers.h"

int cpm_bench_headers_parse(const uint8_t *frame, int32_t len, int32_t *out)
{
	struct cpm_headers h;
	int ret = cpm_headers_parse(&h, frame, len);

	/* the int32 fields from l2_valid on, in declaration order */
	memcpy(out, &h.l2_valid, CPM_HEADERS_FIELDS * sizeof(int32_t));
	return ret;
}

int cpm_bench_l4_target(const uint8_t *frame, int32_t len, int32_t targets)
{
	struct cpm_headers h;

	if (targets < 1)
		return -1;
	return cpm_l4_hash_target(&h, frame, len, (uint32_t)targets);
}

_Static_assert(offsetof(struct cpm_headers, icmp_type) - offsetof(struct cpm_headers, l2_valid)
	       == (CPM_HEADERS_FIELDS - 1) * sizeof(int32_t), "cpm_headers: the exported fields are contiguous");
