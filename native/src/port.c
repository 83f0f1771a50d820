#include <errno.h>
#include <string.h>
#include <rte_ethdev.h>
#include "cpm.h"

uint16_t cpm_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t cpm_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, queue, pkts, n);
}

int cpm_port_setup(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
		   uint16_t nb_txd, struct rte_mempool *mp)
{
	return cpm_port_setup_mtu(port, nb_rxq, nb_txq, nb_rxd, nb_txd, mp, 0);
}

int cpm_port_info(uint16_t port, int64_t out[5], char *drv, unsigned int drv_len)
{
	struct rte_eth_dev_info info;
	uint16_t mtu = 0;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	rte_eth_dev_get_mtu(port, &mtu);
	out[0] = info.max_rx_queues;
	out[1] = info.max_tx_queues;
	out[2] = rte_eth_dev_socket_id(port);
	out[3] = info.flow_type_rss_offloads != 0;
	out[4] = mtu;
	if (drv_len > 0) {
		strncpy(drv, info.driver_name ? info.driver_name : "", drv_len - 1);
		drv[drv_len - 1] = '\0';
	}
	return 0;
}

int cpm_port_stats(uint16_t port, uint64_t *out, unsigned int n)
{
	struct rte_eth_stats st;
	unsigned int words = sizeof(st) / sizeof(uint64_t);
	int ret;

	ret = rte_eth_stats_get(port, &st);
	if (ret != 0)
		return ret;
	if (n < words)
		words = n;
	memcpy(out, &st, words * sizeof(uint64_t));
	return (int)words;
}

int cpm_port_link(uint16_t port, uint32_t out[4])
{
	struct rte_eth_link link;
	int ret;

	memset(&link, 0, sizeof(link));
	ret = rte_eth_link_get_nowait(port, &link);
	if (ret != 0)
		return ret;
	out[0] = link.link_speed;
	out[1] = link.link_status;
	out[2] = link.link_duplex;
	out[3] = link.link_autoneg;
	return 0;
}

/*
 * What the return path and jumbo frames need to know of a port: out[0] tx_offload_capa,
 * out[1] rx_offload_capa, out[2] max_rx_pktlen, out[3] max_mtu, out[4] min_mtu,
 * out[5] tx_desc_lim.nb_seg_max (0 when the driver gives none), out[6] current MTU.
 */
int cpm_port_caps(uint16_t port, int64_t out[7])
{
	struct rte_eth_dev_info info;
	uint16_t mtu = 0;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	rte_eth_dev_get_mtu(port, &mtu);
	out[0] = (int64_t)info.tx_offload_capa;
	out[1] = (int64_t)info.rx_offload_capa;
	out[2] = info.max_rx_pktlen;
	out[3] = info.max_mtu;
	out[4] = info.min_mtu;
	out[5] = info.tx_desc_lim.nb_seg_max;
	out[6] = mtu;
	return 0;
}

/*
 * cpm_port_setup with an MTU (0 keeps the driver's) and the offloads big frames need: scattered RX
 * when one data room cannot hold a frame of that MTU and the driver offers it, multi-segment TX
 * whenever offered.
 */
int cpm_port_setup_mtu(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, uint16_t nb_rxd,
		       uint16_t nb_txd, struct rte_mempool *mp, uint16_t mtu)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	uint32_t room, frame;
	int ret, socket, apply_mtu = 1;
	uint16_t q;

	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues)
		return -EINVAL;

	memset(&conf, 0, sizeof(conf));
	if (nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	frame = mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	/* A driver that states a smaller limit than it can take (net_tap says 1522) keeps its MTU;
	 * it still receives big frames scattered when it can scatter. The caller learns it from
	 * caps().mtu. */
	if (mtu != 0 && frame > info.max_rx_pktlen)
		apply_mtu = 0;
	if (mtu != 0) {
		if (apply_mtu)
			conf.rxmode.mtu = mtu;
		frame += 2 * RTE_VLAN_HLEN;
		/* Drivers that cannot scatter either chain anyway (net_pcap) or drop big frames and
		 * count them: the caller sees that in caps() and the port's error counters. */
		if (frame > room && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;

	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, &rxconf, mp);
		if (ret != 0)
			return ret;
	}
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, socket, &txconf);
		if (ret != 0)
			return ret;
	}
	if (mtu != 0 && apply_mtu) {
		ret = rte_eth_dev_set_mtu(port, mtu);
		if (ret != 0 && ret != -ENOTSUP)
			return ret;
	}
	return 0;
}
