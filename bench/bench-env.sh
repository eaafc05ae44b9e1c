# Sourced by the bench scripts once they have set ROOT, WORK and the ports: starts the test servers on those ports
# (stopped when the script exits), packs the SDK from this checkout into $FEED and sets $version.
FEED=$WORK/feed
rm -rf "$WORK"; mkdir -p "$WORK"
trap '"$ROOT/tests/infra/test-services.sh" stop >/dev/null 2>&1 || true' EXIT
"$ROOT/tests/infra/test-services.sh" install >/dev/null
"$ROOT/tests/infra/test-services.sh" start >/dev/null 2>&1
. "$TEST_SERVICES_DIR/env.sh"

dotnet pack "$ROOT/src/RemoteCache.Sdk" -c Release -o "$FEED" -nologo -tl:off -v:q >/dev/null
package=$(basename "$(ls "$FEED"/RemoteCache.Sdk.*.nupkg)"); version=${package#RemoteCache.Sdk.}; version=${version%.nupkg}
