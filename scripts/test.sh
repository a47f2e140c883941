#!/usr/bin/env bash
# Runs every test of MasqDatapath.sln: unit, property, harness and end-to-end tests.
# Installs the missing Debian packages, builds native-shims, runs `dotnet test` and ends
# with one line "N passed, N failed, N skipped". Exits non-zero when a test failed or the
# build or test run broke. Extra arguments go to `dotnet test`, for example:
#   scripts/test.sh --filter 'Category!=EndToEnd'
# The end-to-end tests create network namespaces, so run this as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

install_missing_packages
build_native_shims

results=$(mktemp -d /tmp/masqd-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

# The run is stopped after 25 minutes, so it stays under 30 on 2 cores. A test host that
# hangs for 10 minutes in one test is stopped and the test reported.
status=0
timeout --signal=TERM --kill-after=30s 25m \
    dotnet test MasqDatapath.sln \
    --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
    --blame-hang-timeout 10m --blame-hang-dump-type none "$@" || status=$?

# Sum the counters of every TRX file: a run may hold several test projects.
summary=$(python3 - "$results" <<'PY'
import pathlib, sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for trx in pathlib.Path(sys.argv[1]).rglob("*.trx"):
    counters = ET.parse(trx).getroot().find(".//{*}ResultSummary/{*}Counters")
    count = lambda name: int(counters.get(name, 0))
    passed += count("passed")
    failed += count("failed") + count("error") + count("timeout") + count("aborted")
    skipped += count("notExecuted") + count("inconclusive")
print(passed, failed, skipped)
PY
)
read -r passed failed skipped <<<"$summary"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "dotnet test exited with code $status without a failed test (build error or timeout)" >&2
fi

echo "$passed passed, $failed failed, $skipped skipped"

if [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then
    exit 1
fi
