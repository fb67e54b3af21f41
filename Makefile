# Newsroom: `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python 3.12+ that actually starts (pyenv shims exist but fail without
# PYENV_VERSION, so each candidate is run, not just looked up).
PYTHON ?= $(shell for c in python3.13 python3.12 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3; do \
	if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v "$$c"; break; fi; done)

.PHONY: help run test lint format check migrations-check collectstatic bench clean browser varnish

help:
	@echo "make run      set up, load the demo newsroom and serve http://$(HOST):$(PORT)"
	@echo "make test     set up and run the whole test suite"
	@echo "make lint     ruff check, format check and the import layers (lint-imports)"
	@echo "make format   apply ruff's fixes and formatting"
	@echo "make check    Django system checks and makemigrations --check"
	@echo "make bench    run the benchmarks in bench/ (each prints its figures)"
	@echo "make browser  install Debian's Chromium for the browser tests (apt-get)"
	@echo "make varnish  install Debian's Varnish and its xkey vmod for tests/test_varnish.py"

$(VENV)/.base: requirements.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Newsroom needs Python 3.12 or newer, and none was found."; \
		echo "       Tried python3.13, python3.12, pyenv's versions/3.12+ and python3."; \
		echo "       Install Python 3.12+ (or run: PYTHON=/path/to/python3.12 make ...)."; \
		exit 1; fi
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; "$(PYTHON)" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.base requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(VENV)/.base
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py ensure_admin
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.dev
	DEBUG=1 $(PY) manage.py check --fail-level WARNING
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

migrations-check: check

# Production set-up step (DEBUG off): hashed, compressed files for WhiteNoise.
collectstatic: $(VENV)/.base
	$(PY) manage.py collectstatic --noinput

# Each benchmark prints its own figures (see README).
bench: $(VENV)/.dev
	@for script in bench/*_bench.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Browser tests (tests/e2e) drive Debian's Chromium; Playwright's own download cannot
# work here. Installs only when it is missing; needs root (or sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@if [ -x /usr/bin/chromium ]; then echo "Chromium is installed: /usr/bin/chromium"; else \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && \
		echo "Installed $$(/usr/bin/chromium --version)"; fi

# tests/test_varnish.py and bench/freshness_bench.py run a real varnishd with the xkey
# vmod (Debian's varnish-modules). Installs only when either is missing.
varnish:
	@if [ -x /usr/sbin/varnishd ] && ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; then \
		echo "Varnish is installed: $$(/usr/sbin/varnishd -V 2>&1 | head -1)"; else \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null && \
		echo "Installed $$(/usr/sbin/varnishd -V 2>&1 | head -1)"; fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
