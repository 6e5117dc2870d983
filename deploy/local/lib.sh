# Shared helpers for the local stack scripts. Sourced, never executed.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

load_env() {
  # .env.example, then .env, then whatever the caller exported wins. (Restoring `export -p`
  # output here would not do: `declare` inside a function makes locals.)
  local file line key
  local -A exported=()
  for key in $(compgen -e); do exported[$key]=1; done
  for file in "$ROOT/.env.example" "$ROOT/.env"; do
    [ -f "$file" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      line="${line%%#*}"
      line="${line%"${line##*[![:space:]]}"}"
      [ -n "$line" ] || continue
      key="${line%%=*}"
      [ -z "${exported[$key]:-}" ] || continue
      export "$key=${line#*=}"
    done <"$file"
  done
  INFRA="$ROOT/${GRIDGOV_INFRA_DIR:-.infra}"
  CACHE="${GRIDGOV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gridgov}"
  mkdir -p "$INFRA/run" "$INFRA/logs" "$CACHE"
  export INFRA CACHE
}

say() { printf '\033[1m[gridgov]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[gridgov] %s\033[0m\n' "$*" >&2; exit 1; }

require() {
  # require <command> <how to get it>
  command -v "$1" >/dev/null 2>&1 || die "missing prerequisite '$1': $2"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_of() { cat "$INFRA/run/$1.pid" 2>/dev/null || true; }

pid_alive() {
  # pid_alive <pid>: kill -0 also succeeds for a zombie, and a container's init may take a while
  # to reap the servers it inherited (they are all orphans: setsid, pg_ctl).
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

is_running() { pid_alive "$(pid_of "$1")"; }

start_bg() {
  # start_bg <name> <command...>: detached, own process group, output to .infra/logs/<name>.log
  local name="$1"; shift
  # fd 9 is a caller's lock (service_restart's flock): the server must not hold it for life.
  setsid "$@" >>"$INFRA/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$INFRA/run/$name.pid"
}

stop_bg() {
  # stop_bg <name> [seconds]: SIGTERM the process group, SIGKILL after a grace period.
  local name="$1" grace="${2:-20}" pid i
  pid="$(pid_of "$name")"
  if pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < grace * 5; i++)); do
      pid_alive "$pid" || break
      sleep 0.2
    done
    pid_alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null
  fi
  rm -f "$INFRA/run/$name.pid"
}

port_listeners() {
  # port_listeners <port>: the pids listening on 127.0.0.1:<port>, whoever started them.
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

ours() {
  # ours <pid>: the process runs something of this checkout (its command line names $ROOT).
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$ROOT/"
}

free_port() {
  # free_port <what> <port> [stop]: before <what> starts on <port>, stop what of this checkout
  # still listens there (an orphan whose pid file was lost, e.g. to two restarts at once: it
  # would answer every health check while the new process failed to bind). Something else on
  # the port is an error (another checkout's stack, say), never taken for ours; with "stop"
  # (make down) it is left alone.
  local what="$1" port="$2" mode="${3:-start}" pid i left
  for pid in $(port_listeners "$port"); do
    if ours "$pid"; then
      say "$what: stopping pid $pid, left listening on port $port"
      kill -TERM "$pid" 2>/dev/null
    elif [ "$mode" != stop ]; then
      die "$what: port $port is taken by pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100)), not by this checkout"
    fi
  done
  for ((i = 0; i < 75; i++)); do
    left=""
    for pid in $(port_listeners "$port"); do ours "$pid" && left="$left $pid"; done
    [ -z "$left" ] && break
    sleep 0.2
  done
  for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
  if [ "$mode" != stop ] && port_open "$port" && [ -z "$(port_listeners "$port")" ]; then
    die "$what: port $port is in use by a process this user cannot see"
  fi
  return 0
}

wait_for() {
  # wait_for <what> <seconds> <command...>: poll until the command succeeds (<what> is for the
  # reader of the call).
  local seconds="$2" i; shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

http_ok() { curl -fs -m 3 -o /dev/null "$1"; }

newest_jdk() {
  # The newest JDK under /usr/lib/jvm whose major version is within [min, max].
  local min="$1" max="$2" best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    [ -x "$d/bin/java" ] || continue
    v="$("$d/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
    [ -n "$v" ] || continue
    if [ "$v" -ge "$min" ] && [ "$v" -le "$max" ] && [ "$v" -gt "$best_v" ]; then
      best="${d%/}"; best_v="$v"
    fi
  done
  [ -n "$best" ] || die "missing prerequisite: a JDK ${min}–${max} under /usr/lib/jvm (apt-get install openjdk-17-jre-headless)"
  echo "$best"
}
