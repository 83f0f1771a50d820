package io.cpumapd.twoway;

import io.cpumapd.testkit.NetNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel alone on cpumapd's wire: a plain veth pair whose receiving end has an XDP program
 * that returns XDP_PASS (driver mode, as net_af_xdp attaches its own), and whose sending end has
 * checksum offload off, as the lab's client. The XDP program takes the sender's GSO features
 * away (veth_fix_features), so the client sends MTU-sized frames, and every frame takes veth's
 * XDP path (NAPI, a copy into a page-pool page); the receiver's GRO merges them again. No AF_XDP
 * copy, no user space, no TAP: what any AF_XDP data plane on this veth can at most reach.
 * The program (two instructions) is loaded and linked by a small python3 helper that holds the
 * link while its stdin stays open; {@link #close()} ends it, which detaches the program.
 */
final class XdpPass implements AutoCloseable {
    private static final String HELPER = """
            import ctypes, os, socket, struct, sys
            libc = ctypes.CDLL(None, use_errno=True)
            insns = struct.pack('<BBhi', 0xb7, 0, 0, 2) + struct.pack('<BBhi', 0x95, 0, 0, 0)  # r0 = XDP_PASS; exit
            ibuf = ctypes.create_string_buffer(insns)
            lic = ctypes.create_string_buffer(b'GPL')
            attr = ctypes.create_string_buffer(128)  # BPF_PROG_LOAD: type XDP, 2 insns, license
            struct.pack_into('<IIQQIIQ', attr, 0, 6, 2, ctypes.addressof(ibuf), ctypes.addressof(lic), 0, 0, 0)
            fd = libc.syscall(321, 5, attr, 128)
            if fd < 0:
                sys.exit('BPF_PROG_LOAD: ' + os.strerror(ctypes.get_errno()))
            attr = ctypes.create_string_buffer(64)  # BPF_LINK_CREATE: prog, ifindex, BPF_XDP
            struct.pack_into('<IIII', attr, 0, fd, socket.if_nametoindex(sys.argv[1]), 37, 0)
            if libc.syscall(321, 28, attr, 64) < 0:
                sys.exit('BPF_LINK_CREATE: ' + os.strerror(ctypes.get_errno()))
            print('attached', flush=True)
            sys.stdin.read()
            """;
    private final Process helper;

    private XdpPass(Process helper) {
        this.helper = helper;
    }

    /** A veth pair {@code a} ({@code subnet}.1) – {@code b} ({@code subnet}.2), XDP_PASS on b's end. */
    static XdpPass pair(NetNamespace a, NetNamespace b, String linkPrefix, String subnet) throws IOException {
        IperfTwoWayBenchmark.plainPair(a, b, linkPrefix, subnet);
        String aLink = link(a, subnet + ".1");
        String bLink = link(b, subnet + ".2");
        a.exec("ethtool", "-K", aLink, "tx", "off");
        Path script = Files.createTempFile("xdp-pass", ".py");
        Files.writeString(script, HELPER);
        Process p = new ProcessBuilder("ip", "netns", "exec", b.name(), "python3", script.toString(), bLink)
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"attached".equals(line)) {
            p.destroy();
            throw new IOException("XDP_PASS helper: " + line);
        }
        return new XdpPass(p);
    }

    /** The name of the link that has {@code address} in {@code ns}. */
    private static String link(NetNamespace ns, String address) {
        for (String line : ns.exec("ip", "-o", "-4", "addr", "show").split("\n")) {
            if (line.contains(" " + address + "/")) {
                return line.split("\\s+")[1];
            }
        }
        throw new IllegalStateException("no link with " + address + " in " + ns);
    }

    @Override
    public void close() throws InterruptedException {
        helper.destroy();
        helper.waitFor();
    }
}
