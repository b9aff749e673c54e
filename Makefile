# The two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_MEMBERS ?= 2000
HOST ?= 127.0.0.1
PORT ?= 7071

.PHONY: install run run-stand-ins test lint bench clean postgres

NODE_STAMP := node_modules/.installed

$(STAMP): requirements.txt requirements-local.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# The tests' stand-ins for Azure (Azurite, the Cosmos DB server), pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

# PostgreSQL, for the SoR contract suite on a real server: Debian's package where missing.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| apt-get install -y postgresql || (apt-get update && apt-get install -y postgresql)

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/python -m mosaic demo seed --members $(DEMO_MEMBERS) --if-empty
	$(BIN)/python -m mosaic serve --host $(HOST) --port $(PORT)

# The same app on its Azure adapters, on local stand-ins (Azurite, the Cosmos DB server, an AI
# Search stand-in, PostgreSQL for the SoR): one command, nothing to set up, nothing kept.
run-stand-ins: $(STAMP) $(NODE_STAMP) postgres
	$(BIN)/python -m tests.stand_ins --members $(DEMO_MEMBERS) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite on the embedded backend, then the HTTP suite again on the Azure adapters
# (Cosmos DB server, Azurite, the AI Search stand-in), started by the tests themselves.
test: lint $(NODE_STAMP) postgres
	$(BIN)/pytest
	$(BIN)/pytest tests/functions --backend azure -q

# wrk, the load generator (Debian's package), is installed by the bench when missing.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .mosaic .mypy_cache .ruff_cache .pytest_cache
