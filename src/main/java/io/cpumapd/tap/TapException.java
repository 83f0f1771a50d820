package io.cpumapd.tap;

import io.cpumapd.dpdk.Errno;

/**
 * Creating or configuring a TAP device failed. The message names the operation, the interface
 * and the reason ({@link Errno#describe}: the C library's text and name), e.g. {@code TUNSETIFF cpumapd0: Operation not permitted (EPERM)}.
 */
public class TapException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String operation;
    private final String interfaceName;
    private final int errno;

    public TapException(String operation, String interfaceName, int errno) {
        this(operation, interfaceName, errno, Errno.describe(errno));
    }

    /** For failures that are not a system call's (a bad name, a bad option): errno is 0. */
    public TapException(String operation, String interfaceName, String reason) {
        this(operation, interfaceName, 0, reason);
    }

    private TapException(String operation, String interfaceName, int errno, String reason) {
        super(operation + " " + interfaceName + ": " + reason);
        this.operation = operation;
        this.interfaceName = interfaceName;
        this.errno = errno;
    }

    /** Throws when {@code ret} is {@code -errno}; returns it otherwise. */
    static int check(int ret, String operation, String interfaceName) {
        if (ret < 0) {
            throw new TapException(operation, interfaceName, -ret);
        }
        return ret;
    }

    public String operation() {
        return operation;
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** The positive errno of the failed call, 0 when no system call failed. */
    public int errno() {
        return errno;
    }
}
