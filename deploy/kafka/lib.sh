# shellcheck shell=bash
# Shared settings for deploy/kafka/start.sh and stop.sh (sourced, not run).
#
#   KAFKA_PORT             PLAINTEXT listener port            (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port     (default KAFKA_PORT + 1)
#   KAFKA_RUN_DIR          config, data, log and pid file     (default deploy/kafka/run for 9092,
#                                                              deploy/kafka/run/port-<KAFKA_PORT> otherwise)
#   KAFKA_START_TIMEOUT    seconds start.sh waits for the broker (default 60)
#   KAFKA_STOP_TIMEOUT     seconds stop.sh waits after SIGTERM before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        JVM heap flags                     (default -Xms128m -Xmx512m)
#   KAFKA_JIT_OPTS         JIT flags (default -XX:TieredStopAtLevel=1: faster start;
#                          set it empty for full C2 when measuring broker throughput)
#   KAFKA_JVM_OPTS         extra JVM flags                    (default none)
#   KAFKA_AUTO_CREATE_TOPICS  auto.create.topics.enable       (default true)

KAFKA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
if [[ -z "${KAFKA_RUN_DIR:-}" ]]; then
  if [[ "$KAFKA_PORT" == 9092 ]]; then
    KAFKA_RUN_DIR="$KAFKA_DIR/run"
  else
    KAFKA_RUN_DIR="$KAFKA_DIR/run/port-$KAFKA_PORT"
  fi
fi
KAFKA_LIB_DIR="$KAFKA_DIR/target/lib"
KAFKA_CONFIG="$KAFKA_RUN_DIR/server.properties"
KAFKA_DATA_DIR="$KAFKA_RUN_DIR/data"
KAFKA_LOG="$KAFKA_RUN_DIR/kafka.log"
KAFKA_PID_FILE="$KAFKA_RUN_DIR/kafka.pid"

# True when something accepts TCP connections on 127.0.0.1:$1.
port_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# True when $1 is a live pid running kafka.Kafka with this run dir's server.properties
# (guards against a stale pid file whose pid was reused by something else).
is_our_broker() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"kafka.Kafka $KAFKA_CONFIG"* ]]
}

# Prints the pid of this run dir's broker, from the pid file or, failing that, /proc.
broker_pid() {
  local pid=""
  [[ -f "$KAFKA_PID_FILE" ]] && pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null)"
  if is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  local d
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    if is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}
