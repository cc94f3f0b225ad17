#!/usr/bin/env bash
# Starts (up) or stops (down) the local test services: Redis, the MongoDB-compatible server and
# the Kafka-compatible broker. `up` leaves running services alone and records which ones it
# started; `down` stops only those.
#   scripts/services.sh up     # prints the env vars to point the server/tests at them
#   scripts/services.sh down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export STATE_DIR=${STATE_DIR:-${TMPDIR:-/tmp}/eventory-services}
mkdir -p "$STATE_DIR"
case "${1:-up}" in
  up)
    rm -f "$STATE_DIR"/{redis,mongo,kafka}.pid
    redis=$("$here/start-redis.sh")
    mongo=$("$here/start-mongo.sh")
    kafka=$("$here/start-kafka.sh")
    echo "export REDIS_URL=$redis MONGODB_URI=$mongo KAFKA_BROKERS=$kafka"
    ;;
  down)
    for svc in redis mongo kafka; do
      pidfile="$STATE_DIR/$svc.pid"
      if [ -f "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
        echo "stopped $svc"
      fi
    done
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
