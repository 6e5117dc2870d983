# FerretDB 1.24 (MongoDB wire protocol) over the local PostgreSQL (components/postgres.sh), built
# from the Go module proxy.
# shellcheck shell=bash

ferretdb_bin() { echo "$CACHE/ferretdb-$FERRETDB_VERSION/ferretdb"; }

ferretdb_install() {
  local bin build; bin="$(ferretdb_bin)"
  [ -x "$bin" ] && return 0
  require go "install Go from https://go.dev/dl or apt-get install golang"
  say "ferretdb: building $FERRETDB_VERSION (go build, a few minutes the first time)"
  # `go install pkg@version` fails here (the proxy refuses the module's deprecation lookup) and a
  # module-cache build panics at start without build/version/version.txt, which FerretDB's own
  # release tooling generates. So: fetch the exact module, copy it, write that file, build.
  build="$CACHE/ferretdb-$FERRETDB_VERSION/src"
  (
    # `&&` throughout: `set -e` is ignored in a subshell whose status is tested with `||`.
    src="$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" &&
      [ -d "$src" ] && rm -rf "$build" && mkdir -p "$(dirname "$build")" &&
      cp -r "$src" "$build" && chmod -R u+w "$build" &&
      echo "$FERRETDB_VERSION" >"$build/build/version/version.txt" &&
      cd "$build" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" ./cmd/ferretdb &&
      mv "$bin.tmp" "$bin"
  ) >>"$INFRA/logs/ferretdb-build.log" 2>&1 || die "ferretdb: build failed, see $INFRA/logs/ferretdb-build.log"
}

ferretdb_health() { port_open "$FERRETDB_PORT"; }

ferretdb_start() {
  ferretdb_install
  # FerretDB connects to PostgreSQL lazily: start (or just check) the store first.
  postgres_start
  if is_running ferretdb && ferretdb_health; then return 0; fi
  mkdir -p "$INFRA/ferretdb/state"
  say "ferretdb: starting on 127.0.0.1:$FERRETDB_PORT"
  # pool_max_conns=150 (default 50): an update command holding more operations than the pool
  # wedges FerretDB, and the server allows 200 connections. Batches of 1000 documents per insert
  # transaction instead of 100. Never --test-enable-nested-pushdown: it returns wrong results.
  free_port ferretdb "$FERRETDB_PORT"
  start_bg ferretdb "$(ferretdb_bin)" --handler=postgresql \
    --postgresql-url="postgres://gridgov@127.0.0.1:$POSTGRES_PORT/ferretdb?pool_max_conns=150" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --state-dir="$INFRA/ferretdb/state" \
    --debug-addr=- --telemetry=disable --test-batch-size=1000 --log-level=warn
  wait_for ferretdb 30 ferretdb_health || die "ferretdb: not listening after 30 s, see $INFRA/logs/ferretdb.log"
}

ferretdb_stop() { stop_bg ferretdb 15; free_port ferretdb "$FERRETDB_PORT" stop; }
ferretdb_url() { echo "mongodb://127.0.0.1:$FERRETDB_PORT"; }
