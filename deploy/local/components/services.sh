# The six GridGov services: each an API under gunicorn (gthread) and a worker process
# (outbox relay + Kafka consumers).
# shellcheck shell=bash

SERVICES=(identity grid_registry event_intake patrol_tracking survey scoring)

svc_var() { local up; up="$(echo "$1" | tr '[:lower:]' '[:upper:]')"; eval "echo \"\${${up}_$2}\""; }

field_keys_file() { echo "$INFRA/secrets/field-keys.env"; }

field_keys_ensure() {
  # grid_registry's field keys (ADR 13): made once per clone, into .infra (git-ignored, never
  # committed), and kept, since the personal data stored under them cannot be read without
  # them; `make reset` deletes them with that data. Key ids are local-*; a rotation puts a new
  # key in front (see services/grid_registry/README.md).
  local file dir; file="$(field_keys_file)"; dir="$(dirname "$file")"
  [ -s "$file" ] && return 0
  mkdir -p "$dir" && chmod 700 "$dir"
  (
    umask 077
    printf 'GRIDGOV_FIELD_KEYS=local-1:%s\nGRIDGOV_FIELD_HMAC_KEYS=local-mac-1:%s\n' \
      "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" \
      "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$file.tmp"
  )
  mv "$file.tmp" "$file"
  say "grid_registry: field keys generated into $file (keep them with the data)"
}

field_key() { sed -n "s/^$1=//p" "$(field_keys_file)"; }

service_env() {
  # Everything a service reads, exported for one process.
  local svc="$1"
  export GRIDGOV_SERVICE="$svc"
  export GRIDGOV_ENV=dev
  export GRIDGOV_JWT_LEEWAY_SECONDS="${JWT_LEEWAY_SECONDS:-5}"
  export GRIDGOV_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
  export GRIDGOV_MONGO_URI="mongodb://127.0.0.1:$FERRETDB_PORT"
  export GRIDGOV_MONGO_DB="gridgov_$svc"
  # The PostgreSQL database behind FerretDB, for GIN indexes FerretDB cannot create itself.
  export GRIDGOV_MONGO_POSTGRES_URL="postgresql://gridgov@127.0.0.1:$POSTGRES_PORT/ferretdb"
  export GRIDGOV_KEYCLOAK_URL="http://127.0.0.1:$KEYCLOAK_PORT"
  export GRIDGOV_KEYCLOAK_REALM=gridgov
  # identity's Keycloak service account; the same value the realm import got (see .env.example).
  export GRIDGOV_IDENTITY_CLIENT_SECRET="${GRIDGOV_IDENTITY_CLIENT_SECRET:-gridgov-identity-local-secret}"
  export GRIDGOV_HTTP_PORT; GRIDGOV_HTTP_PORT="$(svc_var "$svc" PORT)"
  export GRIDGOV_WORKER_METRICS_PORT; GRIDGOV_WORKER_METRICS_PORT="$(svc_var "$svc" WORKER_METRICS_PORT)"
  export GRIDGOV_HTTP_BIND="127.0.0.1:$GRIDGOV_HTTP_PORT"
  export GRIDGOV_HTTP_WORKERS="$GUNICORN_WORKERS" GRIDGOV_HTTP_THREADS="$GUNICORN_THREADS"
  # Browsers and phones come through the gateway (127.0.0.1:$GATEWAY_PORT), one proxy hop: its
  # X-Forwarded-For names the caller the public routes' rate limit counts, its
  # X-Forwarded-Prefix the /api/<service> a Location must keep. The services' own ports are
  # on loopback only.
  export GRIDGOV_PROXY_HOPS="${GRIDGOV_PROXY_HOPS:-1}"
  if [ "$svc" = grid_registry ] || [ "$svc" = survey ]; then
    # Keys set in .env or the caller's environment win over the generated ones. survey keeps
    # residents' phones and addresses (sampling frames) under the same local keys.
    field_keys_ensure
    export GRIDGOV_FIELD_KEYS="${GRIDGOV_FIELD_KEYS:-$(field_key GRIDGOV_FIELD_KEYS)}"
    export GRIDGOV_FIELD_HMAC_KEYS="${GRIDGOV_FIELD_HMAC_KEYS:-$(field_key GRIDGOV_FIELD_HMAC_KEYS)}"
  fi
  if [ "$svc" = survey ]; then
    # Residents' one-time links lead through the gateway, as every browser does.
    export GRIDGOV_RESIDENT_BASE_URL="${GRIDGOV_RESIDENT_BASE_URL:-http://127.0.0.1:$GATEWAY_PORT/api/survey}"
  fi
}

services_health() {
  local svc
  for svc in "${SERVICES[@]}"; do
    http_ok "http://127.0.0.1:$(svc_var "$svc" PORT)/healthz" || return 1
  done
}

service_start() {
  local svc="$1" py="$ROOT/.venv/bin"
  [ -x "$py/gunicorn" ] || die "services: $ROOT/.venv is missing, run 'make install' first"
  (
    service_env "$svc"
    cd "$ROOT" || exit 1
    if ! (is_running "$svc-api" && http_ok "http://127.0.0.1:$GRIDGOV_HTTP_PORT/healthz"); then
      stop_bg "$svc-api" 5
      # Multiprocess metrics files from an earlier run would be summed into this one.
      export PROMETHEUS_MULTIPROC_DIR="$INFRA/metrics/$svc"
      rm -rf "$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
      free_port "$svc-api" "$GRIDGOV_HTTP_PORT"
      start_bg "$svc-api" "$py/gunicorn" -c python:shared.metrics.gunicorn_conf "services.$svc.wsgi:app"
    fi
    if ! (is_running "$svc-worker" && http_ok "http://127.0.0.1:$GRIDGOV_WORKER_METRICS_PORT/metrics"); then
      stop_bg "$svc-worker" 5
      unset PROMETHEUS_MULTIPROC_DIR
      free_port "$svc-worker" "$GRIDGOV_WORKER_METRICS_PORT"
      start_bg "$svc-worker" "$py/python" -m "services.$svc.worker"
    fi
  )
}

services_start() {
  local svc
  for svc in "${SERVICES[@]}"; do service_start "$svc"; done
  wait_for services 60 services_health || die "services: not healthy after 60 s, see $INFRA/logs/*-api.log"
}

service_restart() {
  # One service's API and worker, e.g. after changing its code (the others keep running).
  local svc="$1"
  [[ " ${SERVICES[*]} " == *" $svc "* ]] || die "services: unknown service '$svc' (one of: ${SERVICES[*]})"
  local port; port="$(svc_var "$svc" PORT)"
  (
    # Two restarts of one service at once would each start an API, one of them without a pid
    # file: they take turns.
    flock 9
    stop_bg "$svc-worker" 20; stop_bg "$svc-api" 20
    service_start "$svc"
    wait_for "$svc" 60 http_ok "http://127.0.0.1:$port/healthz" \
      || die "$svc: not healthy after 60 s, see $INFRA/logs/$svc-api.log"
  ) 9>"$INFRA/run/$svc.restart.lock"
}

services_stop() {
  local svc
  for svc in "${SERVICES[@]}"; do
    stop_bg "$svc-worker" 20; stop_bg "$svc-api" 20
    free_port "$svc-worker" "$(svc_var "$svc" WORKER_METRICS_PORT)" stop
    free_port "$svc-api" "$(svc_var "$svc" PORT)" stop
  done
}
