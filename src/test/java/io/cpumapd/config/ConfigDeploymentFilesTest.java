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

        // the config the command names is mounted, and the mounted directory holds it
        List<String> command = texts(service.path("command"));
        assertThat(command).startsWith("run", "--config");
        Path inContainer = Path.of(command.get(command.indexOf("--config") + 1));
        String mount = volumes.stream().filter(v -> v.contains(":" + inContainer.getParent())).findFirst().orElseThrow();
        Path onHost = Path.of("docker").resolve(mount.substring(0, mount.indexOf(':')));
        assertThat(ConfigLoader.load(onHost.resolve(inContainer.getFileName()), false).tap().name())
                .isEqualTo("cpumapd0");
    }

    @Test
    void dockerfileCopiesTemurinAndBuildsWithTheLauncher() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docker/Dockerfile")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();

        assertThat(lines).contains("FROM eclipse-temurin:25-jdk AS jdk", "FROM debian:12",
                "COPY --from=jdk /opt/java/openjdk /usr/lib/jvm/temurin-25-jdk-amd64", "RUN ./cpumapd build",
                "ENTRYPOINT [\"./cpumapd\"]", "CMD [\"run\"]");
        assertThat(lines).anyMatch(l -> l.startsWith("RUN ./cpumapd setup"));
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

        assertThat(keys).containsEntry("Type", List.of("notify")).containsEntry("NotifyAccess", List.of("main"))
                .containsKey("WatchdogSec")
                .containsEntry("ExecReload", List.of("/opt/cpumapd/cpumapd reload --socket /run/cpumapd/cpumapd.sock"
                        + " --timeout 60"))
                .containsEntry("ExecStart", List.of("/opt/cpumapd/cpumapd run --config /etc/cpumapd/cpumapd.yaml"))
                .containsEntry("Restart", List.of("on-failure")).containsEntry("RuntimeDirectory", List.of("cpumapd"))
                .containsEntry("RuntimeDirectoryMode", List.of("0700"))
                .containsEntry("LimitMEMLOCK", List.of("infinity")).containsEntry("KillSignal", List.of("SIGTERM"))
                .containsKey("TimeoutStopSec");
        for (String key : List.of("AmbientCapabilities", "CapabilityBoundingSet")) {
            assertThat(keys.get(key)).containsExactly("CAP_NET_ADMIN CAP_IPC_LOCK CAP_SYS_NICE");
        }
    }
}
