package io.cpumapd.daemon;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A signal's disposition as the process inherited it. A daemon started under {@code nohup} (or by a
 * parent that ignored SIGHUP) inherits SIGHUP as ignored, and the JVM then silently refuses to install a
 * handler for it ({@code sun.misc.Signal.handle} returns {@code SIG_IGN} and does nothing): reload by
 * SIGHUP would do nothing. {@link #restoreDefault} puts the default action back first, as daemons that
 * take SIGHUP as their reload signal do, so that the handler installed right after is the one that runs.
 */
@SuppressWarnings("restricted") // binding signal(2) is this class's whole purpose
public final class SignalDisposition {
    public static final int SIGHUP = 1;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;
    private static final MethodHandle SIGNAL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("signal").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

    private SignalDisposition() {
    }

    /** Sets {@code signal}'s action to the default; true if it had been ignored. */
    public static boolean restoreDefault(int signal) {
        try {
            long previous = (long) SIGNAL.invokeExact(signal, SIG_DFL);
            return previous == SIG_IGN;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
