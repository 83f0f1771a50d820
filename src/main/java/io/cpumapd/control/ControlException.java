package io.cpumapd.control;

import io.cpumapd.dpdk.Errno;
import java.util.Set;

/**
 * A request the daemon refused, named by a kernel-style errno (see {@code docs/control-protocol.md}):
 * thrown by a {@link RequestHandler} to make an error reply, and by {@link ControlClient} when one arrives.
 * The errno is a name, not a number, because the protocol carries names; each is {@link Errno}'s
 * name of its code, the protocol's own {@code EFILTER} included.
 */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    // The cpumap's kernel cases.
    public static final String E2BIG = Errno.name(Errno.E2BIG);
    public static final String ENODEV = Errno.name(Errno.ENODEV);
    public static final String EOVERFLOW = Errno.name(Errno.EOVERFLOW);
    public static final String EEXIST = Errno.name(Errno.EEXIST);
    public static final String ENOENT = Errno.name(Errno.ENOENT);
    public static final String EINVAL = Errno.name(Errno.EINVAL);
    // The protocol's own.
    public static final String EBADMSG = Errno.name(Errno.EBADMSG);
    public static final String EMSGSIZE = Errno.name(Errno.EMSGSIZE);
    public static final String EOPNOTSUPP = Errno.name(Errno.EOPNOTSUPP);
    public static final String EFILTER = Errno.name(Errno.EFILTER);
    public static final String EPERM = Errno.name(Errno.EPERM);
    public static final String EIO = Errno.name(Errno.EIO);
    /** Only when a server refuses to start: another one answers on the socket. */
    public static final String EADDRINUSE = Errno.name(Errno.EADDRINUSE);

    private final String errno;

    public ControlException(String errno, String message) {
        super(message);
        this.errno = errno;
    }

    public ControlException(String errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    private static final Set<String> KERNEL_CASES = Set.of(E2BIG, ENODEV, EOVERFLOW, EEXIST, ENOENT, EINVAL);

    /**
     * For a handler turning a numeric errno (as in {@code CpuMapException}) into a reply, named by
     * the errno table ({@link Errno#name}); codes that are not one of the cpumap's kernel cases become EIO.
     */
    public static ControlException ofErrno(int code, String message) {
        String name = Errno.name(code);
        return new ControlException(KERNEL_CASES.contains(name) ? name : EIO, message);
    }

    public String errno() {
        return errno;
    }
}
