#include <rte_errno.h>
#include <rte_lcore.h>
#include "cpm.h"

/* rte_errno is a per-lcore thread-local: FFM cannot read it, so it is returned by value. */
int cpm_rte_errno(void)
{
	return rte_errno;
}

unsigned int cpm_lcore_id(void)
{
	return rte_lcore_id();
}
