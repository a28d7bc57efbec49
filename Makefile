# Two commands do everything on a fresh machine with Python 3.11:
#   make run   - virtualenv, migrations, demo content, ASGI server on http://127.0.0.1:8000
#   make test  - every test, against PostgreSQL, Redis and headless Chromium on this machine
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Test services: the standard local ports unless the environment names others.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cocreate
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint bench bench-search install
.DEFAULT_GOAL := run

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/python manage.py load_demo
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/uvicorn cocreate.asgi:application --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/ruff check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_SETTINGS_MODULE=cocreate.settings.test \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The benchmark drops and recreates its own database (cocreate_bench) on BENCH_DATABASE_URL's server; its
# Redis database is not the tests' one, since channel groups are named by ids. BENCH_ARGS="--workers 1,2".
BENCH_DATABASE_URL ?= $(TEST_DATABASE_URL)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
bench: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python bench/live_support.py $(BENCH_ARGS)

# Search latency on both backends over generated proposals (bench/search.py): drops and recreates its own
# database (cocreate_bench_search) on BENCH_DATABASE_URL's server. BENCH_SEARCH_ARGS="--proposals 2000".
bench-search: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/search.py $(BENCH_SEARCH_ARGS)
