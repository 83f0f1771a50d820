package io.cpumapd.worker;

/**
 * Where PASS sends a packet: into the kernel stack on this core. One per thread. {@link #pass}
 * takes ownership of the mbuf; {@link #flush} delivers everything passed since the last flush in
 * one go and frees the mbufs.
 */
public interface Delivery {
    void pass(long mbuf);

    void flush();
}
