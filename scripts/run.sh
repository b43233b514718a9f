#!/bin/sh
# Starts BWC Desk on its embedded SQLite database (or whatever --database says).
# On a machine with no screen, it runs on a virtual one (Xvfb) and says so.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname -s)" = Linux ]; then
    echo "run: no screen on this machine; starting BWC Desk on a virtual screen (Xvfb)."
    echo "run: it waits there for sign-in; see README.md 'Running without a screen' to look at it."
    exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/bwc-desk "$@"
fi
exec .venv/bin/bwc-desk "$@"
