package io.cpumapd.pcap;

/** The classic libpcap file format's constants: magic numbers, header sizes, link type. */
public final class PcapFormat {
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int SNAPLEN = 65535;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_LEN = 24;
    public static final int RECORD_HEADER_LEN = 16;

    private PcapFormat() {
    }
}
