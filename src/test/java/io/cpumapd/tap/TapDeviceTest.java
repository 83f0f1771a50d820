package io.cpumapd.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.NetNamespace;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class TapDeviceTest {

    static String randomName() {
        return "cpmtest" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
    }

    @Test
    void createsAnUpMultiQueueTapWithVnetHeaderAndDeletesItOnClose() {
        String name = randomName();
        TapOptions options = TapOptions.builder(name).queues(2).vnetHdr(true).mtuBytes(1400).build();
        try (TapDevice tap = TapDevice.create(options)) {
            String link = Cmd.check("ip", "-d", "link", "show", "dev", name);
            assertThat(link)
                    .contains("tun type tap", "vnet_hdr on", "multi_queue", "numqueues 2", "persist off", "mtu 1400")
                    .containsPattern("<[^>]*\\bUP\\b[^>]*>")
                    .startsWith(tap.ifIndex() + ": " + name + ":")
                    .contains("link/ether " + HexFormat.ofDelimiter(":").formatHex(tap.macAddress()));
            assertThat(tap.name()).isEqualTo(name);
            assertThat(tap.queueCount()).isEqualTo(2);
            assertThat(tap.fd(0)).isNotEqualTo(tap.fd(1)).isPositive();
            assertThat(tap.vnetHdr()).isTrue();
            assertThat(tap.vnetHdrBytes()).isEqualTo(12);
        }
        assertThat(Cmd.run("ip", "link", "show", "dev", name).output()).contains("does not exist");
    }

    @Test
    void appliesAddressAndMacInsideANamespace() throws Exception {
        String name = randomName();
        Inet4Address address = (Inet4Address) Inet4Address.getByName("198.18.7.1");
        TapOptions options = TapOptions.builder(name).ipv4(address, 24).macAddress("02:00:c6:12:07:01").build();
        try (NetNamespace ns = NetNamespace.create("cpmtap")) {
            try (TapDevice tap = ns.runInside(() -> TapDevice.create(options))) {
                assertThat(ns.exec("ip", "addr", "show", "dev", name))
                        .contains("inet 198.18.7.1/24", "link/ether 02:00:c6:12:07:01")
                        .containsPattern("<[^>]*\\bUP\\b[^>]*>");
                assertThat(tap.vnetHdr()).isFalse();
                assertThat(tap.vnetHdrBytes()).isZero();
            }
            assertThat(ns.exec("ip", "-o", "link", "show")).doesNotContain(name);
            assertThat(Cmd.run("ip", "link", "show", "dev", name).exitCode()).isNotZero();
        }
    }

    @Test
    void expandsANumberedNameForEveryQueue() throws Exception {
        try (NetNamespace ns = NetNamespace.create("cpmtap");
             TapDevice tap = ns.runInside(() -> TapDevice.create(TapOptions.builder("cpmt%d").queues(3).build()))) {
            assertThat(tap.name()).matches("cpmt\\d+");
            assertThat(ns.exec("ip", "-d", "link", "show", "dev", tap.name())).contains("numqueues 3");
        }
    }

    @Test
    void rejectsBadNamesWithTheRuleBroken() {
        assertThatThrownBy(() -> TapOptions.builder("").build())
                .isInstanceOf(TapException.class).hasMessageContaining("interface name is empty");
        assertThatThrownBy(() -> TapOptions.builder("cpmtest-too-long").build())
                .isInstanceOf(TapException.class)
                .hasMessage("create cpmtest-too-long: interface name is 16 bytes, the limit is 15");
        assertThatThrownBy(() -> TapOptions.builder("cpm/0").build())
                .isInstanceOf(TapException.class).hasMessageContaining("cannot contain '/'");
        assertThatThrownBy(() -> TapOptions.builder("cpm 0").build())
                .isInstanceOf(TapException.class).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> TapOptions.builder("cpm0").queues(0).build())
                .isInstanceOf(TapException.class).hasMessageContaining("queues must be 1..256");
        assertThatThrownBy(() -> TapOptions.builder("cpm0").macAddress("01:00:5e:00:00:01").build())
                .isInstanceOf(TapException.class).hasMessageContaining("must be unicast");
    }

    @Test
    void refusesToJoinAnExistingSingleQueueTap() throws Exception {
        String name = randomName();
        try (NetNamespace ns = NetNamespace.create("cpmtap")) {
            ns.exec("ip", "tuntap", "add", "dev", name, "mode", "tap");
            try {
                assertThatThrownBy(() -> ns.runInside(() -> TapDevice.create(TapOptions.builder(name).build())))
                        .isInstanceOf(TapException.class)
                        .hasMessage("TUNSETIFF " + name + ": Invalid argument (EINVAL)")
                        .satisfies(e -> assertThat(((TapException) e).errno()).isEqualTo(22));
            } finally {
                ns.exec("ip", "tuntap", "del", "dev", name, "mode", "tap");
            }
        }
    }

    @Test
    void namesTheCloneDeviceWhenItIsMissing() {
        String name = randomName();
        TapOptions options = TapOptions.builder(name).tunDevice(Path.of("/nonexistent/tun")).build();
        assertThatThrownBy(() -> TapDevice.create(options))
                .isInstanceOf(TapException.class)
                .hasMessage("open /nonexistent/tun for " + name + ": No such file or directory (ENOENT)");
    }

    @Test
    void closesTheQueuesItOpenedWhenConfigurationFails() {
        String name = randomName();
        // 60 is below the IPv4 minimum of 68: TUNSETIFF succeeds, then SIOCSIFMTU fails.
        TapOptions options = TapOptions.builder(name).queues(2).mtuBytes(60).build();
        assertThatThrownBy(() -> TapDevice.create(options))
                .isInstanceOf(TapException.class)
                .hasMessage("SIOCSIFMTU " + name + ": Invalid argument (EINVAL)");
        assertThat(Cmd.run("ip", "link", "show", "dev", name).exitCode()).isNotZero();
    }
}
