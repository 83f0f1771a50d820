package io.cpumapd.dpdk;

/** A DPDK call failed: carries the call, the errno and DPDK's text for it ({@code rte_strerror}). */
public class DpdkException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String operation;
    private final int errno;

    public DpdkException(String operation, int errno, String reason) {
        super(operation + ": " + reason + " (" + Errno.name(errno) + ")");
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    /** The positive errno value (ENODEV, EINVAL, ...) or a DPDK-specific code (E_RTE_*). */
    public int errno() {
        return errno;
    }
}
