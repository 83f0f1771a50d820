package io.cpumapd.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a configuration: Jackson parses the YAML strictly (one document, no duplicate key), the
 * section records read the tree with typed accessors, then {@link ConfigValidator} checks
 * references and, unless told not to, this machine (online CPUs, files). Every failure is a
 * {@link ConfigException} naming the YAML path.
 */
public final class ConfigLoader {
    /** The embedded default configuration, and the capture it replays. */
    public static final String DEFAULT_RESOURCE = "config/cpumapd.yaml";
    public static final String DEFAULT_PCAP_RESOURCE = "config/mixed-traffic.pcap";

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ConfigLoader() {
    }

    /** Loads {@code file}; relative paths in it resolve against its directory. */
    public static Config load(Path file) {
        return load(file, true);
    }

    /** @param validateMachine false skips the checks of this machine: online CPUs, pcap files, plugin directory */
    public static Config load(Path file, boolean validateMachine) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + file + ": " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(yaml, dir, validateMachine);
    }

    /**
     * The embedded default ({@value #DEFAULT_RESOURCE}). The capture it replays is extracted into a
     * fresh temporary directory (deleted at exit) that its relative paths resolve against.
     */
    public static Config loadDefault() {
        try {
            Path dir = Files.createTempDirectory("cpumapd-config");
            dir.toFile().deleteOnExit();
            Path pcap = dir.resolve(Path.of(DEFAULT_PCAP_RESOURCE).getFileName());
            try (InputStream in = resource(DEFAULT_PCAP_RESOURCE)) {
                Files.copy(in, pcap, StandardCopyOption.REPLACE_EXISTING);
            }
            pcap.toFile().deleteOnExit();
            return parse(defaultYaml(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + DEFAULT_PCAP_RESOURCE, e);
        }
    }

    /** The text of the embedded default configuration, comments included. */
    public static String defaultYaml() {
        try (InputStream in = resource(DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE, e);
        }
    }

    /** Parses and validates {@code yaml}, checking this machine; relative paths resolve against {@code baseDir}. */
    public static Config parse(String yaml, Path baseDir) {
        return parse(yaml, baseDir, true);
    }

    public static Config parse(String yaml, Path baseDir, boolean validateMachine) {
        JsonNode root = readTree(yaml);
        Config config = read(root, baseDir.toAbsolutePath().normalize());
        ConfigValidator.validate(config, validateMachine ? Cpus.online() : null, validateMachine ? Cpus.usable() : null);
        return config;
    }

    private static Config read(JsonNode root, Path baseDir) {
        if (!root.isObject()) {
            throw new ConfigException("", "expected a mapping of sections (eal, ports, ...) at the top level, got "
                    + YamlNode.describe(root));
        }
        YamlNode n = YamlNode.mapping(root, "", Config.KEYS);
        EalConfig eal = EalConfig.read(n.mapping("eal", EalConfig.KEYS));
        MempoolConfig mempool = MempoolConfig.read(n.mapping("mempool", MempoolConfig.KEYS));
        List<PortConfig> ports = new ArrayList<>();
        List<YamlNode.Element> portNodes = n.requiredList("ports");
        if (portNodes.isEmpty()) {
            throw new ConfigException("ports", "at least one port is required");
        }
        for (YamlNode.Element e : portNodes) {
            ports.add(PortConfig.read(e.mapping(PortConfig.KEYS), baseDir));
        }
        List<RxWorkerConfig> workers = new ArrayList<>();
        List<YamlNode.Element> workerNodes = n.requiredList("rx_workers");
        if (workerNodes.isEmpty()) {
            throw new ConfigException("rx_workers", "at least one RX worker is required");
        }
        for (YamlNode.Element e : workerNodes) {
            workers.add(RxWorkerConfig.read(e.mapping(RxWorkerConfig.KEYS), e.index()));
        }
        FilterConfig filter = FilterConfig.read(n.requiredMapping("filter", FilterConfig.KEYS), baseDir);
        CpuMapConfig cpumap = CpuMapConfig.read(n.requiredMapping("cpumap", CpuMapConfig.KEYS), baseDir);
        ConsumerConfig consumer = ConsumerConfig.read(n.mapping("consumer", ConsumerConfig.KEYS));
        TapConfig tap = TapConfig.read(n.mapping("tap", TapConfig.KEYS));
        MetricsConfig metrics = MetricsConfig.read(n.mapping("metrics", MetricsConfig.KEYS));
        ControlConfig control = ControlConfig.read(n.mapping("control", ControlConfig.KEYS));
        DaemonConfig daemon = DaemonConfig.read(n.mapping("daemon", DaemonConfig.KEYS));
        return new Config(eal, mempool, ports, workers, filter, cpumap, consumer, tap, metrics, control, daemon);
    }

    /** Jackson's parse, its exceptions turned into path + reason without class names or stack traces. */
    private static JsonNode readTree(String yaml) {
        JsonNode root;
        try {
            root = MAPPER.readTree(yaml);
        } catch (MismatchedInputException e) {
            // FAIL_ON_TRAILING_TOKENS: something follows the first document
            throw new ConfigException("", "a second YAML document starts" + at(e.getLocation())
                    + "; a configuration is one document", e);
        } catch (JsonProcessingException e) {
            String path = e.getProcessor() instanceof JsonParser p ? pointerToPath(p.getParsingContext().pathAsPointer()
                    .toString()) : "";
            String reason = e.getOriginalMessage();
            if (reason.startsWith("Duplicate field '")) {
                reason = "duplicate key";
            } else if (reason.startsWith("Malformed numeric value '")) {
                // Jackson takes an unquoted scalar starting with digits, e.g. 0000:01:00.0, for a number
                String value = reason.substring(reason.indexOf('\'') + 1, reason.lastIndexOf('\''));
                reason = YamlNode.quote(value) + " must be quoted (YAML reads it as a malformed number)";
            } else {
                reason = yamlProblem(reason);
            }
            throw new ConfigException(path, reason + at(e.getLocation()), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("", "the configuration is empty");
        }
        return root;
    }

    /** SnakeYAML's message is several lines with an excerpt; keep the problem statements. */
    private static String yamlProblem(String message) {
        List<String> kept = new ArrayList<>();
        for (String line : message.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("in 'reader'") || l.equals("^") || line.startsWith("    ")) {
                continue;
            }
            kept.add(l);
        }
        return kept.isEmpty() ? "not valid YAML" : String.join(": ", kept);
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** {@code /ports/0/name} → {@code ports[0].name}. */
    static String pointerToPath(String pointer) {
        StringBuilder sb = new StringBuilder();
        for (String segment : pointer.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            String s = segment.replace("~1", "/").replace("~0", "~");
            if (s.chars().allMatch(Character::isDigit)) {
                sb.append('[').append(s).append(']');
            } else {
                sb.append(sb.isEmpty() ? "" : ".").append(s);
            }
        }
        return sb.toString();
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("class-path resource " + name + " not found");
        }
        return in;
    }
}
