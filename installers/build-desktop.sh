#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri bundler, then checks it for real:
# installs it with dpkg (apt resolves its dependencies), starts the installed binary under a
# virtual display and looks for its window, and removes the package again (unless --keep).
#   installers/build-desktop.sh [--keep]
# The same configuration (desktop/tauri.conf.json "bundle") produces an AppImage, MSI/NSIS and
# DMG on the platforms' own CI: `cargo tauri build --bundles appimage|msi|nsis|dmg`. (The
# AppImage bundler downloads linuxdeploy from GitHub, which this build machine cannot reach.)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=""; [ "${1:-}" = "--keep" ] && keep=1

# Thin LTO for the package build: the workspace's fat-LTO release profile is for benchmarks and
# takes far longer on a small build machine for no measurable gain in a GUI.
export CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

if ! command -v cargo-tauri >/dev/null; then
  cargo install tauri-cli --version 2.12.4 --locked || cargo install tauri-cli --version 2.12.4
fi
scripts/build-ui.sh --release
(cd desktop && cargo tauri build --bundles deb)

deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
echo "==> built $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '1,/Description/p'
dpkg-deb --contents "$deb" | awk '{print $6}' | grep -E 'bin/|\.desktop|systemd|icons/hicolor/128' 

echo "==> installing"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "./$deb" >/dev/null
package=$(dpkg-deb --field "$deb" Package)
dpkg -s "$package" | grep -E '^(Status|Version)'
command -v eventory-desktop

echo "==> starting the installed app under Xvfb"
display=:93
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
profile=$(mktemp -d)
DISPLAY=$display eventory-desktop run --config-dir "$profile" >"$profile/app.log" 2>&1 &
app=$!
found=""
for _ in $(seq 1 30); do
  if DISPLAY=$display xwininfo -root -tree 2>/dev/null | grep -q '"Eventory"'; then found=1; break; fi
  sleep 1
done
sleep 2
mkdir -p target/installers
DISPLAY=$display import -window root target/installers/desktop-installed.png 2>/dev/null || true
kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true
kill "$xvfb" 2>/dev/null || true
if [ -z "$found" ]; then
  echo "the installed app opened no window; its log:" >&2
  cat "$profile/app.log" >&2
  exit 1
fi
echo "window \"Eventory\" is up (screenshot: target/installers/desktop-installed.png)"

if [ -z "$keep" ]; then
  $SUDO dpkg -r "$package" >/dev/null
  echo "==> removed $package again"
fi
echo "OK: $deb installs and starts"
