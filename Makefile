# Two commands do everything on a fresh machine with Python 3.11:
#   make run   - virtualenv, migrations, demo content, ASGI server on http://127.0.0.1:8000 (PORT=8001: another)
#   make test  - every test, against PostgreSQL, Redis and headless Chromium on this machine
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Test services: the standard local ports unless the environment names others.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cocreate
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The search engine tests run on the bundled in-memory server unless this names a real Elasticsearch or
# OpenSearch (README, "Search"): `make test TEST_ELASTICSEARCH_URL=http://search:9200 PYTEST_ARGS="-m engine"`.
TEST_ELASTICSEARCH_URL ?=
# The suite in one process per CPU, at most 4, each with a database and a Redis database of its own (the URL's
# number plus the process's: /11 uses /11 to /14). `load` hands each process the tests in collection order,
# in which pytest-django puts the tests that run in a transaction before those that empty the tables after
# them (Wagtail's root page and locales come from the migrations); a file of both kinds, handed whole, would
# run its own emptying tests before the next file's. `make test TEST_PROCESSES=` runs it in one process.
TEST_PROCESSES ?= --numprocesses=auto --maxprocesses=4 --dist=load

.PHONY: run test lint audit bench bench-search bench-supports bench-pages bench-journeys bench-fanout \
	bench-page-weight bench-downloads bench-fraud bench-faults bench-faults-postgres bench-worker-kill bench-merge bench-areas \
	bench-soak install
.DEFAULT_GOAL := run

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

# axe-core for the accessibility browser tests, at the exact version package-lock.json pins.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)
	DJANGO_SETTINGS_MODULE=cocreate.settings.dev $(BIN)/uvicorn cocreate.asgi:application --host $(HOST) --port $(PORT)

test: $(BIN)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TEST_ELASTICSEARCH_URL=$(TEST_ELASTICSEARCH_URL) \
		DJANGO_SETTINGS_MODULE=cocreate.settings.test $(BIN)/python -m pytest $(TEST_PROCESSES) $(PYTEST_ARGS)

# Known vulnerabilities in every locked package, from PyPI's advisory data (pypi.org's per-release JSON).
# --strict: a package that could not be checked fails the run, so an unreachable source never passes as
# "no known vulnerabilities". Each ignored advisory, and why it does not reach cocreate, is in
# docs/security.md; this list is the only place they are ignored.
AUDIT_IGNORE := \
	GHSA-pq67-6m6q-mj2v GHSA-gm62-xv2j-4w53 GHSA-2xpw-w6gg-jr37 \
	GHSA-38jv-5279-wg99 GHSA-qccp-gfcp-xxvc GHSA-mf9v-mfxr-j63j
audit: $(BIN)/.installed
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r requirements.lock \
		$(addprefix --ignore-vuln ,$(AUDIT_IGNORE))

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

# Supports per second to one hot proposal, through the API and straight against PostgreSQL for each way of
# keeping the count (bench/supports.py): drops and recreates its own database (cocreate_bench_supports).
BENCH_SUPPORTS_REDIS_URL ?= redis://127.0.0.1:6379/8
bench-supports: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_SUPPORTS_REDIS_URL) $(BIN)/python bench/supports.py $(BENCH_SUPPORTS_ARGS)

# Page render times of a consultation with 1,000 proposals (bench/pages.py): drops and recreates its own
# database (cocreate_bench_pages). BENCH_PAGES_ARGS="--requests 50".
BENCH_PAGES_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-pages: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_PAGES_REDIS_URL) $(BIN)/python bench/pages.py $(BENCH_PAGES_ARGS)

# The journey map and the What changed page over 100,000 check-ins against a trivial view, and one
# check-in's cost at 100 and at 100,000 on its stage (bench/journeys.py): drops and recreates its own
# database (cocreate_bench_journeys). BENCH_JOURNEYS_ARGS="--checkins 20000 --stage-sizes 100,20000".
BENCH_JOURNEYS_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-journeys: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_JOURNEYS_REDIS_URL) $(BIN)/python bench/journeys.py $(BENCH_JOURNEYS_ARGS)

# An official's response to a proposal with 1,000 to 50,000 followers (bench/fanout.py): drops and
# recreates its own database (cocreate_bench_fanout). BENCH_FANOUT_ARGS="--followers 1000,10000".
bench-fanout: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_SUPPORTS_REDIS_URL) $(BIN)/python bench/fanout.py $(BENCH_FANOUT_ARGS)

