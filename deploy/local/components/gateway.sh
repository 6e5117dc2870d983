# The gateway: nginx from Debian's packages, one origin for the console and the phone app on
# 127.0.0.1:$GATEWAY_PORT. /api/<service>/ goes to each API, / to the console's built files
# (deploy/gateway/gateway.conf.template, shared with docker-compose.yml; docs/operations.md).
# shellcheck shell=bash

# Debian installs nginx in /usr/sbin, which a normal user's PATH may lack.
gateway_bin() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

gateway_system_running() { pid_alive "$(cat /run/nginx.pid 2>/dev/null || true)"; }

gateway_install() {
  require envsubst "apt-get install gettext-base"
  [ -n "$(gateway_bin)" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local before=no
    gateway_system_running && before=yes
    say "gateway: installing Debian's nginx"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx; } \
      >>"$INFRA/logs/gateway-install.log" 2>&1 || die "gateway: apt-get install failed, see $INFRA/logs/gateway-install.log"
    [ -n "$(gateway_bin)" ] || die "gateway: no nginx binary after apt-get install nginx"
    # Where services start on install, the package starts the system's own server (port 80,
    # /etc/nginx): the stack runs its own instead, so the one the install started goes again.
    if [ "$before" = no ] && gateway_system_running; then
      if [ -d /run/systemd/system ]; then systemctl disable --now nginx; else "$(gateway_bin)" -s quit; fi \
        >>"$INFRA/logs/gateway-install.log" 2>&1 || say "gateway: could not stop the system's nginx the install started"
    fi
  else
    die "missing prerequisite 'nginx': sudo apt-get install nginx"
  fi
}

gateway_render() {
  # gateway_render <dir>: nginx.conf and gateway.conf into <dir>, everything nginx writes under
  # it (pid, temp files) but its logs (stderr -> .infra/logs/gateway.log, and the access log).
  local dir="$1" svc
  mkdir -p "$dir/tmp"
  (
    export GATEWAY_LISTEN="127.0.0.1:$GATEWAY_PORT"
    export GATEWAY_ACCESS_LOG="$INFRA/logs/gateway-access.log"
    export GATEWAY_CONSOLE_ROOT="$ROOT/console/dist"
    export GATEWAY_KEYCLOAK_ORIGIN="http://127.0.0.1:$KEYCLOAK_PORT"
    # shellcheck disable=SC2016 # the names envsubst may replace, not expansions
    local names='${GATEWAY_LISTEN} ${GATEWAY_ACCESS_LOG} ${GATEWAY_CONSOLE_ROOT} ${GATEWAY_KEYCLOAK_ORIGIN}'
    for svc in "${SERVICES[@]}"; do
      local var; var="GATEWAY_$(echo "$svc" | tr '[:lower:]' '[:upper:]')_UPSTREAM"
      export "$var=127.0.0.1:$(svc_var "$svc" PORT)"
      names+=" \${$var}"
    done
    # Only the GATEWAY_* names: nginx's own $variables must survive.
    envsubst "$names" <"$ROOT/deploy/gateway/gateway.conf.template" >"$dir/gateway.conf"
  )
  {
    echo "# Written by deploy/local/components/gateway.sh at every start: edit that file, not this one."
    # Every process of the local stack runs as its caller; as root, nginx's workers would
    # otherwise be nobody, who cannot read a clone under /root.
    [ "$(id -u)" != 0 ] || echo "user root root;"
    cat <<CONF
daemon off;
worker_processes 2;
pid "$dir/nginx.pid";
error_log stderr warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path "$dir/tmp/client_body";
    proxy_temp_path "$dir/tmp/proxy";
    fastcgi_temp_path "$dir/tmp/fastcgi";
    uwsgi_temp_path "$dir/tmp/uwsgi";
    scgi_temp_path "$dir/tmp/scgi";
    include "$dir/gateway.conf";
}
CONF
  } >"$dir/nginx.conf"
}

# The command that runs nginx on the rendered configuration (-e: its errors before it has read
# the file go to stderr, not to the package's /var/log/nginx).
gateway_command() { GATEWAY_COMMAND=("$(gateway_bin)" -e stderr -p "$INFRA/gateway/" -c "$INFRA/gateway/nginx.conf"); }

gateway_health() { http_ok "http://127.0.0.1:$GATEWAY_PORT/healthz"; }

gateway_config_sum() { cat "$INFRA/gateway/nginx.conf" "$INFRA/gateway/gateway.conf" | md5sum; }

gateway_start() {
  local sum checked
  gateway_install
  gateway_render "$INFRA/gateway"
  gateway_command
  checked="$("${GATEWAY_COMMAND[@]}" -t 2>&1)" || die "gateway: nginx -t rejects $INFRA/gateway/nginx.conf: $checked"
  sum="$(gateway_config_sum)"
  if is_running gateway && gateway_health; then
    # Running: a changed template or service port is taken up without dropping a connection.
    if [ "$sum" != "$(cat "$INFRA/run/gateway.sum" 2>/dev/null || true)" ]; then
      say "gateway: configuration changed, reloading"
      kill -HUP "$(pid_of gateway)"
    fi
  else
    gateway_stop
    say "gateway: starting on 127.0.0.1:$GATEWAY_PORT"
    free_port gateway "$GATEWAY_PORT"
    start_bg gateway "${GATEWAY_COMMAND[@]}"
    wait_for gateway 15 gateway_health || die "gateway: not answering after 15 s, see $INFRA/logs/gateway.log"
  fi
  echo "$sum" >"$INFRA/run/gateway.sum"
}

gateway_gone() { ! pid_alive "$1"; }

gateway_stop() {
  local pid
  stop_bg gateway 15
  # nginx's own pid file outlives a lost .infra/run/gateway.pid; its workers follow the master.
  pid="$(cat "$INFRA/gateway/nginx.pid" 2>/dev/null || true)"
  if pid_alive "$pid" && ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_for gateway 15 gateway_gone "$pid" || kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  free_port gateway "$GATEWAY_PORT" stop
}

gateway_url() { echo "http://127.0.0.1:$GATEWAY_PORT"; }
