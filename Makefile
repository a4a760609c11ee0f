# Two commands for a new user:  make run  (the portal with demo data)  and  make test  (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
VAR_DIR ?= $(CURDIR)/var

.PHONY: run test ci lint check-deploy install install-dev migrate static demo clean pdf-libs pdf-libs-required browser
# The pdf worker's limits (docker-compose.yml reads the same variables, with the same defaults).
PDF_WORKER_MAX_TASKS ?= 50
PDF_WORKER_MAX_MEMORY_KB ?= 393216
# Debian/Ubuntu packages. WeasyPrint renders PDF summaries with Pango, and subsets the bundled fonts with
# HarfBuzz-subset (without it WeasyPrint falls back to fontTools, which it says it will stop supporting).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
PDF_LIBS_PRESENT := $(PYTHON) -c 'import ctypes.util as u, sys; sys.exit(not all(map(u.find_library, ("pangoft2-1.0", "harfbuzz-subset"))))'
# The browser tests drive Debian's Chromium through Playwright.
BROWSER_PACKAGES := chromium
BROWSER_PRESENT := test -x /usr/bin/chromium

# $(call system-packages,what they are for,command that succeeds when present,packages,fail|warn)
# As root with apt-get, installs what is missing. Anyone else gets the exact command to run: `make test` stops
# there (a test must not be skipped for want of a package), `make run` warns and carries on.
define system-packages
	@if ! $(2); then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $(1): $(3)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(3) >/dev/null || exit 1; \
	    $(2) || { echo "$(1): $(3) installed, but still not found."; exit 1; }; \
	  elif [ "$(4)" = fail ]; then \
	    echo "$(1) need system packages that are missing. Install them with:"; \
	    echo "    sudo apt-get update && sudo apt-get install -y $(3)"; \
	    exit 1; \
	  else \
	    echo "WARNING: $(1) need system packages that are missing; everything else works."; \
	    echo "         Install them with: sudo apt-get update && sudo apt-get install -y $(3)"; \
	  fi; \
	fi
endef

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

pdf-libs:
	$(call system-packages,PDF summaries,$(PDF_LIBS_PRESENT),$(PDF_PACKAGES),warn)
pdf-libs-required:
	$(call system-packages,PDF summaries (and their tests),$(PDF_LIBS_PRESENT),$(PDF_PACKAGES),fail)
browser:
	$(call system-packages,The browser tests,$(BROWSER_PRESENT),$(BROWSER_PACKAGES),fail)

install: pdf-libs $(VENV)/.installed
install-dev: pdf-libs-required browser $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

# The production server serves static files through WhiteNoise, from what collectstatic gathers.
static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: migrate
	$(PY) manage.py seed_demo

# A small real installation: gunicorn, a Celery worker, the pdf worker (PDF summaries, one at a time, its child
# process replaced every PDF_WORKER_MAX_TASKS renders) and Celery beat, under supervisord, which restarts any of
# them that stops, with a growing back-off, and logs it. DEBUG stays off unless DEBUG=1 is given; the secret key
# is generated once under var/. Ctrl-C stops them all.
run: demo static
	@echo "Parallel on http://$(HOST):$(PORT)/  (Ctrl-C stops the web server, the workers and beat)"
	@HOST=$(HOST) PORT=$(PORT) VAR_DIR=$(VAR_DIR) VENV_BIN=$(CURDIR)/$(VENV)/bin \
	  PDF_WORKER_MAX_TASKS=$(PDF_WORKER_MAX_TASKS) PDF_WORKER_MAX_MEMORY_KB=$(PDF_WORKER_MAX_MEMORY_KB) \
	  exec $(VENV)/bin/supervisord --nodaemon --configuration coordination/supervisord.conf

# The whole suite, in TEST_PROCESSES processes (a test module stays in one), the slowest 15 tests listed at the end.
TEST_PROCESSES ?= 2
test: install-dev static
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=15

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

# Django's deployment checks with the settings a production installation would have.
check-deploy: install
	DEBUG=False SECRET_KEY="check-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
	  ALLOWED_HOSTS=parallel.example.org SITE_URL=https://parallel.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

# What CI runs (.ci/run points it at the machine's PostgreSQL and Redis first).
ci: test lint check-deploy

clean:
	rm -rf $(VENV) var staticfiles
