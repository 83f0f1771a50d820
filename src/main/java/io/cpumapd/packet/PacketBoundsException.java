package io.cpumapd.packet;

/**
 * A read or write outside the packet. One shared instance without a stack trace: throwing it
 * allocates nothing, and the worker turns it into ABORTED for that packet.
 */
public final class PacketBoundsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final PacketBoundsException INSTANCE = new PacketBoundsException();

    private PacketBoundsException() {
        super("access outside the packet", null, false, false);
    }
}
