#!/usr/bin/env bash
# Prints the io.cpumapd package graph from jdeps, one "from -> to" edge a line, and exits 1 when
# the graph has a cycle (the cycle's packages go to stderr). docs/architecture.md embeds the output.
#   docs/package-graph.sh [CLASSES_DIR]      default: target/classes (run ./cpumapd build first)
#   docs/package-graph.sh --dot [CLASSES]    the same graph in Graphviz dot
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOT=0
if [ "${1:-}" = "--dot" ]; then DOT=1; shift; fi
CLASSES="${1:-${CPUMAPD_BUILD_DIR:-$ROOT/target}/classes}"
JDEPS=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25*; do
  if [ -n "$c" ] && [ -x "$c/bin/jdeps" ]; then JDEPS="$c/bin/jdeps"; break; fi
done
[ -n "$JDEPS" ] || { echo "package-graph: no jdeps of a JDK 25 found (set JAVA_HOME)" >&2; exit 2; }
[ -d "$CLASSES" ] || { echo "package-graph: $CLASSES does not exist (./cpumapd build)" >&2; exit 2; }

# jdeps -verbose:package prints "   from   -> to   module"; keep edges between our packages.
EDGES=$("$JDEPS" -verbose:package -filter:none "$CLASSES" 2>/dev/null \
  | awk '$2 == "->" && $1 ~ /^io\.cpumapd/ && $3 ~ /^io\.cpumapd/ && $1 != $3 {
           sub(/^io\.cpumapd\./, "", $1); sub(/^io\.cpumapd\./, "", $3); print $1 " -> " $3 }' | sort -u)

if [ "$DOT" = 1 ]; then
  echo "digraph cpumapd {"; echo "  rankdir=BT;"
  echo "$EDGES" | awk '{ printf "  \"%s\" -> \"%s\";\n", $1, $3 }'
  echo "}"
else
  echo "$EDGES"
fi

# tsort (a topological sort) fails and names the loop when the graph has a cycle.
if ! CYCLE=$(echo "$EDGES" | awk '{ print $1, $3 }' | tsort 2>&1 >/dev/null) || [ -n "$CYCLE" ]; then
  echo "package-graph: cycle among io.cpumapd packages:" >&2
  echo "$CYCLE" >&2
  exit 1
fi
