#!/bin/sh
# The whole test suite, headless: lint, types, then pytest including the slow tests (frozen
# build, crash loop, eight racing stations) on SQLite and on a throwaway PostgreSQL server.
# CI runs exactly this (.ci/run -> make test).
set -eu
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

# A PostgreSQL server of our own on 127.0.0.1 and a free port, stopped at the end. Where no
# server binary can be found or installed, the PostgreSQL tests skip and say why.
PG_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then
        .venv/bin/python scripts/pg_cluster.py stop "$PG_DIR/pg" || true
        rm -rf "$PG_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP  # exit, so that the EXIT trap stops the server
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing the PostgreSQL server (for the multi-station tests)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            postgresql >/dev/null 2>&1 || echo "   (could not install it)"
    fi
fi
# The Debian package test's tools (dpkg-deb, patchelf, debootstrap, lintian, appstream).
./scripts/deb-tools.sh
PG_DIR=$(mktemp -d /tmp/bwc-desk-pg.XXXXXX)
chmod 755 "$PG_DIR"
if url=$(.venv/bin/python scripts/pg_cluster.py start "$PG_DIR/pg"); then
    export BWC_TEST_PG_URL="$url"
    echo "== PostgreSQL test server: $url"
else
    echo "== no PostgreSQL server: its tests will be skipped"
    unset BWC_TEST_PG_URL || true
fi

echo "== ruff"
.venv/bin/ruff check bwc_desk tests benchmarks
echo "== mypy (strict below the UI)"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
