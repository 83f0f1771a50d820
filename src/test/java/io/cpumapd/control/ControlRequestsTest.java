package io.cpumapd.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** The handler-side readers of request members: each mistake is EBADMSG naming command and member. */
class ControlRequestsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void readsWellTypedMembers() throws Exception {
        ObjectNode r = json("{\"cmd\":\"cpumap.update\",\"cpu\":1,\"qsize\":2048,\"prog\":\"pass\",\"params\":{\"b\":\"2\",\"a\":\"1\"}}");
        Requests.expectOnly(r, "cpu", "qsize", "prog", "params", "flags");
        assertThat(Requests.intMember(r, "cpu")).isEqualTo(1);
        assertThat(Requests.optionalInt(r, "qsize")).isEqualTo(OptionalInt.of(2048));
        assertThat(Requests.stringMember(r, "prog")).isEqualTo("pass");
        assertThat(Requests.optionalString(r, "prog")).contains("pass");
        assertThat(Requests.optionalString(r, "flags")).isEqualTo(Optional.empty());
        assertThat(Requests.stringMap(r, "params")).containsExactly(Map.entry("b", "2"), Map.entry("a", "1"));
        assertThat(Requests.stringMap(r, "absent")).isEmpty();
    }

    @Test
    void unknownMembersAreNamed() {
        ebadmsg(() -> Requests.expectOnly(json("{\"cmd\":\"cpumap.delete\",\"cpu\":1,\"qsize\":0}"), "cpu"))
                .hasMessage("cpumap.delete: unknown member 'qsize' (it takes cpu)");
        ebadmsg(() -> Requests.expectOnly(json("{\"cmd\":\"status\",\"verbose\":true}")))
                .hasMessage("status: unknown member 'verbose' (it takes none)");
    }

    @Test
    void mistypedOrMissingMembers() {
        ObjectNode r = json("{\"cmd\":\"cpumap.update\",\"cpu\":\"1\",\"qsize\":1.5,\"big\":4294967296,"
                + "\"prog\":3,\"params\":[],\"p2\":{\"k\":1}}");
        ebadmsg(() -> Requests.intMember(r, "cpu")).hasMessage("cpumap.update: member 'cpu' must be an integer, got string \"1\"");
        ebadmsg(() -> Requests.intMember(r, "qsize")).hasMessageContaining("member 'qsize' must be an integer");
        ebadmsg(() -> Requests.intMember(r, "big")).hasMessageContaining("member 'big' must be an integer");
        ebadmsg(() -> Requests.intMember(r, "missing")).hasMessage("cpumap.update: needs member 'missing' (an integer)");
        ebadmsg(() -> Requests.stringMember(r, "missing")).hasMessage("cpumap.update: needs member 'missing' (a string)");
        ebadmsg(() -> Requests.optionalString(r, "prog")).hasMessage("cpumap.update: member 'prog' must be a string, got number 3");
        ebadmsg(() -> Requests.stringMap(r, "params")).hasMessage("cpumap.update: member 'params' must be an object of strings, got array []");
        ebadmsg(() -> Requests.stringMap(r, "p2")).hasMessage("cpumap.update: member 'p2' must map names to strings, but 'k' is number 1");
    }

    @Test
    void unsupportedCommand() {
        ControlException e = Requests.unsupported("frob");
        assertThat(e.errno()).isEqualTo("EOPNOTSUPP");
        assertThat(e).hasMessage("unknown command 'frob'");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> ebadmsg(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        AbstractThrowableAssert<?, ? extends Throwable> a = assertThatThrownBy(call).isInstanceOf(ControlException.class);
        a.extracting(e -> ((ControlException) e).errno()).isEqualTo("EBADMSG");
        return a;
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
