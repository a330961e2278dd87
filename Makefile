# The two commands: `make run` (the hotline on its example config) and `make test` (everything).
# Both set up what they need first: Debian packages, the venv, the Asterisk sandbox.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/examples/beijing.yaml
PYTEST_ARGS ?=
# `make test` runs pytest in this many xdist workers; every integration test goes to one of them
# (one Asterisk on fixed ports: tests/integration/conftest.py groups them), the rest share out.
TEST_WORKERS ?= 2
BENCH_ARGS ?=

.PHONY: help setup debs venv asterisk run test lint unit functional integration bench bench-reports clean

help:
	@echo "make run          set up and run the hotline on $(CONFIG) (Ctrl-C stops it)"
	@echo "make test         set up and run lint, type checks and the whole test suite"
	@echo "make lint         ruff + mypy only"
	@echo "make unit | functional | integration   one test layer"
	@echo "make bench        load benchmark: hotline vs dialplan Queue() vs a minimal ARI router"
	@echo "                  (about 10 min; options: make bench BENCH_ARGS='--rates 10,20 --duration 10'),"
	@echo "                  then the report benchmark"
	@echo "make bench-reports  what a monthly report costs as the records grow (about 10 s)"
	@echo "make clean        remove the venv and var/ (the cached Asterisk root stays)"

setup: debs venv asterisk

debs:
	@$(PYTHON) -m sandbox debs

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "hotline: creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

asterisk: debs
	@$(PYTHON) -m sandbox asterisk build

run: setup
	$(BIN)/hotline run --sandbox --config $(CONFIG)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

unit: venv
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

functional: setup
	$(BIN)/pytest tests/functional $(PYTEST_ARGS)

integration: setup
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.reports

bench-reports: venv
	$(BIN)/python -m bench.reports

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
