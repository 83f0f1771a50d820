package io.cpumapd.config;

import java.util.ArrayList;
import java.util.List;

/**
 * An RX worker: one thread pinned to {@code core}, polling {@code queues} in turn. {@code mode}
 * {@code native} sends mbufs through the rings (the kernel's native XDP); {@code skb} builds the
 * SkBuff on the RX core and sends tagged handles (generic XDP), so consumers only inject.
 * {@code idle} is what the worker does after a poll that found nothing; null (not set) follows
 * {@code consumer.idle}, as every worker did before it had a setting of its own.
 */
public record RxWorkerConfig(String name, int core, List<QueueRef> queues, String mode, String idle) {
    static final List<String> KEYS = List.of("name", "core", "queues", "mode", "idle");
    static final List<String> MODES = List.of("native", "skb");

    public RxWorkerConfig {
        queues = List.copyOf(queues);
    }

    /** Idle as {@code consumer.idle}. */
    public RxWorkerConfig(String name, int core, List<QueueRef> queues, String mode) {
        this(name, core, queues, mode, null);
    }

    static RxWorkerConfig read(YamlNode n, int index) {
        String name = n.string("name", "rx" + index);
        if (!Syntax.NAME.matcher(name).matches()) {
            throw new ConfigException(n.path("name"), YamlNode.quote(name) + " is not a valid name ([a-z0-9_-]{1,32})");
        }
        int core = n.requiredInteger("core", 0, Integer.MAX_VALUE);
        List<YamlNode.Element> elements = n.requiredList("queues");
        if (elements.isEmpty()) {
            throw new ConfigException(n.path("queues"), "a worker needs at least one queue to poll");
        }
        List<QueueRef> queues = new ArrayList<>();
        for (YamlNode.Element e : elements) {
            queues.add(QueueRef.read(e.mapping(QueueRef.KEYS)));
        }
        String mode = n.string("mode", "native");
        if (!MODES.contains(mode)) {
            throw new ConfigException(n.path("mode"), YamlNode.quote(mode) + " is not a mode (native, skb)");
        }
        String idle = n.nullableString("idle");
        if (idle != null) {
            try {
                IdleNames.check(idle);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(n.path("idle"), e.getMessage());
            }
        }
        return new RxWorkerConfig(name, core, queues, mode, idle);
    }

    /** Build SkBuffs on the RX core ({@code mode: skb}). */
    public boolean skbMode() {
        return mode.equals("skb");
    }
}
