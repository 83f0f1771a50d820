/*
 * cpumapd TAP I/O, both ways: one native call per batch so no hot thread makes a
 * per-packet downcall. The caller owns every buffer; nothing here allocates or blocks.
 */
#ifndef CPM_TAP_H
#define CPM_TAP_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/*
 * For each frame i < n: writev(fd, &iov[first_i], iovcnt[i]) where first_i is the sum of the
 * iovcnt before it. Each iovec is a (base, len) pair of u64, the layout of struct iovec on
 * LP64: the caller points them at a vnet header and at mbuf segments (or, for GRO, at payload
 * slices of several mbufs), so a frame of any number of segments is one system call.
 * results[i] = bytes written or -errno; the batch goes on after an error.
 * Returns the number of frames written.
 */
int cpm_tap_writev_batch(int fd, const uint64_t *iov, const uint32_t *iovcnt, unsigned int n,
			 int32_t *results);

/*
 * Reading a TAP queue into mbufs. A reader keeps a stash of free mbufs, refilled in bulk from
 * its mempool, so that each frame is one readv straight into mbuf data rooms: the vnet header
 * into the mbuf's private area (vnet_off bytes after struct rte_mbuf), the frame across up to
 * max_segs data rooms. Used mbufs are chained (data_len, pkt_len, nb_segs, next, port set);
 * the rest stay in the stash for the next frame. One reader per thread; not thread-safe.
 */
#define CPM_TAP_READER_STASH 96
#define CPM_TAP_MAX_SEGS 64

struct cpm_tap_reader {
	struct rte_mempool *mp;
	uint32_t seg_room;	/* data bytes per mbuf after the headroom */
	uint32_t max_segs;	/* data rooms offered to each read */
	uint32_t vnet_off;	/* where the vnet header goes, from the mbuf's start */
	uint32_t vnet_len;	/* 0: the TAP has no vnet header */
	uint32_t stash_count;
	uint16_t port;		/* the mbufs' port field */
	uint16_t pad;
	uint64_t nombuf;	/* reads skipped because the mempool was empty */
	uint64_t errors;	/* reads that failed (frame bigger than the rooms: -EFAULT / -EMSGSIZE) */
	uint64_t empty;		/* reads that returned no frame data */
	struct rte_mbuf *stash[CPM_TAP_READER_STASH];
};

extern const uint32_t cpm_tap_reader_size;

/* 0 or -EINVAL (max_segs 0 or above CPM_TAP_MAX_SEGS, or no room left in the stash). */
int cpm_tap_reader_init(struct cpm_tap_reader *r, struct rte_mempool *mp, uint32_t max_segs,
			uint32_t vnet_off, uint32_t vnet_len, uint16_t port);

/*
 * Reads up to n frames from the non-blocking fd into out[0..). Returns the number read; stops at
 * the first EAGAIN. A frame the kernel refused to hand over (EINVAL, EFAULT) or that did not fit
 * the rooms is counted in errors and reading goes on; any other errno (EBADFD: the queue is
 * detached) ends the batch and is returned as -errno when no frame was read.
 */
int cpm_tap_read_batch(struct cpm_tap_reader *r, int fd, struct rte_mbuf **out, unsigned int n);

/* Gives the stash back to the mempool. */
void cpm_tap_reader_release(struct cpm_tap_reader *r);

#endif
