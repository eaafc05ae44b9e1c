#!/usr/bin/env bash
# test-services.sh install|start|stop|status
# Real servers for integration tests, all on 127.0.0.1, started in the background,
# stopped by PID. Debian 12 + root + apt/npm/NuGet registries only.
set -euo pipefail

STATE=${TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/build-cache-test-services}   # all state, logs, pids, certs, data
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NPM_DIR=${TEST_SERVICES_NPM_DIR:-$HERE}                      # package.json + lock file pin s3rver/azurite
REDIS_PORT=${REDIS_PORT:-16379};       REDIS_PASSWORD=${REDIS_PASSWORD:-test-redis-pass}
REGISTRY_PORT=${REGISTRY_PORT:-15000}; REGISTRY_USER=${REGISTRY_USER:-ciuser}; REGISTRY_PASSWORD=${REGISTRY_PASSWORD:-ci-registry-pass}
S3_PORT=${S3_PORT:-14568};             S3_BUCKET=${S3_BUCKET:-build-cache}
AZURITE_BLOB_PORT=${AZURITE_BLOB_PORT:-10100}
NUGET_MIRROR_PORT=${NUGET_MIRROR_PORT:-18080}
# The mirror serves the packages found in NUGET_MIRROR_PACKAGES_SRC (global-packages-folder layout); empty by
# default, so a fresh machine needs nothing from ~/.nuget. Tests publish what they need into the feed folder
# (NUGET_MIRROR_FEED in env.sh) while it runs: nginx serves new files at once.
NUGET_MIRROR_PACKAGES_SRC=${NUGET_MIRROR_PACKAGES_SRC:-$STATE/mirror-packages}
NUGET_MIRROR_PACKAGES=${NUGET_MIRROR_PACKAGES:-}                                 # space separated id/version, "" = all

log() { printf '[test-services] %s\n' "$*" >&2; }

alive() { # pid -> 0 if running (a zombie counts as dead)
  [ -r "/proc/$1/stat" ] || return 1
  local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$st" != Z ]
}

wait_ready() { # name pid timeout_s cmd...
  local name=$1 pid=$2 timeout=$3; shift 3
  local t0=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if ! alive "$pid"; then log "$name died during start; log:"; tail -n 30 "$STATE/$name.log" >&2 || true; return 1; fi
    if (( SECONDS - t0 >= timeout )); then log "$name not ready after ${timeout}s; log:"; tail -n 30 "$STATE/$name.log" >&2 || true; return 1; fi
    sleep 0.1
  done
  log "$name ready (pid $pid, $((SECONDS - t0))s)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() { # name port cmd... : background, stdin closed, pid recorded ($! is the server itself)
  local name=$1 port=$2; shift 2
  if port_in_use "$port"; then log "$name: 127.0.0.1:$port already in use (stale server? run stop)"; return 1; fi
  "$@" </dev/null >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
  echo $!
}

APT_PACKAGES=(redis-server docker-registry skopeo nginx apache2-utils openssl curl ca-certificates)

do_install() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs + npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ ! -f "$NPM_DIR/node_modules/s3rver/bin/s3rver.js" ] || [ ! -f "$NPM_DIR/node_modules/azurite/dist/src/blob/main.js" ]; then
    log "installing s3rver + azurite (npm ci)"
    npm ci --prefix "$NPM_DIR" --no-fund --no-audit --loglevel=error
  fi
}

gen_certs() {
  local d=$STATE/certs; mkdir -p "$d"; [ -f "$d/server.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=build-cache test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 825 \
    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  mkdir -p "$d/skopeo" && cp "$d/ca.crt" "$d/skopeo/ca.crt"   # --cert-dir: only the CA, *.crt
}

start_redis() {
  cat >"$STATE/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
requirepass $REDIS_PASSWORD
save ""
appendonly no
maxmemory 64mb
maxmemory-policy noeviction
dir $STATE
EOF
  local pid; pid=$(launch redis "$REDIS_PORT" redis-server "$STATE/redis.conf")
  wait_ready redis "$pid" 20 bash -c "[ \"\$(REDISCLI_AUTH='$REDIS_PASSWORD' redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" = PONG ]"
}

