package io.cpumapd.cpumap;

import io.cpumapd.dpdk.Errno;

/** A refused cpumap operation, with the kernel's errno for the same case. */
public final class CpuMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;
    private final String reason;

    public CpuMapException(int errno, String message) {
        super(message + " (" + Errno.name(errno) + ")");
        this.errno = errno;
        this.reason = message;
    }

    /** The message without the errno name. */
    public String reason() {
        return reason;
    }

    public int errno() {
        return errno;
    }
}
