#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft, combined broker+controller) from
# Kafka's own jars fetched with Maven, on 127.0.0.1:${KAFKA_PORT:-9092}.
# Idempotent: exits 0 at once ("reusing") when the port already answers.
# Exit 0 once the broker is up, 1 (with the log tail) when it fails or times out.
# Settings: see lib.sh.
set -euo pipefail
# shellcheck source=deploy/kafka/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
mkdir -p "$KAFKA_RUN_DIR"

# One start at a time per run dir (parallel test processes may race here).
exec 9>"$KAFKA_RUN_DIR/.start.lock"
if ! flock -w "$((START_TIMEOUT + 300))" 9; then
  echo "kafka: another start.sh holds $KAFKA_RUN_DIR/.start.lock" >&2
  exit 1
fi

if port_answers "$KAFKA_PORT"; then
  echo "kafka: reusing broker on $KAFKA_HOST:$KAFKA_PORT"
  exit 0
fi

log_tail() {
  echo "---- last lines of $KAFKA_LOG ----" >&2
  tail -n 60 "$KAFKA_LOG" >&2 2>/dev/null || true
}

# Waits until the broker's port answers and it logged "Kafka Server started" past byte $2.
wait_ready() {
  local pid="$1" offset="$2" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! is_our_broker "$pid"; then # (a zombie has no cmdline, so this also sees an unreaped exit)
      echo "kafka: broker (pid $pid) exited during startup" >&2
      log_tail
      return 1
    fi
    if port_answers "$KAFKA_PORT" &&
      tail -c "+$((offset + 1))" "$KAFKA_LOG" 2>/dev/null | grep -q "Kafka Server started"; then
      return 0
    fi
    sleep 0.25
  done
  echo "kafka: broker (pid $pid) not ready on $KAFKA_HOST:$KAFKA_PORT after ${START_TIMEOUT}s" >&2
  log_tail
  return 1
}

# A broker of ours that is still starting (or whose port is busy elsewhere): wait for it.
if pid="$(broker_pid)"; then
  echo "kafka: broker already starting (pid $pid), waiting"
  wait_ready "$pid" 0 || exit 1
  echo "kafka: broker up on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
  exit 0
fi

if port_answers "$KAFKA_CONTROLLER_PORT"; then
  echo "kafka: controller port $KAFKA_CONTROLLER_PORT is taken by something else; set KAFKA_CONTROLLER_PORT" >&2
  exit 1
fi

# --- jars -------------------------------------------------------------------
# Brokers on other ports share target/lib: one fetch at a time (lock on fd 8).
mkdir -p "$KAFKA_DIR/target"
exec 8>"$KAFKA_DIR/target/.fetch.lock"
flock -w 600 8 || { echo "kafka: another start.sh is fetching jars" >&2; exit 1; }
stamp="$KAFKA_DIR/target/lib.stamp"
if [[ ! -f "$stamp" || "$KAFKA_DIR/pom.xml" -nt "$stamp" ]] || ! compgen -G "$KAFKA_LIB_DIR/kafka_2.13-*.jar" >/dev/null; then
  command -v mvn >/dev/null || { echo "kafka: mvn not found (needs Maven 3 and Java 17+)" >&2; exit 1; }
  echo "kafka: fetching broker jars with Maven"
  rm -rf "$KAFKA_LIB_DIR" "$stamp"
  # Offline first (fast when ~/.m2 already has them), then online.
  mvn_log="$KAFKA_DIR/target/mvn.log"
  if ! mvn -B -q -o -Dstyle.color=never -f "$KAFKA_DIR/pom.xml" package >"$mvn_log" 2>&1 &&
    ! mvn -B -q -Dstyle.color=never -f "$KAFKA_DIR/pom.xml" package >"$mvn_log" 2>&1; then
    echo "kafka: Maven could not fetch the broker jars:" >&2
    tail -n 40 "$mvn_log" >&2
    exit 1
  fi
  touch "$stamp"
fi
exec 8>&-
CP="$KAFKA_LIB_DIR/*"

# --- config -----------------------------------------------------------------
mkdir -p "$KAFKA_DATA_DIR"
cat >"$KAFKA_CONFIG" <<PROPS
# Written by deploy/kafka/start.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$KAFKA_DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=${KAFKA_AUTO_CREATE_TOPICS:-true}
delete.topic.enable=true

# Single node: internal topics with one replica, few partitions (fast first group join).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Faster unfencing at start (the broker is unfenced on a heartbeat; default 2000).
broker.heartbeat.interval.ms=500

# Small machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
PROPS

JAVA_OPTS=(
  ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  # C1 only: starts in about half the time on 2 cores (C2 threads compete with startup);
  # KAFKA_JIT_OPTS= (empty) restores full tiered compilation, e.g. for throughput runs.
  ${KAFKA_JIT_OPTS--XX:TieredStopAtLevel=1}
  -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties"
  "-Dkafka.logs.dir=$KAFKA_RUN_DIR"
  ${KAFKA_JVM_OPTS:-}
)

# --- format storage once ----------------------------------------------------
if [[ ! -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
  cluster_id_file="$KAFKA_RUN_DIR/cluster.id"
  if [[ ! -s "$cluster_id_file" ]]; then
    java -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$CP" kafka.tools.StorageTool random-uuid |
      tail -n 1 | tr -d '[:space:]' >"$cluster_id_file"
  fi
  echo "kafka: formatting $KAFKA_DATA_DIR (cluster id $(cat "$cluster_id_file"))"
  if ! java -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$CP" kafka.tools.StorageTool \
    format --ignore-formatted -t "$(cat "$cluster_id_file")" -c "$KAFKA_CONFIG" >>"$KAFKA_LOG" 2>&1; then
    echo "kafka: storage format failed" >&2
    log_tail
    exit 1
  fi
fi

# --- start ------------------------------------------------------------------
# Keep the log bounded: start afresh past 50 MB.
if [[ -f "$KAFKA_LOG" ]] && (($(stat -c %s "$KAFKA_LOG") > 50 * 1024 * 1024)); then
  mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
fi
touch "$KAFKA_LOG"
offset="$(stat -c %s "$KAFKA_LOG")"
echo "==== $(date -u +%FT%TZ) start.sh: starting broker on $KAFKA_HOST:$KAFKA_PORT ====" >>"$KAFKA_LOG"

# setsid + all three fds redirected: the broker outlives this script and holds no pipe
# of whoever ran it (a Node child_process would otherwise wait for it to exit); every
# other inherited fd is closed too, above all fd 9 (the start lock), which the broker
# would otherwise hold for its lifetime.
rm -f "$KAFKA_PID_FILE"
setsid bash -c '
  for fd in /proc/$$/fd/*; do n=${fd##*/}; if ((n > 2)); then eval "exec $n>&-"; fi; done 2>/dev/null
  echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PID_FILE" \
  java "${JAVA_OPTS[@]}" -cp "$CP" kafka.Kafka "$KAFKA_CONFIG" \
  </dev/null >>"$KAFKA_LOG" 2>&1 &
for _ in $(seq 1 40); do [[ -s "$KAFKA_PID_FILE" ]] && break; sleep 0.05; done
pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)"
[[ -n "$pid" ]] || { echo "kafka: broker did not start" >&2; log_tail; exit 1; }

if wait_ready "$pid" "$offset"; then
  echo "kafka: broker up on $KAFKA_HOST:$KAFKA_PORT (pid $pid, log $KAFKA_LOG)"
  exit 0
fi
kill -KILL "$pid" 2>/dev/null || true
rm -f "$KAFKA_PID_FILE"
exit 1
