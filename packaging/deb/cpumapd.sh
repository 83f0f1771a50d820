#!/bin/sh
# /usr/bin/cpumapd of the Debian package: runs cpumapd on the Java runtime the package carries.
# It never builds and never installs anything (the source tree's ./cpumapd does that).
# Paths are found from this script's own place, so an unpacked package (dpkg-deb -x) runs too.
set -e
self=$(readlink -f "$0")
prefix=${self%/bin/*}
lib="$prefix/lib/cpumapd"
jars="$prefix/share/cpumapd/lib"
# The shim and JNA's dispatch library are installed files: nothing is unpacked into /tmp at start
# (a noexec /tmp would stop both).
# shellcheck disable=SC2086 # CPUMAPD_JAVA_OPTS is a list of options
exec "$lib/runtime/bin/java" @JVM_FLAGS@ \
    -Dcpumapd.native.lib="$lib/libcpumapd.so" -Djna.boot.library.path="$lib" -Djna.nounpack=true \
    ${CPUMAPD_JAVA_OPTS:-} -cp "@CLASSPATH@" io.cpumapd.cli.Main "$@"
