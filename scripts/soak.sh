#!/usr/bin/env bash
# Soak (issues 8 and 17): ./weft serve under honest load (GET, echo, multipart uploads checked by
# SHA-256) and a cycle of attacks, with kill -9 restarts of the server in the middle of an upload;
# checks zero honest failures, no fd or temp-file leak per server life, heap back near its
# baseline, and the killed runs' temp files swept by the next start.
# Usage: scripts/soak.sh [minutes] [restarts]
#   minutes   default 30 (the soak of record); e.g. `scripts/soak.sh 5` for a shortened run
#   restarts  kill -9 restarts spread over the run; default one per 6 minutes (at least 1)
# Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MINUTES="${1:-30}"
RESTARTS="${2:-}"
echo "soak: building the runnable (mvn package -DskipTests) ..." >&2
mvn -B -q -DskipTests package -pl server -am
REPORT=server/target/surefire-reports/TEST-dev.weft.server.hostile.SoakTest.xml
rm -f "$REPORT" # a stale report must not pass for this run
echo "soak: ${MINUTES} min of honest load, attacks and kill -9 restarts against ./weft serve ..." >&2
mvn -B -q -pl server -am test -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dweft.excludedGroups=none -Dgroups=soak -Dweft.soak.minutes="$MINUTES" \
  ${RESTARTS:+-Dweft.soak.restarts="$RESTARTS"} -Dweft.home="$PWD" \
  -DtrimStackTrace=false 2>&1 | grep -E 'FAIL|ERROR\]' || true
grep -o 'SOAK[^<]*' "$REPORT" || { echo "soak: no report (did the build fail?)" >&2; exit 1; }
grep -q 'failures="0"' "$REPORT" && grep -q 'errors="0"' "$REPORT"
