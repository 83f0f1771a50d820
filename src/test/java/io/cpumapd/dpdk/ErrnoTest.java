package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.control.ControlException;
import io.cpumapd.tap.InjectError;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** The errno table against the C library it stands for, and the names other packages take from it. */
class ErrnoTest {
    private static final Linker LINKER = Linker.nativeLinker();

    @Test
    void everyCodeHasTheCLibrarysNameAndText() throws Throwable {
        MethodHandle strerror = libc("strerror");
        MethodHandle strerrorname = libc("strerrorname_np");
        int named = 0;
        for (int code = 1; code < 1000; code++) {
            String name = cString(strerrorname, code);
            assertThat(Errno.text(code)).as("text of %d", code).isEqualTo(cString(strerror, code));
            assertThat(Errno.name(code)).as("name of %d", code).isEqualTo(name == null ? "errno " + code : name);
            assertThat(Errno.describe(code)).isEqualTo(Errno.text(code) + " (" + Errno.name(code) + ")");
            if (name != null) {
                named++;
                assertThat(Errno.number(name)).isEqualTo(code);
            }
        }
        assertThat(named).as("Linux's errnos").isGreaterThan(100);
        // What a TAP error and a DPDK error say, e.g. a TUNSETIFF without CAP_NET_ADMIN.
        assertThat(Errno.describe(Errno.EPERM)).isEqualTo("Operation not permitted (EPERM)");
        assertThat(Errno.strerror(Errno.ENODEV)).isEqualTo("No such device");
        assertThat(Errno.number("ENOSUCH")).isEqualTo(-1);
    }

    @Test
    void cpumapdsOwnCodesAreOutsideTheKernelsAndDpdks() {
        assertThat(Errno.EFILTER).isGreaterThan(1100);
        assertThat(Errno.name(Errno.EFILTER)).isEqualTo("EFILTER");
        assertThat(Errno.number("EFILTER")).isEqualTo(Errno.EFILTER);
        assertThat(Errno.strerror(Errno.EFILTER)).isEqualTo(Errno.text(Errno.EFILTER)).contains("filter");
    }

    /** The control protocol's names are the table's: a name added there without a row here fails. */
    @Test
    void everyControlProtocolNameIsInTheTable() throws IllegalAccessException {
        int names = 0;
        for (Field f : ControlException.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String name = (String) f.get(null);
                assertThat(name).as(f.getName()).isEqualTo(f.getName());
                assertThat(Errno.number(name)).as(name).isPositive();
                names++;
            }
        }
        assertThat(names).isGreaterThanOrEqualTo(13);
        assertThat(ControlException.ofErrno(Errno.E2BIG, "x").errno()).isEqualTo("E2BIG");
        assertThat(ControlException.ofErrno(Errno.ENOSPC, "x").errno()).isEqualTo("EIO");
    }

    @Test
    void injectErrorCountersAreNamedByTheTable() {
        for (InjectError e : InjectError.values()) {
            if (e != InjectError.OTHER) {
                assertThat(e.name()).isEqualTo(Errno.name(e.errno()));
            }
        }
    }

    private static MethodHandle libc(String name) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private static String cString(MethodHandle function, int code) throws Throwable {
        MemorySegment s = (MemorySegment) function.invokeExact(code);
        return s.equals(MemorySegment.NULL) ? null : s.reinterpret(256).getString(0);
    }
}
