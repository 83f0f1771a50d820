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
    private AclLoader() {
    }

    static List<AclRule> load(Params params) {
        List<AclRule> rules = new ArrayList<>();
        String file = params.string("rules", null);
        if (file != null) {
            Path path = Path.of(file);
            List<String> lines;
            try {
                lines = Files.readAllLines(path);
            } catch (IOException e) {
                throw new FilterException("filter 'acl': cannot read rules file " + path.toAbsolutePath() + ": " + e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = stripComment(lines.get(i));
                if (!line.isEmpty()) {
                    rules.add(AclRule.parse(line, "rules file " + path + " line " + (i + 1)));
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
