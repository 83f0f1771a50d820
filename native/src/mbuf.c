#include <stddef.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include "cpm.h"

const uint32_t cpm_mbuf_size = sizeof(struct rte_mbuf);
const uint32_t cpm_mbuf_off_buf_addr = offsetof(struct rte_mbuf, buf_addr);
const uint32_t cpm_mbuf_off_data_off = offsetof(struct rte_mbuf, data_off);
const uint32_t cpm_mbuf_off_refcnt = offsetof(struct rte_mbuf, refcnt);
const uint32_t cpm_mbuf_off_nb_segs = offsetof(struct rte_mbuf, nb_segs);
const uint32_t cpm_mbuf_off_port = offsetof(struct rte_mbuf, port);
const uint32_t cpm_mbuf_off_ol_flags = offsetof(struct rte_mbuf, ol_flags);
const uint32_t cpm_mbuf_off_packet_type = offsetof(struct rte_mbuf, packet_type);
const uint32_t cpm_mbuf_off_pkt_len = offsetof(struct rte_mbuf, pkt_len);
const uint32_t cpm_mbuf_off_data_len = offsetof(struct rte_mbuf, data_len);
const uint32_t cpm_mbuf_off_vlan_tci = offsetof(struct rte_mbuf, vlan_tci);
const uint32_t cpm_mbuf_off_hash_rss = offsetof(struct rte_mbuf, hash.rss);
const uint32_t cpm_mbuf_off_buf_len = offsetof(struct rte_mbuf, buf_len);
const uint32_t cpm_mbuf_off_next = offsetof(struct rte_mbuf, next);
const uint32_t cpm_mbuf_off_pool = offsetof(struct rte_mbuf, pool);
const uint32_t cpm_mbuf_off_timestamp_dynfield = offsetof(struct rte_mbuf, dynfield1);
const uint32_t cpm_pktmbuf_headroom = RTE_PKTMBUF_HEADROOM;

int cpm_mbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **mbufs, unsigned int n)
{
	return rte_pktmbuf_alloc_bulk(mp, mbufs, n);
}

void cpm_mbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int n)
{
	rte_pktmbuf_free_bulk(mbufs, n);
}

void cpm_mbuf_free(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

unsigned int cpm_mempool_avail(const struct rte_mempool *mp)
{
	return rte_mempool_avail_count(mp);
}

unsigned int cpm_mempool_in_use(const struct rte_mempool *mp)
{
	return rte_mempool_in_use_count(mp);
}

unsigned int cpm_mempool_size(const struct rte_mempool *mp)
{
	return mp->size;
}

static void flush_own_cache(struct rte_mempool *mp, void *arg)
{
	struct rte_mempool_cache *cache = rte_mempool_default_cache(mp, rte_lcore_id());

	(void)arg;
	if (cache != NULL)
		rte_mempool_cache_flush(cache, mp);
}

/* Gives the calling lcore's cached objects of every mempool back to their pools: a hot thread that
 * ends would otherwise leave up to 1.5 x cache mbufs per pool in a cache no thread uses. */
void cpm_mempool_flush_lcore_caches(void)
{
	if (rte_lcore_id() != LCORE_ID_ANY)
		rte_mempool_walk(flush_own_cache, NULL);
}
