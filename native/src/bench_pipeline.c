/* The C reference pipeline of `cpumapd bench redirect-cpu`: see cpm_bench_pipeline.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "cpm_bench_headers.h"
#include "cpm_bench_pipeline.h"

#define RX_BURST 32
#define BULK_SIZE 8          /* CPU_MAP_BULK_SIZE */
#define MAX_BATCH 256
#define MAX_VNET_HDR 16
/* cpumapd's metadata after struct rte_mbuf (io.cpumapd.dpdk.Mbuf): mark, user, queue, timestamp. */
#define META_MARK 0
#define META_QUEUE 8
#define META_TIMESTAMP 16
/* The backoff of io.cpumapd.worker.IdleStrategies "backoff". */
#define BACKOFF_SPINS 100
#define BACKOFF_YIELDS 10
#define BACKOFF_MIN_PARK_NS 1000
#define BACKOFF_MAX_PARK_NS 1000000

/* Single-writer counters: relaxed stores by the owner, relaxed loads by the stats reader. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v) STORE(x, (x) + (v))

struct bulk_queue {
	struct rte_mbuf *pkts[BULK_SIZE];
	unsigned int count;
};

struct rx_state {
	uint64_t c[CPM_BP_RX_WORDS];
	uint64_t enq[CPM_BP_MAX_TARGETS];
	uint64_t enq_drops[CPM_BP_MAX_TARGETS];
	uint64_t bulks[CPM_BP_MAX_TARGETS];
	struct bulk_queue q[CPM_BP_MAX_TARGETS];
	/* The program's parse result lives here as the Java filter's Headers lives in the filter object:
	 * readable after the program, so the compiler keeps every store of the parse, as the JIT must. */
	struct cpm_headers headers;
	int started;
} __rte_cache_aligned;

struct consumer {
	struct rte_ring *ring;
	pthread_t thread;
	int index;
	int started;            /* 1 running, < 0 -errno */
	int joinable;
	/* What the consumer writes per batch starts a cache line of its own: RX reads `ring` above on
	 * every push, and sharing a line with these counters made both cores pass it back and forth. */
	uint64_t c[CPM_BP_TARGET_WORDS] __rte_cache_aligned;
	uint64_t busy_ns;       /* the Java consumer's BUSY_NS / IDLE_NS accounting, one clock read per poll */
	uint64_t idle_ns;
	uint64_t hist_max;
	uint64_t hist[CPM_BP_HIST_BUCKETS];
} __rte_cache_aligned;

struct backoff {
	unsigned int spins;
	unsigned int yields;
	uint64_t park_ns;
};

static struct {
	struct cpm_bench_pipeline_config cfg;
	struct rx_state rx;
	struct consumer cons[CPM_BP_MAX_TARGETS];
	struct consumer *entries[CPM_BP_MAX_TARGETS]; /* the map: target -> entry, NULL when empty */
	pthread_t rx_thread;
	int rx_joinable;
	int rx_running;
	int consumers_stop;
	int record;
	int active;
	unsigned int generation;
} bp;

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* System.nanoTime()'s clock */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline void backoff_reset(struct backoff *b)
{
	b->spins = 0;
	b->yields = 0;
	b->park_ns = BACKOFF_MIN_PARK_NS;
}

/* Agrona's AgentRunner loop: idle(work) after every duty cycle. */
static inline void idle(struct backoff *b, unsigned int work, uint64_t *sched)
{
	struct timespec ts;

	if (work > 0) {
		backoff_reset(b);
		return;
	}
	if (bp.cfg.idle == CPM_BP_BUSY_SPIN) {
		rte_pause();
	} else if (b->spins < BACKOFF_SPINS) {
		b->spins++;
		rte_pause();
	} else if (b->yields < BACKOFF_YIELDS) {
		b->yields++;
		sched_yield();
	} else {
		if (sched != NULL)
			ADD(*sched, 1);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)b->park_ns;
		nanosleep(&ts, NULL);
		b->park_ns = b->park_ns * 2 > BACKOFF_MAX_PARK_NS ? BACKOFF_MAX_PARK_NS : b->park_ns * 2;
	}
}

static inline uint8_t *meta(struct rte_mbuf *m)
{
	return (uint8_t *)m + sizeof(struct rte_mbuf);
}

/*
 * The program of the RX core, as the Java RX worker runs its filter: the packet's data pointer and
 * length read into a context first (Packet.wrapReceived), then no-touch (target 0) or l4-hash
 * (the Java Headers parse and FlowHash.symmetricPair, cpm_bench_headers.h). -1 is PASS.
 */
