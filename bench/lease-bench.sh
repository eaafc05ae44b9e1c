#!/usr/bin/env bash
# Concurrent builders with and without the Redis lease (issue 4): for 1, 2, 4 and 8 builders that start together on
# "machines" (clones with their own CacheLocalDir) sharing a remote tier (a file share) and, with the lease, a
# CacheLock on a real redis-server, measures the wall time until all have finished and how many compiles ran in
# total. Writes the table into docs/benchmarks.md (section "Concurrent builders"). Usage: bench/lease-bench.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/artifacts/bench-lease
export NUGET_PACKAGES=$WORK/nuget-packages MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export TEST_SERVICES_DIR=$WORK/services REDIS_PORT=${BENCH_REDIS_PORT:-36379} REGISTRY_PORT=35000 S3_PORT=34568 AZURITE_BLOB_PORT=30100 NUGET_MIRROR_PORT=38080
. "$ROOT/bench/bench-env.sh"

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

# run LABEL N LOCK SHARE: N builders start at once on fresh clones with empty local tiers; sets $wall and $compiles.
run() {
  local label=$1 n=$2 lock=$3 share=$4 dir=$WORK/run-$1-$2 i start pids=()
  mkdir -p "$dir"
  for i in $(seq 1 "$n"); do git clone -q "$SRC" "$dir/m$i"; git -C "$dir/m$i" remote set-url origin https://github.com/example/bench.git; done
  start=$(date +%s%3N)
  for i in $(seq 1 "$n"); do
    dotnet build "$dir/m$i/HelloCache.slnx" -nologo -tl:off -v:q -p:ContinuousIntegrationBuild=true \
      -p:CacheUrl="file://$share" -p:CacheLock="$lock" -p:CacheLocalDir="$dir/cache$i" \
      -p:CacheSummaryFile="$dir/summary.jsonl" >"$dir/build$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  wall=$(awk -v ms=$(( $(date +%s%3N) - start )) 'BEGIN { printf "%.1f", ms / 1000 }')
  compiles=$(grep -c '"result":"miss"' "$dir/summary.jsonl" || true)
}

# For each N: without the lease, with it, and the reference "one build plus restores" asks for: N builders that all
# restore from the remote the run with the lease filled (no compile at all).
rows=()
base=""
for n in 1 2 4 8; do
  run without "$n" none "$WORK/share-$n-without"; without=$wall; without_compiles=$compiles
  run with "$n" "redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT?prefix=bench$n" "$WORK/share-$n-with"; with=$wall; with_compiles=$compiles
  run restore "$n" none "$WORK/share-$n-with"; restore=$wall; restore_compiles=$compiles
  [ -n "$base" ] || base=$with
  for row in "without $without $without_compiles" "with $with $with_compiles" "restore-only $restore $restore_compiles"; do
    read -r mode w c <<<"$row"
    rows+=("| $n | $mode | $w | $(awk -v w="$w" -v b="$base" 'BEGIN { printf "%.2f", w / b }') | $(awk -v w="$w" -v r="$restore" 'BEGIN { printf "%.2f", w / r }') | $c |")
  done
  echo "builders=$n without=${without}s/$without_compiles with=${with}s/$with_compiles restore-only=${restore}s/$restore_compiles"
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
    "remote; \"with\" adds CacheLock on redis-server; \"restore-only\" is N builders that find everything in the remote (the",
    "\"one build plus restores\" reference: with the lease, only one builder per project should pay for the compile). The sample",
    "solution has 2 projects, so the ideal is 2 compiles in total. Ratios are to one builder with the lease, and to N",
    "restore-only builders.",
    "",
    "| builders | mode | wall time (s) | × one builder | × restore-only | compiles in total |",
    "|---|---|---|---|---|---|",
    *rows,
    "",
])
text = open(doc).read()
text = re.sub(r"## Concurrent builders.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n" + section
open(doc, "w").write(text)
PY
echo "written to $DOC"
