package io.cpumapd.config;

import java.util.List;

/** One RX queue of a port, by the port's name. */
public record QueueRef(String port, int queue) {
    static final List<String> KEYS = List.of("port", "queue");

    static QueueRef read(YamlNode n) {
        return new QueueRef(n.requiredString("port"), n.requiredInteger("queue", 0, PortConfig.MAX_RX_QUEUES - 1));
    }

    /** In words, for messages: {@code queue 1 of port replay0}. */
    public String describe() {
        return "queue " + queue + " of port " + port;
    }
}
