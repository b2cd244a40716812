#!/usr/bin/env bash
# Soak (issue 8): ./weft serve under honest load and a cycle of attacks for a few minutes, then
# checks zero honest failures, no fd or temp-file leak, heap back near its baseline.
# Usage: scripts/soak.sh [minutes]   (default 3). Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MINUTES="${1:-3}"
echo "soak: building the runnable (mvn package -DskipTests) ..." >&2
mvn -B -q -DskipTests package -pl server -am
REPORT=server/target/surefire-reports/TEST-dev.weft.server.hostile.SoakTest.xml
rm -f "$REPORT" # a stale report must not pass for this run
echo "soak: ${MINUTES} min of honest load and attacks against ./weft serve ..." >&2
mvn -B -q -pl server -am test -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dweft.excludedGroups=none -Dgroups=soak -Dweft.soak.minutes="$MINUTES" -Dweft.home="$PWD" \
  -DtrimStackTrace=false 2>&1 | grep -E 'FAIL|ERROR\]' || true
grep -o 'SOAK[^<]*' "$REPORT" || { echo "soak: no report (did the build fail?)" >&2; exit 1; }
grep -q 'failures="0"' "$REPORT" && grep -q 'errors="0"' "$REPORT"
