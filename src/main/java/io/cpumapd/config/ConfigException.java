package io.cpumapd.config;

/**
 * A configuration that cannot be used. {@link #path()} names the offending key the way a reader
 * finds it in the YAML ({@code cpumap.entries[1].qsize}; empty for the document as a whole), and
 * the message is {@code "<path>: <reason>"}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String reason;

    public ConfigException(String path, String reason) {
        super(path.isEmpty() ? reason : path + ": " + reason);
        this.path = path;
        this.reason = reason;
    }

    public ConfigException(String path, String reason, Throwable cause) {
        this(path, reason);
        initCause(cause);
    }

    /** The key, e.g. {@code rx_workers[0].queues[2].port}; empty for the whole document. */
    public String path() {
        return path;
    }

    /** The message without the path. */
    public String reason() {
        return reason;
    }
}
