# Licensing Portal — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PORTAL_DATA_DIR ?= $(CURDIR)/var

.PHONY: setup run test lint typecheck schema schema-check test-py test-frontend bench mutate clean

setup: $(STAMP) node_modules/.installed frontend/dist/index.html

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11+ is required" && exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json frontend/package.json
	npm ci --no-audit --no-fund
	touch $@

FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/codegen.ts shared/schema.graphql -type f 2>/dev/null)
frontend/dist/index.html: node_modules/.installed $(FRONTEND_SOURCES)
	npm run build
	touch $@

run: setup
	$(BIN)/portal serve

schema: $(STAMP)
	$(BIN)/portal schema export -o shared/schema.graphql

schema-check: $(STAMP)
	@$(BIN)/portal schema export | diff -u shared/schema.graphql - \
		|| (echo "shared/schema.graphql is stale: run 'make schema'" && exit 1)

lint: $(STAMP)
	$(BIN)/ruff check backend tests $(wildcard bench)
	$(BIN)/ruff format --check backend tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

test-py: setup
	$(BIN)/pytest -q

test-frontend: node_modules/.installed
	npm run typecheck
	npm test

test: setup lint typecheck schema-check test-frontend test-py

bench: setup
	$(BIN)/python -m bench

# Mutation testing of one rule module, e.g. `make mutate MODULE=rehost` (long: not part of `make test`;
# figures in docs/testing.md).
mutate: $(STAMP)
	bash tests/mutation/mutate.sh $(MODULE)

clean:
	rm -rf $(VENV) node_modules frontend/dist var
