#!/usr/bin/env bash
# Builds cpumapd_<version>_amd64.deb from a Maven build with dpkg-deb (no debhelper, no source
# package): the jar and its dependencies, the native shim, a jlink runtime of only the modules
# cpumapd uses, /usr/bin/cpumapd, the systemd unit from config/, the configuration as a conffile,
# cpumapd(8) and bash completion written from the Picocli model.
#
#   packaging/deb/build-deb.sh --build-dir target --out target [--version 0.1.0~rc1] [--compression gzip]
#
# --compression: dpkg-deb's, xz by default (smallest); gzip is about ten times faster on a busy
# machine for a package 10% larger (the package test uses it). Lintian refuses zstd.
#
# Needs JAVA_HOME (a JDK 25 with jlink and jdeps), dpkg-deb, dpkg-shlibdeps, strip. Prints the
# path of the package it wrote on its last line. `./cpumapd package` builds and then runs this.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="" OUT="" VERSION="" COMPRESSION=xz

# Modules jdeps finds but cpumapd does not need at run time (the runtime leaves them out):
#   java.desktop, java.datatransfer  only `bench report` draws a chart (it says so when they are
#                                    missing); Jackson, SnakeYAML, JNA and Micrometer use them
#                                    only when present (java.beans, AWT components)
#   java.sql, java.xml               Jackson's and Micrometer's optional java.sql / DOM support
#   java.compiler                    Agrona's code generation at build time
LEFT_OUT=(java.desktop java.datatransfer java.sql java.xml java.compiler)
# DPDK loads its drivers (PMDs) at start from its plugin directory, so no ELF file names them:
# the buses, the mempool handler and the virtual devices the configurations use.
DPDK_PLUGINS="librte-bus-vdev23 (>= 22.11), librte-bus-pci23 (>= 22.11), librte-mempool-ring23 (>= 22.11),
 librte-net-pcap23 (>= 22.11), libpcap0.8, librte-net-null23 (>= 22.11), librte-net-ring23 (>= 22.11),
 librte-net-tap23 (>= 22.11), librte-net-af-packet23 (>= 22.11), librte-net-af-xdp23 (>= 22.11)"

die() { echo "build-deb: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --build-dir) BUILD="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        --compression) COMPRESSION="$2"; shift 2 ;;
        *) die "unknown argument $1 (usage: build-deb.sh --build-dir DIR --out DIR [--version V])" ;;
    esac
done
[ -n "$BUILD" ] && [ -n "$OUT" ] || die "usage: build-deb.sh --build-dir DIR --out DIR [--version V]"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ] || die "JAVA_HOME must be a JDK 25 with jlink"
JAR="$BUILD/cpumapd.jar"
SHIM="$BUILD/classes/native/linux-x86_64/libcpumapd.so"
for f in "$JAR" "$BUILD/runtime.classpath" "$SHIM"; do
    [ -f "$f" ] || die "$f is missing: build first (./cpumapd build)"
done

# 0.1.0-SNAPSHOT becomes 0.1.0~git<commit time>.<hash>: below the 0.1.0 release, above older
# snapshots.
git_() { git -C "$ROOT" "$@" 2>/dev/null; }
if [ -z "$VERSION" ]; then
    VERSION="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "$ROOT/pom.xml" | head -n 1)"
    if [[ "$VERSION" == *-SNAPSHOT ]]; then
        stamp="$(TZ=UTC git_ log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S || true)"
        if [ -n "$stamp" ]; then
            VERSION="${VERSION%-SNAPSHOT}~git$stamp.$(git_ rev-parse --short=7 HEAD)"
        else
            VERSION="${VERSION%-SNAPSHOT}~snapshot"   # no git here (a Docker build context)
        fi
    fi
