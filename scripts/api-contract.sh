#!/usr/bin/env bash
# API contract test: schemathesis, driven by the server's own OpenAPI document, sends generated
# requests (valid and invalid, every operation, then stateful sequences) to an embedded server
# (no Redis, MongoDB or Kafka) and runs every check it has (`--checks all`): each answer's status
# is documented, its body matches the schema, invalid input is rejected, valid input accepted,
# errors are JSON, authentication is not ignored. Any failure fails the script.
#
#   scripts/api-contract.sh                 # ~2 minutes; API_CONTRACT_MAX_TIME=240 for longer
#   API_CONTRACT_SEED=7 scripts/api-contract.sh
#   EVENTORY_SERVER_BIN=path/to/eventory-server scripts/api-contract.sh   # skip the build
#
# schemathesis lives in a venv under $STATE_DIR (created once, reused while the pinned version
# matches). The server gets a free port and a temporary data folder, seeded with the demo data;
# requests carry the demo admin's token (admin may call every operation). The server is stopped
# however the script ends. Reports (JUnit, JSON) go to $API_CONTRACT_REPORTS.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SEED=${API_CONTRACT_SEED:-20260101}
MAX_TIME=${API_CONTRACT_MAX_TIME:-120}
STATE_DIR=${STATE_DIR:-${TMPDIR:-/tmp}/eventory-services}
REPORTS=${API_CONTRACT_REPORTS:-target/api-contract}

venv="$STATE_DIR/schemathesis-$SCHEMATHESIS_VERSION"
if ! "$venv/bin/st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  mkdir -p "$STATE_DIR"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

server=${EVENTORY_SERVER_BIN:-}
if [ -z "$server" ]; then
  # --workspace: the feature resolution of `cargo test --workspace`, so little recompiles.
  cargo build --workspace --locked --bin eventory-server
  target_dir=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  server="$target_dir/debug/eventory-server"
fi

data=$(mktemp -d "${TMPDIR:-/tmp}/eventory-api-contract.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap stop EXIT

# The embedded default: whatever services CI started for the other tests stay out of this.
server_env=(-u REDIS_URL -u MONGODB_URI -u MONGODB_DATABASE -u KAFKA_BROKERS
            EVENTORY_DATA_DIR="$data" EVENTORY_BIND="127.0.0.1:$port" RUST_LOG=warn)

env "${server_env[@]}" "$server" seed-demo >"$data/seed.txt"
admin_password=$(awk '$2 == "admin@eventory.local" { print $3 }' "$data/seed.txt")
[ -n "$admin_password" ] || { echo "seed-demo printed no admin account:" >&2; cat "$data/seed.txt" >&2; exit 1; }

env "${server_env[@]}" "$server" serve >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "the server stopped:" >&2; cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done

token=$(curl -fsS -X POST "$base/api/auth/sign-in" -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@eventory.local\",\"password\":\"$admin_password\"}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

mkdir -p "$REPORTS"
REPORTS=$(cd "$REPORTS" && pwd)
config="$PWD/scripts/api-contract.toml"
echo "schemathesis $SCHEMATHESIS_VERSION against $base: --checks all, seed $SEED, at most ${MAX_TIME}s"
status=0
# From the reports folder, where schemathesis keeps its crash cache (.schemathesis/). One
# worker: with several, hypothesis' shared caches raise internal errors now and then.
(cd "$REPORTS" && exec "$venv/bin/st" --config-file "$config" run "$base/api/openapi.json" \
  --checks all \
  --seed "$SEED" \
  --max-time "$MAX_TIME" \
  --workers 1 \
  --generation-database none \
  --header "Authorization: Bearer $token" \
  --no-color \
  --report junit,json --report-dir "$REPORTS") || status=$?
if [ "$status" -ne 0 ]; then
  echo "API contract: schemathesis found failures (exit $status); server log tail:" >&2
  tail -n 20 "$data/server.log" >&2
fi
exit "$status"