static inline int pick_target(struct rte_mbuf *m, struct cpm_headers *h)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	int32_t len = m->data_len;

	if (bp.cfg.mode == CPM_BP_NO_TOUCH)
		return 0;
	return cpm_l4_hash_target(h, data, len, (uint32_t)bp.cfg.nb_targets);
}

static inline void push(struct rx_state *rx, unsigned int t)
{
	struct bulk_queue *q = &rx->q[t];
	unsigned int n = q->count, sent;

	if (n == 0)
		return;
	sent = rte_ring_mp_enqueue_burst(bp.cons[t].ring, (void *const *)q->pkts, n, NULL);
	if (sent < n) {
		rte_pktmbuf_free_bulk(q->pkts + sent, n - sent);
		ADD(rx->enq_drops[t], n - sent);
	}
	ADD(rx->enq[t], sent);
	ADD(rx->bulks[t], 1);
	q->count = 0;
}

static void *rx_main(void *arg)
{
	struct rx_state *rx = &bp.rx;
	struct rte_mbuf *pkts[RX_BURST];
	struct rte_mbuf *dropped[RX_BURST];
	uint16_t port = (uint16_t)bp.cfg.port, queue = (uint16_t)bp.cfg.rx_queue;
	unsigned int targets = (unsigned int)bp.cfg.nb_targets;
	struct backoff b;

	(void)arg;
	pin(bp.cfg.rx_core);
	if (rte_thread_register() < 0) {
		STORE(rx->started, -rte_errno);
		return NULL;
	}
	STORE(rx->started, 1);
	backoff_reset(&b);
	while (LOAD(bp.rx_running)) {
		uint16_t n = rte_eth_rx_burst(port, queue, pkts, RX_BURST);
		unsigned int i, t, redirected = 0, errors = 0, passed = 0, drops = 0;

		if (n > 0) {
			uint64_t now = now_ns();

			for (i = 0; i < n; i++) {
				struct rte_mbuf *m = pkts[i];
				uint8_t *md = meta(m);
				struct bulk_queue *q;
				int target = pick_target(m, &rx->headers);

				/* the same metadata the Java RX worker writes: no mark, queue, burst time */
				*(uint64_t *)(md + META_MARK) = 0;
				*(uint16_t *)(md + META_QUEUE) = queue;
				*(uint64_t *)(md + META_TIMESTAMP) = now;
				if (target < 0) {
					/* PASS: the bench's local delivery without a kernel frees and counts */
					dropped[drops++] = m;
					passed++;
					continue;
				}
				t = (unsigned int)target;
				/* bpf_redirect_map looks the entry up per packet, as the Java Redirector does */
				if (__atomic_load_n(&bp.entries[t], __ATOMIC_ACQUIRE) == NULL) {
					dropped[drops++] = m;
					errors++;
					continue;
				}
				q = &rx->q[t];
				q->pkts[q->count++] = m;
				redirected++;
				if (q->count == BULK_SIZE)
					push(rx, t);
			}
			/* per-poll publication of per-packet counts, as the Java worker's pending[] */
			ADD(rx->c[CPM_BP_RX], n);
			if (redirected)
				ADD(rx->c[CPM_BP_REDIRECT], redirected);
			if (errors) /* ABORTED: counted as redirect errors, not as drops (JavaRedirectCpu) */
				ADD(rx->c[CPM_BP_REDIRECT_ERR], errors);
			if (passed)
				ADD(rx->c[CPM_BP_RX_PASS], passed);
		}
		for (t = 0; t < targets; t++) /* xdp_do_flush: nothing waits across polls */
			push(rx, t);
		if (drops)
			rte_pktmbuf_free_bulk(dropped, drops);
		idle(&b, n, NULL);
	}
	rte_thread_unregister();
	return NULL;
}

