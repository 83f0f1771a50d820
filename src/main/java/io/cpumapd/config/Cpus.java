package io.cpumapd.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * The machine's online CPUs. Not {@link Runtime#availableProcessors()}: that reads the calling
 * thread's affinity, which {@code rte_eal_init} narrows to the main lcore.
 */
public final class Cpus {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private Cpus() {
    }

    public static BitSet online() {
        try {
            return parseList(Files.readString(ONLINE).strip());
        } catch (IOException e) {
            BitSet all = new BitSet();
            all.set(0, Runtime.getRuntime().availableProcessors());
            return all;
        }
    }

    /** Parses a kernel CPU list such as {@code 0-3,6,8-9}. */
    public static BitSet parseList(String list) {
        BitSet set = new BitSet();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.strip().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            set.set(from, to + 1);
        }
        return set;
    }
}
