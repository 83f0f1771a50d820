/* Injection loops of `cpumapd bench inject`: see cpm_bench_pipeline.h. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "cpm_bench_pipeline.h"

#define CLOCK_EVERY 256
#define MAX_BATCH 256
#define MAX_HDR 16

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t cpm_bench_tap_write(int fd, const uint8_t *frame, uint32_t len, uint64_t duration_ns,
			     uint64_t *elapsed_ns, uint64_t *errors)
{
	uint64_t start = now_ns(), now = start, done = 0, bad = 0;

	while (now - start < duration_ns) {
		int i;

		for (i = 0; i < CLOCK_EVERY; i++) {
			ssize_t ret;

			do {
				ret = write(fd, frame, len);
			} while (ret < 0 && errno == EINTR);
			if (ret < 0)
				bad++;
			else
				done++;
		}
		now = now_ns();
	}
	*elapsed_ns = now - start;
	*errors = bad;
	return done;
}

uint64_t cpm_bench_tap_writev(int fd, const uint8_t *frame, uint32_t len, uint32_t hdr_len, uint32_t batch,
			      uint64_t duration_ns, uint64_t *elapsed_ns, uint64_t *errors)
{
	static const uint8_t zero_hdr[MAX_HDR];
	uint64_t start = now_ns(), now = start, done = 0, bad = 0;
	struct iovec iov[2];
	int cnt = 0;

	if (batch < 1 || batch > MAX_BATCH || hdr_len > MAX_HDR)
		return 0;
	if (hdr_len > 0) {
		iov[cnt].iov_base = (void *)zero_hdr;
		iov[cnt].iov_len = hdr_len;
		cnt++;
	}
	iov[cnt].iov_base = (void *)frame;
	iov[cnt].iov_len = len;
	cnt++;
	while (now - start < duration_ns) {
		int r;

		for (r = 0; r < CLOCK_EVERY / 8; r++) {
			uint32_t i;

			for (i = 0; i < batch; i++) { /* one batch: what cpm_tap_writev_batch does for one-piece frames */
				ssize_t ret;

				do {
					ret = writev(fd, iov, cnt);
				} while (ret < 0 && errno == EINTR);
				if (ret < 0)
					bad++;
				else
					done++;
			}
		}
		now = now_ns();
	}
	*elapsed_ns = now - start;
	*errors = bad;
	return done;
}

uint64_t cpm_bench_ethdev_tx(uint16_t port, uint16_t queue, void *mp, const uint8_t *frame, uint32_t len,
			     uint32_t burst, uint64_t duration_ns, uint64_t *elapsed_ns, uint64_t *errors)
{
	struct rte_mbuf *pkts[MAX_BATCH];
	uint64_t start, now, done = 0, bad = 0;
	uint32_t i;

	if (burst < 1 || burst > MAX_BATCH)
		return 0;
	/* The frames are built once; a reference per send keeps them ours after the driver frees. */
	if (rte_pktmbuf_alloc_bulk(mp, pkts, burst) != 0)
		return 0;
	for (i = 0; i < burst; i++) {
		char *d = rte_pktmbuf_append(pkts[i], (uint16_t)len);

		if (d == NULL) {
			rte_pktmbuf_free_bulk(pkts, burst);
			return 0;
		}
		memcpy(d, frame, len);
	}
	start = now = now_ns();
	while (now - start < duration_ns) {
		int r;

		for (r = 0; r < CLOCK_EVERY / 8; r++) {
			uint16_t sent;

			for (i = 0; i < burst; i++)
				rte_mbuf_refcnt_update(pkts[i], 1);
			sent = rte_eth_tx_burst(port, queue, pkts, (uint16_t)burst);
			for (i = sent; i < burst; i++)
				rte_mbuf_refcnt_update(pkts[i], -1);
			done += sent;
			bad += burst - sent;
		}
		now = now_ns();
	}
	rte_pktmbuf_free_bulk(pkts, burst);
	*elapsed_ns = now - start;
	*errors = bad;
	return done;
}
