package io.cpumapd.tap;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;

/**
 * How to create a TAP device. Build with {@link #builder(String)}; only the name is required.
 *
 * @param name             interface name, 1..15 bytes, no '/', ':' or whitespace; "%d" lets the kernel number it
 * @param queues           one queue (file descriptor) per consumer, 1..256
 * @param mtuBytes         0 keeps the kernel's default (1500)
 * @param ipv4Address      null for none
 * @param ipv4PrefixLength 0..32, used with {@code ipv4Address}
 * @param vnetHdr          prefix every frame with a 12-byte {@link VnetHeader}
 * @param macAddress       "02:00:00:00:00:01" form, null keeps the random one the kernel picks
 * @param tunDevice        the clone device, {@code /dev/net/tun} unless a container maps it elsewhere
 * @param ipv6Address      null for none
 * @param ipv6PrefixLength 1..128, used with {@code ipv6Address}
 * @param offloads         with {@code vnetHdr}: let the kernel hand over GSO frames with partial checksums
 *                         (TUNSETOFFLOAD CSUM, TSO4, TSO6, TSO_ECN, and USO4/USO6 where it accepts them)
 */
public record TapOptions(String name, int queues, int mtuBytes, Inet4Address ipv4Address, int ipv4PrefixLength,
                         boolean vnetHdr, String macAddress, Path tunDevice, Inet6Address ipv6Address,
                         int ipv6PrefixLength, boolean offloads) {
    /** IFNAMSIZ minus the terminating NUL. */
    public static final int MAX_NAME_BYTES = 15;
    /** The kernel's MAX_TAP_QUEUES. */
    public static final int MAX_QUEUES = 256;
    public static final Path DEFAULT_TUN_DEVICE = Path.of("/dev/net/tun");

    public TapOptions {
        validateName(name);
        Objects.requireNonNull(tunDevice, "tunDevice");
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new TapException("create", name, "queues must be 1.." + MAX_QUEUES + ", was " + queues);
        }
        if (mtuBytes < 0) {
            throw new TapException("create", name, "MTU must be positive, was " + mtuBytes);
        }
        if (ipv4PrefixLength < 0 || ipv4PrefixLength > 32) {
            throw new TapException("create", name, "IPv4 prefix length must be 0..32, was " + ipv4PrefixLength);
        }
        if (macAddress != null) {
            macBytes(macAddress, name);
        }
        if (ipv6Address != null && (ipv6PrefixLength < 1 || ipv6PrefixLength > 128)) {
            throw new TapException("create", name, "IPv6 prefix length must be 1..128, was " + ipv6PrefixLength);
        }
        if (offloads && !vnetHdr) {
            throw new TapException("create", name, "offloads need vnet_hdr: the vnet header carries them");
        }
    }

    /** These options with a MAC (when none was set) and an MTU (when above 0). */
    public TapOptions withDefaults(String defaultMac, int mtu) {
        return new TapOptions(name, queues, mtu > 0 ? mtu : mtuBytes, ipv4Address, ipv4PrefixLength, vnetHdr,
                macAddress != null ? macAddress : defaultMac, tunDevice, ipv6Address, ipv6PrefixLength, offloads);
    }

    /** These options with {@code queues} queues. */
    public TapOptions withQueues(int queues) {
        return new TapOptions(name, queues, mtuBytes, ipv4Address, ipv4PrefixLength, vnetHdr, macAddress, tunDevice,
                ipv6Address, ipv6PrefixLength, offloads);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The same checks as the kernel's dev_valid_name, so the error names the rule broken. */
    static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new TapException("create", "\"\"", "interface name is empty");
        }
        int lengthBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (lengthBytes > MAX_NAME_BYTES) {
            throw new TapException("create", name,
                    "interface name is " + lengthBytes + " bytes, the limit is " + MAX_NAME_BYTES);
        }
        if (name.equals(".") || name.equals("..")) {
            throw new TapException("create", name, "interface name cannot be . or ..");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new TapException("create", name,
                        "interface name cannot contain '/', ':', whitespace or control characters");
            }
        }
    }

    static byte[] macBytes(String mac, String name) {
        String[] parts = mac.split(":", -1);
        byte[] bytes = new byte[6];
        try {
            if (parts.length != bytes.length) {
                throw new NumberFormatException(mac);
            }
            for (int i = 0; i < bytes.length; i++) {
                if (parts[i].length() != 2) {
                    throw new NumberFormatException(parts[i]);
                }
                bytes[i] = (byte) HexFormat.fromHexDigits(parts[i]);
            }
        } catch (IllegalArgumentException e) {
            throw new TapException("create", name, "MAC address must look like 02:00:00:00:00:01, was " + mac);
        }
        if ((bytes[0] & 1) != 0) {
            throw new TapException("create", name, "MAC address must be unicast, was " + mac);
        }
        return bytes;
    }

    public static final class Builder {
        private final String name;
        private int queues = 1;
        private int mtuBytes;
        private Inet4Address ipv4Address;
        private int ipv4PrefixLength;
        private boolean vnetHdr;
        private String macAddress;
        private Path tunDevice = DEFAULT_TUN_DEVICE;
        private Inet6Address ipv6Address;
        private int ipv6PrefixLength;
        private boolean offloads;

        private Builder(String name) {
            this.name = name;
        }

        public Builder queues(int queues) {
            this.queues = queues;
            return this;
        }

        public Builder mtuBytes(int mtuBytes) {
            this.mtuBytes = mtuBytes;
            return this;
        }

        public Builder ipv4(Inet4Address address, int prefixLength) {
            this.ipv4Address = address;
            this.ipv4PrefixLength = prefixLength;
            return this;
        }

        public Builder vnetHdr(boolean vnetHdr) {
            this.vnetHdr = vnetHdr;
            return this;
        }

        public Builder macAddress(String macAddress) {
            this.macAddress = macAddress;
            return this;
        }

        public Builder tunDevice(Path tunDevice) {
            this.tunDevice = tunDevice;
            return this;
        }

        public Builder ipv6(Inet6Address address, int prefixLength) {
            this.ipv6Address = address;
            this.ipv6PrefixLength = prefixLength;
            return this;
        }

        /** Implies {@link #vnetHdr(boolean) vnetHdr(true)} when on. */
        public Builder offloads(boolean offloads) {
            this.offloads = offloads;
            if (offloads) {
                vnetHdr = true;
            }
            return this;
        }

        public TapOptions build() {
            return new TapOptions(name, queues, mtuBytes, ipv4Address, ipv4PrefixLength, vnetHdr, macAddress,
                    tunDevice, ipv6Address, ipv6PrefixLength, offloads);
        }
    }
}
