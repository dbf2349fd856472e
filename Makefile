VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test lint bench docs

# Installed once, and again only when pyproject.toml changes (the stamp is older than it);
# `rm $(STAMP)` forces a reinstall.
STAMP := $(VENV)/.ktape-installed

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: install
	$(VENV)/bin/ktape demo

test: install
	$(PY) -m pytest -q

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench:
	$(PY) benchmarks/run_all.py

docs:
	$(PY) -m kalshi_tape.cli.reference
