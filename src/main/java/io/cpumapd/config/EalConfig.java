package io.cpumapd.config;

import java.util.List;

/**
 * Extra EAL arguments. The daemon adds {@code -l}, {@code --file-prefix} and each port's device
 * argument ({@link PortConfig#ealDeviceArgs()}) itself, so those are refused here.
 */
public record EalConfig(List<String> args) {
    public static final List<String> DEFAULT_ARGS = List.of("--no-huge", "-m", "512", "--no-pci", "--no-telemetry");
    public static final EalConfig DEFAULT = new EalConfig(DEFAULT_ARGS);
    static final List<String> KEYS = List.of("args");
    private static final List<String> OWN = List.of("-l", "-c", "--lcores", "--file-prefix", "--vdev", "-a",
            "--allow");

    public EalConfig {
        args = List.copyOf(args);
    }

    static EalConfig read(YamlNode n) {
        List<String> args = n.stringList("args", DEFAULT_ARGS);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (OWN.contains(option)) {
                throw new ConfigException(YamlNode.element(n.path("args"), i), YamlNode.quote(a)
                        + " is set by cpumapd from rx_workers and ports; remove it");
            }
        }
        return new EalConfig(args);
    }
}
