# GridGov: every entry point a developer, CI or an operator needs.
#   make up     install and start everything (Kafka, Keycloak, FerretDB, Prometheus, services), seed a demo
#   make test   lint, then every test (unit, integration, e2e) against the real local servers
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
STACK := deploy/local/stack.sh
PYTEST := $(PY) -m pytest

.PHONY: help install console up down status logs test test-unit test-integration test-e2e lint fmt bench lock clean reset

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.venv/.installed: requirements/lock.txt
	@command -v python3.11 >/dev/null || { echo "missing prerequisite 'python3.11': apt-get install python3.11 python3.11-venv"; exit 1; }
	@test -x $(PY) || python3.11 -m venv .venv
	@$(PY) -m pip install -q --disable-pip-version-check "uv==0.13.9"
	@.venv/bin/uv pip sync -q --python $(PY) requirements/lock.txt
	@touch $@

install: .venv/.installed ## Python dependencies into .venv (pinned by requirements/lock.txt)

lock: ## re-pin requirements/lock.txt from pyproject.toml
	.venv/bin/uv pip compile pyproject.toml --group dev -o requirements/lock.txt --python-version 3.11 -q

console: ## the web console's npm packages (package-lock.json) and its build into console/dist
	@bash deploy/local/console.sh build

up: install console ## install, start and seed the whole local stack (idempotent)
	@$(STACK) up

down: ## stop everything (data is kept in .infra/)
	@$(STACK) down

status: ## one line per component: name, URL, state
	@$(STACK) status

logs: ## follow the logs (make logs C=kafka for one component)
	@$(STACK) logs $(C)

lint: install ## ruff, mypy, import-linter contracts, helm lint of the chart, the console's eslint and type check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy shared services bench --exclude /tests/
	.venv/bin/lint-imports
	"$$(bash deploy/local/tools.sh helm)" lint --strict --quiet charts/gridgov
	bash deploy/local/console.sh lint

fmt: install ## apply ruff fixes and formatting
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

test-unit: install ## unit tests only: no sockets, no servers (the console's too)
	$(PYTEST) -m "not integration and not e2e" -q
	bash deploy/local/console.sh test

test-integration: up ## integration and e2e tests against the running local stack
	$(PYTEST) -m "integration or e2e" -q

test: lint up ## every test: lint, unit, integration, e2e (starts the stack when it is down)
	bash deploy/local/console.sh test
	GRIDGOV_HELM="$$(bash deploy/local/tools.sh helm)" $(PYTEST) -q

bench: up ## baselines and benchmarks, printed as ratios against raw baselines
	$(PY) -m bench

clean: ## remove caches (not .infra/)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

reset: ## stop and delete all local state (.infra/, and a cluster kept outside it); downloads stay
	@$(STACK) reset
