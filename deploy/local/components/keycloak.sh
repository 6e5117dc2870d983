# Keycloak 26 from Maven Central (keycloak-quarkus-dist tar.gz), dev mode on loopback.
# shellcheck shell=bash

keycloak_dist() { echo "$CACHE/keycloak-$KEYCLOAK_VERSION"; }
keycloak_home() { echo "$INFRA/keycloak/keycloak-$KEYCLOAK_VERSION"; }

keycloak_install() {
  local dist tarball; dist="$(keycloak_dist)"
  if [ ! -x "$dist/bin/kc.sh" ]; then
    require mvn "apt-get install maven"
    tarball="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
    if [ ! -f "$tarball" ]; then
      say "keycloak: fetching $KEYCLOAK_VERSION from Maven Central"
      mvn -B -q "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:get" \
        -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" -Dtransitive=false \
        || die "keycloak: download failed (is Maven Central reachable?)"
    fi
    rm -rf "$dist.tmp"; mkdir -p "$dist.tmp"
    tar -xzf "$tarball" -C "$dist.tmp" && mv "$dist.tmp/keycloak-$KEYCLOAK_VERSION" "$dist" && rm -rf "$dist.tmp"
  fi
  # Each clone gets its own copy: Keycloak writes its build and its data inside its home.
  if [ ! -x "$(keycloak_home)/bin/kc.sh" ]; then
    mkdir -p "$INFRA/keycloak"
    cp -a "$dist" "$(keycloak_home)"
  fi
}

keycloak_health() { http_ok "http://127.0.0.1:$KEYCLOAK_MANAGEMENT_PORT/health/ready"; }

keycloak_realm_sync() {
  local home; home="$(keycloak_home)"
  # The realm is imported only when absent, so a changed realm file means a fresh Keycloak
  # database; users added at run time are lost, and identity's reconciler
  # (python -m services.identity.cli reconcile --repair) disables them in its directory.
  local sum; sum="$(cat "$ROOT"/deploy/keycloak/*.json | sha256sum | cut -d' ' -f1)"
  local before; before="$(cat "$INFRA/keycloak/realm.sha256" 2>/dev/null || true)"
  if [ "$before" != "$sum" ]; then
    stop_bg keycloak 30
    rm -rf "$home/data/h2" "$home/data/import"
    if [ -n "$before" ]; then
      # The demo's organizations and every login created at run time are gone while the
      # services' records of them stay: say so once instead of leaving a silent drift.
      say "deploy/keycloak changed: Keycloak's database is re-created from the realm file."
      say "Logins created at run time and the demo's organizations are gone; for a consistent"
      say "demo run 'make reset && make up' (deletes all local data), or check the drift with"
      say "'python -m services.identity.cli reconcile --tenant demo-town-a demo-town-b'."
    fi
  fi
  mkdir -p "$home/data/import"
  cp "$ROOT"/deploy/keycloak/*.json "$home/data/import/"
  echo "$sum" >"$INFRA/keycloak/realm.sha256"
}

keycloak_start() {
  keycloak_install
  keycloak_realm_sync
  if is_running keycloak && keycloak_health; then return 0; fi
  local home; home="$(keycloak_home)"
  say "keycloak: starting on 127.0.0.1:$KEYCLOAK_PORT (first start builds, about a minute)"
  free_port keycloak "$KEYCLOAK_PORT"
  free_port keycloak "$KEYCLOAK_MANAGEMENT_PORT"
  JAVA_HOME="$(newest_jdk 17 25)" KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" JAVA_OPTS_KC_HEAP="-Xms256m -Xmx768m" \
    start_bg keycloak "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
    --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" --health-enabled=true --metrics-enabled=true \
    --db=dev-file --import-realm --features=organization
  wait_for keycloak 240 keycloak_health || die "keycloak: not ready after 240 s, see $INFRA/logs/keycloak.log"
}

keycloak_stop() {
  stop_bg keycloak 30
  free_port keycloak "$KEYCLOAK_PORT" stop
  free_port keycloak "$KEYCLOAK_MANAGEMENT_PORT" stop
}
keycloak_url() { echo "http://127.0.0.1:$KEYCLOAK_PORT/realms/gridgov"; }
