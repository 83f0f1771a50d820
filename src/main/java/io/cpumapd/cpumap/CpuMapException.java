package io.cpumapd.cpumap;

import io.cpumapd.dpdk.Errno;

/** A refused cpumap operation, with the kernel's errno for the same case. */
public final class CpuMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public CpuMapException(int errno, String message) {
        super(message + " (" + Errno.name(errno) + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
