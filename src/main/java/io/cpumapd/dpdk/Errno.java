package io.cpumapd.dpdk;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The one errno table: number, name ({@link #name}) and text ({@link #text}) of every Linux errno
 * and of cpumapd's own codes ({@link #EFILTER}), used by the DPDK bindings, the cpumap, the TAP
 * device and injector, the control protocol's names and the CLI's exit codes; and the one policy
 * from error codes to exceptions. DPDK functions return {@code -errno}, or -1 / NULL and set the
 * thread-local {@code rte_errno}; both end here. The table is data ({@link ErrnoTable}): naming a
 * code loads no native code, only {@link #check} and its kin bind DPDK.
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
    public static final int EBADMSG = 74;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    /** cpumapd's own, the control protocol's: a filter or program cannot be loaded or takes bad parameters. */
    public static final int EFILTER = ErrnoTable.OWN_BASE;
    /** DPDK's own codes ({@code E_RTE_*}) are above this ({@code RTE_MIN_ERRNO}); DPDK names them. */
    private static final int RTE_MIN_ERRNO = 1000;

    /** Bound on first use: naming a code must not load DPDK (a CLI command, a TAP). */
    private static final class Rte {
        static final MethodHandle STRERROR = Native.downcall("rte_strerror",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle ERRNO = Native.criticalDowncall("cpm_rte_errno",
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

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
            return (int) Rte.ERRNO.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The text for a code DPDK returned: the table's, or DPDK's own for its E_RTE_* codes. */
    public static String strerror(int code) {
        if (code < RTE_MIN_ERRNO || code >= ErrnoTable.OWN_BASE) {
            return text(code);
        }
        try {
            MemorySegment s = (MemorySegment) Rte.STRERROR.invokeExact(code);
            return s.equals(MemorySegment.NULL) ? "error " + code : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The name of a code ({@code "ENOENT"}), or {@code "errno N"} when it has none. */
    public static String name(int code) {
        ErrnoTable.Row row = ErrnoTable.row(code);
        return row == null ? "errno " + code : row.name();
    }

    /** The text of a code ({@code "No such file or directory"}), or the C library's {@code "Unknown error N"}. */
    public static String text(int code) {
        ErrnoTable.Row row = ErrnoTable.row(code);
        return row == null ? "Unknown error " + code : row.text();
    }

    /** Text and name, as {@code "No such file or directory (ENOENT)"}. */
    public static String describe(int code) {
        return text(code) + " (" + name(code) + ")";
    }

    /** The code named {@code name} (a protocol reply's errno), or -1 when the table has no such name. */
    public static int number(String name) {
        return ErrnoTable.number(name);
    }
}
