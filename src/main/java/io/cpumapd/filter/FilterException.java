package io.cpumapd.filter;

import java.io.Serial;

/**
 * A filter or program could not be created: unknown name, unknown parameter, bad value, or a plugin
 * that would not load. The message says which and why, ready for the CLI to print as one line.
 * Unchecked so that {@link FilterProvider} implementations can throw it from their factories.
 */
public class FilterException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public FilterException(String message) {
        super(message);
    }

    public FilterException(String message, Throwable cause) {
        super(message, cause);
    }
}
