package io.cpumapd.config;

import java.util.ArrayList;
import java.util.List;

/** An RX worker: one thread pinned to {@code core}, polling {@code queues} in turn. */
public record RxWorkerConfig(String name, int core, List<QueueRef> queues) {
    static final List<String> KEYS = List.of("name", "core", "queues");

    public RxWorkerConfig {
        queues = List.copyOf(queues);
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
        return new RxWorkerConfig(name, core, queues);
    }
}
