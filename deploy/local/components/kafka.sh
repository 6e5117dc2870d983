# Kafka 4.x in KRaft combined mode: jars from Maven Central through deploy/local/kafka/pom.xml.
# shellcheck shell=bash

kafka_home() { echo "$CACHE/kafka-$KAFKA_VERSION"; }

kafka_install() {
  local libs; libs="$(kafka_home)/libs"
  if [ -f "$libs/.complete" ]; then return 0; fi
  require mvn "apt-get install maven"
  say "kafka: resolving $KAFKA_VERSION jars from Maven Central"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -B -q -f "$ROOT/deploy/local/kafka/pom.xml" \
    "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$libs" \
    || die "kafka: jar download failed (is Maven Central reachable?)"
  touch "$libs/.complete"
}

kafka_java() { echo "$(newest_jdk 17 25)/bin/java"; }

kafka_configure() {
  local dir="$INFRA/kafka"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  if [ ! -f "$dir/data/meta.properties" ]; then
    say "kafka: formatting storage"
    "$(kafka_java)" -cp "$(kafka_home)/libs/*" kafka.tools.StorageTool format --standalone \
      -t "$("$(kafka_java)" -cp "$(kafka_home)/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)" \
      -c "$dir/server.properties" --ignore-formatted >>"$INFRA/logs/kafka.log" 2>&1 \
      || die "kafka: storage format failed, see $INFRA/logs/kafka.log"
  fi
}

kafka_health() { port_open "$KAFKA_PORT"; }

kafka_start() {
  kafka_install
  if is_running kafka && kafka_health; then return 0; fi
  kafka_configure
  say "kafka: starting on 127.0.0.1:$KAFKA_PORT"
  free_port kafka "$KAFKA_PORT"
  start_bg kafka "$(kafka_java)" "-Xms256m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC \
    -Dlog4j2.formatMsgNoLookups=true -cp "$(kafka_home)/libs/*" kafka.Kafka "$INFRA/kafka/server.properties"
  wait_for kafka 90 kafka_health || die "kafka: not listening after 90 s, see $INFRA/logs/kafka.log"
}

kafka_stop() { stop_bg kafka 30; free_port kafka "$KAFKA_PORT" stop; }
kafka_url() { echo "127.0.0.1:$KAFKA_PORT"; }
