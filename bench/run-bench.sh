#!/usr/bin/env bash
# The solution benchmark (issue 7): starts the remote-tier servers on their own ports, packs the SDK from this
# checkout, and runs bench/RemoteCache.Bench, which generates a 50-project solution (or takes --solution PATH),
# measures every scenario several times in one run and writes medians and ratios to docs/benchmarks.md.
# With --tests, the test-run benchmark instead (issue 24): `dotnet test` of the generated solution with xunit projects.
# Usage: bench/run-bench.sh [--tests] [--solution PATH] [--projects N] [--files N] [--repeat N] [--remotes file,s3,…|none]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/artifacts/bench-solution
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export TEST_SERVICES_DIR=$WORK/services REDIS_PORT=${BENCH_REDIS_PORT:-36479} REGISTRY_PORT=35100 S3_PORT=34668 AZURITE_BLOB_PORT=30200 NUGET_MIRROR_PORT=38180
. "$ROOT/bench/bench-env.sh"
dotnet build "$ROOT/bench/RemoteCache.Bench" -c Release -nologo -tl:off -v:q >/dev/null
BENCH_DOTNET_SDK=$(dotnet --version) dotnet "$ROOT/bench/RemoteCache.Bench/bin/Release/net10.0/RemoteCache.Bench.dll" --sdk-feed "$FEED" --sdk-version "$version" --work "$WORK/run" \
  --report "$ROOT/docs/benchmarks.md" "$@"
