# PostgreSQL from Debian's packages: a cluster of this clone's own under .infra/postgres, the store
# behind FerretDB (its PostgreSQL backend filters top-level equalities in SQL and can use GIN
# indexes; the SQLite backend reads every document of a collection).
# shellcheck shell=bash

postgres_home() {
  # Where the cluster lives: .infra/postgres, unless we are root and the `postgres` user, which
  # runs the server, cannot get there (the clone sits below a folder closed to others, like
  # /root or a `mktemp -d` folder). Then it lives in a folder of that user's own, named by a
  # random id kept in .infra/postgres/cluster-id, so deleting .infra still means a new cluster.
  # Only `postgres_home create` (at start) makes that folder; status and stop just read.
  local inside="$INFRA/postgres" id
  id="$(cat "$inside/cluster-id" 2>/dev/null || true)"
  if [ -n "$id" ]; then echo "/var/lib/gridgov-postgres/$id"; return 0; fi
  if [ "${1:-}" != create ] || [ "$(id -u)" != 0 ] || ! id -u postgres >/dev/null 2>&1; then
    echo "$inside"; return 0
  fi
  mkdir -p "$inside"
  if (cd / && runuser -u postgres -- test -x "$inside") 2>/dev/null; then
    echo "$inside"; return 0
  fi
  postgres_sweep_orphans
  id="$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
  mkdir -p "/var/lib/gridgov-postgres/$id"
  chown postgres: /var/lib/gridgov-postgres "/var/lib/gridgov-postgres/$id"
  echo "$INFRA" >"/var/lib/gridgov-postgres/$id/owner"
  echo "$id" >"$inside/cluster-id"
  echo "/var/lib/gridgov-postgres/$id"
}

postgres_sweep_orphans() {
  # Clusters kept outside clones whose clone is gone (a CI run's temporary folder) are deleted,
  # unless a server still runs in one.
  local dir owner pid
  for dir in /var/lib/gridgov-postgres/*/; do
    [ -d "$dir" ] || continue
    dir="${dir%/}"
    owner="$(cat "$dir/owner" 2>/dev/null || true)"
    if [ -n "$owner" ] && [ "$(cat "$owner/postgres/cluster-id" 2>/dev/null || true)" = "${dir##*/}" ]; then
      continue
    fi
    pid="$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
    if pid_alive "$pid"; then continue; fi
    rm -rf "$dir"
  done
}

postgres_data() { echo "$(postgres_home)/data"; }

postgres_log() {
  # The server's log: in .infra/logs, or beside an outside cluster with a link from .infra/logs.
  if [ "$(postgres_home)" = "$INFRA/postgres" ]; then echo "$INFRA/logs/postgres.log"
  else echo "$(postgres_home)/postgres.log"; fi
}

postgres_forget() {
  # `make reset`: a cluster kept outside the clone goes with it.
  local id; id="$(cat "$INFRA/postgres/cluster-id" 2>/dev/null || true)"
  if [ -n "$id" ] && [ -d "/var/lib/gridgov-postgres/$id" ]; then rm -rf "/var/lib/gridgov-postgres/$id"; fi
}

postgres_bindir() {
  # An existing cluster keeps the major it was created with (a newer major cannot open it);
  # otherwise the newest installed major: Debian puts each one beside the others.
  local d v best="" best_v=0 made
  made="$(cat "$(postgres_data)/PG_VERSION" 2>/dev/null || true)"
  if [ -n "$made" ]; then
    [ -x "/usr/lib/postgresql/$made/bin/postgres" ] && echo "/usr/lib/postgresql/$made/bin"
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ ! -x "$d/postgres" ] || [ ! -x "$d/initdb" ]; then continue; fi
    v="${d#/usr/lib/postgresql/}"; v="${v%/bin}"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  echo "$best"
}

