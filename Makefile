# BWC Desk. `make run` starts the app; `make test` runs the whole test suite headless.
# Both set up what they need first (Debian libraries, .venv, packages): see scripts/.
.PHONY: setup run demo test test-fast lint bench bench-large bench-docs build deb deb-tools clean

setup:
	@./scripts/bootstrap.sh

run: setup
	@./scripts/run.sh

demo: setup
	@./scripts/run.sh --demo

test: setup
	@./scripts/test.sh

# The quick loop while working: no frozen build, no crash loop, no PostgreSQL.
test-fast: setup
	@QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -m "not slow" -p no:cacheprovider

lint: setup
	@.venv/bin/ruff check bwc_desk tests benchmarks
	@.venv/bin/lint-imports
	@.venv/bin/python scripts/mypy_strict.py

bench: setup
	@QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks --size small

# One run of every benchmark at the large size, kept in benchmarks/results/ (take three, then
# `make bench-docs`; remove the older runs first if they are not to count).
bench-large: setup
	@QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks --size large \
		--json benchmarks/results/large-$$(date -u +%Y%m%dT%H%M%SZ).json

# docs/benchmarks.md from every run in benchmarks/results/ (minimum, median, maximum per key).
bench-docs:
	@.venv/bin/python -m benchmarks.report benchmarks/results/*.json > docs/benchmarks.md

build: setup
	@.venv/bin/pyinstaller --noconfirm --clean build.spec

# dist/bwc-desk_VERSION_amd64.deb and dist/SHA256SUMS from the bundle (docs/install.md).
deb: build deb-tools
	@python3 packaging/debian/build_deb.py --bundle dist/bwc-desk --out dist

# Debian's packaging tools (and those of the deb test: debootstrap, lintian), as root.
deb-tools:
	@./scripts/deb-tools.sh

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
