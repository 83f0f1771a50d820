#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include "cpm.h"

/* Handles are 64-bit words; rte_ring stores pointer-sized objects, which is the same here. */

unsigned int cpm_ring_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n)
{
	return rte_ring_enqueue_burst(r, objs, n, NULL);
}

/*
 * The producer's push of a bulk queue in one call: one enqueue-burst, then what the full ring did
 * not take is freed here (each handle untagged first: bit 0 marks an skb-mode handle, see
 * io.cpumapd.skb.SkbHandle). Returns how many went into the ring.
 */
unsigned int cpm_ring_enqueue_or_free(struct rte_ring *r, uint64_t *handles, unsigned int n)
{
	unsigned int sent = rte_ring_enqueue_burst(r, (void *const *)handles, n, NULL);
	unsigned int i;

	if (sent < n) {
		for (i = sent; i < n; i++)
			handles[i] &= ~(uint64_t)CPM_HANDLE_TAG;
		rte_pktmbuf_free_bulk((struct rte_mbuf **)(handles + sent), n - sent);
	}
	return sent;
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
