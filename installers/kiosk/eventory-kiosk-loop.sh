#!/bin/sh
# Keeps the Eventory kiosk running where there is no systemd user session: started by the XDG
# autostart entry eventory-kiosk.desktop, it runs `eventory-desktop run` with EVENTORY_KIOSK=1
# and starts it again whenever it exits, however it exits (crash, lost display, killed, or
# closed by staff after the PIN: a kiosk is never left without its app), waiting 2 s, then
# 4, 8, ... up to 60 s between quick exits; a run that lasted a minute or more resets the wait
# to 2 s. Only the end of the session (SIGTERM/SIGHUP, passed on to the app) ends the loop;
# staff who need the desktop stop it with `pkill -f eventory-kiosk-loop` from a shell.
#
# Optional settings, e.g. EVENTORY_SERVER_URL=https://tickets.example, go in
# ${XDG_CONFIG_HOME:-~/.config}/eventory/kiosk.env (KEY=value lines, as for the systemd unit).
# EVENTORY_DESKTOP_BIN overrides the app's path; arguments are passed on to `run`.
set -u

export EVENTORY_KIOSK=1
env_file="${XDG_CONFIG_HOME:-$HOME/.config}/eventory/kiosk.env"
if [ -r "$env_file" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$env_file"
    set +a
fi
app="${EVENTORY_DESKTOP_BIN:-/usr/bin/eventory-desktop}"

first_delay=2
max_delay=60
steady_after=60

child=
stop() {
    if [ -n "$child" ]; then
        kill -TERM "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    exit 0
}
trap stop TERM INT HUP

delay=$first_delay
while :; do
    started=$(date +%s)
    "$app" run "$@" &
    child=$!
    wait "$child"
    status=$?
    child=
    ran=$(( $(date +%s) - started ))
    if [ "$ran" -ge "$steady_after" ]; then
        delay=$first_delay
    fi
    echo "eventory-kiosk: the app exited with status $status after ${ran}s; restarting in ${delay}s" >&2
    sleep "$delay" &
    child=$!
    wait "$child"
    child=
    delay=$(( delay * 2 ))
    if [ "$delay" -gt "$max_delay" ]; then
        delay=$max_delay
    fi
done
