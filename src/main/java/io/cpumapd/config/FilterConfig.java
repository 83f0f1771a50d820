package io.cpumapd.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filter every RX worker runs, by name, with its parameters; {@code pluginDir} (nullable) is
 * an extra directory of filter jars, already resolved against the configuration file's directory.
 */
public record FilterConfig(String name, Map<String, String> params, Path pluginDir) {
    static final List<String> KEYS = List.of("name", "params", "plugin_dir");

    public FilterConfig {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    static FilterConfig read(YamlNode n, Path baseDir) {
        String dir = n.nullableString("plugin_dir");
        if (dir != null && dir.isEmpty()) {
            throw new ConfigException(n.path("plugin_dir"), "must not be empty (omit it or write null)");
        }
        Path pluginDir = dir == null ? null : baseDir.resolve(dir).toAbsolutePath().normalize();
        return new FilterConfig(n.requiredString("name"), n.stringMap("params"), pluginDir);
    }
}
