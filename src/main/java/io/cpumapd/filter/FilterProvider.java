package io.cpumapd.filter;

import io.cpumapd.packet.PacketFilter;

import java.util.Map;

/**
 * The plugin SDK: a named factory of RX filters (or second-stage programs), found by
 * {@link java.util.ServiceLoader} in the jars of a plugin directory (see {@link PluginLoader}),
 * or named by its class name. {@link #create} is called once per RX worker, so the filter it
 * returns is used by one thread only and may keep unsynchronized state.
 */
public interface FilterProvider {
    /** The name a configuration uses, e.g. {@code dns-guard}; must not clash with a built-in. */
    String name();

    /**
     * A new filter. Throw {@link FilterException} for an unknown parameter or a bad value, with a
     * message that says which and why.
     *
     * @param targets the cpumap keys to spread over; live, read it per packet
     */
    PacketFilter create(Map<String, String> params, TargetSet targets);
}
