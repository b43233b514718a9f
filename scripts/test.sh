#!/bin/sh
# The whole test suite, headless: lint, layering, types, then pytest including the slow tests
# (frozen build, crash loop). CI runs exactly this (.ci/run -> make test).
set -eu
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
echo "== ruff"
.venv/bin/ruff check bwc_desk tests benchmarks
echo "== mypy (strict below the UI)"
.venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
