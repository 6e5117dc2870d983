#!/usr/bin/env bash
# The GridGov local stack without Docker: PostgreSQL, FerretDB, Kafka, Keycloak, Prometheus, the
# six services and the gateway in front of them on 127.0.0.1. Idempotent: a second `up`
# downloads nothing and starts only what is down.
#
#   stack.sh up [component...]     install what is missing, start what is down, wait for health
#   stack.sh down [component...]   stop (gateway, services, then infrastructure)
#   stack.sh restart <service>     restart one service's API and worker (after a code change)
#   stack.sh status                one line per component: name, URL, state
#   stack.sh logs [component]      tail the logs
#   stack.sh install               download and build the servers only
#   stack.sh reset                 stop everything and delete all state (downloads stay)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
for f in "$here"/components/*.sh; do
  # shellcheck disable=SC1090
  source "$f"
done
load_env
require curl "apt-get install curl"

# In start order: FerretDB stores everything in PostgreSQL.
INFRA_COMPONENTS=(postgres ferretdb kafka keycloak prometheus)

component_url() {
  case "$1" in
    services) echo "http://127.0.0.1:$IDENTITY_PORT .. :$SCORING_PORT" ;;
    *) "${1}_url" ;;
  esac
}

cmd_up() {
  local wanted=("$@") c
  [ ${#wanted[@]} -gt 0 ] || wanted=("${INFRA_COMPONENTS[@]}" topics services gateway seed)
  for c in "${wanted[@]}"; do
    case "$c" in
      topics) "$ROOT/.venv/bin/python" -m shared.kafka.admin --bootstrap "127.0.0.1:$KAFKA_PORT" ;;
      # Not in the default list: run once on a stack whose ledger is in its first format
      # (`stack.sh up ledger`, docs/operations.md).
      ledger) "$ROOT/.venv/bin/python" -m services.scoring.rebuild --first-format ;;
      seed) "$ROOT/.venv/bin/python" -m deploy.local.seed ;;
      *) "${c}_start" ;;
    esac
  done
  cmd_status
}

cmd_down() {
  local wanted=("$@") c
  [ ${#wanted[@]} -gt 0 ] || wanted=(gateway services prometheus keycloak kafka ferretdb postgres)
  for c in "${wanted[@]}"; do say "$c: stopping"; "${c}_stop"; done
}

worker_state() {
  # worker_state <metrics url>: up, down, or stopped when a consumer stopped itself (it stays up
  # serving metrics with gridgov_consumer_stopped{reason=...} 1: docs/operations.md).
  local body reason
  body="$(curl -fs -m 3 "$1")" || { echo down; return; }
  reason="$(sed -n 's/^gridgov_consumer_stopped{.*reason="\([^"]*\)".*} 1\(\.0\)\{0,1\}$/\1/p' <<<"$body" | head -n1)"
  case "$reason" in
    "") echo up ;;
    dlq_limit) echo "stopped: DLQ limit" ;;
    *) echo "stopped: $reason" ;;
  esac
}

cmd_status() {
  local c state svc
  for c in "${INFRA_COMPONENTS[@]}"; do
    if "${c}_health"; then state=up; else state=down; fi
    printf '%-22s %-44s %s\n' "$c" "$(component_url "$c")" "$state"
  done
  for svc in "${SERVICES[@]}"; do
    if http_ok "http://127.0.0.1:$(svc_var "$svc" PORT)/readyz"; then state=up
    elif http_ok "http://127.0.0.1:$(svc_var "$svc" PORT)/healthz"; then state="up (not ready)"
    else state=down; fi
    printf '%-22s %-44s %s\n' "$svc-api" "http://127.0.0.1:$(svc_var "$svc" PORT)" "$state"
    state="$(worker_state "http://127.0.0.1:$(svc_var "$svc" WORKER_METRICS_PORT)/metrics")"
    printf '%-22s %-44s %s\n' "$svc-worker" "http://127.0.0.1:$(svc_var "$svc" WORKER_METRICS_PORT)/metrics" "$state"
  done
  if gateway_health; then state=up; else state=down; fi
  printf '%-22s %-44s %s\n' gateway "$(gateway_url)" "$state"
}

cmd_logs() {
  if [ $# -gt 0 ]; then tail -n 100 -F "$INFRA/logs/$1"*.log; else tail -n 20 -F "$INFRA"/logs/*.log; fi
}

cmd_reset() {
  cmd_down "$@"
  postgres_forget
  rm -rf "$INFRA"
}

cmd_install() { postgres_install; ferretdb_install; kafka_install; keycloak_install; prometheus_install; gateway_install; }

case "${1:-}" in
  up | down | status | logs | install | reset) c="$1"; shift; "cmd_$c" "$@" ;;
  restart) [ $# -eq 2 ] || { echo "usage: stack.sh restart <service>" >&2; exit 2; }; service_restart "$2" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
