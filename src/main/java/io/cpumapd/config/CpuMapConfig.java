package io.cpumapd.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The CPU map at start: its size and the entries created before the first packet. */
public record CpuMapConfig(int maxEntries, List<CpuMapEntryConfig> entries) {
    static final List<String> KEYS = List.of("max_entries", "entries");

    public CpuMapConfig {
        entries = List.copyOf(entries);
    }

    static CpuMapConfig read(YamlNode n, Path baseDir) {
        // the machine's CPU count is the real bound, checked with the other machine checks
        int maxEntries = n.requiredInteger("max_entries", 1, Integer.MAX_VALUE);
        List<CpuMapEntryConfig> entries = new ArrayList<>();
        for (YamlNode.Element e : n.list("entries")) {
            entries.add(CpuMapEntryConfig.read(e.mapping(CpuMapEntryConfig.KEYS), baseDir));
        }
        return new CpuMapConfig(maxEntries, entries);
    }
}