fi
[[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "'$VERSION' is not a Debian version of a native package"
COMMIT="$(git_ rev-parse --short=12 HEAD || echo unknown)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git_ log -1 --format=%ct || date +%s)}"
DATE="$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
DAY="$(date -u +%F -d "@$SOURCE_DATE_EPOCH")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cpumapd-deb.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
umask 022
S="$WORK/root"
LIB="$S/usr/lib/cpumapd"
SHARE="$S/usr/share/cpumapd"
DOC="$S/usr/share/doc/cpumapd"
mkdir -p "$S/DEBIAN" "$LIB" "$SHARE/lib" "$DOC/examples" "$S/usr/bin" "$S/etc/cpumapd" "$S/lib/systemd/system" \
    "$S/usr/share/bash-completion/completions" "$S/usr/share/man/man8"

# Jars: cpumapd's and its run-time dependencies, in Maven's class-path order.
JARS=("$JAR")
IFS=: read -r -a deps < "$BUILD/runtime.classpath" || true   # the file has no final newline
[ "${#deps[@]}" -gt 0 ] || die "$BUILD/runtime.classpath is empty"
JARS+=("${deps[@]}")
CLASSPATH=""
for j in "${JARS[@]}"; do
    install -m 0644 "$j" "$SHARE/lib/"
    CLASSPATH="${CLASSPATH:+$CLASSPATH:}\$jars/$(basename "$j")"
done

# The Java runtime: every module some jar uses directly (jdeps' summary; --print-module-deps
# would reduce it through transitive requires, such as java.sql's java.logging and java.xml),
# less the ones left out (above).
modules="$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps -s "${JARS[@]}" 2>/dev/null \
    | sed -n 's/.* -> \(java\.[a-z.]*\|jdk\.[a-z.]*\)$/\1/p' | LC_ALL=C sort -u | paste -sd, -)"
[[ "$modules" == *java.base* ]] || die "jdeps found no modules"
keep=()
for m in ${modules//,/ }; do
    [[ " ${LEFT_OUT[*]} " == *" $m "* ]] || keep+=("$m")
done
MODULES="$(IFS=,; echo "${keep[*]}")"
echo "build-deb: jlink $MODULES (jdeps: $modules)" >&2
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$LIB/runtime"
# Only `java` is run; keytool and jwebserver come with java.base and jdk.httpserver.
find "$LIB/runtime/bin" -type f ! -name java -delete

install -m 0644 "$SHIM" "$LIB/libcpumapd.so"
# JNA (through Affinity) loads its dispatch library from here instead of unpacking it into /tmp.
jna="$(printf '%s\n' "${JARS[@]}" | grep '/jna-[0-9][^/]*\.jar$' || true)"
[ -n "$jna" ] || die "no jna jar in the class path"
(cd "$WORK" && "$JAVA_HOME/bin/jar" xf "$jna" com/sun/jna/linux-x86-64/libjnidispatch.so)
install -m 0644 "$WORK/com/sun/jna/linux-x86-64/libjnidispatch.so" "$LIB/libjnidispatch.so"
# As dh_strip does: no symbol tables or notes in shipped ELF files (the shim is built with -g).
ELVES=()
while IFS= read -r f; do
    cmp -s -n 4 "$f" <(printf '\177ELF') || continue
    case "$f" in
        *.so) strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f" ;;
        *) strip --remove-section=.comment --remove-section=.note "$f" ;;
    esac
    ELVES+=("$f")
done < <(find "$LIB" -type f)
# jlink copies the legal notices read-only.
chmod -R u+w,go-w,a+rX "$LIB/runtime"

# /usr/bin/cpumapd, with the JVM flags of pom.xml (the ones the tests run with).
jvm_flags="$(sed -n 's|.*<cpumapd.jvm.flags>\(.*\)</cpumapd.jvm.flags>.*|\1|p' "$ROOT/pom.xml")"
[ -n "$jvm_flags" ] || die "no cpumapd.jvm.flags in pom.xml"
sed -e "s|@JVM_FLAGS@|$jvm_flags|" -e "s|@CLASSPATH@|$CLASSPATH|" "$HERE/cpumapd.sh" > "$S/usr/bin/cpumapd"
chmod 0755 "$S/usr/bin/cpumapd"

# The configuration: the embedded default, replaying the capture from where the package puts it.
sed -e '1s|^# cpumapd: the embedded default configuration\.$|# /etc/cpumapd/cpumapd.yaml: the configuration of cpumapd.service, as installed the embedded default.|' \
    -e 's|rx_pcap=mixed-traffic\.pcap|rx_pcap=/usr/share/cpumapd/mixed-traffic.pcap|' \
    "$ROOT/config/cpumapd.yaml" > "$S/etc/cpumapd/cpumapd.yaml"
grep -q 'rx_pcap=/usr/share/cpumapd/mixed-traffic.pcap' "$S/etc/cpumapd/cpumapd.yaml" \
    || die "config/cpumapd.yaml no longer has rx_pcap=mixed-traffic.pcap: update the sed above"
install -m 0644 "$ROOT/config/mixed-traffic.pcap" "$SHARE/"
install -m 0644 -D "$ROOT/config/grafana/cpumapd-dashboard.json" "$SHARE/grafana/cpumapd-dashboard.json"
install -m 0644 "$ROOT"/config/examples/*.yaml "$DOC/examples/"

# The unit comes from config/ as it is (its service semantics are config/'s).
grep -q '^ExecStart=/usr/bin/cpumapd ' "$ROOT/config/cpumapd.service" \
    || die "config/cpumapd.service must start /usr/bin/cpumapd"
! grep -n '/opt/cpumapd' "$ROOT/config/cpumapd.service" >&2 \
    || die "config/cpumapd.service names /opt/cpumapd (above): the package installs /usr/bin/cpumapd"
install -m 0644 "$ROOT/config/cpumapd.service" "$S/lib/systemd/system/cpumapd.service"

# Completion and man page, from the Picocli model, run on the runtime just made.
# (a completion file is sourced, not run: Picocli's #! line goes)
"$S/usr/bin/cpumapd" generate-completion | sed '1{/^#!/d}' > "$S/usr/share/bash-completion/completions/cpumapd"
chmod 0644 "$S/usr/share/bash-completion/completions/cpumapd"
jars="$SHARE/lib"
eval "cp=\"$CLASSPATH\""
"$LIB/runtime/bin/java" -cp "$cp" io.cpumapd.cli.ManPage "$VERSION" "$DAY" | gzip -9n > "$S/usr/share/man/man8/cpumapd.8.gz"

install -m 0644 "$HERE/copyright" "$DOC/copyright"
install -m 0644 -D "$HERE/lintian-overrides" "$S/usr/share/lintian/overrides/cpumapd"
sed -e "s|@VERSION@|$VERSION|" -e "s|@COMMIT@|$COMMIT|" -e "s|@DATE@|$DATE|" "$HERE/changelog.in" | gzip -9n \
    > "$DOC/changelog.gz"
for d in README.md docs/deployment.md docs/filters.md docs/metrics.md docs/control-protocol.md; do
    install -m 0644 "$ROOT/$d" "$DOC/"
done

# Depends: the libraries the ELF files link (dpkg-shlibdeps, the runtime's own libraries being
# private), plus DPDK's plugins.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: cpumapd\n\nPackage: cpumapd\nArchitecture: amd64\n' > "$WORK/shlibs/debian/control"
shlibs="$(cd "$WORK/shlibs" && dpkg-shlibdeps -O -l"$LIB/runtime/lib" -l"$LIB/runtime/lib/server" "${ELVES[@]}" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')"
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies"
DEPENDS="$shlibs, $(echo "$DPDK_PLUGINS" | tr -d '\n')"

for f in postinst prerm postrm; do
    install -m 0755 "$HERE/$f" "$S/DEBIAN/$f"
done
install -m 0644 "$HERE/conffiles" "$S/DEBIAN/conffiles"
(cd "$S" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
    | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$S/DEBIAN/md5sums"
size="$(du -sk --exclude=DEBIAN "$S" | cut -f1)"
sed -e "s|@VERSION@|$VERSION|" -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$DEPENDS|" "$HERE/control.in" \
    > "$S/DEBIAN/control"

find "$S" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$OUT"
DEB="$OUT/cpumapd_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$S" "$DEB" >&2
echo "$DEB"
