/*
 * cpumapd TAP injection: one native call per batch so the Java consumer never makes a
 * per-packet downcall. The caller owns every buffer; nothing here allocates or blocks.
 */
#ifndef CPM_TAP_H
#define CPM_TAP_H

#include <stdint.h>

/*
 * For each i < n: writev(fd, {hdr_addrs[i], hdr_len}, {data_addrs[i], data_lens[i]}).
 * hdr_len 0 means the device has no vnet header and hdr_addrs is not read (may be NULL).
 * results[i] = bytes written (vnet header included) or -errno; fd is O_NONBLOCK, so a
 * full queue shows up as -EAGAIN on that packet and the batch goes on.
 * Returns the number of packets written.
 */
int cpm_tap_write_batch(int fd, const uint64_t *hdr_addrs, uint32_t hdr_len,
			const uint64_t *data_addrs, const uint32_t *data_lens,
			unsigned int n, int32_t *results);

#endif
