/*
 * The C reference of the cpumap pipeline, for `cpumapd bench redirect-cpu --impl c|both`:
 * the same stages as the Java one with the same DPDK calls, driven from Java through FFM.
 *
 *   RX thread: rte_eth_rx_burst(32) -> program mode -> bulk queue of 8 per target ->
 *              rte_ring_mp_enqueue_burst, flushed at the end of every poll; what does not fit
 *              is freed and counted as enqueue drops.
 *   consumer:  one per target, pinned, rte_thread_register'ed: rte_ring_sc_dequeue_burst(batch)
 *              -> drop (free bulk) | pass (writev per frame into its TAP queue fd) |
 *              redirect (rte_eth_tx_burst out the RX port) | hold (the first batch is held until the
 *              stop, then dropped: the ring stays full); idle backoff counts sched.
 *
 * One pipeline at a time per process. Functions return 0 or -errno.
 */
#ifndef CPM_BENCH_PIPELINE_H
#define CPM_BENCH_PIPELINE_H

#include <stdint.h>

#define CPM_BP_MAX_TARGETS 64

enum cpm_bp_mode { CPM_BP_NO_TOUCH = 0, CPM_BP_L4_HASH = 1 };
/* HOLD: the consumer holds its first batch until the stop, then drops: every ring stays full. */
enum cpm_bp_action { CPM_BP_ACT_DROP = 0, CPM_BP_ACT_PASS = 1, CPM_BP_ACT_REDIRECT = 2, CPM_BP_ACT_HOLD = 3 };
enum cpm_bp_idle { CPM_BP_BUSY_SPIN = 0, CPM_BP_BACKOFF = 1 };

/* All int32 so that Java fills it as an int array. */
struct cpm_bench_pipeline_config {
	int32_t port;
	int32_t rx_queue;
	int32_t tx_queue_base;   /* consumer i sends on tx_queue_base + i (redirect) */
	int32_t rx_core;
	int32_t nb_targets;
	int32_t qsize;
	int32_t batch;
	int32_t mode;
	int32_t action;
	int32_t idle;
	int32_t latency;         /* record RX-stamp-to-consumer latency */
	int32_t vnet_hdr_len;    /* bytes of zeroed virtio_net_hdr written in front of each frame (pass) */
	int32_t cpus[CPM_BP_MAX_TARGETS];    /* consumer core of target i */
	int32_t tap_fds[CPM_BP_MAX_TARGETS]; /* TAP queue fd of consumer i (pass) */
};

/* Stats words: CPM_BP_RX_WORDS for RX (RX_PASS: l4-hash PASSed a frame too short for L2; freed), then
 * CPM_BP_TARGET_WORDS per target. */
enum {
	CPM_BP_RX = 0, CPM_BP_REDIRECT, CPM_BP_REDIRECT_ERR, CPM_BP_RX_DROP, CPM_BP_RX_PASS, CPM_BP_RX_WORDS
};
enum {
	CPM_BP_ENQ = 0, CPM_BP_ENQ_DROPS, CPM_BP_BULKS, CPM_BP_PROCESSED, CPM_BP_DROPS, CPM_BP_SCHED,
	CPM_BP_XDP_PASS, CPM_BP_XDP_DROP, CPM_BP_XDP_REDIR, CPM_BP_EXCEPTIONS, CPM_BP_TARGET_WORDS
};

/* The latency histogram layout of io.cpumapd.bench.LogHistogram. */
#define CPM_BP_HIST_SUB_BITS 5
#define CPM_BP_HIST_MAX_EXP 40
#define CPM_BP_HIST_BUCKETS ((CPM_BP_HIST_MAX_EXP - CPM_BP_HIST_SUB_BITS + 2) << CPM_BP_HIST_SUB_BITS)

/* Creates the rings, starts the consumers, then the RX thread. */
int cpm_bench_pipeline_start(const struct cpm_bench_pipeline_config *config);
/* Copies CPM_BP_RX_WORDS + nb_targets * CPM_BP_TARGET_WORDS counters; returns words written. */
int cpm_bench_pipeline_stats(uint64_t *out, unsigned int n);
/* Sets latency recording on or off (consumers read it once per batch). */
void cpm_bench_pipeline_record(int on);
/* Adds every consumer's latency buckets into out[CPM_BP_HIST_BUCKETS]; *max_ns set. Call after stop. */
int cpm_bench_pipeline_latency(uint64_t *out, unsigned int n, uint64_t *max_ns);
/* CPU time the RX thread has used so far (ns), read from another thread; -1 when not running. */
int64_t cpm_bench_pipeline_rx_cpu_ns(void);
/* Stops RX (it flushes), lets consumers drain their rings, joins, frees the rings. */
int cpm_bench_pipeline_stop(void);

/* Injection loops of `cpumapd bench inject`, one core, for duration_ns; return frames written,
 * *elapsed_ns and *errors set. write(): one frame per call, no vnet header. writev: the header
 * (hdr_len bytes, may be 0) + frame, batch frames per round, as cpm_tap_writev_batch does. */
uint64_t cpm_bench_tap_write(int fd, const uint8_t *frame, uint32_t len, uint64_t duration_ns,
			     uint64_t *elapsed_ns, uint64_t *errors);
uint64_t cpm_bench_tap_writev(int fd, const uint8_t *frame, uint32_t len, uint32_t hdr_len, uint32_t batch,
			      uint64_t duration_ns, uint64_t *elapsed_ns, uint64_t *errors);
/* DPDK's net_tap: alloc a burst from mp, copy the frame in, rte_eth_tx_burst, free the rest. */
uint64_t cpm_bench_ethdev_tx(uint16_t port, uint16_t queue, void *mp, const uint8_t *frame, uint32_t len,
			     uint32_t burst, uint64_t duration_ns, uint64_t *elapsed_ns, uint64_t *errors);

#endif
