# Prometheus from Debian's packages, scraping every service (deploy/prometheus/prometheus.yml).
# shellcheck shell=bash

prometheus_install() {
  command -v prometheus >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "prometheus: installing Debian's package"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; } \
      >>"$INFRA/logs/prometheus-install.log" 2>&1 || die "prometheus: apt-get install failed, see $INFRA/logs/prometheus-install.log"
  else
    die "missing prerequisite 'prometheus': sudo apt-get install prometheus"
  fi
}

prometheus_health() { http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }

prometheus_start() {
  prometheus_install
  if is_running prometheus && prometheus_health; then return 0; fi
  mkdir -p "$INFRA/prometheus/data"
  # The scrape config takes ports from the env file; render it once per start.
  envsubst <"$ROOT/deploy/prometheus/prometheus.yml" >"$INFRA/prometheus/prometheus.yml"
  cp "$ROOT/deploy/prometheus/alerts.yml" "$INFRA/prometheus/alerts.yml"
  say "prometheus: starting on 127.0.0.1:$PROMETHEUS_PORT"
  free_port prometheus "$PROMETHEUS_PORT"
  start_bg prometheus prometheus --config.file="$INFRA/prometheus/prometheus.yml" \
    --storage.tsdb.path="$INFRA/prometheus/data" --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT"
  wait_for prometheus 30 prometheus_health || die "prometheus: not ready after 30 s, see $INFRA/logs/prometheus.log"
}

prometheus_stop() { stop_bg prometheus 15; free_port prometheus "$PROMETHEUS_PORT" stop; }
prometheus_url() { echo "http://127.0.0.1:$PROMETHEUS_PORT"; }
