#!/usr/bin/env bash
# Builds the Dioxus UI to wasm32 and runs wasm-bindgen into desktop/ui/dist/pkg, which the
# Tauri app embeds when it is compiled. Installs the wasm32 target and the wasm-bindgen-cli of
# exactly the wasm-bindgen version in Cargo.lock if they are missing.
#   scripts/build-ui.sh            debug build (fast; tests, development)
#   scripts/build-ui.sh --release  optimised build (shipped packages)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_flags=()
if [ "${1:-}" = "--release" ]; then
  profile=release
  cargo_flags=(--release)
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

cargo build -p eventory-ui --target wasm32-unknown-unknown --locked "${cargo_flags[@]}"
rm -rf desktop/ui/dist/pkg
wasm-bindgen --target web --no-typescript --out-dir desktop/ui/dist/pkg \
  "target/wasm32-unknown-unknown/$profile/eventory_ui.wasm"
# Tauri embeds dist/ at compile time: make sure the app picks up the new UI.
touch desktop/build.rs
echo "UI built into desktop/ui/dist/pkg ($profile)"
