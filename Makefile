# The README's two commands: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
VENDOR := service/static/vendor
# links in pages, mails and the calendar feed point at the port make run serves on
export KOOPFLOW_BASE_URL ?= http://localhost:$(PORT)

.PHONY: run test lint bench install clean-db chromium postgresql

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed $(VENDOR)/.copied

## bpmn-js (viewer and, for process changes, the modeler; axe-core for the browser tests) from
## npm, as package-lock.json pins them; the files the pages load are copied into
## service/static/vendor/ (never fetched from a CDN), again whenever this list changes.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR)/.copied: node_modules/.package-lock.json Makefile
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/dist/bpmn-modeler.production.min.js node_modules/bpmn-js/dist/assets/bpmn-js.css node_modules/bpmn-js/dist/assets/diagram-js.css $(VENDOR)/
	cp -R node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/
	cp node_modules/bpmn-js/LICENSE $(VENDOR)/bpmn-js.LICENSE
	touch $@

## The browser tests drive Debian's Chromium; install it when missing (CI runs as root).
chromium:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }

## The tests (and bench/throughput.py) start a throw-away PostgreSQL server from Debian's
## binaries unless KOOPFLOW_TEST_DATABASE_URL names one; install them when missing.
postgresql:
	@test -n "$$KOOPFLOW_TEST_DATABASE_URL" || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

## Install, create or upgrade the SQLite database, load the demo agreements and users, then
## start the worker and the web server (Ctrl-C stops both).
run: install
	$(BIN)/koopflow db upgrade
	$(BIN)/koopflow demo load
	@echo "KoopFlow: http://localhost:$(PORT)/  (Demo-Benutzer: README.md, Passwort: demo)"
	trap 'trap - EXIT INT TERM; kill 0' EXIT INT TERM; \
	$(BIN)/koopflow worker & \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - --logger-class service.web.access_log.MaskingLogger 'service:create_app()'

## The whole test suite, on SQLite and on PostgreSQL (see tests/conftest.py), after the linter.
test: install chromium postgresql lint
	$(BIN)/python -m pytest

## ruff: pyflakes rules and import sorting (pyproject.toml); the layers are tests/test_layers.py.
lint: install
	$(BIN)/ruff check .

## Every benchmark in bench/ (figures only, no asserts); the output goes to bench/results.md.
bench: install postgresql
	@set -e; { for script in bench/*.py; do echo "<!-- $$script -->"; $(BIN)/python $$script; echo; done; } > bench/results.md
	@cat bench/results.md

## Throw away the embedded database (var/koopflow.db).
clean-db:
	rm -f var/koopflow.db var/koopflow.db-wal var/koopflow.db-shm
