#!/usr/bin/env bash
# JMH microbenchmarks of the hot path (src/test/java/io/cpumapd/jmh): filter dispatch, bulk
# enqueue+dequeue of 8 through an rte_ring, SkBuff build. Extra arguments go to JMH, e.g.
#   docs/run-jmh.sh -rf json -rff /tmp/jmh.json     or     docs/run-jmh.sh FilterDispatch
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
TARGET="${CPUMAPD_BUILD_DIR:-$ROOT/target}"
(cd "$ROOT" && mvn -B --no-transfer-progress -q -Dcpumapd.build.dir="$TARGET" test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$TARGET/test.classpath" >/dev/null)
FILTER=io.cpumapd.jmh
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then FILTER="io.cpumapd.jmh.$1"; shift; fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$TARGET/test-classes:$TARGET/classes:$(cat "$TARGET/test.classpath")" org.openjdk.jmh.Main "$FILTER" "$@"
