#!/usr/bin/env bash
# Concurrent builders with and without the Redis lease (issue 4): for 1, 2, 4 and 8 builders that start together on
# "machines" (clones with their own CacheLocalDir) sharing a remote tier (a file share) and, with the lease, a
# CacheLock on a real redis-server, measures the wall time until all have finished and how many compiles ran in
# total. Writes the table into docs/benchmarks.md (section "Concurrent builders"). Usage: bench/lease-bench.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/artifacts/bench-lease
FEED=$WORK/feed
export NUGET_PACKAGES=$WORK/nuget-packages MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export TEST_SERVICES_DIR=$WORK/services REDIS_PORT=${BENCH_REDIS_PORT:-36379} REGISTRY_PORT=35000 S3_PORT=34568 AZURITE_BLOB_PORT=30100 NUGET_MIRROR_PORT=38080
rm -rf "$WORK"; mkdir -p "$WORK"
trap '"$ROOT/tests/infra/test-services.sh" stop >/dev/null 2>&1 || true' EXIT
"$ROOT/tests/infra/test-services.sh" install >/dev/null
"$ROOT/tests/infra/test-services.sh" start >/dev/null 2>&1
. "$TEST_SERVICES_DIR/env.sh"

dotnet pack "$ROOT/src/RemoteCache.Sdk" -c Release -o "$FEED" -nologo -tl:off -v:q >/dev/null
package=$(basename "$(ls "$FEED"/RemoteCache.Sdk.*.nupkg)"); version=${package#RemoteCache.Sdk.}; version=${version%.nupkg}

# The source: the sample solution in a git repository (deterministic paths need SourceRoot from git).
SRC=$WORK/source
cp -r "$ROOT/samples/HelloCache" "$SRC"
printf '{ "msbuild-sdks": { "RemoteCache.Sdk": "%s" } }\n' "$version" > "$SRC/global.json"
cat > "$SRC/NuGet.config" <<XML
<configuration><packageSources><clear /><add key="local" value="$FEED" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources></configuration>
XML
printf 'bin/\nobj/\n' > "$SRC/.gitignore"
git -C "$SRC" -c init.defaultBranch=main init -q
git -C "$SRC" remote add origin https://github.com/example/bench.git
git -C "$SRC" add -A && git -C "$SRC" -c user.name=bench -c user.email=bench@example.invalid commit -qm bench
# Warm NuGet and the SDK resolver once, outside the measurements.
dotnet build "$SRC/HelloCache.slnx" -nologo -tl:off -v:q -p:CacheMode=Off >/dev/null && git -C "$SRC" clean -qfdx

rows=()
base=""
for n in 1 2 4 8; do
  for lease in without with; do
    run=$WORK/run-$n-$lease; mkdir -p "$run"
    lock=none; [ "$lease" = with ] && lock="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT?prefix=bench$n"
    for i in $(seq 1 "$n"); do git clone -q "$SRC" "$run/m$i"; git -C "$run/m$i" remote set-url origin https://github.com/example/bench.git; done
    start=$(date +%s%3N)
    pids=()
    for i in $(seq 1 "$n"); do
      dotnet build "$run/m$i/HelloCache.slnx" -nologo -tl:off -v:q -p:ContinuousIntegrationBuild=true \
        -p:CacheUrl="file://$run/share" -p:CacheLock="$lock" -p:CacheLocalDir="$run/cache$i" \
        -p:CacheSummaryFile="$run/summary.jsonl" >"$run/build$i.log" 2>&1 &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    wall=$(awk -v ms=$(( $(date +%s%3N) - start )) 'BEGIN { printf "%.1f", ms / 1000 }')
    compiles=$(grep -c '"result":"miss"' "$run/summary.jsonl" || true)
    [ -n "$base" ] || base=$wall
    ratio=$(awk -v w="$wall" -v b="$base" 'BEGIN { printf "%.2f", w / b }')
    rows+=("| $n | $lease | $wall | $ratio | $compiles |")
    echo "builders=$n lease=$lease wall=${wall}s compiles=$compiles"
  done
done

DOC=$ROOT/docs/benchmarks.md
mkdir -p "$(dirname "$DOC")"
[ -f "$DOC" ] || printf '# Benchmarks\n\nMeasured on this project'"'"'s CI kind of machine (2 cores); each table comes from one run of its script.\n' > "$DOC"
python3 - "$DOC" "$(uname -r)" "$(dotnet --version)" "${rows[@]}" <<'PY'
import sys, re, datetime
doc, kernel, sdk, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
section = "\n".join([
    "## Concurrent builders (bench/lease-bench.sh)",
    "",
    f"{datetime.date.today()}, .NET SDK {sdk}. N builders start at once on clones with their own local tier, sharing a file-share",
    "remote; \"with\" adds CacheLock on redis-server. The sample solution has 2 projects, so the ideal is 2 compiles in total.",
    "",
    "| builders | lease | wall time (s) | × one builder | compiles in total |",
    "|---|---|---|---|---|",
    *rows,
    "",
])
text = open(doc).read()
text = re.sub(r"## Concurrent builders.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n" + section
open(doc, "w").write(text)
PY
echo "written to $DOC"
