#include <stddef.h>
#include <string.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
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

/*
 * rte_pktmbuf_pool_create, but with the mbufs packed back to back when the EAL runs with IOVA as
 * VA: net_af_xdp registers the pool as its UMEM assuming populated_size * element size from the
 * first object covers every mbuf. Without RTE_MEMPOOL_F_NO_IOVA_CONTIG the pool leaves gaps so that
 * no mbuf crosses a (4 KiB, with --no-huge) page; the mbufs pushed past the UMEM's end are then
 * invalid fill-ring entries, which the kernel drops one by one until AF_XDP receives nothing.
 * With IOVA as VA a device sees the virtual layout, so crossing a page costs nothing.
 * Returns NULL with rte_errno set, as rte_pktmbuf_pool_create does.
 */
struct rte_mempool *
cpm_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
			uint16_t priv_size, uint16_t data_room, int socket_id)
{
	struct rte_pktmbuf_pool_private priv;
	struct rte_mempool *mp;
	unsigned int flags = 0;
	int ret;

	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		flags |= RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room;
	priv.mbuf_priv_size = priv_size;
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size + data_room,
				      cache_size, sizeof(priv), socket_id, flags);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (ret != 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	ret = rte_mempool_populate_default(mp);
	if (ret < 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
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
