#!/usr/bin/env bash
# The console (console/, Vue 3 + Vite): its npm packages as package-lock.json pins them, its build
# into console/dist (which the gateway serves), its lint and its unit tests.
#
#   console.sh build   npm ci when the lockfile changed since the last one, then the build
#                      (make up; a second run with nothing changed builds nothing)
#   console.sh lint    eslint and the type check (make lint)
#   console.sh test    vitest (make test)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
load_env
require npm "Node.js 20 or later with npm (apt-get install nodejs npm)"
cd "$ROOT/console"

packages() {
  # npm writes node_modules/.package-lock.json on every install: older than the lockfile means
  # the lockfile changed since.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "console: npm ci"
    npm ci --no-audit --no-fund --loglevel=error >"$INFRA/logs/console-npm.log" 2>&1 \
      || die "console: npm ci failed, see $INFRA/logs/console-npm.log"
  fi
}

built() {
  # dist is current when nothing it is built from is newer than its index.html.
  [ -f dist/index.html ] || return 1
  [ -z "$(find src public index.html package-lock.json vite.config.ts tsconfig*.json \
    -newer dist/index.html -print -quit 2>/dev/null)" ]
}

case "${1:-}" in
  build)
    packages
    if ! built; then
      say "console: building into console/dist"
      npm run --silent build >"$INFRA/logs/console-build.log" 2>&1 \
        || die "console: the build failed, see $INFRA/logs/console-build.log"
    fi
    ;;
  lint) packages; npm run --silent lint ;;
  test) packages; npm run --silent test ;;
  *) echo "usage: console.sh build|lint|test" >&2; exit 2 ;;
esac
