package io.cpumapd.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/** The control socket the CLI talks to, and the permissions it is created with. */
public record ControlConfig(Path socket, String mode) {
    public static final ControlConfig DEFAULT = new ControlConfig(Path.of("/run/cpumapd/cpumapd.sock"), "0600");
    /** sizeof(sockaddr_un.sun_path) - 1 for the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;
    static final List<String> KEYS = List.of("socket", "mode");
    private static final List<String> MODES = List.of("0600", "0660");

    static ControlConfig read(YamlNode n) {
        String socket = n.string("socket", DEFAULT.socket.toString());
        if (!socket.startsWith("/")) {
            throw new ConfigException(n.path("socket"), YamlNode.quote(socket) + " is not an absolute path");
        }
        int bytes = socket.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new ConfigException(n.path("socket"), "the path is " + bytes + " bytes long, a unix socket path may have "
                    + MAX_SOCKET_PATH_BYTES);
        }
        var raw = n.raw("mode");
        if (raw != null && raw.isIntegralNumber()) {
            // YAML reads an unquoted 0600 as the octal number 384: say so rather than "expected a string"
            throw new ConfigException(n.path("mode"), "expected a quoted octal string such as \"0600\", got the number "
                    + raw.asText() + " (quote the mode)");
        }
        String mode = n.string("mode", DEFAULT.mode);
        if (!MODES.contains(mode)) {
            throw new ConfigException(n.path("mode"), YamlNode.quote(mode) + " is not allowed (use \"0600\" or \"0660\")");
        }
        return new ControlConfig(Path.of(socket).normalize(), mode);
    }

    /** The mode as permission bits, e.g. 0600 → 384. */
    public int modeBits() {
        return Integer.parseInt(mode, 8);
    }

    /** The mode as the set {@link java.nio.file.Files#setPosixFilePermissions} takes. */
    public Set<PosixFilePermission> permissions() {
        return PosixFilePermissions.fromString(mode.equals("0660") ? "rw-rw----" : "rw-------");
    }
}
