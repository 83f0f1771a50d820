package io.cpumapd.config;

import java.util.List;

/** How every cpumap consumer dequeues: batch size and what it does when its ring is empty. */
public record ConsumerConfig(int batch, String idle) {
    /** CPUMAP_BATCH in the kernel. */
    public static final ConsumerConfig DEFAULT = new ConsumerConfig(8, IdleNames.BACKOFF);
    static final List<String> KEYS = List.of("batch", "idle");

    static ConsumerConfig read(YamlNode n) {
        int batch = n.integer("batch", DEFAULT.batch, 1, 256);
        String idle = n.string("idle", DEFAULT.idle);
        try {
            IdleNames.check(idle);
        } catch (IllegalArgumentException e) {
            // IdleNames owns the list of names; its message says which exist
            throw new ConfigException(n.path("idle"), e.getMessage());
        }
        return new ConsumerConfig(batch, idle);
    }
}