as_postgres() {
  # as_postgres <command...>: PostgreSQL refuses to run as root, so as root its programs run as
  # Debian's `postgres` system user, from a folder it can read (initdb and pg_ctl complain when
  # they cannot return to the caller's, e.g. /root); otherwise as the caller.
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

postgres_install() {
  local made
  made="$(cat "$(postgres_data)/PG_VERSION" 2>/dev/null || true)"
  if [ -z "$(postgres_bindir)" ]; then
    if [ -n "$made" ]; then
      die "postgres: $(postgres_data) was made by PostgreSQL $made, whose server is not installed: apt-get install postgresql-$made (or 'make reset' to start empty)"
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "postgres: installing Debian's package"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } \
        >>"$INFRA/logs/postgres-install.log" 2>&1 || die "postgres: apt-get install failed, see $INFRA/logs/postgres-install.log"
      [ -n "$(postgres_bindir)" ] || die "postgres: no server under /usr/lib/postgresql/*/bin after apt-get install postgresql"
    else
      die "missing prerequisite 'postgresql' (server binaries under /usr/lib/postgresql/*/bin): sudo apt-get install postgresql"
    fi
  fi
  if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
    # The Debian package creates this user; a hand-made installation may not have.
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres \
      || die "postgres: could not create the 'postgres' system user"
  fi
}

postgres_pid() { head -n1 "$(postgres_data)/postmaster.pid" 2>/dev/null || true; }

# Our own postmaster (not just anything answering on the port).
postgres_running() { pid_alive "$(postgres_pid)"; }

postgres_health() {
  local bin; bin="$(postgres_bindir)"
  [ -n "$bin" ] && "$bin/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U gridgov -d postgres -t 3
}

postgres_dirs() {
  # Everything the server writes belongs to its user. logs/ stays root's, so the log file is
  # created here and handed over.
  local dir; dir="$(postgres_home)"
  mkdir -p "$dir/run"
  touch "$(postgres_log)"
  [ "$(postgres_log)" = "$INFRA/logs/postgres.log" ] || ln -sfn "$(postgres_log)" "$INFRA/logs/postgres.log"
  [ "$(id -u)" = 0 ] || return 0
  if [ -n "$(find "$dir" ! -user postgres -print -quit)" ]; then chown -R postgres: "$dir"; fi
  chown postgres: "$(postgres_log)"
  as_postgres test -w "$dir" -a -w "$dir/run" -a -w "$(postgres_log)" \
    || die "postgres: the 'postgres' user cannot reach $dir (a parent folder is closed to other users, e.g. /root or a mktemp -d folder): clone somewhere else, or run as a normal user"
}

postgres_init() {
  # A new cluster: UTF-8, C collation (byte order, the same on every machine, no locale package
  # needed), superuser `gridgov`. initdb works in a side folder so that a failed run leaves
  # nothing that looks like a cluster.
  local data tmp; data="$(postgres_data)"; tmp="$data.init"
  if [ -f "$data/PG_VERSION" ]; then return 0; fi
  if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
    die "postgres: $data is not empty but holds no cluster: move it away or 'make reset'"
  fi
  say "postgres: creating the cluster in $data"
  rm -rf "$tmp" "$data"; mkdir -p "$tmp"; chmod 700 "$tmp"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$tmp"; fi
  as_postgres "$(postgres_bindir)/initdb" -D "$tmp" -E UTF8 --locale=C -U gridgov \
    --auth-local=trust --auth-host=trust >>"$INFRA/logs/postgres.log" 2>&1 \
    || die "postgres: initdb failed, see $INFRA/logs/postgres.log"
  # Trust, but for loopback only (the server also listens on 127.0.0.1 alone).
  cat >"$tmp/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
host    all       all   ::1/128       trust
HBA
  # Our settings live in a file of their own, rewritten at every start from .env.example/.env.
  echo "include_if_exists = 'gridgov.conf'" >>"$tmp/postgresql.conf"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$tmp/pg_hba.conf"; fi
  mv "$tmp" "$data"
}

