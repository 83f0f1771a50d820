/*
 * cpumapd native shim: the parts of DPDK that FFM cannot bind (static inline fast-path
 * functions, thread-local rte_errno, structs with bit-fields) exported as plain functions.
 *
 * Conventions (DPDK coding style): burst functions return the number of objects handled;
 * every other function returns 0 or -errno. Nothing here allocates or logs on a fast path.
 */
#ifndef CPM_H
#define CPM_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/* ---- errors and lcores ---- */
int cpm_rte_errno(void);
unsigned int cpm_lcore_id(void);

/* rte_eal_init that also returns what DPDK printed about a failure (getopt's complaint, the
 * "EAL: ..." lines) in diag, without the usage text. Everything else still reaches stderr. */
int cpm_eal_init(int argc, char **argv, char *diag, unsigned int diag_len);
/* Replays what fd (a capture, read from offset 0 to its end) holds to stderr, usage text left out,
 * and when failed copies the kept lines into diag. 0, or -1 when it cannot be mapped. */
int cpm_eal_replay(int fd, int failed, char *diag, unsigned int diag_len);

/* ---- mbuf field offsets, read once by Java so packet metadata needs no downcall ---- */
extern const uint32_t cpm_mbuf_size;
extern const uint32_t cpm_mbuf_off_buf_addr;
extern const uint32_t cpm_mbuf_off_data_off;
extern const uint32_t cpm_mbuf_off_refcnt;
extern const uint32_t cpm_mbuf_off_nb_segs;
extern const uint32_t cpm_mbuf_off_port;
extern const uint32_t cpm_mbuf_off_ol_flags;
extern const uint32_t cpm_mbuf_off_packet_type;
extern const uint32_t cpm_mbuf_off_pkt_len;
extern const uint32_t cpm_mbuf_off_data_len;
extern const uint32_t cpm_mbuf_off_vlan_tci;
extern const uint32_t cpm_mbuf_off_hash_rss;
extern const uint32_t cpm_mbuf_off_buf_len;
extern const uint32_t cpm_mbuf_off_next;
extern const uint32_t cpm_mbuf_off_pool;
extern const uint32_t cpm_mbuf_off_timestamp_dynfield; /* unused until a PMD registers it */
extern const uint32_t cpm_pktmbuf_headroom;

/* ---- mbufs ---- */
/* rte_pktmbuf_pool_create with the mbufs packed back to back under IOVA as VA (see mbuf.c). */
struct rte_mempool *cpm_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
					    uint16_t priv_size, uint16_t data_room, int socket_id);
int  cpm_mbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **mbufs, unsigned int n);
void cpm_mbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int n);
void cpm_mbuf_free(struct rte_mbuf *m);
unsigned int cpm_mempool_avail(const struct rte_mempool *mp);
unsigned int cpm_mempool_in_use(const struct rte_mempool *mp);
unsigned int cpm_mempool_size(const struct rte_mempool *mp);
void cpm_mempool_flush_lcore_caches(void);

/* ---- rings (64-bit handles) ---- */
unsigned int cpm_ring_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n);
/* Bit 0 of a ring handle: the mbuf carries an skb built on the RX core (io.cpumapd.skb.SkbHandle). */
#define CPM_HANDLE_TAG 1u
unsigned int cpm_ring_enqueue_or_free(struct rte_ring *r, uint64_t *handles, unsigned int n);
unsigned int cpm_ring_mp_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n);
unsigned int cpm_ring_sp_enqueue_burst(struct rte_ring *r, void *const *objs, unsigned int n);
unsigned int cpm_ring_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n);
unsigned int cpm_ring_sc_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n);
unsigned int cpm_ring_mc_dequeue_burst(struct rte_ring *r, void **objs, unsigned int n);
unsigned int cpm_ring_count(const struct rte_ring *r);
unsigned int cpm_ring_free_count(const struct rte_ring *r);
unsigned int cpm_ring_capacity(const struct rte_ring *r);

/* ---- ethdev ---- */
uint16_t cpm_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t cpm_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* Configures a port with nb_rxq / nb_txq queues (RSS when the driver supports it and
 * nb_rxq > 1), sets up every queue with nb_rxd / nb_txd descriptors from mp. */
int cpm_port_setup(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
                   uint16_t nb_txd, struct rte_mempool *mp);

/* As cpm_port_setup, with an MTU (0: the driver's), scattered RX when a frame of that MTU does not
 * fit one data room and the driver can scatter, multi-segment TX when offered. */
int cpm_port_setup_mtu(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
		       uint16_t nb_txd, struct rte_mempool *mp, uint16_t mtu);

/* out[0] tx_offload_capa, out[1] rx_offload_capa, out[2] max_rx_pktlen, out[3] max_mtu,
 * out[4] min_mtu, out[5] tx nb_seg_max, out[6] current MTU. */
int cpm_port_caps(uint16_t port, int64_t out[7]);

/* Port facts: out[0] max_rx_queues, out[1] max_tx_queues, out[2] numa socket (-1 unknown),
 * out[3] flow_type_rss_offloads != 0, out[4] mtu; driver name copied into drv (NUL-terminated). */
int cpm_port_info(uint16_t port, int64_t out[5], char *drv, unsigned int drv_len);

/* Copies rte_eth_stats as an array of u64 in declaration order: ipackets, opackets, ibytes,
 * obytes, imissed, ierrors, oerrors, rx_nombuf, then q_ipackets[16], q_opackets[16],
 * q_ibytes[16], q_obytes[16], q_errors[16]. Returns the number of u64 written or -errno. */
int cpm_port_stats(uint16_t port, uint64_t *out, unsigned int n);

/* Link without waiting: out[0] speed Mbps, out[1] up, out[2] full duplex, out[3] autoneg. */
int cpm_port_link(uint16_t port, uint32_t out[4]);

/* ---- benchmarks: the same loop as the Java one, in C, over this shim ---- */
/* rx_burst + free_bulk on (port, queue) for duration_ns; returns packets seen, *elapsed_ns set. */
uint64_t cpm_bench_rx_free(uint16_t port, uint16_t queue, uint16_t burst, uint64_t duration_ns,
                           uint64_t *elapsed_ns);

#endif