start_registry() {
  gen_certs
  mkdir -p "$STATE/registry-data"
  htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$STATE/registry.htpasswd"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $STATE/registry-data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  secret: not-a-secret-test-only
  tls:
    certificate: $STATE/certs/server.crt
    key: $STATE/certs/server.key
auth:
  htpasswd:
    realm: test-registry
    path: $STATE/registry.htpasswd
EOF
  local pid; pid=$(launch registry "$REGISTRY_PORT" docker-registry serve "$STATE/registry.yml")
  wait_ready registry "$pid" 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$STATE/certs/ca.crt' -u '$REGISTRY_USER:$REGISTRY_PASSWORD' https://127.0.0.1:$REGISTRY_PORT/v2/)\" = 200 ]"
}

start_s3() {
  mkdir -p "$STATE/s3-data"
  local pid; pid=$(launch s3rver "$S3_PORT" node --openssl-legacy-provider "$NPM_DIR/node_modules/s3rver/bin/s3rver.js" \
    -d "$STATE/s3-data" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets --configure-bucket "$S3_BUCKET")
  wait_ready s3rver "$pid" 30 curl -sf -o /dev/null "http://127.0.0.1:$S3_PORT/$S3_BUCKET"
}

start_azurite() {
  local pid; pid=$(launch azurite "$AZURITE_BLOB_PORT" node "$NPM_DIR/node_modules/azurite/dist/src/blob/main.js" \
    --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" --inMemoryPersistence --extentMemoryLimit 512 \
    --disableTelemetry --skipApiVersionCheck)
  # any HTTP answer means it listens (anonymous list -> 403)
  wait_ready azurite "$pid" 30 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1?comp=list')\" != 000 ]"
}

start_nuget_mirror() {
  local feed=$STATE/nuget-feed base=http://127.0.0.1:$NUGET_MIRROR_PORT
  mkdir -p "$NUGET_MIRROR_PACKAGES_SRC"
  mkdir -p "$feed/v3" "$feed/v3-flatcontainer" "$STATE/nginx/tmp"
  # --- static v3 feed: service index + flat container ---
  local specs=() nupkg id ver
  if [ -n "$NUGET_MIRROR_PACKAGES" ]; then read -r -a specs <<<"$NUGET_MIRROR_PACKAGES"
  else for nupkg in "$NUGET_MIRROR_PACKAGES_SRC"/*/*/*.nupkg; do
         [ -f "$nupkg" ] && specs+=("$(basename "$(dirname "$(dirname "$nupkg")")")/$(basename "$(dirname "$nupkg")")"); done; fi
  for spec in "${specs[@]}"; do
    id=$(tr '[:upper:]' '[:lower:]' <<<"${spec%%/*}"); ver=$(tr '[:upper:]' '[:lower:]' <<<"${spec#*/}")
    nupkg=$NUGET_MIRROR_PACKAGES_SRC/$id/$ver/$id.$ver.nupkg
    [ -f "$nupkg" ] || { log "mirror: missing $nupkg"; return 1; }
    mkdir -p "$feed/v3-flatcontainer/$id/$ver"
    cp "$nupkg" "$feed/v3-flatcontainer/$id/$ver/$id.$ver.nupkg"
  done
  for d in "$feed"/v3-flatcontainer/*/; do
    [ -d "$d" ] || continue
    printf '{"versions":[%s]}\n' "$(find "$d" -mindepth 1 -maxdepth 1 -type d -printf '"%f"\n' | sort -V | paste -sd, -)" >"$d/index.json"
  done
  printf '{"version":"3.0.0","resources":[{"@id":"%s/v3-flatcontainer/","@type":"PackageBaseAddress/3.0.0"}]}\n' "$base" >"$feed/v3/index.json"
  # NuGet (.NET 9+) refuses plain-http sources unless the *enabled* source entry says allowInsecureConnections
  cat >"$STATE/nuget.mirror.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="team-mirror" value="$base/v3/index.json" allowInsecureConnections="true" />
  </packageSources>
</configuration>
EOF
  cat >"$STATE/nginx/nginx.conf" <<EOF
worker_processes 1;
pid nginx.pid;
error_log error.log warn;
user root;   # workers must read the feed even under 0700 dirs (warning + ignored when not root)
events { worker_connections 256; }
http {
    access_log $STATE/nuget-access.log;
    client_body_temp_path tmp/client_body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
    types { application/json json; application/octet-stream nupkg; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NUGET_MIRROR_PORT;
        root $feed;
        location / { try_files \$uri =404; }
    }
}
EOF
  local pid; pid=$(launch nginx "$NUGET_MIRROR_PORT" nginx -p "$STATE/nginx" -c nginx.conf -e error.log -g 'daemon off;')
  wait_ready nginx "$pid" 20 curl -sf -o /dev/null "$base/v3/index.json"
}

do_start() {
  mkdir -p "$STATE"
  start_redis; start_registry; start_s3; start_azurite; start_nuget_mirror
  cat >"$STATE/env.sh" <<EOF
export REDIS_PORT="$REDIS_PORT" REDIS_PASSWORD="$REDIS_PASSWORD" REDIS_CONNECTION="127.0.0.1:$REDIS_PORT,password=$REDIS_PASSWORD"
export REGISTRY_URL="https://127.0.0.1:$REGISTRY_PORT" REGISTRY_USER="$REGISTRY_USER" REGISTRY_PASSWORD="$REGISTRY_PASSWORD" REGISTRY_CA="$STATE/certs/ca.crt"
export S3_SERVICE_URL="http://127.0.0.1:$S3_PORT" S3_BUCKET="$S3_BUCKET" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;"
export NUGET_MIRROR_URL="http://127.0.0.1:$NUGET_MIRROR_PORT/v3/index.json" NUGET_MIRROR_CONFIG="$STATE/nuget.mirror.config" NUGET_MIRROR_ACCESS_LOG="$STATE/nuget-access.log" NUGET_MIRROR_FEED="$STATE/nuget-feed"
EOF
  log "all up; source $STATE/env.sh"
}

do_stop() {
  local name pid n
  for name in nginx azurite s3rver registry redis; do
    [ -f "$STATE/$name.pid" ] || continue
    pid=$(cat "$STATE/$name.pid")
    # guard against a recycled PID: the process must still be the server we started
    if alive "$pid" && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE "$(cmd_pattern "$name")"; then
      log "$name: pid $pid is now something else; not killing"; rm -f "$STATE/$name.pid"; continue
    fi
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for n in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then log "$name (pid $pid) ignored TERM; KILL"; kill -KILL "$pid" 2>/dev/null || true; fi
      log "$name stopped (pid $pid)"
    fi
    rm -f "$STATE/$name.pid"
  done
}

cmd_pattern() {
  case $1 in
    redis) echo 'redis-server' ;; registry) echo 'docker-registry' ;; s3rver) echo 's3rver' ;;
    azurite) echo 'azurite' ;; nginx) echo 'nginx' ;;
  esac
}

do_status() {
  local name pid
  for name in redis registry s3rver azurite nginx; do
    pid=$(cat "$STATE/$name.pid" 2>/dev/null || echo -)
    if [ "$pid" != - ] && alive "$pid"; then echo "$name running pid $pid"; else echo "$name not running"; fi
  done
}

case "${1:-}" in
  install) do_install ;;
  start)   do_start ;;
  stop)    do_stop ;;
  status)  do_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
