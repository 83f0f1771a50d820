package io.cpumapd.worker;

import java.lang.System.Logger.Level;

/**
 * What a hot loop does with an exception Agrona caught: the first one of a kind is logged with its
 * stack, repeats of the same kind only counted (a loop that throws every poll would otherwise log
 * thousands of lines a second), and a different kind is logged again. Not on the packet path:
 * filters' exceptions are caught per packet and counted there.
 */
final class LoopErrors {
    private static final System.Logger LOG = System.getLogger("cpumapd.worker");

    private Class<?> lastKind;
    private long repeats;

    synchronized void report(String thread, Throwable t) {
        if (t.getClass() == lastKind) {
            repeats++;
            return;
        }
        if (repeats > 0) {
            LOG.log(Level.WARNING, "{0}: the previous error repeated {1} times", thread, repeats);
        }
        lastKind = t.getClass();
        repeats = 0;
        LOG.log(Level.ERROR, thread + ": error in the loop", t);
    }
}
