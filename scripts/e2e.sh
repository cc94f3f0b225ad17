#!/usr/bin/env bash
# End-to-end tests of the desktop app: the real Tauri app (two instances), driven through
# tauri-driver + WebKitWebDriver under a virtual X display, against a real server started by
# the test. Installs tauri-driver if missing; starts Xvfb unless a DISPLAY is set.
# Screenshots go to target/e2e-screenshots (EVENTORY_SCREENSHOTS=docs/screenshots to refresh
# the README's).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver missing: apt-get install webkit2gtk-driver" >&2; exit 1; }
command -v tauri-driver >/dev/null || cargo install --locked tauri-driver --version 2.1.0
[ -f desktop/ui/dist/pkg/eventory_ui.js ] || scripts/build-ui.sh

started_xvfb=""
if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:97
  Xvfb "$DISPLAY" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
  started_xvfb=$!
  sleep 1
fi
cleanup() { [ -n "$started_xvfb" ] && kill "$started_xvfb" 2>/dev/null || true; }
trap cleanup EXIT

# The app embeds desktop/ui/dist when it is compiled: a binary built earlier in the same run
# (seen on a fresh clone in CI) can carry a UI that does not load. Recompile the desktop crate
# so the app under test serves the UI just built.
touch desktop/build.rs
# --workspace: the same feature resolution as `cargo test --workspace`, so nothing else recompiles;
# cargo builds the app binary for the test (CARGO_BIN_EXE_eventory-desktop).
cargo test --workspace --locked --test it e2e:: -- --ignored --test-threads=1 --nocapture
