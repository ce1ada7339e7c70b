# Panorama's entry points. Everything installs what it needs into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Panorama needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Serve Panorama with demo data at http://127.0.0.1:8000 (web + worker).
run: $(STAMP)
	$(BIN)/panorama run

## Run the test suite (browser tests need Chromium: /usr/bin/chromium), one worker per CPU.
## PYTEST_ARGS replaces the default, e.g. make test PYTEST_ARGS='-p no:xdist -k timeline'.
PYTEST_ARGS ?= -n auto
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Ingestion throughput of /v1/batch against a raw-SQLite baseline, then timeline reads on
## 1,000,000 entries against hand-written SQL (docs/benchmarks.md). Options: BENCH_ARGS for
## the ingestion, e.g. make bench BENCH_ARGS='--events 20000'; TIMELINE_BENCH_ARGS for the
## timeline, e.g. TIMELINE_BENCH_ARGS='--entries 100000 --account-entries 10000'.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py $(BENCH_ARGS)
	$(BIN)/python bench/timeline.py $(TIMELINE_BENCH_ARGS)

## ruff, mypy and a check that models and migrations agree.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy panorama tests conftest.py
	$(BIN)/panorama makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
