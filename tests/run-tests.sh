#!/usr/bin/env bash
# Runs every test of the repository on a fresh Debian machine with the .NET SDK:
# installs what is missing (apt-get, npm), starts the test servers on 127.0.0.1, runs dotnet test,
# stops the servers by PID, and prints one summary line "Tests: N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Lease); ports can be moved with
# REDIS_PORT, REGISTRY_PORT, S3_PORT, AZURITE_BLOB_PORT, NUGET_MIRROR_PORT so two runs can share a machine.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export TEST_SERVICES_DIR=${TEST_SERVICES_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/remotecache-services.XXXXXX")}
RESULTS=$ROOT/artifacts/test-results
cleanup() {
  tests/infra/test-services.sh stop || true
  rm -rf "$TEST_SERVICES_DIR"
}
trap cleanup EXIT

tests/infra/test-services.sh install
tests/infra/test-services.sh start
# shellcheck disable=SC1091
. "$TEST_SERVICES_DIR/env.sh"

# Builds started by the tests must not reuse MSBuild nodes that hold an older task assembly.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rm -rf "$RESULTS"
status=0
dotnet test Sdk.sln -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" "$@" || status=$?

# One line for the whole run, summed over every test project's TRX file.
passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + p)); failed=$((failed + f + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + total - executed))
done
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
if [ "$skipped" -gt 0 ] && [ "${CI:-}" = "true" ]; then echo "skipped tests are failures under CI" >&2; status=1; fi
exit "$status"
