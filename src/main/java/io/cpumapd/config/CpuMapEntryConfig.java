package io.cpumapd.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cpumap entry: key {@code cpu}, a ring of {@code qsize} slots and the second-stage program the
 * consumer on that CPU runs. Unlike a map update, qsize 0 (delete) has no meaning here.
 */
public record CpuMapEntryConfig(int cpu, int qsize, String program, Map<String, String> params) {
    public static final String DEFAULT_PROGRAM = "pass";
    /** The kernel's limit on a cpumap entry's ring (above it an update is EOVERFLOW); CpuMap enforces the same. */
    public static final int MAX_QSIZE = 16384;
    static final List<String> KEYS = List.of("cpu", "qsize", "program", "params");

    public CpuMapEntryConfig {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    static CpuMapEntryConfig read(YamlNode n) {
        int cpu = n.requiredInteger("cpu", 0, Integer.MAX_VALUE);
        int qsize = n.requiredInteger("qsize", 1, MAX_QSIZE);
        String program = n.string("program", DEFAULT_PROGRAM);
        if (program.isEmpty()) {
            throw new ConfigException(n.path("program"), "must not be empty");
        }
        return new CpuMapEntryConfig(cpu, qsize, program, n.stringMap("params"));
    }
}
