package io.cpumapd.filter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads ACL rules from the {@code rules} file and the {@code rule.N} parameters, in that order. */
final class AclLoader {
    /** A rules file larger than this is refused: 64 bytes a rule, a million rules. */
    static final long MAX_FILE_BYTES = 64L << 20;

    private AclLoader() {
    }

    /**
     * A rules file's lines. Only a regular file is opened (a FIFO would block the caller, a device such
     * as /dev/zero would fill the heap), and only up to {@link #MAX_FILE_BYTES}.
     */
    private static List<String> readRules(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException(Files.exists(path) ? "not a regular file" : "no such file");
        }
        byte[] bytes;
        try (var in = Files.newInputStream(path)) {
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IOException("larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }

    static List<AclRule> load(Params params) {
        List<AclRule> rules = new ArrayList<>();
        String file = params.string("rules", null);
        if (file != null) {
            Path path = Path.of(file);
            List<String> lines;
            try {
                lines = readRules(path);
            } catch (IOException e) {
                throw new FilterException("filter 'acl': cannot read rules file " + path.toAbsolutePath() + ": "
                        + e.getMessage());
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = stripComment(lines.get(i));
                if (!line.isEmpty()) {
                    // The file's text is not echoed: whoever names a file must not learn its contents.
                    rules.add(AclRule.parse(line, "rules file " + path + " line " + (i + 1), false));
                }
            }
        }
        Map<Integer, String> inline = new TreeMap<>();
        for (Map.Entry<String, String> e : params.withPrefix("rule.", "rule.<N>").entrySet()) {
            int n;
            try {
                n = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new FilterException("filter 'acl': parameter 'rule." + e.getKey()
                        + "': the part after 'rule.' must be a number that orders the rule");
            }
            inline.put(n, e.getValue());
        }
        for (Map.Entry<Integer, String> e : inline.entrySet()) {
            String line = stripComment(e.getValue());
            if (line.isEmpty()) {
                throw new FilterException("filter 'acl': parameter 'rule." + e.getKey() + "' is empty");
            }
            rules.add(AclRule.parse(line, "parameter rule." + e.getKey()));
        }
        return rules;
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash < 0 ? line : line.substring(0, hash)).strip();
    }
}
