/* Batched writes into a TAP queue fd: see cpm_tap.h. */
#include <errno.h>
#include <sys/uio.h>

#include "cpm_tap.h"

int
cpm_tap_write_batch(int fd, const uint64_t *hdr_addrs, uint32_t hdr_len,
		    const uint64_t *data_addrs, const uint32_t *data_lens,
		    unsigned int n, int32_t *results)
{
	struct iovec iov[2];
	int written = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int iovcnt = 0;
		ssize_t ret;

		if (hdr_len != 0) {
			iov[iovcnt].iov_base = (void *)(uintptr_t)hdr_addrs[i];
			iov[iovcnt].iov_len = hdr_len;
			iovcnt++;
		}
		iov[iovcnt].iov_base = (void *)(uintptr_t)data_addrs[i];
		iov[iovcnt].iov_len = data_lens[i];
		iovcnt++;

		/* A TAP write is one whole frame or nothing: no short writes to resume. */
		do {
			ret = writev(fd, iov, iovcnt);
		} while (ret < 0 && errno == EINTR);

		if (ret < 0) {
			results[i] = -errno;
		} else {
			results[i] = (int32_t)ret;
			written++;
		}
	}
	return written;
}
