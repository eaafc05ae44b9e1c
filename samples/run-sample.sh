#!/usr/bin/env bash
# Builds samples/HelloCache twice with the SDK from this repository: the first build compiles and saves to a
# local cache, then bin/ and obj/ are deleted and the second build restores every compile from that cache.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/artifacts/sample-run
FEED=$ROOT/artifacts/packages
export NUGET_PACKAGES=$ROOT/artifacts/sample-nuget-packages   # private, so no stale copy of the SDK is used
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== packing RemoteCache.Sdk"
rm -rf "$FEED" "$WORK" "$NUGET_PACKAGES/remotecache.sdk"
dotnet pack "$ROOT/src/RemoteCache.Sdk" -c Release -o "$FEED" -nologo -tl:off -v:q
package=$(basename "$(ls "$FEED"/RemoteCache.Sdk.*.nupkg)")
version=${package#RemoteCache.Sdk.}; version=${version%.nupkg}
echo "   RemoteCache.Sdk $version"

mkdir -p "$WORK"
cp -r "$ROOT/samples/HelloCache" "$WORK/"
cd "$WORK/HelloCache"
printf '{ "msbuild-sdks": { "RemoteCache.Sdk": "%s" } }\n' "$version" > global.json
cat > NuGet.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="remotecache-local" value="$FEED" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML

build() { # label
  echo; echo "== $1"
  local start=$SECONDS log=$WORK/build.log status=0
  dotnet build HelloCache.slnx -nologo -tl:off -v:m -p:CacheLocalDir="$WORK/cache" -p:CacheSummaryFile="$WORK/summary.jsonl" >"$log" 2>&1 || status=$?
  grep -E 'RemoteCache:|error|warning|->' "$log" || true
  echo "   ($((SECONDS - start)) s)"
  if [ "$status" -ne 0 ]; then cat "$log"; echo "build failed (exit $status)" >&2; exit "$status"; fi
}

build "first build: compiles, saves to the local cache ($WORK/cache)"
rm -rf Greeting/bin Greeting/obj Hello/bin Hello/obj
build "second build after deleting bin/ and obj/: restores from the local cache"

hits=$(grep -c '"result":"hit-local"' "$WORK/summary.jsonl" || true)
echo
echo "== second build restored $hits of 2 compiles from the local cache; the app says:"
dotnet Hello/bin/Debug/net10.0/Hello.dll
[ "$hits" -eq 2 ]
