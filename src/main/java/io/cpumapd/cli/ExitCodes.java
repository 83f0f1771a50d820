package io.cpumapd.cli;

import io.cpumapd.control.ControlException;
import io.cpumapd.control.DaemonUnreachableException;
import io.cpumapd.dpdk.Errno;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The CLI's exit codes (the table in {@code docs/control-protocol.md}) and the one place that turns
 * a failed command into one line on stderr and its code. Usage errors stay Picocli's (2).
 */
public final class ExitCodes implements IExecutionExceptionHandler {
    public static final int OK = 0;
    public static final int SOFTWARE = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    public static final int E2BIG = 10;
    public static final int ENODEV = 11;
    public static final int EOVERFLOW = 12;
    public static final int EEXIST = 13;
    public static final int ENOENT = 14;
    public static final int EINVAL = 15;
    public static final int EFILTER = 16;
    public static final int PROTOCOL = 17;
    /** {@code run}: the configuration was refused (sysexits' EX_CONFIG). */
    public static final int CONFIG = 78;

    /**
     * The exit code for an error reply's errno, by its code in {@link Errno}'s table; names this CLI
     * does not know are daemon failures (1).
     */
    public static int forErrno(String errno) {
        return switch (Errno.number(errno)) {
            case Errno.E2BIG -> E2BIG;
            case Errno.ENODEV -> ENODEV;
            case Errno.EOVERFLOW -> EOVERFLOW;
            case Errno.EEXIST -> EEXIST;
            case Errno.ENOENT -> ENOENT;
            case Errno.EINVAL -> EINVAL;
            case Errno.EFILTER -> EFILTER;
            case Errno.EBADMSG, Errno.EMSGSIZE, Errno.EOPNOTSUPP -> PROTOCOL;
            // The daemon's peer check: as unreachable as a socket we may not open.
            case Errno.EPERM -> UNREACHABLE;
            default -> SOFTWARE;
        };
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int code;
        if (ex instanceof DaemonUnreachableException) {
            err.println("cpumapd: " + ex.getMessage());
            code = UNREACHABLE;
        } else if (ex instanceof ControlException ce) {
            err.println("cpumapd: " + ce.getMessage() + " (" + ce.errno() + ")");
            code = forErrno(ce.errno());
        } else {
            // A bug of ours: the trace is what a report needs.
            err.print(commandLine.getColorScheme().stackTraceText(ex));
            code = SOFTWARE;
        }
        err.flush();
        return code;
    }
}