# The officials' fraud review of a proposal with 100,000 supports, against a trivial page (bench/fraud.py):
# drops and recreates its own database (cocreate_bench_fraud). BENCH_FRAUD_ARGS="--requests 100".
BENCH_FRAUD_REDIS_URL ?= redis://127.0.0.1:6379/8
bench-fraud: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_FRAUD_REDIS_URL) $(BIN)/python bench/fraud.py $(BENCH_FRAUD_ARGS)

# Redis restarted and unreachable for 30 s under open pages and writes, on both channel layers
# (bench/faults.py): its own Redis processes, never the shared one; drops and recreates its own database
# (cocreate_bench_faults). BENCH_FAULTS_ARGS="--pages 100 --partition-seconds 60".
bench-faults: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/faults.py $(BENCH_FAULTS_ARGS)

# A worker killed with SIGKILL under 1,000 open pages, behind HAProxy in front of two workers, with supports
# going on (bench/faults.py --fault worker-kill): its own Redis and HAProxy processes; drops and recreates
# its own database (cocreate_bench_faults). BENCH_WORKER_KILL_ARGS="--sockets 2000 --layer pubsub,core".
bench-worker-kill: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/faults.py --fault worker-kill --layer pubsub \
		$(BENCH_WORKER_KILL_ARGS)

# PostgreSQL down 10 s to 400 s under reads and supports, on two workers (bench/faults_postgres.py): when
# every worker serves again once it is back. Its own PostgreSQL cluster and Redis, never the shared ones.
# BENCH_FAULTS_POSTGRES_ARGS="--outages 30,600 --env DB_POOL_RECONNECT_TIMEOUT=300".
bench-faults-postgres: $(BIN)/.installed
	$(BIN)/python bench/faults_postgres.py $(BENCH_FAULTS_POSTGRES_ARGS)

# Merging two proposals with 50,000 supports each, and the supports given meanwhile (bench/merge.py): drops
# and recreates its own database (cocreate_bench_merge). BENCH_MERGE_ARGS="--runs 3 --overlap 10000".
BENCH_MERGE_REDIS_URL ?= redis://127.0.0.1:6379/10
bench-merge: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_MERGE_REDIS_URL) $(BIN)/python bench/merge.py $(BENCH_MERGE_ARGS)

# The area maps of a consultation with 30 areas, 1,000 proposals and 100,000 supports, against a trivial page
# (bench/areas.py): drops and recreates its own database (cocreate_bench_areas). BENCH_AREAS_ARGS="--requests 100".
BENCH_AREAS_REDIS_URL ?= redis://127.0.0.1:6379/8
bench-areas: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_AREAS_REDIS_URL) $(BIN)/python bench/areas.py $(BENCH_AREAS_ARGS)

# Thirty minutes of mixed traffic on two workers with 2,000 open pages: each worker's memory and its slope,
# errors, latency per window (bench/soak.py): drops and recreates its own database (cocreate_bench_soak).
# BENCH_SOAK_ARGS="--minutes 2 --pages 200 --window-minutes 0.5 --warmup-minutes 0.5".
BENCH_SOAK_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-soak: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_SOAK_REDIS_URL) $(BIN)/python bench/soak.py $(BENCH_SOAK_ARGS)

# What a phone downloads for each main page (bench/page_weight.py runs the browser test that holds them to
# their budget and prints the table of docs/performance.md); its Redis database is nobody else's.
BENCH_PAGE_WEIGHT_REDIS_URL ?= redis://127.0.0.1:6379/9
bench-page-weight: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_PAGE_WEIGHT_REDIS_URL) $(BIN)/python bench/page_weight.py

# A proposal's 10 MB document downloaded by 50 slow lines at once from one worker: its memory, the first
# bytes, the statuses (bench/downloads.py); drops and recreates its own database (cocreate_bench_downloads).
BENCH_DOWNLOADS_REDIS_URL ?= redis://127.0.0.1:6379/8
bench-downloads: $(BIN)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_DOWNLOADS_REDIS_URL) $(BIN)/python bench/downloads.py $(BENCH_DOWNLOADS_ARGS)
