#!/usr/bin/env bash
# Builds the eventory-server Debian package with cargo-deb and checks it:
#   - the package holds the binary, both systemd units, the env file (as a conffile) and the
#     README;
#   - installed for real (dpkg -i, needs root), the binary runs, the shipped env file is refused
#     until the token secret is set, the units pass `systemd-analyze verify` and are neither
#     enabled nor started, the embedded server answers /health and stops cleanly on SIGTERM;
#   - then the package is removed and purged again.
#
#   installers/build-server-deb.sh               build, inspect, install, check, remove
#   installers/build-server-deb.sh --no-install  build and inspect only (no root needed)
#
# The package lands in target/debian/ (or $CARGO_TARGET_DIR/debian/). Package metadata:
# [package.metadata.deb] in server/Cargo.toml; unit files and env template: installers/server/.
set -euo pipefail

cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0
INSTALL=1
case "${1:-}" in
    "") ;;
    --no-install) INSTALL=0 ;;
    *) echo "usage: $0 [--no-install]" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# --- Tools --------------------------------------------------------------------------------------

step "cargo-deb $CARGO_DEB_VERSION"
if [ "$(cargo deb --version 2>/dev/null || true)" != "cargo-deb $CARGO_DEB_VERSION" ]; then
    # --locked uses the versions cargo-deb was released with; fall back to fresh resolution if
    # one of them is missing from the registry.
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked \
        || cargo install cargo-deb --version "$CARGO_DEB_VERSION"
fi
cargo deb --version
command -v dpkg-deb >/dev/null || fail "dpkg-deb not found (a Debian/Ubuntu machine is needed)"

# librdkafka (built from source by the rdkafka crate) needs a C toolchain, make and zlib.
missing=()
for pkg in build-essential zlib1g-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || fail "missing build packages: ${missing[*]} (apt-get install them)"
    step "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Build --------------------------------------------------------------------------------------

step "cargo deb -p eventory-server"
# The workspace release profile is fat LTO with one codegen unit: right for the benchmarks,
# but the slowest possible build on a small machine. For the package, thin LTO with 16 codegen
# units (a from-scratch build took about 15 minutes on 2 busy cores).
# EVENTORY_DEB_FULL_LTO=1 keeps the workspace profile.
if [ "${EVENTORY_DEB_FULL_LTO:-0}" != 1 ]; then
    export CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
fi
started=$(date +%s)
# cargo-deb prints the path of the package on stdout (cargo's own output goes to stderr).
deb=$(cargo deb -p eventory-server -- --locked | tail -n 1)
echo "built $deb in $(( $(date +%s) - started ))s"
[ -f "$deb" ] || fail "cargo deb did not produce a package"

# --- Inspect ------------------------------------------------------------------------------------

step "dpkg-deb --info"
dpkg-deb --info "$deb"
step "dpkg-deb --contents"
contents=$(dpkg-deb --contents "$deb")
echo "$contents"

unit_dir=
for dir in ./lib/systemd/system ./usr/lib/systemd/system; do
    if grep -q " $dir/eventory-server.service\$" <<<"$contents"; then unit_dir=${dir#.}; fi
done
[ -n "$unit_dir" ] || fail "eventory-server.service is not in the package"
for path in ./usr/bin/eventory-server ".$unit_dir/eventory-server.service" \
    ".$unit_dir/eventory-worker.service" ./etc/eventory/server.env \
    ./usr/share/doc/eventory-server/README.md; do
    grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
grep -E ' \./etc/eventory/server\.env$' <<<"$contents" | grep -q '^-rw-------' \
    || fail "etc/eventory/server.env must be mode 600 (it holds the token secret)"
dpkg-deb --info "$deb" conffiles | grep -qx /etc/eventory/server.env \
    || fail "/etc/eventory/server.env is not a conffile"
# start = false: the maintainer scripts may reload systemd and keep an admin's enable state
# over upgrades, but must not start anything (enable = false is checked after installing).
for script in postinst prerm postrm; do
    text=$(dpkg-deb --info "$deb" "$script" 2>/dev/null || true)
    # shellcheck disable=SC2016 # a literal $_dh_action in the script
    if grep -Eq 'deb-systemd-invoke (\$_dh_action|start|restart)' <<<"$text"; then
        fail "$script starts a unit"
    fi
done
echo "package OK: binary, units in $unit_dir, conffile /etc/eventory/server.env (600), README"

[ "$INSTALL" = 1 ] || { echo "--no-install: not installing"; exit 0; }

# --- Install and check --------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || fail "installing needs root (or pass --no-install)"
if dpkg-query -W -f='${Status}' eventory-server 2>/dev/null | grep -q 'ok installed'; then
    fail "eventory-server is already installed here; not touching it (use --no-install)"
fi

server_pid=
scratch=$(mktemp -d)
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$scratch"
    if dpkg-query -W eventory-server >/dev/null 2>&1; then dpkg --purge eventory-server >/dev/null || true; fi
}
trap cleanup EXIT

