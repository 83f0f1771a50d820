package io.cpumapd.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cpumap entry: key {@code cpu}, a ring of {@code qsize} slots and the second-stage program the
 * consumer on that CPU runs, and whether that consumer merges TCP segments into GSO frames before the
 * kernel ({@code gro}, on unless set false). Unlike a map update, qsize 0 (delete) has no meaning here.
 */
public record CpuMapEntryConfig(int cpu, int qsize, String program, Map<String, String> params, boolean gro) {
    public static final String DEFAULT_PROGRAM = "pass";
    /** The kernel's limit on a cpumap entry's ring (above it an update is EOVERFLOW); CpuMap enforces the same. */
    public static final int MAX_QSIZE = 16384;
    static final List<String> KEYS = List.of("cpu", "qsize", "program", "params", "gro");
    public static final boolean DEFAULT_GRO = true;

    public CpuMapEntryConfig {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** An entry with GRO as by default. */
    public CpuMapEntryConfig(int cpu, int qsize, String program, Map<String, String> params) {
        this(cpu, qsize, program, params, DEFAULT_GRO);
    }

    /** Rule files its parameters name resolve against {@code baseDir}, as the filter's. */
    static CpuMapEntryConfig read(YamlNode n, Path baseDir) {
        int cpu = n.requiredInteger("cpu", 0, Integer.MAX_VALUE);
        int qsize = n.requiredInteger("qsize", 1, MAX_QSIZE);
        String program = n.string("program", DEFAULT_PROGRAM);
        if (program.isEmpty()) {
            throw new ConfigException(n.path("program"), "must not be empty");
        }
        return new CpuMapEntryConfig(cpu, qsize, program, FilterConfig.ruleFiles(n.stringMap("params"), baseDir),
                n.bool("gro", DEFAULT_GRO));
    }
}
