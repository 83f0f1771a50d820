#include <time.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include "cpm.h"

#define CPM_BENCH_MAX_BURST 256

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The C twin of the Java rx+free loop: same burst size, same calls, clock read every 1024 bursts. */
uint64_t cpm_bench_rx_free(uint16_t port, uint16_t queue, uint16_t burst, uint64_t duration_ns,
			   uint64_t *elapsed_ns)
{
	struct rte_mbuf *pkts[CPM_BENCH_MAX_BURST];
	uint64_t start, now, total = 0;
	unsigned int i;

	if (burst > CPM_BENCH_MAX_BURST)
		burst = CPM_BENCH_MAX_BURST;
	start = now = now_ns();
	while (now - start < duration_ns) {
		for (i = 0; i < 1024; i++) {
			uint16_t n = cpm_rx_burst(port, queue, pkts, burst);

			cpm_mbuf_free_bulk(pkts, n);
			total += n;
		}
		now = now_ns();
	}
	*elapsed_ns = now - start;
	return total;
}