step "dpkg -i $deb"
dpkg -i "$deb"
dpkg -L eventory-server

step "the installed binary"
/usr/bin/eventory-server --version
stat -c '%a %U:%G %n' /etc/eventory/server.env
[ "$(stat -c '%a %U' /etc/eventory/server.env)" = "600 root" ] || fail "server.env is not 600 root"

step "check-config with the shipped env file (must refuse the placeholder secret)"
# A clean environment: only what the env file sets.
if out=$(env -i PATH=/usr/bin:/bin sh -c \
    'set -a; . /etc/eventory/server.env; set +a; exec /usr/bin/eventory-server check-config' 2>&1); then
    fail "the placeholder token secret was accepted"
fi
echo "$out"
grep -q 'jwt_secret' <<<"$out" || fail "the refusal does not name jwt_secret"

step "check-config with a real secret"
# The env file's own value would win over one passed in: override after sourcing.
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# shellcheck disable=SC2016 # expanded by the inner shell
out=$(env -i PATH=/usr/bin:/bin SECRET="$secret" EVENTORY_DATA_DIR=/var/lib/eventory sh -c \
    'set -a; . /etc/eventory/server.env; EVENTORY_JWT_SECRET=$SECRET; set +a; exec /usr/bin/eventory-server check-config')
tail -n 1 <<<"$out"
grep -q 'embedded single-node default' <<<"$out" || fail "check-config did not describe the embedded default"

step "systemd units"
for unit in eventory-server.service eventory-worker.service; do
    path="$unit_dir/$unit"
    [ -f "$path" ] || fail "$path not installed"
    systemd-analyze verify "$path"
    echo "systemd-analyze verify $path: OK"
    if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
        systemd-analyze security --offline=yes "$path" 2>/dev/null | tail -n 1
    fi
    state=$(systemctl --root=/ is-enabled "$unit" 2>/dev/null || true)
    echo "$unit: $state"
    [ "$state" = disabled ] || fail "$unit should be installed disabled, is '$state'"
done
if [ -d /run/systemd/system ]; then
    for unit in eventory-server.service eventory-worker.service; do
        ! systemctl is-active --quiet "$unit" || fail "$unit was started by the install"
    done
fi

step "serve (embedded default) answers /health and stops on SIGTERM"
port=18765
env -i PATH=/usr/bin:/bin RUST_LOG=warn EVENTORY_BIND=127.0.0.1:$port \
    EVENTORY_DATA_DIR="$scratch/data" /usr/bin/eventory-server serve >"$scratch/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/health" >"$scratch/health" 2>/dev/null; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$scratch/serve.log"; fail "serve exited"; }
    sleep 0.1
done
cat "$scratch/health"; echo
grep -q '"status":"ok"' "$scratch/health" || { cat "$scratch/serve.log"; fail "no /health answer"; }
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
[ "$status" -eq 0 ] || { cat "$scratch/serve.log"; fail "serve exited with $status on SIGTERM"; }
echo "stopped cleanly on SIGTERM (exit 0)"

step "dpkg -r eventory-server"
dpkg -r eventory-server
[ ! -e /usr/bin/eventory-server ] || fail "the binary is still there after dpkg -r"
[ -e /etc/eventory/server.env ] || fail "dpkg -r should keep the conffile"
step "dpkg --purge eventory-server"
dpkg --purge eventory-server
[ ! -e /etc/eventory/server.env ] || fail "the conffile is still there after purge"

step "OK: $deb"
