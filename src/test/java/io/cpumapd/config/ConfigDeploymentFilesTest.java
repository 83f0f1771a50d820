package io.cpumapd.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The deployment files, checked as far as this machine can: no Docker daemon or Compose plugin
 * here, so the compose file is checked as YAML with the settings the daemon needs, the Dockerfile
 * and the systemd unit as text ({@code systemd-analyze verify} is a manual step, docs/deployment.md).
 * The package they install is built and run by {@code DebianPackageIT}.
 */
class ConfigDeploymentFilesTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void composeFileRunsTheDaemonOnTheHostNetworkWithItsDevicesAndCapabilities() throws Exception {
        JsonNode service = YAML.readTree(Files.readString(Path.of("docker/compose.yaml"))).path("services")
                .path("cpumapd");

        assertThat(service.path("network_mode").asText()).isEqualTo("host");
        assertThat(texts(service.path("devices"))).contains("/dev/net/tun:/dev/net/tun", "/dev/vfio:/dev/vfio");
        assertThat(texts(service.path("cap_add"))).containsExactlyInAnyOrder("NET_ADMIN", "IPC_LOCK", "SYS_NICE");
        assertThat(service.path("ulimits").path("memlock").asInt()).isEqualTo(-1);
        List<String> volumes = texts(service.path("volumes"));
        assertThat(volumes).contains("/dev/hugepages:/dev/hugepages", "/run/cpumapd:/run/cpumapd");
        assertThat(service.path("build").path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
        assertThat(Path.of("docker").resolve(service.path("build").path("context").asText())
                .resolve("docker/Dockerfile")).exists();

        // the package's conffile, which nothing mounted hides
        assertThat(texts(service.path("command"))).containsExactly("run", "--config", "/etc/cpumapd/cpumapd.yaml");
        assertThat(volumes).noneMatch(v -> v.contains(":/etc/cpumapd"));
    }

    @Test
    void dockerfileBuildsThePackageThenInstallsItIntoSlim() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docker/Dockerfile")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();

        assertThat(lines).containsSubsequence("FROM eclipse-temurin:25-jdk AS jdk", "FROM debian:12 AS build",
                "COPY --from=jdk /opt/java/openjdk /usr/lib/jvm/temurin-25-jdk-amd64",
                "RUN ./cpumapd setup package && rm -rf /var/lib/apt/lists/*", "FROM debian:12-slim",
                "COPY --from=build /cpumapd.deb /tmp/cpumapd.deb", "ENTRYPOINT [\"/usr/bin/cpumapd\"]",
                "CMD [\"run\", \"--config\", \"/etc/cpumapd/cpumapd.yaml\"]");
        assertThat(lines).anyMatch(l -> l.startsWith("RUN ./cpumapd package "))
                .anyMatch(l -> l.contains("apt-get install -y --no-install-recommends /tmp/cpumapd.deb"));
        // the runtime stage has no JDK and builds nothing
        List<String> runtime = lines.subList(lines.indexOf("FROM debian:12-slim"), lines.size());
        assertThat(runtime).noneMatch(l -> l.contains("temurin") || l.contains("./cpumapd") || l.contains("mvn"));
    }

    @Test
    void systemdUnitHasTheDirectivesTheDaemonRelies() throws Exception {
        Map<String, List<String>> keys = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("config/cpumapd.service"))) {
            if (!line.isBlank() && !line.startsWith("#") && !line.startsWith("[")) {
                keys.computeIfAbsent(line.substring(0, line.indexOf('=')), k -> new ArrayList<>())
                        .add(line.substring(line.indexOf('=') + 1));
            }
        }

        assertThat(keys).containsEntry("Type", List.of("notify")).containsEntry("NotifyAccess", List.of("all"))
                .containsEntry("ExecStart", List.of("/usr/bin/cpumapd run --config /etc/cpumapd/cpumapd.yaml"))
                .containsEntry("Restart", List.of("on-failure")).containsEntry("RuntimeDirectory", List.of("cpumapd"))
                .containsEntry("RuntimeDirectoryMode", List.of("0700"))
                .containsEntry("LimitMEMLOCK", List.of("infinity")).containsEntry("KillSignal", List.of("SIGTERM"))
                .containsKey("TimeoutStopSec");
        for (String key : List.of("AmbientCapabilities", "CapabilityBoundingSet")) {
            assertThat(keys.get(key)).containsExactly("CAP_NET_ADMIN CAP_IPC_LOCK CAP_SYS_NICE");
        }
    }
}
