#!/usr/bin/env bash
# Starts Redis (Debian redis-server, nothing kept on disk) on 127.0.0.1:${REDIS_PORT:-6379}
# unless something already answers there. Prints the URL. Writes the pid to
# $STATE_DIR/redis.pid when it starts one.
set -euo pipefail
port=${REDIS_PORT:-6379}
state=${STATE_DIR:-${TMPDIR:-/tmp}/eventory-services}
mkdir -p "$state"
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "redis://127.0.0.1:$port"; exit 0; fi
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
  --dir "$state" --pidfile "$state/redis.pid" --logfile "$state/redis-$port.log"
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { echo "redis://127.0.0.1:$port"; exit 0; }; sleep 0.1; done
echo "Redis did not start; see $state/redis-$port.log" >&2; exit 1
