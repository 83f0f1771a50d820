package io.cpumapd.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The whole daemon configuration, validated: every value in range, every reference resolved,
 * relative paths made absolute. Built by {@link ConfigLoader}; the record components mirror the
 * YAML keys (camelCase here, snake_case in the file).
 */
public record Config(EalConfig eal, MempoolConfig mempool, List<PortConfig> ports, List<RxWorkerConfig> rxWorkers,
        FilterConfig filter, CpuMapConfig cpumap, ConsumerConfig consumer, TapConfig tap, MetricsConfig metrics,
        ControlConfig control, DaemonConfig daemon) {
    static final List<String> KEYS = List.of("eal", "mempool", "ports", "rx_workers", "filter", "cpumap", "consumer",
            "tap", "metrics", "control", "daemon");

    private static final YAMLMapper PRINTER = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            // every string quoted: unquoted, "0600" reads back as 384 and 0000:01:00.0 as a bad number
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .addModule(new SimpleModule("paths").addSerializer(Path.class, ToStringSerializer.instance))
            .build();

    /** As before the daemon section existed: its defaults. */
    public Config(EalConfig eal, MempoolConfig mempool, List<PortConfig> ports, List<RxWorkerConfig> rxWorkers,
            FilterConfig filter, CpuMapConfig cpumap, ConsumerConfig consumer, TapConfig tap, MetricsConfig metrics,
            ControlConfig control) {
        this(eal, mempool, ports, rxWorkers, filter, cpumap, consumer, tap, metrics, control, DaemonConfig.DEFAULT);
    }

    public Config {
        daemon = daemon == null ? DaemonConfig.DEFAULT : daemon;
        ports = List.copyOf(ports);
        rxWorkers = List.copyOf(rxWorkers);
    }

    /** The port called {@code name}. */
    public Optional<PortConfig> port(String name) {
        return ports.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The TAP name of port {@code index}: its own tap.name, else tap.name for the first, else derived. */
    public String tapName(int index) {
        PortConfig p = ports.get(index);
        return p.tap().name() != null ? p.tap().name() : tap.defaultNameOf(index, p.name());
    }

    /** The MTU of port {@code index} and its TAP: its own, else tap.mtu. */
    public int mtu(int index) {
        int own = ports.get(index).mtu();
        return own != 0 ? own : tap.mtu();
    }

    /** The position of the port called {@code name} in {@link #ports()}, -1 if there is none. */
    public int portIndex(String name) {
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The EAL arguments from the configuration: {@code eal.args}, then each port's device argument in
     * port order (so DPDK port ids follow {@link #ports()} for virtual devices). The daemon adds
     * {@code -l} and {@code --file-prefix}.
     */
    public List<String> ealArgs() {
        List<String> out = new ArrayList<>(eal.args());
        for (PortConfig p : ports) {
            out.addAll(p.ealDeviceArgs());
        }
        return List.copyOf(out);
    }

    /** The effective configuration as YAML (defaults filled in, paths absolute): {@code run --print-config}. */
    public String toYaml() {
        try {
            return PRINTER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