static inline void record_latency(struct consumer *c, void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t stamp = *(uint64_t *)(meta(objs[i]) + META_TIMESTAMP);
		uint64_t v = now_ns() - stamp;   /* per packet, as the Java LatencyProgram */
		unsigned int idx;

		if ((int64_t)v < (1 << CPM_BP_HIST_SUB_BITS)) {
			idx = (int64_t)v < 0 ? 0 : (unsigned int)v;
		} else {
			unsigned int e = 63 - (unsigned int)__builtin_clzll(v);

			if (e > CPM_BP_HIST_MAX_EXP)
				idx = CPM_BP_HIST_BUCKETS - 1;
			else
				idx = ((e - CPM_BP_HIST_SUB_BITS + 1) << CPM_BP_HIST_SUB_BITS)
				      + (unsigned int)(v >> (e - CPM_BP_HIST_SUB_BITS)) - (1u << CPM_BP_HIST_SUB_BITS);
		}
		c->hist[idx]++;
		if ((int64_t)v > (int64_t)c->hist_max)
			c->hist_max = v;
	}
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	void *objs[MAX_BATCH];
	static const uint8_t zero_hdr[MAX_VNET_HDR];
	unsigned int batch = (unsigned int)bp.cfg.batch;
	int fd = bp.cfg.tap_fds[c->index];
	uint32_t hdr_len = (uint32_t)bp.cfg.vnet_hdr_len;
	uint16_t port = (uint16_t)bp.cfg.port;
	uint16_t txq = (uint16_t)(bp.cfg.tx_queue_base + c->index);
	int record_on = bp.cfg.latency; /* only in latency mode, as the Java LatencyProgram exists only then */
	uint64_t last_poll;
	unsigned int last_work = 0;
	struct backoff b;

	pin(bp.cfg.cpus[c->index]);
	if (rte_thread_register() < 0) {
		STORE(c->started, -rte_errno);
		return NULL;
	}
	STORE(c->started, 1);
	backoff_reset(&b);
	last_poll = now_ns();
	for (;;) {
		unsigned int n, i, failed = 0;
		/* As the Java consumer (Consumer.doWork): the time since the last poll counts as busy when
		 * that poll found work, idle otherwise; one clock read per poll on both sides. */
		uint64_t now = now_ns();

		if (last_work)
			ADD(c->busy_ns, now - last_poll);
		else
			ADD(c->idle_ns, now - last_poll);
		last_poll = now;
		n = rte_ring_sc_dequeue_burst(c->ring, objs, batch, NULL);
		last_work = n;
		if (n == 0) {
			/* RX was joined before the stop flag was set: an empty ring stays empty. */
			if (LOAD(bp.consumers_stop))
				break;
			idle(&b, 0, &c->c[CPM_BP_SCHED]);
			continue;
		}
		/* A clock read per packet: throughput rounds must not pay it (the Java side has no
		 * LatencyProgram then), or the C consumer drains a fraction of what the Java one does. */
		if (record_on && LOAD(bp.record))
			record_latency(c, objs, n);
		switch (bp.cfg.action) {
		case CPM_BP_ACT_HOLD:
			/* As the Java HoldProgram: park on the first batch until RX stopped (100 us naps). */
			while (!LOAD(bp.consumers_stop)) {
				struct timespec ts = { 0, 100000 };

				nanosleep(&ts, NULL);
			}
			/* then drop, as HoldProgram answers DROP once released */
			__attribute__((fallthrough));
		case CPM_BP_ACT_DROP:
			rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
			ADD(c->c[CPM_BP_XDP_DROP], n);
			break;
		case CPM_BP_ACT_PASS:
			ADD(c->c[CPM_BP_XDP_PASS], n);
			for (i = 0; i < n; i++) {
				struct rte_mbuf *m = objs[i];
				struct iovec iov[2];
				int cnt = 0;
				ssize_t ret;

				if (hdr_len > 0) {
					iov[cnt].iov_base = (void *)zero_hdr;
					iov[cnt].iov_len = hdr_len;
					cnt++;
				}
				iov[cnt].iov_base = rte_pktmbuf_mtod(m, void *);
				iov[cnt].iov_len = m->data_len;
				cnt++;
				do {
					ret = writev(fd, iov, cnt);
				} while (ret < 0 && errno == EINTR);
				if (ret < 0)
					failed++;
			}
			rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
			break;
		default: {
			uint16_t sent = rte_eth_tx_burst(port, txq, (struct rte_mbuf **)objs, (uint16_t)n);

			ADD(c->c[CPM_BP_XDP_REDIR], n);
			if (sent < n) {
				rte_pktmbuf_free_bulk((struct rte_mbuf **)objs + sent, n - sent);
				failed = n - sent;
			}
			break;
		}
		}
		if (failed)
			ADD(c->c[CPM_BP_DROPS], failed);
		ADD(c->c[CPM_BP_PROCESSED], n);
		idle(&b, n, NULL);
	}
	rte_thread_unregister();
	return NULL;
}