postgres_configure() {
  local data sockets; data="$(postgres_data)"; sockets="$(postgres_home)/run"
  # A Unix socket path is limited to 107 bytes; a deeply nested clone gets TCP only.
  [ ${#sockets} -le 90 ] || sockets=""
  cat >"$data/gridgov.conf" <<CONF
# Written by deploy/local/components/postgres.sh at every start: edit that file, not this one.
listen_addresses = '127.0.0.1'
port = $POSTGRES_PORT
unix_socket_directories = '$sockets'
# FerretDB's pool (pool_max_conns=150 in its URL) plus psql, index builders and headroom.
max_connections = 200
shared_buffers = 256MB
# Durability stays on: an acknowledged write must survive kill -9 of PostgreSQL or FerretDB.
fsync = on
synchronous_commit = on
full_page_writes = on
# FerretDB rewrites whole documents, so the first change of each page after a checkpoint logs the
# full page: compressed, 2000 updates right after a checkpoint wrote 3.2 MB of WAL instead of
# 12.9 MB. Fewer checkpoints, fewer such pages (replaying 15 minutes of a dev box's WAL after a
# crash takes seconds).
wal_compression = lz4
checkpoint_timeout = 15min
# JIT only starts on plans above jit_above_cost (scans of ~1.5 million documents): at 2 million it
# spent ~40 ms compiling and scanned no faster.
jit = off
# Logs go to stderr, which pg_ctl appends to .infra/logs/postgres.log. Unique violations are
# normal here (leases, counters): log the error, not the statement with its document, and slow
# statements without their parameters (documents hold personal data).
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_error_statement = fatal
log_min_duration_statement = 1000
log_parameter_max_length = 0
CONF
  if [ "$(id -u)" = 0 ]; then chown postgres: "$data/gridgov.conf"; fi
}

postgres_setup_db() {
  # The database FerretDB keeps everything in. Its filters are prepared as `_jsonb->$1 @> $2`, the
  # field name a parameter too: only a custom plan sees the name and can match a GIN expression
  # index on `_jsonb->'field'`. Both statements are idempotent.
  "$(postgres_bindir)/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U gridgov -d postgres -X -q -v ON_ERROR_STOP=1 <<'SQL' \
    >>"$INFRA/logs/postgres.log" 2>&1 || die "postgres: creating database ferretdb failed, see $INFRA/logs/postgres.log"
SELECT 'CREATE DATABASE ferretdb OWNER gridgov' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ferretdb')\gexec
ALTER DATABASE ferretdb SET plan_cache_mode = force_custom_plan;
SQL
}

postgres_start() {
  postgres_install
  postgres_home create >/dev/null
  if postgres_running && postgres_health; then postgres_setup_db; return 0; fi
  postgres_running || ! postgres_health \
    || die "postgres: something else answers on 127.0.0.1:$POSTGRES_PORT: set POSTGRES_PORT in .env"
  postgres_dirs
  postgres_init
  postgres_configure
  say "postgres: starting on 127.0.0.1:$POSTGRES_PORT"
  # After a kill -9 the old postmaster may linger as a zombie (postgres then takes its lock files
  # for a live server's) and its children take a moment to notice and exit (until then a new
  # postmaster refuses their shared memory, an interlock that does not depend on the lock files).
  # Dead is dead: drop its lock files, and try a few times.
  local i
  for ((i = 1; i <= 10; i++)); do
    postgres_running || rm -f "$(postgres_data)/postmaster.pid" "$(postgres_home)/run/.s.PGSQL.$POSTGRES_PORT.lock"
    # shellcheck disable=SC2094 # pg_ctl's messages and the server's both append to one log
    as_postgres "$(postgres_bindir)/pg_ctl" start -w -t 30 -D "$(postgres_data)" -l "$(postgres_log)" \
      >>"$INFRA/logs/postgres.log" 2>&1 && break
    postgres_running && break # still replaying the WAL after a crash: the wait below covers it
    sleep 1
  done
  wait_for postgres 30 postgres_health || die "postgres: not ready after 30 s, see $INFRA/logs/postgres.log"
  postgres_setup_db
}

postgres_stop() {
  local pid i; pid="$(postgres_pid)"
  pid_alive "$pid" || return 0
  # Fast: roll back open transactions, checkpoint, exit. Immediate (SIGQUIT) then SIGKILL only
  # if that hangs; both are crash-safe, the next start replays the WAL.
  as_postgres "$(postgres_bindir)/pg_ctl" stop -D "$(postgres_data)" -m fast -t 30 >/dev/null 2>&1 && return 0
  kill -QUIT "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do pid_alive "$pid" || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

postgres_url() { echo "postgresql://gridgov@127.0.0.1:$POSTGRES_PORT/ferretdb"; }
