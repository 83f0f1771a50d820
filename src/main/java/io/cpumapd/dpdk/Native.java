package io.cpumapd.dpdk;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads {@code libcpumapd.so} (the C shim in {@code native/}) and binds functions from it and from
 * the DPDK libraries it links. The library is a class-path resource put there by the Maven build;
 * {@code -Dcpumapd.native.lib=/path/libcpumapd.so} overrides it.
 */
public final class Native {
    private static final String RESOURCE = "/native/linux-x86_64/libcpumapd.so";
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup(libraryPath(), Arena.global())
            .or(LINKER.defaultLookup());

    /** All of the address space: absolute addresses become offsets, so reading mbufs allocates nothing. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * Every user-space address of an x86-64 Linux process is below 2^56 (2^47 with 4-level paging, 2^56
     * with 5-level): {@code address & ADDRESS_MASK} is the same address. Hot paths mask addresses they
     * read from memory (mbuf pointers, data pointers) before accessing {@link #ALL} at them: the JIT then
     * knows {@code masked + small offset} is far below {@code ALL}'s size and drops the bounds check of
     * each access (three instructions and a branch), which it cannot for an address of unknown range.
     */
    public static final long ADDRESS_MASK = (1L << 56) - 1;

    /** C pointers on fast paths are passed as {@code long}: same ABI on x86-64, no segment allocated. */
    public static final ValueLayout.OfLong POINTER = ValueLayout.JAVA_LONG;

    private Native() {
    }

    /** A downcall for a control-path function (may block, may call back into the runtime). */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /**
     * A downcall for a short fast-path function that never blocks nor calls back into Java
     * (burst calls): {@code critical(true)} skips the thread-state transition.
     */
    public static MethodHandle criticalDowncall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.critical(true));
    }

    /** A {@code const uint32_t} exported by the shim (mbuf offsets and sizes). */
    public static int constantU32(String name) {
        return symbol(name).reinterpret(4).get(ValueLayout.JAVA_INT, 0);
    }

    public static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "symbol " + name + " not found in " + libraryPath() + " or the DPDK libraries it links"));
    }

    private static Path libraryPath() {
        return Holder.PATH;
    }

    private static final class Holder {
        static final Path PATH = locate();

        private static Path locate() {
            String override = System.getProperty("cpumapd.native.lib");
            if (override != null) {
                return Path.of(override);
            }
            URL url = Native.class.getResource(RESOURCE);
            if (url == null) {
                throw new UnsatisfiedLinkError(RESOURCE + " is not on the class path: build with `mvn package` "
                        + "(it runs `make -C native`), or set -Dcpumapd.native.lib");
            }
            try {
                if ("file".equals(url.getProtocol())) {
                    return Path.of(url.toURI());
                }
                // Inside a jar: dlopen needs a file, so copy it out once per process.
                Path tmp = Files.createTempFile("libcpumapd", ".so");
                tmp.toFile().deleteOnExit();
                try (InputStream in = url.openStream()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                return tmp;
            } catch (IOException | URISyntaxException e) {
                throw new UnsatisfiedLinkError("cannot extract " + RESOURCE + ": " + e);
            }
        }
    }
}
