package io.cpumapd.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Aligned columns for human output: numbers to the right, text to the left, two spaces apart; all-empty headers print no header line. */
final class TextTable {
    private final String[] headers;
    private final boolean[] numeric;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... headers) {
        this.headers = headers;
        this.numeric = new boolean[headers.length];
    }

    /** Cells that are {@link Number}s are right-aligned, and so is their column's header. */
    TextTable row(Object... cells) {
        String[] text = new String[headers.length];
        Arrays.fill(text, "");
        for (int i = 0; i < Math.min(cells.length, headers.length); i++) {
            text[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
            numeric[i] |= cells[i] instanceof Number;
        }
        rows.add(text);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            width[i] = headers[i].length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        if (!Arrays.stream(headers).allMatch(String::isEmpty)) {
            line(out, headers, width);
        }
        for (String[] r : rows) {
            line(out, r, width);
        }
    }

    private void line(PrintWriter out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String pad = " ".repeat(width[i] - cells[i].length());
            if (numeric[i]) {
                sb.append(pad).append(cells[i]);
            } else if (i < cells.length - 1) {
                sb.append(cells[i]).append(pad);
            } else {
                sb.append(cells[i]);
            }
        }
        out.println(sb.toString().stripTrailing());
    }
}
