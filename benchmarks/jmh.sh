#!/usr/bin/env bash
# jmh.sh: builds the benchmark jar if needed and runs the JMH benchmarks of Weft's cores.
# Arguments go to JMH (e.g. `./benchmarks/jmh.sh -f 1 -wi 1 -i 2 -w 1s -r 1s Hpack`); with none,
# every benchmark runs with the defaults below (about 6 minutes on 2 cores).
# Results: benchmarks/results/jmh-<UTC time>.json (JMH's JSON wrapped with machine and JVM).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
JAVA="${JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n 1)/bin/java}"

if [ -z "${WEFT_NO_BUILD:-}" ] && { [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" -path "$ROOT/.git" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$JAR" -type f -print -quit)" ]; }; then
  echo "jmh.sh: building the benchmark jar ..." >&2
  (cd "$ROOT" && mvn -B -q -pl benchmarks -am package -DskipTests) >&2
fi

if [ "$#" -eq 0 ]; then
  set -- -f 1 -wi 2 -i 3 -w 2s -r 3s
fi
cd "$ROOT"
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Dweft.results="$HERE/results" -jar "$JAR" "$@"
