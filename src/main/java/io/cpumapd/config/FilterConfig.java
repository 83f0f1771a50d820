package io.cpumapd.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filter every RX worker runs, by name, with its parameters. {@code pluginDir} (nullable) is an
 * extra directory of filter jars; {@code rulesDir} (nullable) the directory files named over the control
 * socket ({@code acl}'s {@code rules=FILE}) must lie in. Both, and the rule files the parameters
 * name, are resolved against the configuration file's directory.
 */
public record FilterConfig(String name, Map<String, String> params, Path pluginDir, Path rulesDir) {
    static final List<String> KEYS = List.of("name", "params", "plugin_dir", "rules_dir");

    public FilterConfig {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    static FilterConfig read(YamlNode n, Path baseDir) {
        return new FilterConfig(n.requiredString("name"), ruleFiles(n.stringMap("params"), baseDir),
                directory(n, "plugin_dir", baseDir), directory(n, "rules_dir", baseDir));
    }

    /**
     * The parameters of a filter or program as the configuration file gives them, with every file they
     * name ({@code rules}, {@code then.rules}, any key ending in {@code .rules}) made absolute against
     * the file's directory: the daemon's working directory (/ under systemd) plays no part, and a
     * reload reads the same files.
     */
    static Map<String, String> ruleFiles(Map<String, String> params, Path baseDir) {
        Map<String, String> out = new LinkedHashMap<>(params);
        for (Map.Entry<String, String> e : params.entrySet()) {
            String value = e.getValue();
            if (namesRuleFile(e.getKey()) && !value.isEmpty()) {
                try {
                    if (!Path.of(value).isAbsolute()) {
                        out.put(e.getKey(), baseDir.resolve(value).toAbsolutePath().normalize().toString());
                    }
                } catch (InvalidPathException notAPath) {
                    // left as written: the filter that reads it reports the file it cannot open
                }
            }
        }
        return out;
    }

    /** Whether a filter or program parameter names a rule file: {@code rules}, or a key ending in {@code .rules}. */
    public static boolean namesRuleFile(String key) {
        return key.equals("rules") || key.endsWith(".rules");
    }

    private static Path directory(YamlNode n, String key, Path baseDir) {
        String dir = n.nullableString(key);
        if (dir != null && dir.isEmpty()) {
            throw new ConfigException(n.path(key), "must not be empty (omit it or write null)");
        }
        return dir == null ? null : baseDir.resolve(dir).toAbsolutePath().normalize();
    }

    /** The same filter section with another filter and parameters (a reload). */
    public FilterConfig with(String newName, Map<String, String> newParams) {
        return new FilterConfig(newName, newParams, pluginDir, rulesDir);
    }
}
