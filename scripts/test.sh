#!/bin/sh
# The whole test suite, headless: lint, types, then pytest including the slow tests (frozen
# build, crash loop, eight racing stations) on SQLite and on a throwaway PostgreSQL server.
# CI runs exactly this (.ci/run -> make test).
set -eu
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

# A PostgreSQL server of our own on 127.0.0.1 and a free port, stopped at the end. Where none
# can be started, the run stops here: half the store and service tests run on PostgreSQL, and
# a run that skipped them would pass without having tested what the stations run on.
PG_DIR=""
LDAP_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then
        .venv/bin/python scripts/pg_cluster.py stop "$PG_DIR/pg" || true
        rm -rf "$PG_DIR"
    fi
    if [ -n "$LDAP_DIR" ]; then
        .venv/bin/python scripts/slapd.py stop "$LDAP_DIR/ldap" || true
        rm -rf "$LDAP_DIR"
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
# The same for an OpenLDAP server (the directory sync and sign-in tests run against one).
if ! [ -x /usr/sbin/slapd ] && ! command -v slapd >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing the OpenLDAP server (for the directory tests)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            slapd ldap-utils >/dev/null 2>&1 || echo "   (could not install it)"
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
    if [ -f "$PG_DIR/pg/server.log" ]; then
        tail -n 20 "$PG_DIR/pg/server.log" >&2
    fi
    echo "make test: could not start a PostgreSQL server, and its tests must run." >&2
    echo "  Install the server (Debian/Ubuntu: sudo apt-get install postgresql; run as root," >&2
    echo "  make test installs it itself) and run make test again. What went wrong is above." >&2
    exit 1
fi
# The PostgreSQL tests fail instead of skipping if the server goes away during the run.
export BWC_REQUIRE_PG=1

LDAP_DIR=$(mktemp -d /tmp/bwc-desk-ldap.XXXXXX)
if ldap_env=$(.venv/bin/python scripts/slapd.py start "$LDAP_DIR/ldap"); then
    # BWC_TEST_LDAP_URL, _STARTTLS_URL, _BIND_DN, _PASSWORD, _BASE_DN, _CA
    for line in $ldap_env; do export "$line"; done
    echo "== OpenLDAP test server: $BWC_TEST_LDAP_URL"
else
    echo "make test: could not start an OpenLDAP server (slapd), and the directory tests" >&2
    echo "  must run. Install it (Debian/Ubuntu: sudo apt-get install slapd ldap-utils; run" >&2
    echo "  as root, make test installs it itself) and run make test again." >&2
    exit 1
fi
# The directory tests fail instead of skipping when no server can be started.
export BWC_REQUIRE_LDAP=1

echo "== ruff"
.venv/bin/ruff check bwc_desk tests benchmarks
echo "== mypy (strict, UI exceptions only from mypy-ui-exceptions.txt, a list that only shrinks)"
.venv/bin/python scripts/mypy_strict.py
echo "== pytest"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
