#include <rte_ring.h>
#include "cpm.h"

/* Handles are 64-bit words; rte_ring stores pointer-sized objects, which is the same here. */

unsigned int cpm_ring_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n)
{
	return rte_ring_enqueue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_mp_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n)
{
	return rte_ring_mp_enqueue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_sp_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n)
{
	return rte_ring_sp_enqueue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n)
{
	return rte_ring_dequeue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_sc_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n)
{
	return rte_ring_sc_dequeue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_mc_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n)
{
	return rte_ring_mc_dequeue_burst(r, objs, n, NULL);
}

unsigned int cpm_ring_count(const struct rte_ring *r)
{
	return rte_ring_count(r);
}

unsigned int cpm_ring_free_count(const struct rte_ring *r)
{
	return rte_ring_free_count(r);
}

unsigned int cpm_ring_capacity(const struct rte_ring *r)
{
	return rte_ring_get_capacity(r);
}
