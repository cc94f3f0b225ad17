#!/usr/bin/env bash
# Starts a MongoDB-wire-compatible server (PyPI secantusdb, in memory) on
# 127.0.0.1:${MONGO_PORT:-27017} unless something already answers there.
# Prints the connection string. Writes the pid to $STATE_DIR/mongo.pid when it starts one.
# Used by .ci/run and by developers without a real MongoDB; production uses MongoDB itself
# (see docker-compose.yml).
set -euo pipefail
port=${MONGO_PORT:-27017}
venv=${SERVICES_VENV:-$HOME/.cache/eventory-services/venv}
state=${STATE_DIR:-${TMPDIR:-/tmp}/eventory-services}
mkdir -p "$state"
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "mongodb://127.0.0.1:$port"; exit 0; fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/secantusd-py" ] || "$venv/bin/pip" install -q secantusdb==0.7.0b3
nohup "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path :memory: >"$state/mongo-$port.log" 2>&1 &
echo $! >"$state/mongo.pid"
for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { echo "mongodb://127.0.0.1:$port"; exit 0; }; sleep 0.1; done
echo "MongoDB-compatible server did not start; see $state/mongo-$port.log" >&2; exit 1
