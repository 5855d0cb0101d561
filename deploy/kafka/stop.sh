#!/usr/bin/env bash
# Stops the broker that start.sh started for this KAFKA_PORT / KAFKA_RUN_DIR:
# SIGTERM (controlled shutdown), wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL.
# Idempotent: exits 0 when no broker of ours is running. Settings: see lib.sh.
set -euo pipefail
# shellcheck source=deploy/kafka/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

if ! pid="$(broker_pid)"; then
  rm -f "$KAFKA_PID_FILE"
  echo "kafka: no broker of ours running for $KAFKA_RUN_DIR"
  exit 0
fi

echo "kafka: stopping broker (pid $pid)"
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
  sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
  echo "kafka: still running after ${STOP_TIMEOUT}s, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
fi
# The listener socket closes with the process; make sure the port is free before returning.
for _ in $(seq 1 50); do port_answers "$KAFKA_PORT" || break; sleep 0.1; done
rm -f "$KAFKA_PID_FILE"
echo "kafka: stopped"