static int wait_started(int *flag)
{
	int i;

	for (i = 0; i < 10000; i++) { /* 10 s */
		int s = LOAD(*flag);

		if (s != 0)
			return s < 0 ? s : 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

int cpm_bench_pipeline_stop(void);

int cpm_bench_pipeline_start(const struct cpm_bench_pipeline_config *config)
{
	int i, ret;

	if (bp.active)
		return -EBUSY;
	if (config->nb_targets < 1 || config->nb_targets > CPM_BP_MAX_TARGETS || config->batch < 1
	    || config->batch > MAX_BATCH || config->vnet_hdr_len < 0 || config->vnet_hdr_len > MAX_VNET_HDR)
		return -EINVAL;
	{
		unsigned int gen = bp.generation + 1;

		memset(&bp, 0, sizeof(bp));
		bp.generation = gen;
	}
	bp.cfg = *config;
	bp.active = 1;
	STORE(bp.rx_running, 1);
	for (i = 0; i < config->nb_targets; i++) {
		char name[RTE_RING_NAMESIZE];
		struct consumer *c = &bp.cons[i];

		snprintf(name, sizeof(name), "cpmbp%u_%d", bp.generation, i);
		c->index = i;
		c->ring = rte_ring_create(name, (unsigned int)config->qsize, SOCKET_ID_ANY,
					  RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (c->ring == NULL) {
			ret = -rte_errno;
			goto fail;
		}
	}
	for (i = 0; i < config->nb_targets; i++) {
		struct consumer *c = &bp.cons[i];

		ret = -pthread_create(&c->thread, NULL, consumer_main, c);
		if (ret != 0)
			goto fail;
		c->joinable = 1;
		ret = wait_started(&c->started);
		if (ret != 0)
			goto fail;
		__atomic_store_n(&bp.entries[i], c, __ATOMIC_RELEASE);
	}
	ret = -pthread_create(&bp.rx_thread, NULL, rx_main, NULL);
	if (ret != 0)
		goto fail;
	bp.rx_joinable = 1;
	ret = wait_started(&bp.rx.started);
	if (ret != 0)
		goto fail;
	return 0;
fail:
	cpm_bench_pipeline_stop();
	return ret;
}

int cpm_bench_pipeline_stats(uint64_t *out, unsigned int n)
{
	unsigned int w = 0, i, t;

	for (i = 0; i < CPM_BP_RX_WORDS && w < n; i++)
		out[w++] = LOAD(bp.rx.c[i]);
	for (t = 0; t < (unsigned int)bp.cfg.nb_targets; t++) {
		for (i = 0; i < CPM_BP_TARGET_WORDS && w < n; i++) {
			uint64_t v;

			switch (i) {
			case CPM_BP_ENQ:
				v = LOAD(bp.rx.enq[t]);
				break;
			case CPM_BP_ENQ_DROPS:
				v = LOAD(bp.rx.enq_drops[t]);
				break;
			case CPM_BP_BULKS:
				v = LOAD(bp.rx.bulks[t]);
				break;
			default:
				v = LOAD(bp.cons[t].c[i]);
			}
			out[w++] = v;
		}
	}
	return (int)w;
}

void cpm_bench_pipeline_record(int on)
{
	STORE(bp.record, on);
}

int cpm_bench_pipeline_latency(uint64_t *out, unsigned int n, uint64_t *max_ns)
{
	int t;
	unsigned int i;

	*max_ns = 0;
	for (t = 0; t < bp.cfg.nb_targets; t++) {
		for (i = 0; i < n && i < CPM_BP_HIST_BUCKETS; i++)
			out[i] += bp.cons[t].hist[i];
		if (bp.cons[t].hist_max > *max_ns)
			*max_ns = bp.cons[t].hist_max;
	}
	return 0;
}

int64_t cpm_bench_pipeline_rx_cpu_ns(void)
{
	clockid_t cid;
	struct timespec ts;

	if (!bp.rx_joinable || pthread_getcpuclockid(bp.rx_thread, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cpm_bench_pipeline_stop(void)
{
	int i;

	if (!bp.active)
		return -EINVAL;
	STORE(bp.rx_running, 0);
	if (bp.rx_joinable) {
		pthread_join(bp.rx_thread, NULL);
		bp.rx_joinable = 0;
	}
	/* RX flushed its bulk queues on the way out: from here on the rings only shrink. */
	STORE(bp.consumers_stop, 1);
	for (i = 0; i < bp.cfg.nb_targets; i++) {
		struct consumer *c = &bp.cons[i];

		if (c->joinable) {
			pthread_join(c->thread, NULL);
			c->joinable = 0;
		}
		if (c->ring != NULL) {
			void *objs[64];
			unsigned int n;

			while ((n = rte_ring_sc_dequeue_burst(c->ring, objs, 64, NULL)) > 0)
				rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
			rte_ring_free(c->ring);
			c->ring = NULL;
		}
	}
	bp.active = 0;
	return 0;
}
