package io.cpumapd.dpdk;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The one errno table: the codes the daemon names ({@link #name}), used by the DPDK bindings, the
 * cpumap, the TAP injector's counters and the control protocol's replies; and the one policy from
 * error codes to exceptions. DPDK functions return {@code -errno}, or
 * -1 / NULL and set the thread-local {@code rte_errno}; both end here, with DPDK's own text.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int E2BIG = 7;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOTSUP = 95;
    public static final int EALREADY = 114;
    public static final int EOVERFLOW = 75;
    public static final int ENETDOWN = 100;
    public static final int EMSGSIZE = 90;
    public static final int EBADFD = 77;

    private static final MethodHandle RTE_STRERROR = Native.downcall("rte_strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RTE_ERRNO = Native.criticalDowncall("cpm_rte_errno",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private Errno() {
    }

    /** Throws when {@code ret} is negative ({@code -errno}); returns it otherwise. */
    public static int check(int ret, String operation) {
        if (ret < 0) {
            throw new DpdkException(operation, -ret, strerror(-ret));
        }
        return ret;
    }

    /** For calls that signal failure with -1 or NULL and set {@code rte_errno}: the exception to throw. */
    public static DpdkException fromRteErrno(String operation) {
        int code = rteErrno();
        return new DpdkException(operation, code, strerror(code));
    }

    public static int rteErrno() {
        try {
            return (int) RTE_ERRNO.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** DPDK's text for a code: its own E_RTE_* codes, then the C library's. */
    public static String strerror(int code) {
        try {
            MemorySegment s = (MemorySegment) RTE_STRERROR.invokeExact(code);
            return s.equals(MemorySegment.NULL) ? "error " + code : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static String name(int code) {
        return switch (code) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EIO -> "EIO";
            case E2BIG -> "E2BIG";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENOTSUP -> "ENOTSUP";
            case EALREADY -> "EALREADY";
            case EOVERFLOW -> "EOVERFLOW";
            case ENETDOWN -> "ENETDOWN";
            case EMSGSIZE -> "EMSGSIZE";
            case EBADFD -> "EBADFD";
            default -> "errno " + code;
        };
    }
}
