.POSIX:

# `make run`  : virtualenv, install, migrate the SQLite database, load demo data, serve on 127.0.0.1:8000.
# `make test` : the whole test suite on SQLite, then on PostgreSQL too when DATABASE_URL is set.
# `make test-fast` : everything but the browser tests, on SQLite only: the inner loop.

PYTHON = python3
VENV = .venv
BIN = $(VENV)/bin
CHROMIUM = $${CHROMIUM_PATH:-/usr/bin/chromium}
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x bookings"`.
PYTEST_ARGS =

.PHONY: run test test-fast lint fmt migrations-check

run: $(VENV)/.runtime-installed
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.dev-installed
	@if [ ! -x "$(CHROMIUM)" ] && [ "$${REQUIRE_BROWSER:-0}" = 1 ]; then \
		echo "browser tests required (REQUIRE_BROWSER=1) but no Chromium found at $(CHROMIUM)" >&2; exit 1; \
	fi
	@echo "== tests on SQLite =="
	DATABASE_URL=sqlite://:memory: $(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$${DATABASE_URL:-}" ]; then \
		echo "== tests on PostgreSQL =="; \
		$(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "PostgreSQL tests not run: set DATABASE_URL=postgres://... to run the suite on PostgreSQL too"; \
	fi
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "browser tests SKIPPED: no Chromium found; install it (apt-get install chromium) or set CHROMIUM_PATH"; \
	fi

test-fast: $(VENV)/.dev-installed
	DATABASE_URL=sqlite://:memory: $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.dev-installed
	DEBUG=1 DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "HomeCure needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The stamp files make a second `make run` skip pip until a requirements file changes.
$(VENV)/.runtime-installed: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@
