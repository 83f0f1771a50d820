package io.cpumapd.control;

import java.nio.file.Path;

/** No daemon answers on the control socket: no socket file, connection refused, permission denied, timeout. */
public final class DaemonUnreachableException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Path socket;

    public DaemonUnreachableException(Path socket, String reason, Throwable cause) {
        super("cpumapd is not reachable on " + socket + ": " + reason
                + " (is the daemon running? start it with 'cpumapd run')", cause);
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }
}
