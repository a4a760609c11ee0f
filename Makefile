# Two commands for a new user:  make run  (the portal with demo data)  and  make test  (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint migrate demo clean system-libs
# The pdf worker's limits (docker-compose.yml reads the same variables, with the same defaults).
PDF_WORKER_MAX_TASKS ?= 50
PDF_WORKER_MAX_MEMORY_KB ?= 393216
# WeasyPrint renders PDF summaries with Pango and HarfBuzz from the system (Debian package names).
PDF_SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Parallel needs Python 3.11 or newer; set PYTHON=python3.11")'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu run: sudo apt-get install python3-venv"; exit 1; }
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed | system-libs
install-dev: $(VENV)/.installed-dev | system-libs

# Installs Pango for WeasyPrint when it is missing, as root on Debian/Ubuntu (as CI and the Dockerfile do);
# anyone else is told the command to run, rather than finding out when the first PDF fails. Only PDFs need it,
# so the portal still starts without it.
system-libs:
	@$(PYTHON) -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("pangoft2-1.0") else 1)' || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Pango for PDF summaries: $(PDF_SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "WARNING: PDF summaries need Pango, which is missing; everything else works."; \
	    echo "         Install it with: sudo apt-get install $(PDF_SYSTEM_PACKAGES)"; \
	  fi; }

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# The web server, a Celery worker, the pdf worker (PDF summaries, one at a time, its child process replaced
# every PDF_WORKER_MAX_TASKS renders) and Celery beat side by side; Ctrl-C stops them all, and if one of them
# stops the others are stopped too.
run: demo
	@echo "Parallel on http://$(HOST):$(PORT)/  (Ctrl-C stops the web server, the workers and beat)"
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(VENV)/bin/celery -A coordination worker --loglevel=INFO --concurrency=2 & \
	$(VENV)/bin/celery -A coordination worker --loglevel=INFO --queues=pdf --hostname=pdf@%h --concurrency=1 \
	  --max-tasks-per-child=$(PDF_WORKER_MAX_TASKS) --max-memory-per-child=$(PDF_WORKER_MAX_MEMORY_KB) & \
	$(VENV)/bin/celery -A coordination beat --loglevel=INFO & \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT) & \
	wait -n

test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles
