package io.cpumapd.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A kernel TAP device with one file descriptor per queue, created through {@code /dev/net/tun}.
 * It is always multi-queue so that each consumer writes to a queue of its own without sharing
 * an fd, and never persistent: the kernel deletes the link when {@link #close()} closes the last
 * queue, so a crashed daemon leaves nothing behind.
 */
public final class TapDevice implements AutoCloseable {
    private static final int IFF_UP = 0x1;
    private static final int IFF_TAP = 0x0002;
    private static final int IFF_MULTI_QUEUE = 0x0100;
    private static final int IFF_NO_PI = 0x1000;
    private static final int IFF_VNET_HDR = 0x4000;

    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETCARRIER = 0x400454e2L;

    /** TUNSETOFFLOAD bits: what the kernel may hand over unfinished (partial checksum, GSO). */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;
    private static final int OFFLOADS_TCP = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    private static final int OFFLOADS_ALL = OFFLOADS_TCP | TUN_F_USO4 | TUN_F_USO6;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final long SIOCSIFADDR = 0x8916;
    private static final long SIOCSIFNETMASK = 0x891c;
    private static final long SIOCSIFMTU = 0x8922;
    private static final long SIOCSIFHWADDR = 0x8924;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final long SIOCGIFINDEX = 0x8933;

    private final String name;
    private final int[] queueFds;
    private final boolean vnetHdr;
    private final int ifIndex;
    private final byte[] macAddress;
    private final int offloads;
    private volatile boolean closed;

    private TapDevice(String name, int[] queueFds, boolean vnetHdr, int ifIndex, byte[] macAddress, int offloads) {
        this.name = name;
        this.queueFds = queueFds;
        this.vnetHdr = vnetHdr;
        this.ifIndex = ifIndex;
        this.macAddress = macAddress;
        this.offloads = offloads;
    }

    /**
     * Creates the device in the calling thread's network namespace, configures it and brings it
     * up. On failure every queue opened so far is closed, so the link does not survive.
     */
    public static TapDevice create(TapOptions options) {
        int[] fds = new int[options.queues()];
        Arrays.fill(fds, -1);
        String name = options.name();
        try (Arena arena = Arena.ofConfined()) {
            for (int q = 0; q < fds.length; q++) {
                fds[q] = TapException.check(LibC.open(options.tunDevice().toString(),
                        LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC), "open " + options.tunDevice() + " for", name);
                IfReq ifr = new IfReq(arena, name).flags(tunFlags(options.vnetHdr()));
                TapException.check(LibC.ioctl(fds[q], TUNSETIFF, ifr.segment()), "TUNSETIFF", name);
                name = ifr.name(); // later queues must attach to the name the kernel chose
            }
            if (options.vnetHdr()) {
                MemorySegment size = arena.allocateFrom(ValueLayout.JAVA_INT, VnetHeader.SIZE_BYTES);
                TapException.check(LibC.ioctl(fds[0], TUNSETVNETHDRSZ, size), "TUNSETVNETHDRSZ", name);
            }
            int offloads = options.offloads() ? setOffloads(arena, fds[0], name) : 0;
            Configured link = configureLink(arena, name, options);
            if (options.ipv6Address() != null) {
                addIpv6(arena, name, link.ifIndex, options);
            }
            return new TapDevice(name, fds, options.vnetHdr(), link.ifIndex, link.macAddress, offloads);
        } catch (RuntimeException e) {
            closeAll(fds);
            throw e;
        }
    }

    private record Configured(int ifIndex, byte[] macAddress) {
    }

    /** Link settings go through an ordinary AF_INET socket, as ifconfig(8) does. */
    private static Configured configureLink(Arena arena, String name, TapOptions options) {
        int sock = TapException.check(LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0), "socket(AF_INET) for", name);
        try {
            if (options.mtuBytes() > 0) {
                ioctl(sock, SIOCSIFMTU, new IfReq(arena, name).intValue(options.mtuBytes()), "SIOCSIFMTU", name);
            }
            if (options.macAddress() != null) {
                byte[] mac = TapOptions.macBytes(options.macAddress(), name);
                ioctl(sock, SIOCSIFHWADDR, new IfReq(arena, name).hardwareAddress(mac), "SIOCSIFHWADDR", name);
            }
            if (options.ipv4Address() != null) {
                ioctl(sock, SIOCSIFADDR, new IfReq(arena, name).ipv4(options.ipv4Address()), "SIOCSIFADDR", name);
                ioctl(sock, SIOCSIFNETMASK, new IfReq(arena, name).ipv4(netmask(options.ipv4PrefixLength())),
                        "SIOCSIFNETMASK", name);
            }
            IfReq flags = new IfReq(arena, name);
            ioctl(sock, SIOCGIFFLAGS, flags, "SIOCGIFFLAGS", name);
            ioctl(sock, SIOCSIFFLAGS, flags.flags(flags.flags() | IFF_UP), "SIOCSIFFLAGS", name);

            IfReq index = new IfReq(arena, name);
            ioctl(sock, SIOCGIFINDEX, index, "SIOCGIFINDEX", name);
            IfReq hwaddr = new IfReq(arena, name);
            ioctl(sock, SIOCGIFHWADDR, hwaddr, "SIOCGIFHWADDR", name);
            return new Configured(index.intValue(), hwaddr.hardwareAddress());
        } finally {
            LibC.close(sock);
        }
    }

    /** Everything this driver can take; kernels before 6.2 refuse USO, so retry without it. */
    private static int setOffloads(Arena arena, int fd, String name) {
        int ret = LibC.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(OFFLOADS_ALL));
        if (ret == 0) {
            return OFFLOADS_ALL;
        }
        TapException.check(LibC.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(OFFLOADS_TCP)), "TUNSETOFFLOAD", name);
        return OFFLOADS_TCP;
    }

    /** {@code struct in6_ifreq} (address, prefix length, ifindex) on an AF_INET6 socket. */
    private static void addIpv6(Arena arena, String name, int ifIndex, TapOptions options) {
        int sock = TapException.check(LibC.socket(LibC.AF_INET6, LibC.SOCK_DGRAM, 0), "socket(AF_INET6) for", name);
        try {
            MemorySegment req = arena.allocate(24, 4);
            MemorySegment.copy(options.ipv6Address().getAddress(), 0, req, ValueLayout.JAVA_BYTE, 0, 16);
            req.set(ValueLayout.JAVA_INT, 16, options.ipv6PrefixLength());
            req.set(ValueLayout.JAVA_INT, 20, ifIndex);
            TapException.check(LibC.ioctl(sock, SIOCSIFADDR, req), "SIOCSIFADDR (IPv6)", name);
        } finally {
            LibC.close(sock);
        }
    }

    private static void ioctl(int fd, long request, IfReq ifr, String operation, String name) {
        TapException.check(LibC.ioctl(fd, request, ifr.segment()), operation, name);
    }

    private static int tunFlags(boolean vnetHdr) {
        return IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | (vnetHdr ? IFF_VNET_HDR : 0);
    }

    static Inet4Address netmask(int prefixLength) {
        int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        byte[] bytes = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
        try {
            return (Inet4Address) Inet4Address.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always a valid address
        }
    }

    private static void closeAll(int[] fds) {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] >= 0) {
                LibC.close(fds[i]);
                fds[i] = -1;
            }
        }
    }

    /** The name the kernel gave the link (a "%d" pattern expanded). */
    public String name() {
        return name;
    }

    public int queueCount() {
        return queueFds.length;
    }

    /** The file descriptor of a queue, for a {@link TapInjector}; valid until {@link #close()}. */
    public int fd(int queue) {
        if (closed) {
            throw new IllegalStateException("TAP " + name + " is closed");
        }
        return queueFds[queue];
    }

    /** The index at creation; moving the link to another namespace may renumber it there. */
    public int ifIndex() {
        return ifIndex;
    }

    /** The link's MAC address at creation: the stack takes a frame as its own only when sent to it. */
    public byte[] macAddress() {
        return macAddress.clone();
    }

    /** {@link #macAddress()} as the low 48 bits of a long, as {@code SkBuffBuilder.deviceMac} takes it. */
    public long macAddress48() {
        long v = 0;
        for (byte b : macAddress) {
            v = (v << 8) | (b & 0xff);
        }
        return v;
    }

    public boolean vnetHdr() {
        return vnetHdr;
    }

    /** The TUNSETOFFLOAD bits the kernel accepted ({@link #TUN_F_CSUM}, ...), 0 without offloads. */
    public int offloads() {
        return offloads;
    }

    /**
     * Sets the link's carrier (TUNSETCARRIER): the kernel sees the TAP's link go down and up with
     * the port's, as it would a NIC's. Control path.
     */
    public void carrier(boolean up) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, up ? 1 : 0);
            TapException.check(LibC.ioctl(fd(0), TUNSETCARRIER, value), "TUNSETCARRIER", name);
        }
    }

    /** Bytes of {@link VnetHeader} in front of every frame: 12, or 0 without vnet_hdr. */
    public int vnetHdrBytes() {
        return vnetHdr ? VnetHeader.SIZE_BYTES : 0;
    }

    /** Closes every queue; the kernel deletes the link with the last one. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeAll(queueFds);
        }
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + ", queues=" + queueFds.length + ", vnetHdr=" + vnetHdr + "]";
    }
}
