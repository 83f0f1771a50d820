/* TAP queue I/O in batches, straight between the kernel and mbufs: see cpm_tap.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "cpm_tap.h"

const uint32_t cpm_tap_reader_size = sizeof(struct cpm_tap_reader);
/* io.cpumapd.tap.TapReader reads the counters at these offsets. */
_Static_assert(offsetof(struct cpm_tap_reader, nombuf) == 32, "nombuf offset");
_Static_assert(offsetof(struct cpm_tap_reader, errors) == 40, "errors offset");
_Static_assert(offsetof(struct cpm_tap_reader, empty) == 48, "empty offset");

int
cpm_tap_writev_batch(int fd, const uint64_t *iov, const uint32_t *iovcnt, unsigned int n,
		     int32_t *results)
{
	const struct iovec *v = (const struct iovec *)iov;
	int written = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ssize_t ret;

		/* A TAP write is one whole frame or nothing: no short writes to resume. */
		do {
			ret = writev(fd, v, (int)iovcnt[i]);
		} while (ret < 0 && errno == EINTR);
		if (ret < 0) {
			results[i] = -errno;
		} else {
			results[i] = (int32_t)ret;
			written++;
		}
		v += iovcnt[i];
	}
	return written;
}

int
cpm_tap_reader_init(struct cpm_tap_reader *r, struct rte_mempool *mp, uint32_t max_segs,
		    uint32_t vnet_off, uint32_t vnet_len, uint16_t port)
{
	uint32_t room;

	memset(r, 0, sizeof(*r));
	if (max_segs == 0 || max_segs > CPM_TAP_MAX_SEGS || max_segs + 32 > CPM_TAP_READER_STASH)
		return -EINVAL;
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM)
		return -EINVAL;
	r->mp = mp;
	r->seg_room = room - RTE_PKTMBUF_HEADROOM;
	r->max_segs = max_segs;
	r->vnet_off = vnet_off;
	r->vnet_len = vnet_len;
	r->port = port;
	return 0;
}

/* Tops the stash up to a full read's worth; false when the mempool cannot give that many. */
static int
stash_fill(struct cpm_tap_reader *r)
{
	unsigned int want;

	if (r->stash_count >= r->max_segs)
		return 1;
	/* Fill a batch of small frames past one read, so that refills are bulk, not per frame. */
	want = r->max_segs + 32 - r->stash_count;
	if (rte_pktmbuf_alloc_bulk(r->mp, &r->stash[r->stash_count], want) == 0) {
		r->stash_count += want;
		return 1;
	}
	want = r->max_segs - r->stash_count;
	if (rte_pktmbuf_alloc_bulk(r->mp, &r->stash[r->stash_count], want) == 0) {
		r->stash_count += want;
		return 1;
	}
	return 0;
}

int
cpm_tap_read_batch(struct cpm_tap_reader *r, int fd, struct rte_mbuf **out, unsigned int n)
{
	struct iovec iov[CPM_TAP_MAX_SEGS + 1];
	unsigned int got = 0, tries;
	int fatal = 0;

	/* Frames the kernel or this reader drops do not count as read: bound the tries anyway. */
	for (tries = 0; got < n && tries < 2 * n; tries++) {
		struct rte_mbuf *head, *prev = NULL;
		uint32_t top, used, left, j;
		ssize_t ret;
		int iovcnt = 0;

		if (!stash_fill(r)) {
			r->nombuf++;
			break;
		}
		/* Segment j is stash[top - j]: the used ones leave from the top, the rest stay. */
		top = r->stash_count - 1;
		head = r->stash[top];
		if (r->vnet_len != 0) {
			iov[iovcnt].iov_base = (char *)head + r->vnet_off;
			iov[iovcnt].iov_len = r->vnet_len;
			iovcnt++;
		}
		for (j = 0; j < r->max_segs; j++) {
			struct rte_mbuf *m = r->stash[top - j];

			iov[iovcnt].iov_base = (char *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
			iov[iovcnt].iov_len = r->seg_room;
			iovcnt++;
		}
		do {
			ret = readv(fd, iov, iovcnt);
		} while (ret < 0 && errno == EINTR);
		if (ret < 0) {
			if (errno == EAGAIN)
				break;
			r->errors++;
			/* EINVAL, EFAULT: the kernel dropped that one frame; the queue goes on. */
			if (errno == EINVAL || errno == EFAULT)
				continue;
			fatal = -errno;
			break;
		}
		if ((size_t)ret <= r->vnet_len) {
			r->empty++;
			continue;
		}
		left = (uint32_t)ret - r->vnet_len;
		/* tun reports the whole frame's length even when the rooms held only part of it. */
		if (left > r->max_segs * r->seg_room) {
			r->errors++;
			continue;
		}
		used = (left + r->seg_room - 1) / r->seg_room;
		if (r->vnet_len == 0) /* no header from the kernel: a plain frame, nothing to finish */
			memset((char *)head + r->vnet_off, 0, 12);
		head->pkt_len = left;
		head->nb_segs = (uint16_t)used;
		head->port = r->port;
		for (j = 0; j < used; j++) {
			struct rte_mbuf *m = r->stash[top - j];
			uint32_t len = left < r->seg_room ? left : r->seg_room;

			m->data_off = RTE_PKTMBUF_HEADROOM;
			m->data_len = (uint16_t)len;
			m->next = NULL;
			if (prev != NULL)
				prev->next = m;
			prev = m;
			left -= len;
		}
		r->stash_count -= used;
		out[got++] = head;
	}
	if (got == 0 && fatal != 0)
		return fatal;
	return (int)got;
}

void
cpm_tap_reader_release(struct cpm_tap_reader *r)
{
	if (r->stash_count > 0)
		rte_pktmbuf_free_bulk(r->stash, r->stash_count);
	r->stash_count = 0;
}
