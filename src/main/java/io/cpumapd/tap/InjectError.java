package io.cpumapd.tap;

import io.cpumapd.dpdk.Errno;
import java.util.Arrays;

/**
 * Why the kernel refused a frame, as counted by a {@link TapInjector}. Each has its own counter
 * because each means something different to an operator.
 */
public enum InjectError {
    /** The queue's socket buffer is full: the stack is not keeping up (rare: a TAP's sndbuf is huge). */
    EAGAIN(Errno.EAGAIN),
    /** The link is down ({@code ip link set ... down}, or just moved to another namespace). */
    EIO(Errno.EIO),
    ENETDOWN(Errno.ENETDOWN),
    /** The queue fd is no longer attached to a device (detached queue, device deleted). */
    EBADFD(Errno.EBADFD),
    /** A malformed frame or vnet header: shorter than the header, bad hdr_len or csum fields. */
    EINVAL(Errno.EINVAL),
    OTHER(-1);

    /** Indexed by errno, small enough to stay in cache: a per-packet lookup with no branch chain. */
    private static final byte[] BY_ERRNO = new byte[128];

    static {
        Arrays.fill(BY_ERRNO, (byte) OTHER.ordinal());
        for (InjectError e : values()) {
            if (e.errno > 0) {
                BY_ERRNO[e.errno] = (byte) e.ordinal();
            }
        }
    }

    private final int errno;

    InjectError(int errno) {
        this.errno = errno;
    }

    /** The errno this counts, -1 for {@link #OTHER}. */
    public int errno() {
        return errno;
    }

    /** The ordinal of the counter for a positive errno; anything unknown or out of range is OTHER. */
    static int slot(int errno) {
        return errno >= 0 && errno < BY_ERRNO.length ? BY_ERRNO[errno] : OTHER.ordinal();
    }
}
