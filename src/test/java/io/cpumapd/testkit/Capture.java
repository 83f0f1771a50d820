package io.cpumapd.testkit;

import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.PcapReader;
import io.cpumapd.pcap.PcapRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * tcpdump on an interface inside a test namespace, capturing what the kernel received ({@code -Q in})
 * into a pcap, packet by packet ({@code -U --immediate-mode}).
 */
public final class Capture implements AutoCloseable {
    private final Process tcpdump;
    private final Path file;

    private Capture(Process tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
    }

    /** Starts tcpdump and returns once it listens. */
    public static Capture start(NetNamespace ns, String ifName, Path file) throws IOException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "tcpdump", "-i", ifName, "-Q", "in", "-U",
                "--immediate-mode", "-n", "-B", "65536", "-w", file.toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.contains("listening on")) {
                Thread.ofPlatform().daemon().start(() -> r.lines().forEach(System.err::println));
                return new Capture(p, file);
            }
        }
        throw new IllegalStateException("tcpdump exited before listening");
    }

    /** Waits until the capture file stops growing, stops tcpdump and reads what it wrote. */
    public List<PcapRecord> stopWhenQuiet() throws IOException, InterruptedException {
        long size = -1;
        for (int i = 0; i < 50 && Files.size(file) != size; i++) {
            size = Files.size(file);
            Thread.sleep(200);
        }
        close();
        return PcapReader.readAll(file);
    }

    /** How often each sequence id ({@link FrameBuilder#sequenceIdOf}) occurs among {@code records}. */
    public static Map<Long, Integer> sequenceIds(List<PcapRecord> records) {
        Map<Long, Integer> seen = new HashMap<>();
        for (PcapRecord r : records) {
            OptionalLong id = FrameBuilder.sequenceIdOf(r.data());
            if (id.isPresent()) {
                seen.merge(id.getAsLong(), 1, Integer::sum);
            }
        }
        return seen;
    }

    /** Each frame's sequence id, once: what {@link #sequenceIds} must equal when every frame arrived once. */
    public static Map<Long, Integer> expectedOnce(List<byte[]> frames) {
        Map<Long, Integer> expected = new HashMap<>();
        for (byte[] f : frames) {
            expected.put(FrameBuilder.sequenceIdOf(f).orElseThrow(), 1);
        }
        return expected;
    }

    @Override
    public void close() throws InterruptedException {
        tcpdump.destroy();
        if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
            tcpdump.destroyForcibly();
        }
    }
}
